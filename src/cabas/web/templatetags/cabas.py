from decimal import Decimal

from django import template

from cabas.catalog.units import format_quantity_with_unit
from cabas.core.formatting import format_money, format_quantity

register = template.Library()


@register.filter
def qty(value):
    """2.500 → « 2,5 »; 3.000 → « 3 »."""
    return format_quantity(value)


@register.filter
def qty_unit(value, unit):
    """2, "piece" → « 2 pièces »; 0.5, "kg" → « 0,5 kg »."""
    return format_quantity_with_unit(value, unit)


@register.filter
def money(value):
    """12.5 → « 12,50 € »."""
    return format_money(value)


@register.filter
def percent(value):
    return f"{format_quantity(value)}\u00a0%"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def add_money(value, other):
    """Two Decimal amounts added (the add filter would go through int)."""
    return Decimal(value or 0) + Decimal(other or 0)


@register.filter
def money_abs(value):
    """-12.5 → « 12,50 € » (what is owed, said without a sign)."""
    return format_money(abs(Decimal(value))) if value not in (None, "") else ""


@register.filter
def surplus_source(row, source):
    """A surplus report row's quantity from one source (pack, delivery, uncollected)."""
    return row.source(source)
