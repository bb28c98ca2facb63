"""Notifications by e-mail: who chose to receive which kind, the one-click unsubscribe link, and the delivery
of one event's e-mails, each recipient at most once.

Every e-mail has a plain-text part and an HTML one, a link to stop that kind of e-mail (no login needed: a
signed token) and the ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers (RFC 8058), so that mail
programs offer the same in one click. Each e-mail is written in its recipient's language (the one they chose on
their account, else the club's: French first); subjects are ``Deferred`` messages translated for each."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation

from cabas.core.i18n import language_of
from cabas.members.models import User

from .models import MEMBER_KINDS, Kind, NotificationEvent, Preference, SentNotification

UNSUBSCRIBE_SALT = "cabas.notifications.unsubscribe"
CHUNK = 200  # e-mails rendered, sent on one connection and stamped together
STALE_CLAIM = datetime.timedelta(minutes=15)


@dataclass
class Recipient:
    user_id: int
    email: str
    first_name: str
    household_id: int | None = None
    group_id: int | None = None
    language: str = ""  # the person's chosen language (blank: the club's); their e-mails are written in it
    extra: dict = field(default_factory=dict)  # what the kind adds for this person (their group's documents…)


# --- preferences and the unsubscribe link -------------------------------------------------------------------

def kinds_for(user) -> list[str]:
    """The kinds a person may choose among: the members' ones, and the coordinators' when they coordinate."""
    kinds = [k.value for k in MEMBER_KINDS] if user.household_id else []
    if user.roles.filter(kind__in=["club_coordinator", "group_coordinator"]).exists():
        kinds += [Kind.CYCLE_CLOSED.value, Kind.WAITLIST.value, Kind.CLAIM.value, Kind.SHIFT_UNFILLED.value]
    if user.roles.filter(kind__in=["club_coordinator", "treasurer"]).exists():
        kinds.append(Kind.UNMATCHED.value)
    return kinds


def preferences_for(user) -> dict[str, bool]:
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "enabled"))
    return {kind: chosen.get(kind, True) for kind in kinds_for(user)}


@transaction.atomic
def set_preferences(user, enabled: Iterable[str]) -> dict[str, bool]:
    """Record the person's choice for every kind offered to them (a kind not offered is ignored)."""
    enabled = set(enabled)
    now = timezone.now()
    choices = {kind: kind in enabled for kind in kinds_for(user)}
    Preference.objects.bulk_create(
        [Preference(user=user, kind=kind, enabled=on, changed_at=now) for kind, on in choices.items()],
        update_conflicts=True, unique_fields=["user", "kind"], update_fields=["enabled", "changed_at"])
    return choices


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps([user_id, kind], salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        user_id, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind not in Kind.values or not isinstance(user_id, int):
        return None
    return user_id, kind


def unsubscribe_url(user_id: int, kind: str) -> str:
    return settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(user_id, kind)])


def unsubscribe(user_id: int, kind: str) -> bool:
    """Stop one kind of e-mail for one person; True when the person exists."""
    if not User.objects.filter(pk=user_id).exists():
        return False
    Preference.objects.update_or_create(user_id=user_id, kind=kind,
                                        defaults={"enabled": False, "changed_at": timezone.now()})
    return True


# --- recipients ---------------------------------------------------------------------------------------------

def members_of_groups(group_ids: Iterable[int], *, household_ids: Iterable[int] | None = None) -> list[Recipient]:
    """The active members of the groups' current households (optionally only those households), one query."""
    queryset = User.objects.filter(household__group_id__in=list(group_ids), household__left_on__isnull=True,
                                   is_active=True).exclude(email="")
    if household_ids is not None:
        queryset = queryset.filter(household_id__in=list(household_ids))
    return [Recipient(user_id=pk, email=email, first_name=first_name, household_id=household_id, group_id=group_id,
                      language=language)
            for pk, email, first_name, household_id, group_id, language in queryset.order_by("pk").values_list(
                "pk", "email", "first_name", "household_id", "household__group_id", "language")]


