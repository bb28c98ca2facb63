"""Reading a number as people type it (no Django import): a decimal comma or point, never a float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"\A-?[0-9]+(?:[.,][0-9]+)?\Z")  # ASCII digits only; \Z, not $ (which allows a final "\n")


def parse_decimal(raw: object, *, grouped: bool = False) -> Decimal | None:
    """The Decimal in ``raw`` ("2,50", "2.50", "-3"), or None when it is not a plain number. With
    ``grouped``, spaces between digit groups are allowed ("1 250,50", as French writes it); exponents,
    "nan" and "inf" never are."""
    text = str(raw if raw is not None else "").strip().replace("\u00a0", " ").replace("\u202f", " ").replace("€", "").strip()
    if grouped:
        text = text.replace(" ", "")
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
