"""Open an order cycle: the cycle and its offers (ordering), one distribution per group (distribution), and
the subscriptions' baskets put into the households' orders (contracts), in one transaction; the members
are told by e-mail once it commits (notifications)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.db import transaction

from cabas.contracts.services import agreed_prices_for, put_in_subscriptions
from cabas.distribution.services import create_distributions
from cabas.members.models import Club
from cabas.notifications import tasks as notifications
from cabas.ordering.models import OrderCycle
from cabas.ordering.services import create_cycle


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
    """Create a cycle with its offers (terms frozen from the catalogue now), a distribution per group on the
    given date (group id -> date), and the subscriptions due on those dates. An offer of a product under a
    solidarity contract running on every distribution day takes the contract's agreed price. ActionError before anything is
    written when an input is wrong."""
    product_ids = list(product_ids)
    # an offer of a product under a contract running on the cycle's distribution days takes the agreed price
    prices = agreed_prices_for(club.pk, product_ids, distribution_dates.values())
    cycle = create_cycle(club=club, name=name, opens_at=opens_at, closes_at=closes_at,
                         distribution_dates=distribution_dates, product_ids=product_ids, prices=prices)
    create_distributions(cycle, distribution_dates)
    put_in_subscriptions(cycle, distribution_dates)
    notifications.cycle_opened(cycle)  # the members are told once this commits (if the cycle is open already)
    return cycle
