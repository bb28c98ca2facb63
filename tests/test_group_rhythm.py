"""Each group its own rhythm and list: the group's rhythm and depot page, cycles that cover some of the club's
groups (the others' members do not see them: pages, API, e-mails), a group's coordinator opening and running a
cycle for their own group with the club's producers' products."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabas.core.errors import ActionError
from cabas.distribution.models import Distribution
from cabas.flows import close_cycle, open_cycle, save_order
from cabas.members.models import Depot, Group, Household, Role, RoleKind
from cabas.members.services import planned_days
from cabas.ordering.models import Offer, OrderCycle, OrderLine
from cabas.web.views.coordination import default_cycle_dates

DAY = datetime.timedelta(days=1)


def next_weekday(day: datetime.date, weekday: int) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def rhythm_post(group, **changes):
    depot = group.depot
    data = {
        "name": group.name, "capacity": group.capacity or "", "membership_fee": group.membership_fee or "",
        "every_weeks": "1", "rhythm_from": "", "depot_name": depot.name, "address": depot.address,
        "latitude": str(depot.latitude).replace(".", ","), "longitude": str(depot.longitude).replace(".", ","),
        "weekday": str(depot.distribution_weekday), "slot_start": "18:00", "slot_end": "19:30",
    }
    data.update(changes)
    return data


def cycle_for_a(world, *, name="Volailles de Rennes", closes_in=3):
    """A cycle covering group A only."""
    now = timezone.now()
    closes_at = now + closes_in * DAY
    return open_cycle(club=world.club, name=name, opens_at=now - DAY, closes_at=closes_at,
                      distribution_dates={world.group_a.pk: timezone.localdate(closes_at) + 2 * DAY},
                      product_ids=[world.milk.pk, world.bread.pk])


@pytest.fixture
def coordinator_b(world):
    user = world.user("coord-b@example.org", world.household_b2)
    Role.objects.create(user=user, kind=RoleKind.GROUP_COORDINATOR, club=world.club, group=world.group_b)
    return user


# --- the rhythm page -------------------------------------------------------------------------------------------


def test_a_group_coordinator_sets_a_fortnightly_rhythm_and_the_depot(world, login):
    client = login(world.group_coordinator_a)
    url = reverse("group-rhythm", args=[world.group_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Dépôt GAC de Rennes" in page.content.decode()
    first = next_weekday(timezone.localdate() + 3 * DAY, 4)  # a Friday: the depot moves to Fridays
    response = client.post(url, rhythm_post(world.group_a, every_weeks="2", rhythm_from=first.isoformat(), weekday="4",
                                            depot_name="Salle des fêtes", address="2 place de la Mairie",
                                            slot_start="17:30", slot_end="19:00"))
    assert response.status_code == 302
    group = Group.objects.select_related("depot").get(pk=world.group_a.pk)
    assert (group.every_weeks, group.rhythm_from) == (2, first)
    depot = group.depot
    assert (depot.name, depot.address, depot.distribution_weekday) == ("Salle des fêtes", "2 place de la Mairie", 4)
    assert (depot.slot_start, depot.slot_end) == (datetime.time(17, 30), datetime.time(19))
    assert depot.latitude == D("48.1") and depot.longitude == D("-1.6")
    planned = planned_days(group, timezone.localdate(), 4)
    assert planned == [first + datetime.timedelta(weeks=2 * k) for k in range(4)]
    page = client.get(url).content.decode()
    assert "Salle des fêtes" in page
    assert planned[1].strftime("%Y") in page


def test_a_group_without_depot_gets_one(world, login):
    Depot.objects.filter(group=world.group_a).delete()
    client = login(world.coordinator)
    url = reverse("group-rhythm", args=[world.group_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "GAC de Rennes", "every_weeks": "1", "depot_name": "Grange", "address": "La Prée", "latitude": "48,2",
                                 "longitude": "-1,7", "weekday": "3", "slot_start": "18:00", "slot_end": "19:00"})
    assert response.status_code == 302
    assert Depot.objects.get(group=world.group_a).distribution_weekday == 3


@pytest.mark.parametrize("changes, field", [
    ({"every_weeks": "2"}, "rhythm_from"),  # a rhythm other than weekly needs its first day
    ({"every_weeks": "2", "rhythm_from": "2031-01-08"}, "rhythm_from"),  # a Wednesday, the depot distributes on Tuesdays
    ({"slot_start": "19:00", "slot_end": "18:00"}, "slot_end"),
    ({"latitude": "91"}, "latitude"),
    ({"every_weeks": "5"}, "every_weeks"),  # not offered
    ({"depot_name": ""}, "depot_name"),
])
def test_a_wrong_rhythm_or_depot_is_refused_and_nothing_changes(world, login, changes, field):
    client = login(world.group_coordinator_a)
    response = client.post(reverse("group-rhythm", args=[world.group_a.pk]), rhythm_post(world.group_a, **changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    group = Group.objects.select_related("depot").get(pk=world.group_a.pk)
    assert (group.every_weeks, group.rhythm_from, group.depot.slot_end) == (1, None, datetime.time(19, 30))


def test_who_sets_a_groups_rhythm(world, login, coordinator_b):
    url = reverse("group-rhythm", args=[world.group_a.pk])
    assert login(world.coordinator).get(url).status_code == 200
    assert login(world.group_coordinator_a).get(url).status_code == 200
    assert login(coordinator_b).get(url).status_code == 403  # the club's other group: seen, not changed
    assert login(world.member_a1).get(url).status_code == 404
    other_club, *_rest = world.other_club()
    neighbour = world.user("voisin@example.org", None)
    Role.objects.create(user=neighbour, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    assert login(neighbour).get(url).status_code == 404
    assert login(neighbour).post(url, rhythm_post(world.group_a, every_weeks="2", rhythm_from="2031-01-06")).status_code == 404
    assert Group.objects.get(pk=world.group_a.pk).every_weeks == 1
    assert Client().get(url).status_code == 302


def test_the_rhythm_page_costs_a_constant_number_of_queries(world, login, django_assert_num_queries):
    client = login(world.group_coordinator_a)
    url = reverse("group-rhythm", args=[world.group_a.pk])
    with django_assert_num_queries(4):  # session, user, roles, group+club+depot
        client.get(url)
    Group.objects.filter(pk=world.group_a.pk).update(every_weeks=1)
    with django_assert_num_queries(4):
        client.get(url)


# --- opening a cycle for some groups ----------------------------------------------------------------------------


def test_the_create_page_ticks_the_groups_whose_rhythm_distributes_after_the_deadline(world, login):
    _opens, closes_at = default_cycle_dates(timezone.now())
    deadline = timezone.localdate(closes_at)
    # group A distributes on Tuesdays every fortnight, its next one over a week after the deadline
    first = next_weekday(deadline + 8 * DAY, 1)
    Group.objects.filter(pk=world.group_a.pk).update(every_weeks=2, rhythm_from=first)
    page = login(world.coordinator).get(reverse("cycle-create"))
    form = page.context["form"]
    assert form.initial[f"group-{world.group_a.pk}"] is False and form.initial[f"date-{world.group_a.pk}"] == first
    assert form.initial[f"group-{world.group_b.pk}"] is True
    assert form.initial[f"date-{world.group_b.pk}"] == next_weekday(deadline + DAY, 3)  # B: Thursdays
    html = page.content.decode()
    assert "toutes les 2 semaines" in html or "every 2 weeks" in html


def test_the_club_coordinator_opens_a_cycle_for_one_group(world, login):
    client = login(world.coordinator)
    opens_at, closes_at = default_cycle_dates(timezone.now())
    day = timezone.localdate(closes_at) + 2 * DAY
    response = client.post(reverse("cycle-create"), {
        "club": world.club.pk, "name": "Fromages de Vitré", "opens_at": opens_at.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": closes_at.strftime("%Y-%m-%dT%H:%M"), f"group-{world.group_b.pk}": "on",
        f"date-{world.group_b.pk}": day.isoformat(), f"date-{world.group_a.pk}": day.isoformat(),
        "products": [world.milk.pk, world.carrots.pk]})
    assert response.status_code == 302
    cycle = OrderCycle.objects.get(name="Fromages de Vitré")
    assert set(cycle.groups.values_list("pk", flat=True)) == {world.group_b.pk}
    assert list(Distribution.objects.filter(cycle=cycle).values_list("group_id", "date")) == [(world.group_b.pk, day)]


def test_a_ticked_group_needs_its_date_and_one_group_at_least(world, login):
    client = login(world.coordinator)
    opens_at, closes_at = default_cycle_dates(timezone.now())
    base = {"club": world.club.pk, "name": "Rien", "opens_at": opens_at.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": closes_at.strftime("%Y-%m-%dT%H:%M"), "products": [world.milk.pk]}
    response = client.post(reverse("cycle-create"), base)
    assert response.status_code == 400
    response = client.post(reverse("cycle-create"), {**base, f"group-{world.group_a.pk}": "on"})
    assert response.status_code == 400 and f"date-{world.group_a.pk}" in response.context["form"].errors
    assert not OrderCycle.objects.exists()


def test_members_of_a_group_a_cycle_does_not_cover_do_not_see_it(world, login, run_tasks):
    """Pages, order, API and e-mails: a cycle for group A is invisible to group B's households."""
    cycle = cycle_for_a(world)
    run_tasks()
    told = sorted(address for m in mail.outbox for address in m.to)
    assert "b1@example.org" not in told and "a1@example.org" in told
    b1 = login(world.member_b1)
    assert cycle.name not in b1.get(reverse("home")).content.decode()
    assert b1.get(reverse("order", args=[cycle.pk])).status_code == 404
    assert b1.post(reverse("order-total", args=[cycle.pk])).status_code == 404
    assert b1.get(reverse("order-progress", args=[cycle.pk])).status_code == 404
    assert cycle.pk not in [c["id"] for c in b1.get("/api/cycles").json()]
    assert b1.get(f"/api/cycles/{cycle.pk}/offers").status_code == 404
    assert b1.get(f"/api/cycles/{cycle.pk}/order").status_code == 404
    milk = Offer.objects.get(cycle=cycle, product=world.milk)
    with pytest.raises(ActionError):
        save_order(cycle=cycle, household=world.household_b1, quantities={milk.pk: "1"})
    assert not OrderLine.objects.filter(order__cycle=cycle).exists()
    a1 = login(world.member_a1)
    assert cycle.name in a1.get(reverse("home")).content.decode()
    assert a1.get(reverse("order", args=[cycle.pk])).status_code == 200
    assert cycle.pk in [c["id"] for c in a1.get("/api/cycles").json()]
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "2"})


