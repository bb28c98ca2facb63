"""Bad input through the web pages: refused with the form shown again (400), never a 500, nothing written.

Messages are translated at runtime and the French catalogue is being written: most tests check the
errors in `response.context` and that the message is on the page, whatever its language;
`TestFrenchMessages` checks the French text once the compiled catalogue exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from cabas.distribution.models import Distribution, PickingList, ProducerSheet
from cabas.ordering.models import Allocation, Offer, Order, OrderCycle, OrderLine, OrderSummary
from cabas.flows import close_cycle, save_order

D = Decimal
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

FRENCH_CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.mo"


def offers_of(cycle):
    """Offer id per product id."""
    return {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}


def written():
    models = [OrderCycle, Offer, Distribution, Order, OrderLine, Allocation, OrderSummary, ProducerSheet, PickingList]
    return {m.__name__: m.objects.count() for m in models}


def lines_of(cycle, household):
    return dict(OrderLine.objects.filter(order__cycle=cycle, order__household=household).values_list("offer_id", "quantity"))


@pytest.fixture
def cycle(world):
    return world.open_cycle()


@pytest.fixture
def offers(cycle):
    return offers_of(cycle)


@pytest.fixture
def member(world, login):
    return login(world.member_a1)


def order_url(cycle):
    return reverse("order", args=[cycle.pk])


def assert_refused(response, *, fields=(), messages=0):
    """400 with the order form shown again, its errors in the context and on the page."""
    assert response.status_code == 400, response.content.decode()[:2000]
    assert response.templates[0].name == "web/ordering/order.html"
    error = response.context["error"]
    assert error is not None
    assert set(error.field_errors) == set(fields)
    assert len(error.messages) == messages
    html = response.content.decode()
    assert 'role="alert"' in html
    for message in error.all_messages:
        assert escape(message) in html
    for field in fields:
        row = next(r for _, rows in response.context["sections"] for r in rows if f"q-{r['offer'].pk}" == field)
        assert row["error"] == error.field_errors[field]
    return error


# --- the order page ---------------------------------------------------------------------------------


class TestOrderQuantities:
    @pytest.mark.parametrize("product, raw", [
        ("milk", "-1"),
        ("milk", "abc"),
        ("milk", "10001"),  # over CABAS_MAX_LINE_QUANTITY
        ("bread", "1,5"),  # bread is sold by the piece
        ("carrots", "1,2345"),  # more precise than a gram
        ("milk", "NaN"),
        ("milk", "Infinity"),
        ("milk", "1" * 40),
    ])
    def test_bad_quantity_is_refused_and_nothing_written(self, world, cycle, offers, member, product, raw):
        field = f"q-{offers[getattr(world, product).pk]}"
        valid = {f"q-{offers[world.carrots.pk]}": "2", f"q-{offers[world.brioche.pk]}": "1"}
        if product == "carrots":
            valid = {f"q-{offers[world.milk.pk]}": "2", f"q-{offers[world.brioche.pk]}": "1"}
        before = written()
        response = member.post(order_url(cycle), {**valid, field: raw})
        assert_refused(response, fields=[field])
        assert written() == before  # the valid lines sent with it are not saved either
        # what was typed is shown again, so the member can correct it
        rows = {f"q-{r['offer'].pk}": r for _, rs in response.context["sections"] for r in rs}
        assert rows[field]["text"] == raw
        assert f'value="{escape(raw)}"' in response.content.decode()

    def test_every_wrong_field_is_reported_at_once(self, world, cycle, offers, member):
        data = {
            f"q-{offers[world.milk.pk]}": "-1",
            f"q-{offers[world.carrots.pk]}": "abc",
            f"q-{offers[world.brioche.pk]}": "10001",
            f"q-{offers[world.bread.pk]}": "1,5",
        }
        before = written()
        assert_refused(member.post(order_url(cycle), data), fields=list(data))
        assert written() == before

    def test_bad_input_leaves_an_existing_order_as_it_was(self, world, cycle, offers, member):
        save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk]: "3", offers[world.bread.pk]: "2"})
        saved = lines_of(cycle, world.household_a1)
        updated_at = Order.objects.get(cycle=cycle, household=world.household_a1).updated_at
        response = member.post(order_url(cycle), {
            f"q-{offers[world.milk.pk]}": "5",  # a valid change…
            f"q-{offers[world.bread.pk]}": "0",  # …a valid removal…
            f"q-{offers[world.carrots.pk]}": "-2",  # …and a wrong one: nothing is applied
        })
        assert_refused(response, fields=[f"q-{offers[world.carrots.pk]}"])
        assert lines_of(cycle, world.household_a1) == saved
        assert Order.objects.get(cycle=cycle, household=world.household_a1).updated_at == updated_at
        # the page total is the saved order's, not the refused one's
        assert response.context["total"] == D("3") * D("1.30") + D("2") * D("5.20")

    def test_offer_of_another_cycle_is_refused(self, world, cycle, offers, member):
        other = world.open_cycle(name="Semaine 48")
        other_offer = offers_of(other)[world.milk.pk]
        before = written()
        response = member.post(order_url(cycle), {f"q-{other_offer}": "1", f"q-{offers[world.bread.pk]}": "2"})
        assert_refused(response, messages=1)
        assert written() == before
        assert not OrderLine.objects.filter(offer_id=other_offer).exists()

    def test_unknown_offer_id_is_refused(self, world, cycle, offers, member):
        before = written()
        response = member.post(order_url(cycle), {"q-999999999999999999": "1", f"q-{offers[world.bread.pk]}": "2"})
        assert_refused(response, messages=1)
        assert written() == before

    def test_absurd_field_names_are_ignored(self, world, cycle, offers, member):
        """Only q-<id of at most 18 digits> is read: a longer id never reaches the database."""
        before = written()
        response = member.post(order_url(cycle), {"q-99999999999999999999999": "1", "q-abc": "1", "quantity": "3",
                                                  "household": world.household_b1.pk})
        assert response.status_code == 302
        assert written() == before

    def test_after_the_deadline(self, world, late, member):
        offers = offers_of(late)
        before, saved = written(), lines_of(late, world.household_a1)
        get = member.get(order_url(late))
        assert get.status_code == 200 and get.context["accepts_orders"] is False
        assert f'name="q-{offers[world.milk.pk]}"' not in get.content.decode()  # no input any more
        response = member.post(order_url(late), {f"q-{offers[world.milk.pk]}": "4", f"q-{offers[world.bread.pk]}": "1"})
        assert_refused(response, messages=1)
        assert written() == before
        assert lines_of(late, world.household_a1) == saved

    @pytest.fixture
    def late(self, world):
        """A cycle whose deadline passed an hour ago, not closed yet; a1 ordered 1 l of milk before it."""
        now = timezone.now()
        late = world.open_cycle(name="En retard", opens_at=now - 5 * DAY, closes_at=now - HOUR)
        offers = offers_of(late)
        save_order(cycle=late, household=world.household_a1, quantities={offers[world.milk.pk]: "1"}, now=now - 2 * HOUR)
        return late

    @pytest.mark.parametrize("raw", ["2,5", "abc"])
    def test_after_the_deadline_with_a_decimal_comma(self, world, late, member, raw):
        """A member submits '2,5' (French notation) a minute after the deadline: refused, not a server error."""
        offers = offers_of(late)
        member.raise_request_exception = False
        before = written()
        response = member.post(order_url(late), {f"q-{offers[world.milk.pk]}": raw})
        assert response.status_code == 400
        assert written() == before

    def test_after_the_deadline_the_page_shows_the_saved_order(self, world, late, member):
        offers = offers_of(late)
        response = member.post(order_url(late), {f"q-{offers[world.milk.pk]}": "4"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "<strong>1</strong>" in html  # 1 l of milk is what the household will receive
        assert "<strong>4</strong>" not in html

    def test_before_the_opening(self, world, member):
        now = timezone.now()
        early = world.open_cycle(name="Plus tard", opens_at=now + DAY, closes_at=now + 3 * DAY)
        offers = offers_of(early)
        before = written()
        response = member.post(order_url(early), {f"q-{offers[world.milk.pk]}": "1"})
        assert_refused(response, messages=1)
        assert written() == before

    def test_posting_to_a_closed_cycle_says_nothing_was_saved(self, world, cycle, offers, member):
        save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk]: "2"})
        close_cycle(cycle.pk)
        response = member.post(order_url(cycle), {f"q-{offers[world.milk.pk]}": "9"}, follow=True)
        told = response.status_code == 400 or any(m.level_tag == "error" for m in response.context["messages"])
        assert told

    def test_closed_cycle_shows_the_summary_and_refuses_changes(self, world, cycle, offers, member):
        save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk]: "2"})
        close_cycle(cycle.pk)
        before = written()
        response = member.post(order_url(cycle), {f"q-{offers[world.milk.pk]}": "9"}, follow=True)
        assert response.redirect_chain == [(order_url(cycle), 302)]
        assert response.templates[0].name == "web/ordering/order_summary.html"  # the household's summary, not the form
        assert written() == before
        assert lines_of(cycle, world.household_a1) == {offers[world.milk.pk]: D("2")}

    def test_total_preview_with_bad_input_saves_nothing(self, world, cycle, offers, member):
        before = written()
        response = member.post(reverse("order-total", args=[cycle.pk]), {f"q-{offers[world.milk.pk]}": "-1"})
        assert response.status_code == 200
        assert response.context["field_errors"].keys() == {f"q-{offers[world.milk.pk]}"}
        response = member.post(reverse("order-total", args=[cycle.pk]), {f"q-{offers[world.milk.pk]}": "2,5"})
        assert response.context["total"] == D("3.25")
        assert written() == before

    def test_get_on_total_preview_is_not_allowed(self, world, cycle, member):
        assert member.get(reverse("order-total", args=[cycle.pk])).status_code == 405

    def test_coordinator_without_household_gets_a_clear_page(self, world, cycle, offers, login):
        client = login(world.coordinator)
        before = written()
        for response in (client.get(order_url(cycle)), client.post(order_url(cycle), {f"q-{offers[world.milk.pk]}": "1"})):
            assert response.status_code == 404
            assert response.templates[0].name == "web/error.html"
            assert response.context["message"]
        assert written() == before


@pytest.mark.skipif(not FRENCH_CATALOGUE.exists(), reason=f"French catalogue not compiled yet ({FRENCH_CATALOGUE})")
class TestFrenchMessages:
    """Once src/cabas/locale/fr/LC_MESSAGES/django.mo exists, members read their errors in French."""

    def test_negative_quantity(self, world, cycle, offers, member):
        response = member.post(order_url(cycle), {f"q-{offers[world.milk.pk]}": "-1"})
        html = response.content.decode()
        assert response.status_code == 400
        assert "négati" in html
        assert "cannot be negative" not in html

    def test_fraction_of_a_piece(self, world, cycle, offers, member):
        response = member.post(order_url(cycle), {f"q-{offers[world.bread.pk]}": "1,5"})
        html = response.content.decode()
        assert response.status_code == 400
        assert "nombre" in html or "entier" in html
        assert "give a whole number" not in html

    def test_not_a_number(self, world, cycle, offers, member):
        response = member.post(order_url(cycle), {f"q-{offers[world.milk.pk]}": "abc"})
        html = response.content.decode()
        assert response.status_code == 400
        assert "quantité" in html
        assert "is not a quantity" not in html
        assert "Your order was not saved." not in html

    def test_error_pages(self, world, cycle, login):
        response = login(world.member_a1).get(reverse("cycle-detail", args=[cycle.pk]))
        assert response.status_code == 403
        assert "This page is for coordinators." not in response.content.decode()


# --- the cycle form ---------------------------------------------------------------------------------


def cycle_form_data(world, **overrides):
    now = timezone.localtime()
    closes = now + 3 * DAY
    data = {
        "club": str(world.club.pk),
        "name": "Semaine 50",
        "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": closes.strftime("%Y-%m-%dT%H:%M"),
        f"group-{world.group_a.pk}": "on",
        f"date-{world.group_a.pk}": (closes + 2 * DAY).strftime("%Y-%m-%d"),
        f"group-{world.group_b.pk}": "on",
        f"date-{world.group_b.pk}": (closes + 3 * DAY).strftime("%Y-%m-%d"),
        "products": [str(world.milk.pk), str(world.bread.pk)],
    }
    data.update(overrides)
    return data


class TestCycleForm:
    @pytest.fixture
    def coordinator(self, world, login):
        return login(world.coordinator)

    def test_valid_form_opens_a_cycle(self, world, coordinator):
        response = coordinator.post(reverse("cycle-create"), cycle_form_data(world))
        assert response.status_code == 302
        cycle = OrderCycle.objects.get(name="Semaine 50")
        assert response["Location"] == reverse("cycle-detail", args=[cycle.pk])
        assert set(cycle.offers.values_list("product_id", flat=True)) == {world.milk.pk, world.bread.pk}

    def refused(self, coordinator, data, field):
        before = written()
        response = coordinator.post(reverse("cycle-create"), data)
        assert response.status_code == 400, response.content.decode()[:2000]
        form = response.context["form"]
        assert field in form.errors, form.errors
        html = response.content.decode()
        for message in form.errors[field]:
            assert escape(message) in html
        assert written() == before
        return form

    def test_closing_before_opening(self, world, coordinator):
        now = timezone.localtime()
        data = cycle_form_data(world, opens_at=(now + DAY).strftime("%Y-%m-%dT%H:%M"),
                               closes_at=now.strftime("%Y-%m-%dT%H:%M"))
        self.refused(coordinator, data, "closes_at")

    def test_closing_at_the_opening(self, world, coordinator):
        data = cycle_form_data(world)
        data["closes_at"] = data["opens_at"]
        self.refused(coordinator, data, "closes_at")

    @pytest.mark.parametrize("product_id", ["424242", "99999999999999999999", "-1", "abc", "1.5", ""])
    def test_unknown_or_absurd_product(self, world, coordinator, product_id):
        self.refused(coordinator, cycle_form_data(world, products=[str(world.milk.pk), product_id]), "products")

    def test_no_product(self, world, coordinator):
        data = cycle_form_data(world)
        del data["products"]
        self.refused(coordinator, data, "products")

    def test_inactive_product(self, world, coordinator):
        world.brioche.is_active = False
        world.brioche.save()
        self.refused(coordinator, cycle_form_data(world, products=[str(world.brioche.pk)]), "products")

    @pytest.mark.parametrize("club", ["99999999999999999999", "abc", "-1"])
    def test_absurd_club_id(self, world, coordinator, club):
        """Not an id: the form refuses it before it reaches the database (400, nothing written, no 500)."""
        before = written()
        response = coordinator.post(reverse("cycle-create"), cycle_form_data(world, club=club))
        assert response.status_code == 400
        assert "club" in response.context["form"].errors
        assert written() == before

    def test_absurd_club_id_error_is_shown(self, world, coordinator):
        self.refused(coordinator, cycle_form_data(world, club="abc"), "club")

    def test_club_not_coordinated(self, world, coordinator):
        """Another club (or none): not found, as any object out of scope."""
        before = written()
        response = coordinator.post(reverse("cycle-create"), cycle_form_data(world, club="424242"))
        assert response.status_code == 404
        assert written() == before

    def test_distribution_before_the_deadline(self, world, coordinator):
        data = cycle_form_data(world)
        data[f"date-{world.group_a.pk}"] = timezone.localdate().strftime("%Y-%m-%d")
        before = written()
        response = coordinator.post(reverse("cycle-create"), data)
        assert response.status_code == 400
        assert response.context["form"].non_field_errors()
        assert written() == before

    @pytest.mark.parametrize("field, value", [
        ("opens_at", "demain"), ("closes_at", "31/02/2025 10:00"), ("name", ""), ("name", "x" * 201), ("date", "99999-01-01"),
    ])
    def test_bad_fields(self, world, coordinator, field, value):
        if field == "date":
            field = f"date-{world.group_b.pk}"
        self.refused(coordinator, cycle_form_data(world, **{field: value}), field)


# --- URLs and closing -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/commandes/99999999999999999999999/",
    "/commandes/9999999999999999999/",  # 19 digits: over a bigint
    "/commandes/999999999999999999/",  # 18 digits: a valid id that does not exist
    "/commandes/-1/",
    "/commandes/abc/",
    "/cycles/99999999999999999999999/commande/",
    "/coordination/cycles/99999999999999999999999/",
    "/coordination/cycles/999999999999999999/",
    "/coordination/cycles/999999999999999999/groupes/99999999999999999999/liste.csv",
])
def test_absurd_ids_in_urls_are_not_found(world, login, url):
    client = login(world.coordinator if url.startswith("/coordination") else world.member_a1)
    response = client.get(url)
    assert response.status_code == 404
    assert response.templates[0].name == "web/error.html"


def test_absurd_cycle_close_is_not_found(world, login):
    client = login(world.coordinator)
    assert client.post("/coordination/cycles/99999999999999999999999/cloturer/").status_code == 404
    assert client.post("/coordination/cycles/999999999999999999/cloturer/").status_code == 404


def test_closing_twice_is_harmless(world, login):
    cycle = world.open_cycle()
    offers = offers_of(cycle)
    save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk]: "2"})
    save_order(cycle=cycle, household=world.household_b1, quantities={offers[world.bread.pk]: "1"})
    client = login(world.coordinator)
    url = reverse("cycle-close", args=[cycle.pk])
    first = client.post(url, follow=True)
    assert first.status_code == 200
    assert [m.level_tag for m in first.context["messages"]] == ["success"]
    cycle.refresh_from_db()
    closed_at = cycle.closed_at
    assert closed_at is not None
    after_first = written()
    assert after_first["ProducerSheet"] == 2 and after_first["PickingList"] == 2
    second = client.post(url, follow=True)
    assert second.status_code == 200
    assert second.redirect_chain == [(reverse("cycle-detail", args=[cycle.pk]), 302)]
    assert [m.level_tag for m in second.context["messages"]] == ["info"]
    assert written() == after_first
    cycle.refresh_from_db()
    assert cycle.closed_at == closed_at


def test_closing_a_scheduled_cycle_is_refused_with_a_message(world, login):
    now = timezone.now()
    cycle = world.open_cycle(name="Plus tard", opens_at=now + DAY, closes_at=now + 3 * DAY)
    before = written()
    response = login(world.coordinator).post(reverse("cycle-close", args=[cycle.pk]), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert written() == before
    cycle.refresh_from_db()
    assert cycle.closed_at is None


def test_get_on_cycle_close_is_not_allowed(world, login):
    cycle = world.open_cycle()
    assert login(world.coordinator).get(reverse("cycle-close", args=[cycle.pk])).status_code == 405
    cycle.refresh_from_db()
    assert cycle.closed_at is None


def test_documents_of_an_open_cycle_are_not_found(world, login):
    cycle = world.open_cycle()
    client = login(world.coordinator)
    for url in [
        reverse("picking-list", args=[cycle.pk, world.group_a.pk]),
        reverse("picking-list-file", args=[cycle.pk, world.group_a.pk, "csv"]),
        reverse("producer-sheet", args=[cycle.pk, world.farm.pk]),
        reverse("producer-sheet-file", args=[cycle.pk, world.farm.pk, "csv"]),
    ]:
        assert client.get(url).status_code == 404, url
