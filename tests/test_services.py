"""Services against the database: opening, ordering, closing, and the documents the closing prepares.

Messages are translated at runtime, so these tests assert on the exception type, the form fields in
error and on what is (not) written, never on message text.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cabas.catalog.models import Product, Unit
from cabas.core.errors import ActionError
from cabas.distribution import documents
from cabas.distribution.models import Distribution, PickingList, ProducerSheet
from cabas.members.models import Household
from cabas.ordering.models import Allocation, CycleStatus, Offer, Order, OrderCycle, OrderLine, OrderSummary
from cabas.core.tasks import uses_redis
from cabas.flows import close_cycle, close_due_cycles, open_cycle, save_order
from django_tasks_db.models import DBTaskResult
from cabas.ordering.services import order_total

D = Decimal
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def offers_of(cycle):
    """Offer per product id."""
    return {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}


def dates_for(world, closes_at, days=2):
    return {g.pk: timezone.localdate(closes_at) + datetime.timedelta(days=days) for g in (world.group_a, world.group_b)}


def counts():
    """Row counts of everything the ordering and distribution services write."""
    models = [OrderCycle, Offer, Distribution, Order, OrderLine, Allocation, OrderSummary, ProducerSheet, PickingList]
    return {m.__name__: m.objects.count() for m in models}


def lines_of(cycle, household):
    return {
        line.offer.product_id: line.quantity
        for line in OrderLine.objects.filter(order__cycle=cycle, order__household=household).select_related("offer")
    }


# --- open_cycle -----------------------------------------------------------------------------------


def test_open_cycle_creates_offers_with_frozen_terms_and_one_distribution_per_group(world):
    now = timezone.now()
    closes_at = now + 3 * DAY
    dates = dates_for(world, closes_at)
    world.milk.pack_size, world.milk.min_total = D(6), D(24)
    world.milk.save()
    cycle = open_cycle(club=world.club, name="  Semaine 47 ", opens_at=now - DAY, closes_at=closes_at,
                       distribution_dates=dates, product_ids=[world.milk.pk, world.brioche.pk, world.milk.pk])
    assert cycle.name == "Semaine 47"
    assert cycle.status(now) == CycleStatus.OPEN
    offers = offers_of(cycle)
    assert set(offers) == {world.milk.pk, world.brioche.pk}
    milk = offers[world.milk.pk]
    assert (milk.name, milk.unit, milk.unit_price, milk.vat_rate, milk.pack_size) == ("Lait cru", Unit.LITRE, D("1.30"), D("5.5"), D("6"))
    assert (milk.order_step, milk.min_total) == (D("0.5"), D(24))  # the step the product has
    assert (milk.producer_id, milk.category_id) == (world.farm.pk, world.lait.pk)
    assert offers[world.brioche.pk].vat_rate == D("10")
    assert offers[world.brioche.pk].countable and not milk.countable
    assert {(d.group_id, d.date) for d in Distribution.objects.filter(cycle=cycle)} == set(dates.items())


def test_open_cycle_freezes_the_price_even_through_closing(world):
    cycle = world.open_cycle()
    milk = offers_of(cycle)[world.milk.pk]
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "2"})

    Product.objects.filter(pk=world.milk.pk).update(unit_price=D("9.99"), vat_rate=D("20"), name="Lait (nouveau prix)")

    milk.refresh_from_db()
    assert (milk.unit_price, milk.vat_rate, milk.name) == (D("1.30"), D("5.5"), "Lait cru")
    close_cycle(cycle.pk)
    assert Allocation.objects.get(cycle=cycle).amount_incl_vat == D("2.60")
    summary = OrderSummary.objects.get(cycle=cycle)
    assert (summary.amount_incl_vat, summary.amount_excl_vat, summary.vat) == (D("2.60"), D("2.46"), D("0.14"))

    # changing the catalogue after closing changes nothing either
    Product.objects.filter(pk=world.milk.pk).update(unit_price=D("0.50"))
    assert documents.household_summary(cycle, world.household_a1).vat.amount_incl_vat == D("2.60")
    # and a new cycle picks up the new price
    assert offers_of(world.open_cycle(name="Semaine 48"))[world.milk.pk].unit_price == D("0.50")


def _open(world, **overrides):
    now = timezone.now()
    arguments = dict(club=world.club, name="Semaine 47", opens_at=now - DAY, closes_at=now + 3 * DAY,
                     distribution_dates=dates_for(world, now + 3 * DAY), product_ids=[world.milk.pk, world.bread.pk])
    arguments.update(overrides)
    return open_cycle(**arguments)


def _assert_refused(world, **overrides):
    before = counts()
    with pytest.raises(ActionError) as info:
        _open(world, **overrides)
    assert info.value.messages  # at least one message for the coordinator
    assert counts() == before
    assert not OrderCycle.objects.exists()
    return info.value


def test_open_cycle_refuses_closing_at_the_opening(world):
    now = timezone.now()
    _assert_refused(world, opens_at=now, closes_at=now)


def test_open_cycle_refuses_closing_before_the_opening(world):
    now = timezone.now()
    _assert_refused(world, opens_at=now + 3 * DAY, closes_at=now + DAY, distribution_dates=dates_for(world, now + 3 * DAY))


def test_open_cycle_refuses_missing_dates(world):
    _assert_refused(world, closes_at=None)
    _assert_refused(world, opens_at=None)


def test_open_cycle_refuses_no_products(world):
    _assert_refused(world, product_ids=[])


def test_open_cycle_refuses_a_product_of_another_club(world):
    _club, _group, _household, _producer, foreign_product = world.other_club()
    _assert_refused(world, product_ids=[world.milk.pk, foreign_product.pk])
    assert not Offer.objects.filter(product=foreign_product).exists()


def test_open_cycle_refuses_an_unknown_or_inactive_product(world):
    _assert_refused(world, product_ids=[world.milk.pk, 999_999])
    Product.objects.filter(pk=world.bread.pk).update(is_active=False)
    _assert_refused(world, product_ids=[world.milk.pk, world.bread.pk])


def test_open_cycle_refuses_a_blank_name(world):
    _assert_refused(world, name="   ")


def test_open_cycle_refuses_a_group_without_distribution_date(world):
    """A cycle serves some of the club's groups (each on its own rhythm), at least one, each with its date."""
    now = timezone.now()
    _assert_refused(world, distribution_dates={})
    _assert_refused(world, distribution_dates={world.group_a.pk: timezone.localdate(now) + 5 * DAY, world.group_b.pk: None})


