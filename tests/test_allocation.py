"""The pure allocation engine: every rule by example, and its guarantees as properties (hypothesis)."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.ordering.allocation import (
    BELOW_THRESHOLD,
    CAPPED,
    EQUAL_SHARE,
    FIRST_COME,
    OK,
    PACK_NOT_FILLED,
    PROPORTIONAL,
    RATIONED,
    STRATEGIES,
    TOLERANCE,
    AllocationInputError,
    ProductRules,
    Request,
    allocate,
    equal_share,
    proportional,
)

T0 = datetime.datetime(2026, 11, 20, 8, 0, tzinfo=datetime.UTC)


def at(minutes):
    return T0 + datetime.timedelta(minutes=minutes)


def given_to(result, product="p"):
    return {a.household: a.allocated for a in result.allocations if a.product == product}


def reasons(result, product="p"):
    return {a.household: a.reason for a in result.allocations if a.product == product}


# --- packs and tolerance ------------------------------------------------------------------------------


def test_full_packs_only_when_tolerance_cannot_complete_the_last():
    result = allocate([ProductRules("p", pack_size=D(6))], [Request("a", "p", D(4)), Request("b", "p", D(3))])
    product = result.product("p")
    assert (product.packs, product.ordered, product.allocated, product.missing_for_next_pack) == (1, 6, 6, 5)
    assert sum(given_to(result).values()) == 6
    assert set(reasons(result).values()) <= {PACK_NOT_FILLED, None}


def test_tolerance_completes_the_last_pack_and_is_handed_out_after_requests():
    requests = [Request("a", "p", D(4), D(1)), Request("b", "p", D(3)), Request("c", "p", D(4), D(2))]
    result = allocate([ProductRules("p", pack_size=D(6))], requests)
    assert result.product("p").packs == 2
    assert given_to(result) == {"a": 5, "b": 3, "c": 4}  # one step of tolerance, to the earliest request
    assert reasons(result)["a"] == TOLERANCE


def test_a_pack_is_never_filled_by_tolerance_alone():
    result = allocate([ProductRules("p", pack_size=D(6))], [Request("a", "p", D(6), D(10))])
    assert result.product("p").packs == 1
    assert given_to(result) == {"a": 6}


def test_loose_products_need_no_rounding():
    result = allocate([ProductRules("p", pack_size=D("0.5"), step=D("0.5"))],
                      [Request("a", "p", D("1.5")), Request("b", "p", D("2"))])
    assert given_to(result) == {"a": D("1.5"), "b": D(2)}
    assert result.product("p").status == OK


# --- threshold -----------------------------------------------------------------------------------------


def test_below_threshold_cancels_every_line_and_says_how_far():
    result = allocate([ProductRules("p", min_total=D(20))], [Request("a", "p", D(9)), Request("b", "p", D(8))])
    product = result.product("p")
    assert product.status == BELOW_THRESHOLD and product.quantity == 17 and product.min_total == 20
    assert given_to(result) == {"a": 0, "b": 0}
    assert set(reasons(result).values()) == {BELOW_THRESHOLD}


def test_tolerance_counts_towards_the_threshold():
    result = allocate([ProductRules("p", min_total=D(20))], [Request("a", "p", D(9), D(2)), Request("b", "p", D(8), D(3))])
    assert result.product("p").status == OK
    assert sum(given_to(result).values()) == 20


def test_threshold_in_whole_packs():
    result = allocate([ProductRules("p", pack_size=D(5), min_total=D(12))],
                      [Request("a", "p", D(10), D(5))])
    assert result.product("p").packs == 3 and given_to(result) == {"a": 15}


# --- caps and rationing -----------------------------------------------------------------------------------


def test_per_household_cap():
    result = allocate([ProductRules("p", per_household_cap=D(2))], [Request("a", "p", D(5)), Request("b", "p", D(1))])
    assert given_to(result) == {"a": 2, "b": 1}
    assert reasons(result) == {"a": CAPPED, "b": None}


@pytest.mark.parametrize(("strategy", "expected"), [
    (EQUAL_SHARE, {"a": 1, "b": 3, "c": 2}),   # ceiling 2, one leftover step to the earliest short (b)
    (PROPORTIONAL, {"a": 1, "b": 3, "c": 2}),  # exact 0.6 / 3 / 2.4, floors 0 / 3 / 2, last step to a (0.6)
    (FIRST_COME, {"a": 1, "b": 5, "c": 0}),
])
def test_rationing_under_a_supply_cap(strategy, expected):
    requests = [Request("a", "p", D(1), at=at(1)), Request("b", "p", D(5), at=at(2)), Request("c", "p", D(4), at=at(3))]
    result = allocate([ProductRules("p", supply_cap=D(6))], requests, strategy)
    assert given_to(result) == expected
    assert result.product("p").status == RATIONED
    assert all(r in (RATIONED, None) for r in reasons(result).values())


def test_first_come_increase_queues_behind_and_decrease_gives_up_latest_units():
    requests = [
        Request("a", "p", D(2), at=at(1)),
        Request("b", "p", D(3), at=at(2)),
        Request("a", "p", D(5), at=at(3)),  # a's 3 more queue behind b
        Request("b", "p", D(2), at=at(4)),  # b gives up one of its units
    ]
    result = allocate([ProductRules("p", supply_cap=D(5))], requests, FIRST_COME)
    assert given_to(result) == {"a": 3, "b": 2}
    by_household = {a.household: a for a in result.allocations}
    assert by_household["a"].requested == 5 and by_household["b"].requested == 2


def test_delivery_shortfall_is_rationed_and_surplus_fills_tolerance_first():
    requests = [Request("a", "p", D(4), D(2)), Request("b", "p", D(4))]
    short = allocate([ProductRules("p", delivered=D(6))], requests)
    assert given_to(short) == {"a": 3, "b": 3} and short.product("p").status == RATIONED
    more = allocate([ProductRules("p", delivered=D("11.5"))], requests)
    assert given_to(more) == {"a": 6, "b": 4}
    assert more.product("p").surplus == D("1.5")


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("products", "requests"), [
    ([ProductRules("p")], [Request("a", "x", D(1))]),
    ([ProductRules("p")], [Request("a", "p", D(-1))]),
    ([ProductRules("p", pack_size=D(5), step=D(2))], []),
    ([ProductRules("p", step=D("0.5"))], [Request("a", "p", D("0.3"))]),
    ([ProductRules("p", supply_cap=D(-1))], []),
    ([ProductRules("p"), ProductRules("p")], []),
])
def test_bad_scenarios_are_refused_with_a_message(products, requests):
    with pytest.raises(AllocationInputError) as error:
        allocate(products, requests)
    assert error.value.message and str(error.value)


def test_unknown_strategy():
    with pytest.raises(AllocationInputError):
        allocate([ProductRules("p")], [], "lottery")


# --- properties -----------------------------------------------------------------------------------------------

step_counts = st.integers(min_value=0, max_value=30)


@st.composite
def scenarios(draw):
    step = draw(st.sampled_from([D(1), D("0.5"), D("0.25")]))
    pack = step * draw(st.integers(min_value=1, max_value=8))
    optional = lambda: draw(st.none() | step_counts.map(lambda n: step * n))  # noqa: E731
    rules = ProductRules("p", pack_size=pack, step=step, min_total=optional(), supply_cap=optional(),
                         per_household_cap=optional(), delivered=optional())
    households = draw(st.integers(min_value=1, max_value=8))
    requests = [
        Request(f"h{draw(st.integers(0, households - 1))}", "p", step * draw(step_counts), step * draw(step_counts),
                at=at(draw(st.integers(0, 50))))
        for _ in range(draw(st.integers(0, 14)))
    ]
    return rules, requests


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.sampled_from(STRATEGIES))
def test_never_more_than_asked_plus_tolerance_nor_more_than_available(scenario, strategy):
    rules, requests = scenario
    result = allocate([rules], requests, strategy)
    product = result.product("p")
    for line in result.allocations:
        cap = rules.per_household_cap
        limit = line.requested if cap is None else min(line.requested, cap)
        assert 0 <= line.allocated <= limit + line.tolerance
        assert line.allocated % rules.step == 0
        assert line.tolerance <= (line.requested + line.tolerance)
        if line.allocated > limit:
            # tolerance only once every request is served in full
            assert all(o.allocated >= (o.requested if cap is None else min(o.requested, cap)) for o in result.allocations)
    total = sum((line.allocated for line in result.allocations), D(0))
    assert total == product.allocated
    if rules.delivered is not None and product.status != BELOW_THRESHOLD:
        assert total + product.surplus == rules.delivered
    else:
        assert total <= product.ordered and product.surplus == 0
    if rules.supply_cap is not None and rules.delivered is None:
        assert total <= rules.supply_cap
    if product.status != BELOW_THRESHOLD and rules.delivered is None:
        assert product.ordered == product.packs * rules.pack_size
        assert total == product.ordered  # what is ordered is handed out, no more, no less


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.sampled_from(STRATEGIES))
def test_deterministic_and_independent_of_input_order_for_distinct_times(scenario, strategy):
    rules, requests = scenario
    first = allocate([rules], requests, strategy)
    assert allocate([rules], requests, strategy) == first


@settings(max_examples=300, deadline=None)
@given(st.lists(step_counts, min_size=1, max_size=10), st.integers(0, 200), st.data())
def test_equal_share_serves_everyone_up_to_a_common_ceiling(demands, amount, data):
    order = data.draw(st.permutations(range(len(demands))))
    shares = equal_share(demands, amount, order)
    assert sum(shares) == min(amount, sum(demands))
    assert all(0 <= s <= d for s, d in zip(shares, demands, strict=True))
    if amount < sum(demands):
        short = [s for s, d in zip(shares, demands, strict=True) if s < d]
        # everyone short of their request holds the ceiling or one step below it; nobody above it is short
        assert max(short) - min(short) <= 1
        assert all(d <= max(short) + 1 for s, d in zip(shares, demands, strict=True) if s == d)


@settings(max_examples=300, deadline=None)
@given(st.lists(step_counts, min_size=1, max_size=10), st.integers(0, 200), st.integers(0, 9), st.integers(1, 20),
       st.sampled_from([equal_share, proportional]))
def test_asking_more_never_gets_you_less(demands, amount, who, more, method):
    who %= len(demands)
    order = list(range(len(demands)))
    before = method(demands, amount, order)[who]
    raised = list(demands)
    raised[who] += more
    assert method(raised, amount, order)[who] >= before


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.integers(0, 7), st.integers(1, 10), st.sampled_from([EQUAL_SHARE, PROPORTIONAL]))
def test_asking_more_never_gets_you_less_through_the_whole_engine(scenario, who, more, strategy):
    rules, requests = scenario
    if not requests or rules.delivered is not None:
        return
    household = requests[who % len(requests)].household
    mine = [r for r in requests if r.household == household]
    latest = max(mine, key=lambda r: r.at)
    raised = [Request(r.household, r.product, r.quantity + rules.step * more, r.tolerance, r.at) if r is latest else r
              for r in requests]
    before = allocate([rules], requests, strategy).allocation(household, "p").allocated
    after = allocate([rules], raised, strategy).allocation(household, "p").allocated
    assert after >= min(before, latest.quantity)  # the tolerance bonus may go, the request's share may not


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcde"), st.integers(1, 6)), min_size=1, max_size=10), st.integers(0, 30))
def test_first_come_honours_request_order(entries, supply):
    requests, totals = [], {}
    for minute, (household, increase) in enumerate(entries):
        totals[household] = totals.get(household, 0) + increase
        requests.append(Request(household, "p", D(totals[household]), at=at(minute)))
    result = given_to(allocate([ProductRules("p", supply_cap=D(supply))], requests, FIRST_COME))
    # replay the queue: each increase is served in full before any later one gets a unit
    remaining = supply
    expected = dict.fromkeys(totals, 0)
    for household, increase in entries:
        served = min(increase, remaining)
        expected[household] += served
        remaining -= served
    assert result == {h: D(v) for h, v in expected.items()}


@st.composite
def sellable_scenarios(draw):
    """Steps people hand out (a piece, a litre, 100 g, 50 g, 250 g), any delivered quantity (even off the step: the
    engine floors it, reception refuses it before), caps that need not be whole steps."""
    step = draw(st.sampled_from([D(1), D("0.5"), D("0.25"), D("0.1"), D("0.05")]))
    pack = step * draw(st.integers(min_value=1, max_value=12))
    anything = lambda: draw(st.none() | st.integers(0, 4000).map(lambda n: D(n) / 1000))  # noqa: E731
    rules = ProductRules("p", pack_size=pack, step=step, min_total=anything(), supply_cap=anything(),
                         per_household_cap=anything(), delivered=anything())
    households = draw(st.integers(min_value=1, max_value=12))
    requests = [
        Request(f"h{draw(st.integers(0, households - 1))}", "p", step * draw(st.integers(0, 40)),
                step * draw(st.integers(0, 10)), at=at(draw(st.integers(0, 50))))
        for _ in range(draw(st.integers(0, 20)))
    ]
    return rules, requests


@settings(max_examples=400, deadline=None)
@given(sellable_scenarios(), st.sampled_from(STRATEGIES))
def test_every_household_receives_a_whole_number_of_steps(scenario, strategy):
    rules, requests = scenario
    result = allocate([rules], requests, strategy)
    product = result.product("p")
    for line in result.allocations:
        assert line.allocated % rules.step == 0, (line, rules)
    if rules.delivered is not None and product.status != BELOW_THRESHOLD:
        assert product.allocated <= rules.delivered
        assert product.allocated + product.surplus == rules.delivered  # what cannot be handed out is surplus
