"""Units as people read them: the unit's name agrees with the quantity (« 1 pièce », « 2 pièces »)."""

from decimal import Decimal

from django.utils.translation import npgettext

from cabas.core.formatting import format_number, format_quantity

from .models import Unit


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
    return f"{format_number(quantity)}\u00a0{unit_label(unit, quantity)}"


def format_step(step, unit: str) -> str:
    """An order step as it is handed out: « 100 g » rather than « 0,1 kg », « 25 cl », « 1 l », « 1 pièce »."""
    step = Decimal(step)
    if unit == Unit.KILOGRAM and step < 1:
        return f"{format_quantity(step * 1000)}\u00a0g"
    if unit == Unit.LITRE and step < 1:
        return f"{format_quantity(step * 100)}\u00a0cl"
    return format_quantity_with_unit(step, unit)
