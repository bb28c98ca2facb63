"""The funds at closing: solidarity discounts paid by the fund (the producer always receives the full price),
households' contributions, the guarantee fund's contributions, the uniform scaling when the fund is short
(recorded, and the households concerned told), reception adjustments by difference, the projection before
closing, invoices, the yearly report and who sees what."""

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.urls import reverse

from cabas.core.errors import ActionError
from cabas.finance import services
from cabas.finance.checks import check_ledger
from cabas.finance.models import (
    Account, AccountKind, CycleFunds, FinanceSettings, FundShare, HouseholdTariff, Invoice, LedgerTransaction,
    SolidarityPledge, TariffCategory,
)
from cabas.finance.reports import solidarity_report
from cabas.members.models import Role, RoleKind
from cabas.ordering.models import Offer
from cabas.flows import close_cycle, record_deliveries, save_order

TODAY = datetime.date.today()


def offers(cycle):
    return {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}


def household_balance(household) -> D:
    return services.household_balance(household.pk)


def give_tariff(world, household, rate, name=None):
    category, _ = TariffCategory.objects.get_or_create(club=world.club, name=name or f"Solidaire −{rate} %",
                                                       defaults={"discount_rate": D(rate)})
    HouseholdTariff.objects.create(household=household, category=category, review_on=TODAY + datetime.timedelta(days=90))


def order_bread(world, cycle, household, loaves):
    save_order(cycle=cycle, household=household, quantities={offers(cycle)[world.bread.pk].pk: str(loaves)})


@pytest.fixture
def cycle(world):
    return world.open_cycle()


def producer_due(world, producer) -> D:
    account = Account.objects.get(producer=producer)
    return -sum((e.amount for e in account.entries.all()), D("0.00"))


def test_the_fund_pays_the_discount_and_the_producer_gets_the_full_price(world, cycle):
    services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="100", method="transfer",
                              source="Don de la mairie", origin="grant", date=TODAY)
    give_tariff(world, world.household_a1, 50)
    order_bread(world, cycle, world.household_a1, 4)  # 4 × 5.20 = 20.80
    order_bread(world, cycle, world.household_b1, 2)  # 10.40
    close_cycle(cycle.pk)
    assert household_balance(world.household_a1) == D("10.40")  # owed: half paid by the fund
    assert household_balance(world.household_b1) == D("10.40")
    assert producer_due(world, world.bakery) == D("31.20")  # the full price of 6 loaves
    assert services.fund_available(world.club, AccountKind.SOLIDARITY) == D("89.60")
    share = FundShare.objects.get(cycle=cycle, household=world.household_a1)
    assert (share.wanted, share.discount, share.discount_rate) == (D("10.40"), D("10.40"), D("50.00"))
    record = CycleFunds.objects.get(cycle=cycle)
    assert not record.scaled and record.households_helped == 1 and record.fund_before == D("100.00")
    assert check_ledger() == []
    close_cycle(cycle.pk)  # closing again posts nothing
    assert services.fund_available(world.club, AccountKind.SOLIDARITY) == D("89.60")
    services.issue_invoices(cycle)
    invoice = Invoice.objects.get(cycle=cycle, household=world.household_a1)
    assert invoice.amount_incl_vat == D("20.80") and invoice.amount_due == D("10.40")
    assert invoice.fund_lines == [{"label": "Remise solidaire, payée par la caisse de solidarité", "amount": "-10.40"}]
    assert Invoice.objects.get(cycle=cycle, household=world.household_b1).fund_lines == []


def test_a_short_fund_scales_every_discount_uniformly_records_it_and_tells_the_households(
        world, cycle, run_tasks):
    services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="6", method="cash", source="Don",
                              date=TODAY)
    give_tariff(world, world.household_a1, 50)
    give_tariff(world, world.household_b1, 30, name="Solidaire −30 %")
    order_bread(world, cycle, world.household_a1, 2)  # 10.40 → 5.20 wanted
    order_bread(world, cycle, world.household_b1, 5)  # 26.00 → 7.80 wanted
    mail.outbox.clear()
    close_cycle(cycle.pk)
    record = CycleFunds.objects.get(cycle=cycle)
    assert record.scaled and record.wanted == D("13.00") and record.discounts <= D("6.00")
    shares = {s.household_id: s for s in FundShare.objects.filter(cycle=cycle)}
    for share in shares.values():  # one factor for both, to the cent
        assert abs(share.discount - share.wanted * record.factor) < D("0.01")
    assert services.fund_available(world.club, AccountKind.SOLIDARITY) >= 0
    assert producer_due(world, world.bakery) == D("36.40")  # still the full price
    run_tasks()
    scaled = [m for m in mail.outbox if "remise solidaire" in m.subject.lower() or "solidarity discount" in m.subject.lower()]
    told = sorted(address for m in scaled for address in m.to)
    assert told == ["a1@example.org", "a1bis@example.org", "b1@example.org"]
    assert "Semaine 47" in scaled[0].subject
    assert check_ledger() == []


