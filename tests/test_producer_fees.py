"""Producers' yearly membership fee: the amount the club asks, posted once a year to each producer's account
(idempotent per producer and year), shown on the producer's statement."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabas.catalog.models import Producer, ProducerAccount
from cabas.core.errors import ActionError
from cabas.finance import producer_fees, services
from cabas.finance.checks import check_ledger
from cabas.finance.models import Account, Entry, LedgerTransaction
from cabas.flows import close_cycle, save_order
from cabas.members.models import Role, RoleKind
from cabas.members.services import set_producer_fee
from cabas.web.views import money as money_views

TODAY = timezone.localdate()


def producer_balance(producer) -> D:
    return sum((e.amount for e in Entry.objects.filter(account__producer=producer)), D("0.00"))


def treasurer(world):
    user = world.user("tresorier@example.org", None)
    Role.objects.create(user=user, kind=RoleKind.TREASURER, club=world.club)
    return user


def test_the_years_fee_is_posted_once_per_producer(world):
    with pytest.raises(ActionError, match="cotisation"):  # the club asks none yet
        producer_fees.post_producer_fees(club=world.club, year=TODAY.year, producer_ids=[world.farm.pk])
    set_producer_fee(club=world.club, amount=D("25"))
    posted = producer_fees.post_producer_fees(club=world.club, year=TODAY.year,
                                              producer_ids=[world.farm.pk, world.bakery.pk], by_user=world.coordinator)
    assert [(p.producer_id, p.amount) for p in posted] == [(world.farm.pk, D("25.00")), (world.bakery.pk, D("25.00"))]
    assert producer_balance(world.farm) == D("25.00")  # debited: the club pays the producer that much less
    fees = Account.objects.get(club=world.club, code="756000")
    assert sum(e.amount for e in Entry.objects.filter(account=fees)) == D("-50.00")
    assert check_ledger() == []
    # twice: nothing more
    assert producer_fees.post_producer_fees(club=world.club, year=TODAY.year, producer_ids=[world.farm.pk]) == []
    assert producer_balance(world.farm) == D("25.00")
    # last year is another year; the year before, refused
    producer_fees.post_producer_fees(club=world.club, year=TODAY.year - 1, producer_ids=[world.farm.pk])
    assert producer_balance(world.farm) == D("50.00")
    assert LedgerTransaction.objects.get(key=f"producer-fee:{world.farm.pk}:{TODAY.year - 1}").date == \
        datetime.date(TODAY.year - 1, 12, 31)
    with pytest.raises(ActionError):
        producer_fees.post_producer_fees(club=world.club, year=TODAY.year - 2, producer_ids=[world.farm.pk])
    # a fee reversed (a mistake) may be posted again, under the next key
    record = LedgerTransaction.objects.get(key=f"producer-fee:{world.farm.pk}:{TODAY.year}")
    services.reverse(transaction_id=record.pk, club=world.club)
    assert world.farm.pk not in producer_fees.posted_fees(world.club, TODAY.year)
    again = producer_fees.post_producer_fees(club=world.club, year=TODAY.year, producer_ids=[world.farm.pk])
    assert len(again) == 1 and LedgerTransaction.objects.filter(key=f"producer-fee:{world.farm.pk}:{TODAY.year}:2").exists()
    assert producer_balance(world.farm) == D("50.00")
    assert check_ledger() == []


def test_another_clubs_producer_is_refused(world):
    _club, _group, _household, other_producer, _product = world.other_club()
    set_producer_fee(club=world.club, amount=D("10"))
    with pytest.raises(ActionError):
        producer_fees.post_producer_fees(club=world.club, year=TODAY.year, producer_ids=[world.farm.pk, other_producer.pk])
    assert not LedgerTransaction.objects.exists()


def test_the_treasurers_page(world, login):
    client = login(treasurer(world))
    url = reverse("producer-fees", args=[world.club.pk])
    page = client.get(url)
    assert page.status_code == 200 and "ne demande pas de cotisation" in page.content.decode()
    assert url in client.get(reverse("treasury", args=[world.club.pk])).content.decode()
    assert client.post(url, {"action": "amount", "producer_fee": "-3"}).status_code == 400
    assert client.post(url, {"action": "amount", "producer_fee": "30,50"}).status_code == 302
    world.club.refresh_from_db()
    assert world.club.producer_fee == D("30.50")
    response = client.post(url, {"action": "post", "year": TODAY.year, "producers": [world.farm.pk]})
    assert response.status_code == 302
    assert producer_balance(world.farm) == D("30.50") and producer_balance(world.bakery) == D("0.00")
    page = client.get(url).content.decode()
    assert "pas encore comptabilisée" in page and "comptabilisée : 30,50" in page
    again = client.post(url, {"action": "post", "year": TODAY.year, "producers": [world.farm.pk]}, follow=True)
    assert "déjà comptabilisées" in again.content.decode() and producer_balance(world.farm) == D("30.50")
    assert client.post(url, {"action": "post", "year": TODAY.year - 5, "producers": [world.farm.pk]}).status_code == 400
    assert client.post(url, {"action": "post", "year": TODAY.year, "producers": ["999999"]}).status_code == 400
    assert client.post(url, {"action": "amount", "producer_fee": ""}).status_code == 302  # none again
    world.club.refresh_from_db()
    assert world.club.producer_fee is None


def test_who_may_open_the_page(world, login):
    url = reverse("producer-fees", args=[world.club.pk])
    assert login(world.coordinator).get(url).status_code == 200
    assert login(world.member_a1).get(url).status_code == 403
    assert login(world.group_coordinator_a).get(url).status_code == 403
    other_club, *_ = world.other_club()
    stranger = world.user("voisin@example.org", None)
    Role.objects.create(user=stranger, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    assert login(stranger).get(url).status_code == 404
    assert login(stranger).post(url, {"action": "amount", "producer_fee": "99"}).status_code == 404
    world.club.refresh_from_db()
    assert world.club.producer_fee is None
    assert Client().get(url).status_code == 302


def test_the_fee_on_the_producers_statement(world, login, monkeypatch):
    rendered = {}

    def as_html(request, template, context, filename):
        rendered["html"] = render_to_string(template, context, request=request)
        return HttpResponse(rendered["html"])

    monkeypatch.setattr(money_views, "pdf_response", as_html)
    cycle = world.open_cycle()
    save_order(cycle=cycle, household=world.household_a1, quantities={cycle.offers.get(product=world.bread).pk: "2"})
    cycle.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    cycle.save()
    close_cycle(cycle.pk)
    set_producer_fee(club=world.club, amount=D("12"))
    producer_fees.post_producer_fees(club=world.club, year=TODAY.year, producer_ids=[world.bakery.pk])
    baker = world.user("fournil@example.org", None)
    ProducerAccount.objects.create(user=baker, producer=world.bakery)
    assert login(baker).get(reverse("producer-statement", args=[cycle.pk, world.bakery.pk])).status_code == 200
    assert f"{TODAY.year} : 12,00" in rendered["html"] and "Cotisations annuelles" in rendered["html"]


def test_the_page_costs_a_constant_number_of_queries(world, django_assert_num_queries):
    set_producer_fee(club=world.club, amount=D("5"))
    client = Client()
    client.force_login(world.coordinator)
    url = reverse("producer-fees", args=[world.club.pk])

    def measure():
        with django_assert_num_queries(6):  # session, user, roles (and referred producers), club, producers, the year's fees
            assert client.get(url).status_code == 200

    producer_fees.post_producer_fees(club=world.club, year=TODAY.year, producer_ids=[world.farm.pk])
    measure()
    for i in range(8):
        producer = Producer.objects.create(club=world.club, name=f"Ferme {i}")
        if i % 2:
            producer_fees.post_producer_fees(club=world.club, year=TODAY.year, producer_ids=[producer.pk])
    measure()


def test_the_demo_shows_the_fees_the_invitation_and_the_transport_set_up(db, client):
    from io import StringIO

    from django.core.management import call_command

    from cabas.demo.money import TREASURER_EMAIL
    from cabas.finance.checks import check_ledger
    from cabas.members.models import Club, User

    call_command("seed-demo", "--force", stdout=StringIO())
    club = Club.objects.get(slug="pays-de-rennes")
    assert club.producer_fee == D("20.00")
    assert len(producer_fees.posted_fees(club, TODAY.year)) == Producer.objects.filter(club=club).count()
    assert check_ledger() == []
    client.force_login(User.objects.get(email=TREASURER_EMAIL))
    page = client.get(reverse("producer-fees", args=[club.pk])).content.decode()
    assert "comptabilisée : 20,00" in page and "pas encore" not in page
    inviter = User.objects.get(email="membre.rennes@example.org")
    client.force_login(inviter)
    assert "jeanne.invitee@example.org" in client.get(reverse("household-members")).content.decode()
    client.force_login(User.objects.get(email="coordination@example.org"))
    page = client.get(reverse("transport-setup", args=[club.pk])).content.decode()
    assert "plateforme Rennes Sud-Est" in page and "frigorifique" in page
