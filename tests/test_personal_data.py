"""Personal data (issue 6): a member downloads what Cabas stores about them and their household, and a
member who leaves is erased while the money records stay (src/cabas/members/personal_data.py, the
"Mes données" page in src/cabas/web/views/personal_data.py)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cabas.contracts.models import Subscription
from cabas.core.errors import ActionError
from cabas.finance import services as finance
from cabas.finance.checks import check_ledger
from cabas.finance.models import Account, Entry, HouseholdTariff, Invoice, LedgerTransaction, Payment, TariffCategory
from cabas.flows import personal_data
from cabas.members.models import Household, Membership, MembershipApplication, Role, RoleKind, User
from cabas.flows.personal_data import erase_member, export_member_data
from cabas.ordering.models import Allocation, Offer, Order, OrderLine
from cabas.flows import close_cycle, save_order
from cabas.participation.models import Survey, SurveyAnswer

from .conftest import PASSWORD

TODAY = timezone.localdate()


def settled_cycle(world, name, a1_lines, b1_lines=None):
    """A closed cycle with orders of households a1 (and b1), invoiced."""
    now = timezone.now()
    cycle = world.open_cycle(name=name, opens_at=now - datetime.timedelta(days=2), closes_at=now + datetime.timedelta(days=1))
    offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
    save_order(cycle=cycle, household=world.household_a1, by_user=world.member_a1,
               quantities={offers[p.pk]: q for p, q in a1_lines.items()})
    if b1_lines:
        save_order(cycle=cycle, household=world.household_b1, quantities={offers[p.pk]: q for p, q in b1_lines.items()})
    close_cycle(cycle.pk, now=cycle.closes_at)
    cycle.refresh_from_db()
    finance.issue_invoices(cycle, date=TODAY)
    return cycle


@pytest.fixture
def history(world):
    """Household a1: an invoiced cycle, a payment, a past subscription, a survey answer and a solidarity
    tariff. Household b1: its own order, invoice and payment in the same cycle."""
    cycle = settled_cycle(world, "Semaine 45", {world.milk: "3", world.bread: "2"}, {world.brioche: "1"})
    finance.record_payment(club=world.club, household=world.household_a1, amount="14,30", method="cheque", date=TODAY,
                           cheque_number="A1-0001")
    finance.record_payment(club=world.club, household=world.household_b1, amount="6,00", method="cash", date=TODAY,
                           note="B1 paid at the depot")
    Subscription.objects.create(household=world.household_a1, producer=world.farm, season="Printemps passé",
                                starts_on=TODAY - datetime.timedelta(days=200), ends_on=TODAY - datetime.timedelta(days=20))
    survey = Survey.objects.create(club=world.club, product_name="Yaourt de brebis", unit="piece", monthly_threshold=D("50"),
                                   opens_on=TODAY - datetime.timedelta(days=5), closes_on=TODAY + datetime.timedelta(days=5))
    SurveyAnswer.objects.create(survey=survey, household=world.household_a1, interest="yes", quantity_per_month=D("4"),
                                comment="Volontiers, A1")
    SurveyAnswer.objects.create(survey=survey, household=world.household_b1, interest="no", comment="Trop cher, B1")
    category = TariffCategory.objects.create(club=world.club, name="Solidaire −30 %", discount_rate=D("30"))
    HouseholdTariff.objects.create(household=world.household_a1, category=category, review_on=TODAY + datetime.timedelta(days=90))
    HouseholdTariff.objects.create(household=world.household_b1, category=category, review_on=TODAY + datetime.timedelta(days=30))
    return cycle


def money_records():
    """What must never change when someone is erased."""
    return (
        list(LedgerTransaction.objects.order_by("pk").values_list("pk", "label")),
        list(Entry.objects.order_by("pk").values_list("pk", "account_id", "cents")),
        list(Invoice.objects.order_by("pk").values_list("pk", "number", "household_id", "amount_incl_vat", "lines")),
        list(Payment.objects.order_by("pk").values_list("pk", "household_id", "amount")),
        list(Order.objects.order_by("pk").values_list("pk", "household_id")),
        list(OrderLine.objects.order_by("pk").values_list("pk", "quantity")),
        list(Allocation.objects.order_by("pk").values_list("pk", "household_id", "quantity", "amount_incl_vat")),
        list(Account.objects.order_by("pk").values_list("pk", "household_id", "name")),
    )


# --- export -----------------------------------------------------------------------------------------------


def test_the_export_holds_the_household_s_records_and_nothing_of_another(world, history):
    data = export_member_data(world.member_a1)
    text = json.dumps(data, ensure_ascii=False)  # plain JSON: no Decimal, no date objects left
    assert data["person"]["email"] == "a1@example.org" and data["household"]["name"] == "Foyer Le Goff"
    assert data["household"]["group"] == "GAC de Rennes" and data["household"]["depot"]["name"] == "Dépôt GAC de Rennes"
    [order] = data["orders"]
    assert order["cycle"]["name"] == "Semaine 45" and order["total"] == "14.30" and order["last_changed_by_me"] is True
    assert sorted((l["product"], l["quantity"], l["amount"]) for l in order["lines"]) == [
        ("Lait cru", "3.000", "3.90"), ("Pain de campagne", "2.000", "10.40")]
    assert {a["product"] for a in data["allocations"]} == {"Lait cru", "Pain de campagne"}
    assert data["order_summaries"][0]["amount_incl_vat"] == "14.30"
    [invoice] = data["invoices"]
    assert invoice["amount_incl_vat"] == "14.30" and invoice["number"] == Invoice.objects.get(household=world.household_a1).display_number
    [payment] = data["payments"]
    assert payment["amount"] == "14.30" and payment["cheque_number"] == "A1-0001" and payment["date"] == TODAY.isoformat()
    assert data["account"]["balance_in_credit"] == "0.00" and len(data["account"]["statement"]) == 2
    assert data["subscriptions"][0]["season"] == "Printemps passé"
    assert data["survey_answers"][0]["comment"] == "Volontiers, A1"
    assert data["solidarity_tariff"]["discount_percent"] == "30.00"  # its own tariff: the household may see it
    assert data["recorded_actions"] == {"ordering.order.updated_by": 1}
    # nothing of household b1: its name, its order, its invoice, its payment, its answer
    b1_invoice = Invoice.objects.get(household=world.household_b1)
    for foreign in ("Foyer Bernard", "b1@example.org", "Brioche", "B1 paid at the depot", "Trop cher, B1", b1_invoice.reference,
                    "Foyer Martin", "a1bis@example.org"):
        assert foreign not in text, foreign


def past_subscription(world, season):
    subscription = Subscription.objects.create(household=world.household_a1, producer=world.farm, season=season,
                                               starts_on=TODAY - datetime.timedelta(days=90), ends_on=TODAY - datetime.timedelta(days=1))
    subscription.lines.create(product=world.milk, quantity=D("1"))


def test_the_export_costs_the_same_queries_for_one_order_or_many(world):
    settled_cycle(world, "Semaine 40", {world.milk: "1"})
    finance.record_payment(club=world.club, household=world.household_a1, amount="1,30", method="cash", date=TODAY)
    past_subscription(world, "Printemps")
    with CaptureQueriesContext(connection) as one:
        export_member_data(world.member_a1)
    for week in range(41, 45):
        settled_cycle(world, f"Semaine {week}", {world.milk: "2", world.bread: "1", world.carrots: "1,5"})
        finance.record_payment(club=world.club, household=world.household_a1, amount="5", method="cash", date=TODAY)
    past_subscription(world, "Été")
    with CaptureQueriesContext(connection) as many:
        data = export_member_data(world.member_a1)
    assert len(data["orders"]) == 5 and len(data["invoices"]) == 5 and len(data["payments"]) == 5
    assert len(data["subscriptions"]) == 2
    assert data["subscriptions"][1]["basket"] == [{"product": "Lait cru", "unit": "l", "quantity": "1.000"}]
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def test_a_person_without_household_gets_their_identity_and_roles(world):
    data = export_member_data(world.coordinator)
    assert data["household"] is None and "orders" not in data
    assert data["roles"] == [{"role": "club_coordinator", "label": "coordination du club", "club": world.club.name, "group": None}]


def test_every_link_to_a_person_or_a_household_is_decided():
    """A new model pointing at a member or a household must say what the export and the erasure do with it
    (personal_data.RECORDS)."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model in (User, Household):
                found.add(f"{model._meta.label_lower}.{field.name}")
    assert found - set(personal_data.RECORDS) == set()


