"""Structured payment references and IBANs, as plain Python (no Django import).

- Belgian structured communication (communication structurée, OGM/VCS): 10 digits and a check of two,
  their remainder modulo 97 (97 when it is 0), written +++123/4567/89012+++.
- ISO 11649 creditor reference: "RF", two check digits, then up to 21 letters or digits, checked
  modulo 97 like an IBAN.
"""

from __future__ import annotations

import re


def _digits_of(text: str) -> str:
    """Letters as numbers (A = 10 … Z = 35), as ISO 7064 mod 97-10 reads them."""
    return "".join(str(int(ch, 36)) for ch in text)


def belgian(base: int) -> str:
    """The structured communication for a number of at most 10 digits."""
    if not 0 < base < 10**10:
        raise ValueError("the base of a structured communication has 1 to 10 digits")
    check = base % 97 or 97
    digits = f"{base:010d}{check:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def parse_belgian(text: str) -> str | None:
    """The 12 digits of a valid structured communication written in any usual way, else None."""
    digits = re.sub(r"[+*/\s.]", "", text or "")
    if not re.fullmatch(r"\d{12}", digits):
        return None
    base, check = int(digits[:10]), int(digits[10:])
    return digits if base and (base % 97 or 97) == check else None


def creditor_reference(reference: str) -> str:
    """The ISO 11649 reference "RFkk<reference>" for up to 21 letters and digits."""
    reference = reference.upper()
    if not re.fullmatch(r"[0-9A-Z]{1,21}", reference):
        raise ValueError("a creditor reference holds 1 to 21 letters or digits")
    check = 98 - int(_digits_of(reference + "RF00")) % 97
    return f"RF{check:02d}{reference}"


def parse_creditor_reference(text: str) -> str | None:
    """The reference, without spaces and in capitals, if its check digits are right; else None."""
    compact = re.sub(r"\s", "", text or "").upper()
    if not re.fullmatch(r"RF\d{2}[0-9A-Z]{1,21}", compact):
        return None
    return compact if int(_digits_of(compact[4:] + compact[:4])) % 97 == 1 else None


def format_creditor_reference(reference: str) -> str:
    """In groups of four, as printed: RF18 5390 0754 7034."""
    return " ".join(reference[i:i + 4] for i in range(0, len(reference), 4))


def valid_iban(text: str) -> str | None:
    compact = re.sub(r"\s", "", text or "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[0-9A-Z]{11,30}", compact):
        return None
    return compact if int(_digits_of(compact[4:] + compact[:4])) % 97 == 1 else None


def reference_for(scheme: str, number: int) -> str:
    """The payment reference of an invoice or account number, in the club's scheme ("be" or "rf")."""
    return belgian(number) if scheme == "be" else creditor_reference(str(number))


def parse_reference(text: str) -> str | None:
    """A structured reference found in a bank line (either scheme), normalised; else None."""
    text = text or ""
    for candidate in re.findall(r"[+*]{3}[\d/]{12,14}[+*]{3}", text):
        found = parse_belgian(candidate)
        if found:
            return found
    for start in re.finditer(r"RF\d{2}", text, re.I):
        tokens = text[start.start():].split()
        for count in range(min(len(tokens), 7), 0, -1):  # the longest run of words that is a valid reference
            found = parse_creditor_reference("".join(tokens[:count]))
            if found:
                return found
    return parse_belgian(text)