def test_a_household_that_moved_still_sees_the_cycle_it_ordered_in(world, login):
    cycle = cycle_for_a(world)
    milk = Offer.objects.get(cycle=cycle, product=world.milk)
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "2"})
    close_cycle(cycle.pk)
    Household.objects.filter(pk=world.household_a1.pk).update(group=world.group_b)
    client = login(world.member_a1)
    assert client.get(reverse("order", args=[cycle.pk])).status_code == 200
    assert cycle.name in client.get(reverse("home")).content.decode()


def test_pooling_across_groups_still_happens_within_a_cycle(world):
    """A pack filled by two groups together: both receive their share."""
    cycle = world.open_cycle()
    bread = Offer.objects.get(cycle=cycle, product=world.bread)
    Offer.objects.filter(pk=bread.pk).update(pack_size=D(4))
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "2"})
    save_order(cycle=cycle, household=world.household_b1, quantities={bread.pk: "2"})
    close_cycle(cycle.pk)
    assert set(cycle.allocations.values_list("household_id", "quantity")) == {
        (world.household_a1.pk, D(2)), (world.household_b1.pk, D(2))}


# --- a group's coordinator runs a cycle for their group ------------------------------------------------------------


def test_a_group_coordinator_opens_runs_and_closes_a_cycle_for_their_group(world, login, coordinator_b):
    client = login(world.group_coordinator_a)
    page = client.get(reverse("cycle-create"))
    assert page.status_code == 200
    choices = {p.pk for p in page.context["form"].fields["products"].queryset}
    assert choices == {world.milk.pk, world.carrots.pk, world.bread.pk, world.brioche.pk}  # the club's products
    now = timezone.now()
    closes_at = now + 3 * DAY
    response = client.post(reverse("cycle-create"), {
        "club": world.club.pk, "name": "Commande groupée de Rennes", "opens_at": (now - DAY).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": closes_at.strftime("%Y-%m-%dT%H:%M"), f"group-{world.group_a.pk}": "on",
        f"date-{world.group_a.pk}": (timezone.localdate(closes_at) + 2 * DAY).isoformat(),
        "products": [world.milk.pk, world.bread.pk]})
    assert response.status_code == 302
    cycle = OrderCycle.objects.get(name="Commande groupée de Rennes")
    assert set(cycle.groups.values_list("pk", flat=True)) == {world.group_a.pk}
    bread = Offer.objects.get(cycle=cycle, product=world.bread)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "3"})
    # the cycle's pages are theirs: its detail, the allocation preview and rules, the closing, the producers' sheets
    detail = client.get(reverse("cycle-detail", args=[cycle.pk]))
    assert detail.status_code == 200 and reverse("cycle-close", args=[cycle.pk]) in detail.content.decode()
    assert client.get(reverse("cycle-preview", args=[cycle.pk])).status_code == 200
    assert client.post(reverse("cycle-preview", args=[cycle.pk]), {
        "rationing": "proportional", f"supply_cap-{bread.pk}": "2"}).status_code == 302
    assert client.post(reverse("cycle-close", args=[cycle.pk])).status_code == 302
    cycle.refresh_from_db()
    assert cycle.is_closed and cycle.rationing == "proportional"
    assert client.get(reverse("producer-sheet", args=[cycle.pk, world.bakery.pk])).status_code == 200
    assert client.get(reverse("cycle-documents", args=[cycle.pk])).status_code == 200
    # another group's coordinator does not see it; the club's coordinators do
    other = login(coordinator_b)
    assert other.get(reverse("cycle-detail", args=[cycle.pk])).status_code == 404
    assert other.get(reverse("cycle-preview", args=[cycle.pk])).status_code == 404
    assert cycle.name not in other.get(reverse("cycle-list")).content.decode()
    assert login(world.coordinator).get(reverse("cycle-detail", args=[cycle.pk])).status_code == 200