# --- erasure ----------------------------------------------------------------------------------------------


def test_erasure_anonymises_the_person_and_keeps_the_money_records(world, history):
    Role.objects.create(user=world.member_a1, kind=RoleKind.SOLIDARITY, club=world.club)
    world.farm.referent = world.member_a1
    world.farm.save()
    LogEntry.objects.create(user=world.coordinator, content_type=ContentType.objects.get_for_model(User),
                            object_id=str(world.member_a1.pk), object_repr="a1 Le Goff", action_flag=CHANGE)
    before = money_records()
    erasure = erase_member(user=world.member_a1, by_user=world.member_a1, password=PASSWORD)
    assert erasure.done and not erasure.household_anonymised  # a1bis still logs in for the household
    person = User.objects.get(pk=world.member_a1.pk)
    assert person.email == f"efface-{person.pk}@cabas.invalid" and person.email.isascii()
    assert (person.first_name, person.last_name, person.is_active, person.has_usable_password()) == ("", "", False, False)
    assert authenticate(username="a1@example.org", password=PASSWORD) is None
    assert not Role.objects.filter(user=person).exists()
    world.farm.refresh_from_db()
    assert world.farm.referent is None
    assert LogEntry.objects.get(object_id=str(person.pk)).object_repr == person.email
    assert money_records() == before and not check_ledger()
    assert Household.objects.get(pk=world.household_a1.pk).name == "Foyer Le Goff"
    assert HouseholdTariff.objects.filter(household=world.household_a1).exists()
    assert export_member_data(world.member_a1_bis)["orders"]  # the household goes on


