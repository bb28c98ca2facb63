"""Shift reminders through the notifications queue: the day before a shift, each person on it is told where,
when and who else comes (once per shift and date: a shift moved to another day is reminded again); two days
before a shift nobody took, the coordinators who fill it are alerted (the group's, the club's for a club-wide
shift), never anyone else; each can be turned off like every e-mail."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cabas.members.models import Role, RoleKind
from cabas.notifications import services as notify
from cabas.notifications.models import Kind, NotificationEvent, Preference, SentNotification
from cabas.notifications.tasks import queue_reminders, send_shift_reminder, send_shift_unfilled
from cabas.volunteering import planning, services
from cabas.volunteering.models import Shift, TaskCategory

DAY = datetime.timedelta(days=1)


def to(messages):
    return sorted(address for m in messages for address in m.to)


def of_kind(subject_part):
    return [m for m in mail.outbox if subject_part in m.subject]


@pytest.fixture
def now():
    """Ten in the morning today (local time): 'tomorrow' and 'in two days' are plain dates."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(10)))


def add(world, *, group, days: int, title: str, people: int = 3, start=datetime.time(18), end=datetime.time(20)) -> Shift:
    kind = planning.kind_for(world.club, TaskCategory.DISTRIBUTION)
    return planning.add_shift(world.club, kind=kind, group=group, title=title, day=timezone.localdate() + days * DAY,
                              start=start, end=end, place="Salle des fêtes, 2 place de l'Église", people_needed=people,
                              notes="Apportez un tablier.")


@pytest.fixture
def neighbours(world):
    """Another club with a member and a coordinator: they never hear of this club's shifts."""
    club, group, household, producer, product = world.other_club()
    world.user("kerjean@example.org", household)
    coordinator = world.user("voisin@example.org", None)
    Role.objects.create(user=coordinator, kind=RoleKind.CLUB_COORDINATOR, club=club)
    return club


def test_the_day_before_each_person_on_the_shift_is_told_where_when_and_who_else_once(world, neighbours, now, run_tasks):
    shift = add(world, group=world.group_a, days=1, title="Distribution — GAC de Rennes")
    services.sign_up(shift.pk, world.member_a1)
    services.sign_up(shift.pk, world.member_a2)
    add(world, group=world.group_b, days=1, title="Distribution — GAC de Vitré")  # nobody on it: no reminder
    later = add(world, group=world.group_a, days=3, title="Plus tard")
    services.sign_up(later.pk, world.member_a1)  # not tomorrow
    assert queue_reminders(now=now)["shift"] == 1
    run_tasks()
    sent = of_kind("Demain : Distribution — GAC de Rennes à 18:00")
    assert to(sent) == ["a1@example.org", "a2@example.org"]
    a1 = next(m for m in sent if m.to == ["a1@example.org"])
    assert "Salle des fêtes, 2 place de l'Église" in a1.body and "de 18:00 à 20:00" in a1.body
    assert "Avec vous : a2." in a1.body and "a1." not in a1.body.split("Avec vous")[1].split("\n")[0]
    assert "Encore 1 place libre." in a1.body and "Apportez un tablier." in a1.body
    assert "Tâche : Distribution, 2 h comptées" in a1.body
    assert "Vous ne pouvez pas venir ? Proposez un échange à un autre membre : http" in a1.body
    html = a1.alternatives[0][0] if not hasattr(a1.alternatives[0], "content") else a1.alternatives[0].content
    assert "Salle des fêtes" in html and "<a href=" in html
    assert a1.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Plus tard" not in " ".join(m.subject for m in mail.outbox)
    # once: cron again, or the task again, sends nothing more
    mail.outbox.clear()
    assert queue_reminders(now=now + datetime.timedelta(hours=1))["shift"] == 0
    send_shift_reminder.enqueue(shift.pk)
    run_tasks()
    assert mail.outbox == []
    assert SentNotification.objects.filter(kind=Kind.SHIFT, event=f"shift:{shift.pk}:{(now + DAY).date().isoformat()}",
                                           sent_at__isnull=False).count() == 2


def test_a_shift_moved_to_another_day_is_reminded_again(world, now, run_tasks):
    shift = add(world, group=world.group_a, days=1, title="Réception")
    services.sign_up(shift.pk, world.member_a1)
    assert queue_reminders(now=now)["shift"] == 1
    run_tasks()
    assert to(of_kind("Demain : Réception")) == ["a1@example.org"]
    mail.outbox.clear()
    Shift.objects.filter(pk=shift.pk).update(starts_at=shift.starts_at + 2 * DAY, ends_at=shift.ends_at + 2 * DAY,
                                             sequence=shift.sequence + 1)
    assert queue_reminders(now=now)["shift"] == 0  # no longer tomorrow
    assert queue_reminders(now=now + 2 * DAY)["shift"] == 1  # the eve of its new date
    run_tasks()
    assert to(of_kind("Demain : Réception")) == ["a1@example.org"]