def coordinators_of(club_id: int, group_ids: Iterable[int]) -> list[Recipient]:
    """The club's coordinators (group None) and the coordinators of the given groups (their group), one
    query; a person who is both gets the club's e-mail."""
    rows = User.objects.filter(is_active=True).exclude(email="").filter(
        Q(roles__kind="club_coordinator", roles__club_id=club_id)
        | Q(roles__kind="group_coordinator", roles__group_id__in=list(group_ids))
    ).order_by("pk").values_list("pk", "email", "first_name", "roles__kind", "roles__group_id", "language")
    people: dict[int, Recipient] = {}
    for pk, email, first_name, kind, group_id, language in rows:
        current = people.get(pk)
        if kind == "club_coordinator":
            people[pk] = Recipient(user_id=pk, email=email, first_name=first_name, group_id=None, language=language)
        elif current is None:
            people[pk] = Recipient(user_id=pk, email=email, first_name=first_name, group_id=group_id, language=language)
    return list(people.values())


def money_handlers_of(club_id: int) -> list[Recipient]:
    """The club's treasurers and coordinators (who match bank lines), one query."""
    rows = (User.objects.filter(is_active=True, roles__club_id=club_id, roles__kind__in=["club_coordinator", "treasurer"])
            .exclude(email="").distinct().order_by("pk").values_list("pk", "email", "first_name", "language"))
    return [Recipient(user_id=pk, email=email, first_name=first_name, group_id=None, language=language)
            for pk, email, first_name, language in rows]


# --- events and delivery ------------------------------------------------------------------------------------

def event_started(kind: str, event: str) -> NotificationEvent | None:
    """The event's record, made the first time; None when the event was delivered already."""
    try:
        with transaction.atomic():
            return NotificationEvent.objects.create(kind=kind, event=event)
    except IntegrityError:
        record = NotificationEvent.objects.get(kind=kind, event=event)
        return None if record.done_at else record


def known_events(kind: str, events: Iterable[str]) -> set[str]:
    return set(NotificationEvent.objects.filter(kind=kind, event__in=list(events)).values_list("event", flat=True))


Render = Callable[[Recipient], dict]


def deliver(kind: str, event: str, recipients: list[Recipient], context: Render, *, template: str) -> int:
    """Send one event's e-mail to each recipient who did not turn that kind off and was not sent it already;
    returns how many were sent. ``context(recipient)`` gives the template's context (``subject`` included).

    Each recipient gets a row (unique per kind, event and person) claimed by this task in one UPDATE before
    sending and stamped once sent, by chunks on one connection: a task retried, or run twice at once, never
    sends an e-mail twice. A constant number of queries per chunk."""
    record = event_started(kind, event)
    if record is None:
        return 0
    off = set(Preference.objects.filter(kind=kind, enabled=False, user_id__in=[r.user_id for r in recipients])
              .values_list("user_id", flat=True))
    wanted = {r.user_id: r for r in recipients if r.user_id not in off}
    now = timezone.now()
    SentNotification.objects.bulk_create(
        [SentNotification(kind=kind, event=event, user_id=r.user_id, email=r.email, created_at=now) for r in wanted.values()],
        ignore_conflicts=True, batch_size=500)
    claim = uuid.uuid4().hex
    SentNotification.objects.filter(kind=kind, event=event, sent_at__isnull=True, user_id__in=list(wanted)).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM)).update(claim=claim, claimed_at=now)
    mine = list(SentNotification.objects.filter(kind=kind, event=event, claim=claim, sent_at__isnull=True)
                .values_list("pk", "user_id"))
    sent = 0
    text_template, html_template = get_template(f"{template}.txt"), get_template(f"{template}.html")
    connection = get_connection()
    for start in range(0, len(mine), CHUNK):
        chunk = mine[start:start + CHUNK]
        messages = []
        for _pk, user_id in chunk:
            recipient = wanted[user_id]
            with translation.override(language_of(recipient.language)):  # each person in their own language
                messages.append(_message(kind, recipient, context(recipient), text_template, html_template))
        connection.send_messages(messages)
        SentNotification.objects.filter(pk__in=[pk for pk, _user in chunk]).update(sent_at=timezone.now())
        sent += len(chunk)
    NotificationEvent.objects.filter(pk=record.pk).update(done_at=timezone.now(), sent=record.sent + sent)
    return sent


def _message(kind: str, recipient: Recipient, context: dict, text_template, html_template) -> EmailMultiAlternatives:
    stop = unsubscribe_url(recipient.user_id, kind)
    context = {**context, "recipient": recipient, "unsubscribe_url": stop,
               "preferences_url": settings.SITE_URL + reverse("notification-preferences"),
               "kind_label": Kind(kind).label}
    message = EmailMultiAlternatives(
        str(context["subject"]), text_template.render(context), settings.DEFAULT_FROM_EMAIL, [recipient.email],
        headers={"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Auto-Submitted": "auto-generated"})
    message.attach_alternative(html_template.render(context), "text/html")
    return message
