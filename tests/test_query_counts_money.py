"""Money pages cost the same number of queries for a few entries as for many."""

from decimal import Decimal as D

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cabas.finance import services

from .test_finance_services import TODAY, closed_cycle

EXPECTED = {"account": 9, "treasury": 12}  # account: + the containers charged and brought back (« Mes consignes »); the treasury: +1 for the depots' cash counts


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_money_pages_do_not_grow(world):
    cycle, *_ = closed_cycle(world)
    services.issue_invoices(cycle, date=TODAY)
    member, coordinator = Client(), Client()
    member.force_login(world.member_a1)
    coordinator.force_login(world.coordinator)

    def measure():
        return {"account": count(member, reverse("account")), "treasury": count(coordinator, reverse("treasury", args=[world.club.pk]))}

    small = measure()
    for k in range(30):
        services.record_payment(club=world.club, household=world.household_a1, amount=D("1.00") + k, method="cheque", date=TODAY)
        services.record_payment(club=world.club, producer=world.farm, amount=D("2.00"), method="transfer", date=TODAY)
    services.issue_invoices(cycle, date=TODAY)
    large = measure()
    assert small == large == EXPECTED, (small, large)
