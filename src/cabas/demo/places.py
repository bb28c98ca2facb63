"""A group with a second pickup place in the demo club: Vitré's goods arrive at its depot (rue Pasteur) on Friday
evening, and a few households collect theirs the next morning at the Saint-Martin parish hall, where the group's
volunteers take that place's share — set through the services, as the group's places page and « Mon foyer » do.
The member logins' Vitré household is one of them (its home page, « Mon foyer », picking list and calendar show
the place)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from cabas.members.models import Club, Group, Household, PickupPlace
from cabas.members.services import PlaceValues, choose_pickup_place, save_pickup_place

GROUP = "vitre"
PLACE = PlaceValues(
    name="Salle paroissiale Saint-Martin", address="3 place Saint-Martin, 35500 Vitré",
    latitude=Decimal("48.122300"), longitude=Decimal("-1.214800"), day_offset=1,
    slot_start=datetime.time(10), slot_end=datetime.time(11, 30),
    notes="Entrée par la cour, code du portail 2468. Sonnez à la porte verte.",
)
HOUSEHOLDS_THERE = 4  # the first households of the group by name, and the featured one


def seed_places(club: Club, featured: list[Household]) -> PickupPlace | None:
    group = Group.objects.filter(club=club, slug=GROUP).select_related("club", "depot").first()
    if group is None:
        return None
    place = save_pickup_place(group, PLACE)
    households = list(Household.objects.filter(group=group, left_on__isnull=True).select_related("group__club")
                      .order_by("name")[:HOUSEHOLDS_THERE])
    households += [h for h in featured if h.group_id == group.pk and h not in households]
    for household in households:
        choose_pickup_place(household, place.pk)
    return place


def delete_places(club: Club) -> None:
    Household.objects.filter(group__club=club).update(pickup_place=None)
    PickupPlace.objects.filter(group__club=club).delete()
