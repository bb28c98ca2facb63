"""A household invites a second person by e-mail (the person chooses a password and joins), cancels an
invitation, and a member leaves their household."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabas import flows
from cabas.core.errors import ActionError
from cabas.flows.personal_data import erase_member, export_member_data
from cabas.members import households
from cabas.members.models import Household, HouseholdInvitation, User
from cabas.volunteering.models import Shift, Signup, TaskKind

NEW_PASSWORD = "un-nouveau-mot-2026"


def invite(world, client, email="lea@example.org", first_name="Léa"):
    return client.post(reverse("household-members"), {"first_name": first_name, "email": email})


def link_of(message) -> str:
    line = next(line for line in message.body.splitlines() if "/invitation/" in line)
    return line.strip().replace("http://127.0.0.1:8000", "")


def test_a_member_invites_a_person_who_chooses_a_password_and_joins(world, login, run_tasks):
    cycle = world.open_cycle()
    run_tasks()  # the cycle's e-mails
    mail.outbox.clear()
    client = login(world.member_a1)
    page = client.get(reverse("household-members"))
    assert page.status_code == 200 and "a1bis" in page.content.decode()
    assert reverse("household-members") in client.get(reverse("account")).content.decode()  # from « Mon compte »
    response = invite(world, client, email=" Lea@Example.org ")
    assert response.status_code == 302
    invitation = HouseholdInvitation.objects.get()
    assert (invitation.household, invitation.email, invitation.invited_by) == (world.household_a1, "lea@example.org",
                                                                                world.member_a1)
    assert mail.outbox == []  # after the commit, by the worker
    assert run_tasks() == 1
    message = mail.outbox[-1]
    assert message.to == ["lea@example.org"] and "Foyer Le Goff" in message.body and "a1" in message.subject
    path = link_of(message)

    stranger = Client()
    form = stranger.get(path)
    assert form.status_code == 200 and "lea@example.org" in form.content.decode()
    refused = stranger.post(path, {"first_name": "Léa", "last_name": "Morin", "password": NEW_PASSWORD,
                                   "password_again": "autre-chose-2026"})
    assert refused.status_code == 400 and not User.objects.filter(email="lea@example.org").exists()
    weak = stranger.post(path, {"first_name": "Léa", "password": "123", "password_again": "123"})
    assert weak.status_code == 400 and not User.objects.filter(email="lea@example.org").exists()
    joined = stranger.post(path, {"first_name": "Léa", "last_name": "Morin", "password": NEW_PASSWORD,
                                  "password_again": NEW_PASSWORD})
    assert joined.status_code == 302 and joined["Location"] == reverse("home")
    user = User.objects.get(email="lea@example.org")
    assert user.household == world.household_a1 and user.check_password(NEW_PASSWORD) and user.first_name == "Léa"
    home = stranger.get(reverse("home"))  # logged in: the household's cycle, to order in
    assert home.status_code == 200 and cycle.name in home.content.decode()
    assert stranger.get(reverse("order", args=[cycle.pk])).status_code == 200
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None

    # single use
    again = Client().get(path)
    assert again.status_code == 404 and "ne fonctionne plus" in again.content.decode()
    with pytest.raises(ActionError):
        households.accept(token=path.split("/")[-2], first_name="X", last_name="", password=NEW_PASSWORD,
                          password_again=NEW_PASSWORD)


def test_links_that_no_longer_work(world, login, run_tasks):
    client = login(world.member_a1)
    invite(world, client)
    run_tasks()
    first = link_of(mail.outbox[-1])
    invite(world, client)  # sent again: a new link, the first one dies
    run_tasks()
    second = link_of(mail.outbox[-1])
    assert first != second
    assert Client().get(first).status_code == 404 and Client().get(second).status_code == 200
    assert HouseholdInvitation.objects.filter(cancelled_at__isnull=True).count() == 1
    # forged or altered
    assert Client().get(reverse("household-invitation-accept", args=["abc:def"])).status_code == 404
    assert Client().get(second[:-3] + "xx/").status_code == 404
    # expired
    later = timezone.now() + datetime.timedelta(days=8)
    token = second.split("/")[-2]
    assert households.invitation_for(token) is not None and households.invitation_for(token, now=later) is None
    # cancelled
    invitation = HouseholdInvitation.objects.get(cancelled_at__isnull=True)
    assert client.post(reverse("household-invitation-cancel", args=[invitation.pk])).status_code == 302
    assert Client().get(second).status_code == 404
    # a household that left its group
    invite(world, client, email="paul@example.org", first_name="Paul")
    run_tasks()
    third = link_of(mail.outbox[-1])
    Household.objects.filter(pk=world.household_a1.pk).update(left_on=timezone.localdate())
    assert Client().get(third).status_code == 404


def test_what_an_invitation_refuses(world, login, settings):
    client = login(world.member_a1)
    response = invite(world, client, email="a2@example.org")  # has an account: the inviter is told so
    assert response.status_code == 400 and "déjà un compte" in response.content.decode()
    assert invite(world, client, email="pas-une-adresse").status_code == 400
    assert invite(world, client, first_name="").status_code == 400
    assert not HouseholdInvitation.objects.exists()
    settings.CABAS_HOUSEHOLD_MAX_MEMBERS = 3  # a1 and a1bis, and one invitation waiting
    assert invite(world, client).status_code == 302
    full = invite(world, client, email="paul@example.org")
    assert full.status_code == 400 and "au plus 3" in full.content.decode()
    assert invite(world, client).status_code == 302  # the same address again: sent again, not one more
    with pytest.raises(ActionError):  # someone of another household
        households.invite(household=world.household_a1, by_user=world.member_a2, first_name="X", email="x@example.org")
    settings.CABAS_HOUSEHOLD_MAX_MEMBERS = 50
    HouseholdInvitation.objects.all().delete()
    for i in range(households.INVITATIONS_PER_DAY):
        households.invite(household=world.household_a1, by_user=world.member_a1, first_name="X", email=f"x{i}@example.org")
    with pytest.raises(ActionError, match="demain"):
        households.invite(household=world.household_a1, by_user=world.member_a1, first_name="Y", email="y@example.org")


def test_the_household_is_full_when_the_invitation_is_accepted(world, login, settings, run_tasks):
    invitation = households.invite(household=world.household_a1, by_user=world.member_a1, first_name="Léa",
                                   email="lea@example.org")
    settings.CABAS_HOUSEHOLD_MAX_MEMBERS = 2  # lowered meanwhile
    with pytest.raises(ActionError, match="au plus|déjà"):
        households.accept(token=households.token_for(invitation), first_name="Léa", last_name="", password=NEW_PASSWORD,
                          password_again=NEW_PASSWORD)
    assert not User.objects.filter(email="lea@example.org").exists()


def test_only_the_household_sees_and_acts_on_its_invitations(world, login):
    invitation = households.invite(household=world.household_a1, by_user=world.member_a1, first_name="Léa",
                                   email="lea@example.org")
    assert login(world.coordinator).get(reverse("household-members")).status_code == 404  # no household
    other = login(world.member_b1)
    assert "lea@example.org" not in other.get(reverse("household-members")).content.decode()
    other.post(reverse("household-invitation-cancel", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None
    assert Client().get(reverse("household-members")).status_code == 302  # to the login page
    assert login(world.member_a1_bis).post(reverse("household-invitation-cancel", args=[invitation.pk])).status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None


def test_a_member_leaves_the_household_and_keeps_the_account(world, login):
    kind = TaskKind.objects.create(club=world.club, category="distribution", name="Distribution", hours=2)
    now = timezone.now()
    coming = Shift.objects.create(club=world.club, group=world.group_a, kind=kind, title="À venir", hours=2, people_needed=2,
                                  starts_at=now + datetime.timedelta(days=3), ends_at=now + datetime.timedelta(days=3, hours=2))
    past = Shift.objects.create(club=world.club, group=world.group_a, kind=kind, title="Passée", hours=2, people_needed=2,
                                starts_at=now - datetime.timedelta(days=3), ends_at=now - datetime.timedelta(days=3, hours=-2))
    Signup.objects.create(shift=coming, user=world.member_a1_bis, household=world.household_a1)
    Signup.objects.create(shift=past, user=world.member_a1_bis, household=world.household_a1, attended=True)
    client = login(world.member_a1_bis)
    refused = client.post(reverse("household-quit"), {})
    assert refused.status_code == 400  # the confirmation is ticked
    response = client.post(reverse("household-quit"), {"confirm": "on"})
    assert response.status_code == 302
    person = User.objects.get(pk=world.member_a1_bis.pk)
    assert person.household is None and person.is_active
    assert list(Signup.objects.filter(user=person).values_list("shift__title", flat=True)) == ["Passée"]
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("household-members")).status_code == 404
    # the last member: the household leaves the group, with its coordinators
    last = login(world.member_a1)
    page = last.get(reverse("household-members"))
    assert reverse("household-quit") not in page.content.decode()
    assert last.post(reverse("household-quit"), {"confirm": "on"}).status_code == 400
    with pytest.raises(ActionError, match="dernier"):
        flows.leave_household(user=world.member_a1)
    assert User.objects.get(pk=world.member_a1.pk).household == world.household_a1


def test_personal_data_of_invitations(world, run_tasks):
    households.invite(household=world.household_a1, by_user=world.member_a1, first_name="Léa", email="lea@example.org")
    data = export_member_data(world.member_a1_bis)
    assert [i["email"] for i in data["household_invitations"]] == ["lea@example.org"]
    assert data["household_invitations"][0]["invited_by_me"] is False
    erase_member(user=world.member_a1, by_user=world.member_a1, password=world.password)
    assert not HouseholdInvitation.objects.exists()  # the person erased sent it


def test_the_household_page_costs_a_constant_number_of_queries(world, django_assert_num_queries, settings):
    settings.CABAS_HOUSEHOLD_MAX_MEMBERS = 30
    client = Client()
    client.force_login(world.member_a1)

    def measure():
        # session, user, roles (the menu), household, people, invitations (and who sent them), the group's open places
        with django_assert_num_queries(7):
            assert client.get(reverse("household-members")).status_code == 200

    for i in range(2):
        households.invite(household=world.household_a1, by_user=world.member_a1, first_name="X", email=f"x{i}@example.org")
    measure()
    for i in range(2, 10):
        world.user(f"p{i}@example.org", world.household_a1)
        HouseholdInvitation.objects.create(household=world.household_a1, invited_by=world.member_a1_bis, first_name="Y",
                                           email=f"y{i}@example.org", key="k",
                                           expires_at=timezone.now() + datetime.timedelta(days=3))
    measure()
