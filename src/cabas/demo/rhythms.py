"""Each group its rhythm in the demo club: Montfort-sur-Meu distributes every fortnight (counted from its
distribution in the open cycle), two recurring cycles (the club's weekly basket for every group, and Vitré's
monthly order for its group alone), and the open cycle shares short supply with priority to the
households on a solidarity tariff — set through the services, as the coordinators' pages do."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cabas.distribution.models import Distribution
from cabas.members.models import Club, Group
from cabas.members.services import RhythmValues, set_group_rhythm
from cabas.ordering.models import OrderCycle, Rationing, RecurringCycle
from cabas.ordering.services import RecurringValues, first_on_weekday, save_recurring_cycle, set_allocation_rules

FORTNIGHTLY = "montfort"
MONTHLY = "vitre"


def seed_rhythms(club: Club, current: OrderCycle, today: datetime.date) -> list[RecurringCycle]:
    groups = {g.slug: g for g in Group.objects.filter(club=club).select_related("depot")}
    fortnightly = groups.get(FORTNIGHTLY)
    if fortnightly is not None:
        depot = fortnightly.depot
        day = Distribution.objects.filter(cycle=current, group=fortnightly).values_list("date", flat=True).first()
        set_group_rhythm(fortnightly, RhythmValues(
            every_weeks=2, rhythm_from=day, depot_name=depot.name, address=depot.address, latitude=depot.latitude,
            longitude=depot.longitude, weekday=depot.distribution_weekday, slot_start=depot.slot_start,
            slot_end=depot.slot_end))
    # the week after the open cycle's deadline: a new one opens each Monday morning, orders until Thursday evening
    monday = first_on_weekday(timezone.localdate(current.closes_at) + datetime.timedelta(days=1), 0)
    rules = [save_recurring_cycle(club=club, values=RecurringValues(
        name="Panier de la semaine", group_ids=frozenset(g.pk for g in groups.values()), every_weeks=1, opens_weekday=0,
        opens_time=datetime.time(8), ordering_days=3, starts_on=monday, source_cycle_id=current.pk))]
    monthly = groups.get(MONTHLY)
    if monthly is not None:
        rules.append(save_recurring_cycle(club=club, values=RecurringValues(
            name="Commande mensuelle de Vitré", group_ids=frozenset({monthly.pk}), every_weeks=4, opens_weekday=5,
            opens_time=datetime.time(10), ordering_days=6, starts_on=today + datetime.timedelta(days=10),
            source_cycle_id=current.pk)))
    set_allocation_rules(cycle=current, rationing=Rationing.SOLIDARITY_FIRST, offer_rules={})
    return rules


def delete_rhythms(club: Club) -> None:
    RecurringCycle.objects.filter(club=club).delete()