def test_a_group_coordinator_does_not_run_a_cycle_of_several_groups(world, login):
    cycle = world.open_cycle()
    client = login(world.group_coordinator_a)
    assert client.get(reverse("cycle-detail", args=[cycle.pk])).status_code == 200  # their group's part
    assert client.get(reverse("cycle-preview", args=[cycle.pk])).status_code == 403
    assert client.post(reverse("cycle-close", args=[cycle.pk])).status_code == 403
    assert not OrderCycle.objects.get(pk=cycle.pk).is_closed


def test_a_group_coordinator_offers_only_the_clubs_active_products(world, login):
    _club, _group, _household, _producer, foreign = world.other_club()
    world.brioche.is_active = False
    world.brioche.save()
    client = login(world.group_coordinator_a)
    now = timezone.now()
    data = {"club": world.club.pk, "name": "Pirate", "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + 3 * DAY).strftime("%Y-%m-%dT%H:%M"), f"group-{world.group_a.pk}": "on",
            f"date-{world.group_a.pk}": (timezone.localdate() + 5 * DAY).isoformat()}
    for product in (foreign, world.brioche):
        assert client.post(reverse("cycle-create"), {**data, "products": [product.pk]}).status_code == 400
    assert not OrderCycle.objects.exists()


def test_the_create_page_costs_the_same_for_2_and_10_groups(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.coordinator)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("cycle-create")).status_code == 200
        return len(ctx)

    small = count()
    for n in range(8):
        group = Group.objects.create(club=world.club, name=f"GAC {n}", slug=f"gac-{n}", every_weeks=1 + n % 3,
                                     rhythm_from=timezone.localdate() + n * DAY)
        Depot.objects.create(group=group, name=f"Dépôt {n}", address="x", latitude=D("48"), longitude=D("-1"),
                             distribution_weekday=(timezone.localdate() + n * DAY).weekday(),
                             slot_start=datetime.time(18), slot_end=datetime.time(19))
    assert count() == small == 8  # session, user, roles, club, groups+depots, clubs counted, products ticked, products


