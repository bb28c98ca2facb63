"""Returnable containers and their deposits: the arithmetic (pure), the deposits charged at the closing and at
reception, the containers brought back at the depot and refunded, and the pages."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cabas.catalog.models import Container, Product, ProducerAccount, Unit
from cabas.core.errors import ActionError
from cabas.distribution.models import ContainerReturn, Distribution
from cabas.finance.checks import check_ledger
from cabas.finance.deposits import deposits_key, returns_key
from cabas.finance.models import CLUB_ACCOUNTS, Account, AccountKind, Entry, Invoice, LedgerTransaction, from_cents
from cabas.finance.services import issue_invoices
from cabas.members.models import Household
from cabas.flows import close_cycle, record_container_returns, record_deliveries, save_order
from cabas.ordering import deposits
from cabas.ordering.deposits import ChargedLine, ReturnProblem
from cabas.ordering.models import Offer

D = Decimal


# --- the arithmetic ---------------------------------------------------------------------------------------


def test_containers_are_the_order_steps_times_the_containers_per_step():
    assert deposits.containers(D("6"), D("1")) == 6
    assert deposits.containers(D("2"), D("0.5")) == 4
    assert deposits.containers(D("8"), D("4"), 4) == 8  # two packs of four yoghurts
    assert deposits.containers(D("0"), D("1")) == 0
    assert deposits.containers(D("-1"), D("1")) == 0


def test_a_partial_step_still_came_in_a_container():
    assert deposits.containers(D("1.2"), D("0.5")) == 3


def test_counted_and_charged_per_household():
    lines = [ChargedLine(1, 10, D("6"), D("1"), 1, D("0.50")), ChargedLine(1, 20, D("2"), D("0.5"), 1, D("1.00")),
             ChargedLine(2, 10, D("2"), D("1"), 1, D("0.50")), ChargedLine(1, 10, D("3"), D("1"), 1, D("0.40")),
             ChargedLine(3, 10, D("0"), D("1"), 1, D("0.50"))]
    assert deposits.counted(lines) == {(1, 10): 9, (1, 20): 4, (2, 10): 2}
    # each line at its own frozen deposit
    assert deposits.charges(lines) == {1: D("8.20"), 2: D("1.00")}


def test_refunds_and_balances():
    assert deposits.refunds({(1, 10): 2, (2, 10): 0, (1, 20): 1}, {(1, 10): D("0.50"), (2, 10): D("0.50"),
                                                                    (1, 20): D("1.00")}) == {1: D("2.00")}
    charged = {(1, 10): 6, (1, 20): 4, (2, 10): 2}
    returned = {(1, 10): 6, (1, 20): 1}
    assert deposits.balances(charged, returned) == {(1, 20): 3, (2, 10): 2}
    assert deposits.per_container({(1, 20): 3, (2, 10): 2, (3, 10): 1}) == {20: 3, 10: 3}


def test_check_returns_refuses_more_than_held_and_negative_counts():
    charged = {(1, 10): 6, (2, 10): 2}
    elsewhere = {(1, 10): 4}
    assert deposits.check_returns({(1, 10): 2, (2, 10): 2}, charged, elsewhere) == []
    assert deposits.check_returns({(1, 10): 3, (2, 10): -1, (3, 10): 1}, charged, elsewhere) == [
        ReturnProblem(1, 10, 3, 2), ReturnProblem(2, 10, -1, 2), ReturnProblem(3, 10, 1, 0)]


# --- the ledger ---------------------------------------------------------------------------------------------


@pytest.fixture
def jars(world):
    """A yoghurt in a 0.50 € jar, the milk in 1.00 € bottles (one per 0.5 l step), a cycle of them ordered by
    households a1 (6 yoghurts, 2 l), a2 (2 yoghurts) and b1 (bread only)."""
    jar = Container.objects.create(club=world.club, name="Pot de yaourt", deposit=D("0.50"), producer=world.farm)
    bottle = Container.objects.create(club=world.club, name="Bouteille de lait", deposit=D("1.00"), producer=world.farm)
    yoghurt = Product.objects.create(producer=world.farm, category=world.lait, name="Yaourt nature", unit=Unit.PIECE,
                                     unit_price=D("0.80"), vat_rate=D("5.5"), container=jar)
    world.milk.container = bottle
    world.milk.save()
    cycle = world.open_cycle(products=[world.milk, yoghurt, world.bread])
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    save_order(cycle=cycle, household=world.household_a1,
               quantities={offers[yoghurt.pk].pk: D("6"), offers[world.milk.pk].pk: D("2")})
    save_order(cycle=cycle, household=world.household_a2, quantities={offers[yoghurt.pk].pk: D("2")})
    save_order(cycle=cycle, household=world.household_b1, quantities={offers[world.bread.pk].pk: D("1")})
    world.jar, world.bottle, world.yoghurt, world.cycle, world.offers = jar, bottle, yoghurt, cycle, offers
    return world


def posted(prefix: str) -> dict[int, Decimal]:
    """Balance per household (None: the deposits account) of what is posted under a key and its adjustments."""
    rows = (Entry.objects.filter(Q(transaction__key=prefix) | Q(transaction__key__startswith=prefix + ":"))
            .values("account__household_id").annotate(t=Sum("cents")))
    return {row["account__household_id"]: from_cents(row["t"]) for row in rows if row["t"]}


def test_the_offer_freezes_the_container_and_its_deposit(jars):
    offer = jars.offers[jars.yoghurt.pk]
    assert (offer.container_id, offer.container_deposit, offer.containers_per_step) == (jars.jar.pk, D("0.50"), 1)
    assert jars.offers[jars.bread.pk].container_id is None
    Container.objects.filter(pk=jars.jar.pk).update(deposit=D("0.70"))  # after opening: not this cycle's
    close_cycle(jars.cycle.pk)
    assert posted(deposits_key(jars.cycle.pk))[jars.household_a2.pk] == D("1.00")


def test_the_closing_charges_the_deposits_against_the_deposits_account(jars):
    close_cycle(jars.cycle.pk)
    a1, a2 = jars.household_a1.pk, jars.household_a2.pk
    assert posted(deposits_key(jars.cycle.pk)) == {a1: D("7.00"), a2: D("1.00"), None: D("-8.00")}
    held = Account.objects.get(club=jars.club, kind=AccountKind.DEPOSITS)
    assert (held.code, held.name) == CLUB_ACCOUNTS[AccountKind.DEPOSITS]
    assert LedgerTransaction.objects.filter(key__startswith="deposits:").count() == 1
    assert close_cycle(jars.cycle.pk).closed_now is False  # closing again posts nothing
    assert LedgerTransaction.objects.filter(key__startswith="deposits:").count() == 1
    assert check_ledger() == []


def test_reception_posts_the_difference(jars):
    close_cycle(jars.cycle.pk)
    # only 4 yoghurts delivered: shared out 2 and 2
    record_deliveries(jars.cycle.pk, {jars.offers[jars.yoghurt.pk].pk: D("4")})
    a1, a2 = jars.household_a1.pk, jars.household_a2.pk
    assert posted(deposits_key(jars.cycle.pk)) == {a1: D("5.00"), a2: D("1.00"), None: D("-6.00")}
    assert LedgerTransaction.objects.filter(key=deposits_key(jars.cycle.pk) + ":1").exists()
    count = LedgerTransaction.objects.count()
    record_deliveries(jars.cycle.pk, {jars.offers[jars.yoghurt.pk].pk: D("4")})  # the same: nothing
    assert LedgerTransaction.objects.count() == count
    assert check_ledger() == []


def distribution_a(world):
    return Distribution.objects.get(cycle=world.cycle, group=world.group_a)


def test_containers_brought_back_are_refunded_once_and_corrected_by_difference(jars):
    close_cycle(jars.cycle.pk)
    dist = distribution_a(jars)
    a1, a2 = jars.household_a1.pk, jars.household_a2.pk
    assert record_container_returns(dist.pk, {(a1, jars.jar.pk): 4, (a1, jars.bottle.pk): 2, (a2, jars.jar.pk): 0}) == 2
    assert posted(returns_key(dist.pk)) == {a1: D("-4.00"), None: D("4.00")}
    count = LedgerTransaction.objects.count()
    assert record_container_returns(dist.pk, {(a1, jars.jar.pk): 4, (a1, jars.bottle.pk): 2}) == 0  # resubmitted
    assert LedgerTransaction.objects.count() == count
    record_container_returns(dist.pk, {(a1, jars.jar.pk): 3, (a2, jars.jar.pk): 2})  # a correction, and a2's
    assert LedgerTransaction.objects.count() == count + 1  # one transaction per save
    assert posted(returns_key(dist.pk)) == {a1: D("-3.50"), a2: D("-1.00"), None: D("4.50")}
    record_container_returns(dist.pk, {(a1, jars.bottle.pk): 0})  # no bottle after all: the row goes
    assert not ContainerReturn.objects.filter(household_id=a1, container=jars.bottle).exists()
    # the deposits account holds what is still out: 8.00 charged, 2.50 refunded
    held = Account.objects.get(club=jars.club, kind=AccountKind.DEPOSITS)
    assert from_cents(held.entries.aggregate(t=Sum("cents"))["t"]) == D("-5.50")
    assert check_ledger() == []


def test_a_household_cannot_bring_back_more_than_it_holds(jars):
    close_cycle(jars.cycle.pk)
    dist = distribution_a(jars)
    a1 = jars.household_a1.pk
    record_container_returns(dist.pk, {(a1, jars.jar.pk): 5})
    with pytest.raises(ActionError) as error:
        record_container_returns(dist.pk, {(a1, jars.jar.pk): 7, (a1, jars.bottle.pk): 1})
    assert error.value.field_errors == {
        f"r-{a1}-{jars.jar.pk}": "Foyer Le Goff n'a que 6 × Pot de yaourt : il ne peut pas en rapporter 7."}
    assert ContainerReturn.objects.get(household_id=a1, container=jars.jar).quantity == 5  # nothing written
    assert not ContainerReturn.objects.filter(container=jars.bottle).exists()
    # a household of another group, a container of another club
    with pytest.raises(ActionError):
        record_container_returns(dist.pk, {(jars.household_b1.pk, jars.jar.pk): 1})
    other = Container.objects.create(club=jars.other_club()[0], name="Cagette", deposit=D("2.00"))
    with pytest.raises(ActionError):
        record_container_returns(dist.pk, {(a1, other.pk): 1})
    assert check_ledger() == []


# --- the pages ----------------------------------------------------------------------------------------------


def returns_url(world, group=None):
    return reverse("container-returns", args=[world.cycle.pk, (group or world.group_a).pk])


def test_the_returns_page_is_for_the_groups_coordinators(jars, client):
    close_cycle(jars.cycle.pk)
    client.force_login(jars.group_coordinator_a)
    page = client.get(returns_url(jars))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Emballages rapportés" in html and "Foyer Le Goff" in html and "Pot de yaourt" in html
    assert "Foyer Bernard" not in html
    assert client.get(returns_url(jars, jars.group_b)).status_code == 404  # another group's distribution
    client.force_login(jars.member_a1)
    assert client.get(returns_url(jars)).status_code == 403
    client.force_login(jars.coordinator)  # the club's coordinator sees every group
    assert client.get(returns_url(jars, jars.group_b)).status_code == 200


def test_recording_returns_on_the_page(jars, client):
    close_cycle(jars.cycle.pk)
    client.force_login(jars.group_coordinator_a)
    a1, a2, jar = jars.household_a1.pk, jars.household_a2.pk, jars.jar.pk
    response = client.post(returns_url(jars), {f"r-{a1}-{jar}": "4", f"r-{a2}-{jar}": "", f"r-{a1}-{jars.bottle.pk}": " "})
    assert response.status_code == 302
    assert posted(returns_key(distribution_a(jars).pk)) == {a1: D("-2.00"), None: D("2.00")}
    page = client.get(returns_url(jars)).content.decode()
    assert 'value="4"' in page
    client.force_login(jars.member_a1)
    account = client.get(reverse("account")).content.decode()
    assert "Mes consignes" in account and "2 × Pot de yaourt" in account and "4 × Bouteille de lait" in account


@pytest.mark.parametrize("raw", ["-1", "2,5", "abc", "1e3", "9999999", "²"])
def test_bad_counts_are_refused_in_french_and_nothing_is_written(jars, client, raw):
    close_cycle(jars.cycle.pk)
    client.force_login(jars.group_coordinator_a)
    a1, a2, jar = jars.household_a1.pk, jars.household_a2.pk, jars.jar.pk
    count = LedgerTransaction.objects.count()
    response = client.post(returns_url(jars), {f"r-{a1}-{jar}": raw, f"r-{a2}-{jar}": "1"})
    assert response.status_code == 400
    assert "Donnez un nombre entier d'emballages" in html.unescape(response.content.decode())
    assert not ContainerReturn.objects.exists() and LedgerTransaction.objects.count() == count


def test_more_than_held_or_foreign_ids_on_the_page(jars, client):
    close_cycle(jars.cycle.pk)
    client.force_login(jars.group_coordinator_a)
    a1, jar = jars.household_a1.pk, jars.jar.pk
    response = client.post(returns_url(jars), {f"r-{a1}-{jar}": "9"})
    assert response.status_code == 400
    assert "Foyer Le Goff n&#x27;a que 6 × Pot de yaourt" in response.content.decode()
    response = client.post(returns_url(jars), {f"r-{jars.household_b1.pk}-{jar}": "1"})
    assert response.status_code == 400
    assert "n&#x27;est pas de cette distribution" in response.content.decode()
    assert not ContainerReturn.objects.exists()


def test_the_deposit_on_the_order_page_the_invoice_and_for_the_producer(jars, client):
    close_cycle(jars.cycle.pk)
    client.force_login(jars.member_a1)
    page = client.get(reverse("order", args=[jars.cycle.pk])).content.decode()
    assert "Consigne : 6 × Pot de yaourt à 0,50\xa0€ : +3,00\xa0€" in page
    assert "Consigne : 4 × Bouteille de lait à 1,00\xa0€ : +4,00\xa0€" in page
    issue_invoices(jars.cycle)
    invoice = Invoice.objects.get(household=jars.household_a1)
    assert [line for line in invoice.fund_lines if line["kind"] == "deposit"] == [
        {"label": "Consigne : 4 × Bouteille de lait à 1,00\xa0€", "amount": "4.00", "kind": "deposit"},
        {"label": "Consigne : 6 × Pot de yaourt à 0,50\xa0€", "amount": "3.00", "kind": "deposit"}]
    assert invoice.amount_due == invoice.amount_incl_vat + D("7.00")
    assert client.get(reverse("invoice-pdf", args=[invoice.pk])).status_code == 200
    assert issue_invoices(jars.cycle) == 0  # nothing changed
    record_container_returns(distribution_a(jars).pk, {(jars.household_a1.pk, jars.jar.pk): 6})
    farmer = jars.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=farmer, producer=jars.farm)
    client.force_login(farmer)
    page = client.get(reverse("producer-home")).content.decode()
    assert "Emballages à reprendre" in page and "Pot de yaourt" in page
    client.force_login(jars.coordinator)
    page = client.get(reverse("cycle-detail", args=[jars.cycle.pk])).content.decode()
    assert "Emballages à reprendre" in page and "Dépôt GAC de Rennes" in page


def test_the_order_page_tells_the_deposit_before_ordering(jars, client):
    client.force_login(jars.member_a1)
    page = client.get(reverse("order", args=[jars.cycle.pk])).content.decode()
    assert "+ consigne 0,50\xa0€ par Pot de yaourt, remboursée quand vous le rapportez" in page


# --- the returns page costs the same for 2 and 24 households --------------------------------------------------

RETURNS_PAGE_QUERIES = 9  # session, user, roles, cycle+club, distribution+group+depot, households, containers charged,
# containers brought back, the containers


def test_the_returns_page_costs_the_same_whatever_the_number_of_households(jars, client):
    def measure():
        client.force_login(jars.group_coordinator_a)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(returns_url(jars)).status_code == 200
        return len(ctx.captured_queries), ctx

    close_cycle(jars.cycle.pk)
    record_container_returns(distribution_a(jars).pk, {(jars.household_a1.pk, jars.jar.pk): 2})
    small, ctx = measure()
    # a larger group, more containers and products, a second cycle
    crate = Container.objects.create(club=jars.club, name="Cagette", deposit=D("2.00"))
    products = [Product.objects.create(producer=jars.farm, category=jars.legumes, name=f"Légume {i}", unit=Unit.KILOGRAM,
                                       unit_price=D("2.00"), order_step=D("1"), container=crate) for i in range(5)]
    households = Household.objects.bulk_create(Household(group=jars.group_a, name=f"Foyer {i:02d}") for i in range(22))
    jars.cycle = jars.open_cycle(products=[jars.yoghurt, jars.milk, *products], name="Semaine 48")
    offers = list(Offer.objects.filter(cycle=jars.cycle))
    for household in households:
        save_order(cycle=jars.cycle, household=household, quantities={o.pk: o.order_step * 2 for o in offers})
    close_cycle(jars.cycle.pk)
    record_container_returns(distribution_a(jars).pk, {(h.pk, crate.pk): 1 for h in households})
    large, ctx_large = measure()
    assert small == large == RETURNS_PAGE_QUERIES, "\n".join(q["sql"][:150] for q in ctx_large.captured_queries)