def test_contributions_feed_the_funds_and_reception_posts_only_the_difference(world, cycle):
    FinanceSettings.objects.create(club=world.club, legal_name="Club", guarantee_percent=D("1"),
                                   guarantee_per_cycle=D("0.50"))
    services.set_pledge(household=world.household_b1, mode="round_up")
    services.set_pledge(household=world.household_b2, mode="percent", percent="2,5")
    give_tariff(world, world.household_a1, 30)
    order_bread(world, cycle, world.household_a1, 2)  # 10.40
    order_bread(world, cycle, world.household_b1, 3)  # 15.60 → round up 0.40
    order_bread(world, cycle, world.household_b2, 5)  # 26.00 → 2.5 % = 0.65
    close_cycle(cycle.pk)
    shares = {s.household_id: s for s in FundShare.objects.filter(cycle=cycle)}
    assert shares[world.household_b1.pk].contribution == D("0.40")
    assert shares[world.household_b2.pk].contribution == D("0.65")
    assert shares[world.household_a1.pk].contribution == 0  # a household helped does not contribute
    # guarantee: 1 % of each order, plus 0.50 shared in proportion to the orders (exactly)
    assert sum(s.guarantee for s in shares.values()) == D("0.52") + D("0.50")
    assert shares[world.household_a1.pk].discount == D("1.05")  # the fund (empty) is fed by this cycle's 1.05
    assert services.fund_available(world.club, AccountKind.SOLIDARITY) == D("0.00")
    assert services.fund_available(world.club, AccountKind.GUARANTEE) == D("1.02")
    assert household_balance(world.household_b1) == D("15.60") + D("0.40") + shares[world.household_b1.pk].guarantee
    transactions = LedgerTransaction.objects.count()
    bread = offers(cycle)[world.bread.pk]
    record_deliveries(cycle.pk, {bread.pk: D("5")})  # 10 ordered, 5 delivered: everybody gets less
    assert LedgerTransaction.objects.count() == transactions + 2  # one adjustment for the goods, one for the funds
    assert check_ledger() == []
    assert services.fund_available(world.club, AccountKind.SOLIDARITY) >= 0
    record_deliveries(cycle.pk, {bread.pk: D("5")})  # the same again: nothing
    assert LedgerTransaction.objects.count() == transactions + 2



@pytest.mark.parametrize("mode, percent", [("percent", "0"), ("percent", "25"), ("percent", "abc"), ("gift", "")])
def test_a_bad_pledge_is_refused_with_a_message(world, mode, percent):
    with pytest.raises(ActionError) as error:
        services.set_pledge(household=world.household_a1, mode=mode, percent=percent)
    assert error.value.all_messages
    assert not SolidarityPledge.objects.exists()


def test_the_projection_before_closing_matches_the_closing(world, cycle, login):
    services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="3", method="cash", source="Don", date=TODAY)
    give_tariff(world, world.household_a1, 50)
    order_bread(world, cycle, world.household_a1, 2)
    url = reverse("cycle-funds", args=[cycle.pk])
    page = login(world.coordinator).get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "5,20" in text and "3,00" in text and "57,6" in text  # wanted, fund, and the factor 3/5.20
    assert "Foyer Le Goff" not in text  # totals only
    close_cycle(cycle.pk)
    assert CycleFunds.objects.get(cycle=cycle).discounts == D("3.00")
    assert "57,6" in login(world.coordinator).get(url).content.decode()


