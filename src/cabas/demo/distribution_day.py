"""The demo's distribution day: on the most recent closed cycle, at one depot, the pickup sheet signed off (one
household absent), the absent household's goods turned into surplus — one step sold to a member present, the
rest given to a food bank — and every pack surplus of the cycle given to the food bank too. Everything goes
through the services and flows, so `cabas ledger-check` passes on the demo."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cabas.distribution.models import Distribution, SurplusSource, Uncollected
from cabas.distribution.pickup import record_pickup, resolve_stored
from cabas.distribution.surplus import give_or_lose, surplus_lines
from cabas.flows import sell_surplus
from cabas.members.models import Club, Role, RoleKind
from cabas.ordering.models import Allocation, OrderCycle

FOOD_BANK = "Banque alimentaire de Rennes"
BUYER_EMAIL_PREFIX = "membre."


def seed_distribution_day(club: Club, *, group_slug: str | None = None) -> Distribution | None:
    """Sign off the pickups of the club's most recent closed cycle at one depot (the group ``group_slug``, or the
    first by name), then handle its surplus. Returns the distribution, or None when there is nothing to do."""
    cycle = OrderCycle.objects.filter(club=club, closed_at__isnull=False).order_by("-closes_at").first()
    if cycle is None:
        return None
    distributions = Distribution.objects.filter(cycle=cycle).select_related("group").order_by("group__name")
    distribution = (distributions.filter(group__slug=group_slug).first() if group_slug else None) or distributions.first()
    if distribution is None:
        return None
    volunteer = (Role.objects.filter(kind=RoleKind.GROUP_COORDINATOR, group=distribution.group).select_related("user")
                 .order_by("pk").first())
    by_user = volunteer.user if volunteer else None
    evening = timezone.make_aware(datetime.datetime.combine(distribution.date, datetime.time(18, 30)))
    households = list(
        Allocation.objects.filter(cycle=cycle, group=distribution.group, quantity__gt=0)
        .values_list("household_id", "household__name").distinct().order_by("household__name")
    )
    featured = set(Allocation.objects.filter(cycle=cycle, group=distribution.group,
                                             household__members__email__startswith=BUYER_EMAIL_PREFIX)
                   .values_list("household_id", flat=True))
    if len(households) < 2:
        return None
    absent = next(h for h, _name in reversed(households) if h not in featured)
    for i, (household_id, _name) in enumerate(households):
        at = evening + datetime.timedelta(minutes=2 * i)
        if household_id == absent:
            record_pickup(distribution, household_id, "absent", by_user=by_user, now=at)
        else:
            record_pickup(distribution, household_id, "collected", by_user=by_user, now=at)
    stored = list(Uncollected.objects.filter(distribution=distribution, household_id=absent).values_list("pk", flat=True))
    resolve_stored(distribution, stored, "surplus", by_user=by_user, now=evening + datetime.timedelta(hours=1))
    buyer = next(iter(sorted(featured - {absent})), None) or next(h for h, _name in households if h != absent)
    later = evening + datetime.timedelta(hours=1, minutes=5)
    sold = False
    for line in surplus_lines(distribution):
        if line.source != SurplusSource.UNCOLLECTED:
            continue
        if not sold:
            sell_surplus(distribution, line.key, household_id=buyer, quantity=line.offer.order_step, by_user=by_user, now=later)
            sold = True
            line.quantity -= line.offer.order_step
        if line.left:
            give_or_lose(distribution, line.key, "given", line.left, partner=FOOD_BANK, by_user=by_user, now=later)
    # every pack surplus of the cycle, at the depot it was placed at, goes to the food bank
    for other in distributions:
        for line in surplus_lines(other):
            if line.source == SurplusSource.PACK and line.left:
                give_or_lose(other, line.key, "given", line.left, partner=FOOD_BANK, by_user=by_user, now=later)
    return distribution
