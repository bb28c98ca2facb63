"""Dates in a sane range: every date or date-time people type or files hold is checked against the one
range in cabas.core.dates (2000-01-01 to 2100-12-31), with a clear message and nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cabas.core import dates
from cabas.finance import bank
from cabas.finance.models import BankStatement, Payment
from cabas.ordering.allocation import AllocationInputError
from cabas.ordering.models import OrderCycle
from cabas.ordering.scenario import parse_scenario

from .test_finance_rules import camt
from .test_finance_services import TODAY, closed_cycle
from .test_views_input import cycle_form_data
from .test_views_money import treasurer

RANGE_FR = "entre le 01/01/2000 et le 31/12/2100"


@pytest.mark.parametrize("raw", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_a_date_out_of_range_is_refused_by_the_parser(raw):
    with pytest.raises(dates.DateOutOfRange):
        dates.parse_iso_date(raw)


@pytest.mark.parametrize("raw, expected", [("2000-01-01", datetime.date(2000, 1, 1)), ("2100-12-31", datetime.date(2100, 12, 31)),
                                           ("", None), ("pas une date", None), (None, None)])
def test_a_date_in_range_or_unreadable(raw, expected):
    assert dates.parse_iso_date(raw) == expected


def test_date_times_are_checked_by_their_day():
    assert dates.in_range(datetime.datetime(2000, 1, 1, 0, 0))
    assert not dates.in_range(datetime.datetime(1, 1, 1, tzinfo=datetime.UTC))


@pytest.mark.parametrize("field, value", [("opens_at", "0001-01-01T00:00"), ("closes_at", "9999-12-31T23:59"),
                                          ("opens_at", "01/01/1900 10:00")])
def test_a_cycle_with_an_absurd_date_time_is_refused(world, login, field, value):
    client = login(world.coordinator)
    data = cycle_form_data(world, **{field: value})
    if field == "opens_at":
        data["closes_at"] = "2026-01-01T10:00"
    response = client.post(reverse("cycle-create"), data)
    assert response.status_code == 400  # the form again, with its errors
    assert RANGE_FR in response.content.decode()
    assert not OrderCycle.objects.exists()
    assert client.get(reverse("cycle-list")).status_code == 200


def test_a_cycle_with_an_absurd_distribution_date_is_refused(world, login):
    client = login(world.coordinator)
    response = client.post(reverse("cycle-create"), cycle_form_data(world, **{f"date-{world.group_a.pk}": "0001-01-01"}))
    assert response.status_code == 400 and RANGE_FR in response.content.decode()
    assert not OrderCycle.objects.exists()


@pytest.mark.parametrize("bad", [{"date": "0001-01-01"}, {"date": "1999-12-31"}, {"cash_on": "0001-01-01"},
                                 {"cash_on": "2999-01-01"}])
def test_a_payment_with_an_absurd_date_is_refused(world, login, bad):
    closed_cycle(world)
    client = login(treasurer(world))
    base = {"party": f"h-{world.household_a1.pk}", "method": "cheque", "date": TODAY.isoformat(), "cheque_number": "42",
            "amount": "14,30"}
    response = client.post(reverse("payment-create", args=[world.club.pk]), {**base, **bad}, follow=True)
    assert response.status_code == 200 and RANGE_FR in response.content.decode()
    assert not Payment.objects.exists()
    assert client.get(reverse("treasury", args=[world.club.pk])).status_code == 200


def test_a_tariff_review_date_out_of_range_gets_the_range_message(world, login):
    from cabas.members.models import Role, RoleKind
    user = world.user("solidarite@example.org", None)
    Role.objects.create(user=user, kind=RoleKind.SOLIDARITY, club=world.club)
    response = login(user).post(reverse("tariffs", args=[world.club.pk]),
                                {"household": world.household_a1.pk, "category": "", "review_on": "0001-01-01"}, follow=True)
    assert response.status_code == 200 and RANGE_FR in response.content.decode()


def test_skipping_a_basket_on_an_absurd_date(world, login):
    response = login(world.member_a1).post(reverse("subscription-skip", args=[1]), {"date": "0001-01-01"}, follow=True)
    assert response.status_code == 200 and RANGE_FR in response.content.decode()


def test_a_camt053_entry_out_of_range_is_refused():
    data = camt().replace(b"<Dt>2026-11-18</Dt>", b"<Dt>0001-01-01</Dt>")
    with pytest.raises(bank.StatementError, match="Écriture 1 : date hors de la plage acceptée"):
        bank.parse_camt053(data)


def test_a_csv_line_out_of_range_is_refused():
    data = "Date;Montant\n18/11/2026;4,10\n01/01/0001;42,10\n".encode()
    with pytest.raises(bank.StatementError, match="ligne 3 : date hors de la plage acceptée"):
        bank.parse_csv(data, bank.CsvColumns())


def test_a_statement_out_of_range_writes_nothing(world, login):
    client = login(treasurer(world))
    upload = SimpleUploadedFile("releve.xml", camt().replace(b"<Dt>2026-11-19</Dt>", b"<Dt>9999-12-31</Dt>"))
    response = client.post(reverse("bank-import", args=[world.club.pk]), {"file": upload}, follow=True)
    assert response.status_code == 400 and "hors de la plage acceptée" in response.content.decode()
    assert not BankStatement.objects.exists()


def test_a_scenario_time_out_of_range_is_refused():
    scenario = {"products": [{"id": "p"}], "requests": [{"household": "h", "product": "p", "quantity": 1,
                                                         "at": "0001-01-01T00:00:00Z"}]}
    with pytest.raises(AllocationInputError, match="between 2000-01-01 and 2100-12-31"):
        parse_scenario(scenario)
