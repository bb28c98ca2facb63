"""Record what producers delivered (reception): the allocation is computed again on it — a shortfall
rationed with the cycle's strategy, a surplus first filling tolerance —, every closing document written
anew and the difference posted to the ledger, in one transaction.

At a depot (``record_depot_reception``), the group's volunteers say what arrived, product by product: a shortfall
there is shared among that depot's households alone, and the same writing step follows."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cabas.distribution.models import Distribution, ReceptionState
from cabas.distribution.services import ReceivedLine, delete_closing_documents, write_receptions
from cabas.distribution.surplus import set_delivery_surplus
from cabas.notifications.tasks import delivery_claimed
from cabas.ordering.closing import ClosingResult
from cabas.ordering.services import clear_allocation, lock_closed_cycle, run_allocation, set_deliveries

from .closing import priority_households, write_closing


def record_deliveries(
    cycle_id: int, delivered: Mapping[int, Decimal | None], *, prices: Mapping[int, Decimal] | None = None,
    now: datetime.datetime | None = None,
) -> ClosingResult:
    """What producers delivered per offer (None: as ordered), and the price when reception corrects it."""
    now = now or timezone.now()
    with transaction.atomic():
        cycle, changed = set_deliveries(cycle_id, delivered, prices or {})
        if not changed:  # nothing is written
            return run_allocation(cycle, priority=priority_households(cycle))
        delete_closing_documents(cycle)
        return write_closing(cycle, now=now)


def record_depot_reception(
    distribution: Distribution, lines: Mapping[int, ReceivedLine], *, by_user=None, now: datetime.datetime | None = None,
) -> bool:
    """What one depot received, per offer (see ``distribution.services.write_receptions``). When what the depot can
    hand out changed, the allocation is computed again (its shortfall shared among its households), the lists and
    sheets written anew and the ledger brought to it by difference: households are credited what they no longer
    receive, producers are owed only what was handed out. What arrived beyond what was expected becomes the depot's
    surplus. One transaction; returns whether amounts changed."""
    now = now or timezone.now()
    with transaction.atomic():
        cycle = lock_closed_cycle(distribution.cycle_id)
        changed, extra = write_receptions(distribution, lines, by_user=by_user, now=now)
        set_delivery_surplus(distribution, extra)  # more than expected: the depot's surplus, to sell or give
        if changed and any(line.state in (ReceptionState.SHORT, ReceptionState.DAMAGED) for line in lines.values()):
            delivery_claimed(distribution.pk, now)  # the coordinators are told, after the commit
        if not changed:
            return False
        clear_allocation(cycle)
        delete_closing_documents(cycle)
        write_closing(cycle, now=now)
    return True
