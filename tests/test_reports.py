"""The reports pages (issue 20): who sees a club's and a group's reports, the period asked, each chart's data in a
constant number of queries, the tables' CSV and XLSX, the general assembly's PDF; totals only, no household."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cabas.contracts.models import Contract, ContractProduct
from cabas.finance import services as finance
from cabas.finance.models import AccountKind
from cabas.flows import close_cycle, save_order
from cabas.members.models import MembershipApplication, Role, RoleKind
from cabas.ordering.models import Offer
from cabas.reports import data
from cabas.volunteering.models import Shift, Signup, TaskCategory, TaskKind, VolunteerTarget

KEYS = ["chains", "producers", "guarantees", "funds", "transport", "households", "volunteering", "waitlist"]
# Each chart's queries, whatever the period and the number of cycles, producers, households.
QUERIES = {"chains": 1, "producers": 1, "guarantees": 2, "funds": 2, "transport": 1, "households": 1,
           "volunteering": 4, "waitlist": 1}


def closed(world, days_ago: int, name: str, orders):
    """A cycle whose deadline was ``days_ago`` days ago, closed, with ``orders``: {household: {product: qty}}."""
    now = timezone.now()
    cycle = world.open_cycle(opens_at=now - datetime.timedelta(days=days_ago + 7),
                             closes_at=now - datetime.timedelta(days=days_ago), name=name)
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    for household, lines in orders.items():
        save_order(cycle=cycle, household=household, quantities={offers[p.pk].pk: q for p, q in lines.items()},
                   now=now - datetime.timedelta(days=days_ago + 1))
    close_cycle(cycle.pk, now=cycle.closes_at)
    return cycle


@pytest.fixture
def year(world):
    """Two closed cycles in two months: Le Goff (A) milk and bread, Bernard (B) bread; then Martin (A) bread."""
    first = closed(world, 70, "Semaine 1", {world.household_a1: {world.milk: "3", world.bread: "2"},  # 3.90 + 10.40
                                             world.household_b1: {world.bread: "1"}})  # 5.20
    second = closed(world, 20, "Semaine 2", {world.household_a2: {world.bread: "1", world.carrots: "2"}})  # 5.20 + 4.20
    return first, second


def url(name, *args, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse(name, args=args) + (f"?{query}" if query else "")


# --- who sees what -----------------------------------------------------------------------------------------------


@pytest.fixture
def treasurer(world):
    user = world.user("tresorerie@example.org", None)
    Role.objects.create(user=user, kind=RoleKind.TREASURER, club=world.club)
    return user


def test_the_club_s_reports_are_its_coordinators_and_treasurers(world, login, client, treasurer):
    page = url("club-reports", world.club.pk)
    assert login(world.coordinator).get(page).status_code == 200
    assert login(treasurer).get(page).status_code == 200
    # the club's other people are told; another club's people do not learn the page exists
    response = login(world.group_coordinator_a).get(page)
    assert response.status_code == 403 and "coordinateurs et trésoriers du club" in response.content.decode()
    assert login(world.member_b1).get(page).status_code == 403
    other, group, household, *_ = world.other_club()
    stranger = world.user("brest@example.org", household)
    assert login(stranger).get(page).status_code == 404
    client.logout()
    assert client.get(page).status_code == 302


def test_a_group_s_reports_are_its_coordinators_and_the_club_s(world, login, treasurer):
    group_a, group_b = url("group-reports", world.group_a.pk), url("group-reports", world.group_b.pk)
    assert login(world.group_coordinator_a).get(group_a).status_code == 200
    assert login(world.coordinator).get(group_b).status_code == 200
    assert login(world.group_coordinator_a).get(group_b).status_code == 403  # another group of the club
    assert login(world.member_a1).get(group_a).status_code == 403
    assert login(treasurer).get(group_a).status_code == 403
    other, group, household, *_ = world.other_club()
    assert login(world.coordinator).get(url("group-reports", group.pk)).status_code == 404
    assert login(world.group_coordinator_a).get(url("group-report-download", world.group_b.pk, "chains", "csv")).status_code == 403
    assert login(world.group_coordinator_a).get(url("club-report-download", world.club.pk, "chains", "csv")).status_code == 403
    assert login(world.group_coordinator_a).get(url("club-reports-pdf", world.club.pk)).status_code == 403


def test_a_group_s_page_counts_its_own_orders_only_and_leaves_the_club_s_charts(world, login, year):
    body = login(world.group_coordinator_a).get(url("group-reports", world.group_a.pk)).content.decode()
    assert body.count('role="img"') == len(data.GROUP_REPORTS)
    assert 'id="funds"' not in body and 'id="transport"' not in body and 'id="guarantees"' not in body
    # the bakery sold 3 loaves: 2 to Rennes (10,40 €), 1 to Vitré; the group's page says Rennes' only
    assert "10,40" in body and "15,60" not in body
    # a group's download of a club's chart does not exist
    assert login(world.group_coordinator_a).get(
        url("group-report-download", world.group_a.pk, "funds", "csv")).status_code == 404


# --- what the page shows -----------------------------------------------------------------------------------------


def test_the_page_shows_each_chart_with_its_table_and_no_household(world, login, year):
    MembershipApplication.objects.create(group=world.group_a, household_name="Foyer Kerouac", first_name="Jack",
                                         last_name="Kerouac", email="jack@example.org")
    response = login(world.coordinator).get(url("club-reports", world.club.pk))
    body = response.content.decode()
    assert response.status_code == 200
    for key in KEYS:
        assert f'id="{key}"' in body and f'id="chart-{key}"' in body
    assert body.count('role="img"') == len(KEYS) and body.count('<table class="report-table">') == len(KEYS)
    assert "Ferme de la Prée" in body and "Fournil du Bourg" in body and "Lait" in body
    assert "15,60" in body  # the bakery's first month: 3 loaves
    # no household, no person, and none of a household's own totals (14,30 € Le Goff, 9,40 € Martin's)
    for name in ("Foyer Le Goff", "Foyer Bernard", "Foyer Martin", "Kerouac", "a1@example.org", "14,30", "9,40"):
        assert name not in body
    # the period said and the links keep it
    today = timezone.localdate()
    assert f"fin={today.isoformat()}" in body


def test_the_funds_are_totals_with_the_scaled_cycles(world, login):
    finance.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="150", method="transfer", origin="donation",
                             date=timezone.localdate(), source="Mairie")
    finance.receive_for_fund(club=world.club, fund=AccountKind.GUARANTEE, amount="400", method="transfer", origin="grant",
                             date=timezone.localdate(), source="Région")
    scope = data.Scope(world.club, None, timezone.localdate() - datetime.timedelta(days=60), timezone.localdate())
    report = data.funds(scope)
    row = report.rows[-1]
    assert row[2] == D("150.00") and row[8] == D("400.00")
    assert report.notes == ["Aucun cycle n’a vu ses remises réduites sur cette période."]


def test_income_against_a_contract_s_guarantee(world, year):
    today = timezone.localdate()
    contract = Contract.objects.create(club=world.club, producer=world.bakery, title="Pain", frequency="monthly",
                                       guarantee_kind="value", guarantee_amount=D("12"),
                                       starts_on=today - datetime.timedelta(days=400), ends_on=today + datetime.timedelta(days=300))
    ContractProduct.objects.create(contract=contract, product=world.bread, agreed_price=D("5.20"))
    first, _second = year
    month = timezone.localdate(first.closes_at).replace(day=1)
    scope = data.Scope(world.club, None, month, today)
    report = data.guarantees(scope)
    bakery = [row for row in report.rows if row[1] == "Fournil du Bourg"]
    assert bakery[0][2:] == [D("15.60"), D("12.00")]
    assert [s.label for s in report.chart.lines] == ["Fournil du Bourg : garantie"]


def test_volunteer_hours_against_targets(world):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=D("12"))
    kind = TaskKind.objects.create(club=world.club, category=TaskCategory.DISTRIBUTION, name="Distribution", hours=D("2"))
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate().replace(day=1), datetime.time(10)))
    shift = Shift.objects.create(club=world.club, group=world.group_a, kind=kind, title="Distribution", starts_at=start,
                                 ends_at=start + datetime.timedelta(hours=2), hours=D("2"), people_needed=3)
    Signup.objects.create(shift=shift, user=world.member_a1, household=world.household_a1, attended=True)
    Signup.objects.create(shift=shift, user=world.member_a2, household=world.household_a2, attended=False)
    today = timezone.localdate()
    report = data.volunteering(data.Scope(world.club, None, today.replace(day=1), today))
    # the confirmed attendance counts, the no-show does not; four households × 12 h a year: 4 h a month
    assert report.rows == [[data.month_label(today.replace(day=1)), D("2.00"), D("4.0")]]


# --- the period --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "message"), [
    ({"debut": "2026-13-01"}, "Le début de la période n’est pas une date : donnez-le au format jj/mm/aaaa."),
    ({"fin": "demain"}, "La fin de la période n’est pas une date : donnez-la au format jj/mm/aaaa."),
    ({"debut": "1999-12-31"}, "entre le 01/01/2000 et le 31/12/2100"),
    ({"debut": "2026-03-01", "fin": "2026-02-01"}, "La fin de la période vient avant son début."),
    ({"debut": "2015-01-01", "fin": "2026-01-01"}, "Choisissez une période d’au plus 5 ans."),
])
def test_a_wrong_period_is_refused_in_french(world, login, params, message):
    client = login(world.coordinator)
    response = client.get(url("club-reports", world.club.pk, **params))
    assert response.status_code == 400 and message in response.content.decode()
    assert 'role="img"' not in response.content.decode()
    download = client.get(url("club-report-download", world.club.pk, "chains", "csv", **params))
    assert download.status_code == 400 and message in download.content.decode()


def test_the_period_reads_iso_and_french_dates_and_defaults_to_twelve_months(world, login):
    client = login(world.coordinator)
    body = client.get(url("club-reports", world.club.pk, debut="01/02/2026", fin="2026-04-30")).content.decode()
    assert "Du 01/02/2026 au 30/04/2026." in body
    assert "Fév 2026" in body and "Avr 2026" in body and "Mai 2026" not in body
    today = timezone.localdate()
    response = client.get(url("club-reports", world.club.pk))
    assert response.context["scope"].end == today
    assert len(response.context["scope"].months) == 12 and response.context["scope"].start.day == 1


# --- queries -----------------------------------------------------------------------------------------------------


def queries(scope, key) -> int:
    with CaptureQueriesContext(connection) as context:
        data.report(scope, key)
    return len(context.captured_queries)


def test_each_chart_costs_a_constant_number_of_queries(world, year, django_assert_num_queries):
    today = timezone.localdate()
    short = data.Scope(world.club, None, today - datetime.timedelta(days=30), today)
    long = data.Scope(world.club, None, today - datetime.timedelta(days=4 * 365), today)
    group = data.Scope(world.club, world.group_a, today - datetime.timedelta(days=400), today)
    before = {key: queries(long, key) for key in KEYS}
    closed(world, 150, "Semaine 0", {world.household_b2: {world.brioche: "2", world.milk: "1"}})
    MembershipApplication.objects.create(group=world.group_b, household_name="Foyer X", first_name="X", last_name="Y",
                                         email="x@example.org")
    for key in KEYS:
        with django_assert_num_queries(QUERIES[key]):
            data.report(long, key)
        assert queries(short, key) == QUERIES[key] == before[key]
    for key in data.GROUP_REPORTS:
        assert queries(group, key) == QUERIES[key]


# --- downloads and the PDF ---------------------------------------------------------------------------------------


def test_a_table_downloads_as_csv_and_xlsx_with_the_same_numbers(world, login, year):
    client = login(world.coordinator)
    first, _second = year
    month = timezone.localdate(first.closes_at).replace(day=1)
    period = {"debut": month.isoformat(), "fin": timezone.localdate().isoformat()}
    response = client.get(url("club-report-download", world.club.pk, "producers", "csv", **period))
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Mois;Producteur;Unité;Volume;Valeur TTC"
    assert f"{data.month_label(month)};Fournil du Bourg;pièce;3;15,60" in lines
    assert "Foyer" not in text
    response = client.get(url("club-report-download", world.club.pk, "producers", "xlsx", **period))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("Mois", "Producteur", "Unité", "Volume", "Valeur TTC")
    assert (data.month_label(month), "Fournil du Bourg", "pièce", 3, 15.6) in rows
    assert client.get(url("club-report-download", world.club.pk, "producers", "pdf")).status_code == 404
    assert client.get(url("club-report-download", world.club.pk, "nothing", "csv")).status_code == 404
    households = client.get(url("club-report-download", world.club.pk, "households", "csv", **period)).content.decode("utf-8-sig")
    assert households.splitlines()[1].split(";")[2:] == ["2"]  # Semaine 1: two households, and no amount


def test_the_general_assembly_s_pdf(world, login, year):
    response = login(world.coordinator).get(url("club-reports-pdf", world.club.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    response = login(world.group_coordinator_a).get(url("group-reports-pdf", world.group_a.pk))
    assert response.content.startswith(b"%PDF")
