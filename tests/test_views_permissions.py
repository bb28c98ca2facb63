"""Who sees what through the web pages.

The rules under test (src/cabas/web/access.py, src/cabas/web/views/coordination.py):
- every coordination page (cycles, group orders, documents) first asks for a coordinator role:
  a plain member gets 403 there, whatever the object;
- objects out of a coordinator's scope answer 404 (their existence is not revealed): another
  group's picking list or orders, a cycle of another club;
- visible objects whose action the user may not take answer 403: a group coordinator on the
  producers' sheets or on closing the cycle;
- an order is seen by its household's members and its group's (or club's) coordinators, else 404;
- an anonymous visitor is sent to the login page (connexion/) with ?next=.

PDF rendering is slow: the permission tests only reach it when access is refused (which answers
before rendering); tests/test_exports.py renders the PDFs.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.distribution.models import PickingList, ProducerSheet
from cabas.members.models import Role, RoleKind
from cabas.ordering.models import Allocation, Offer, OrderCycle, OrderSummary
from cabas.flows import close_cycle, open_cycle, save_order

D = Decimal


def offers_of(cycle):
    """Offer id per product id."""
    return {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}


class Cycles:
    """An open cycle and a closed one, each with an order from households a1, a2, b1 and b2."""

    def __init__(self, world):
        self.world = world
        self.closed = world.open_cycle(name="Semaine 46")
        self.closed_orders = self._orders(self.closed)
        close_cycle(self.closed.pk)
        self.closed.refresh_from_db()
        self.open = world.open_cycle(name="Semaine 47")
        self.open_orders = self._orders(self.open)

    def _orders(self, cycle):
        w = self.world
        offers = offers_of(cycle)
        wanted = {
            w.household_a1: {w.milk.pk: "2,5", w.bread.pk: "1"},
            w.household_a2: {w.carrots.pk: "1,5"},
            w.household_b1: {w.brioche.pk: "2", w.milk.pk: "1"},
            w.household_b2: {w.bread.pk: "3"},
        }
        orders = {}
        for household, by_product in wanted.items():
            saved = save_order(cycle=cycle, household=household,
                               quantities={offers[product_id]: q for product_id, q in by_product.items()})
            orders[household.pk] = saved.order
        return orders

    # --- URLs ---------------------------------------------------------------------------------

    def order_detail(self, household, *, closed=False):
        orders = self.closed_orders if closed else self.open_orders
        return reverse("order-detail", args=[orders[household.pk].pk])

    def picking(self, group, fmt=None):
        if fmt is None:
            return reverse("picking-list", args=[self.closed.pk, group.pk])
        return reverse("picking-list-file", args=[self.closed.pk, group.pk, fmt])

    def sheet(self, producer, fmt=None):
        if fmt is None:
            return reverse("producer-sheet", args=[self.closed.pk, producer.pk])
        return reverse("producer-sheet-file", args=[self.closed.pk, producer.pk, fmt])

    def group_orders(self, group, *, closed=False):
        cycle = self.closed if closed else self.open
        return reverse("group-orders", args=[cycle.pk, group.pk])

    def coordination_urls(self):
        """Every coordination page a GET may reach, for both cycles."""
        w = self.world
        urls = [reverse("cycle-list"), reverse("cycle-create")]
        for cycle in (self.open, self.closed):
            urls.append(reverse("cycle-detail", args=[cycle.pk]))
        for group in (w.group_a, w.group_b):
            urls += [self.group_orders(group), self.group_orders(group, closed=True)]
            urls += [self.picking(group), self.picking(group, "csv"), self.picking(group, "pdf")]
        for producer in (w.farm, w.bakery):
            urls += [self.sheet(producer), self.sheet(producer, "csv"), self.sheet(producer, "pdf")]
        return urls


@pytest.fixture
def cycles(world):
    return Cycles(world)


def closing_state(cycle):
    """What a closing writes for a cycle, to check that a refused close wrote nothing."""
    cycle.refresh_from_db()
    return {
        "closed_at": cycle.closed_at,
        "closed_by": cycle.closed_by_id,
        "allocations": Allocation.objects.filter(cycle=cycle).count(),
        "summaries": OrderSummary.objects.filter(cycle=cycle).count(),
        "sheets": ProducerSheet.objects.filter(cycle=cycle).count(),
        "picking_lists": PickingList.objects.filter(distribution__cycle=cycle).count(),
    }


OPEN_STATE = {"closed_at": None, "closed_by": None, "allocations": 0, "summaries": 0, "sheets": 0, "picking_lists": 0}


# --- a plain member ---------------------------------------------------------------------------------


class TestMember:
    def test_sees_own_household_order(self, world, cycles, login):
        client = login(world.member_a1)
        for closed in (False, True):
            response = client.get(cycles.order_detail(world.household_a1, closed=closed))
            assert response.status_code == 200
            assert "Foyer Le Goff" in response.content.decode()

    def test_other_households_order_is_not_found(self, world, cycles, login):
        client = login(world.member_a1)
        for household in (world.household_b1, world.household_a2):  # another group, and the same group
            for closed in (False, True):
                response = client.get(cycles.order_detail(household, closed=closed))
                assert response.status_code == 404, (household, closed)
                assert response.templates[0].name == "web/error.html"

    def test_household_members_share_one_order(self, world, cycles, login):
        url = cycles.order_detail(world.household_a1)
        first = login(world.member_a1).get(url)
        second = login(world.member_a1_bis).get(url)
        assert first.status_code == second.status_code == 200
        assert first.context["order"].pk == second.context["order"].pk == cycles.open_orders[world.household_a1.pk].pk
        assert [(l.offer_id, l.quantity) for l in first.context["lines"]] == \
            [(l.offer_id, l.quantity) for l in second.context["lines"]]
        # and both land on the same order from the order page
        order_url = reverse("order", args=[cycles.open.pk])
        assert login(world.member_a1).get(order_url).context["order"].pk == first.context["order"].pk
        assert login(world.member_a1_bis).get(order_url).context["order"].pk == first.context["order"].pk

    def test_member_of_a2_does_not_see_a1s_order(self, world, cycles, login):
        client = login(world.member_a2)
        assert client.get(cycles.order_detail(world.household_a1)).status_code == 404
        assert client.get(cycles.order_detail(world.household_a1, closed=True)).status_code == 404
        assert client.get(cycles.order_detail(world.household_a2)).status_code == 200

    def test_every_coordination_page_is_forbidden(self, world, cycles, login):
        client = login(world.member_a1)
        for url in cycles.coordination_urls():
            response = client.get(url)
            assert response.status_code == 403, url
            assert response.templates[0].name == "web/error.html"

    def test_group_b_documents_and_pages_are_forbidden(self, world, cycles, login):
        """The cases of the brief, one by one: 403 (a member has no coordinator role at all)."""
        client = login(world.member_a1)
        urls = [
            cycles.picking(world.group_b), cycles.picking(world.group_b, "csv"), cycles.picking(world.group_b, "pdf"),
            cycles.group_orders(world.group_b), cycles.group_orders(world.group_b, closed=True),
            cycles.sheet(world.farm), cycles.sheet(world.farm, "csv"), cycles.sheet(world.bakery, "pdf"),
            reverse("cycle-detail", args=[cycles.open.pk]), reverse("cycle-detail", args=[cycles.closed.pk]),
            reverse("cycle-close", args=[cycles.open.pk]),
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 403, url
            assert response["Content-Type"].startswith("text/html")

    def test_posting_close_is_forbidden_and_the_cycle_stays_open(self, world, cycles, login):
        client = login(world.member_a1)
        response = client.post(reverse("cycle-close", args=[cycles.open.pk]))
        assert response.status_code == 403
        assert closing_state(cycles.open) == OPEN_STATE

    def test_cannot_open_a_cycle(self, world, login):
        client = login(world.member_a1)
        count = OrderCycle.objects.count()
        response = client.post(reverse("cycle-create"), {"name": "Pirate", "club": world.club.pk})
        assert response.status_code == 403
        assert OrderCycle.objects.count() == count


# --- a group coordinator ----------------------------------------------------------------------------


class TestGroupCoordinator:
    def test_sees_own_group(self, world, cycles, login):
        client = login(world.group_coordinator_a)
        for url in [
            cycles.group_orders(world.group_a), cycles.group_orders(world.group_a, closed=True),
            cycles.picking(world.group_a), cycles.picking(world.group_a, "csv"),
            reverse("cycle-detail", args=[cycles.open.pk]), reverse("cycle-detail", args=[cycles.closed.pk]),
            reverse("cycle-list"),
        ]:
            assert client.get(url).status_code == 200, url
        html = client.get(cycles.group_orders(world.group_a)).content.decode()
        assert "Foyer Le Goff" in html and "Foyer Martin" in html
        assert "Foyer Bernard" not in html
        csv_text = client.get(cycles.picking(world.group_a, "csv")).content.decode("utf-8-sig")
        assert "Foyer Le Goff" in csv_text and "Foyer Bernard" not in csv_text

    def test_sees_orders_of_own_groups_households(self, world, cycles, login):
        client = login(world.group_coordinator_a)
        assert client.get(cycles.order_detail(world.household_a1)).status_code == 200
        assert client.get(cycles.order_detail(world.household_a1, closed=True)).status_code == 200
        assert client.get(cycles.order_detail(world.household_b1)).status_code == 404
        assert client.get(cycles.order_detail(world.household_b2, closed=True)).status_code == 404

    def test_other_group_is_not_found(self, world, cycles, login):
        client = login(world.group_coordinator_a)
        for url in [
            cycles.group_orders(world.group_b), cycles.group_orders(world.group_b, closed=True),
            cycles.picking(world.group_b), cycles.picking(world.group_b, "csv"), cycles.picking(world.group_b, "pdf"),
        ]:
            assert client.get(url).status_code == 404, url

    def test_cycle_detail_shows_only_own_group_and_no_producer_sheet(self, world, cycles, login):
        client = login(world.group_coordinator_a)
        for cycle in (cycles.open, cycles.closed):
            response = client.get(reverse("cycle-detail", args=[cycle.pk]))
            assert [g["distribution"].group_id for g in response.context["groups"]] == [world.group_a.pk]
            assert response.context["sheets"] == []
            assert response.context["can_close"] is False
            assert response.context["household_count"] == 2  # a1 and a2, not b1/b2
            html = response.content.decode()
            assert world.group_b.name not in html
            assert reverse("cycle-close", args=[cycle.pk]) not in html

    def test_producer_sheets_are_forbidden(self, world, cycles, login):
        client = login(world.group_coordinator_a)
        for url in [cycles.sheet(world.farm), cycles.sheet(world.farm, "csv"), cycles.sheet(world.bakery, "pdf")]:
            assert client.get(url).status_code == 403, url

    def test_cannot_close_the_clubs_cycle(self, world, cycles, login):
        client = login(world.group_coordinator_a)
        response = client.post(reverse("cycle-close", args=[cycles.open.pk]))
        assert response.status_code == 403
        assert closing_state(cycles.open) == OPEN_STATE

    def test_opens_a_cycle_for_their_own_group_only(self, world, login):
        """A group's coordinator opens a cycle for their group (tests/test_group_rhythm.py); another group's
        fields are not in the form: sent anyway, they are ignored, and without their own group nothing opens."""
        client = login(world.group_coordinator_a)
        page = client.get(reverse("cycle-create"))
        assert page.status_code == 200
        assert world.group_a.name in page.content.decode() and world.group_b.name not in page.content.decode()
        count = OrderCycle.objects.count()
        response = client.post(reverse("cycle-create"), {
            "name": "Pirate", "club": world.club.pk, f"group-{world.group_b.pk}": "on",
            f"date-{world.group_b.pk}": "2030-01-10", "opens_at": "2029-12-01T08:00", "closes_at": "2030-01-05T20:00",
            "products": [world.milk.pk]})
        assert response.status_code == 400
        assert OrderCycle.objects.count() == count
        assert login(world.member_a1).get(reverse("cycle-create")).status_code == 403


# --- the club coordinator ---------------------------------------------------------------------------


class TestClubCoordinator:
    def test_sees_every_page(self, world, cycles, login):
        client = login(world.coordinator)
        for url in cycles.coordination_urls():
            if url.endswith(".pdf"):
                continue  # rendered in tests/test_exports.py (slow)
            assert client.get(url).status_code == 200, url
        for household in (world.household_a1, world.household_a2, world.household_b1, world.household_b2):
            for closed in (False, True):
                assert client.get(cycles.order_detail(household, closed=closed)).status_code == 200

    def test_cycle_detail_shows_every_group_and_the_sheets(self, world, cycles, login):
        client = login(world.coordinator)
        response = client.get(reverse("cycle-detail", args=[cycles.closed.pk]))
        assert {g["distribution"].group_id for g in response.context["groups"]} == {world.group_a.pk, world.group_b.pk}
        assert {s.producer_id for s in response.context["sheets"]} == {world.farm.pk, world.bakery.pk}
        assert response.context["household_count"] == 4
        assert client.get(reverse("cycle-detail", args=[cycles.open.pk])).context["can_close"] is True

    def test_closes_the_cycle(self, world, cycles, login):
        client = login(world.coordinator)
        response = client.post(reverse("cycle-close", args=[cycles.open.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("cycle-detail", args=[cycles.open.pk])
        state = closing_state(cycles.open)
        assert state["closed_at"] is not None and state["closed_by"] == world.coordinator.pk
        assert state["sheets"] == 2 and state["picking_lists"] == 2 and state["summaries"] == 4

    def test_order_page_without_household_is_not_found(self, world, cycles, login):
        """The club coordinator has no household: the member's order page is a clear 404 page, not a 500."""
        client = login(world.coordinator)
        response = client.get(reverse("order", args=[cycles.open.pk]))
        assert response.status_code == 404
        assert response.templates[0].name == "web/error.html"
        response = client.post(reverse("order", args=[cycles.open.pk]), {"q-1": "1"})
        assert response.status_code == 404

    def test_home_without_household_goes_to_coordination(self, world, login):
        response = login(world.coordinator).get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("cycle-list")


