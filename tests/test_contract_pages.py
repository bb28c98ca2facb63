"""Solidarity contracts on Cabas' pages (issue 18): the club's coordinators create and change them (terms, signatures,
products with agreed prices); a cycle opened while a contract runs on its distribution days offers its products at the
agreed price; the producer sees each period's guarantee progress on its own page."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cabas.catalog.models import ProducerAccount
from cabas.contracts import agreed
from cabas.contracts.models import Contract, ContractProduct
from cabas.flows import close_cycle, save_order
from cabas.members.models import Role, RoleKind
from cabas.ordering.models import Offer

DAY = datetime.timedelta(days=1)


def contract_post(world, **changes):
    today = timezone.localdate()
    data = {
        "title": "Pain toute l'année", "frequency": "monthly", "guarantee_kind": "value", "guarantee_amount": "400",
        "guarantee_unit": "", "starts_on": (today - 30 * DAY).isoformat(), "ends_on": (today + 335 * DAY).isoformat(),
        "tacit_renewal": "on", "signed_by_club_on": (today - 40 * DAY).isoformat(),
        "signed_by_producer_on": (today - 38 * DAY).isoformat(), "notes": "Un an pour commencer.",
        f"price-{world.bread.pk}": "4,80", f"price-{world.brioche.pk}": "",
    }
    data.update(changes)
    return data


def test_only_the_club_coordinators_write_contracts(world, client, login):
    create = reverse("contract-create", args=[world.club.pk]) + f"?producteur={world.bakery.pk}"
    assert client.get(create).status_code == 302  # to the login page
    for user in (world.member_a1, world.group_coordinator_a):
        assert login(user).get(create).status_code == 403
        assert login(user).post(create, contract_post(world)).status_code == 403
    assert not Contract.objects.exists()
    _, _, household, _, _ = world.other_club()
    stranger = world.user("brest@example.org", household)
    assert login(stranger).get(create).status_code == 404
    other_coordinator = world.user("coord-brest@example.org", None)
    other_club = household.group.club
    Role.objects.create(user=other_coordinator, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    assert login(other_coordinator).get(create).status_code == 404  # another club's coordinator: not revealed
    # a producer of another club named in the address: the page asks for one of the club's
    page = login(world.coordinator).get(reverse("contract-create", args=[world.club.pk])
                                        + f"?producteur={other_club.producers.get().pk}").content.decode()
    assert world.bakery.name in page and "Ferme du Bout du Monde" not in page


def test_a_coordinator_creates_changes_and_deletes_a_contract(world, login):
    client = login(world.coordinator)
    url = reverse("contract-create", args=[world.club.pk]) + f"?producteur={world.bakery.pk}"
    page = client.get(url).content.decode()
    assert "Pain de campagne" in page and "Lait cru" not in page  # the producer's own products only
    # refused: the end before the start, a volume without its unit — nothing written, the form again
    response = client.post(url, contract_post(world, ends_on="2020-01-01", guarantee_kind="volume"))
    assert response.status_code == 400 and not Contract.objects.exists()
    # an unknown field (a club, a product of another producer) is ignored: the form is the allow-list
    response = client.post(url, contract_post(world, club=999, **{f"price-{world.milk.pk}": "0,10"}))
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert (contract.club, contract.producer, contract.title, contract.tacit_renewal) == (
        world.club, world.bakery, "Pain toute l'année", True)
    assert dict(contract.products.values_list("product_id", "agreed_price")) == {world.bread.pk: D("4.80")}
    # changed: the brioche under contract too, the bread's price agreed anew
    edit = reverse("contract-edit", args=[contract.pk])
    response = client.post(edit, contract_post(world, title="Pain et brioche", signed_by_producer_on="", **{
        f"price-{world.bread.pk}": "5", f"price-{world.brioche.pk}": "5,50"}))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.title == "Pain et brioche" and contract.signed_by_producer_on is None  # not signed after all
    assert dict(contract.products.values_list("product_id", "agreed_price")) == {
        world.bread.pk: D("5.00"), world.brioche.pk: D("5.50")}
    page = client.get(reverse("contracts", args=[world.club.pk])).content.decode()
    assert "Pain et brioche" in page and "5,50" in page
    # it has started: it stays on record
    client.post(reverse("contract-delete", args=[contract.pk]))
    assert Contract.objects.filter(pk=contract.pk).exists()
    Contract.objects.filter(pk=contract.pk).update(starts_on=timezone.localdate() + 10 * DAY,
                                                   ends_on=timezone.localdate() + 100 * DAY)
    client.post(reverse("contract-delete", args=[contract.pk]))
    assert not Contract.objects.exists()


def make_contract(world, *, starts_on, ends_on, prices, title="Contrat"):
    contract = Contract.objects.create(club=world.club, producer=world.farm, title=title, frequency="monthly",
                                       guarantee_kind="value", guarantee_amount=D("50"), starts_on=starts_on, ends_on=ends_on)
    for product, price in prices.items():
        ContractProduct.objects.create(contract=contract, product=product, agreed_price=D(price))
    return contract


def test_a_cycle_opened_under_a_contract_offers_its_agreed_prices(world):
    today = timezone.localdate()
    make_contract(world, starts_on=today - 100 * DAY, ends_on=today + 300 * DAY, prices={world.milk: "1.10"})
    make_contract(world, starts_on=today - 10 * DAY, ends_on=today + 300 * DAY, prices={world.milk: "1.15"},
                  title="Renouvelé")  # started last: it wins
    make_contract(world, starts_on=today - 100 * DAY, ends_on=today + 3 * DAY, prices={world.carrots: "1.90"},
                  title="Fini avant la distribution")
    cycle = world.open_cycle()  # distributions 5 days from now
    prices = dict(Offer.objects.filter(cycle=cycle).values_list("product_id", "unit_price"))
    assert prices[world.milk.pk] == D("1.15")
    assert prices[world.carrots.pk] == world.carrots.unit_price  # the contract ends before the distribution
    assert prices[world.bread.pk] == world.bread.unit_price  # no contract
    world.milk.refresh_from_db()
    assert world.milk.unit_price == D("1.30")  # the catalogue keeps its price


def term(contract_id, start, end, price, product=1):
    return agreed.Term(contract_id=contract_id, product_id=product, starts_on=start, ends_on=end, price=D(price))


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 40), st.integers(0, 9)), max_size=6),
       st.lists(st.integers(0, 60), min_size=1, max_size=4))
def test_the_agreed_price_is_that_of_a_contract_running_every_distribution_day(spans, days):
    origin = datetime.date(2027, 1, 1)
    terms = [term(i, origin + datetime.timedelta(days=s), origin + datetime.timedelta(days=s + n), f"{p}.00")
             for i, (s, n, p) in enumerate(spans)]
    dates = [origin + datetime.timedelta(days=d) for d in days]
    running = [t for t in terms if all(t.starts_on <= d < t.ends_on for d in dates)]
    result = agreed.agreed_prices(terms, dates)
    if not running:
        assert result == {}
    else:
        best = max(running, key=lambda t: (t.starts_on, t.contract_id))
        assert result == {1: best.price}
    assert agreed.agreed_prices(terms, []) == {}


def test_the_producer_sees_each_periods_guarantee_progress(world, login):
    today = timezone.localdate()
    make_contract(world, starts_on=today.replace(day=1), ends_on=today.replace(day=1) + 365 * DAY,
                  prices={world.milk: "1.30", world.carrots: "2.10"}, title="Lait et légumes de la Prée")
    cycle = world.open_cycle()
    save_order(cycle=cycle, household=world.household_a1, quantities={
        Offer.objects.get(cycle=cycle, product=world.carrots).pk: "10"})
    close_cycle(cycle.pk, now=cycle.closes_at + datetime.timedelta(minutes=1))
    farmer = world.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=farmer, producer=world.farm)
    page = login(farmer).get(reverse("producer-home")).content.decode()
    assert "Lait et légumes de la Prée" in page and "de la garantie de la période" in page
    assert "21,00\u00a0€ / 50,00\u00a0€" in page  # 10 kg of carrots at 2.10 € towards the 50 € of the month
    baker = world.user("fournil@example.org", None)  # another producer of the club: not its contract
    ProducerAccount.objects.create(user=baker, producer=world.bakery)
    assert "Lait et légumes de la Prée" not in login(baker).get(reverse("producer-home")).content.decode()


@pytest.mark.parametrize("count", [2, 10])
def test_the_contracts_page_costs_the_same_for_2_and_10_contracts(world, login, count):
    today = timezone.localdate()
    for n in range(count):
        make_contract(world, starts_on=today - 10 * DAY, ends_on=today + 200 * DAY, prices={world.milk: "1.20"},
                      title=f"Contrat {n}")
    client = login(world.coordinator)
    client.get(reverse("contracts", args=[world.club.pk]))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("contracts", args=[world.club.pk])).status_code == 200
    # session, user, club, roles, contracts+producer, their products, the products, the purchases (one aggregate)
    assert len(ctx.captured_queries) == 8
    edit = reverse("contract-edit", args=[Contract.objects.first().pk])
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(edit).status_code == 200
    # session, user, contract+club+producer, its products with theirs, roles, the producer's products
    assert len(ctx.captured_queries) == 6
