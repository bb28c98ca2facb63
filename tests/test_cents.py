"""Cents that add up, through the real closing: an offer comes to its whole quantity × its price (rounded once,
to the cent), its households' amounts add up to exactly that, and so do the producer sheet (page, CSV), the
summaries, the picking lists, the invoices and the ledger — after the closing and after a reception."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from cabas.core.money import ZERO, line_amount
from cabas.distribution.documents import producer_sheet
from cabas.distribution.models import PickingList, ProducerSheet
from cabas.finance.checks import check_ledger
from cabas.finance.models import AccountKind, Entry, Invoice, InvoiceKind
from cabas.finance.services import issue_invoices
from cabas.flows import close_cycle, record_deliveries, save_order
from cabas.members.models import Household
from cabas.ordering.models import Allocation, Offer, OrderSummary

D = Decimal


@pytest.fixture
def issue(world):
    """The issue's example: 30 l of milk at 1,35 € by the quarter litre over four households (7,75 l × 3 and
    6,75 l: 40,49 € when each was rounded on its own) and 10 kg of carrots at 2,20 € by 10 g over five
    (2,02 kg × 3 and 1,97 kg × 2: 21,98 €)."""
    world.milk.unit_price, world.milk.order_step = D("1.35"), D("0.25")
    world.milk.save()
    world.carrots.unit_price, world.carrots.order_step = D("2.20"), D("0.01")
    world.carrots.save()
    world.household_b3 = Household.objects.create(group=world.group_b, name="Foyer Roux")
    cycle = world.open_cycle(products=[world.milk, world.carrots])
    milk, carrots = (Offer.objects.get(cycle=cycle, product=p) for p in (world.milk, world.carrots))
    households = [world.household_a1, world.household_a2, world.household_b1, world.household_b2, world.household_b3]
    for household, litres, kilos in zip(households, ["7,75", "7,75", "7,75", "6,75", None], ["2,02", "2,02", "2,02", "1,97", "1,97"]):
        quantities = {carrots.pk: kilos} | ({milk.pk: litres} if litres else {})
        save_order(cycle=cycle, household=household, quantities=quantities)
    close_cycle(cycle.pk)
    cycle.refresh_from_db()
    return cycle, milk, carrots


def amounts(cycle, offer):
    return {a.household_id: a.amount_incl_vat for a in Allocation.objects.filter(cycle=cycle, offer=offer)}


def household_money(cycle):
    return sum(OrderSummary.objects.filter(cycle=cycle).values_list("amount_incl_vat", flat=True), ZERO)


def assert_everything_adds_up(cycle):
    """Per offer, the households' amounts add up to its quantity × price; the documents and the ledger follow."""
    producers = {}
    for offer in Offer.objects.filter(cycle=cycle):
        rows = Allocation.objects.filter(cycle=cycle, offer=offer)
        quantity = sum((a.quantity for a in rows), D(0))
        assert sum((a.amount_incl_vat for a in rows), ZERO) == line_amount(quantity, offer.unit_price)
        for a in rows:
            assert abs(a.amount_incl_vat - a.quantity * offer.unit_price) < D("0.01")
        producers[offer.producer_id] = producers.get(offer.producer_id, ZERO) + line_amount(quantity, offer.unit_price)
    sheets = dict(ProducerSheet.objects.filter(cycle=cycle).values_list("producer_id", "amount_incl_vat"))
    assert sheets == {p: amount for p, amount in producers.items() if amount}
    total = sum(producers.values(), ZERO)
    assert household_money(cycle) == total
    picking = PickingList.objects.filter(distribution__cycle=cycle).aggregate(t=Sum("amount_incl_vat"))["t"]
    assert picking == total
    # the ledger: households owe exactly what producers are owed, and ledger-check finds nothing
    owed = Entry.objects.filter(account__kind=AccountKind.HOUSEHOLD).aggregate(c=Sum("cents"))["c"]
    due = Entry.objects.filter(account__kind=AccountKind.PRODUCER).aggregate(c=Sum("cents"))["c"]
    assert owed == -due == int(total * 100)
    assert check_ledger() == []