# --- another club -----------------------------------------------------------------------------------


@pytest.fixture
def other_club_cycle(world):
    """A second club with its own group, household, producer and a closed cycle with one order."""
    club, group, household, producer, product = world.other_club()
    now = timezone.now()
    cycle = open_cycle(club=club, name="Brest 47", opens_at=now - datetime.timedelta(days=1),
                       closes_at=now + datetime.timedelta(days=2),
                       distribution_dates={group.pk: timezone.localdate(now) + datetime.timedelta(days=4)},
                       product_ids=[product.pk])
    order = save_order(cycle=cycle, household=household, quantities={offers_of(cycle)[product.pk]: "1"}).order
    close_cycle(cycle.pk)
    return {"cycle": cycle, "group": group, "producer": producer, "order": order}


def test_club_coordinator_does_not_see_another_club(world, other_club_cycle, login):
    other = other_club_cycle
    client = login(world.coordinator)
    cycle = other["cycle"]
    for url in [
        reverse("cycle-detail", args=[cycle.pk]),
        reverse("group-orders", args=[cycle.pk, other["group"].pk]),
        reverse("picking-list", args=[cycle.pk, other["group"].pk]),
        reverse("picking-list-file", args=[cycle.pk, other["group"].pk, "csv"]),
        reverse("producer-sheet", args=[cycle.pk, other["producer"].pk]),
        reverse("producer-sheet-file", args=[cycle.pk, other["producer"].pk, "csv"]),
        reverse("order-detail", args=[other["order"].pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("cycle-close", args=[cycle.pk])).status_code == 404
    assert client.get(reverse("order", args=[cycle.pk])).status_code == 404
    # and the other club's cycle is not listed
    assert cycle.pk not in [c.pk for c, _ in client.get(reverse("cycle-list")).context["cycles"]]


def test_member_does_not_order_in_another_clubs_cycle(world, other_club_cycle, login):
    client = login(world.member_a1)
    assert client.get(reverse("order", args=[other_club_cycle["cycle"].pk])).status_code == 404


# --- anonymous visitors -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(world, cycles, client):
    login_url = reverse("login")
    assert login_url == "/connexion/"
    urls = cycles.coordination_urls() + [
        reverse("home"),
        reverse("order", args=[cycles.open.pk]),
        cycles.order_detail(world.household_a1),
        cycles.order_detail(world.household_b1, closed=True),
        reverse("cycle-close", args=[cycles.open.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{login_url}?next={quote(url)}", url


def test_anonymous_post_writes_nothing(world, cycles, client):
    offers = offers_of(cycles.open)
    before = Offer.objects.get(pk=offers[world.milk.pk]).order_lines.count()
    response = client.post(reverse("order", args=[cycles.open.pk]), {f"q-{offers[world.milk.pk]}": "3"})
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    response = client.post(reverse("cycle-close", args=[cycles.open.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    assert closing_state(cycles.open) == OPEN_STATE
    assert Offer.objects.get(pk=offers[world.milk.pk]).order_lines.count() == before


def test_role_rows_decide_not_the_household(world, cycles, login):
    """A group coordinator role for group B makes a group-A member see group B, not group A's other pages."""
    Role.objects.create(user=world.member_a1, kind=RoleKind.GROUP_COORDINATOR, club=world.club, group=world.group_b)
    client = login(world.member_a1)
    assert client.get(cycles.picking(world.group_b)).status_code == 200
    assert client.get(cycles.picking(world.group_a)).status_code == 404
    assert client.get(cycles.order_detail(world.household_a1)).status_code == 200  # own household
    assert client.get(cycles.order_detail(world.household_a2)).status_code == 404
    assert client.get(cycles.order_detail(world.household_b2)).status_code == 200
