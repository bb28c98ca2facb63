"""The French FEC (Fichier des Écritures Comptables, article A47 A-1 of the Livre des procédures
fiscales), as plain Python (no Django import): 18 columns, tab-separated, dates YYYYMMDD, amounts
with a decimal comma, one line per entry, debit and credit in separate columns."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
           "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
           "ValidDate", "Montantdevise", "Idevise")


@dataclass(frozen=True)
class FecEntry:
    journal_code: str
    journal_label: str
    number: str
    date: datetime.date
    account: str
    account_label: str
    auxiliary: str
    auxiliary_label: str
    piece: str
    piece_date: datetime.date
    label: str
    amount: Decimal  # debit > 0
    validated: datetime.date


def _date(day: datetime.date) -> str:
    return day.strftime("%Y%m%d")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _clean(text: str) -> str:
    return " ".join(str(text).replace("\t", " ").split())


def rows(entries: Iterable[FecEntry]) -> list[list[str]]:
    result = [list(COLUMNS)]
    for e in entries:
        result.append([
            e.journal_code, _clean(e.journal_label), e.number, _date(e.date), e.account, _clean(e.account_label),
            e.auxiliary, _clean(e.auxiliary_label), _clean(e.piece), _date(e.piece_date), _clean(e.label),
            _amount(max(e.amount, Decimal(0))), _amount(max(-e.amount, Decimal(0))), "", "", _date(e.validated), "", "",
        ])
    return result


def text(entries: Iterable[FecEntry]) -> str:
    return "\r\n".join("\t".join(row) for row in rows(entries)) + "\r\n"


def filename(siren: str, closing: datetime.date) -> str:
    return f"{siren or '000000000'}FEC{_date(closing)}.txt"
