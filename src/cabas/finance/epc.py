"""The EPC QR code of a SEPA credit transfer (EPC069-12, version 002), as plain Python (no Django import).

Line by line: BCD, 002, 1 (UTF-8), SCT, BIC (optional), beneficiary name, IBAN, EUR amount, purpose
(empty), structured reference (ISO 11649 RF) or else unstructured remittance text, no trailing line.
A Belgian structured communication is not an ISO 11649 reference: it goes in the remittance text, as
Belgian banks read it there. The whole payload is at most 331 bytes.
"""

from __future__ import annotations

from decimal import Decimal

from .references import valid_iban

MAX_BYTES = 331


def payload(*, name: str, iban: str, amount: Decimal, bic: str = "", reference: str = "", text: str = "") -> str:
    compact_iban = valid_iban(iban)
    if compact_iban is None:
        raise ValueError("invalid IBAN")
    if not isinstance(amount, Decimal) or not Decimal("0.01") <= amount <= Decimal("999999999.99"):
        raise ValueError("the amount must be between 0.01 and 999999999.99 euros")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("the amount must be to the cent")
    name = " ".join(name.split())[:70]
    if not name:
        raise ValueError("the beneficiary's name is required")
    structured = reference.replace(" ", "") if reference.upper().startswith("RF") else ""
    remittance = "" if structured else (reference or text)[:140]
    lines = ["BCD", "002", "1", "SCT", bic.replace(" ", "").upper(), name, compact_iban,
             f"EUR{amount.normalize():f}" if amount != amount.to_integral_value() else f"EUR{int(amount)}",
             "", structured[:35], remittance]
    while lines and not lines[-1]:
        lines.pop()
    result = "\n".join(lines)
    if len(result.encode("utf-8")) > MAX_BYTES:
        raise ValueError("the payload is longer than 331 bytes")
    return result


def qr_svg(data: str) -> str:
    """The QR code as an inline SVG (error correction M, as EPC069-12 asks)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="svg", scale=3, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()