def test_the_household_s_last_member_takes_its_name_along(world, history):
    before = money_records()
    erase_member(user=world.member_a1, by_user=world.coordinator)
    erasure = erase_member(user=world.member_a1_bis, by_user=world.coordinator)
    household = Household.objects.get(pk=world.household_a1.pk)
    assert erasure.household_anonymised and household.name == f"Foyer effacé n°{household.pk}" == erasure.household_name
    assert not HouseholdTariff.objects.filter(household=household).exists()  # confidential, no longer needed
    assert HouseholdTariff.objects.filter(household=world.household_b1).exists()
    assert money_records() == before and not check_ledger()  # the account keeps its name: an accounting record
    assert Account.objects.get(household=household).name == "Foyer Le Goff"
    assert SurveyAnswer.objects.filter(household=household).count() == 1  # it still counts in the survey


def test_a_household_that_owes_money_is_anonymised_and_still_owes_it(world):
    settled_cycle(world, "Semaine 45", {world.bread: "1"}, {world.brioche: "2"})
    owed = finance.household_balance(world.household_b1.pk)
    assert owed == D("12.00")
    erasure = erase_member(user=world.member_b1, by_user=world.coordinator)
    assert erasure.household_anonymised and erasure.owed == owed
    assert finance.household_balance(world.household_b1.pk) == owed and not check_ledger()


def test_erasing_twice_changes_nothing_more(world, history):
    first = erase_member(user=world.member_b1, by_user=world.coordinator)
    state = (list(User.objects.filter(pk=world.member_b1.pk).values()), list(Household.objects.filter(pk=world.household_b1.pk).values()),
             money_records())
    second = erase_member(user=world.member_b1, by_user=world.coordinator)
    assert first.done and not second.done
    assert state == (list(User.objects.filter(pk=world.member_b1.pk).values()),
                     list(Household.objects.filter(pk=world.household_b1.pk).values()), money_records())


def refused(user, by_user, **kwargs) -> list[str]:
    before = list(User.objects.filter(pk=user.pk).values())
    with pytest.raises(ActionError) as caught:
        erase_member(user=user, by_user=by_user, **kwargs)
    assert list(User.objects.filter(pk=user.pk).values()) == before  # nothing written
    return caught.value.all_messages


