"""Bank statements: reading CSV exports and ISO 20022 camt.053 files, and matching their lines to what
is owed, as plain Python (no Django import).

Matching: first by structured reference (a Belgian structured communication or an ISO 11649 RF found
in the line's reference or text): certain. Then by amount and name: a line whose amount is exactly
what one debtor owes and whose counterparty name shares a word with that debtor's name is suggested,
for the treasurer to confirm. Everything else is listed as unmatched.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from cabas.core.dates import EARLIEST_DATE, LATEST_DATE, in_range
from cabas.core.numbers import parse_decimal

from .references import parse_reference

MAX_LINES = 20000
# The treasurer's messages here are French, like the others of this module; the range is core's.
OUT_OF_RANGE_FR = f"date hors de la plage acceptée (du {EARLIEST_DATE:%d/%m/%Y} au {LATEST_DATE:%d/%m/%Y})."


class StatementError(ValueError):
    """A file that cannot be read; the message is for the treasurer (French)."""


@dataclass(frozen=True)
class BankLine:
    index: int  # position in the file (1 = first line or entry)
    date: datetime.date
    amount: Decimal  # positive: money in
    name: str  # the counterparty
    text: str  # remittance text
    reference: str = ""  # the structured reference, normalised, if any
    bank_ref: str = ""  # the bank's own id of the entry, if any


@dataclass(frozen=True)
class Statement:
    source_id: str  # what makes a second import of the same statement recognisable
    lines: tuple[BankLine, ...]


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- camt.053 ---------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element, *path):
    for name in path:
        if element is None:
            return None
        element = next((child for child in element if _local(child.tag) == name), None)
    return element


def _text(element, *path) -> str:
    found = _find(element, *path)
    return (found.text or "").strip() if found is not None else ""


def parse_camt053(data: bytes) -> Statement:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as error:
        raise StatementError(f"Le fichier n'est pas un XML lisible ({error}).") from None
    if "camt.053" not in root.tag:
        raise StatementError("Ce XML n'est pas un relevé camt.053 (ISO 20022).")
    statement = _find(root, "BkToCstmrStmt", "Stmt")
    if statement is None:
        raise StatementError("Le relevé camt.053 ne contient aucun relevé (Stmt).")
    statement_id = _text(statement, "Id") or _text(root, "BkToCstmrStmt", "GrpHdr", "MsgId")
    lines = []
    for index, entry in enumerate((e for e in statement if _local(e.tag) == "Ntry"), start=1):
        amount = parse_decimal(_text(entry, "Amt"))
        if amount is None:
            raise StatementError(f"Écriture {index} : montant illisible.")
        direction = _text(entry, "CdtDbtInd")
        if direction not in ("CRDT", "DBIT"):
            raise StatementError(f"Écriture {index} : sens (CdtDbtInd) inconnu « {direction} ».")
        day = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10] or _text(entry, "ValDt", "Dt")
        try:
            date = datetime.date.fromisoformat(day[:10])
        except ValueError:
            raise StatementError(f"Écriture {index} : date illisible « {day[:40]} ».") from None
        if not in_range(date):
            raise StatementError(f"Écriture {index} : {OUT_OF_RANGE_FR}")
        details = _find(entry, "NtryDtls", "TxDtls")
        party = "Dbtr" if direction == "CRDT" else "Cdtr"
        name = _text(details, "RltdPties", party, "Nm") or _text(details, "RltdPties", party, "Pty", "Nm")
        structured = _text(details, "RmtInf", "Strd", "CdtrRefInf", "Ref")
        unstructured = " ".join((e.text or "").strip() for e in (_find(details, "RmtInf") or []) if _local(e.tag) == "Ustrd")
        text = unstructured or _text(entry, "AddtlNtryInf")
        lines.append(BankLine(
            index=index, date=date, amount=amount if direction == "CRDT" else -amount, name=name, text=text,
            reference=parse_reference(structured) or parse_reference(text) or "",
            bank_ref=_text(entry, "AcctSvcrRef") or _text(entry, "NtryRef"),
        ))
        if index > MAX_LINES:
            raise StatementError(f"Le relevé compte plus de {MAX_LINES} écritures.")
    if not lines:
        raise StatementError("Le relevé ne contient aucune écriture.")
    return Statement(source_id=f"camt:{statement_id}" if statement_id else "", lines=tuple(lines))


# --- CSV ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvColumns:
    """Which columns of the bank's CSV export hold what (names as in its header row)."""

    date: str = "Date"
    amount: str = "Montant"
    name: str = "Contrepartie"
    text: str = "Communication"
    date_format: str = "%d/%m/%Y"


def parse_csv(data: bytes, columns: CsvColumns) -> Statement:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=max(";,\t", key=first.count))
    headers = {h.strip() for h in reader.fieldnames or []}
    missing = [c for c in (columns.date, columns.amount) if c not in headers]
    if missing:
        raise StatementError("Colonnes absentes du CSV : " + ", ".join(f"« {m} »" for m in missing) + ".")
    lines, errors = [], []
    for index, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not any(row.values()):
            continue
        amount = parse_decimal(row.get(columns.amount, ""), grouped=True)
        try:
            date = datetime.datetime.strptime(row.get(columns.date, ""), columns.date_format).date()
        except ValueError:
            date = None
        if amount is None or date is None:
            errors.append(f"ligne {index} : {'montant' if amount is None else 'date'} illisible")
            continue
        if not in_range(date):
            errors.append(f"ligne {index} : {OUT_OF_RANGE_FR[:-1]}")
            continue
        text_ = row.get(columns.text, "")
        lines.append(BankLine(index=index, date=date, amount=amount, name=row.get(columns.name, ""), text=text_,
                              reference=parse_reference(text_) or ""))
        if len(lines) > MAX_LINES:
            raise StatementError(f"Le relevé compte plus de {MAX_LINES} lignes.")
    if errors:
        raise StatementError("Relevé illisible : " + " ; ".join(errors[:10]) + ("…" if len(errors) > 10 else "") + ".")
    if not lines:
        raise StatementError("Le relevé ne contient aucune ligne.")
    return Statement(source_id="", lines=tuple(lines))


# --- matching -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Debtor:
    key: object  # what the caller matches to (a household's account)
    name: str
    owed: Decimal  # what it owes now (> 0)
    references: frozenset[str]  # its structured references, normalised


@dataclass(frozen=True)
class Match:
    line: BankLine
    debtor: Debtor | None
    certain: bool  # by structured reference; otherwise a suggestion to confirm


def _words(name: str) -> set[str]:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return {w for w in re.findall(r"[a-z]{3,}", plain) if w not in {"foyer", "famille", "madame", "monsieur", "mme", "les", "des"}}


def match(lines: Iterable[BankLine], debtors: Iterable[Debtor]) -> list[Match]:
    debtors = list(debtors)
    by_reference: Mapping[str, Debtor] = {ref: d for d in debtors for ref in d.references}
    result = []
    for line in lines:
        if line.amount <= 0:
            result.append(Match(line, None, False))
            continue
        if line.reference and line.reference in by_reference:
            result.append(Match(line, by_reference[line.reference], True))
            continue
        words = _words(line.name)
        candidates = [d for d in debtors if d.owed == line.amount and words & _words(d.name)]
        result.append(Match(line, candidates[0] if len(candidates) == 1 else None, False))
    return result
