"""Tariffs stay confidential in the money documents: a fund line tied to a household (an invoice's
"Remise solidaire, payée par la caisse de solidarité", the ledger's per-household entries of the funds) is
seen by the household itself, the club's treasurers and its solidarity referents — not by every coordinator."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group as PermissionGroup
from django.contrib.auth.models import Permission
from django.urls import reverse

from cabas.finance import services
from cabas.finance.models import AccountKind, Entry, Invoice
from cabas.members.models import Role, RoleKind
from cabas.flows import close_cycle

from .test_cycle_funds import TODAY, give_tariff, order_bread


@pytest.fixture
def tariffs(world):
    """Household A1 has a solidarity tariff (half price, paid by the fund); B1 pays the standard tariff."""
    services.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="100", method="transfer",
                              source="Don de la mairie", origin="grant", date=TODAY)
    give_tariff(world, world.household_a1, 50)
    cycle = world.open_cycle()
    order_bread(world, cycle, world.household_a1, 4)
    order_bread(world, cycle, world.household_b1, 2)
    close_cycle(cycle.pk)
    services.issue_invoices(cycle)
    people = {"coordinator": world.coordinator}
    for key, kind in (("treasurer", RoleKind.TREASURER), ("solidarity", RoleKind.SOLIDARITY)):
        people[key] = world.user(f"{key}@example.org", None)
        Role.objects.create(user=people[key], kind=kind, club=world.club)
    people["coordinator_treasurer"] = world.user("coord-tresor@example.org", None)
    for kind in (RoleKind.CLUB_COORDINATOR, RoleKind.TREASURER):
        Role.objects.create(user=people["coordinator_treasurer"], kind=kind, club=world.club)
    return cycle, people


def invoice_of(household):
    return Invoice.objects.get(household=household)


def test_the_invoice_with_a_fund_line_is_for_the_household_and_the_treasurers(world, tariffs, login):
    _cycle, people = tariffs
    invoice = invoice_of(world.household_a1)
    assert invoice.fund_lines  # "Remise solidaire, payée par la caisse de solidarité"
    url = reverse("invoice-pdf", args=[invoice.pk])
    assert login(world.member_a1).get(url).status_code == 200
    assert login(people["treasurer"]).get(url).status_code == 200
    assert login(people["coordinator_treasurer"]).get(url).status_code == 200
    assert login(people["coordinator"]).get(url).status_code == 404
    assert login(world.group_coordinator_a).get(url).status_code == 404


def test_a_coordinator_cannot_tell_tariffs_apart_by_which_invoices_open(world, tariffs, login):
    """Refusing only the invoices that carry a fund line would tell which households are on a tariff."""
    _cycle, people = tariffs
    client = login(people["coordinator"])
    assert client.get(reverse("invoice-pdf", args=[invoice_of(world.household_b1).pk])).status_code == 404


@pytest.mark.parametrize("what", ["journal-csv", "journal-xlsx", "fec"])
def test_the_journal_and_fec_are_refused_to_a_coordinator_who_is_not_treasurer(world, tariffs, login, what):
    _cycle, people = tariffs
    url = (reverse("money-fec", args=[world.club.pk, TODAY.year]) if what == "fec"
           else reverse("money-export", args=[world.club.pk, "journal", what.split("-")[1]]))
    refused = login(people["coordinator"]).get(url)
    assert refused.status_code == 403
    assert "trésorier" in refused.content.decode()
    assert login(people["coordinator_treasurer"]).get(url).status_code == 200
    assert login(people["treasurer"]).get(url).status_code == 200


def test_the_treasurer_exports_the_whole_balanced_journal_with_the_fund_lines(world, tariffs, login):
    _cycle, people = tariffs
    journal = login(people["treasurer"]).get(reverse("money-export", args=[world.club.pk, "journal", "csv"]))
    text = journal.content.decode("utf-8-sig")
    assert "Foyer Le Goff" in text
    fec = login(people["treasurer"]).get(reverse("money-fec", args=[world.club.pk, TODAY.year])).content.decode()
    debit = credit = D("0")
    for line in fec.splitlines()[1:]:
        cells = line.split("\t")
        debit += D(cells[11].replace(",", "."))
        credit += D(cells[12].replace(",", "."))
    assert debit == credit == sum((e.amount for e in Entry.objects.filter(cents__gt=0)), D("0"))


def test_balances_stay_open_to_the_coordinator(world, tariffs, login):
    """A balance mixes everything a household owes and paid: it names no fund line."""
    _cycle, people = tariffs
    response = login(people["coordinator"]).get(reverse("money-export", args=[world.club.pk, "balances", "csv"]))
    assert response.status_code == 200


def test_the_treasury_page_offers_the_journal_and_fec_only_to_who_may_export_them(world, tariffs, login):
    _cycle, people = tariffs
    url = reverse("treasury", args=[world.club.pk])
    journal = reverse("money-export", args=[world.club.pk, "journal", "csv"])
    assert journal not in login(people["coordinator"]).get(url).content.decode()
    assert journal in login(people["treasurer"]).get(url).content.decode()


def test_the_admin_ledger_is_not_a_way_round(world, tariffs, client):
    """The ledger, accounts, invoices and payments in the admin are the operators' alone: a coordinator marked
    staff with every finance permission, treasurer or not, is sent to the admin's login page."""
    group = PermissionGroup.objects.create(name="Coordination")
    group.permissions.set(Permission.objects.filter(content_type__app_label="finance"))
    invoice = invoice_of(world.household_a1)
    for key in ("coordinator", "coordinator_treasurer"):
        user = tariffs[1][key]
        user.is_staff = True
        user.save()
        user.groups.add(group)
        client.force_login(user)
        for url in (reverse("admin:finance_invoice_changelist"), reverse("admin:finance_invoice_change", args=[invoice.pk]),
                    reverse("admin:finance_account_changelist")):
            assert reverse("admin:login") in client.get(url)["Location"]


def test_a_fund_receipt_is_never_a_pdf_for_another_household(world, tariffs, login):
    """The household's own invoice shows its fund line; another member of the club is refused."""
    invoice = invoice_of(world.household_a1)
    assert login(world.member_a2).get(reverse("invoice-pdf", args=[invoice.pk])).status_code == 404
    assert datetime.date.today() == TODAY
