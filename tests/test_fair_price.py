"""The fair price from the producer's costs (pure), its per-unit composition, and the contract rules (pure)."""

import datetime
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabas.catalog.pricing import COMPONENTS, CostSheetError, SeasonCosts, fair_price
from cabas.contracts import guarantee, schedule
from cabas.participation.projection import Answer, project


def costs(**changes):
    base = dict(inputs=D("1800"), labour_hours=D("600"), hourly_rate=D("15"), packaging=D("400"), transport=D("700"),
                overheads=D("500"), depreciation=D("900"), income=D("2000"), expected_volume=D("4000"), vat_rate=D("5.5"))
    base.update(changes)
    return SeasonCosts(**base)


def test_the_price_is_the_season_cost_over_the_volume_plus_vat():
    price = fair_price(costs())
    # (1800 + 600 × 15 + 400 + 700 + 500 + 900 + 2000) / 4000 = 15300 / 4000 = 3.825 € per kg excl. VAT
    assert price.unit_cost == D("3.825")
    assert price.unit_price == D("4.04")  # 3.825 × 1.055 = 4.035375 → 4.04
    parts = dict(price.composition)
    assert parts["labour"] == D("2.25") and parts["inputs"] == D("0.45") and parts["income"] == D("0.50")
    assert sum(parts.values()) == price.unit_price
    assert [name for name, _ in price.composition] == list(COMPONENTS)
    assert dict(price.shares())["labour"] == D("55.7")


@given(
    st.lists(st.decimals(min_value=0, max_value=100000, places=2), min_size=8, max_size=8),
    st.decimals(min_value=D("0.5"), max_value=100000, places=3),
    st.sampled_from([D("0"), D("5.5"), D("10"), D("20")]),
)
def test_the_composition_always_adds_up_to_the_price(amounts, volume, vat):
    inputs, hours, rate, packaging, transport, overheads, depreciation, income = amounts
    price = fair_price(SeasonCosts(inputs, hours, rate / 100, packaging, transport, overheads, depreciation, income, volume, vat))
    assert sum(amount for _, amount in price.composition) == price.unit_price
    assert all(amount >= 0 for _, amount in price.composition)


@pytest.mark.parametrize("field, value", [("expected_volume", D("0")), ("inputs", D("-1")), ("vat_rate", D("120"))])
def test_a_cost_sheet_that_cannot_give_a_price_names_its_field(field, value):
    with pytest.raises(CostSheetError) as error:
        fair_price(costs(**{field: value}))
    assert error.value.field == field


def test_floats_are_refused():
    with pytest.raises(TypeError):
        fair_price(costs(inputs=1800.0))


# --- guarantee ----------------------------------------------------------------------------------------

d = datetime.date


def test_monthly_periods_follow_the_calendar_and_cut_ones_owe_their_share():
    spans = guarantee.periods(d(2026, 9, 15), d(2027, 1, 1), "monthly")
    assert [(s.start, s.end) for s in spans] == [
        (d(2026, 9, 15), d(2026, 10, 1)), (d(2026, 10, 1), d(2026, 11, 1)), (d(2026, 11, 1), d(2026, 12, 1)),
        (d(2026, 12, 1), d(2027, 1, 1)),
    ]
    assert guarantee.owed(D("300"), spans[0]) == D("160.000")  # 16 days of 30
    assert guarantee.owed(D("300"), spans[1]) == D("300")


def test_weekly_and_yearly_periods_count_from_the_start():
    weeks = guarantee.periods(d(2026, 11, 4), d(2026, 11, 20), "weekly")
    assert [(w.start, w.end, w.days) for w in weeks] == [
        (d(2026, 11, 4), d(2026, 11, 11), 7), (d(2026, 11, 11), d(2026, 11, 18), 7), (d(2026, 11, 18), d(2026, 11, 20), 2),
    ]
    years = guarantee.periods(d(2024, 2, 29), d(2026, 3, 1), "yearly")
    assert [y.start for y in years] == [d(2024, 2, 29), d(2025, 2, 28), d(2026, 2, 28)]