def test_no_reminder_for_a_cancelled_shift_nor_for_one_turned_off(world, now, run_tasks):
    cancelled = add(world, group=world.group_a, days=1, title="Annulée")
    services.sign_up(cancelled.pk, world.member_a1)
    Shift.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now())
    shift = add(world, group=world.group_a, days=1, title="Caisse")
    services.sign_up(shift.pk, world.member_a1)
    services.sign_up(shift.pk, world.member_a2)
    assert Kind.SHIFT.value in notify.kinds_for(world.member_a2)
    notify.set_preferences(world.member_a2, [k for k in notify.kinds_for(world.member_a2) if k != Kind.SHIFT])
    assert queue_reminders(now=now)["shift"] == 1
    run_tasks()
    assert to(of_kind("Demain")) == ["a1@example.org"]  # a2 turned it off, the cancelled one is not reminded
    body = of_kind("Demain")[0].body
    assert "Avec vous : a2." in body  # who else comes, whatever their e-mail choices


def test_a_shift_nobody_took_alerts_its_groups_coordinators_two_days_before(world, neighbours, now, run_tasks):
    empty = add(world, group=world.group_a, days=2, title="Réception A")
    taken = add(world, group=world.group_a, days=2, title="Distribution A")
    services.sign_up(taken.pk, world.member_a1)
    tomorrow = add(world, group=world.group_a, days=1, title="Demain vide")  # not two days ahead
    assert queue_reminders(now=now)["shift_unfilled"] == 1
    run_tasks()
    alerts = of_kind("Personne pour l’instant")
    assert to(alerts) == ["coord-a@example.org"]  # the group's coordinator, not the club's nor another club's
    body = alerts[0].body
    assert "Réception A" in body and "Salle des fêtes" in body and "de 18:00 à 20:00" in body
    assert "3 personnes demandées." in body and "Groupe d’achat : GAC de Rennes" in body
    assert "Distribution A" not in " ".join(m.subject for m in mail.outbox)
    assert tomorrow.title not in " ".join(m.subject for m in mail.outbox)
    mail.outbox.clear()
    assert queue_reminders(now=now + datetime.timedelta(hours=2))["shift_unfilled"] == 0
    send_shift_unfilled.enqueue(empty.pk)
    run_tasks()
    assert mail.outbox == []


def test_a_club_wide_shift_alerts_the_clubs_coordinators_and_a_group_without_coordinator_too(world, neighbours, now,
                                                                                              run_tasks):
    add(world, group=None, days=2, title="Aide à la récolte")
    add(world, group=world.group_b, days=2, title="Réception B")  # group B has no coordinator of its own
    assert queue_reminders(now=now)["shift_unfilled"] == 2
    run_tasks()
    assert to(of_kind("Aide à la récolte")) == ["coord@example.org"]
    assert to(of_kind("Réception B")) == ["coord@example.org"]
    club_wide = of_kind("Aide à la récolte")[0]
    assert "Ouvert à l’ensemble des groupes d’achat du club." in club_wide.body
    assert not [m for m in mail.outbox if m.to[0] in ("voisin@example.org", "coord-a@example.org", "a1@example.org")]


def test_someone_signing_up_meanwhile_stops_the_alert_and_a_coordinator_may_turn_it_off(world, now, run_tasks):
    shift = add(world, group=world.group_a, days=2, title="Réception A")
    assert queue_reminders(now=now)["shift_unfilled"] == 1
    services.sign_up(shift.pk, world.member_a2)  # before the worker ran
    run_tasks()
    assert of_kind("Personne pour l’instant") == []
    other = add(world, group=world.group_a, days=2, title="Caisse A")
    assert Kind.SHIFT_UNFILLED.value in notify.kinds_for(world.group_coordinator_a)
    assert Kind.SHIFT_UNFILLED.value not in notify.kinds_for(world.member_a1)
    Preference.objects.create(user=world.group_coordinator_a, kind=Kind.SHIFT_UNFILLED, enabled=False)
    assert queue_reminders(now=now)["shift_unfilled"] == 1
    run_tasks()
    assert of_kind(other.title) == []


QUEUE_READS = 6  # open cycles, distributions tomorrow, shifts tomorrow, shifts in two days, the events known of
#                  the two kinds that have some (opened cycles, deadlines… have none here)


def test_queueing_the_shifts_costs_the_same_whatever_their_number(world, now, run_tasks):
    def queries() -> tuple[int, int]:
        SentNotification.objects.all().delete()
        NotificationEvent.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            queued = queue_reminders(now=now)
        run_tasks()
        mail.outbox.clear()
        # the database backend inserts each task queued (the Redis one writes none in the database)
        reads = [q for q in captured.captured_queries if not q["sql"].startswith("INSERT")]
        return len(reads), queued["shift"] + queued["shift_unfilled"]

    def more(count):
        for i in range(count):
            taken = add(world, group=world.group_a, days=1, title=f"Demain {i}")
            services.sign_up(taken.pk, world.member_a1)
            add(world, group=world.group_a, days=2, title=f"Vide {i}")

    more(1)
    assert queries() == (QUEUE_READS, 2)
    more(9)
    assert queries() == (QUEUE_READS, 20)
