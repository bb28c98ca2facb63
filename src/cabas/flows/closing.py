"""Close an order cycle: the allocation engine pools every group's orders (ordering), the picking lists and
producer sheets are written (distribution), then what each household owes and each producer is owed, with
the solidarity and guarantee funds, is posted to the ledger (finance) — in one transaction.

Reception (``record_delivery``) runs the same writing step on what was delivered."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from cabas.distribution.services import depot_limits, refresh_expected, write_closing_documents
from cabas.finance.deposits import post_cycle_deposits
from cabas.finance.models import HouseholdTariff
from cabas.finance.services import post_cycle
from cabas.notifications import tasks as notifications
from cabas.ordering.closing import ClosingResult
from cabas.ordering.models import OrderCycle, Rationing
from cabas.ordering.services import lock_cycle_to_close, mark_closed, write_allocation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClosingOutcome:
    cycle: OrderCycle | None  # None only when the closing failed (``error``)
    closed_now: bool  # False when the cycle had already been closed, or the closing failed: nothing was written
    result: ClosingResult | None
    cycle_id: int | None = None
    error: str = ""  # why the closing failed (close_due_cycles goes on with the other cycles)


def priority_households(cycle: OrderCycle) -> frozenset[int]:
    """The households served first when the cycle shares out short supply ``solidarity-first``: those of the club
    on a solidarity tariff (a discount). Confidential as the tariffs are: handed to the allocation engine, never
    written with an allocation nor shown as a reason. No query for the other strategies."""
    if cycle.rationing != Rationing.SOLIDARITY_FIRST:
        return frozenset()
    return frozenset(HouseholdTariff.objects.filter(
        household__group__club_id=cycle.club_id, category__discount_rate__gt=0).values_list("household_id", flat=True))


def write_closing(cycle: OrderCycle, *, now: datetime.datetime) -> ClosingResult:
    """Allocate and write everything that follows from the allocation: allocations and summaries, picking lists
    and producer sheets, the ledger (by difference with what was posted before), the containers' deposits. Runs
    inside the caller's transaction, the cycle locked; a constant number of statements whatever the cycle's size.
    What depots received (``DepotReception``) limits what their households receive."""
    receptions = depot_limits(cycle)
    result = write_allocation(cycle, receptions, priority=priority_households(cycle))
    if receptions:
        refresh_expected(cycle, result.depot_expected)
    write_closing_documents(cycle, result, now=now)
    post_cycle(cycle, {t.key: t.vat.amount_incl_vat for t in result.households},
               {t.key: t.vat.amount_incl_vat for t in result.producers}, date=timezone.localdate(now))
    post_cycle_deposits(cycle, date=timezone.localdate(now))
    return result


def close_cycle(cycle_id: int, *, by_user=None, now: datetime.datetime | None = None) -> ClosingOutcome:
    """Close a cycle in one transaction. Idempotent: closing a closed cycle writes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        cycle = lock_cycle_to_close(cycle_id, now)
        if cycle.closed_at is not None:
            return ClosingOutcome(cycle=cycle, closed_now=False, result=None, cycle_id=cycle.pk)
        result = write_closing(cycle, now=now)
        mark_closed(cycle, by_user=by_user, now=now)
        notifications.cycle_closed(cycle)  # each household's order and the coordinators' documents, after the commit
    return ClosingOutcome(cycle=cycle, closed_now=True, result=result, cycle_id=cycle.pk)


def close_due_cycles(*, now: datetime.datetime | None = None) -> list[ClosingOutcome]:
    """Close every cycle whose deadline has passed (what cron runs), each in its own transaction: a cycle whose
    closing fails is logged, rolled back and reported with its ``error``; the others still close."""
    now = now or timezone.now()
    outcomes = []
    for cycle_id in OrderCycle.objects.due_for_closing(now).order_by("closes_at").values_list("pk", flat=True):
        try:
            outcomes.append(close_cycle(cycle_id, now=now))
        except IntegrityError:  # closed concurrently by another process: its closing stands
            continue
        except Exception as error:  # noqa: BLE001 - one bad cycle must not block every later closing
            logger.exception("Closing cycle %s failed; the other due cycles are closed", cycle_id)
            outcomes.append(ClosingOutcome(cycle=None, closed_now=False, result=None, cycle_id=cycle_id,
                                           error=f"{type(error).__name__}: {error}"[:500]))
    return outcomes