def test_open_cycle_refuses_a_distribution_before_the_deadline(world):
    now = timezone.now()
    dates = dates_for(world, now + 3 * DAY)
    dates[world.group_b.pk] = timezone.localdate(now)
    _assert_refused(world, distribution_dates=dates)


def test_open_cycle_refuses_a_distribution_date_for_a_group_of_another_club(world):
    _club, foreign_group, _household, _producer, _product = world.other_club()
    now = timezone.now()
    dates = dates_for(world, now + 3 * DAY)
    dates[foreign_group.pk] = timezone.localdate(now) + 5 * DAY
    _assert_refused(world, distribution_dates=dates)


def test_open_cycle_refuses_an_early_distribution_date_for_a_group_of_another_club(world):
    _club, foreign_group, _household, _producer, _product = world.other_club()
    now = timezone.now()
    dates = dates_for(world, now + 3 * DAY)
    dates[foreign_group.pk] = timezone.localdate(now) - DAY
    _assert_refused(world, distribution_dates=dates)


def test_a_distribution_on_the_deadline_day_is_allowed(world):
    now = timezone.now()
    closes_at = now + 3 * DAY
    cycle = _open(world, closes_at=closes_at, distribution_dates=dates_for(world, closes_at, days=0))
    assert Distribution.objects.filter(cycle=cycle).count() == 2


# --- save_order -----------------------------------------------------------------------------------


def test_save_order_creates_updates_and_deletes_lines(world):
    cycle = world.open_cycle()
    offers = offers_of(cycle)
    milk, bread, carrots = offers[world.milk.pk].pk, offers[world.bread.pk].pk, offers[world.carrots.pk].pk

    saved = save_order(cycle=cycle, household=world.household_a1, by_user=world.member_a1,
                       quantities={milk: "2,5", bread: "2", carrots: "0"})
    assert (saved.created, saved.updated, saved.deleted) == (2, 0, 0)
    assert saved.order.household == world.household_a1
    assert lines_of(cycle, world.household_a1) == {world.milk.pk: D("2.5"), world.bread.pk: D("2")}

    saved = save_order(cycle=cycle, household=world.household_a1, quantities={milk: "3", carrots: "1.2"})
    assert (saved.created, saved.updated, saved.deleted) == (1, 1, 0)
    # lines not mentioned stay as they were
    assert lines_of(cycle, world.household_a1) == {world.milk.pk: D("3"), world.bread.pk: D("2"), world.carrots.pk: D("1.2")}

    saved = save_order(cycle=cycle, household=world.household_a1, quantities={milk: "0", carrots: ""})
    assert (saved.created, saved.updated, saved.deleted) == (0, 0, 2)  # zero and an empty field both remove
    assert lines_of(cycle, world.household_a1) == {world.bread.pk: D("2")}

    saved = save_order(cycle=cycle, household=world.household_a1, quantities={bread: "2", milk: "0"})
    assert (saved.created, saved.updated, saved.deleted) == (0, 0, 0)  # nothing changed
    assert Order.objects.filter(cycle=cycle).count() == 1


