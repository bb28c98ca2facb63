"""Rationing with priority to the households on a solidarity tariff (``solidarity-first``): the pure rule
(property tests), the closing that reads the tariffs and hands their households to the engine, and what stays
confidential — the reason a household cut is given, the allocation preview to a coordinator who does not see
the tariffs."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.finance.models import HouseholdTariff, TariffCategory
from cabas.flows import close_cycle, record_deliveries, save_order
from cabas.flows.closing import priority_households
from cabas.members.models import Household, Role, RoleKind, User
from cabas.ordering import allocation as engine
from cabas.ordering.allocation import (
    RATIONED, SOLIDARITY_FIRST, ProductRules, Request, allocate, equal_share, priority_first,
)
from cabas.ordering.closing import OrderedLine, ration_at_depots
from cabas.ordering.models import Allocation, AllocationReason, Offer, OrderCycle, Rationing

steps = st.integers(min_value=0, max_value=40)


# --- the pure rule ---------------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(steps, st.booleans()), min_size=1, max_size=12), st.integers(0, 300), st.data())
def test_priority_households_get_min_of_their_order_and_what_is_available_before_the_others(entries, amount, data):
    demands = [d for d, _flag in entries]
    first = [flag for _d, flag in entries]
    order = data.draw(st.permutations(range(len(demands))))
    shares = priority_first(demands, amount, order, first)
    assert sum(shares) == min(amount, sum(demands))  # never more than the supply, nothing left while someone is short
    assert all(0 <= s <= d for s, d in zip(shares, demands, strict=True))
    wanted_first = sum(d for d, f in zip(demands, first) if f)
    given_first = sum(s for s, f in zip(shares, first) if f)
    assert given_first == min(wanted_first, amount)
    if amount >= wanted_first:  # every priority household is served in full
        assert all(s == d for s, d, f in zip(shares, demands, first) if f)
    else:  # the others wait, and the priority households share by equal share
        assert all(s == 0 for s, f in zip(shares, first) if not f)
        short = [s for s, d, f in zip(shares, demands, first) if f and s < d]
        assert max(short) - min(short) <= 1
    if not any(first) or all(first):  # without priority (or all with it), it is the equal share
        assert shares == equal_share(demands, amount, order)


@st.composite
def scenarios(draw):
    step = draw(st.sampled_from([D(1), D("0.5"), D("0.1")]))
    pack = step * draw(st.integers(1, 6))
    cap = draw(st.none() | st.integers(0, 60).map(lambda n: step * n))
    delivered = draw(st.none() | st.integers(0, 60).map(lambda n: step * n))
    rules = ProductRules("p", pack_size=pack, step=step, supply_cap=cap, delivered=delivered,
                         per_household_cap=draw(st.none() | st.integers(1, 20).map(lambda n: step * n)))
    households = draw(st.integers(1, 8))
    requests = [Request(f"h{draw(st.integers(0, households - 1))}", "p", step * draw(st.integers(0, 20)),
                        step * draw(st.integers(0, 4)), seq=i) for i in range(draw(st.integers(0, 12)))]
    priority = {f"h{i}" for i in range(households) if draw(st.booleans())}
    return rules, requests, priority


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_through_the_engine_priority_households_are_served_first_and_totals_never_exceed_supply(scenario):
    rules, requests, priority = scenario
    result = allocate([rules], requests, SOLIDARITY_FIRST, priority=priority)
    product = result.product("p")
    lines = result.allocations
    total = sum((line.allocated for line in lines), D(0))
    assert total == product.allocated
    if rules.supply_cap is not None and rules.delivered is None:
        assert total <= rules.supply_cap
    if rules.delivered is not None:
        assert total <= rules.delivered
    cap = rules.per_household_cap

    def asked(line):
        return line.requested if cap is None else min(line.requested, cap)

    # nobody outside the priority receives anything of what they asked while a priority household is short
    if any(line.allocated < asked(line) for line in lines if line.household in priority):
        assert all(line.allocated == 0 for line in lines if line.household not in priority)
    for line in lines:
        assert line.allocated <= asked(line) + line.tolerance
        assert line.reason in (None, *engine.REASONS)  # never a reason of its own: the priority is not told


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_without_priority_households_it_is_the_equal_share(scenario):
    rules, requests, _priority = scenario
    assert allocate([rules], requests, SOLIDARITY_FIRST) == allocate([rules], requests, engine.EQUAL_SHARE)
    # and the other strategies ignore the priority
    for strategy in (engine.EQUAL_SHARE, engine.PROPORTIONAL, engine.FIRST_COME):
        assert allocate([rules], requests, strategy, priority={"h0"}) == allocate([rules], requests, strategy)


def test_a_short_product_serves_the_solidarity_household_first():
    requests = [Request("a", "p", D(4)), Request("b", "p", D(4)), Request("c", "p", D(4))]
    result = allocate([ProductRules("p", supply_cap=D(6))], requests, SOLIDARITY_FIRST, priority={"b"})
    got = {line.household: (line.allocated, line.reason) for line in result.allocations}
    assert got == {"a": (D(1), RATIONED), "b": (D(4), None), "c": (D(1), RATIONED)}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=8), st.integers(0, 60), st.data())
def test_at_a_depot_the_priority_households_are_served_first_too(allocated, received, data):
    priority = {h for h in range(1, len(allocated) + 1) if data.draw(st.booleans())}
    lines = [OrderedLine(h, 10, 1, 5, D(n), D("2"), D("5.5")) for h, n in enumerate(allocated, start=1)]
    quantities = [D(n) for n in allocated]
    got, reasons, _expected = ration_at_depots(lines, quantities, [None] * len(lines), {(1, 10): D(received)},
                                               steps={1: D(1)}, strategy=SOLIDARITY_FIRST, first_asked={},
                                               priority=frozenset(priority))
    assert sum(got) == min(D(received), sum(quantities))
    wanted_first = sum(q for q, line in zip(quantities, lines) if line.household_id in priority)
    if D(received) >= wanted_first:
        assert all(g == q for g, q, line in zip(got, quantities, lines) if line.household_id in priority)
    assert all(r in (None, RATIONED) for r in reasons)


# --- the closing ------------------------------------------------------------------------------------------------


def give_tariff(world, household, discount="50"):
    category, _created = TariffCategory.objects.get_or_create(club=world.club, name=f"Solidaire {discount}",
                                                              defaults={"discount_rate": D(discount)})
    HouseholdTariff.objects.create(household=household, category=category,
                                   review_on=timezone.localdate() + datetime.timedelta(days=180))


@pytest.fixture
def short_bread(world):
    """Four households want 3 loaves each of bread capped at 6; household B1 is on a solidarity tariff."""
    cycle = world.open_cycle()
    OrderCycle.objects.filter(pk=cycle.pk).update(rationing=Rationing.SOLIDARITY_FIRST)
    cycle.refresh_from_db()
    bread = Offer.objects.get(cycle=cycle, product=world.bread)
    Offer.objects.filter(pk=bread.pk).update(supply_cap=D(6))
    for household in (world.household_a1, world.household_a2, world.household_b1, world.household_b2):
        save_order(cycle=cycle, household=household, quantities={bread.pk: "3"})
    give_tariff(world, world.household_b1)
    give_tariff(world, world.household_b2, discount="0")  # the standard tariff: no priority
    return cycle, bread


def received(cycle, bread):
    return {a.household_id: (a.quantity, a.reason) for a in Allocation.objects.filter(cycle=cycle, offer=bread)}


def test_the_closing_serves_the_households_on_a_solidarity_tariff_first(world, short_bread, run_tasks):
    cycle, bread = short_bread
    assert priority_households(cycle) == {world.household_b1.pk}
    close_cycle(cycle.pk)
    got = received(cycle, bread)
    assert got[world.household_b1.pk] == (D(3), "")
    others = [got[h.pk] for h in (world.household_a1, world.household_a2, world.household_b2)]
    assert sum(q for q, _r in others) == D(3) and all(r == AllocationReason.RATIONED for _q, r in others)
    # each household cut is told the usual reason, never why others were served first
    mail.outbox.clear()
    run_tasks()
    closing = [m for m in mail.outbox if m.to == ["a1@example.org"] and "clôture" in m.subject.lower()
               or m.to == ["a1@example.org"] and "commande" in m.subject.lower()]
    assert closing
    body = " ".join(m.body for m in closing)
    assert str(AllocationReason.RATIONED.label) in body or "répartie" in body
    for word in ("solidari", "priorit", "tarif"):
        assert word not in body.lower()


def test_a_reception_keeps_the_priority(world, short_bread):
    cycle, bread = short_bread
    close_cycle(cycle.pk)
    record_deliveries(cycle.pk, {bread.pk: D(4)})
    got = received(cycle, bread)
    assert got[world.household_b1.pk] == (D(3), "")
    assert sum(q for q, _r in got.values()) == D(4)


def test_other_strategies_read_no_tariff(world, short_bread, django_assert_num_queries):
    cycle, _bread = short_bread
    OrderCycle.objects.filter(pk=cycle.pk).update(rationing=Rationing.EQUAL_SHARE)
    cycle.refresh_from_db()
    with django_assert_num_queries(0):
        assert priority_households(cycle) == frozenset()


def test_the_closing_costs_the_same_for_2_and_10_households(world):
    """Under solidarity-first the closing reads the tariffs in one more query, whatever their number."""

    def closing_queries(cycle):
        with CaptureQueriesContext(connection) as ctx:
            close_cycle(cycle.pk)
        return len([q for q in ctx.captured_queries if not q["sql"].startswith("INSERT")])

    def cycle_with(households, name):
        cycle = world.open_cycle(name=name)
        OrderCycle.objects.filter(pk=cycle.pk).update(rationing=Rationing.SOLIDARITY_FIRST)
        bread = Offer.objects.get(cycle=cycle, product=world.bread)
        Offer.objects.filter(pk=bread.pk).update(supply_cap=D(3))
        for household in households:
            save_order(cycle=cycle, household=household, quantities={bread.pk: "2"})
        return cycle

    give_tariff(world, world.household_a1)
    small = closing_queries(cycle_with([world.household_a1, world.household_b1], "Petit"))
    more = Household.objects.bulk_create(Household(group=world.group_b, name=f"Foyer {n}") for n in range(8))
    for household in more[:3]:
        give_tariff(world, household)
    large = closing_queries(cycle_with([world.household_a1, world.household_b1, *more], "Grand"))
    assert small == large


# --- what stays confidential: the preview ----------------------------------------------------------------------


def test_the_preview_names_nobody_cut_to_a_coordinator_who_does_not_see_tariffs(world, short_bread, login):
    cycle, _bread = short_bread
    url = reverse("cycle-preview", args=[cycle.pk])
    page = login(world.coordinator).get(url)
    assert page.status_code == 200 and page.context["confidential"]
    html = page.content.decode()
    for household in (world.household_a1, world.household_a2, world.household_b1, world.household_b2):
        assert household.name not in html
    assert all(not row["affected"] for row in page.context["rows"])
    # a coordinator who is also the club's solidarity referent (or a treasurer) sees who is cut
    Role.objects.create(user=world.coordinator, kind=RoleKind.SOLIDARITY, club=world.club)
    seen = User.objects.get(pk=world.coordinator.pk)
    page = login(seen).get(url)
    html = page.content.decode()
    assert not page.context["confidential"] and world.household_a1.name in html
    assert world.household_b1.name not in html  # served in full: not listed among those cut


def test_the_preview_under_another_strategy_names_those_cut(world, short_bread, login):
    cycle, _bread = short_bread
    OrderCycle.objects.filter(pk=cycle.pk).update(rationing=Rationing.EQUAL_SHARE)
    page = login(world.coordinator).get(reverse("cycle-preview", args=[cycle.pk]))
    assert not page.context["confidential"]
    assert world.household_b1.name in page.content.decode()


def test_the_coordinator_chooses_solidarity_first_on_the_preview(world, login):
    cycle = world.open_cycle()
    response = login(world.coordinator).post(reverse("cycle-preview", args=[cycle.pk]), {"rationing": "solidarity-first"})
    assert response.status_code == 302
    assert OrderCycle.objects.get(pk=cycle.pk).rationing == Rationing.SOLIDARITY_FIRST
