"""The demo's returnable containers: glass yoghurt jars and litre milk bottles of the dairy farm carry deposits
(set on the products before the demo's cycles open, so that their offers freeze them), the closings charge them,
and at one depot the households bring some back after the last closed cycle (refunded on their accounts)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from cabas.catalog.models import Container, Producer, Product
from cabas.distribution.containers import holdings
from cabas.distribution.models import ContainerReturn, Distribution
from cabas.flows import record_container_returns
from cabas.members.models import Club, Household, User
from cabas.ordering.models import OrderCycle

DAIRY = "GAEC du Chêne Vert"
# container name, deposit, the dairy's products that come in it (one per order step)
CONTAINERS = [
    ("Pot de yaourt en verre", Decimal("0.30"), ("Yaourts nature", "Yaourts aux fruits")),
    ("Bouteille de lait 1 l", Decimal("1.00"), ("Lait cru entier", "Lait demi-écrémé pasteurisé", "Lait ribot")),
]
RETURNS_DEPOT_GROUP = 0  # the first group (by name) counts its households' returns


def seed_containers(*, club: Club) -> list[Container]:
    """Before the cycles open: the dairy's jars and bottles, with their deposits, on its products."""
    dairy = Producer.objects.get(club=club, name=DAIRY)
    containers = []
    for name, deposit, products in CONTAINERS:
        container = Container.objects.create(club=club, name=name, deposit=deposit, producer=dairy)
        Product.objects.filter(producer=dairy, name__in=products).update(container=container, containers_per_step=1)
        containers.append(container)
    return containers


def seed_container_returns(*, cycle: OrderCycle, coordinator: User, rng: random.Random) -> int:
    """After the cycle closed: at one depot, most households holding containers bring part of them back (through
    the flow, as the group's coordinator would). Returns the number of counts saved."""
    distribution = (Distribution.objects.filter(cycle=cycle).select_related("group")
                    .order_by("group__name")[RETURNS_DEPOT_GROUP])
    household_ids = list(Household.objects.filter(group_id=distribution.group_id).values_list("pk", flat=True))
    held = holdings(household_ids, club_id=cycle.club_id, distribution=distribution).balances
    counts = {key: rng.randint(1, n) for key, n in sorted(held.items()) if n > 0 and rng.random() < 0.7}
    now = timezone.make_aware(datetime.datetime.combine(distribution.date, datetime.time(19)))
    return record_container_returns(distribution.pk, counts, by_user=coordinator, now=min(now, timezone.now()))


def delete_container_returns(cycles) -> None:
    """Before the demo's cycles are deleted (a count holds its distribution)."""
    ContainerReturn.objects.filter(distribution__cycle__in=cycles).delete()


def delete_containers(club: Club) -> None:
    """Once the demo's products and offers are deleted."""
    Container.objects.filter(club=club).delete()
