"""A group's other pickup places: its coordinators add, change, close and reopen them; a household chooses
where it collects on « Mon foyer »; the picking list names each household's place and what to take to each
place; the pickup sheet shows one place at a time; the home page, the eve-of-distribution e-mail and the
member's calendar say the household's place; the personal data export names it; query counts stay constant."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import icalendar
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cabas.core.errors import ActionError
from cabas.distribution.documents import picking_list
from cabas.distribution.models import Distribution
from cabas.distribution.pickup import pickup_sheet
from cabas.flows import close_cycle, save_order
from cabas.flows.personal_data import export_member_data
from cabas.members import rhythm
from cabas.members.models import Household, PickupPlace, Role, RoleKind
from cabas.members.services import (
    PlaceValues, choose_pickup_place, pickup_point, save_pickup_place, set_pickup_place_active,
)
from cabas.notifications.tasks import queue_reminders
from cabas.ordering.models import Offer
from cabas.volunteering.models import CalendarFeed

from .test_query_counts import large_scenario, measure, small_scenario

DAY = datetime.timedelta(days=1)


def values(name="Salle paroissiale", **changes) -> PlaceValues:
    data = dict(name=name, address="4 rue de l'Église", latitude=None, longitude=None, day_offset=0,
                slot_start=datetime.time(18, 30), slot_end=datetime.time(19, 30), notes="Code de la porte : 1234")
    data.update(changes)
    return PlaceValues(**data)


def form(**changes) -> dict:
    data = {"name": "Salle paroissiale", "address": "4 rue de l'Église", "day_offset": "0", "slot_start": "18:30",
            "slot_end": "19:30", "notes": "Code de la porte : 1234", "latitude": "", "longitude": ""}
    data.update(changes)
    return data


@pytest.fixture
def place(world):
    return save_pickup_place(world.group_a, values())


@pytest.fixture
def closed(world, place):
    """A closed cycle: a1 (who collects at the parish hall) takes 2 l of milk and 2 breads, a2 (at the depot)
    1,5 kg of carrots and a bread."""
    choose_pickup_place(world.household_a1, place.pk)
    cycle = world.open_cycle()
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    save_order(cycle=cycle, household=world.household_a1,
               quantities={offers[world.milk.pk].pk: D("2"), offers[world.bread.pk].pk: D("2")})
    save_order(cycle=cycle, household=world.household_a2,
               quantities={offers[world.carrots.pk].pk: D("1.5"), offers[world.bread.pk].pk: D("1")})
    close_cycle(cycle.pk)
    cycle.refresh_from_db()
    return cycle


# --- the pure rules ---------------------------------------------------------------------------------------------


@given(st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 1, 1)),
       st.integers(0, rhythm.MAX_PICKUP_OFFSET))
def test_a_place_hands_out_on_the_depots_day_or_up_to_six_days_later(day, offset):
    later = rhythm.pickup_day(day, offset)
    assert 0 <= (later - day).days <= 6
    assert later.weekday() == rhythm.pickup_weekday(day.weekday(), offset)


def test_offsets_out_of_the_week_are_refused():
    for offset in (-1, 7):
        with pytest.raises(ValueError):
            rhythm.pickup_day(datetime.date(2025, 3, 14), offset)
        with pytest.raises(ValueError):
            rhythm.pickup_weekday(4, offset)


# --- the services -----------------------------------------------------------------------------------------------


def test_a_place_is_checked_before_anything_is_written(world, place):
    for wrong, field in [
        (values(name=" "), "name"),
        (values(name="salle PAROISSIALE"), "name"),  # another place of the group
        (values(name="Dépôt GAC de Rennes"), "name"),  # the depot's name
        (values(name="Ailleurs", address=""), "address"),
        (values(name="Ailleurs", latitude=D("48.1")), "longitude"),  # both coordinates or neither
        (values(name="Ailleurs", day_offset=7), "day_offset"),
        (values(name="Ailleurs", slot_end=datetime.time(18)), "slot_end"),
    ]:
        with pytest.raises(ActionError) as error:
            save_pickup_place(world.group_a, wrong)
        assert field in error.value.field_errors, (wrong, error.value.field_errors)
    assert PickupPlace.objects.count() == 1
    # the same name in another group is fine
    assert save_pickup_place(world.group_b, values()).group == world.group_b


def test_a_household_chooses_one_of_its_groups_open_places_only(world, place):
    other = save_pickup_place(world.group_b, values(name="Mairie de Vitré"))
    with pytest.raises(ActionError):
        choose_pickup_place(world.household_a1, other.pk)
    assert choose_pickup_place(world.household_a1, place.pk) == place
    set_pickup_place_active(place, False)
    world.household_a1.refresh_from_db()
    assert world.household_a1.pickup_place is None  # closing a place sends its households back to the depot
    with pytest.raises(ActionError):
        choose_pickup_place(world.household_a1, place.pk)
    set_pickup_place_active(place, True)
    choose_pickup_place(world.household_a1, place.pk)
    assert choose_pickup_place(world.household_a1, None) is None


def test_the_pickup_point_is_the_place_on_its_own_day_and_slot(world):
    later = save_pickup_place(world.group_a, values(day_offset=2))
    choose_pickup_place(world.household_a1, later.pk)
    household = Household.objects.select_related("group__depot", "pickup_place").get(pk=world.household_a1.pk)
    point = pickup_point(household)
    assert (point.name, point.weekday, point.slot_start) == ("Salle paroissiale", 3, datetime.time(18, 30))  # Tuesday + 2
    assert point.day(datetime.date(2025, 3, 11)) == datetime.date(2025, 3, 13)
    # a household that moved to another group is at its new group's depot
    Household.objects.filter(pk=household.pk).update(group=world.group_b)
    moved = Household.objects.select_related("group__depot", "pickup_place").get(pk=household.pk)
    assert pickup_point(moved).name == "Dépôt GAC de Vitré"


# --- the coordinators' pages ------------------------------------------------------------------------------------


def test_a_group_coordinator_adds_changes_closes_and_reopens_a_place(world, login):
    client = login(world.group_coordinator_a)
    assert reverse("group-places", args=[world.group_a.pk]) in client.get(
        reverse("group-rhythm", args=[world.group_a.pk])).content.decode()
    url = reverse("group-places", args=[world.group_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Dépôt GAC de Rennes" in page.content.decode()
    assert client.post(url, form(day_offset="1", latitude="48,11", longitude="-1,68")).status_code == 302
    place = PickupPlace.objects.get(group=world.group_a)
    assert (place.name, place.day_offset, place.latitude, place.notes) == (
        "Salle paroissiale", 1, D("48.11"), "Code de la porte : 1234")
    assert "Salle paroissiale" in client.get(url).content.decode()

    edit = reverse("pickup-place", args=[place.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, form(name="Salle Saint-Martin", slot_start="17:00")).status_code == 302
    place.refresh_from_db()
    assert (place.name, place.slot_start, place.day_offset) == ("Salle Saint-Martin", datetime.time(17), 0)

    choose_pickup_place(world.household_a1, place.pk)
    assert client.post(reverse("pickup-place-active", args=[place.pk]), {"active": "0"}).status_code == 302
    place.refresh_from_db()
    world.household_a1.refresh_from_db()
    assert not place.is_active and world.household_a1.pickup_place is None
    client.post(reverse("pickup-place-active", args=[place.pk]), {"active": "1"})
    place.refresh_from_db()
    assert place.is_active


def test_wrong_values_show_the_form_again(world, login, place):
    client = login(world.group_coordinator_a)
    url = reverse("group-places", args=[world.group_a.pk])
    for data in (form(name="Ailleurs", slot_end="18:00"), form(), form(name="Ailleurs", day_offset="9"),
                 form(name="Ailleurs", latitude="48,1")):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert "Rien n’a été enregistré" in response.content.decode() or "Nothing was saved" in response.content.decode()
    assert PickupPlace.objects.count() == 1
    assert client.post(reverse("pickup-place", args=[place.pk]), form(slot_start="")).status_code == 400


def test_who_manages_the_places(world, login, place):
    other_place = save_pickup_place(world.group_b, values(name="Mairie"))
    club, other_group, _household, _producer, _product = world.other_club()
    outsider = world.user("voisin@example.org", None)
    Role.objects.create(user=outsider, kind=RoleKind.CLUB_COORDINATOR, club=club)
    group_a, group_b = reverse("group-places", args=[world.group_a.pk]), reverse("group-places", args=[world.group_b.pk])
    edit_a, edit_b = reverse("pickup-place", args=[place.pk]), reverse("pickup-place", args=[other_place.pk])
    close_a = reverse("pickup-place-active", args=[place.pk])
    # the club's coordinators: every group of the club
    client = login(world.coordinator)
    assert client.get(group_b).status_code == 200 and client.get(edit_b).status_code == 200
    # a group's coordinator: their group; another group's places are not there for them
    client = login(world.group_coordinator_a)
    assert client.get(group_a).status_code == 200
    assert client.get(group_b).status_code == 404 and client.get(edit_b).status_code == 404
    assert client.post(reverse("pickup-place-active", args=[other_place.pk]), {"active": "0"}).status_code == 404
    # a member of the group: 403; of another group: 404
    client = login(world.member_a1)
    assert client.get(group_a).status_code == 403 and client.get(edit_a).status_code == 403
    assert client.post(close_a, {"active": "0"}).status_code == 403
    assert client.post(group_a, form(name="Chez moi")).status_code == 403
    assert client.get(group_b).status_code == 404
    # another club's coordinator
    client = login(outsider)
    assert client.get(group_a).status_code == 404 and client.get(edit_a).status_code == 404
    assert client.get(reverse("group-places", args=[other_group.pk])).status_code == 200
    # not logged in
    assert Client().get(group_a).status_code == 302
    place.refresh_from_db()
    assert place.is_active and PickupPlace.objects.count() == 2


# --- « Mon foyer » and the home page ----------------------------------------------------------------------------


def test_a_household_chooses_its_place_on_my_household(world, login, place):
    client = login(world.member_a1)
    page = client.get(reverse("household-members")).content.decode()
    assert "Salle paroissiale" in page and "Dépôt GAC de Rennes" in page
    response = client.post(reverse("household-place"), {"place": str(place.pk)})
    assert response.status_code == 302
    world.household_a1.refresh_from_db()
    assert world.household_a1.pickup_place == place
    home = client.get(reverse("home")).content.decode()
    assert "Salle paroissiale" in home and "18:30" in home
    # the other member of the household sees the same choice
    assert "Salle paroissiale" in login(world.member_a1_bis).get(reverse("home")).content.decode()
    # back to the depot
    assert client.post(reverse("household-place"), {"place": ""}).status_code == 302
    world.household_a1.refresh_from_db()
    assert world.household_a1.pickup_place is None
    assert "Dépôt GAC de Rennes" in client.get(reverse("home")).content.decode()


def test_a_household_cannot_choose_another_groups_or_a_closed_place(world, login, place):
    other = save_pickup_place(world.group_b, values(name="Mairie de Vitré"))
    closed_place = save_pickup_place(world.group_a, values(name="Ancienne école"))
    set_pickup_place_active(closed_place, False)
    client = login(world.member_a1)
    for wrong in (str(other.pk), str(closed_place.pk), "abc", "99999999999999999999"):
        assert client.post(reverse("household-place"), {"place": wrong}).status_code == 400
    world.household_a1.refresh_from_db()
    assert world.household_a1.pickup_place is None
    assert "Ancienne école" not in client.get(reverse("household-members")).content.decode()
    # a person without a household has no « Mon foyer »
    assert login(world.coordinator).post(reverse("household-place"), {"place": str(place.pk)}).status_code == 404


def test_my_household_shows_no_choice_when_the_group_has_no_other_place(world, login):
    page = login(world.member_a1).get(reverse("household-members")).content.decode()
    assert reverse("household-place") not in page


# --- the documents ----------------------------------------------------------------------------------------------


def test_the_picking_list_names_each_households_place_and_what_to_take_there(world, login, closed, place):
    distribution = Distribution.objects.get(cycle=closed, group=world.group_a)
    doc = picking_list(distribution)
    assert {h.household.name: (h.place.name if h.place else None) for h in doc.households} == {
        "Foyer Le Goff": "Salle paroissiale", "Foyer Martin": None}
    [load] = doc.places
    assert load.place == place and load.households == 1 and load.day == distribution.date
    assert [(offer.name, quantity) for offer, quantity in load.product_totals] == [("Lait cru", D("2")), ("Pain de campagne", D("2"))]
    # the depot still receives everything
    assert dict((o.name, q) for o, q in doc.product_totals)["Pain de campagne"] == D("3")

    client = login(world.group_coordinator_a)
    page = client.get(reverse("picking-list", args=[closed.pk, world.group_a.pk])).content.decode()
    assert "retire à : Salle paroissiale" in page and "À porter à : Salle paroissiale" in page
    csv_text = client.get(reverse("picking-list-file", args=[closed.pk, world.group_a.pk, "csv"])).content.decode("utf-8-sig")
    rows = [line.split(";") for line in csv_text.strip().splitlines()]
    assert rows[0][-2] == "Lieu de retrait"
    assert {(r[0], r[-2]) for r in rows[1:]} == {("Foyer Le Goff", "Salle paroissiale"), ("Foyer Martin", "Dépôt GAC de Rennes")}
    pdf = client.get(reverse("picking-list-file", args=[closed.pk, world.group_a.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_closed_place_is_no_longer_on_the_picking_list(world, closed, place):
    set_pickup_place_active(place, False)
    doc = picking_list(Distribution.objects.get(cycle=closed, group=world.group_a))
    assert doc.places == [] and all(h.place is None for h in doc.households)


def test_the_pickup_sheet_shows_one_place_at_a_time(world, login, closed, place):
    distribution = Distribution.objects.get(cycle=closed, group=world.group_a)
    names = lambda sheet: [h.household.name for h in sheet.households]  # noqa: E731
    assert names(pickup_sheet(distribution)) == ["Foyer Le Goff", "Foyer Martin"]
    assert names(pickup_sheet(distribution, str(place.pk))) == ["Foyer Le Goff"]
    assert names(pickup_sheet(distribution, "depot")) == ["Foyer Martin"]
    assert names(pickup_sheet(distribution, "12345")) == ["Foyer Le Goff", "Foyer Martin"]  # not a place of the sheet: all
    client = login(world.group_coordinator_a)
    url = reverse("pickup", args=[closed.pk, world.group_a.pk])
    response = client.get(url, {"place": place.pk})
    assert [h.household.name for h in response.context["sheet"].households] == ["Foyer Le Goff"]
    page = response.content.decode()
    assert f'id="household-{world.household_a1.pk}"' in page and f'id="household-{world.household_a2.pk}"' not in page
    assert "Tous les lieux" in page
    # a tick from a place's sheet comes back to that place's sheet
    response = client.post(f"{url}?place={place.pk}", {"household": world.household_a1.pk, "status": "collected"})
    assert response.status_code == 302 and f"?place={place.pk}#household-" in response["Location"]


# --- what members are told ---------------------------------------------------------------------------------------


def test_the_eve_of_distribution_email_names_the_households_place(world, closed, place, run_tasks):
    run_tasks()
    mail.outbox.clear()
    Distribution.objects.filter(cycle=closed, group=world.group_a).update(date=timezone.localdate() + DAY)
    assert queue_reminders()["pickup"] == 1
    run_tasks()
    by_address = {m.to[0]: m for m in mail.outbox}
    at_place = by_address["a1@example.org"]
    assert at_place.subject.startswith("Demain") and "Salle paroissiale" in at_place.subject
    assert "4 rue de l'Église" in at_place.body and "18:30" in at_place.body and "Code de la porte : 1234" in at_place.body
    at_depot = by_address["a2@example.org"]
    assert "Dépôt GAC de Rennes" in at_depot.body and "Salle paroissiale" not in at_depot.body


def test_a_place_a_day_later_gives_its_own_day_in_the_email(world, closed, place, run_tasks):
    PickupPlace.objects.filter(pk=place.pk).update(day_offset=1)
    run_tasks()
    mail.outbox.clear()
    tomorrow = timezone.localdate() + DAY
    Distribution.objects.filter(cycle=closed, group=world.group_a).update(date=tomorrow)
    queue_reminders()
    run_tasks()
    [message] = [m for m in mail.outbox if m.to == ["a1@example.org"]]
    assert not message.subject.startswith("Demain")
    assert "Vos produits vous attendent le" in message.body and str((tomorrow + DAY).day) in message.body


def test_the_members_calendar_places_the_distribution_at_the_households_place(world, login, closed, place, settings):
    settings.TIME_ZONE = "Europe/Paris"
    PickupPlace.objects.filter(pk=place.pk).update(day_offset=1)
    distribution = Distribution.objects.get(cycle=closed, group=world.group_a)

    def event_of(user):
        assert login(user).get(reverse("calendar")).status_code == 200
        feed = CalendarFeed.objects.get(user=user)
        calendar = icalendar.Calendar.from_ical(Client().get(reverse("calendar-feed", args=[feed.token])).content)
        return next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith(f"distribution-{distribution.pk}@"))

    at_place = event_of(world.member_a1)
    assert str(at_place["LOCATION"]) == "Salle paroissiale, 4 rue de l'Église"
    start = at_place.decoded("DTSTART")
    assert start.date() == distribution.date + DAY and (start.hour, start.minute) == (18, 30)
    assert "Code de la porte" in str(at_place["DESCRIPTION"])
    at_depot = event_of(world.member_a2)
    assert str(at_depot["LOCATION"]).startswith("Dépôt GAC de Rennes") and at_depot.decoded("DTSTART").date() == distribution.date


def test_the_personal_data_export_names_the_place(world, place):
    choose_pickup_place(world.household_a1, place.pk)
    data = export_member_data(world.member_a1)
    assert data["household"]["pickup_place"] == {"name": "Salle paroissiale", "address": "4 rue de l'Église"}
    assert export_member_data(world.member_a2)["household"]["pickup_place"] is None


# --- query counts -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 10])
def test_the_places_page_costs_the_same_whatever_the_number_of_places(world, django_assert_num_queries, count):
    for i in range(count):
        created = save_pickup_place(world.group_a, values(name=f"Lieu {i}"))
        if i % 2:
            set_pickup_place_active(created, False)
    for household in (world.household_a1, world.household_a2):
        choose_pickup_place(household, PickupPlace.objects.filter(group=world.group_a, is_active=True).first().pk)
    client = Client()
    client.force_login(world.group_coordinator_a)
    # session, user, roles, group+club+depot, places with their households, households at the depot
    with django_assert_num_queries(6):
        response = client.get(reverse("group-places", args=[world.group_a.pk]))
    assert response.status_code == 200 and response.context["at_depot"] == 0
    assert sum(p.household_count for p in response.context["places"]) == 2
    Household.objects.filter(pk=world.household_a1.pk).update(pickup_place=None)
    assert client.get(reverse("group-places", args=[world.group_a.pk])).context["at_depot"] == 1


@pytest.mark.parametrize("count", [2, 10])
def test_my_household_costs_the_same_whatever_the_number_of_places(world, django_assert_num_queries, count):
    for i in range(count):
        save_pickup_place(world.group_a, values(name=f"Lieu {i}"))
    choose_pickup_place(world.household_a1, PickupPlace.objects.first().pk)
    client = Client()
    client.force_login(world.member_a1)
    # session, user, roles (the menu), household+group+depot+place, people, invitations, the group's open places
    with django_assert_num_queries(7):
        assert client.get(reverse("household-members")).status_code == 200


def test_the_documents_with_places_cost_the_same_small_or_large(world, client):
    """The picking list, its CSV and the pickup sheet of one place: the same count for 2 and 10 households at
    places (the small and the large cycle of test_query_counts), households spread over two places."""
    client.force_login(world.coordinator)
    first = save_pickup_place(world.group_a, values(name="Salle paroissiale"))
    second = save_pickup_place(world.group_a, values(name="Mairie annexe", day_offset=1))

    def counts(scenario):
        households = Household.objects.filter(group=world.group_a).order_by("pk")
        for i, household in enumerate(households):
            choose_pickup_place(household, (first, second)[i % 2].pk)
        args = [scenario.cycle.pk, world.group_a.pk]
        found = []
        for url in (reverse("picking-list", args=args), reverse("picking-list-file", args=[*args, "csv"]),
                    reverse("pickup", args=args) + f"?place={first.pk}"):
            count, _ctx, response = measure(lambda: client.get(url))
            assert response.status_code == 200
            found.append(count)
        return found, response

    small, _ = counts(small_scenario(world, closed=True))
    large, response = counts(large_scenario(world, closed=True))
    assert small == large
    assert len(response.context["sheet"].households) == 5  # half of group A's ten households
