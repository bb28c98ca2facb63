"""Memberships: the public join page, the waitlist and the referral to the nearest groups with room, approving
(a household, its login, the year's fee on its account or paid by the solidarity fund), declining, renewing,
reminders, leaving with the history kept; and who may do each."""

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from cabas.core.errors import ActionError
from cabas.finance import services as money
from cabas.finance.checks import check_ledger
from cabas.finance.models import AccountKind, FundMovement
from cabas import flows
from cabas.members import services
from cabas.members.models import (
    ApplicationStatus, Depot, Group, Household, Membership, MembershipApplication, Role, RoleKind, User,
)
from cabas.ordering.models import Offer
from cabas.flows import save_order

TODAY = datetime.date(2026, 11, 26)
APPLICANT = {"first_name": "Léa", "last_name": "Morin", "email": "Lea.Morin@example.org", "phone": "06 12 34 56 78",
             "household_name": "", "message": "Nous habitons près du dépôt."}


def place_depot(group, lat, lon):
    Depot.objects.filter(group=group).update(latitude=D(lat), longitude=D(lon))


@pytest.fixture
def full_a(world):
    """Group A (Rennes) full at 2 households; B (Vitré, 34 km) and C (Cesson, 6 km) have room."""
    Group.objects.filter(pk=world.group_a.pk).update(capacity=2)
    world.group_a.refresh_from_db()
    place_depot(world.group_a, "48.1113", "-1.6800")
    place_depot(world.group_b, "48.1236", "-1.2083")
    world.group_c = world._group("GAC de Cesson", "cesson", 4)
    place_depot(world.group_c, "48.1210", "-1.6030")
    return world


def apply(world, group, **changes):
    return services.apply(group=group, data={**APPLICANT, **changes})


