"""How quantities and amounts are written for people: French notation through Django's l10n."""

import unicodedata
from decimal import Decimal

from django.utils import formats


def format_quantity(value) -> str:
    if value is None or value == "":
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return formats.number_format(value.quantize(Decimal(1)), decimal_pos=0, use_l10n=True)
    return formats.number_format(value.normalize(), use_l10n=True)


def format_money(value) -> str:
    if value is None or value == "":
        return ""
    return f"{formats.number_format(Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True)}\u00a0€"


def name_sort_key(name: str) -> tuple[str, str]:
    """Sort names as a French reader expects, whatever the database's collation: accents and case set aside
    (« Épinards » between « Carottes » and « Fromage »), then the exact name to break ties."""
    bare = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in bare if not unicodedata.combining(c)).casefold()
    return (folded.replace("œ", "oe").replace("æ", "ae"), name)
