"""Money at the depot: each household's amount for the cycle (after the funds, never its tariff) and balance, payments
taken there (cash, cheque to the club or made out to a producer, card, or paid to a producer who distributes itself),
the cash count and the treasurer's view of it; who may see the page; a producer's own list at a depot."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cabas.catalog.models import Producer, ProducerAccount
from cabas.core.errors import ActionError
from cabas.finance import depot, services
from cabas.finance.checks import check_ledger
from cabas.finance.models import Account, AccountKind, CashCount, Entry, LedgerTransaction, Payment
from cabas.flows import close_cycle, save_order
from cabas.members.models import Household, Role, RoleKind
from cabas.distribution.models import Distribution
from cabas.ordering.models import Offer

from .test_cycle_funds import TODAY, give_tariff


def offers(cycle):
    return {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}


@pytest.fixture
def evening(world):
    """A closed cycle: A1 (solidarity tariff −50 %) ordered 4 loaves (20,80 € at full price), A2 2 l of milk from the
    farm, which distributes itself, and a brioche; B1 a loaf. The solidarity fund holds 100 €."""
    services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="100", method="transfer",
                              source="Don de la mairie", origin="grant", date=TODAY)
    give_tariff(world, world.household_a1, 50)
    Producer.objects.filter(pk=world.farm.pk).update(distributes_itself=True)
    cycle = world.open_cycle()
    o = offers(cycle)
    save_order(cycle=cycle, household=world.household_a1, quantities={o[world.bread.pk].pk: "4"})
    save_order(cycle=cycle, household=world.household_a2, quantities={o[world.milk.pk].pk: "2", o[world.brioche.pk].pk: "1"})
    save_order(cycle=cycle, household=world.household_b1, quantities={o[world.bread.pk].pk: "1"})
    close_cycle(cycle.pk)
    cycle.refresh_from_db()
    return cycle


def url(cycle, group):
    return reverse("depot-money", args=[cycle.pk, group.pk])


def balance(household=None, producer=None):
    account = Account.objects.get(household=household) if household else Account.objects.get(producer=producer)
    return sum((e.amount for e in Entry.objects.filter(account=account)), D("0.00"))


def pay(client, cycle, group, household, **fields):
    data = {"action": "pay", "household": household.pk, "method": "cash", "to": "", "amount": "", **fields}
    return client.post(url(cycle, group), data)


def test_the_page_shows_what_each_household_owes_after_the_funds_and_never_its_tariff(world, evening, login):
    page = login(world.group_coordinator_a).get(url(evening, world.group_a)).content.decode()
    assert "Foyer Le Goff" in page and "Foyer Martin" in page and "Foyer Bernard" not in page  # B1 is at another depot
    assert "10,40" in page  # 4 loaves at half price: what A1's invoice would ask
    assert "20,80" not in page  # its full price is not shown beside it
    for word in ("olidaire", "−50", "-50", "50 %", "arif", "emise", "aisse de solidarit"):
        assert word not in page, word
    # A2: milk from the farm, paid to the farm here, and a brioche
    assert "2,60" in page and "8,60" in page and "Ferme de la Prée" in page


def test_a_cash_payment_a_cheque_to_a_producer_and_a_direct_payment_post_right(world, evening, login):
    client = login(world.group_coordinator_a)
    response = pay(client, evening, world.group_a, world.household_a1, amount="10,40")
    assert response.status_code == 302 and response.url.endswith(f"#foyer-{world.household_a1.pk}")
    cash = Payment.objects.get(household=world.household_a1)
    assert cash.distribution.group == world.group_a and cash.method == "cash" and cash.transaction.journal == "CA"
    assert balance(world.household_a1) == 0

    before_bakery = balance(producer=world.bakery)
    response = pay(client, evening, world.group_a, world.household_a2, amount="6", method="cheque", to=world.bakery.pk,
                   cheque_number="0004512")
    assert response.status_code == 302
    cheque = Payment.objects.get(household=world.household_a2, payee=world.bakery)
    assert cheque.cheque_number == "0004512" and cheque.transaction.journal == "OD"
    # the household owes the club 6 € less, the club owes the bakery 6 € less: no money went through the club
    assert balance(world.household_a2) == D("2.60") and balance(producer=world.bakery) == before_bakery + 6
    assert not Entry.objects.filter(transaction=cheque.transaction, account__kind__in=["bank", "cash"]).exists()

    before_farm = balance(producer=world.farm)
    assert pay(client, evening, world.group_a, world.household_a2, amount="2,60", method="cash", to=world.farm.pk).status_code == 302
    direct = Payment.objects.get(household=world.household_a2, payee=world.farm)
    assert balance(world.household_a2) == 0 and balance(producer=world.farm) == before_farm + D("2.60")
    assert direct.transaction.label == "Payé par Foyer Martin à Ferme de la Prée au dépôt"

    till = depot.depot_till(Distribution.objects.get(cycle=evening, group=world.group_a))
    assert (till.takings.cash, till.takings.cheques, till.takings.to_producers) == (D("10.40"), 0, D("8.60"))
    assert depot.expected_cash(till.distribution) == D("10.40")  # the cash handed to the farm is not in the box
    assert not check_ledger()


def test_bad_input_is_refused_in_french_and_writes_nothing(world, evening, login):
    client = login(world.group_coordinator_a)
    transactions = LedgerTransaction.objects.count()
    cases = [
        ({"amount": "0"}, "supérieur à 0"), ({"amount": "-5"}, "supérieur à 0"), ({"amount": "abc"}, "25,50"),
        ({"amount": "1,234"}, "au centime"), ({"amount": "1000000"}, "au centime"), ({"amount": ""}, "25,50"),
        ({"amount": "5", "method": "transfer"}, "espèces, chèque ou carte"),
        ({"amount": "5", "method": "cheque", "to": world.bakery.pk}, "numéro du chèque"),
        ({"amount": "5", "method": "cash", "to": world.bakery.pk}, "ne se fait pas payer au dépôt"),
        ({"amount": "5", "to": "nope"}, "producteurs de ce cycle"),
        ({"amount": "5", "to": "999999"}, "producteurs de ce cycle"),
        ({"amount": "5", "method": "cheque", "cheque_number": "1" * 31}, "30 caractères"),
    ]
    for fields, message in cases:
        response = pay(client, evening, world.group_a, world.household_a1, **fields)
        assert response.status_code == 400, fields
        assert message in response.content.decode(), (fields, message)
    # a household of another depot, or none
    response = pay(client, evening, world.group_a, world.household_b1, amount="5")
    assert response.status_code == 400 and "foyer du lieu de dépôt" in response.content.decode()
    response = client.post(url(evening, world.group_a), {"action": "pay", "household": "x", "amount": "5", "method": "cash"})
    assert response.status_code == 400
    assert client.post(url(evening, world.group_a), {"action": "drop-tables"}).status_code == 404
    for counted in ("-1", "abc", "", "12,345"):
        response = client.post(url(evening, world.group_a), {"action": "count", "counted": counted})
        assert response.status_code == 400 and "espèces comptées" in response.content.decode()
    assert not Payment.objects.exists() and not CashCount.objects.exists()
    assert LedgerTransaction.objects.count() == transactions and not check_ledger()


def test_the_cash_count_and_the_treasurer_sees_its_difference(world, evening, login):
    client = login(world.group_coordinator_a)
    pay(client, evening, world.group_a, world.household_a1, amount="10,40")
    pay(client, evening, world.group_a, world.household_a2, amount="5", method="card")
    response = client.post(url(evening, world.group_a), {"action": "count", "counted": "10", "note": "une pièce perdue"}, follow=True)
    assert "différence de -0,40" in response.content.decode()
    count = CashCount.objects.get()
    assert (count.counted, count.expected, count.difference, count.by) == (D("10"), D("10.40"), D("-0.40"), world.group_coordinator_a)
    # a cancelled cash payment leaves the box: the page asks to count again
    payment = Payment.objects.get(method="cash")
    client.post(url(evening, world.group_a), {"action": "cancel", "payment": payment.pk})
    assert balance(world.household_a1) == D("10.40") and depot.expected_cash(count.distribution) == 0
    assert "comptez à nouveau" in client.get(url(evening, world.group_a)).content.decode()
    assert not check_ledger()
    # the treasurer sees each depot's counts and differences
    treasurer = world.user("tresorier@example.org", None)
    Role.objects.create(user=treasurer, kind=RoleKind.TREASURER, club=world.club)
    treasury = login(treasurer).get(reverse("treasury", args=[world.club.pk])).content.decode()
    assert "GAC de Rennes" in treasury and "-0,40" in treasury and "une pièce perdue" in treasury
    money = login(treasurer).get(reverse("cycle-money", args=[world.club.pk, evening.pk])).content.decode()
    assert "GAC de Rennes" in money and "-0,40" in money


def test_a_payment_of_another_distribution_cannot_be_cancelled_here(world, evening, login):
    b = login(world.coordinator)
    pay(b, evening, world.group_b, world.household_b1, amount="5,20")
    payment = Payment.objects.get()
    response = login(world.group_coordinator_a).post(url(evening, world.group_a), {"action": "cancel", "payment": payment.pk})
    assert response.status_code == 400 and not LedgerTransaction.objects.filter(reverses=payment.transaction).exists()


def test_who_may_see_the_page(world, evening, login):
    coordinator_b = world.user("coord-b@example.org", world.household_b1)
    Role.objects.create(user=coordinator_b, kind=RoleKind.GROUP_COORDINATOR, club=world.club, group=world.group_b)
    treasurer = world.user("tresorier@example.org", None)
    Role.objects.create(user=treasurer, kind=RoleKind.TREASURER, club=world.club)
    page = url(evening, world.group_a)
    for user in (world.group_coordinator_a, world.coordinator, treasurer):
        assert login(user).get(page).status_code == 200
    assert login(coordinator_b).get(page).status_code == 404
    assert pay(login(coordinator_b), evening, world.group_a, world.household_a1, amount="5").status_code == 404
    assert login(world.member_a1).get(page).status_code == 403
    assert pay(login(world.member_a1), evening, world.group_a, world.household_a1, amount="5").status_code == 403
    other_club, *_rest = world.other_club()
    outsider = world.user("ailleurs@example.org", None)
    Role.objects.create(user=outsider, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    assert login(outsider).get(page).status_code == 404
    open_cycle = world.open_cycle(name="Semaine 48")  # not closed yet: no money at the depot
    assert login(world.coordinator).get(url(open_cycle, world.group_a)).status_code == 404
    assert not Payment.objects.exists()


def test_the_page_costs_the_same_queries_for_many_households_and_payments(world, evening, login):
    client = login(world.group_coordinator_a)

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(evening, world.group_a)).status_code == 200
        return len(ctx.captured_queries)

    small = measure()
    for k in range(8):
        household = Household.objects.create(group=world.group_a, name=f"Foyer {k:02d}")
        services.record_payment(club=world.club, household=household, amount=D("1.00") + k, method="cash", date=TODAY,
                                distribution=Distribution.objects.get(cycle=evening, group=world.group_a))
    pay(client, evening, world.group_a, world.household_a2, amount="2,60", method="cheque", to=world.farm.pk, cheque_number="7")
    client.post(url(evening, world.group_a), {"action": "count", "counted": "36"})
    client.post(url(evening, world.group_a), {"action": "count", "counted": "36"})
    large = measure()
    assert small == large == 12, (small, large)  # pinned: the same on SQLite and PostgreSQL


def test_a_self_distributing_producers_list_at_a_depot(world, evening, login):
    list_url = reverse("producer-depot-list", args=[evening.pk, world.group_a.pk, world.farm.pk])
    page = login(world.group_coordinator_a).get(list_url).content.decode()
    assert "Foyer Martin" in page and "Lait cru" in page and "2,60" in page
    assert "Foyer Le Goff" not in page and "Brioche" not in page  # only what the farm hands out
    pdf = login(world.coordinator).get(reverse("producer-depot-list-file", args=[evening.pk, world.group_a.pk, world.farm.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # the producer's own login and its referent member see it; others do not
    farm_login = world.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=farm_login, producer=world.farm)
    assert login(farm_login).get(list_url).status_code == 200
    referent = world.user("referent@example.org", world.household_b1)
    Producer.objects.filter(pk=world.farm.pk).update(referent=referent)
    assert login(referent).get(list_url).status_code == 200
    bakery_login = world.user("fournil@example.org", None)
    ProducerAccount.objects.create(user=bakery_login, producer=world.bakery)
    assert login(bakery_login).get(list_url).status_code == 403
    assert login(world.member_a1).get(list_url).status_code == 403
    coordinator_b = world.user("coord-b@example.org", None)
    Role.objects.create(user=coordinator_b, kind=RoleKind.GROUP_COORDINATOR, club=world.club, group=world.group_b)
    assert login(coordinator_b).get(list_url).status_code == 404
    # a producer that does not distribute itself has no such list
    bakery_url = reverse("producer-depot-list", args=[evening.pk, world.group_a.pk, world.bakery.pk])
    assert login(world.coordinator).get(bakery_url).status_code == 404
    # the producer's home links to its lists
    home = login(farm_login).get(reverse("producer-home")).content.decode()
    assert list_url in home
    # the depot's money page links to it for the coordinators, not for the treasurers (whom it refuses)
    money_url = reverse("depot-money", args=[evening.pk, world.group_a.pk])
    assert list_url in login(world.group_coordinator_a).get(money_url).content.decode()
    treasurer = world.user("tresorier@example.org", None)
    Role.objects.create(user=treasurer, kind=RoleKind.TREASURER, club=world.club)
    money = login(treasurer).get(money_url).content.decode()
    assert "Ferme de la Prée" in money and list_url not in money
    assert login(treasurer).get(list_url).status_code == 403


def test_the_service_pays_a_producer_directly_only_when_it_distributes_itself(world, evening):
    with pytest.raises(ActionError):  # the bakery is paid by the club: only a cheque can be made out to it
        services.record_payment(club=world.club, household=world.household_a2, amount="2", method="cash", date=TODAY,
                                payee=world.bakery)
    farm = Producer.objects.get(pk=world.farm.pk)
    with pytest.raises(ActionError):  # a transfer reaches the club's bank
        services.record_payment(club=world.club, household=world.household_a2, amount="2", method="transfer", date=TODAY,
                                payee=farm)
    payment = services.record_payment(club=world.club, household=world.household_a2, amount="2", method="card", date=TODAY,
                                      payee=farm)
    assert {e.account.kind: e.amount for e in payment.transaction.entries.select_related("account")} == {
        "producer": D("2.00"), "household": D("-2.00")}
    assert payment.distribution is None and not check_ledger()
