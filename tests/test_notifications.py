"""Notifications by e-mail: each sent once, to the right people only (their own group's place, their own
household's order, never an amount nor a tariff, nothing of another club), with a plain-text part, an HTML
part, the List-Unsubscribe headers and a one-click link that works; members choose which they get."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cabas.catalog.models import SpecSheet
from cabas.distribution.models import Distribution
from cabas.flows import close_cycle, save_order
from cabas.members.models import Household, Role, RoleKind
from cabas.notifications import services
from cabas.notifications.models import Kind, NotificationEvent, Preference, SentNotification
from cabas.notifications.tasks import queue_reminders, send_cycle_opened
from cabas.ordering.models import Offer

HOUR = datetime.timedelta(hours=1)


def offer(cycle, product):
    return Offer.objects.get(cycle=cycle, product=product)


def to(messages):
    return sorted(address for m in messages for address in m.to)


def of_kind(subject_part):
    return [m for m in mail.outbox if subject_part in m.subject]


@pytest.fixture
def neighbours(world):
    """Another club with a member and a coordinator: they must never receive this club's e-mails."""
    club, group, household, producer, product = world.other_club()
    world.user("kerjean@example.org", household)
    coordinator = world.user("voisin@example.org", None)
    Role.objects.create(user=coordinator, kind=RoleKind.CLUB_COORDINATOR, club=club)
    return club


MEMBERS = ["a1@example.org", "a1bis@example.org", "a2@example.org", "b1@example.org", "coord-a@example.org"]


def test_a_cycle_opens_every_member_of_its_groups_is_told_once(world, neighbours, run_tasks):
    cycle = world.open_cycle()
    run_tasks()
    opened = of_kind("Les commandes sont ouvertes")
    assert to(opened) == MEMBERS  # not the club coordinator (no household), nobody of the other club
    a1 = next(m for m in opened if m.to == ["a1@example.org"])
    assert cycle.name in a1.subject and "Dépôt GAC de Rennes" in a1.body and "Vitré" not in a1.body
    html = a1.alternatives[0][0] if not hasattr(a1.alternatives[0], "content") else a1.alternatives[0].content
    assert "<a href=" in html and "Dépôt GAC de Rennes" in html
    assert a1.extra_headers["List-Unsubscribe"].startswith("<http") and "/e-mails/arreter/" in a1.extra_headers["List-Unsubscribe"]
    assert a1.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "€" not in a1.body
    # sent once: the task again, or send-reminders, sends nothing more
    mail.outbox.clear()
    send_cycle_opened.enqueue(cycle.pk)
    call_command("send-reminders")
    run_tasks()
    assert of_kind("Les commandes sont ouvertes") == []
    assert SentNotification.objects.filter(kind=Kind.CYCLE_OPENED, sent_at__isnull=False).count() == len(MEMBERS)


def test_what_is_new_is_what_the_previous_cycle_did_not_offer(world, run_tasks):
    now = timezone.now()
    world.open_cycle(name="Semaine 46", opens_at=now - 9 * 24 * HOUR, closes_at=now - 8 * 24 * HOUR,
                     products=[world.milk, world.bread])
    world.open_cycle(name="Semaine 47")
    run_tasks()
    body = next(m.body for m in of_kind("Semaine 47") if m.to == ["a1@example.org"])
    assert "Carottes" in body.split("Nouveau")[1] and "Lait cru" not in body.split("Nouveau")[1]


def test_the_deadline_reminder_goes_to_households_that_have_not_ordered(world, neighbours, run_tasks, settings):
    settings.CABAS_DEADLINE_REMINDER_HOURS = 24
    now = timezone.now()
    cycle = world.open_cycle(closes_at=now + 10 * HOUR)
    save_order(cycle=cycle, household=world.household_a1, quantities={offer(cycle, world.bread).pk: "1"})
    run_tasks()
    mail.outbox.clear()
    assert queue_reminders(now=now)["deadline"] == 1
    run_tasks()
    reminded = of_kind("Dernier appel")
    assert to(reminded) == ["a2@example.org", "b1@example.org", "coord-a@example.org"]  # not a1's household
    mail.outbox.clear()
    assert queue_reminders(now=now + HOUR)["deadline"] == 0
    run_tasks()
    assert of_kind("Dernier appel") == []


def test_no_deadline_reminder_when_the_deadline_is_far(world, run_tasks, settings):
    settings.CABAS_DEADLINE_REMINDER_HOURS = 24
    world.open_cycle(closes_at=timezone.now() + 72 * HOUR)
    assert queue_reminders()["deadline"] == 0


