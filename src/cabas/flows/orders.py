"""Save a household's order: the quantities checked against the open cycle (ordering), under the club's
prepaid rule when it has one (finance: the orders not yet closed may not exceed the account's credit)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cabas.core.errors import ActionError
from cabas.finance.services import check_prepaid, open_orders_total, prepaid_room
from cabas.members.models import Household
from cabas.ordering.models import OrderCycle
from cabas.ordering.services import SavedOrder, lock_open_cycle, read_order_request, write_order


def save_order(
    *,
    cycle: OrderCycle,
    household: Household,
    quantities: Mapping[int, object],
    tolerances: Mapping[int, object] | None = None,
    replace: bool = False,
    by_user=None,
    now: datetime.datetime | None = None,
) -> SavedOrder:
    """Set a household's quantities (and tolerances: how many more it would take to complete a pack) for the
    given offers; zero removes a line, other lines stay (with ``replace``, the quantities given are the whole
    order: every other line is removed). Refused as a whole if the cycle is not open, any
    quantity is wrong or the prepaid credit does not cover it; a constant number of queries whatever the
    number of lines."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_open_cycle(cycle, household, now)
        request = read_order_request(locked, quantities, tolerances or {})
        room = prepaid_room(locked.club_id, household.pk)
        before = open_orders_total(locked.club_id, household.pk) if room is not None else Decimal(0)
        saved = write_order(locked, household, request, replace=replace, by_user=by_user, now=now)
        if saved.order is not None:
            check_prepaid(club_id=locked.club_id, household_id=household.pk, room=room, before=before)
        return saved


def save_paper_orders(
    *, cycle: OrderCycle, households: Mapping[int, Household], quantities: Mapping[int, Mapping[int, object]],
    by_user=None, now: datetime.datetime | None = None,
) -> int:
    """Orders written on paper, keyed in by a coordinator: for each household (id -> quantities per offer), the
    quantities given are its whole order, saved through the same rules as a member's own (``save_order``).
    One transaction: refused as a whole when any line is wrong, every problem reported under its field
    ``q-<household>-<offer>``. Returns the number of households whose order was saved."""
    now = now or timezone.now()
    field_errors: dict[str, str] = {}
    messages: list[str] = []
    with transaction.atomic():
        for household_id in sorted(quantities):
            try:
                save_order(cycle=cycle, household=households[household_id], quantities=quantities[household_id],
                           replace=True, by_user=by_user, now=now)
            except ActionError as error:
                messages.extend(m for m in error.messages if m not in messages)
                field_errors.update({f"q-{household_id}-{key.split('-', 1)[1]}": text
                                     for key, text in error.field_errors.items()})
        if field_errors or messages:
            raise ActionError(*messages, field_errors=field_errors)
    return len(quantities)
