"""Money through the services: the closing's posting, reception adjustments, payments, reversals,
invoices and credit notes, bank statements, the prepaid limit, and `cabas ledger-check`."""

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from cabas.core.errors import ActionError
from cabas.finance import services
from cabas.finance.checks import check_ledger
from cabas.finance.models import (
    Account, BankLine, BankStatement, Entry, FinanceSettings, ImmutableError, Invoice, LedgerTransaction, Payment,
)
from cabas.ordering.models import Offer
from cabas.flows import close_cycle, record_deliveries, save_order

from .test_finance_rules import camt

TODAY = datetime.date(2026, 11, 20)


def closed_cycle(world):
    cycle = world.open_cycle()
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    milk, bread = offers[world.milk.pk], offers[world.bread.pk]
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "3", bread.pk: "2"})  # 3.90 + 10.40
    save_order(cycle=cycle, household=world.household_b1, quantities={bread.pk: "1"})  # 5.20
    close_cycle(cycle.pk, now=cycle.closes_at)
    cycle.refresh_from_db()
    return cycle, milk, bread


def balance(household=None, producer=None):
    account = Account.objects.get(household=household) if household else Account.objects.get(producer=producer)
    return sum((e.amount for e in Entry.objects.filter(account=account)), D("0.00"))


def test_the_closing_posts_what_households_owe_and_producers_are_owed_once(world):
    cycle, milk, bread = closed_cycle(world)
    assert balance(world.household_a1) == D("14.30") and balance(world.household_b1) == D("5.20")
    assert balance(producer=world.farm) == D("-3.90") and balance(producer=world.bakery) == D("-15.60")
    assert LedgerTransaction.objects.get().journal == "VE" and not check_ledger()
    close_cycle(cycle.pk)  # closing twice posts nothing
    assert LedgerTransaction.objects.count() == 1


def test_a_short_delivery_posts_only_the_difference(world):
    cycle, milk, bread = closed_cycle(world)
    record_deliveries(cycle.pk, {bread.pk: D("2")})  # 3 ordered, 2 delivered
    assert LedgerTransaction.objects.count() == 2
    assert balance(world.household_a1) + balance(world.household_b1) == D("3.90") + D("10.40")
    assert balance(producer=world.bakery) == D("-10.40")
    record_deliveries(cycle.pk, {bread.pk: D("2")})  # the same again: nothing
    assert LedgerTransaction.objects.count() == 2 and not check_ledger()


def test_payments_and_their_bad_amounts(world):
    closed_cycle(world)
    services.record_payment(club=world.club, household=world.household_a1, amount="14,30", method="cheque", date=TODAY,
                            cheque_number="0001234")
    assert balance(world.household_a1) == 0
    services.record_payment(club=world.club, producer=world.bakery, amount=D("15.60"), method="transfer", date=TODAY)
    assert balance(producer=world.bakery) == 0
    for amount in ("0", "-5", "abc", "12,345", "1000000"):
        with pytest.raises(ActionError):
            services.record_payment(club=world.club, household=world.household_b1, amount=amount, method="cash", date=TODAY)
    other_club, *_rest = world.other_club()
    with pytest.raises(ActionError):
        services.record_payment(club=other_club, household=world.household_b1, amount="5", method="cash", date=TODAY)
    assert Payment.objects.count() == 2 and LedgerTransaction.objects.count() == 3


def test_a_reversal_restores_the_balances_once(world):
    cycle, *_ = closed_cycle(world)
    payment = services.record_payment(club=world.club, household=world.household_b1, amount="5.20", method="cash", date=TODAY)
    reversal = services.reverse(transaction_id=payment.transaction_id, club=world.club)
    assert balance(world.household_b1) == D("5.20") and reversal.reverses_id == payment.transaction_id
    for transaction_id in (payment.transaction_id, reversal.pk, LedgerTransaction.objects.get(key=f"cycle:{cycle.pk}").pk):
        with pytest.raises(ActionError):
            services.reverse(transaction_id=transaction_id, club=world.club)
    assert not check_ledger()


