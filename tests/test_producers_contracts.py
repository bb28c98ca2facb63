"""Spec sheet versions, cost sheets and the fair price, contracts' guarantee, subscriptions and surveys
through their services, on the database."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from cabas.catalog.models import CostSheet, PriceChange, ProposalStatus, SpecSheet
from cabas.catalog.services import decide_spec_sheet, propose_cost_sheet, propose_spec_sheet
from cabas.flows import decide_cost_sheet
from cabas.contracts.models import Contract, ContractProduct, Subscription, SubscriptionLine, SubscriptionSkip
from cabas.contracts.services import contracts_progress, skip_date, subscription_schedule
from cabas.core.errors import ActionError
from cabas.ordering.models import LineChange, Offer, OrderLine
from cabas.flows import close_cycle, save_order
from cabas.participation.models import Survey, SurveyAnswer
from cabas.participation.services import answer_survey, decide_survey, survey_projection

COSTS = {"inputs": "1\u00a0800", "labour_hours": "600", "hourly_rate": "15", "packaging": "400", "transport": "700",
         "overheads": "500", "depreciation": "900", "income": "2000", "expected_volume": "4000"}


def offer_of(cycle, product):
    return Offer.objects.get(cycle=cycle, product=product)


def test_a_cycle_keeps_the_spec_sheet_version_it_opened_with(world):
    v1 = propose_spec_sheet(product=world.carrots, values={"variety": "Nantaise", "production_method": "Plein champ, AB"})
    assert v1.version == 1 and v1.status == ProposalStatus.PROPOSED
    first = world.open_cycle(name="Avant approbation")
    assert offer_of(first, world.carrots).spec_sheet is None  # a proposal is not in force
    decide_spec_sheet(sheet_id=v1.pk, approve=True, by_user=world.coordinator)
    second = world.open_cycle(name="Version 1")
    v2 = propose_spec_sheet(product=world.carrots, values={"variety": "Nantaise", "size": "calibre 20-40", "change_note": "calibre"})
    rejected = propose_spec_sheet(product=world.carrots, values={"variety": "Hybride F1"})
    decide_spec_sheet(sheet_id=v2.pk, approve=True)
    decide_spec_sheet(sheet_id=rejected.pk, approve=False)
    third = world.open_cycle(name="Version 2")
    assert offer_of(second, world.carrots).spec_sheet.version == 1
    assert offer_of(third, world.carrots).spec_sheet.version == 2
    assert list(SpecSheet.objects.filter(product=world.carrots).values_list("version", "status")) == [
        (3, "rejected"), (2, "approved"), (1, "approved"),
    ]
    with pytest.raises(ActionError):
        decide_spec_sheet(sheet_id=v2.pk, approve=False)
    with pytest.raises(ActionError):
        propose_spec_sheet(product=world.carrots, values={"variety": "  ", "returnable_container": True})


def test_agreeing_a_cost_sheet_sets_the_price_for_the_next_cycles_and_live_contracts(world):
    today = timezone.localdate()
    contract = Contract.objects.create(club=world.club, producer=world.farm, title="Carottes 2026", frequency="monthly",
                                       guarantee_kind="value", guarantee_amount=D("300"), starts_on=today - datetime.timedelta(days=30),
                                       ends_on=today + datetime.timedelta(days=300))
    ContractProduct.objects.create(contract=contract, product=world.carrots, agreed_price=D("2.10"))
    sheet = propose_cost_sheet(product=world.carrots, season="Hiver 2026", values=COSTS, by_user=world.coordinator)
    assert sheet.unit_price == D("4.04") and sheet.status == ProposalStatus.PROPOSED
    opened = world.open_cycle(name="Ouvert avant l'accord")
    decide_cost_sheet(sheet_id=sheet.pk, agree=True, by_user=world.coordinator)
    world.carrots.refresh_from_db()
    assert world.carrots.unit_price == D("4.04")
    assert offer_of(opened, world.carrots).unit_price == D("2.10")  # a cycle already opened keeps its price
    assert offer_of(world.open_cycle(name="Après"), world.carrots).unit_price == D("4.04")
    assert ContractProduct.objects.get().agreed_price == D("4.04")
    assert list(PriceChange.objects.values_list("unit_price", "cost_sheet")) == [(D("4.04"), sheet.pk)]
    with pytest.raises(ActionError):
        decide_cost_sheet(sheet_id=sheet.pk, agree=True)


def test_a_bad_cost_sheet_lists_each_field_and_writes_nothing(world):
    with pytest.raises(ActionError) as error:
        propose_cost_sheet(product=world.carrots, season="Hiver", values={**COSTS, "inputs": "abc", "transport": "-3",
                                                                         "expected_volume": "0"})
    assert set(error.value.field_errors) == {"inputs", "transport", "expected_volume"}
    assert not CostSheet.objects.exists()


def test_guarantee_progress_from_closed_cycles(world):
    now = timezone.now()
    today = timezone.localdate(now)
    contract = Contract.objects.create(club=world.club, producer=world.bakery, title="Pain", frequency="monthly",
                                       guarantee_kind="value", guarantee_amount=D("50"), starts_on=today.replace(day=1),
                                       ends_on=today.replace(day=1) + datetime.timedelta(days=400))
    ContractProduct.objects.create(contract=contract, product=world.bread, agreed_price=D("5.20"))
    volume = Contract.objects.create(club=world.club, producer=world.bakery, title="Pain (pièces)", frequency="monthly",
                                     guarantee_kind="volume", guarantee_unit="piece", guarantee_amount=D("10"),
                                     starts_on=today.replace(day=1), ends_on=today.replace(day=1) + datetime.timedelta(days=400))
    ContractProduct.objects.create(contract=volume, product=world.bread, agreed_price=D("5.20"))
    cycle = world.open_cycle(opens_at=now - datetime.timedelta(hours=2), closes_at=now - datetime.timedelta(minutes=1)
                             if False else now + datetime.timedelta(hours=1))
    bread = offer_of(cycle, world.bread)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "4"})
    save_order(cycle=cycle, household=world.household_b1, quantities={bread.pk: "3"})
    close_cycle(cycle.pk, now=now + datetime.timedelta(hours=2))
    value, pieces = contracts_progress(list(Contract.objects.prefetch_related("products").order_by("pk")), today=today)
    closing_day = timezone.localdate(cycle.closes_at)
    if closing_day.month == today.month:
        assert value.current.purchased == D("36.40") and value.current.percent == 73  # 7 × 5.20 of 50 €
        assert pieces.current.purchased == D("7") and pieces.current.percent == 70
    assert value.shortfall == 0  # no period has ended yet


@pytest.fixture
def basket(world):
    """A weekly vegetable basket for household A1, over a season around today."""
    today = timezone.localdate()
    subscription = Subscription.objects.create(household=world.household_a1, producer=world.farm, season="Hiver",
                                               starts_on=today - datetime.timedelta(days=20),
                                               ends_on=today + datetime.timedelta(days=120), max_skips=2, notice_days=3)
    SubscriptionLine.objects.create(subscription=subscription, product=world.carrots, quantity=D("2"))
    SubscriptionLine.objects.create(subscription=subscription, product=world.milk, quantity=D("1"))
    return subscription


def test_subscription_lines_appear_in_each_cycle_as_committed(world, basket, login):
    cycle = world.open_cycle()
    lines = {l.offer.product_id: l for l in OrderLine.objects.filter(order__cycle=cycle).select_related("offer", "order")}
    assert {p: (l.quantity, l.committed, l.order.household_id) for p, l in lines.items()} == {
        world.carrots.pk: (D("2"), D("2"), world.household_a1.pk), world.milk.pk: (D("1"), D("1"), world.household_a1.pk),
    }
    carrots = offer_of(cycle, world.carrots)
    save_order(cycle=cycle, household=world.household_a1, quantities={carrots.pk: "3"})  # more is fine
    with pytest.raises(ActionError) as error:
        save_order(cycle=cycle, household=world.household_a1, quantities={carrots.pk: "1"})
    assert "abonnement" in error.value.field_errors[f"q-{carrots.pk}"]
    assert OrderLine.objects.get(offer=carrots).quantity == D("3")
    page = login(world.member_a1).get(f"/cycles/{cycle.pk}/commande/").content.decode()
    assert "dont 2\u00a0kg par abonnement" in page


def test_a_skipped_date_gets_no_basket_and_skipping_an_open_cycle_takes_it_out(world, basket):
    today = timezone.localdate()
    cycle = world.open_cycle()
    day = cycle.distributions.get(group=world.group_a).date
    assert OrderLine.objects.filter(order__cycle=cycle).count() == 2
    skip_date(subscription_id=basket.pk, household_id=world.household_a1.pk, day=day, today=today)
    assert not OrderLine.objects.filter(order__cycle=cycle).exists()
    assert LineChange.objects.filter(cycle=cycle, quantity=0).count() == 2
    again = world.open_cycle(name="Même date")  # a cycle distributing on the skipped date
    assert not OrderLine.objects.filter(order__cycle=again).exists()
    with pytest.raises(ActionError) as error:
        skip_date(subscription_id=basket.pk, household_id=world.household_b1.pk, day=day, today=today)
    assert "pas le vôtre" in str(error.value) or "not yours" in str(error.value)
    with pytest.raises(ActionError):
        skip_date(subscription_id=basket.pk, household_id=world.household_a1.pk, day=today + datetime.timedelta(days=1), today=today)
    assert SubscriptionSkip.objects.count() == 1


def test_the_payment_schedule_of_a_season(world, basket):
    days, total, instalments = subscription_schedule(Subscription.objects.select_related("household__group__depot").get())
    assert all(d.weekday() == world.group_a.depot.distribution_weekday for d in days)
    assert total == (D("2") * D("2.10") + D("1.30")) * len(days)
    assert sum(i.amount for i in instalments) == total


def test_a_survey_projects_answers_and_records_the_decision(world):
    today = timezone.localdate()
    survey = Survey.objects.create(club=world.club, product_name="Yaourt de brebis", producer=world.farm, unit="piece",
                                   proposed_price=D("1.20"), monthly_threshold=D("40"), opens_on=today,
                                   closes_on=today + datetime.timedelta(days=10))
    answer_survey(survey=survey, household=world.household_a1, values={"interest": "yes", "quantity_per_month": "8", "acceptable_price": "1,30"})
    answer_survey(survey=survey, household=world.household_a2, values={"interest": "maybe", "quantity_per_month": "4"})
    answer_survey(survey=survey, household=world.household_a1, values={"interest": "yes", "quantity_per_month": "10"})  # replaces
    with pytest.raises(ActionError) as error:
        answer_survey(survey=survey, household=world.household_b1, values={"interest": "yes", "quantity_per_month": "-2"})
    assert "quantity_per_month" in error.value.field_errors
    projection = survey_projection(survey)
    assert (projection.answers, projection.committed, projection.likely) == (2, D("10"), D("12"))
    assert projection.extrapolated == D("24.000") and not projection.extrapolated_reaches  # 4 households
    with pytest.raises(ActionError):
        decide_survey(survey_id=survey.pk, decision="trial", note="On essaie")  # which product?
    decide_survey(survey_id=survey.pk, decision="trial", note="On essaie un mois", trial_product_id=world.brioche.pk)
    world.brioche.refresh_from_db()
    assert world.brioche.is_trial and offer_of(world.open_cycle(), world.brioche).is_trial
    with pytest.raises(ActionError):
        answer_survey(survey=survey, household=world.household_b1, values={"interest": "no"})  # decided: closed
    assert SurveyAnswer.objects.count() == 2
