"""Durations and distances of the transport pages and drivers' sheets: « 8 h 05 », « 1 234,5 km »
(logistics.sheets passes them to the shared formatters of core.formatting)."""

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