def test_the_households_amounts_add_up_to_quantity_times_price(world, issue):
    cycle, milk, carrots = issue
    a1, a2, b1, b2, b3 = (h.pk for h in (world.household_a1, world.household_a2, world.household_b1,
                                          world.household_b2, world.household_b3))
    # each rounded down drops a fraction of a cent, all equal: the cents left go to the lowest household ids
    assert amounts(cycle, milk) == {a1: D("10.47"), a2: D("10.46"), b1: D("10.46"), b2: D("9.11")}
    assert amounts(cycle, carrots) == {a1: D("4.45"), a2: D("4.45"), b1: D("4.44"), b2: D("4.33"), b3: D("4.33")}
    assert sum(amounts(cycle, milk).values()) == D("40.50")
    assert sum(amounts(cycle, carrots).values()) == D("22.00")
    sheet = ProducerSheet.objects.get(cycle=cycle, producer=world.farm)
    assert sheet.amount_incl_vat == D("62.50")
    assert sheet.amount_excl_vat + sheet.vat == sheet.amount_incl_vat
    assert_everything_adds_up(cycle)


def test_the_producer_sheet_shows_quantity_times_price(world, issue, login):
    cycle, milk, carrots = issue
    doc = producer_sheet(cycle, ProducerSheet.objects.get(cycle=cycle, producer=world.farm))
    assert {(r.offer.pk, r.quantity, r.amount_incl_vat) for r in doc.rows} == {(milk.pk, D(30), D("40.50")),
                                                                              (carrots.pk, D(10), D("22.00"))}
    assert sum(doc.column_totals, ZERO) == D("62.50")
    coordinator = login(world.coordinator)
    page = coordinator.get(reverse("producer-sheet", args=[cycle.pk, world.farm.pk])).content.decode()
    assert "40,50" in page and "22,00" in page and "62,50" in page
    assert "40,49" not in page and "21,98" not in page
    response = coordinator.get(reverse("producer-sheet-file", args=[cycle.pk, world.farm.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    by_name = {row[1]: row for row in rows[1:-1]}
    assert by_name["Lait cru"][3] == "1,35" and by_name["Lait cru"][-2:] == ["30", "40,50"]
    assert by_name["Carottes"][3] == "2,20" and by_name["Carottes"][-2:] == ["10", "22,00"]
    assert rows[-1][-1] == "62,50"


def test_an_invoice_line_is_the_allocation_amount(world, issue):
    cycle, milk, _carrots = issue
    issue_invoices(cycle)
    allocations = {(a.household_id, a.offer.name): a.amount_incl_vat
                   for a in Allocation.objects.filter(cycle=cycle).select_related("offer")}
    summaries = dict(OrderSummary.objects.filter(cycle=cycle).values_list("household_id", "amount_incl_vat"))
    invoices = list(Invoice.objects.filter(cycle=cycle, kind=InvoiceKind.INVOICE))
    assert len(invoices) == 5
    for invoice in invoices:
        assert {(invoice.household_id, line["name"]): D(line["amount"]) for line in invoice.lines} == {
            k: v for k, v in allocations.items() if k[0] == invoice.household_id}
        assert invoice.amount_incl_vat == summaries[invoice.household_id]
    assert sum((i.amount_incl_vat for i in invoices), ZERO) == D("62.50")


def test_reception_prices_the_same_way(world, issue):
    cycle, milk, carrots = issue
    # 29,5 l delivered (rationed), carrots at a corrected price of 2,35 €
    record_deliveries(cycle.pk, {milk.pk: D("29.5")}, prices={carrots.pk: D("2.35")})
    assert sum(amounts(cycle, milk).values()) == line_amount(
        sum(Allocation.objects.filter(cycle=cycle, offer=milk).values_list("quantity", flat=True), D(0)), D("1.35"))
    assert sum(amounts(cycle, carrots).values()) == D("23.50")
    assert_everything_adds_up(cycle)
    issue_invoices(cycle)
    assert check_ledger() == []
