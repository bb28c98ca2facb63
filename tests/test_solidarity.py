"""The solidarity fund's rules (pure): discounts paid by the fund, contributions, and the uniform scaling
that keeps the fund from ever going negative."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabas.finance.solidarity import HouseholdOrder, contribution, plan

amounts = st.integers(0, 50000).map(lambda c: D(c) / 100)
rates = st.sampled_from([D(0), D(0), D(30), D(50)])
orders = st.lists(st.tuples(amounts, rates), max_size=30).map(
    lambda rows: [HouseholdOrder(i, a, r) for i, (a, r) in enumerate(rows)])


def test_the_fund_pays_every_discount_when_it_can():
    result = plan([HouseholdOrder("a", D("40.00"), D(30)), HouseholdOrder("b", D("20.00"), D(50)),
                   HouseholdOrder("c", D("55.20"))], fund=D("100.00"), contribution_percent=D(2))
    assert result.factor == 1 and not result.scaled
    assert result.discounts == {"a": D("12.00"), "b": D("10.00")}
    assert result.contributions == {"c": D("1.10")}  # 2 % of 55.20


def test_a_short_fund_scales_every_discount_by_one_factor():
    result = plan([HouseholdOrder("a", D("40.00"), D(30)), HouseholdOrder("b", D("20.00"), D(50))], fund=D("11.00"))
    assert result.scaled and result.factor == D("0.5") and result.percent == D("50.0")  # 11 of the 22 wanted
    assert result.discounts == {"a": D("6.00"), "b": D("5.00")}


def test_rounding_up_to_the_euro_and_bad_input():
    assert contribution(D("23.40"), round_up=True) == D("0.60")
    assert contribution(D("23.00"), round_up=True) == 0
    with pytest.raises(ValueError):
        plan([HouseholdOrder("a", D("-1"), D(0))], fund=D(0))
    with pytest.raises(ValueError):
        plan([], fund=D("-1"))


@given(orders, amounts, st.sampled_from([None, D(1), D("2.5")]), st.booleans())
def test_the_fund_never_goes_negative_and_scaling_is_uniform(orders, fund, percent, round_up):
    result = plan(orders, fund=fund, contribution_percent=percent, round_up=round_up)
    assert result.total_discounts <= result.available  # never more than the fund holds, with this cycle's gifts
    for household, discount in result.discounts.items():
        wanted = result.wanted[household]
        assert 0 <= discount <= wanted
        assert abs(discount - wanted * result.factor) < D("0.01")  # one factor for everybody, to the cent
    if result.scaled:
        assert result.available - result.total_discounts <= D("0.01") * len(result.discounts)  # only rounding stays
    else:
        assert result.discounts == result.wanted