def test_entries_are_never_changed(world):
    closed_cycle(world)
    entry = Entry.objects.first()
    entry.cents = 100
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE finance_entry SET cents = 100 WHERE id = %s", [entry.pk])
    assert Entry.objects.get(pk=entry.pk).cents != 100


def test_invoices_are_numbered_without_gaps_and_corrected_by_credit_notes(world):
    FinanceSettings.objects.create(club=world.club, legal_name="GAC", reference_scheme="be")
    cycle, milk, bread = closed_cycle(world)
    assert services.issue_invoices(cycle, date=TODAY) == 2
    first = Invoice.objects.get(household=world.household_a1)
    assert first.amount_incl_vat == D("14.30") and len(first.lines) == 2 and first.reference.startswith("+++")
    assert services.issue_invoices(cycle, date=TODAY) == 0  # nothing changed
    record_deliveries(cycle.pk, {bread.pk: D("2")})
    issued = services.issue_invoices(cycle, date=TODAY)
    changed = Invoice.objects.filter(kind="credit_note").count()
    assert issued == 2 * changed and changed >= 1
    assert sorted(Invoice.objects.values_list("number", flat=True)) == list(range(1, 2 + issued + 1))
    note = Invoice.objects.filter(kind="credit_note").first()
    assert note.amount_incl_vat == -note.corrects.amount_incl_vat
    assert not check_ledger()


def test_a_bank_statement_pays_invoices_by_reference_and_suggests_the_rest(world):
    FinanceSettings.objects.create(club=world.club, legal_name="GAC", reference_scheme="rf")
    cycle, *_ = closed_cycle(world)
    services.issue_invoices(cycle, date=TODAY)
    a1 = Invoice.objects.get(household=world.household_a1)
    data = camt(amount_1="14.30", reference_1=a1.reference, amount_2="5.20")
    outcome = services.import_statement(club=world.club, data=data, filename="releve.xml")
    assert (outcome.matched, outcome.suggested, outcome.unmatched) == (1, 1, 2)
    assert balance(world.household_a1) == 0 and balance(world.household_b1) == D("5.20")
    suggested = BankLine.objects.get(status="suggested")
    assert suggested.suggested.household == world.household_b1
    services.confirm_bank_line(club=world.club, line_id=suggested.pk, household_id=world.household_b1.pk)
    assert balance(world.household_b1) == 0
    with pytest.raises(ActionError, match="déjà|already"):
        services.import_statement(club=world.club, data=data, filename="releve-bis.xml")
    with pytest.raises(ActionError):
        services.import_statement(club=world.club, data=b"<Document><broken", filename="x.xml")
    assert BankStatement.objects.count() == 1 and Payment.objects.count() == 2 and not check_ledger()


def test_a_prepaid_household_orders_what_its_account_holds(world):
    FinanceSettings.objects.create(club=world.club, legal_name="GAC", payment_mode="prepaid", minimum_balance=D("0"))
    cycle = world.open_cycle()
    bread = Offer.objects.get(cycle=cycle, product=world.bread)
    with pytest.raises(ActionError) as error:
        save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "1"})
    assert "0,00\u00a0€" in str(error.value)  # amounts as everywhere in Cabas (format_money)
    services.record_payment(club=world.club, household=world.household_a1, amount="12", method="cash", date=TODAY)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "2"})  # 10.40 of 12
    with pytest.raises(ActionError):
        save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "3"})  # 15.60
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "1"})  # less is always fine


def test_ledger_check_passes_then_names_what_is_wrong(world):
    closed_cycle(world)
    out = StringIO()
    call_command("ledger-check", stdout=out)
    assert "tout est juste" in out.getvalue()
    if connection.vendor == "postgresql":  # the database itself refuses an unbalanced transaction
        with pytest.raises(DatabaseError), transaction.atomic():
            record = LedgerTransaction.objects.create(club=world.club, number=99, journal="OD", date=TODAY, label="x")
            Entry.objects.bulk_create([Entry(transaction=record, account=Account.objects.first(), cents=100)])
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return
    record = LedgerTransaction.objects.create(club=world.club, number=5, journal="OD", date=TODAY, label="x")
    Entry.objects.bulk_create([Entry(transaction=record, account=Account.objects.first(), cents=100)])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("ledger-check", stdout=out, stderr=err)
    assert f"not balanced or without entries: {record.pk}" in err.getvalue()
    assert "transaction numbers missing" in err.getvalue()  # 2, 3, 4 were skipped


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.django import TestCase as HypothesisTestCase  # noqa: E402

OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("pay"), st.sampled_from(["a1", "b1"]), st.integers(1, 5000)),
    st.tuples(st.just("producer"), st.sampled_from(["farm", "bakery"]), st.integers(1, 5000)),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
    st.tuples(st.just("deliver"), st.integers(0, 3)),
    st.tuples(st.just("invoice")),
    st.tuples(st.just("donate"), st.sampled_from(["solidarity", "guarantee"]), st.integers(1, 3000)),
    st.tuples(st.just("payout"), st.integers(1, 3000)),
    st.tuples(st.just("fee"), st.booleans()),
), max_size=12)


class TestAnySequenceOfOperations(HypothesisTestCase):
    """Closings (with a household on a solidarity tariff, one contributing, and a guarantee contribution),
    reception adjustments, payments, reversals, invoices, gifts to the funds, guarantee payouts and
    membership fees (some paid by the solidarity fund) in any order: every rule of the ledger holds after
    each step, a reversal restores the balances it found, and neither fund ever goes negative."""

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(OPERATIONS)
    def test_the_ledger_stays_right(self, operations):
        from .conftest import World

        from django.db import transaction

        from cabas.core.errors import ActionError
        from cabas.finance.models import FinanceSettings, HouseholdTariff, TariffCategory
        from cabas.flows import start_membership

        world = World()
        FinanceSettings.objects.create(club=world.club, legal_name="Club", guarantee_percent=D("1.5"))
        category = TariffCategory.objects.create(club=world.club, name="Solidaire", discount_rate=D(50))
        HouseholdTariff.objects.create(household=world.household_a1, category=category, review_on=TODAY)
        services.set_pledge(household=world.household_b1, mode="round_up")
        services.receive_for_fund(club=world.club, fund="solidarity", amount="2", method="cash", source="Don", date=TODAY)
        cycle, milk, bread = closed_cycle(world)
        fees = 0
        parties = {"a1": world.household_a1, "b1": world.household_b1, "farm": world.farm, "bakery": world.bakery}
        for operation in operations:
            kind = operation[0]
            if kind == "pay":
                services.record_payment(club=world.club, household=parties[operation[1]], amount=D(operation[2]) / 100,
                                        method="transfer", date=TODAY)
            elif kind == "producer":
                services.record_payment(club=world.club, producer=parties[operation[1]], amount=D(operation[2]) / 100,
                                        method="transfer", date=TODAY)
            elif kind == "reverse":
                payments = list(Payment.objects.filter(transaction__reversed_by__isnull=True).order_by("pk"))
                if payments:
                    target = payments[operation[1] % len(payments)].transaction
                    before = {a.pk: b for a, b in services.balances(world.club)}
                    touched = set(Entry.objects.filter(transaction=target).values_list("account_id", flat=True))
                    services.reverse(transaction_id=target.pk, club=world.club)
                    after = {a.pk: b for a, b in services.balances(world.club)}
                    for account_id in touched:
                        moved = sum((e.amount for e in Entry.objects.filter(transaction=target, account_id=account_id)), D(0))
                        assert after[account_id] == before[account_id] - moved
            elif kind == "deliver":
                record_deliveries(cycle.pk, {bread.pk: D(operation[1])})
            elif kind == "donate":
                services.receive_for_fund(club=world.club, fund=operation[1], amount=D(operation[2]) / 100, method="transfer",
                                          source="Don", date=TODAY)
            elif kind == "payout":
                try:
                    services.guarantee_payout(club=world.club, producer=world.farm, amount=D(operation[1]) / 100,
                                              reason="Grêle", date=TODAY)
                except ActionError:
                    pass  # beyond what the fund holds: refused, nothing written (checked below)
            elif kind == "fee":
                fees += 1
                try:
                    with transaction.atomic():  # as approving or renewing does: a refused fee leaves nothing
                        start_membership(household=world.household_b2, group=world.group_b, paid_by_fund=operation[1],
                                         starts_on=TODAY.replace(year=TODAY.year + fees))
                except ActionError:
                    pass
            else:
                services.issue_invoices(cycle, date=TODAY)
            assert check_ledger() == []
            assert services.fund_available(world.club, "solidarity") >= 0
            assert services.fund_available(world.club, "guarantee") >= 0
        totals = {a.pk: b for a, b in services.balances(world.club)}
        for account_id, balance in totals.items():
            assert balance == sum((e.amount for e in Entry.objects.filter(account_id=account_id)), D("0.00"))


