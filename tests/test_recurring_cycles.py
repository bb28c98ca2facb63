"""Recurring cycles: set up on a page, opened by `cabas open-recurring-cycles` (cron) every N weeks with the last
cycle's products, for the groups whose rhythm distributes in the period; idempotent."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cabas.core.errors import ActionError
from cabas.distribution.models import Distribution
from cabas.flows import open_recurring_cycles
from cabas.members.models import Club, Group, Role, RoleKind, User
from cabas.ordering.models import Offer, OrderCycle, Rationing, RecurringCycle
from cabas.ordering.services import RecurringValues, save_recurring_cycle

DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(weeks=1)
MONDAY = 0


def at(day: datetime.date, hour: int = 8, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def monday_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(MONDAY - day.weekday()) % 7 or 7)


def values(world, **changes) -> RecurringValues:
    data = dict(name="Panier de la semaine", group_ids=frozenset({world.group_a.pk, world.group_b.pk}), every_weeks=1,
                opens_weekday=MONDAY, opens_time=datetime.time(8), ordering_days=4,
                starts_on=monday_after(timezone.localdate()))
    data.update(changes)
    return RecurringValues(**data)


@pytest.fixture
def first(world):
    """The cycle a recurring cycle takes its products from: milk and bread, shared out proportionally."""
    cycle = world.open_cycle(products=[world.milk, world.bread], name="Premier")
    OrderCycle.objects.filter(pk=cycle.pk).update(rationing=Rationing.PROPORTIONAL)
    return cycle


def test_it_opens_when_due_with_the_last_cycles_products_and_only_once(world, first):
    rule = save_recurring_cycle(club=world.club, values=values(world))
    assert rule.last_cycle == first and rule.next_opens_on.weekday() == MONDAY
    opening = at(rule.next_opens_on)
    assert open_recurring_cycles(now=opening - datetime.timedelta(minutes=1)) == []  # not yet
    outcomes = open_recurring_cycles(now=opening + datetime.timedelta(minutes=5))
    assert len(outcomes) == 1 and outcomes[0].cycle is not None
    cycle = outcomes[0].cycle
    assert cycle.opens_at == opening and cycle.closes_at == opening + 4 * DAY
    assert set(Offer.objects.filter(cycle=cycle).values_list("product_id", flat=True)) == {world.milk.pk, world.bread.pk}
    assert OrderCycle.objects.get(pk=cycle.pk).rationing == Rationing.PROPORTIONAL
    deadline = timezone.localdate(cycle.closes_at)
    dates = dict(Distribution.objects.filter(cycle=cycle).values_list("group_id", "date"))
    for group in (world.group_a, world.group_b):  # each group's next distribution day after the deadline
        assert dates[group.pk] > deadline and dates[group.pk].weekday() == group.depot.distribution_weekday
        assert dates[group.pk] - deadline <= WEEK
    rule.refresh_from_db()
    assert rule.next_opens_on == opening.date() + WEEK and rule.last_cycle_id == cycle.pk
    assert cycle.name in rule.last_message
    # run again (cron every 15 minutes): nothing more
    assert open_recurring_cycles(now=opening + datetime.timedelta(minutes=20)) == []
    assert OrderCycle.objects.count() == 2
    # the next week, the next one, with the last one's products
    Offer.objects.filter(cycle=cycle, product=world.bread).delete()
    outcomes = open_recurring_cycles(now=opening + WEEK + datetime.timedelta(minutes=1))
    assert [set(Offer.objects.filter(cycle=o.cycle).values_list("product_id", flat=True)) for o in outcomes] == [
        {world.milk.pk}]


def test_a_fortnightly_group_sits_out_one_week_in_two(world, first):
    rule = save_recurring_cycle(club=world.club, values=values(world))
    opening = at(rule.next_opens_on)
    deadline = timezone.localdate(opening + 4 * DAY)
    # group B distributes on Thursdays every fortnight, its next one in the second week after this deadline
    b_day = deadline + datetime.timedelta(days=(3 - deadline.weekday()) % 7 or 7) + WEEK
    Group.objects.filter(pk=world.group_b.pk).update(every_weeks=2, rhythm_from=b_day)
    cycle = open_recurring_cycles(now=opening)[0].cycle
    assert set(cycle.groups.values_list("pk", flat=True)) == {world.group_a.pk}
    second = open_recurring_cycles(now=opening + WEEK)[0].cycle
    assert set(second.groups.values_list("pk", flat=True)) == {world.group_a.pk, world.group_b.pk}
    assert Distribution.objects.get(cycle=second, group=world.group_b).date == b_day


def test_missed_openings_are_skipped_not_opened_late(world, first):
    rule = save_recurring_cycle(club=world.club, values=values(world))
    opening = at(rule.next_opens_on)
    # cron stopped for three weeks: only the latest opening due is opened
    outcomes = open_recurring_cycles(now=opening + 3 * WEEK + DAY)
    assert len(outcomes) == 1
    assert outcomes[0].cycle.opens_at == opening + 3 * WEEK
    rule.refresh_from_db()
    assert rule.next_opens_on == opening.date() + 4 * WEEK
    # a latest opening whose deadline has passed too opens nothing, and says so
    outcomes = open_recurring_cycles(now=at(rule.next_opens_on) + 5 * DAY)
    assert outcomes[0].cycle is None
    rule.refresh_from_db()
    assert rule.last_message and rule.next_opens_on == opening.date() + 5 * WEEK


def test_what_cannot_open_is_said_on_the_rule_and_the_next_opening_still_comes(world, first):
    rule = save_recurring_cycle(club=world.club, values=values(world))
    opening = at(rule.next_opens_on)
    type(world.milk).objects.filter(pk__in=[world.milk.pk, world.bread.pk]).update(is_active=False)
    outcomes = open_recurring_cycles(now=opening)
    assert outcomes[0].cycle is None
    rule.refresh_from_db()
    assert rule.next_opens_on == opening.date() + WEEK and rule.last_cycle == first and rule.last_message
    assert OrderCycle.objects.count() == 1


def test_a_stopped_rule_opens_nothing(world, first):
    rule = save_recurring_cycle(club=world.club, values=values(world, is_active=False))
    assert open_recurring_cycles(now=at(rule.next_opens_on) + DAY) == []


@pytest.mark.parametrize("changes", [
    {"name": " "}, {"group_ids": frozenset()}, {"every_weeks": 0}, {"every_weeks": 27}, {"ordering_days": 0},
    {"ordering_days": 8},  # would still be open when the next one opens
    {"source_cycle_id": 999_999},
])
def test_wrong_values_are_refused(world, first, changes):
    with pytest.raises(ActionError):
        save_recurring_cycle(club=world.club, values=values(world, **changes))
    assert not RecurringCycle.objects.exists()


def test_a_group_of_another_club_or_no_cycle_to_copy_is_refused(world):
    _club, foreign_group, *_rest = world.other_club()
    with pytest.raises(ActionError):
        save_recurring_cycle(club=world.club, values=values(world, group_ids=frozenset({foreign_group.pk})))
    with pytest.raises(ActionError):  # no cycle yet: nothing to take the products from
        save_recurring_cycle(club=world.club, values=values(world))


def test_the_command(world, first):
    rule = save_recurring_cycle(club=world.club, values=values(world, starts_on=timezone.localdate() - 7 * DAY))
    RecurringCycle.objects.filter(pk=rule.pk).update(next_opens_on=timezone.localdate() - DAY)
    out = StringIO()
    call_command("open-recurring-cycles", stdout=out)
    assert "1 cycle(s) opened" in out.getvalue()
    out = StringIO()
    call_command("open-recurring-cycles", stdout=out)
    assert "0 cycle(s) opened" in out.getvalue()


# --- the page ---------------------------------------------------------------------------------------------------


def test_the_club_coordinator_sets_one_up_and_changes_it(world, first, login):
    client = login(world.coordinator)
    url = reverse("recurring-cycles", args=[world.club.pk])
    assert client.get(url).status_code == 200
    monday = monday_after(timezone.localdate())
    response = client.post(url, {"name": "Panier", "groups": [world.group_a.pk, world.group_b.pk], "every_weeks": "2",
                                 "opens_weekday": "0", "opens_time": "09:30", "ordering_days": "5",
                                 "starts_on": (monday - DAY).isoformat(), "source_cycle": "", "is_active": "on"})
    assert response.status_code == 302
    rule = RecurringCycle.objects.get()
    assert (rule.every_weeks, rule.opens_time, rule.ordering_days, rule.next_opens_on) == (
        2, datetime.time(9, 30), 5, monday)
    assert rule.last_cycle == first
    page = client.get(url).content.decode()
    assert "Panier" in page and reverse("recurring-cycle", args=[rule.pk]) in page
    response = client.post(reverse("recurring-cycle", args=[rule.pk]), {
        "name": "Panier", "groups": [world.group_a.pk], "every_weeks": "1", "opens_weekday": "0", "opens_time": "09:30",
        "ordering_days": "5", "starts_on": monday.isoformat(), "source_cycle": str(first.pk)})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active and list(rule.groups.values_list("pk", flat=True)) == [world.group_a.pk]


def test_a_wrong_form_is_answered_400_and_nothing_is_saved(world, first, login):
    client = login(world.coordinator)
    response = client.post(reverse("recurring-cycles", args=[world.club.pk]), {
        "name": "Panier", "groups": [world.group_a.pk], "every_weeks": "1", "opens_weekday": "0", "opens_time": "09:30",
        "ordering_days": "12", "starts_on": timezone.localdate().isoformat()})
    assert response.status_code == 400
    assert not RecurringCycle.objects.exists()


def test_a_group_coordinator_sets_one_up_for_their_group_only(world, first, login):
    client = login(world.group_coordinator_a)
    url = reverse("recurring-cycles", args=[world.club.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert [pk for pk, _label in page.context["form"].fields["groups"].choices] == [world.group_a.pk]
    data = {"name": "Panier de Rennes", "every_weeks": "1", "opens_weekday": "0", "opens_time": "08:00",
            "ordering_days": "3", "starts_on": timezone.localdate().isoformat(), "is_active": "on"}
    assert client.post(url, {**data, "groups": [world.group_b.pk]}).status_code == 400  # not theirs
    assert client.post(url, {**data, "groups": [world.group_a.pk]}).status_code == 302
    own = RecurringCycle.objects.get()
    club_rule = save_recurring_cycle(club=world.club, values=values(world))
    assert client.get(reverse("recurring-cycle", args=[own.pk])).status_code == 200
    assert client.get(reverse("recurring-cycle", args=[club_rule.pk])).status_code == 403  # serves group B too
    assert login(world.member_a1).get(url).status_code == 403
    other_club, *_rest = world.other_club()
    neighbour = world.user("voisin@example.org", None)
    Role.objects.create(user=neighbour, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    assert login(neighbour).get(url).status_code == 404
    assert login(neighbour).get(reverse("recurring-cycle", args=[own.pk])).status_code == 404


def test_the_page_costs_the_same_for_2_and_10_recurring_cycles(world, first, login, django_assert_num_queries):
    client = login(world.coordinator)
    url = reverse("recurring-cycles", args=[world.club.pk])
    for n in range(2):
        save_recurring_cycle(club=world.club, values=values(world, name=f"Panier {n}"))
    # session, user, roles, club, the groups and the cycles the form offers, the rules with their last cycle, their groups
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    for n in range(2, 10):
        save_recurring_cycle(club=world.club, values=values(world, name=f"Panier {n}"))
    with django_assert_num_queries(8):
        page = client.get(url)
    assert page.content.decode().count("Panier ") >= 10


def test_the_demo_shows_rhythms_and_recurring_cycles(db, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed-demo", "--force", stdout=StringIO())
    club = Club.objects.get(slug="pays-de-rennes")
    montfort = Group.objects.get(club=club, slug="montfort")
    assert montfort.every_weeks == 2 and montfort.rhythm_from is not None
    assert RecurringCycle.objects.filter(club=club).count() == 2
    current = OrderCycle.objects.get(club=club, closed_at__isnull=True)
    assert current.rationing == Rationing.SOLIDARITY_FIRST
    client.force_login(User.objects.get(email="coordination.montfort@example.org"))
    page = client.get(reverse("group-rhythm", args=[montfort.pk])).content.decode()
    assert "toutes les deux semaines" in page
    page = client.get(reverse("recurring-cycles", args=[club.pk])).content.decode()
    assert "Panier de la semaine" in page and "Commande mensuelle de Vitré" not in page  # Vitré's alone
    client.force_login(User.objects.get(email="coordination@example.org"))
    page = client.get(reverse("recurring-cycles", args=[club.pk])).content.decode()
    assert "Panier de la semaine" in page and "Commande mensuelle de Vitré" in page
    preview = client.get(reverse("cycle-preview", args=[current.pk]))
    assert preview.status_code == 200 and preview.context["confidential"]
    # the weekly basket opens once its Monday comes
    rule = RecurringCycle.objects.get(club=club, name="Panier de la semaine")
    opened = open_recurring_cycles(now=at(rule.next_opens_on, 8, 5))
    assert [o.cycle is not None for o in opened] == [True]