# --- the migration: the cycles opened so far cover the groups they have a distribution for ----------------------

BEFORE = [("ordering", "0008_offer_container_deposit")]
AFTER = [("ordering", "0009_cycle_groups_recurring")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_cycle_the_groups_of_its_distributions():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        executor.loader.build_graph()
        old = executor.loader.project_state(BEFORE + [n for n in executor.loader.applied_migrations
                                                      if n[0] != "ordering"]).apps
        Club, OldGroup = old.get_model("members", "Club"), old.get_model("members", "Group")
        OldCycle, OldDistribution = old.get_model("ordering", "OrderCycle"), old.get_model("distribution", "Distribution")
        club = Club.objects.create(name="Club", slug="club")
        a, b = (OldGroup.objects.create(club=club, name=n, slug=n) for n in ("a", "b"))
        now = timezone.now()
        served = OldCycle.objects.create(club=club, name="Servi", opens_at=now, closes_at=now + DAY)
        OldDistribution.objects.create(cycle=served, group=a, date=timezone.localdate() + 2 * DAY)
        by_hand = OldCycle.objects.create(club=club, name="À la main", opens_at=now, closes_at=now + DAY)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        assert set(OrderCycle.objects.get(pk=served.pk).groups.values_list("pk", flat=True)) == {a.pk}
        assert set(OrderCycle.objects.get(pk=by_hand.pk).groups.values_list("pk", flat=True)) == {a.pk, b.pk}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