def test_save_order_accepts_string_keys_and_decimals(world):
    cycle = world.open_cycle()
    offers = offers_of(cycle)
    save_order(cycle=cycle, household=world.household_b1,
               quantities={str(offers[world.milk.pk].pk): D("1.5"), offers[world.brioche.pk].pk: 3})
    assert lines_of(cycle, world.household_b1) == {world.milk.pk: D("1.5"), world.brioche.pk: D("3")}


def test_save_order_records_who_changed_it_and_when(world):
    cycle = world.open_cycle()
    milk = offers_of(cycle)[world.milk.pk].pk
    when = cycle.opens_at + HOUR
    save_order(cycle=cycle, household=world.household_a1, quantities={milk: "1"}, by_user=world.member_a1, now=when)
    order = Order.objects.get(cycle=cycle, household=world.household_a1)
    assert (order.updated_at, order.updated_by) == (when, world.member_a1)

    save_order(cycle=cycle, household=world.household_a1, quantities={milk: "2"}, by_user=world.member_a1_bis, now=when + HOUR)
    order.refresh_from_db()
    assert (order.updated_at, order.updated_by) == (when + HOUR, world.member_a1_bis)


def test_two_members_of_one_household_share_one_order(world):
    cycle = world.open_cycle()
    offers = offers_of(cycle)
    first = save_order(cycle=cycle, household=world.member_a1.household, by_user=world.member_a1,
                       quantities={offers[world.milk.pk].pk: "1"})
    second = save_order(cycle=cycle, household=world.member_a1_bis.household, by_user=world.member_a1_bis,
                        quantities={offers[world.bread.pk].pk: "2"})
    assert first.order.pk == second.order.pk
    assert Order.objects.filter(cycle=cycle, household=world.household_a1).count() == 1
    assert lines_of(cycle, world.household_a1) == {world.milk.pk: D("1"), world.bread.pk: D("2")}


def _assert_save_refused(world, cycle, household, quantities, **kwargs):
    before, lines_before = counts(), list(OrderLine.objects.values_list("order_id", "offer_id", "quantity").order_by("pk"))
    with pytest.raises(ActionError) as info:
        save_order(cycle=cycle, household=household, quantities=quantities, **kwargs)
    assert info.value.all_messages
    assert counts() == before
    assert list(OrderLine.objects.values_list("order_id", "offer_id", "quantity").order_by("pk")) == lines_before
    return info.value


@pytest.mark.parametrize("after", [datetime.timedelta(0), datetime.timedelta(seconds=1), 2 * DAY])
def test_save_order_refused_after_the_deadline(world, after):
    cycle = world.open_cycle()
    offers = offers_of(cycle)
    save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk].pk: "2"})
    _assert_save_refused(world, cycle, world.household_a1,
                         {offers[world.milk.pk].pk: "5", offers[world.bread.pk].pk: "1"}, now=cycle.closes_at + after)
    _assert_save_refused(world, cycle, world.household_a1, {offers[world.milk.pk].pk: "0"}, now=cycle.closes_at + after)
    assert lines_of(cycle, world.household_a1) == {world.milk.pk: D("2")}


def test_save_order_allowed_until_just_before_the_deadline(world):
    cycle = world.open_cycle()
    milk = offers_of(cycle)[world.milk.pk].pk
    save_order(cycle=cycle, household=world.household_a1, quantities={milk: "2"},
               now=cycle.closes_at - datetime.timedelta(microseconds=1))
    assert lines_of(cycle, world.household_a1) == {world.milk.pk: D("2")}