@pytest.fixture
def closed(world, run_tasks):
    """A cycle where a1 orders bread and carrots, b1 bread; the carrots' threshold is not reached."""
    now = timezone.now()
    cycle = world.open_cycle(opens_at=now - 48 * HOUR, closes_at=now + HOUR)
    Offer.objects.filter(cycle=cycle, product=world.carrots).update(min_total=D("50"))
    save_order(cycle=cycle, household=world.household_a1,
               quantities={offer(cycle, world.bread).pk: "2", offer(cycle, world.carrots).pk: "3"})
    save_order(cycle=cycle, household=world.household_b1, quantities={offer(cycle, world.bread).pk: "1"})
    run_tasks()
    mail.outbox.clear()
    close_cycle(cycle.pk, now=now + 2 * HOUR)
    return cycle


def test_the_order_at_closing_tells_each_household_its_own_and_what_was_cancelled(world, neighbours, closed, run_tasks):
    run_tasks()
    summaries = of_kind("Votre commande à la clôture")
    assert to(summaries) == ["a1@example.org", "a1bis@example.org", "b1@example.org"]  # households that ordered
    a1 = next(m for m in summaries if m.to == ["a1@example.org"])
    assert "Carottes" in a1.body and "annulé" in a1.body and "seuil de viabilité" in a1.body
    assert "Pain de campagne" in a1.body
    b1 = next(m for m in summaries if m.to == ["b1@example.org"])
    assert "Carottes" not in b1.body  # never another household's order
    assert all("€" not in m.body and "tarif" not in m.body.lower() for m in summaries)
    mail.outbox.clear()
    close_cycle(closed.pk)  # closing again closes nothing, sends nothing
    run_tasks()
    assert mail.outbox == []


def test_coordinators_are_told_a_cycle_closed_with_their_documents(world, neighbours, closed, run_tasks):
    run_tasks()
    told = of_kind("Cycle clôturé")
    assert to(told) == ["coord-a@example.org", "coord@example.org"]
    club = next(m for m in told if m.to == ["coord@example.org"])
    assert reverse("cycle-documents", args=[closed.pk]) in club.body
    group = next(m for m in told if m.to == ["coord-a@example.org"])
    assert reverse("picking-list", args=[closed.pk, world.group_a.pk]) in group.body
    assert f"/groupes/{world.group_b.pk}/" not in group.body  # never another group's documents


def test_the_pickup_reminder_on_the_eve_with_the_containers(world, closed, run_tasks):
    run_tasks()
    mail.outbox.clear()
    today = timezone.localdate()
    Distribution.objects.filter(cycle=closed, group=world.group_a).update(date=today + datetime.timedelta(days=1))
    sheet = SpecSheet.objects.create(product=world.bread, version=1, packaging="Sac en tissu", returnable_container=True)
    Offer.objects.filter(cycle=closed, product=world.bread).update(spec_sheet=sheet)
    assert queue_reminders()["pickup"] == 1
    run_tasks()
    reminders = of_kind("Demain")
    assert to(reminders) == ["a1@example.org", "a1bis@example.org"]  # group A households receiving goods
    body = reminders[0].body
    assert "Dépôt GAC de Rennes" in body and "1 rue de la Gare" in body and "18:00" in body and "19:30" in body
    assert "Pain de campagne" in body and "Carottes" not in body  # the carrots did not go ahead
    assert "Rapportez les contenants de : Pain de campagne" in body
    assert queue_reminders()["pickup"] == 0


def test_the_threshold_nudge_once_a_day_to_those_who_have_not_ordered_it(world, run_tasks):
    now = timezone.now()
    cycle = world.open_cycle(closes_at=now + 72 * HOUR)
    Offer.objects.filter(cycle=cycle, product=world.carrots).update(min_total=D("10"))
    save_order(cycle=cycle, household=world.household_a1, quantities={offer(cycle, world.carrots).pk: "7"})
    run_tasks()
    mail.outbox.clear()
    assert queue_reminders(now=now)["threshold"] == 1
    run_tasks()
    nudged = of_kind("Encore un peu")
    assert to(nudged) == ["a2@example.org", "b1@example.org", "coord-a@example.org"]
    assert "3" in nudged[0].body and "Carottes" in nudged[0].body
    assert queue_reminders(now=now + HOUR)["threshold"] == 0  # once a day