def test_who_cannot_be_erased_and_why(world):
    staff = User.objects.create_user(email="admin@example.org", password=PASSWORD, household=world.household_a2, is_staff=True)
    assert "Le compte d’un administrateur" in refused(staff, world.coordinator)[0]
    [problem] = refused(world.coordinator, world.coordinator, password=PASSWORD)
    assert "le rôle «\u00a0coordination du club\u00a0» dans Club du Pays de Test" in problem
    Role.objects.create(user=world.member_a1, kind=RoleKind.TREASURER, club=world.club)
    [problem] = refused(world.member_a1, world.member_a1, password=PASSWORD)
    assert "«\u00a0trésorier ou trésorière\u00a0» dans Club du Pays de Test" in problem
    assert refused(world.member_a2, world.member_a2, password="pas le bon") == ["Ce n’est pas votre mot de passe."]


def test_the_last_member_waits_for_open_orders_and_running_subscriptions(world):
    cycle = world.open_cycle()
    offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
    save_order(cycle=cycle, household=world.household_b1, quantities={offers[world.milk.pk]: "1"})
    Subscription.objects.create(household=world.household_b1, producer=world.bakery, season="Hiver",
                                starts_on=TODAY - datetime.timedelta(days=10), ends_on=TODAY + datetime.timedelta(days=60))
    problems = refused(world.member_b1, world.coordinator)
    assert len(problems) == 2
    assert "commande dans Semaine 47" in problems[0] and "abonnement du foyer auprès de Fournil du Bourg" in problems[1]
    # a member who is not the last one leaves the household's order and subscription to the others
    Subscription.objects.create(household=world.household_a1, producer=world.bakery, season="Hiver",
                                starts_on=TODAY - datetime.timedelta(days=10), ends_on=TODAY + datetime.timedelta(days=60))
    assert erase_member(user=world.member_a1, by_user=world.coordinator).done