def test_save_order_refused_before_the_opening(world):
    now = timezone.now()
    cycle = world.open_cycle(opens_at=now + DAY, closes_at=now + 3 * DAY)
    milk = offers_of(cycle)[world.milk.pk].pk
    _assert_save_refused(world, cycle, world.household_a1, {milk: "1"})
    _assert_save_refused(world, cycle, world.household_a1, {milk: "1"}, now=cycle.opens_at - datetime.timedelta(seconds=1))
    assert not Order.objects.exists()
    # and accepted from the opening on
    save_order(cycle=cycle, household=world.household_a1, quantities={milk: "1"}, now=cycle.opens_at)
    assert lines_of(cycle, world.household_a1) == {world.milk.pk: D("1")}


def test_save_order_refused_once_closed_even_before_the_deadline(world):
    cycle = world.open_cycle()
    milk = offers_of(cycle)[world.milk.pk].pk
    save_order(cycle=cycle, household=world.household_a1, quantities={milk: "1"})
    close_cycle(cycle.pk)  # a coordinator closes early
    _assert_save_refused(world, cycle, world.household_a1, {milk: "4"})
    _assert_save_refused(world, cycle, world.household_a2, {milk: "4"})


def test_save_order_refuses_an_offer_of_another_cycle_and_writes_nothing(world):
    cycle = world.open_cycle()
    other = world.open_cycle(name="Semaine 48", products=[world.milk])
    foreign_offer = Offer.objects.get(cycle=other)
    bread = offers_of(cycle)[world.bread.pk].pk
    _assert_save_refused(world, cycle, world.household_a1, {bread: "2", foreign_offer.pk: "1"})
    assert not Order.objects.exists()  # not even an empty order for the household
    _assert_save_refused(world, cycle, world.household_a1, {999_999: "1"})


def test_save_order_refuses_a_household_of_another_club(world):
    _club, _group, foreign_household, _producer, _product = world.other_club()
    cycle = world.open_cycle()
    _assert_save_refused(world, cycle, foreign_household, {offers_of(cycle)[world.milk.pk].pk: "1"})
    assert not Order.objects.exists()


def test_save_order_reports_every_wrong_quantity_by_field_and_writes_nothing(world):
    cycle = world.open_cycle()
    offers = offers_of(cycle)
    milk, carrots, bread, brioche = (offers[p.pk].pk for p in (world.milk, world.carrots, world.bread, world.brioche))
    save_order(cycle=cycle, household=world.household_a1, quantities={milk: "1"})
    error = _assert_save_refused(world, cycle, world.household_a1,
                                 {milk: "abc", carrots: "-1", bread: "1,5", brioche: "10001"})
    assert set(error.field_errors) == {f"q-{milk}", f"q-{carrots}", f"q-{bread}", f"q-{brioche}"}
    # a valid quantity next to a wrong one is not saved either
    error = _assert_save_refused(world, cycle, world.household_a1, {milk: "3", carrots: "1,2345"})
    assert set(error.field_errors) == {f"q-{carrots}"}
    assert lines_of(cycle, world.household_a1) == {world.milk.pk: D("1")}


def test_save_order_limit_comes_from_the_setting(world, settings):
    cycle = world.open_cycle()
    milk = offers_of(cycle)[world.milk.pk].pk
    save_order(cycle=cycle, household=world.household_a1, quantities={milk: "10000"})
    assert lines_of(cycle, world.household_a1) == {world.milk.pk: D("10000")}
    settings.CABAS_MAX_LINE_QUANTITY = 50
    error = _assert_save_refused(world, cycle, world.household_a1, {milk: "51"})
    assert set(error.field_errors) == {f"q-{milk}"}


def test_save_order_queries_do_not_grow_with_the_number_of_lines(world):
    cycle = world.open_cycle()
    offers = offers_of(cycle)
    with CaptureQueriesContext(connection) as one:
        save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.milk.pk].pk: "1"})
    with CaptureQueriesContext(connection) as four:
        save_order(cycle=cycle, household=world.household_a2, quantities={o.pk: "2" for o in offers.values()})
    assert len(four) == len(one)


def test_order_total(world):
    cycle = world.open_cycle()
    offers = {o.pk: o for o in Offer.objects.filter(cycle=cycle)}
    by_product = offers_of(cycle)
    quantities = {by_product[world.milk.pk].pk: D("2.5"), by_product[world.brioche.pk].pk: D("2"),
                  by_product[world.bread.pk].pk: D("0"), 999_999: D("5")}
    assert order_total(offers, quantities) == D("15.25")


# --- close_cycle ----------------------------------------------------------------------------------


