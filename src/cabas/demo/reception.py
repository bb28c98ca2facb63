"""The demo's reception: at the depot of the club's most recent closed cycle where the distribution day is shown,
the group's coordinator checks the delivery; one product arrives short and is shared among that depot's households
(credited the difference), everything else arrives as expected. Runs through the flow, so `ledger-check` passes."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cabas.distribution.models import Distribution, ReceptionState
from cabas.distribution.services import ReceivedLine, depot_deliveries
from cabas.flows import record_depot_reception
from cabas.members.models import Club, Role, RoleKind
from cabas.ordering.models import OrderCycle

SHORT_NOTE = "Une cagette abîmée pendant le transport"


def seed_reception(club: Club) -> Distribution | None:
    """Record the reception at the first depot (by group name) of the most recent closed cycle: the product with
    the most steps expected arrives a third short (in whole steps), the others as expected."""
    cycle = OrderCycle.objects.filter(club=club, closed_at__isnull=False).order_by("-closes_at").first()
    distribution = cycle and Distribution.objects.filter(cycle=cycle).select_related("group").order_by("group__name").first()
    if distribution is None:
        return None
    deliveries = depot_deliveries(distribution)
    if not deliveries:
        return None
    volunteer = Role.objects.filter(kind=RoleKind.GROUP_COORDINATOR, group=distribution.group).select_related("user").order_by("pk").first()
    short, expected = max(((offer, expected) for offer, expected, _r in deliveries),
                          key=lambda pair: (pair[1] / pair[0].order_step, -pair[0].pk))
    steps = int(expected / short.order_step)
    lines = {offer.pk: ReceivedLine(ReceptionState.AS_EXPECTED) for offer, _e, _r in deliveries}
    if steps >= 3:
        lines[short.pk] = ReceivedLine(ReceptionState.SHORT, short.order_step * (steps - steps // 3), SHORT_NOTE)
    evening = timezone.make_aware(datetime.datetime.combine(distribution.date, datetime.time(17, 45)))
    record_depot_reception(distribution, lines, by_user=volunteer.user if volunteer else None, now=evening)
    return distribution