def test_progress_and_the_shortfall_of_ended_periods():
    rows = guarantee.progress(
        start=d(2026, 10, 1), end=d(2027, 1, 1), frequency="monthly", guarantee=D("500"),
        purchases=[(d(2026, 10, 9), D("300")), (d(2026, 10, 23), D("150")), (d(2026, 11, 6), D("360")),
                   (d(2027, 3, 1), D("999"))],  # outside the contract: not counted
        today=d(2026, 11, 22),
    )
    october, november, december = rows
    assert (october.purchased, october.percent, october.ended, october.shortfall) == (D("450"), 90, True, D("50"))
    assert (november.percent, november.ended, november.shortfall) == (72, False, D("0"))
    assert guarantee.current(rows, d(2026, 11, 22)) is november and december.purchased == 0


# --- subscriptions ------------------------------------------------------------------------------------


def test_skipping_needs_notice_stays_within_the_allowance_and_the_season():
    rules = dict(starts_on=d(2026, 10, 1), ends_on=d(2027, 3, 31), max_skips=2, notice_days=7, today=d(2026, 11, 22))
    schedule.check_skip(day=d(2026, 12, 4), skipped=set(), **rules)
    for day, skipped, code in [
        (d(2026, 11, 27), set(), "notice"), (d(2027, 5, 1), set(), "outside"),
        (d(2026, 12, 4), {d(2026, 12, 4)}, "already"), (d(2026, 12, 11), {d(2026, 12, 4), d(2026, 12, 18)}, "too_many"),
    ]:
        with pytest.raises(schedule.SkipRefused) as refused:
            schedule.check_skip(day=day, skipped=skipped, **rules)
        assert refused.value.code == code
    assert not schedule.basket_due(day=d(2026, 12, 4), starts_on=d(2026, 10, 1), ends_on=d(2027, 3, 31), skipped={d(2026, 12, 4)})


def test_instalments_split_the_season_to_the_cent():
    monthly = schedule.instalments(D("100.00"), schedule="monthly", starts_on=d(2026, 10, 15), ends_on=d(2027, 1, 10))
    assert [(i.due_on, i.amount) for i in monthly] == [
        (d(2026, 10, 15), D("25.00")), (d(2026, 11, 1), D("25.00")), (d(2026, 12, 1), D("25.00")), (d(2027, 1, 1), D("25.00")),
    ]
    quarterly = schedule.instalments(D("100.00"), schedule="quarterly", starts_on=d(2026, 10, 1), ends_on=d(2027, 9, 30))
    assert [i.amount for i in quarterly] == [D("25.00")] * 4
    thirds = schedule.instalments(D("100.00"), schedule="monthly", starts_on=d(2026, 10, 1), ends_on=d(2026, 12, 31))
    assert [i.amount for i in thirds] == [D("33.34"), D("33.33"), D("33.33")]
    assert schedule.instalments(D("42.10"), schedule="single", starts_on=d(2026, 10, 1), ends_on=d(2027, 3, 1))[0].amount == D("42.10")


# --- survey projection --------------------------------------------------------------------------------


def test_the_projection_against_the_threshold():
    answers = [Answer("yes", D("4"), D("5.00")), Answer("yes", D("6"), D("4.00")), Answer("maybe", D("4"), D("4.50")),
               Answer("no", D("0"))]
    projection = project(answers, households=40, threshold=D("60"), proposed_price=D("4.50"))
    assert (projection.yes, projection.maybe, projection.no) == (2, 1, 1)
    assert projection.committed == D("10") and projection.likely == D("12")
    assert projection.extrapolated == D("120.000") and projection.extrapolated_reaches and not projection.committed_reaches
    assert projection.median_price == D("4.50") and projection.price_accepted_by == 67
    assert projection.percent_of_threshold == 20


def test_no_answers_projects_nothing():
    projection = project([], households=40, threshold=D("60"))
    assert projection.extrapolated == 0 and projection.median_price is None and not projection.extrapolated_reaches