def test_who_sees_the_funds_and_the_discount(world, cycle, login):
    services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="50", method="cash", source="Don", date=TODAY)
    give_tariff(world, world.household_a1, 50)
    order_bread(world, cycle, world.household_a1, 2)
    order_bread(world, cycle, world.household_a2, 1)
    close_cycle(cycle.pk)
    funds_url = reverse("cycle-funds", args=[cycle.pk])
    report_url = reverse("solidarity-report", args=[world.club.pk])
    for user in (world.member_a1, world.group_coordinator_a):
        assert login(user).get(funds_url).status_code == 403
        assert login(user).get(report_url).status_code == 403
    other_club = world.other_club()[0]
    outsider = world.user("autre@example.org", None)
    Role.objects.create(user=outsider, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    assert login(outsider).get(funds_url).status_code == 403
    order = world.household_a1.orders.get(cycle=cycle)
    own = login(world.member_a1).get(reverse("order-detail", args=[order.pk])).content.decode()
    assert "Remise solidaire" in own and "5,20" in own
    seen_by_group = login(world.group_coordinator_a).get(reverse("order-detail", args=[order.pk])).content.decode()
    assert "Remise solidaire" not in seen_by_group and "solidari" not in seen_by_group.lower().replace("caisse de solidarité", "")
    report = login(world.coordinator).get(report_url)
    assert report.status_code == 200 and "Foyer Le Goff" not in report.content.decode()


def test_the_yearly_report(world, cycle):
    services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="40", method="cash", source="Don",
                              date=TODAY)
    services.receive_for_fund(club=world.club, fund=AccountKind.GUARANTEE, amount="200", method="transfer",
                              source="Région", origin="grant", date=TODAY)
    services.guarantee_payout(club=world.club, producer=world.farm, amount="75", reason="Grêle sur les carottes", date=TODAY)
    give_tariff(world, world.household_a1, 50)
    order_bread(world, cycle, world.household_a1, 2)
    close_cycle(cycle.pk)
    report = solidarity_report(world.club, TODAY.year)
    assert report.households_helped == 1 and report.discounts_given == D("5.20") and report.cycles == 1
    assert report.solidarity_income == {"contributions": D("0.00"), "donation": D("40.00")}
    assert report.guarantee_income == {"contributions": D("0.00"), "grant": D("200.00")}
    assert report.payouts_total == D("75.00") and report.payouts[0].producer == world.farm
    assert solidarity_report(world.club, TODAY.year - 1).households_helped == 0


def test_a_household_that_left_no_longer_orders(world, cycle):
    world.household_a1.left_on = TODAY
    world.household_a1.save()
    with pytest.raises(ActionError, match="quitté"):
        order_bread(world, cycle, world.household_a1, 1)


def test_a_household_chooses_its_contribution_on_its_account_page(world, login):
    client = login(world.member_b1)
    page = client.get(reverse("account")).content.decode()
    assert "Arrondir mes commandes à l’euro supérieur" in page and 'value="2"' in page  # the club's suggestion
    response = client.post(reverse("pledge"), {"mode": "percent", "percent": "3,5"}, follow=True)
    assert "Votre choix est enregistré" in response.content.decode()
    assert SolidarityPledge.objects.get(household=world.household_b1).percent == D("3.5")
    response = client.post(reverse("pledge"), {"mode": "percent", "percent": "50"}, follow=True)
    assert "entre 0,5 et 20" in response.content.decode()
    assert SolidarityPledge.objects.get(household=world.household_b1).percent == D("3.5")  # unchanged
    client.post(reverse("pledge"), {"mode": ""})
    assert not SolidarityPledge.objects.exists()
    give_tariff(world, world.household_a1, 30)
    own = login(world.member_a1).get(reverse("account")).content.decode()
    assert "Solidaire −30 %" in own and "Arrondir" not in own  # a household helped sees its tariff, not the form


def test_a_share_records_the_tariffs_rate_not_one_computed_back_from_rounded_amounts(world, cycle):
    services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="50", method="cash", source="Don", date=TODAY)
    give_tariff(world, world.household_a1, 33, name="Solidaire −33 %")
    order_bread(world, cycle, world.household_a1, 2)  # 10.40 × 33 % = 3.432 → 3.43 (3.43 / 10.40 would be 32.98 %)
    close_cycle(cycle.pk)
    share = FundShare.objects.get(cycle=cycle, household=world.household_a1)
    assert (share.discount_rate, share.discount) == (D("33.00"), D("3.43"))
