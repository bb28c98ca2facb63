"""The returnable containers households received with their allocations, read in bulk for the deposits (the
arithmetic is in the pure ``deposits.py``)."""

from __future__ import annotations

from collections.abc import Iterable

from .deposits import ChargedLine
from .models import Allocation

_FIELDS = ("household_id", "offer__container_id", "quantity", "offer__order_step", "offer__containers_per_step",
           "offer__container_deposit")


def charged_lines(*, cycle_id: int | None = None, household_ids: Iterable[int] | None = None) -> list[ChargedLine]:
    """The allocations that came in returnable containers, of one cycle or of some households over every cycle
    (one query)."""
    rows = Allocation.objects.filter(offer__container__isnull=False, quantity__gt=0)
    if cycle_id is not None:
        rows = rows.filter(cycle_id=cycle_id)
    if household_ids is not None:
        rows = rows.filter(household_id__in=list(household_ids))
    return [ChargedLine(*row) for row in rows.values_list(*_FIELDS).order_by()]