@pytest.fixture
def ordered(world):
    """A cycle in which A1, A2 and B1 ordered; B2 did not."""
    cycle = world.open_cycle()
    o = {p: offers_of(cycle)[p.pk].pk for p in (world.milk, world.carrots, world.bread, world.brioche)}
    save_order(cycle=cycle, household=world.household_a1, quantities={o[world.milk]: "2,5", o[world.bread]: "2"})  # 3.25 + 10.40
    save_order(cycle=cycle, household=world.household_a2, quantities={o[world.carrots]: "1,5", o[world.brioche]: "1"})  # 3.15 + 6.00
    save_order(cycle=cycle, household=world.household_b1, quantities={o[world.milk]: "6", o[world.brioche]: "2"})  # 7.80 + 12.00
    return cycle


def test_close_cycle_writes_allocations_summaries_sheets_and_picking_lists(world, ordered):
    cycle = ordered
    when = cycle.closes_at + HOUR
    outcome = close_cycle(cycle.pk, by_user=world.coordinator, now=when)

    assert outcome.closed_now and outcome.result is not None
    cycle.refresh_from_db()
    assert (cycle.closed_at, cycle.closed_by, cycle.status()) == (when, world.coordinator, CycleStatus.CLOSED)

    allocations = {(a.household_id, a.offer.product_id): a for a in Allocation.objects.filter(cycle=cycle).select_related("offer")}
    assert {k: (a.quantity_ordered, a.quantity, a.amount_incl_vat, a.group_id) for k, a in allocations.items()} == {
        (world.household_a1.pk, world.milk.pk): (D("2.5"), D("2.5"), D("3.25"), world.group_a.pk),
        (world.household_a1.pk, world.bread.pk): (D("2"), D("2"), D("10.40"), world.group_a.pk),
        (world.household_a2.pk, world.carrots.pk): (D("1.5"), D("1.5"), D("3.15"), world.group_a.pk),
        (world.household_a2.pk, world.brioche.pk): (D("1"), D("1"), D("6.00"), world.group_a.pk),
        (world.household_b1.pk, world.milk.pk): (D("6"), D("6"), D("7.80"), world.group_b.pk),
        (world.household_b1.pk, world.brioche.pk): (D("2"), D("2"), D("12.00"), world.group_b.pk),
    }

    summaries = {s.household_id: (s.group_id, s.line_count, s.amount_incl_vat, s.amount_excl_vat, s.vat)
                 for s in OrderSummary.objects.filter(cycle=cycle)}
    assert summaries == {
        world.household_a1.pk: (world.group_a.pk, 2, D("13.65"), D("12.94"), D("0.71")),
        world.household_a2.pk: (world.group_a.pk, 2, D("9.15"), D("8.44"), D("0.71")),
        world.household_b1.pk: (world.group_b.pk, 2, D("19.80"), D("18.30"), D("1.50")),
    }

    sheets = {s.producer_id: (s.line_count, s.amount_incl_vat, s.amount_excl_vat, s.vat)
              for s in ProducerSheet.objects.filter(cycle=cycle)}
    assert sheets == {
        world.farm.pk: (3, D("14.20"), D("13.46"), D("0.74")),
        world.bakery.pk: (3, D("28.40"), D("26.22"), D("2.18")),
    }
    assert set(ProducerSheet.objects.filter(cycle=cycle).values_list("created_at", flat=True)) == {when}

    picking = {p.distribution.group_id: (p.household_count, p.line_count, p.amount_incl_vat)
               for p in PickingList.objects.filter(distribution__cycle=cycle).select_related("distribution")}
    assert picking == {
        world.group_a.pk: (2, 4, D("22.80")),
        world.group_b.pk: (1, 2, D("19.80")),
    }
    # every way of totalling the cycle agrees
    total = sum(a.amount_incl_vat for a in allocations.values())
    assert total == sum(s[2] for s in summaries.values()) == sum(s[1] for s in sheets.values()) == sum(p[2] for p in picking.values())


def test_close_cycle_writes_an_empty_picking_list_and_no_sheet_for_a_producer_without_orders(world):
    cycle = world.open_cycle()
    save_order(cycle=cycle, household=world.household_a1, quantities={offers_of(cycle)[world.milk.pk].pk: "1"})
    close_cycle(cycle.pk)
    assert list(ProducerSheet.objects.filter(cycle=cycle).values_list("producer_id", flat=True)) == [world.farm.pk]
    empty = PickingList.objects.get(distribution__cycle=cycle, distribution__group=world.group_b)
    assert (empty.household_count, empty.line_count, empty.amount_incl_vat) == (0, 0, D("0"))


