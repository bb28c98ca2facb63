"""The demo club's memberships (called by `cabas seed-demo`): every household a member for the year with its
fee posted, a few due for renewal, one group full with households waiting, and an application elsewhere."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from cabas.flows import start_membership
from cabas.members import services
from cabas.members.models import Group, Household, MembershipApplication

WAITING = [  # (first name, last name, message)
    ("Nolwenn", "Le Gall", "Nous venons d'arriver à Rennes, avec deux enfants."),
    ("Yann", "Cariou", ""),
    ("Soizic", "Hamon", "Je travaille près du dépôt le jeudi soir."),
]


def seed_memberships(*, club, households: list[Household], rng: random.Random, today: datetime.date) -> None:
    club.membership_fee = Decimal("5.00")
    club.save(update_fields=["membership_fee"])
    groups = {g.pk: g for g in Group.objects.filter(club=club).select_related("club")}
    for household in households:
        joined = timezone.localdate(household.created_at)
        # the current year of membership started on the anniversary of joining; a few end within the month
        starts_on = joined
        while services.one_year_from(starts_on) < today:
            starts_on = services.one_year_from(starts_on) + datetime.timedelta(days=1)
        start_membership(household=household, group=groups[household.group_id], starts_on=starts_on)
    # The first group is full: two households wait, first come first served; another group has one application.
    first, second = sorted(groups.values(), key=lambda g: g.name)[:2]
    first.capacity = sum(1 for h in households if h.group_id == first.pk)
    first.save(update_fields=["capacity"])
    now = timezone.now()
    for i, (first_name, last_name, message) in enumerate(WAITING):
        MembershipApplication.objects.create(
            group=first if i < 2 else second, household_name=f"Foyer {last_name}", first_name=first_name,
            last_name=last_name, email=f"{first_name.lower()}.{last_name.lower().replace(' ', '')}@example.org",
            message=message, applied_at=now - datetime.timedelta(days=12 - 4 * i, hours=rng.randint(0, 8)),
        )
