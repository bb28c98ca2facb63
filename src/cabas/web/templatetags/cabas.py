from decimal import Decimal

from django import template
from django.utils.translation import gettext

from cabas.catalog.units import format_quantity_with_unit
from cabas.logistics.distances import describe_identity
from cabas.core.formatting import (
    format_date, format_distance, format_duration, format_measure, format_money, format_number, format_quantity,
)

register = template.Library()

# The formatters of cabas.core.formatting, in the active language (fr, nl, en): see docs/formats.md.


@register.filter
def qty(value):
    """2.500 → « 2,5 »; 3.000 → « 3 »; 1633.26 → « 1 633,26 » (the thousands grouped, to be read)."""
    return format_number(value)


@register.filter
def qty_input(value):
    """A quantity put back in a form's field: never grouped (« 1250,5 »), read back as typed."""
    return format_quantity(value)


@register.filter
def number(value, places=None):
    """A figure rounded to ``places`` decimals (none: as it is): « 1 633,3 »."""
    return format_number(value, places=None if places in (None, "") else int(places))


@register.filter
def measure(value, unit):
    """A figure and its unit: « 12,5 kg CO2 », « 40 % »."""
    return format_measure(value, unit)


@register.filter
def km(value):
    """« 1 633,3 km »."""
    return format_distance(value)


@register.filter
def duration(value):
    """Hours (a number or a timedelta) → « 14 h 37 », « 45 min »."""
    return format_duration(value)


@register.filter
def duration_minutes(value):
    """Minutes → « 8 h 05 », « 45 min » (a round's time, counted in minutes)."""
    return format_duration(minutes=int(round(value or 0)))


@register.filter
def day(value, style="short"):
    """A date: « 5 déc. 2026 »; ``day:"long"`` « 5 décembre 2026 »; ``day:"weekday"`` « sam. 5 déc. 2026 »;
    ``day:"weekday-no-year"`` « sam. 5 déc. »; ``day:"long-weekday"`` « samedi 5 décembre 2026 »."""
    parts = set(str(style).split("-"))
    return format_date(value, style="long" if "long" in parts else "short", weekday="weekday" in parts,
                       year="year" not in parts)


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
    return format_measure(value, "%")


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


def _described(message: str, params: dict) -> str:
    return gettext(message) % {name: _described(*value) if isinstance(value, tuple) else format_number(value)
                               for name, value in params.items()}


@register.filter
def distance_method(identity):
    """How a transport plan's distances were found, in words: « à vol d’oiseau × 1,3, à 50 km/h »."""
    return _described(*describe_identity(str(identity))) if identity else ""