def test_close_cycle_without_any_order(world):
    cycle = world.open_cycle()
    outcome = close_cycle(cycle.pk)
    assert outcome.closed_now
    assert not Allocation.objects.exists() and not OrderSummary.objects.exists() and not ProducerSheet.objects.exists()
    assert PickingList.objects.filter(distribution__cycle=cycle).count() == 2


def test_close_cycle_twice_writes_nothing_the_second_time(world, ordered):
    first = close_cycle(ordered.pk, by_user=world.coordinator, now=ordered.closes_at + HOUR)
    after_first = counts()
    second = close_cycle(ordered.pk, now=ordered.closes_at + DAY)
    assert first.closed_now and not second.closed_now
    assert second.result is None
    assert counts() == after_first
    ordered.refresh_from_db()
    assert (ordered.closed_at, ordered.closed_by) == (ordered.closes_at + HOUR, world.coordinator)


def test_close_cycle_refused_before_the_opening(world):
    now = timezone.now()
    cycle = world.open_cycle(opens_at=now + DAY, closes_at=now + 3 * DAY)
    before = counts()
    with pytest.raises(ActionError):
        close_cycle(cycle.pk)
    assert counts() == before
    cycle.refresh_from_db()
    assert cycle.closed_at is None


def test_close_cycle_only_touches_its_own_cycle(world, ordered):
    other = world.open_cycle(name="Semaine 48")
    save_order(cycle=other, household=world.household_b2, quantities={offers_of(other)[world.bread.pk].pk: "1"})
    close_cycle(ordered.pk)
    assert not Allocation.objects.filter(cycle=other).exists()
    assert not Allocation.objects.filter(household=world.household_b2).exists()
    other.refresh_from_db()
    assert other.closed_at is None
    assert Allocation.objects.filter(cycle=ordered).count() == 6


def test_close_cycle_queries_do_not_grow_with_the_number_of_orders(world):
    small = world.open_cycle(name="petit")
    save_order(cycle=small, household=world.household_a1, quantities={offers_of(small)[world.milk.pk].pk: "1"})
    big = world.open_cycle(name="gros")
    offers = offers_of(big)
    for household in (world.household_a1, world.household_a2, world.household_b1, world.household_b2):
        save_order(cycle=big, household=household, quantities={o.pk: "1" for o in offers.values()})
    with CaptureQueriesContext(connection) as few:
        close_cycle(small.pk)
    with CaptureQueriesContext(connection) as many:
        close_cycle(big.pk)
    assert len(many) == len(few)


# --- close_due_cycles and its command -------------------------------------------------------------


def _three_cycles(world):
    now = timezone.now()
    due = world.open_cycle(name="échue", opens_at=now - 5 * DAY, closes_at=now - HOUR)
    running = world.open_cycle(name="en cours", opens_at=now - DAY, closes_at=now + 3 * DAY)
    done = world.open_cycle(name="déjà close", opens_at=now - 10 * DAY, closes_at=now - 7 * DAY)
    close_cycle(done.pk, now=now - 6 * DAY)
    done.refresh_from_db()
    return due, running, done


def test_close_due_cycles_closes_only_cycles_past_their_deadline(world):
    due, running, done = _three_cycles(world)
    milk = offers_of(due)[world.milk.pk].pk
    save_order(cycle=due, household=world.household_a1, quantities={milk: "2"}, now=due.closes_at - HOUR)
    now = timezone.now()

    outcomes = close_due_cycles(now=now)

    assert [(o.cycle.pk, o.closed_now) for o in outcomes] == [(due.pk, True)]
    done_closed_at = done.closed_at
    due.refresh_from_db()
    running.refresh_from_db()
    done.refresh_from_db()
    assert due.closed_at == now
    assert running.closed_at is None
    assert done.closed_at == done_closed_at  # closed earlier: untouched
    assert Allocation.objects.get(cycle=due).amount_incl_vat == D("2.60")
    assert close_due_cycles(now=now) == []


def test_close_due_cycles_at_the_deadline_exactly(world):
    cycle = world.open_cycle()
    assert close_due_cycles(now=cycle.closes_at - datetime.timedelta(microseconds=1)) == []
    assert [o.cycle.pk for o in close_due_cycles(now=cycle.closes_at)] == [cycle.pk]


