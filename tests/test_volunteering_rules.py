"""The pure rules of volunteering: balances and the fairness suggestion, the drivers' rota."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from cabas.core.errors import CodedError
from cabas.volunteering.fairness import Balance, balances, suggest
from cabas.volunteering.rota import Turn, plan_rota, turn_counts

hours = st.decimals(min_value=0, max_value=60, places=2)


def test_due_counts_done_and_planned_and_is_never_negative():
    b = Balance(1, Decimal("12"), done=Decimal("4"), planned=Decimal("2"))
    assert b.due == Decimal("6") and b.gap == Decimal("6")
    over = Balance(2, Decimal("6"), done=Decimal("8"))
    assert over.due == 0 and over.gap == Decimal("-2")
    assert Balance(3, Decimal("0")).exempt and Balance(3, Decimal("0")).progress is None


def test_balances_put_those_who_did_least_first_and_exempt_households_last():
    rows = balances({1: Decimal("10"), 2: Decimal("10"), 3: Decimal("0"), 4: Decimal("5")},
                    {1: Decimal("8"), 2: Decimal("2"), 4: Decimal("1")}, {2: Decimal("2")})
    assert [b.household_id for b in rows] == [2, 4, 1, 3]


def test_suggest_proposes_the_furthest_below_target_and_skips_those_on_the_shift_and_the_exempt():
    rows = [Balance(1, Decimal("10"), done=Decimal("9")), Balance(2, Decimal("10")), Balance(3, Decimal("10"), done=Decimal("3")),
            Balance(4, Decimal("0")), Balance(5, Decimal("10"))]
    assert suggest(rows, 2, exclude=[2]) == [5, 3]
    assert suggest(rows, 0) == []
    # among equals, the household whose latest sign-up is oldest comes first
    assert suggest([Balance(7, Decimal("4")), Balance(8, Decimal("4"))], 1, last_signed_up={7: 50, 8: 10}) == [8]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(hours, hours, hours), min_size=0, max_size=30), st.integers(min_value=0, max_value=10),
       st.sets(st.integers(min_value=0, max_value=29)))
def test_no_one_left_out_is_further_below_target_than_someone_proposed(rows, needed, excluded):
    data = [Balance(i, t, d, p) for i, (t, d, p) in enumerate(rows)]
    chosen = suggest(data, needed, exclude=excluded)
    eligible = [b for b in data if b.household_id not in excluded and not b.exempt]
    assert len(chosen) == min(needed, len(eligible)) and len(set(chosen)) == len(chosen)
    assert not set(chosen) & excluded
    gaps = {b.household_id: b.gap for b in data}
    left_out = [b for b in eligible if b.household_id not in chosen]
    if chosen and left_out:
        assert min(gaps[h] for h in chosen) >= max(b.gap for b in left_out)


def _weeks(n: int, per_day: int = 1) -> list[Turn]:
    start = datetime.date(2027, 3, 2)
    return [Turn((w, s), start + datetime.timedelta(weeks=w)) for w in range(n) for s in range(per_day)]


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=52), st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=9))
def test_with_everyone_available_turns_differ_by_at_most_one_over_the_season(weeks, per_day, driver_count):
    turns = _weeks(weeks, per_day)
    drivers = [f"d{i}" for i in range(driver_count)]
    chosen = plan_rota(turns, drivers)
    assert all(chosen[t.key] is not None for t in turns)
    counts = turn_counts(chosen, drivers)
    assert max(counts.values()) - min(counts.values()) <= 1
    # no one drives twice on a day while another driver is free that day
    if driver_count >= per_day:
        for week in range(weeks):
            same_day = [chosen[(week, s)] for s in range(per_day)]
            assert len(set(same_day)) == per_day


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=30), st.integers(min_value=2, max_value=6), st.data())
def test_an_away_driver_is_never_given_that_day_and_every_turn_someone_can_take_is_taken(weeks, driver_count, data):
    turns = _weeks(weeks)
    drivers = list(range(driver_count))
    away = {d: set(data.draw(st.lists(st.sampled_from([t.date for t in turns]), max_size=weeks))) for d in drivers}
    chosen = plan_rota(turns, drivers, away=away)
    for turn in turns:
        driver = chosen[turn.key]
        if driver is None:
            assert all(turn.date in away[d] for d in drivers)
        else:
            assert turn.date not in away[driver]


def test_earlier_turns_count_so_the_season_evens_out():
    turns = _weeks(4)
    earlier = {"a": 3, "b": 1}
    chosen = plan_rota(turns, ["a", "b", "c"], earlier=earlier)
    new = turn_counts(chosen, ["a", "b", "c"])
    assert new["a"] == 0  # "a" drove most last season
    totals = [new[d] + earlier.get(d, 0) for d in "abc"]
    assert max(totals) - min(totals) <= 1


def test_the_same_input_gives_the_same_rota_and_duplicates_are_refused():
    turns = _weeks(10)
    assert plan_rota(turns, ["x", "y", "z"]) == plan_rota(list(reversed(turns)), ["x", "y", "z"])
    with pytest.raises(CodedError):
        plan_rota(turns, ["x", "x"])
