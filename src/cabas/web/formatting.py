"""How quantities and amounts are written for people: French notation through Django's l10n."""

from decimal import Decimal

from django.utils import formats
from django.utils.translation import npgettext

from cabas.catalog.models import Unit


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


def unit_label(unit: str, quantity) -> str:
    """The unit's name agreeing with the quantity: « 1 pièce », « 2 pièces », « 0,5 kg »."""
    quantity = Decimal(quantity or 0)
    count = int(quantity) if quantity == quantity.to_integral_value() else 2
    if unit == Unit.PIECE:
        return npgettext("quantity", "piece", "pieces", count)
    if unit == Unit.BUNCH:
        return npgettext("quantity", "bunch", "bunches", count)
    if unit == Unit.DOZEN:
        return npgettext("quantity", "dozen", "dozens", count)
    return str(Unit(unit).label)


def format_quantity_with_unit(quantity, unit: str) -> str:
    return f"{format_quantity(quantity)}\u00a0{unit_label(unit, quantity)}"
