"""A household's own people: a member invites a person into the household by e-mail (the person chooses a
password from the link and joins), cancels an invitation still waiting, or leaves the household.

- An invitation is for one address, single use, valid ``CABAS_INVITATION_DAYS`` days (7). Its link is signed
  with the installation's secret and names the invitation's ``key``: sending it again to the same address
  gives a new key, so the earlier link stops working. The e-mail is a task that computes the link in the
  worker (the secret is never stored in the queue), like the welcome e-mail of an approved application.
- A household has at most ``CABAS_HOUSEHOLD_MAX_MEMBERS`` (6) people, counting invitations still waiting.
- An address that already has an account is refused, and the inviter is told so: the inviter is a logged-in
  member of a household, and at most ``INVITATIONS_PER_DAY`` invitations a day per household, so it cannot
  be used to probe the addresses the installation knows; a person belongs to one household, and moving an
  account from one to another is the group's coordinators' decision.
- A member leaves their household (``leave``): their account stays, without household; the household keeps
  its history. The household's last member cannot leave it: that is the household leaving the group, which its
  group's coordinators record (``flows.memberships.leave_group``).

One function per action, one transaction each (``leave`` runs inside the caller's: ``flows.households``)."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from cabas.core.errors import ActionError
from cabas.core.i18n import language_of
from cabas.core.tasks import enqueue_on_commit

from .models import Household, HouseholdInvitation, User

SALT = "cabas.members.household-invitation"
INVITATIONS_PER_DAY = 10


def max_members() -> int:
    return int(getattr(settings, "CABAS_HOUSEHOLD_MAX_MEMBERS", 6))


def invitation_days() -> int:
    return int(getattr(settings, "CABAS_INVITATION_DAYS", 7))


def _clean(value: object, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def pending_invitations(household_id: int, now: datetime.datetime | None = None):
    now = now or timezone.now()
    return HouseholdInvitation.objects.filter(household_id=household_id, accepted_at__isnull=True,
                                              cancelled_at__isnull=True, expires_at__gt=now)


def active_members(household_id: int):
    return User.objects.filter(household_id=household_id, is_active=True)


def _room_left(household_id: int, now: datetime.datetime, *, excluding_email: str = "") -> int:
    waiting = pending_invitations(household_id, now)
    if excluding_email:
        waiting = waiting.exclude(email=excluding_email)
    return max_members() - active_members(household_id).count() - waiting.count()


# --- inviting ---------------------------------------------------------------------------------------------


@transaction.atomic
def invite(*, household: Household, by_user, first_name: str, email: str,
           now: datetime.datetime | None = None) -> HouseholdInvitation:
    """``by_user`` (a member of ``household``) invites ``first_name`` at ``email``; the e-mail leaves after the
    commit. Inviting an address already waiting for this household sends the invitation again (a new link)."""
    now = now or timezone.now()
    household = Household.objects.select_for_update().get(pk=household.pk)  # one invitation at a time: the limit holds
    if by_user is None or by_user.household_id != household.pk:
        raise ActionError(_("Only the household's members invite someone into it."))
    first_name, email = _clean(first_name, 150), _clean(email, 254).lower()
    errors = {}
    if not first_name:
        errors["first_name"] = _("Give the person's first name.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Give an e-mail address, e.g. marie@example.org.")
    if errors:
        raise ActionError(field_errors=errors)
    if household.left_on is not None:
        raise ActionError(_("This household has left its group: it cannot invite anyone."))
    if User.objects.filter(email__iexact=email).exists():
        raise ActionError(field_errors={"email": _(
            "This address already has a Cabas account. A person belongs to one household: ask your group's "
            "coordinators to move the account into yours.")})
    if HouseholdInvitation.objects.filter(household=household, created_at__gt=now - datetime.timedelta(days=1)).count() \
            >= INVITATIONS_PER_DAY:
        raise ActionError(_("Your household has sent %(count)s invitations today: try again tomorrow.") % {
            "count": INVITATIONS_PER_DAY})
    if _room_left(household.pk, now, excluding_email=email) <= 0:
        raise ActionError(_("A household has at most %(count)s members, invitations waiting included.") % {
            "count": max_members()})
    expires = now + datetime.timedelta(days=invitation_days())
    pending_invitations(household.pk, now).filter(email=email).update(cancelled_at=now)  # sent again: the old link dies
    invitation = HouseholdInvitation.objects.create(
        household=household, invited_by=by_user, first_name=first_name, email=email, key=secrets.token_urlsafe(24),
        created_at=now, expires_at=expires)
    enqueue_on_commit(send_invitation, invitation.pk)
    return invitation


@transaction.atomic
def cancel(*, invitation_id: int, by_user, now: datetime.datetime | None = None) -> HouseholdInvitation:
    """A member of the household cancels an invitation still waiting: its link stops working."""
    now = now or timezone.now()
    invitation = HouseholdInvitation.objects.select_for_update().filter(
        pk=invitation_id, household_id=getattr(by_user, "household_id", None) or 0).first()
    if invitation is None:
        raise ActionError(_("This invitation is not your household's."))
    if not invitation.is_pending(now):
        raise ActionError(_("This invitation is no longer waiting."))
    invitation.cancelled_at = now
    invitation.save(update_fields=["cancelled_at"])
    return invitation


def token_for(invitation: HouseholdInvitation) -> str:
    return signing.dumps([invitation.pk, invitation.key], salt=SALT, compress=False)


def invitation_link(invitation: HouseholdInvitation) -> str:
    """The path where the invited person chooses a password."""
    return reverse("household-invitation-accept", args=[token_for(invitation)])


def invitation_for(token: str, *, now: datetime.datetime | None = None, lock: bool = False) -> HouseholdInvitation | None:
    """The invitation a link names, while it may still be accepted; None for a link that is forged, replaced,
    used, cancelled or expired, or whose household has left its group (the page says the same for each)."""
    now = now or timezone.now()
    try:
        pk, key = signing.loads(token, salt=SALT)
        pk, key = int(pk), str(key)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    found = HouseholdInvitation.objects.select_related("household__group__club", "invited_by")
    if lock:
        found = found.select_for_update(of=("self",))
    invitation = found.filter(pk=pk).first()
    if invitation is None or not secrets.compare_digest(invitation.key, key) or not invitation.is_pending(now):
        return None
    if invitation.household.left_on is not None:
        return None
    return invitation


@transaction.atomic
def accept(*, token: str, first_name: str, last_name: str, password: str, password_again: str,
           now: datetime.datetime | None = None) -> User:
    """The invited person chooses a password: their account is created in the household, the invitation used.
    Refused when the link no longer works, the passwords differ or are too weak, the household is full or the
    address has had an account made meanwhile."""
    now = now or timezone.now()
    invitation = invitation_for(token, now=now, lock=True)
    if invitation is None:
        raise ActionError(_("This invitation link no longer works: it was used, cancelled, replaced by a newer one or "
                            "has expired. Ask the person who invited you to send it again."))
    Household.objects.select_for_update().filter(pk=invitation.household_id).first()  # the limit holds
    first_name, last_name = _clean(first_name, 150) or invitation.first_name, _clean(last_name, 150)
    user = User(email=invitation.email, first_name=first_name, last_name=last_name, household=invitation.household)
    errors = {}
    if password != password_again:
        errors["password_again"] = _("The two passwords differ.")
    else:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            errors["password"] = " ".join(error.messages)
    if errors:
        raise ActionError(field_errors=errors)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ActionError(_("This address has an account already: log in with it."))
    if active_members(invitation.household_id).count() >= max_members():
        raise ActionError(_("The household has %(count)s members already, the most a household may have.") % {
            "count": max_members()})
    user.set_password(password)
    user.save(force_insert=True)
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    return user


# The e-mail is a task that computes the link itself in the worker: the secret is never stored in the queue.
@task()
def send_invitation(invitation_id: int) -> int:
    invitation = (HouseholdInvitation.objects.select_related("household__group", "invited_by")
                  .filter(pk=invitation_id, accepted_at__isnull=True, cancelled_at__isnull=True).first())
    if invitation is None or invitation.expires_at <= timezone.now():
        return 0
    with translation.override(language_of(invitation.invited_by.language if invitation.invited_by else "")):  # in the language they chose
        inviter = invitation.invited_by.get_short_name() if invitation.invited_by else _("A member")
        body = _("Hello %(name)s,\n\n%(inviter)s invites you into the household %(household)s of %(group)s, to order, "
                 "pay and take part together on Cabas. Choose your password here (the link works once, until "
                 "%(date)s):\n%(link)s\n\nIf you do not know this person, ignore this e-mail: no account is made "
                 "without you.\n\nThe coordination team") % {
            "name": invitation.first_name, "inviter": inviter, "household": invitation.household.name,
            "group": invitation.household.group.name,
            "date": formats.date_format(timezone.localtime(invitation.expires_at), "SHORT_DATE_FORMAT"),
            "link": settings.SITE_URL + invitation_link(invitation)}
        subject = _("%(inviter)s invites you into the household %(household)s") % {
            "inviter": inviter, "household": invitation.household.name}
        return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


# --- leaving ----------------------------------------------------------------------------------------------


def leave(*, user) -> Household:
    """The person leaves their household: their account stays, without household (the household's orders,
    account and history stay with the household). Refused for the household's last member. Runs inside the
    caller's transaction (``flows.households.leave_household``)."""
    person = User.objects.select_for_update().filter(pk=user.pk).first()
    if person is None or person.household_id is None:
        raise ActionError(_("You are not in a household."))
    household = Household.objects.select_for_update().get(pk=person.household_id)
    if not active_members(household.pk).exclude(pk=person.pk).exists():
        raise ActionError(_("You are the household's last member: the household itself leaves the group, with your "
                            "group's coordinators."))
    person.household = None
    person.save(update_fields=["household"])
    return household