def test_the_join_pages_are_public_and_an_application_waits_its_turn(world, client):
    page = client.get(reverse("join-groups", args=[world.club.slug]))
    assert page.status_code == 200 and "GAC de Rennes" in page.content.decode()
    url = reverse("join", args=[world.club.slug, world.group_a.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {**APPLICANT, "status": "approved", "household": "1"})  # fields outside the allow-list
    assert response.status_code == 200
    application = MembershipApplication.objects.get()
    assert application.status == ApplicationStatus.WAITING and application.household is None
    assert application.email == "lea.morin@example.org" and application.household_name == "Foyer Morin"


def test_bad_applications_get_a_message_and_write_nothing(world, client):
    url = reverse("join", args=[world.club.slug, world.group_a.slug])
    response = client.post(url, {**APPLICANT, "email": "pas-une-adresse", "first_name": " "})
    assert response.status_code == 400
    text = response.content.decode()
    assert "adresse e-mail" in text and "prénom" in text
    with pytest.raises(ActionError, match="connectez-vous"):
        apply(world, world.group_a, email="a1@example.org")  # already a member: log in
    apply(world, world.group_a)
    with pytest.raises(ActionError, match="attend déjà"):
        apply(world, world.group_b)  # one waiting application per address in the club
    assert MembershipApplication.objects.count() == 1
    assert client.get(reverse("join", args=[world.club.slug, "inconnu"])).status_code == 404


def test_a_full_group_queues_first_come_and_offers_the_nearest_groups_with_room(full_a, client):
    world = full_a
    first = apply(world, world.group_a)
    second = apply(world, world.group_a, email="paul@example.org", last_name="Roux")
    assert first.full and (first.position, second.position) == (1, 2)
    assert [r.name for r in first.referrals] == ["GAC de Cesson", "GAC de Vitré"]  # nearest depot first
    assert first.referrals[0].km < first.referrals[1].km
    assert [a.email for a in services.waitlist(world.group_a)] == ["lea.morin@example.org", "paul@example.org"]
    page = client.post(reverse("join", args=[world.club.slug, world.group_a.slug]), {**APPLICANT, "email": "x@example.org"})
    text = page.content.decode()
    assert "position 3" in text and "GAC de Cesson" in text
    not_full = apply(world, world.group_b, email="z@example.org")
    assert not not_full.full and not_full.referrals == []


def test_approving_creates_the_household_posts_the_fee_and_invites_to_choose_a_password(
        world, login, client, run_tasks):
    world.club.membership_fee = D("5.00")
    world.club.save()
    application = apply(world, world.group_a).application
    response = login(world.group_coordinator_a).post(
        reverse("application-decide", args=[world.group_a.pk, application.pk]), {"decision": "approve", "paid_by_fund": "1"})
    assert response.status_code == 302
    application.refresh_from_db()
    household = application.household
    assert application.status == ApplicationStatus.APPROVED and household.group == world.group_a
    user = User.objects.get(email="lea.morin@example.org")
    assert user.household == household and not user.has_usable_password()
    membership = Membership.objects.get(household=household)
    assert membership.fee == D("5.00") and not membership.paid_by_fund  # only a solidarity referent decides that
    assert membership.ends_on - membership.starts_on == datetime.timedelta(days=364)
    assert money.household_balance(household.pk) == D("5.00")
    assert check_ledger() == []
    assert run_tasks() == 1  # the welcome e-mail, sent by the worker
    assert mail.outbox[-1].to == ["lea.morin@example.org"]
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/mot-de-passe/" in line)
    client.logout()
    form = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    client.post(form.redirect_chain[-1][0], {"new_password1": "un-nouveau-mot-2026", "new_password2": "un-nouveau-mot-2026"})
    assert client.login(username="lea.morin@example.org", password="un-nouveau-mot-2026")
    # handled once
    with pytest.raises(ActionError, match="déjà été traitée"):
        flows.approve_membership(group=world.group_a, application_id=application.pk)


def test_a_fee_paid_by_the_solidarity_fund_never_empties_it(world):
    world.club.membership_fee = D("10.00")
    world.club.save()
    first = apply(world, world.group_a).application
    with pytest.raises(ActionError, match="caisse de solidarité"):
        flows.approve_membership(group=world.group_a, application_id=first.pk, paid_by_fund=True)
    assert not Household.objects.filter(name="Foyer Morin").exists()  # nothing half-written
    money.receive_for_fund(club=world.club, fund=AccountKind.SOLIDARITY, amount="15", method="cash", source="Don", date=TODAY)
    household = flows.approve_membership(group=world.group_a, application_id=first.pk, paid_by_fund=True)
    assert money.household_balance(household.pk) == 0
    assert money.fund_available(world.club, AccountKind.SOLIDARITY) == D("5.00")
    assert FundMovement.objects.get(kind="fee").amount == D("-10.00")
    assert check_ledger() == []


def test_a_full_group_refuses_an_approval_and_a_decline_is_recorded(full_a):
    world = full_a
    application = apply(world, world.group_a).application
    with pytest.raises(ActionError, match="n’a plus de place"):
        flows.approve_membership(group=world.group_a, application_id=application.pk)
    services.decline(group=world.group_a, application_id=application.pk)
    assert MembershipApplication.objects.get().status == ApplicationStatus.DECLINED
    with pytest.raises(ActionError):
        flows.approve_membership(group=world.group_b, application_id=application.pk)  # not that group's application


def test_renewal_reminders_and_leaving(world, login, run_tasks):
    start = TODAY - datetime.timedelta(days=350)
    membership = flows.start_membership(household=world.household_a1, group=world.group_a, starts_on=start)
    with pytest.raises(ActionError, match="deux derniers mois"):
        flows.renew_membership(household=world.household_a1, today=start + datetime.timedelta(days=30))
    assert services.remind_renewals(today=TODAY) == 1
    run_tasks()
    assert sorted(mail.outbox[-1].to) == ["a1@example.org", "a1bis@example.org"]
    assert services.remind_renewals(today=TODAY) == 0  # once per membership
    call_command("remind-renewals")
    following = flows.renew_membership(household=world.household_a1, today=TODAY)
    assert following.starts_on == membership.ends_on + datetime.timedelta(days=1)
    # leaving: refused while an order waits for its cycle to close
    cycle = world.open_cycle()
    offer = Offer.objects.get(cycle=cycle, product=world.bread)
    save_order(cycle=cycle, household=world.household_a1, quantities={offer.pk: "1"})
    with pytest.raises(ActionError, match="Semaine 47"):
        flows.leave_group(household=world.household_a1, today=TODAY)
    save_order(cycle=cycle, household=world.household_a1, quantities={offer.pk: "0"})
    login(world.group_coordinator_a).post(reverse("household-leave", args=[world.group_a.pk]),
                                          {"household": world.household_a1.pk, "reason": "Déménagement"})
    world.household_a1.refresh_from_db()
    assert world.household_a1.left_on is not None and world.household_a1.leave_reason == "Déménagement"
    assert Membership.objects.filter(household=world.household_a1).count() == 2  # the history stays
    assert not Membership.objects.filter(household=world.household_a1, left_on__isnull=True, ends_on__gte=TODAY).exists()
    with pytest.raises(ActionError):
        flows.renew_membership(household=world.household_a1)


def test_the_members_page_is_for_the_groups_coordinators(world, login):
    apply(world, world.group_a)
    url_a = reverse("group-members", args=[world.group_a.pk])
    page = login(world.group_coordinator_a).get(url_a)
    assert page.status_code == 200 and "lea.morin@example.org" in page.content.decode()
    assert login(world.coordinator).get(url_a).status_code == 200
    assert login(world.group_coordinator_a).get(reverse("group-members", args=[world.group_b.pk])).status_code == 403
    assert login(world.member_a1).get(url_a).status_code == 404
    other_club, other_group, *_ = world.other_club()
    outsider = world.user("autre@example.org", None)
    Role.objects.create(user=outsider, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    assert login(outsider).get(url_a).status_code == 404
    application = MembershipApplication.objects.get()
    response = login(outsider).post(reverse("application-decide", args=[world.group_a.pk, application.pk]), {"decision": "approve"})
    assert response.status_code == 404 and MembershipApplication.objects.get().status == ApplicationStatus.WAITING
    bad = login(world.group_coordinator_a).post(reverse("application-decide", args=[world.group_a.pk, application.pk]),
                                                {"decision": "maybe"}, follow=True)
    assert "approuver" in bad.content.decode()


def test_renewing_from_the_members_page(world, login):
    start = TODAY - datetime.timedelta(days=350)
    flows.start_membership(household=world.household_a1, group=world.group_a, starts_on=start)
    client = login(world.group_coordinator_a)
    page = client.get(reverse("group-members", args=[world.group_a.pk])).content.decode()
    assert "à renouveler" in page or "échue" in page
    response = client.post(reverse("membership-renew", args=[world.group_a.pk]), {"household": world.household_a1.pk},
                           follow=True)
    assert "Adhésion renouvelée jusqu’au" in response.content.decode()
    assert Membership.objects.filter(household=world.household_a1).count() == 2
    response = client.post(reverse("membership-renew", args=[world.group_a.pk]), {"household": world.household_b1.pk},
                           follow=True)  # another group's household
    assert "Choisissez un foyer du groupe d’achat" in response.content.decode()


def test_a_full_group_says_so_with_the_waitlist_place_before_one_applies(full_a, client):
    world = full_a
    url = reverse("join", args=[world.club.slug, world.group_a.slug])
    assert "group-full" not in client.get(reverse("join", args=[world.club.slug, world.group_b.slug])).content.decode()
    page = client.get(url).content.decode()
    assert 'id="group-full"' in page and "liste d’attente (place 1)" in page
    apply(world, world.group_a)
    assert "liste d’attente (place 2)" in client.get(url).content.decode()


def test_the_login_page_leads_to_joining_and_to_the_producers(world, client):
    page = client.get(reverse("login")).content.decode()
    assert reverse("join-groups", args=[world.club.slug]) in page and reverse("directory", args=[world.club.slug]) in page
    assert "Pas encore de compte" in page