def test_close_due_cycles_in_deadline_order(world):
    now = timezone.now()
    later = world.open_cycle(name="b", opens_at=now - 5 * DAY, closes_at=now - HOUR)
    earlier = world.open_cycle(name="a", opens_at=now - 5 * DAY, closes_at=now - 2 * HOUR)
    assert [o.cycle.pk for o in close_due_cycles(now=now)] == [earlier.pk, later.pk]


def test_close_due_cycles_command(world, run_tasks):
    due, running, done = _three_cycles(world)
    out = StringIO()
    call_command("close-due-cycles", stdout=out)
    assert f"queued: {due.pk}" in out.getvalue()
    due.refresh_from_db()
    assert due.closed_at is None  # the worker closes it
    assert run_tasks() >= 1
    due.refresh_from_db()
    running.refresh_from_db()
    assert due.closed_at is not None
    assert running.closed_at is None
    assert PickingList.objects.filter(distribution__cycle=due).count() == 2

    before = counts()
    call_command("close-due-cycles", stdout=StringIO())
    call_command("close-due-cycles", "--inline", stdout=StringIO())
    run_tasks()
    assert counts() == before


def test_close_due_cycles_closes_each_cycle_in_isolation(world, monkeypatch, caplog, run_tasks):
    """One cycle whose closing fails (here: the engine raises) is rolled back and logged; the others close,
    and the command exits non-zero naming it."""
    import cabas.flows.closing as flow

    now = timezone.now()
    bad = world.open_cycle(name="abîmée", opens_at=now - 5 * DAY, closes_at=now - 2 * HOUR)
    good = world.open_cycle(name="saine", opens_at=now - 5 * DAY, closes_at=now - HOUR)
    milk = offers_of(bad)[world.milk.pk].pk
    save_order(cycle=bad, household=world.household_a1, quantities={milk: "2"}, now=bad.closes_at - HOUR)
    real = flow.write_allocation

    def failing(cycle, *args, **kwargs):
        if cycle.pk == bad.pk:
            real(cycle, *args, **kwargs)  # writes allocations first: they must be rolled back with the rest
            raise ValueError("year 0 is out of range")
        return real(cycle, *args, **kwargs)

    monkeypatch.setattr(flow, "write_allocation", failing)
    outcomes = close_due_cycles(now=now)
    assert [(o.cycle_id, o.closed_now, bool(o.error)) for o in outcomes] == [(bad.pk, False, True), (good.pk, True, False)]
    assert "year 0" in outcomes[0].error
    assert any(str(bad.pk) in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.closed_at is None and good.closed_at is not None
    assert not Allocation.objects.filter(cycle=bad).exists()

    bad_too = world.open_cycle(name="abîmée aussi", opens_at=now - 5 * DAY, closes_at=now - HOUR)
    monkeypatch.setattr(flow, "write_allocation", lambda cycle, *args: (_ for _ in ()).throw(ValueError("bad date")))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("close-due-cycles", "--inline", stdout=StringIO(), stderr=err)
    assert f"failed: {bad.pk}" in err.getvalue() and f"failed: {bad_too.pk}" in err.getvalue()

    # through the queue: one task per cycle, each failing on its own, recorded and logged
    caplog.clear()
    call_command("close-due-cycles", stdout=StringIO())
    run_tasks()
    failed = DBTaskResult.objects.filter(task_path="cabas.flows.tasks.close_due_cycle", status="FAILED")
    if not uses_redis():
        assert sorted(r.args_kwargs["args"][0] for r in failed) == sorted([bad.pk, bad_too.pk])
    assert any(str(bad_too.pk) in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    bad_too.refresh_from_db()
    assert bad_too.closed_at is None


# --- documents ------------------------------------------------------------------------------------


def test_producer_sheet_document_gives_quantities_per_depot(world, ordered):
    close_cycle(ordered.pk)
    farm = documents.producer_sheet(ordered, ProducerSheet.objects.get(cycle=ordered, producer=world.farm))
    assert farm.producer == world.farm
    assert [d.group_id for d in farm.distributions] == [world.group_a.pk, world.group_b.pk]  # Rennes, Vitré
    assert [(r.offer.product_id, r.quantities, r.quantity, r.amount_incl_vat) for r in farm.rows] == [
        (world.milk.pk, [D("2.5"), D("6")], D("8.5"), D("11.05")),  # Lait (category position 1)
        (world.carrots.pk, [D("1.5"), D("0")], D("1.5"), D("3.15")),  # Légumes (position 5)
    ]
    assert farm.column_totals == [D("6.40"), D("7.80")]
    assert sum(farm.column_totals) == farm.sheet.amount_incl_vat

    bakery = documents.producer_sheet(ordered, ProducerSheet.objects.get(cycle=ordered, producer=world.bakery))
    assert [(r.offer.name, r.quantities, r.quantity, r.amount_incl_vat) for r in bakery.rows] == [
        ("Brioche", [D("1"), D("2")], D("3"), D("18.00")),
        ("Pain de campagne", [D("2"), D("0")], D("2"), D("10.40")),
    ]
    assert bakery.column_totals == [D("16.40"), D("12.00")]
    assert sum(bakery.column_totals) == bakery.sheet.amount_incl_vat


def test_picking_list_document_gives_quantities_per_household(world, ordered):
    close_cycle(ordered.pk)
    depot_a = documents.picking_list(Distribution.objects.get(cycle=ordered, group=world.group_a))
    assert [h.household for h in depot_a.households] == [world.household_a1, world.household_a2]  # Le Goff, Martin
    assert [[(a.offer.name, a.quantity) for a in h.lines] for h in depot_a.households] == [
        [("Lait cru", D("2.5")), ("Pain de campagne", D("2"))],  # Ferme de la Prée, then Fournil du Bourg
        [("Carottes", D("1.5")), ("Brioche", D("1"))],
    ]
    assert [h.amount_incl_vat for h in depot_a.households] == [D("13.65"), D("9.15")]
    assert [(offer.name, quantity) for offer, quantity in depot_a.product_totals] == [
        ("Carottes", D("1.5")), ("Lait cru", D("2.5")), ("Brioche", D("1")), ("Pain de campagne", D("2")),
    ]
    assert depot_a.amount_incl_vat == D("22.80") == depot_a.distribution.picking_list.amount_incl_vat

    depot_b = documents.picking_list(Distribution.objects.get(cycle=ordered, group=world.group_b))
    assert [h.household for h in depot_b.households] == [world.household_b1]  # B2 ordered nothing
    assert [(offer.name, quantity) for offer, quantity in depot_b.product_totals] == [("Lait cru", D("6")), ("Brioche", D("2"))]
    assert depot_b.amount_incl_vat == D("19.80")


def test_picking_list_keeps_the_group_of_the_closing(world, ordered):
    close_cycle(ordered.pk)
    Household.objects.filter(pk=world.household_a1.pk).update(group=world.group_b)  # moves after the closing
    depot_a = documents.picking_list(Distribution.objects.get(cycle=ordered, group=world.group_a))
    assert [h.household.pk for h in depot_a.households] == [world.household_a1.pk, world.household_a2.pk]


def test_household_summary_document(world, ordered):
    close_cycle(ordered.pk)
    summary = documents.household_summary(ordered, world.household_a2)
    assert [(a.offer.name, a.quantity, a.amount_incl_vat) for a in summary.lines] == [
        ("Carottes", D("1.5"), D("3.15")), ("Brioche", D("1"), D("6.00")),
    ]
    assert [(r.rate, r.amount_incl_vat, r.amount_excl_vat, r.vat) for r in summary.vat.rows] == [
        (D("5.5"), D("3.15"), D("2.99"), D("0.16")),
        (D("10"), D("6.00"), D("5.45"), D("0.55")),
    ]
    stored = OrderSummary.objects.get(cycle=ordered, household=world.household_a2)
    assert (summary.vat.amount_incl_vat, summary.vat.amount_excl_vat, summary.vat.vat) == (
        stored.amount_incl_vat, stored.amount_excl_vat, stored.vat,
    )

    nothing = documents.household_summary(ordered, world.household_b2)
    assert nothing.lines == [] and nothing.vat.rows == () and nothing.vat.amount_incl_vat == 0


def test_an_order_of_nothing_is_not_written_and_emptying_an_order_removes_it(world):
    cycle = world.open_cycle()
    offer = Offer.objects.get(cycle=cycle, product=world.milk)
    saved = save_order(cycle=cycle, household=world.household_a1, quantities={offer.pk: "0"})
    assert saved.order is None and not Order.objects.exists()
    save_order(cycle=cycle, household=world.household_a1, quantities={offer.pk: "3"})
    assert Order.objects.count() == 1
    saved = save_order(cycle=cycle, household=world.household_a1, quantities={offer.pk: ""})
    assert saved.order is None and saved.deleted == 1
    assert not Order.objects.exists() and not OrderLine.objects.exists()
