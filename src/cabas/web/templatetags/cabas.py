from decimal import Decimal

from django import template
from django.utils import formats

register = template.Library()


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


@register.filter
def qty(value):
    """2.500 → « 2,5 »; 3.000 → « 3 »."""
    return format_quantity(value)


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
