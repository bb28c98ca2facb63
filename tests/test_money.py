"""Money arithmetic: cents rounded half-up, VAT derived per rate from VAT-inclusive prices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabas.core.money import CENT, ZERO, amount_excluding_vat, line_amount, to_cents, vat_breakdown

D = Decimal


# --- to_cents -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),  # exactly half a cent goes up (half-up, not banker's rounding)
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's rounding would give 0.02
        ("2.675", "2.68"),  # the classic float trap: as a Decimal it is exactly half, so up
        ("0.0049999", "0.00"),
        ("1.004", "1.00"),
        ("1.006", "1.01"),
        ("12", "12.00"),
        ("-0.005", "-0.01"),  # half-up in the decimal module means half away from zero
        ("-1.234", "-1.23"),
    ],
)
def test_to_cents_rounds_half_up(value, expected):
    result = to_cents(D(value))
    assert result == D(expected)
    assert result.as_tuple().exponent == -2  # always two decimals, even for whole amounts


@pytest.mark.parametrize("value", [1.5, 2, "1.50", None])
def test_to_cents_refuses_anything_but_decimal(value):
    with pytest.raises(TypeError):
        to_cents(value)


# --- line_amount ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "price", "expected"),
    [
        ("2.5", "1.30", "3.25"),
        ("2", "5.20", "10.40"),
        ("0.333", "2.10", "0.70"),  # 0.6993 → 0.70
        ("0.125", "0.20", "0.03"),  # 0.025 exactly: half-up → 0.03
        ("1.5", "2.10", "3.15"),
        ("0", "9.99", "0.00"),
        ("10000", "0.01", "100.00"),
    ],
)
def test_line_amount_is_quantity_times_price_rounded_to_the_cent(quantity, price, expected):
    assert line_amount(D(quantity), D(price)) == D(expected)


# --- amount_excluding_vat -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("incl", "rate", "expected"),
    [
        ("10.55", "5.5", "10.00"),
        ("11.00", "10", "10.00"),
        ("12.00", "20", "10.00"),
        ("13.65", "5.5", "12.94"),  # 12.938… → 12.94
        ("6.00", "10", "5.45"),  # 5.4545… → 5.45
        ("18.00", "10", "16.36"),
        ("7.00", "0", "7.00"),  # no VAT: all of it is excl. VAT
        ("0.00", "5.5", "0.00"),
        ("0.01", "5.5", "0.01"),  # 0.00947… → 0.01
    ],
)
def test_amount_excluding_vat(incl, rate, expected):
    assert amount_excluding_vat(D(incl), D(rate)) == D(expected)


# --- vat_breakdown --------------------------------------------------------------------------------


def test_vat_breakdown_mixed_rates_one_row_per_rate():
    breakdown = vat_breakdown(
        [
            (D("5.5"), D("3.25")),  # 2.5 l of milk
            (D("10"), D("6.00")),  # a brioche
            (D("5.50"), D("10.40")),  # bread: same rate written with two decimals, as the database returns it
            (D("10.00"), D("12.00")),  # two brioches
        ]
    )
    assert [row.rate for row in breakdown.rows] == [D("5.5"), D("10")]  # sorted by rate, 5.5 and 5.50 merged
    low, high = breakdown.rows
    assert (low.amount_incl_vat, low.amount_excl_vat, low.vat) == (D("13.65"), D("12.94"), D("0.71"))
    assert (high.amount_incl_vat, high.amount_excl_vat, high.vat) == (D("18.00"), D("16.36"), D("1.64"))
    assert breakdown.amount_incl_vat == D("31.65")
    assert breakdown.amount_excl_vat == D("29.30")
    assert breakdown.vat == D("2.35")
    assert breakdown.amount_excl_vat + breakdown.vat == breakdown.amount_incl_vat


def test_vat_is_computed_once_per_rate_on_the_rate_total_not_per_line():
    # Three lines of 0.10 € at 5.5 %: per line 0.10 / 1.055 = 0.0948 → 0.09 (VAT 0.01 each, 0.03 in all);
    # on the total 0.30 / 1.055 = 0.2844 → 0.28 (VAT 0.02). The module documents the per-rate rule.
    breakdown = vat_breakdown([(D("5.5"), D("0.10"))] * 3)
    (row,) = breakdown.rows
    assert row.amount_incl_vat == D("0.30")
    assert row.amount_excl_vat == D("0.28")
    assert row.vat == D("0.02")


def test_vat_breakdown_zero_rate():
    breakdown = vat_breakdown([(D("0"), D("4.00")), (D("0.00"), D("1.00"))])
    (row,) = breakdown.rows
    assert row.rate == 0
    assert (row.amount_incl_vat, row.amount_excl_vat, row.vat) == (D("5.00"), D("5.00"), D("0.00"))


def test_vat_breakdown_of_nothing_is_zero():
    breakdown = vat_breakdown([])
    assert breakdown.rows == ()
    assert breakdown.amount_incl_vat == ZERO
    assert breakdown.amount_excl_vat == ZERO
    assert breakdown.vat == ZERO


def test_vat_breakdown_accepts_a_generator():
    breakdown = vat_breakdown((D("5.5"), D(x)) for x in ("1.00", "2.00"))
    assert breakdown.amount_incl_vat == D("3.00")


# --- properties -----------------------------------------------------------------------------------

RATES = [D("0"), D("2.1"), D("5.5"), D("5.50"), D("10"), D("10.00"), D("20")]
quantities = st.decimals(min_value=D("0.001"), max_value=D("10000"), places=3, allow_nan=False, allow_infinity=False)
prices = st.decimals(min_value=D("0.00"), max_value=D("9999.99"), places=2, allow_nan=False, allow_infinity=False)
lines = st.lists(st.tuples(quantities, prices, st.sampled_from(RATES)), max_size=30)


@given(lines)
def test_breakdown_totals_add_up_for_any_lines(order_lines):
    amounts = [(rate, line_amount(quantity, price)) for quantity, price, rate in order_lines]
    breakdown = vat_breakdown(amounts)

    assert breakdown.amount_incl_vat == sum((amount for _, amount in amounts), ZERO)
    assert breakdown.amount_excl_vat + breakdown.vat == breakdown.amount_incl_vat
    assert len(breakdown.rows) == len({rate.normalize() if rate else D(0) for _, _, rate in order_lines})
    for row in breakdown.rows:
        assert row.amount_excl_vat + row.vat == row.amount_incl_vat
        assert row.amount_excl_vat == amount_excluding_vat(row.amount_incl_vat, row.rate)
        assert ZERO <= row.vat <= row.amount_incl_vat
        for value in (row.amount_incl_vat, row.amount_excl_vat, row.vat):
            assert value == value.quantize(CENT)


@given(quantities, prices)
def test_line_amount_is_within_half_a_cent_of_the_exact_product(quantity, price):
    amount = line_amount(quantity, price)
    assert amount == amount.quantize(CENT)
    assert abs(amount - quantity * price) <= D("0.005")


@given(st.decimals(min_value=D("0.00"), max_value=D("1000000"), places=2), st.sampled_from(RATES))
def test_excluding_vat_never_exceeds_the_inclusive_amount(amount, rate):
    excl = amount_excluding_vat(amount, rate)
    assert ZERO <= excl <= amount
    # adding the VAT back lands within a cent of the inclusive amount
    assert abs(to_cents(excl * (100 + rate) / 100) - amount) <= D("0.01")


def test_units_agree_with_their_quantity():
    from django.utils import translation

    from cabas.catalog.units import format_quantity_with_unit

    with translation.override("fr"):
        assert format_quantity_with_unit(Decimal("1"), "piece") == "1\u00a0pièce"
        assert format_quantity_with_unit(Decimal("2"), "piece") == "2\u00a0pièces"
        assert format_quantity_with_unit(Decimal("3"), "bunch") == "3\u00a0bottes"
        assert format_quantity_with_unit(Decimal("0.5"), "kg") == "0,5\u00a0kg"
    with translation.override("en"):
        assert format_quantity_with_unit(Decimal("2"), "dozen") == "2\u00a0dozens"