def test_only_the_person_or_a_coordinator_of_their_club_may_erase(world):
    other_club, _group, other_household, *_ = world.other_club()
    other_coordinator = world.user("coord-voisin@example.org", other_household)
    Role.objects.create(user=other_coordinator, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    for by_user in (world.member_a1_bis, world.member_a2, world.group_coordinator_a, other_coordinator):
        assert refused(world.member_a1, by_user) == [
            "Seuls le membre lui-même ou un coordinateur de son club peuvent effacer ce compte."]
    assert refused(world.member_a1, world.member_a1) == ["Ce n’est pas votre mot de passe."]  # their own: the password
    assert erase_member(user=world.member_a1, by_user=world.coordinator).done


# --- pages ------------------------------------------------------------------------------------------------


def test_a_member_downloads_only_their_own_data(world, history, login, client):
    url = reverse("personal-data-download")
    assert client.get(url).status_code == 302  # to the login page
    page = login(world.member_b1).get(reverse("personal-data"))
    assert page.status_code == 200 and "Télécharger mes données" in page.content.decode()
    response = login(world.member_b1).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == f'attachment; filename="cabas-mes-donnees-{TODAY.isoformat()}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["person"]["email"] == "b1@example.org" and data["household"]["name"] == "Foyer Bernard"
    assert "Foyer Le Goff" not in response.content.decode() and "A1-0001" not in response.content.decode()
    assert client.post(url).status_code == 405


def test_a_member_erases_their_own_account_with_their_password(world, login):
    client = login(world.member_b1)
    url = reverse("erase-own-account")
    assert client.get(url).status_code == 405
    response = client.post(url, {"password": "pas le bon"}, follow=True)
    assert "Ce n’est pas votre mot de passe." in response.content.decode()
    assert User.objects.get(pk=world.member_b1.pk).is_active
    response = client.post(url, {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302  # logged out
    assert not client.login(username="b1@example.org", password=PASSWORD)
    assert Household.objects.get(pk=world.household_b1.pk).name.startswith("Foyer effacé")


def test_a_blocked_member_sees_why_on_the_page(world, login):
    page = login(world.coordinator).get(reverse("personal-data")).content.decode()
    assert "ne peut pas encore être effacé" in page and 'name="password"' not in page
    assert "Effacer le compte d’un membre parti" in page  # the coordinator's form


def test_a_coordinator_erases_a_member_of_their_club_only(world, login):
    other_club, _group, other_household, *_ = world.other_club()
    other_coordinator = world.user("coord-voisin@example.org", other_household)
    Role.objects.create(user=other_coordinator, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    url = reverse("erase-member", args=[world.club.pk])
    wanted = {"email": "B1@example.org", "confirm": "yes"}
    for user in (world.member_a1, world.group_coordinator_a, other_coordinator):  # not a coordinator of this club
        assert login(user).post(url, wanted).status_code == 403
    # a coordinator of another club, on their own club's page: our member is not theirs
    response = login(other_coordinator).post(reverse("erase-member", args=[other_club.pk]), wanted, follow=True)
    assert "Aucun membre de ce club n’a cette adresse" in response.content.decode()
    client = login(world.coordinator)
    assert client.get(url).status_code == 405
    response = client.post(url, {"email": "b1@example.org"}, follow=True)  # not confirmed
    assert "Cochez la case" in response.content.decode()
    assert User.objects.get(pk=world.member_b1.pk).is_active
    response = client.post(url, wanted, follow=True)
    text = response.content.decode()
    assert "Le compte de b1@example.org est effacé" in text and "Foyer effacé n°" in text
    assert not User.objects.get(pk=world.member_b1.pk).is_active
    assert "a déjà été effacé" not in text
    response = client.post(url, {"email": f"efface-{world.member_b1.pk}@cabas.invalid", "confirm": "yes"}, follow=True)
    assert "Ce compte avait déjà été effacé." in response.content.decode()


def test_membership_records_are_exported_and_the_application_forgets_who_applied(world):
    """Memberships are exported and kept (fees are money records); applications forget who applied."""
    membership_model, application_model = Membership, MembershipApplication
    membership_model.objects.create(household=world.household_b1, group=world.group_b, starts_on=TODAY,
                                    ends_on=TODAY + datetime.timedelta(days=364), fee=D("10.00"))
    application_model.objects.create(group=world.group_b, household_name="Foyer Bernard", first_name="Bruno",
                                     last_name="Bernard", email="b1@example.org", phone="06 00 00 00 01",
                                     message="Nous habitons à Vitré", household=world.household_b1)
    application_model.objects.create(group=world.group_a, household_name="Foyer Martin", first_name="Marie",
                                     last_name="Martin", email="a2@example.org")
    data = export_member_data(world.member_b1)
    assert data["memberships"][0]["fee"] == "10.00" and data["memberships"][0]["group"] == "GAC de Vitré"
    [application] = data["membership_applications"]
    assert application["last_name"] == "Bernard" and "Marie" not in json.dumps(data)
    erase_member(user=world.member_b1, by_user=world.coordinator)
    erased = application_model.objects.get(household=world.household_b1)
    assert (erased.first_name, erased.last_name, erased.phone, erased.message) == ("", "", "", "")
    assert erased.email.endswith("@cabas.invalid") and erased.household_name.startswith("Foyer effacé")
    assert application_model.objects.get(email="a2@example.org").last_name == "Martin"
    assert membership_model.objects.filter(household=world.household_b1).count() == 1  # a fee is a money record


def test_the_export_holds_the_households_pickups(world):
    from cabas.distribution.models import Distribution
    from cabas.distribution.pickup import record_pickup
    from cabas.flows import close_cycle, save_order
    from cabas.ordering.models import Offer

    cycle = world.open_cycle()
    bread = Offer.objects.get(cycle=cycle, product=world.bread)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "1"})
    close_cycle(cycle.pk)
    distribution = Distribution.objects.get(cycle=cycle, group=world.group_a)
    record_pickup(distribution, world.household_a1.pk, "absent", by_user=world.group_coordinator_a)
    data = export_member_data(world.member_a1)
    assert [(p["cycle"], p["status"]) for p in data["pickups"]] == [(cycle.name, "absent")]
    assert [u["product"] for u in data["uncollected"]] == [bread.name]