def test_the_unsubscribe_link_stops_that_kind_only(world, run_tasks, client):
    cycle = world.open_cycle()
    run_tasks()
    message = next(m for m in mail.outbox if m.to == ["a1@example.org"])
    link = next(line for line in message.body.splitlines() if "/e-mails/arreter/" in line).split()[-1]
    path = link.split("8000", 1)[1]
    page = client.get(path)  # a link scanner's visit changes nothing
    assert page.status_code == 200 and not Preference.objects.exists()
    assert client.post(path).status_code == 200
    assert Preference.objects.get(user=world.member_a1).kind == Kind.CYCLE_OPENED
    assert services.preferences_for(world.member_a1)[Kind.CYCLE_OPENED] is False
    assert services.preferences_for(world.member_a1)[Kind.DEADLINE] is True
    # the mail program's one-click POST (RFC 8058), without a session or CSRF token
    header = next(m for m in mail.outbox if m.to == ["b1@example.org"]).extra_headers["List-Unsubscribe"]
    robot = Client(enforce_csrf_checks=True)
    answer = robot.post(header.strip("<>").split("8000", 1)[1], "List-Unsubscribe=One-Click",
                        content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert not services.preferences_for(world.member_b1)[Kind.CYCLE_OPENED]
    assert client.post(path[:-5] + "xxxx/").status_code == 404  # a forged token
    mail.outbox.clear()
    world.open_cycle(name="Semaine 48")
    run_tasks()
    assert "a1@example.org" not in to(mail.outbox) and "a1bis@example.org" in to(mail.outbox)


def test_members_choose_their_e_mails_on_their_account(world, login):
    client = login(world.member_a1)
    page = client.get(reverse("notification-preferences"))
    assert page.status_code == 200 and "Un cycle s&#x27;ouvre" in page.content.decode()
    assert "cycle_closed" not in page.content.decode()  # a coordinators' e-mail, not offered to a member
    response = client.post(reverse("notification-preferences"), {"kinds": ["deadline", "pickup", "cycle_closed", "bogus"]})
    assert response.status_code == 302
    chosen = services.preferences_for(world.member_a1)
    assert chosen == {"cycle_opened": False, "deadline": True, "closing": False, "pickup": True, "threshold": False,
                      "shift": False}
    assert not Preference.objects.filter(kind__in=["cycle_closed", "bogus"]).exists()
    assert reverse("notification-preferences") in login(world.member_a1).get(reverse("account")).content.decode()
    assert client.get(reverse("notification-preferences")).status_code == 200


def test_the_preferences_need_a_login(client):
    response = client.get(reverse("notification-preferences"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_erased_or_inactive_member_gets_nothing(world, run_tasks):
    world.member_a1_bis.is_active = False
    world.member_a1_bis.save()
    Household.objects.filter(pk=world.household_b1.pk).update(left_on=timezone.localdate())
    world.open_cycle()
    run_tasks()
    assert "a1bis@example.org" not in to(mail.outbox) and "b1@example.org" not in to(mail.outbox)


def test_queueing_costs_the_same_whatever_the_number_of_households(world, run_tasks):
    now = timezone.now()
    world.open_cycle(closes_at=now + 10 * HOUR)

    def queries():
        SentNotification.objects.all().delete()
        NotificationEvent.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            queue_reminders(now=now)
        run_tasks()
        return len(captured)

    small = queries()
    for i in range(40):
        household = Household.objects.create(group=world.group_b, name=f"Foyer {i}")
        world.user(f"m{i}@example.org", household)
    assert queries() == small
    mail.outbox.clear()


def test_the_cycle_opened_email_carries_the_news_of_the_club_and_of_the_members_own_group(world, run_tasks):
    from cabas.news.models import NewsItem

    now = timezone.now()
    world.open_cycle(name="Semaine 46", opens_at=now - 9 * 24 * HOUR, closes_at=now - 8 * 24 * HOUR)
    run_tasks()
    mail.outbox.clear()
    old = NewsItem.objects.create(club=world.club, title="Déjà envoyée", body="…", published_on=timezone.localdate(now) - datetime.timedelta(days=20),
                                  created_at=now - 20 * 24 * HOUR)
    NewsItem.objects.create(club=world.club, title="Visite à la ferme", body="Samedi, venez voir les vaches.")
    NewsItem.objects.create(club=world.club, group=world.group_a, title="Nouveau lieu à Rennes", body="Salle des fêtes.")
    NewsItem.objects.create(club=world.club, group=world.group_b, title="Vitré seulement", body="…")
    world.open_cycle(name="Semaine 47")
    run_tasks()
    a1 = next(m for m in of_kind("Semaine 47") if m.to == ["a1@example.org"])
    b1 = next(m for m in of_kind("Semaine 47") if m.to == ["b1@example.org"])
    assert "Visite à la ferme" in a1.body and "Nouveau lieu à Rennes" in a1.body and old.title not in a1.body
    assert "Vitré seulement" not in a1.body  # never another group's news
    assert "Visite à la ferme" in b1.body and "Vitré seulement" in b1.body and "Nouveau lieu à Rennes" not in b1.body


def test_the_waitlist_tells_the_applicant_and_the_groups_coordinators_and_the_first_when_a_place_frees_up(
        world, neighbours, run_tasks):
    from cabas.flows import apply_to_join, leave_group
    from cabas.members.models import Group

    Group.objects.filter(pk=world.group_a.pk).update(capacity=2)
    world.group_a.refresh_from_db()
    data = {"first_name": "Léa", "last_name": "Morin", "email": "lea@example.org"}
    apply_to_join(group=world.group_a, data=data)
    apply_to_join(group=world.group_a, data={**data, "first_name": "Paul", "email": "paul@example.org"})
    run_tasks()
    lea = [m for m in mail.outbox if m.to == ["lea@example.org"]]
    assert len(lea) == 1 and "GAC de Rennes" in lea[0].body
    paul = next(m for m in mail.outbox if m.to == ["paul@example.org"])
    assert "numéro 2" in paul.body  # the group is full: its place in the queue
    alerts = of_kind("demande à adhérer")
    # the group's coordinator and the club's, twice (one per application); never the other group's or club's people
    assert to(alerts) == sorted(["coord-a@example.org", "coord@example.org"] * 2)
    assert all("List-Unsubscribe" in m.extra_headers for m in alerts)
    mail.outbox.clear()
    leave_group(household=world.household_a1, reason="déménagement")
    run_tasks()
    assert [m.to for m in mail.outbox if m.to in (["lea@example.org"], ["paul@example.org"])] == [["lea@example.org"]]
    assert to(of_kind("une place se libère")) == ["coord-a@example.org", "coord@example.org"]
    mail.outbox.clear()
    from cabas.notifications.tasks import send_place_freed

    send_place_freed.enqueue(world.group_a.pk, world.household_a1.pk)  # again: nothing more
    run_tasks()
    assert mail.outbox == []


def test_a_depot_claim_tells_the_club_and_the_groups_coordinators_once(world, neighbours, run_tasks):
    from cabas.distribution.models import ReceptionState
    from cabas.distribution.services import ReceivedLine
    from cabas.flows import record_depot_reception

    cycle = world.open_cycle()
    carrots = offer(cycle, world.carrots)
    save_order(cycle=cycle, household=world.household_a1, quantities={carrots.pk: "3"})
    close_cycle(cycle.pk, now=cycle.closes_at)
    run_tasks()
    mail.outbox.clear()
    distribution = Distribution.objects.get(cycle=cycle, group=world.group_a)
    record_depot_reception(distribution, {carrots.pk: ReceivedLine(ReceptionState.DAMAGED, D("2"), "gel")})
    record_depot_reception(distribution, {carrots.pk: ReceivedLine(ReceptionState.DAMAGED, D("2"), "gel")})  # unchanged
    run_tasks()
    claims = of_kind("réclamation")
    assert to(claims) == ["coord-a@example.org", "coord@example.org"]  # once, to the group's and the club's
    assert "Carottes" in claims[0].body and "gel" in claims[0].body and "€" not in claims[0].body
    assert "a1@example.org" not in to(mail.outbox)


def test_bank_lines_left_to_match_are_announced_to_the_treasury(world, neighbours, run_tasks):
    from cabas.finance.models import FinanceSettings
    from cabas.flows import import_bank_statement

    from .test_finance_services import camt

    treasurer = world.user("tresor@example.org", None)
    Role.objects.create(user=treasurer, kind=RoleKind.TREASURER, club=world.club)
    FinanceSettings.objects.create(club=world.club, legal_name="GAC", reference_scheme="be")
    outcome = import_bank_statement(club=world.club, data=camt(amount_1="5.20", reference_1="nothing", amount_2="1.00"),
                                    filename="releve.xml")
    assert outcome.unmatched + outcome.suggested > 0
    run_tasks()
    sent = of_kind("à rapprocher")
    assert to(sent) == ["coord@example.org", "tresor@example.org"]
    assert "/releves/" in sent[0].body
