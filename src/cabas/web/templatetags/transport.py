"""Durations and distances of the transport pages and drivers' sheets: « 8 h 05 », « 1 234,5 km »
(logistics.sheets formats them, until a shared formatter says durations and distances)."""

from django import template

from cabas.logistics.sheets import format_distance, format_duration, format_hours

register = template.Library()


@register.filter
def duration(minutes):
    """Minutes as « 8 h 05 »."""
    return format_duration(minutes)


@register.filter
def hours_duration(hours):
    """A Decimal number of hours as « 8 h 05 »."""
    return format_hours(hours)


@register.filter
def km(value):
    """« 1 234,5 km »."""
    return format_distance(value)
