"""Open an order cycle: the cycle and its offers (ordering), one distribution per group it covers (distribution),
and the subscriptions' baskets put into the households' orders (contracts), in one transaction; the members
are told by e-mail once it commits (notifications). The recurring cycles are opened the same way when they are
due (``open_recurring_cycles``, cron's ``cabas open-recurring-cycles``)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.contracts.services import agreed_prices_for, put_in_subscriptions
from cabas.core.errors import ActionError
from cabas.distribution.services import create_distributions
from cabas.members.models import Club
from cabas.notifications import tasks as notifications
from cabas.ordering.models import OrderCycle
from cabas.ordering.services import (
    advance_recurring_cycle, create_cycle, due_recurring_cycles, lock_due_recurring_cycle, plan_recurring_cycle,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def open_cycle(
    *,
    club: Club,
    name: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    distribution_dates: Mapping[int, datetime.date],
    product_ids: Iterable[int],
) -> OrderCycle:
    """Create a cycle with its offers (terms frozen from the catalogue now), covering the groups given a
    distribution date (group id -> date: some of the club's groups, at least one), a distribution for each on its
    date, and the subscriptions due on those dates. An offer of a product under a solidarity contract running on
    every distribution day takes the contract's agreed price. ActionError before anything is written when an
    input is wrong."""
    product_ids = list(product_ids)
    prices = agreed_prices_for(club.pk, product_ids, distribution_dates.values())
    cycle = create_cycle(club=club, name=name, opens_at=opens_at, closes_at=closes_at,
                         distribution_dates=distribution_dates, product_ids=product_ids, prices=prices)
    create_distributions(cycle, distribution_dates)
    put_in_subscriptions(cycle, distribution_dates)
    notifications.cycle_opened(cycle)  # the members are told once this commits (if the cycle is open already)
    return cycle


@dataclass(frozen=True)
class RecurringOutcome:
    recurring_id: int
    cycle: OrderCycle | None  # None: nothing was opened this time (``message`` says why)
    message: str


def open_recurring_cycles(*, now: datetime.datetime | None = None) -> list[RecurringOutcome]:
    """Open every recurring cycle that is due, each in its own transaction (the rule row-locked, so that two runs
    never open it twice; run again, it opens nothing more): its latest opening due, with the last cycle's
    products, for its groups whose rhythm plans a distribution in the period. When it cannot open (no group
    distributes then, no product left in the catalogue, the deadline already past), nothing is opened, the next
    opening is set all the same and the reason kept on the rule for its page."""
    now = now or timezone.now()
    outcomes = []
    for recurring_id in due_recurring_cycles(now):
        with transaction.atomic():
            recurring = lock_due_recurring_cycle(recurring_id, now)
            if recurring is None:  # opened meanwhile by another run
                continue
            plan = plan_recurring_cycle(recurring, now)
            cycle, message = None, ""
            if plan.missed:
                message = _("The opening of %(date)s was missed (its deadline has passed): none was opened.") % {
                    "date": timezone.localtime(plan.opens_at).strftime("%d/%m/%Y")}
            elif not plan.distribution_dates:
                message = _("No group of this cycle distributes in that period: none was opened.")
            else:
                try:
                    with transaction.atomic():
                        cycle = open_cycle(club=recurring.club, name=plan.name, opens_at=plan.opens_at,
                                           closes_at=plan.closes_at, distribution_dates=plan.distribution_dates,
                                           product_ids=plan.product_ids)
                except ActionError as error:
                    message = _("Could not open: %(reasons)s") % {"reasons": " ".join(error.all_messages)}
                    logger.warning("Recurring cycle %s not opened: %s", recurring_id, message)
                else:
                    message = _("“%(cycle)s” opened.") % {"cycle": cycle.name}
            advance_recurring_cycle(recurring, plan, cycle=cycle, message=message)
        outcomes.append(RecurringOutcome(recurring_id=recurring_id, cycle=cycle, message=message))
    return outcomes