def test_a_transfer_with_the_account_reference_is_matched(world):
    from cabas.finance.references import parse_reference

    FinanceSettings.objects.create(club=world.club, legal_name="GAC", reference_scheme="be")
    closed_cycle(world)
    reference = services.account_reference("be", world.household_b1.pk)
    data = camt(amount_1="5.20", reference_1=reference, amount_2="1.00")
    outcome = services.import_statement(club=world.club, data=data, filename="releve.xml")
    assert outcome.matched == 1 and balance(world.household_b1) == 0
    assert parse_reference(reference) == "".join(ch for ch in reference if ch.isdigit())


def test_a_price_corrected_at_reception_is_posted_and_invoiced_again(world, login):
    from django.urls import reverse

    cycle, milk, bread = closed_cycle(world)
    services.issue_invoices(cycle, date=TODAY)
    client = login(world.coordinator)
    data = {f"delivered-{o.pk}": "" for o in Offer.objects.filter(cycle=cycle)}
    data.update({f"price-{o.pk}": str(o.unit_price).replace(".", ",") for o in Offer.objects.filter(cycle=cycle)})
    data[f"price-{bread.pk}"] = "-1"
    assert client.post(reverse("cycle-preview", args=[cycle.pk]), data).status_code == 400
    data[f"price-{bread.pk}"] = "5,00"  # the baker charged 5,00 instead of 5,20
    assert client.post(reverse("cycle-preview", args=[cycle.pk]), data).status_code == 302
    assert balance(world.household_a1) == D("3.90") + D("10.00") and balance(producer=world.bakery) == D("-15.00")
    assert services.issue_invoices(cycle, date=TODAY) == 4  # two credit notes, two new invoices
    assert not check_ledger()


def test_a_guarantee_contribution_paid_out_is_not_given_back_at_reception(world):
    """Found by the sequence test above: a cycle's guarantee contributions are paid out to a producer, then
    reception lowers the cycle's amounts; giving the contributions back would take the fund below zero. They stay
    as posted (b1's whole order, its only line, is not delivered: its contribution stays too)."""
    from cabas.finance.models import FinanceSettings

    FinanceSettings.objects.create(club=world.club, legal_name="Club", guarantee_percent=D("10"))
    cycle, milk, bread = closed_cycle(world)
    held = services.fund_available(world.club, "guarantee")
    assert held == D("1.43") + D("0.52")
    services.guarantee_payout(club=world.club, producer=world.farm, amount=held, reason="Grêle", date=TODAY)
    record_deliveries(cycle.pk, {bread.pk: D(0), milk.pk: D(1)})
    assert services.fund_available(world.club, "guarantee") == 0
    assert check_ledger() == []
    # with the fund holding enough again, a later reception lowers the contributions as usual
    services.receive_for_fund(club=world.club, fund="guarantee", amount="5", method="cash", source="Don", date=TODAY)
    record_deliveries(cycle.pk, {bread.pk: D(1), milk.pk: D(1)})
    assert services.fund_available(world.club, "guarantee") == D("5") - D("1.43") - D("0.52") + D("0.13") + D("0.52")
    assert check_ledger() == []
