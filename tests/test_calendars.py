"""Calendars: a member's and a group's iCal feeds at secret addresses, read back with the ``icalendar`` library
(the events, their UIDs, their time zone and VTIMEZONE, their place, a moved shift's new time and SEQUENCE);
a reset address stops the old one; another household's shifts and another group's never show; names never
appear in a group's feed; a constant number of queries whatever the number of shifts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabas.distribution.models import Distribution
from cabas.members.models import Household, Role, RoleKind
from cabas.volunteering import planning, services
from cabas.volunteering.calendars import feed_by_token
from cabas.volunteering.models import CalendarFeed, Shift, Signup, TaskCategory

PARIS = ZoneInfo("Europe/Paris")
HOST = "cabas.example.org"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = f"https://{HOST}"
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture
def season(world):
    """An open cycle with a distribution per group in five days, the depot shifts made from it, and a
    club-wide harvest shift."""
    cycle = world.open_cycle(closes_at=timezone.now() + datetime.timedelta(days=3))
    today = timezone.localdate()
    planning.make_calendar_shifts(world.club, since=today, until=today + datetime.timedelta(weeks=8))
    planning.call_for_harvest(world.farm, title="Récolte des pommes", details="Apportez des gants.",
                              day=today + datetime.timedelta(days=10), start=datetime.time(9), end=datetime.time(12),
                              people_needed=4)
    return cycle


def shift_of(group, category) -> Shift:
    return Shift.objects.get(group=group, kind__category=category)


def feed_path(feed: CalendarFeed) -> str:
    return reverse("calendar-feed", args=[feed.token])


def read(path: str, client: Client | None = None) -> icalendar.Calendar:
    response = (client or Client()).get(path)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def my_feed(login, user) -> CalendarFeed:
    assert login(user).get(reverse("calendar")).status_code == 200  # the address is made on the first visit
    return CalendarFeed.objects.get(user=user)


def test_a_members_feed_has_their_distributions_shifts_and_deadlines_with_place_and_time_zone(world, season, login):
    distribution = shift_of(world.group_a, TaskCategory.DISTRIBUTION)
    services.sign_up(distribution.pk, world.member_a1)
    other_household = shift_of(world.group_a, TaskCategory.RECEPTION)
    services.sign_up(other_household.pk, world.member_a2)  # another household of the group
    services.sign_up(shift_of(world.group_b, TaskCategory.DISTRIBUTION).pk, world.member_b1)

    feed = my_feed(login, world.member_a1)
    calendar = read(feed_path(feed))
    assert str(calendar["VERSION"]) == "2.0" and "Cabas" in str(calendar["PRODID"])
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert str(calendar["X-WR-CALNAME"]) == "Club du Pays de Test — mon agenda"
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT6H"  # read again every 6 hours
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]

    found = events(calendar)
    rennes = Distribution.objects.get(cycle=season, group=world.group_a)
    assert set(found) == {f"distribution-{rennes.pk}@{HOST}", f"shift-{distribution.pk}@{HOST}",
                          f"deadline-{season.pk}@{HOST}"}  # not a2's shift, nothing of group B

    depot = found[f"distribution-{rennes.pk}@{HOST}"]
    assert depot["DTSTART"].params["TZID"] == "Europe/Paris"
    assert depot.decoded("DTSTART") == datetime.datetime.combine(rennes.date, datetime.time(18), tzinfo=PARIS)
    assert depot.decoded("DTEND") == datetime.datetime.combine(rennes.date, datetime.time(19, 30), tzinfo=PARIS)
    assert str(depot["LOCATION"]) == "Dépôt GAC de Rennes, 1 rue de la Gare"
    assert str(depot["SUMMARY"]) == "Distribution — Semaine 47"
    assert str(depot["URL"]) == f"https://{HOST}" + reverse("order", args=[season.pk])

    mine = found[f"shift-{distribution.pk}@{HOST}"]
    assert mine["DTSTART"].params["TZID"] == "Europe/Paris"
    assert mine.decoded("DTSTART") == distribution.starts_at and mine.decoded("DTSTART").tzinfo == PARIS
    assert mine.decoded("DTEND") == distribution.ends_at
    assert mine.decoded("SEQUENCE") == 0 and str(mine["STATUS"]) == "CONFIRMED"
    assert str(mine["LOCATION"]) == "Dépôt GAC de Rennes, 1 rue de la Gare"
    assert "Inscrits : 1 sur 3." in str(mine["DESCRIPTION"]) and "2 h comptées" in str(mine["DESCRIPTION"])
    assert "DTSTAMP" in mine and "LAST-MODIFIED" in mine and str(mine["URL"]).startswith(f"https://{HOST}/")

    deadline = found[f"deadline-{season.pk}@{HOST}"]
    assert str(deadline["SUMMARY"]) == "Fin des commandes : Semaine 47"
    assert deadline.decoded("DTSTART") == season.closes_at.replace(microsecond=0) and deadline["DTSTART"].params["TZID"] == "Europe/Paris"


def test_the_page_gives_the_https_and_webcal_addresses_made_once(world, season, login):
    client = login(world.member_a1)
    page = client.get(reverse("calendar")).content.decode()
    feed = CalendarFeed.objects.get(user=world.member_a1)
    assert f"https://{HOST}/agenda/{feed.token}.ics" in page
    assert f"webcal://{HOST}/agenda/{feed.token}.ics" in page
    group_feed = CalendarFeed.objects.get(group=world.group_a)  # a member reads their group's feed too
    assert group_feed.token in page and not CalendarFeed.objects.filter(group=world.group_b).exists()
    assert reverse("calendar-reset-group", args=[world.group_a.pk]) not in page  # only its coordinators reset it
    assert "Ajouter à l’agenda de mon téléphone" in page
    client.get(reverse("calendar"))
    assert CalendarFeed.objects.filter(user=world.member_a1).get().token == feed.token  # the same address


def test_moving_a_shift_moves_its_event_and_raises_its_sequence(world, season, login):
    shift = shift_of(world.group_a, TaskCategory.DISTRIBUTION)
    services.sign_up(shift.pk, world.member_a1)
    feed = my_feed(login, world.member_a1)
    before = events(read(feed_path(feed)))[f"shift-{shift.pk}@{HOST}"]
    distribution = Distribution.objects.get(cycle=season, group=world.group_a)
    later = distribution.date + datetime.timedelta(days=2)
    Distribution.objects.filter(pk=distribution.pk).update(date=later)
    today = timezone.localdate()
    assert planning.make_calendar_shifts(world.club, since=today, until=today + datetime.timedelta(weeks=8)) == (0, 3)
    calendar = events(read(feed_path(feed)))
    after = calendar[f"shift-{shift.pk}@{HOST}"]
    assert after.decoded("DTSTART") == datetime.datetime.combine(later, datetime.time(18), tzinfo=PARIS)
    assert after.decoded("DTSTART") - before.decoded("DTSTART") == datetime.timedelta(days=2)
    assert after.decoded("SEQUENCE") == 1 and before.decoded("SEQUENCE") == 0
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")
    moved = calendar[f"distribution-{distribution.pk}@{HOST}"]  # the same event, on its new date
    assert moved.decoded("DTSTART").date() == later


def test_a_cancelled_shift_stays_marked_cancelled(world, season, login):
    shift = shift_of(world.group_a, TaskCategory.CASH)
    services.sign_up(shift.pk, world.member_a1)
    Shift.objects.filter(pk=shift.pk).update(cancelled_at=timezone.now())
    event = events(read(feed_path(my_feed(login, world.member_a1))))[f"shift-{shift.pk}@{HOST}"]
    assert str(event["STATUS"]) == "CANCELLED" and event.decoded("SEQUENCE") == 1
    assert str(event["SUMMARY"]).startswith("Annulé : ")


def test_withdrawing_removes_the_shift_and_old_shifts_leave_the_window(world, season, login):
    shift = shift_of(world.group_a, TaskCategory.DISTRIBUTION)
    signup = services.sign_up(shift.pk, world.member_a1)
    feed = my_feed(login, world.member_a1)
    assert f"shift-{shift.pk}@{HOST}" in events(read(feed_path(feed)))
    services.withdraw(signup.pk, world.member_a1)
    assert f"shift-{shift.pk}@{HOST}" not in events(read(feed_path(feed)))
    old = planning.add_shift(world.club, kind=shift.kind, group=world.group_a, title="Inventaire",
                             day=timezone.localdate() - datetime.timedelta(days=61), start=datetime.time(10),
                             end=datetime.time(12), place="Local")
    recent = planning.add_shift(world.club, kind=shift.kind, group=world.group_a, title="Rangement",
                                day=timezone.localdate() - datetime.timedelta(days=30), start=datetime.time(10),
                                end=datetime.time(12), place="Local")
    Shift.objects.filter(pk__in=[old.pk, recent.pk]).update(people_needed=5)
    Signup.objects.create(shift=old, user=world.member_a1, household=world.household_a1)
    Signup.objects.create(shift=recent, user=world.member_a1, household=world.household_a1)
    found = events(read(feed_path(feed)))
    assert f"shift-{recent.pk}@{HOST}" in found and f"shift-{old.pk}@{HOST}" not in found


def test_a_new_address_stops_the_old_one(world, season, login):
    client = login(world.member_a1)
    client.get(reverse("calendar"))
    old = CalendarFeed.objects.get(user=world.member_a1)
    assert Client().get(feed_path(old)).status_code == 200
    response = client.post(reverse("calendar-reset"))
    assert response.status_code == 302 and response["Location"] == reverse("calendar")
    new = CalendarFeed.objects.get(user=world.member_a1)
    assert new.token != old.token
    assert Client().get(feed_path(old)).status_code == 404
    assert Client().get(feed_path(new)).status_code == 200
    assert new.token in client.get(reverse("calendar")).content.decode()
    assert client.get(reverse("calendar-reset")).status_code == 405


def test_unknown_addresses_answer_404(world, db):
    client = Client()
    assert client.get(reverse("calendar-feed", args=["nope"])).status_code == 404
    assert client.get(reverse("calendar-feed", args=["x" * 300])).status_code == 404
    assert feed_by_token("") is None


def test_an_inactive_members_feed_answers_404(world, season, login):
    feed = my_feed(login, world.member_a1)
    world.member_a1.is_active = False
    world.member_a1.save()
    assert Client().get(feed_path(feed)).status_code == 404


def test_a_groups_feed_counts_the_places_left_and_names_no_one(world, season, login):
    services.sign_up(shift_of(world.group_a, TaskCategory.DISTRIBUTION).pk, world.member_a1)
    services.sign_up(shift_of(world.group_a, TaskCategory.RECEPTION).pk, world.member_a2)
    harvest = Shift.objects.get(harvest_call__isnull=False)
    services.sign_up(harvest.pk, world.member_b1)
    login(world.member_a2).get(reverse("calendar"))
    feed = CalendarFeed.objects.get(group=world.group_a)
    response = Client().get(feed_path(feed))
    text = response.content.decode()
    for person in (world.member_a1, world.member_a2, world.member_b1):
        assert person.email not in text and person.first_name not in text
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Club du Pays de Test — GAC de Rennes"
    found = events(calendar)
    a_shifts = Shift.objects.filter(group=world.group_a)
    assert {f"shift-{s.pk}@{HOST}" for s in a_shifts} | {f"shift-{harvest.pk}@{HOST}"} == {
        uid for uid in found if uid.startswith("shift-")}  # not group B's
    distribution = found[f"shift-{shift_of(world.group_a, TaskCategory.DISTRIBUTION).pk}@{HOST}"]
    assert str(distribution["SUMMARY"]).endswith("— encore 2 personnes")
    cash = found[f"shift-{shift_of(world.group_a, TaskCategory.CASH).pk}@{HOST}"]
    assert str(cash["SUMMARY"]).endswith("— encore 1 personne")
    picking = found[f"shift-{harvest.pk}@{HOST}"]
    assert "Ouvert à l’ensemble des groupes d’achat du club." in str(picking["DESCRIPTION"]) and "Apportez des gants." in str(picking["DESCRIPTION"])
    assert str(picking["LOCATION"]) == "Ferme de la Prée"
    rennes = Distribution.objects.get(cycle=season, group=world.group_a)
    assert f"distribution-{rennes.pk}@{HOST}" in found and f"deadline-{season.pk}@{HOST}" in found


def test_only_a_groups_coordinators_give_its_feed_a_new_address(world, season, login):
    login(world.member_a1).get(reverse("calendar"))
    old = CalendarFeed.objects.get(group=world.group_a)
    reset = reverse("calendar-reset-group", args=[world.group_a.pk])
    assert login(world.member_a1).post(reset).status_code == 403  # a member of the group
    assert login(world.member_b1).post(reset).status_code == 404  # another group's member
    assert login(world.member_b1).post(reverse("calendar-reset-group", args=[999999])).status_code == 404
    assert CalendarFeed.objects.get(group=world.group_a).token == old.token
    page = login(world.group_coordinator_a).get(reverse("calendar")).content.decode()
    assert reset in page
    assert login(world.group_coordinator_a).post(reset).status_code == 302
    assert Client().get(feed_path(old)).status_code == 404
    assert login(world.coordinator).post(reset).status_code == 302  # the club's coordinator too


def test_who_may_open_the_page(world, season, client, login):
    response = client.get(reverse("calendar"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    loner = world.user("seul@example.org", None)
    assert login(loner).get(reverse("calendar")).status_code == 403
    assert login(loner).post(reverse("calendar-reset")).status_code == 403
    # the club's coordinator (no household): no feed of their own, every group's feed of the club
    page = login(world.coordinator).get(reverse("calendar")).content.decode()
    assert not CalendarFeed.objects.filter(user=world.coordinator).exists()
    for group in (world.group_a, world.group_b):
        assert CalendarFeed.objects.get(group=group).token in page
    # a household that left the group no longer has the page
    Household.objects.filter(pk=world.household_b1.pk).update(left_on=timezone.localdate())
    assert login(world.member_b1).get(reverse("calendar")).status_code == 403


def test_the_other_clubs_coordinator_sees_none_of_this_clubs_feeds(world, season, login):
    club, group, household, producer, product = world.other_club()
    coordinator = world.user("voisin@example.org", None)
    Role.objects.create(user=coordinator, kind=RoleKind.CLUB_COORDINATOR, club=club)
    page = login(coordinator).get(reverse("calendar")).content.decode()
    assert "GAC de Rennes" not in page and "GAC de Brest" in page
    assert login(coordinator).post(reverse("calendar-reset-group", args=[world.group_a.pk])).status_code == 404


def _many_shifts(world, count: int) -> None:
    kind = planning.kind_for(world.club, TaskCategory.OTHER)
    day = timezone.localdate() + datetime.timedelta(days=20)
    for i in range(count):
        shift = planning.add_shift(world.club, kind=kind, group=world.group_a if i % 2 else None, title=f"Tâche {i}",
                                   day=day + datetime.timedelta(days=i), start=datetime.time(9), end=datetime.time(11),
                                   place="Local", people_needed=3)
        services.sign_up(shift.pk, world.member_a1)
        services.sign_up(shift.pk, world.member_a2)


MEMBER_FEED_QUERIES = 3  # the feed with its member, household, group, depot and club; the group's
#                          distributions and deadlines; the member's shifts with their counts
GROUP_FEED_QUERIES = 3  # the feed with its group, depot and club; distributions and deadlines; the shifts


@pytest.mark.parametrize("count", [2, 10])
def test_the_feeds_cost_the_same_whatever_the_number_of_shifts(world, season, login, django_assert_num_queries, count):
    _many_shifts(world, count)
    member = my_feed(login, world.member_a1)
    group = CalendarFeed.objects.get(group=world.group_a)
    client = Client()
    with django_assert_num_queries(MEMBER_FEED_QUERIES):
        response = client.get(feed_path(member))
    assert len([u for u in events(icalendar.Calendar.from_ical(response.content)) if u.startswith("shift-")]) == count
    with django_assert_num_queries(GROUP_FEED_QUERIES):
        response = client.get(feed_path(group))
    assert len(events(icalendar.Calendar.from_ical(response.content))) >= count


PAGE_QUERIES = 5  # session, user with household, roles, groups, feeds


@pytest.mark.parametrize("groups", [0, 8])
def test_the_page_costs_the_same_whatever_the_number_of_groups(world, login, django_assert_num_queries, groups):
    for i in range(groups):
        world._group(f"GAC {i}", f"gac-{i}", 2)
    client = login(world.coordinator)
    client.get(reverse("calendar"))  # the addresses are made on the first visit
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(reverse("calendar")).status_code == 200


def test_a_shift_with_decimal_hours_and_no_depot(world, login):
    """A group without a depot: its distributions are all-day events with no place."""
    world.group_a.depot.delete()
    world.group_a.refresh_from_db()
    cycle = world.open_cycle()
    kind = planning.kind_for(world.club, TaskCategory.OTHER)
    shift = planning.add_shift(world.club, kind=kind, group=world.group_a, title="Compta", day=timezone.localdate()
                               + datetime.timedelta(days=4), start=datetime.time(9), end=datetime.time(10, 30), place="")
    Shift.objects.filter(pk=shift.pk).update(hours=Decimal("1.5"))
    services.sign_up(shift.pk, world.member_a1)
    found = events(read(feed_path(my_feed(login, world.member_a1))))
    rennes = Distribution.objects.get(cycle=cycle, group=world.group_a)
    depot = found[f"distribution-{rennes.pk}@{HOST}"]
    assert depot.decoded("DTSTART") == rennes.date and "LOCATION" not in depot
    assert "1,5 h comptées" in str(found[f"shift-{shift.pk}@{HOST}"]["DESCRIPTION"])
