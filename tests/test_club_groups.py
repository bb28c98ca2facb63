"""A club's groups in Cabas' pages: its coordinators create a group with its depot and rhythm in one go, and a
group's name, capacity and fee change on its rhythm page — no admin needed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from cabas.members.models import Depot, Group, Household, Role, RoleKind

NEW_GROUP = {
    "name": "GAC de Fougères", "capacity": "25", "membership_fee": "5,00",
    "every_weeks": "2", "rhythm_from": "2027-01-07", "depot_name": "Salle des fêtes", "address": "2 place de la Mairie",
    "latitude": "48,35", "longitude": "-1,2", "weekday": "3", "slot_start": "18:00", "slot_end": "19:30",
}


def test_the_club_coordinator_creates_a_group_with_its_depot_and_rhythm(world, login):
    client = login(world.coordinator)
    url = reverse("club-groups", args=[world.club.pk])
    page = client.get(url).content.decode()
    assert "GAC de Rennes" in page and "GAC de Vitré" in page
    response = client.post(url, NEW_GROUP)
    assert response.status_code == 302
    group = Group.objects.get(club=world.club, name="GAC de Fougères")
    assert (group.slug, group.capacity, str(group.membership_fee), group.every_weeks) == ("gac-de-fougeres", 25, "5.00", 2)
    assert group.rhythm_from == datetime.date(2027, 1, 7)
    depot = Depot.objects.get(group=group)
    assert (depot.name, depot.distribution_weekday, depot.slot_start) == ("Salle des fêtes", 3, datetime.time(18))
    assert group.distribution_days(datetime.date(2027, 1, 1), datetime.date(2027, 1, 31)) == \
        [datetime.date(2027, 1, 7), datetime.date(2027, 1, 21)]
    # its public join page is open at once
    assert client.get(reverse("join", args=[world.club.slug, group.slug])).status_code == 200
    # the same name again gets another page address, or is refused when it is the very same name
    response = client.post(url, NEW_GROUP)
    assert response.status_code == 400 and "Ce nom est déjà pris" in response.content.decode()
    client.post(url, {**NEW_GROUP, "name": "GAC de Fougères (centre)"})
    assert Group.objects.filter(club=world.club, name__startswith="GAC de Fougères").count() == 2


@pytest.mark.parametrize("field, value", [("slot_end", "17:00"), ("name", ""), ("capacity", "0"), ("latitude", "120"),
                                          ("rhythm_from", "2027-01-08")])
def test_a_wrong_value_creates_nothing(world, login, field, value):
    before = (Group.objects.count(), Depot.objects.count())
    response = login(world.coordinator).post(reverse("club-groups", args=[world.club.pk]), {**NEW_GROUP, field: value})
    assert response.status_code == 400 and "Rien n’a été enregistré" in response.content.decode()
    assert (Group.objects.count(), Depot.objects.count()) == before


def test_who_creates_groups(world, login):
    url = reverse("club-groups", args=[world.club.pk])
    assert login(world.group_coordinator_a).get(url).status_code == 403
    assert login(world.member_a1).get(url).status_code == 403  # someone of the club: refused, not hidden
    club_b, *_rest = world.other_club()
    other = world.user("voisin@example.org", None)
    Role.objects.create(user=other, kind=RoleKind.CLUB_COORDINATOR, club=club_b)
    assert login(other).get(url).status_code == 404
    assert login(other).post(url, NEW_GROUP).status_code == 404
    assert not Group.objects.filter(name="GAC de Fougères").exists()


def test_a_group_coordinator_renames_the_group_and_sets_its_capacity(world, login):
    group = world.group_a
    depot = group.depot
    data = {"name": "GAC de Rennes-Centre", "capacity": "30", "membership_fee": "", "every_weeks": "1", "rhythm_from": "",
            "depot_name": depot.name, "address": depot.address, "latitude": "48,1", "longitude": "-1,6",
            "weekday": str(depot.distribution_weekday), "slot_start": "18:00", "slot_end": "19:30"}
    response = login(world.group_coordinator_a).post(reverse("group-rhythm", args=[group.pk]), data)
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.capacity, group.membership_fee, group.slug) == ("GAC de Rennes-Centre", 30, None, "rennes")
    # another group's name is refused, and nothing of the rhythm either is written
    response = login(world.group_coordinator_a).post(reverse("group-rhythm", args=[group.pk]),
                                                     {**data, "name": "GAC de Vitré", "every_weeks": "2",
                                                      "rhythm_from": "2027-01-05"})
    assert response.status_code == 400
    group.refresh_from_db()
    assert (group.name, group.every_weeks) == ("GAC de Rennes-Centre", 1)


def test_the_groups_page_costs_the_same_for_2_and_12_groups(world, login, django_assert_num_queries):
    client = login(world.coordinator)
    url = reverse("club-groups", args=[world.club.pk])
    # session, user, roles, club, groups with their depot and households
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    for i in range(10):
        group = world._group(f"GAC n°{i}", f"gac-{i}", i % 7)
        Household.objects.create(group=group, name=f"Foyer {i}")
    with django_assert_num_queries(5):
        assert "GAC n°9" in client.get(url).content.decode()
