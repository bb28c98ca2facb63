"""Memberships: applying to a group (its waitlist when full, and the nearest groups with room), approving
or declining, the yearly fee (posted to the household's account or paid by the solidarity fund),
renewals and their reminders, leaving. One function per action, one transaction each."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_tasks import task

from cabas.core.errors import ActionError
from cabas.core.i18n import language_codes, language_of
from cabas.core.formatting import format_money
from cabas.core.mail import queue_email
from cabas.core.tasks import enqueue_on_commit

from . import referral, rhythm
from .models import (
    ApplicationStatus, Club, Depot, Group, Household, Membership, MembershipApplication, PickupPlace, User, Weekday,
)
from .words import words_for

REMINDER_DAYS = 30


def fee_for(group: Group) -> Decimal:
    return group.membership_fee if group.membership_fee is not None else group.club.membership_fee


def one_year_from(day: datetime.date) -> datetime.date:
    """The last day of a year's membership starting on ``day`` (29 February counts as 28 the next year)."""
    try:
        return day.replace(year=day.year + 1) - datetime.timedelta(days=1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def places(club_id: int) -> list[referral.GroupPlace]:
    """Every group of the club with its capacity, households and waitlist (one query)."""
    groups = Group.objects.filter(club_id=club_id).select_related("depot").annotate(
        members=Count("households", filter=Q(households__left_on__isnull=True), distinct=True),
        waiting=Count("applications", filter=Q(applications__status=ApplicationStatus.WAITING), distinct=True),
    )
    return [
        referral.GroupPlace(
            group=g.pk, name=g.name, capacity=g.capacity, members=g.members, waiting=g.waiting,
            latitude=getattr(getattr(g, "depot", None), "latitude", None),
            longitude=getattr(getattr(g, "depot", None), "longitude", None),
        )
        for g in groups
    ]


def _clean(value: object, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


@dataclass(frozen=True)
class Applied:
    application: MembershipApplication
    position: int  # in the group's waitlist (1: next)
    full: bool
    referrals: list[referral.Referral]


@transaction.atomic
def apply(*, group: Group, data: dict, now: datetime.datetime | None = None) -> Applied:
    """A household asks to join ``group`` (from the public page). ``data``: household_name, first_name,
    last_name, email, phone, message — nothing else is read. When the group is full, the application waits
    in the queue and the nearest groups of the club with room are offered."""
    now = now or timezone.now()
    fields = {
        "household_name": _clean(data.get("household_name"), 200), "first_name": _clean(data.get("first_name"), 150),
        "last_name": _clean(data.get("last_name"), 150), "email": _clean(data.get("email"), 254).lower(),
        "phone": _clean(data.get("phone"), 30), "message": str(data.get("message") or "").strip()[:2000],
    }
    errors = {}
    if not fields["first_name"]:
        errors["first_name"] = _("Give your first name.")
    if not fields["last_name"]:
        errors["last_name"] = _("Give your last name.")
    try:
        validate_email(fields["email"])
    except ValidationError:
        errors["email"] = _("Give an e-mail address, e.g. marie@example.org.")
    if errors:
        raise ActionError(field_errors=errors)
    if not fields["household_name"]:
        fields["household_name"] = _("%(last_name)s household") % {"last_name": fields["last_name"]}
    if User.objects.filter(email=fields["email"], is_active=True).exists():
        raise ActionError(field_errors={"email": _("This address already has an account: log in instead.")})
    if MembershipApplication.objects.filter(group__club_id=group.club_id, email=fields["email"],
                                            status=ApplicationStatus.WAITING).exists():
        raise ActionError(field_errors={"email": _("An application with this address is already waiting.")})
    language = translation.get_language()  # the language they applied in: their e-mails speak it
    application = MembershipApplication.objects.create(group=group, applied_at=now, **fields,
                                                       language=language if language in language_codes() else "")
    everyone = places(group.club_id)
    chosen = next(p for p in everyone if p.group == group.pk)
    full = chosen.capacity is not None and chosen.members >= chosen.capacity
    return Applied(application=application, position=chosen.waiting, full=full,
                   referrals=referral.referrals(chosen, everyone) if full else [])


def waitlist_place(group: Group) -> int | None:
    """The place on the waitlist an application to ``group`` would take now, or None when the group has room
    (one query)."""
    if group.capacity is None:
        return None
    counts = Group.objects.filter(pk=group.pk).aggregate(
        members=Count("households", filter=Q(households__left_on__isnull=True), distinct=True),
        waiting=Count("applications", filter=Q(applications__status=ApplicationStatus.WAITING), distinct=True))
    return counts["waiting"] + 1 if counts["members"] >= group.capacity else None


def waitlist(group: Group) -> list[MembershipApplication]:
    """The group's waiting applications, first come first served."""
    return list(MembershipApplication.objects.filter(group=group, status=ApplicationStatus.WAITING).order_by("applied_at", "pk"))


def _pending(group_id: int, application_id: int) -> MembershipApplication:
    application = (MembershipApplication.objects.select_for_update().select_related("group__club")
                   .filter(pk=application_id, group_id=group_id).first())
    if application is None:
        raise ActionError(_("This application is not in the list %(of_the_group)s.")
                          % words_for(Group.objects.select_related("club").filter(pk=group_id).first().club))
    if application.status != ApplicationStatus.WAITING:
        raise ActionError(_("This application has already been handled."))
    return application


def start_membership(*, household: Household, group: Group, starts_on: datetime.date,
                     paid_by_fund: bool = False) -> Membership:
    """A year of membership from ``starts_on`` at the group's fee (the flow ``flows.memberships`` posts the fee).
    Runs inside the caller's transaction."""
    return Membership.objects.create(
        household=household, group=group, starts_on=starts_on, ends_on=one_year_from(starts_on),
        fee=fee_for(group), paid_by_fund=paid_by_fund,
    )


@transaction.atomic
def approve(*, group: Group, application_id: int, by_user=None, paid_by_fund: bool = False,
            today: datetime.date | None = None) -> Membership:
    """The group's coordinator accepts an application: a household, its member account and its first year of
    membership are created, and the applicant receives an e-mail to choose a password (after the commit).
    Returns the membership; the flow ``flows.memberships.approve_membership`` posts its fee."""
    today = today or timezone.localdate()
    Group.objects.select_for_update().filter(pk=group.pk).first()  # one approval at a time per group: capacity holds
    application = _pending(group.pk, application_id)
    if group.capacity is not None and group.households.filter(left_on__isnull=True).count() >= group.capacity:
        raise ActionError(_("%(The_group)s has no room left (%(capacity)s households): the application stays on the "
                            "waitlist.") % words_for(group.club).with_(capacity=group.capacity))
    if User.objects.filter(email=application.email).exists():
        raise ActionError(_("An account with this e-mail address exists already: add the person to a household in the "
                            "administration instead."))
    household = Household.objects.create(group=group, name=application.household_name)
    user = User.objects.create_user(email=application.email, household=household, first_name=application.first_name,
                                    last_name=application.last_name, language=application.language)
    # no password yet: chosen from the e-mail, in the language they applied in
    membership = start_membership(household=household, group=group, starts_on=today, paid_by_fund=paid_by_fund)
    MembershipApplication.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.APPROVED, decided_at=timezone.now(), decided_by=by_user, household=household)
    enqueue_on_commit(send_welcome, user.pk, group.pk)
    return membership


def password_link(user) -> str:
    """The path where a new member chooses a password (Django's password reset confirmation)."""
    return reverse("password-reset-confirm", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                                   default_token_generator.make_token(user)])


# The e-mails that carry a link to choose a password are tasks (the worker sends them after the commit) that
# compute the link themselves: the secret is never stored in the queue.
@task()
def send_welcome(user_id: int, group_id: int) -> int:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    group = Group.objects.filter(pk=group_id).first()
    if user is None or group is None:
        return 0
    with translation.override(language_of(user.language)):  # in the language they chose
        body = _("Hello %(name)s,\n\nWelcome to %(group)s! Choose your password here to order with your household:\n"
                 "%(link)s\n\nThe coordination team") % {"name": user.first_name, "group": group.name,
                                                          "link": settings.SITE_URL + password_link(user)}
        return send_mail(_("Welcome to %(group)s") % {"group": group.name}, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@task()
def send_password_reset(user_id: int) -> int:
    """The link to choose a new password, on SITE_URL (never the address a request claims to come from)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    with translation.override(language_of(user.language)):  # in the language they chose
        body = _("Hello %(name)s,\n\nSomeone asked to choose a new password for your Cabas account. If it was you, follow "
                 "this link within three days:\n%(link)s\n\nIf it was not you, ignore this e-mail: your password has not "
                 "changed.\n\nThe coordination team") % {"name": user.first_name or user.email,
                                                          "link": settings.SITE_URL + password_link(user)}
        return send_mail(_("Choose a new password"), body, settings.DEFAULT_FROM_EMAIL, [user.email])


@transaction.atomic
def decline(*, group: Group, application_id: int, by_user=None) -> None:
    application = _pending(group.pk, application_id)
    MembershipApplication.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.DECLINED, decided_at=timezone.now(), decided_by=by_user)


def current_membership(household: Household, today: datetime.date) -> Membership | None:
    return (Membership.objects.filter(household=household, starts_on__lte=today, ends_on__gte=today, left_on__isnull=True)
            .order_by("-starts_on").first())


@transaction.atomic
def renew(*, household: Household, paid_by_fund: bool = False, today: datetime.date | None = None) -> Membership:
    """The next year: from the day after the last membership ends, or from today if it has lapsed (the flow
    ``flows.memberships.renew_membership`` posts its fee)."""
    today = today or timezone.localdate()
    household = Household.objects.select_for_update().select_related("group__club").get(pk=household.pk)
    if household.left_on is not None:
        raise ActionError(_("This household has left %(the_group)s.") % words_for(household.group.club))
    last = Membership.objects.filter(household=household).aggregate(end=Max("ends_on"))["end"]
    if last is not None and last - today > datetime.timedelta(days=60):
        raise ActionError(_("The membership runs until %(date)s: it can be renewed in the last two months.") % {
            "date": last.strftime("%d/%m/%Y")})
    starts_on = max(today, last + datetime.timedelta(days=1)) if last else today
    return start_membership(household=household, group=household.group, starts_on=starts_on, paid_by_fund=paid_by_fund)


@transaction.atomic
def leave(*, household: Household, reason: str = "", today: datetime.date | None = None) -> None:
    """The household leaves its group: recorded with the date and reason; its history (orders, accounts,
    memberships) is kept. The flow ``flows.memberships.leave_group`` first checks it has no order pending."""
    today = today or timezone.localdate()
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.left_on is not None:
        return
    Household.objects.filter(pk=household.pk).update(left_on=today, leave_reason=_clean(reason, 200))
    Membership.objects.filter(household=household, ends_on__gte=today, left_on__isnull=True).update(left_on=today)


def remind_renewals(*, today: datetime.date | None = None, within: int = REMINDER_DAYS) -> int:
    """E-mail the members of each household whose membership ends within ``within`` days, once per
    membership (what cron runs daily). Returns the number of households reminded (their e-mails go through
    the task queue)."""
    today = today or timezone.localdate()
    due = list(Membership.objects.filter(
        household__left_on__isnull=True, left_on__isnull=True, reminded_on__isnull=True,
        ends_on__gte=today, ends_on__lte=today + datetime.timedelta(days=within),
    ).exclude(household__memberships__starts_on__gt=F("ends_on")).select_related("group__club"))
    if not due:
        return 0
    emails = {}
    for household_id, email in User.objects.filter(household_id__in=[m.household_id for m in due], is_active=True).values_list(
            "household_id", "email"):
        emails.setdefault(household_id, []).append(email)
    sent = 0
    with transaction.atomic():
        Membership.objects.filter(pk__in=[m.pk for m in due]).update(reminded_on=today)
        for m in due:
            if m.household_id not in emails:
                continue
            queue_email(
                _("Your membership of %(group)s ends on %(date)s") % {"group": m.group.name, "date": m.ends_on.strftime("%d/%m/%Y")},
                _("Hello,\n\nYour household's membership of %(group)s ends on %(date)s. To keep ordering, renew it with "
                  "the coordinators of your %(group_word)s (fee: %(fee)s).\n\nThe coordination team") % {
                    "group": m.group.name, "date": m.ends_on.strftime("%d/%m/%Y"), "fee": format_money(fee_for(m.group)),
                    "group_word": words_for(m.group.club)["group"]},
                emails[m.household_id])
            sent += 1
    return sent


MAX_PRODUCER_FEE = Decimal("10000")


@transaction.atomic
def set_producer_fee(*, club: Club, amount: Decimal | None) -> Club:
    """The club's yearly membership fee for its producers (None or 0: it asks none). Fees already posted stay."""
    if amount is not None and not (Decimal("0") <= amount <= MAX_PRODUCER_FEE):
        raise ActionError(field_errors={"producer_fee": _("Give an amount between 0 and %(max)s €.") % {
            "max": MAX_PRODUCER_FEE}})
    if amount is not None:
        amount = amount.quantize(Decimal("0.01")) or None  # 0: no fee
    Club.objects.filter(pk=club.pk).update(producer_fee=amount)
    club.producer_fee = amount
    return club


# --- a group's rhythm and its depot -------------------------------------------------------------------


@dataclass(frozen=True)
class RhythmValues:
    """A group's rhythm (every N weeks, counted from a first distribution day) and its depot's details."""
    every_weeks: int
    rhythm_from: datetime.date | None
    depot_name: str
    address: str
    latitude: Decimal
    longitude: Decimal
    weekday: int
    slot_start: datetime.time
    slot_end: datetime.time


def validate_rhythm(values: RhythmValues) -> None:
    """ActionError naming each wrong value of a group's rhythm and depot."""
    errors: dict[str, str] = {}
    if not 1 <= values.every_weeks <= rhythm.MAX_EVERY_WEEKS:
        errors["every_weeks"] = _("A group distributes every 1 to %(max)s weeks.") % {"max": rhythm.MAX_EVERY_WEEKS}
    if values.rhythm_from is not None and values.rhythm_from.weekday() != values.weekday:
        errors["rhythm_from"] = _("The first distribution day must fall on the depot's distribution day.")
    if not _clean(values.depot_name, 200):
        errors["depot_name"] = _("Give the depot a name.")
    if not _clean(values.address, 300):
        errors["address"] = _("Give the depot's address.")
    if not -90 <= values.latitude <= 90:
        errors["latitude"] = _("A latitude is between -90 and 90.")
    if not -180 <= values.longitude <= 180:
        errors["longitude"] = _("A longitude is between -180 and 180.")
    if not 0 <= values.weekday <= 6:
        errors["weekday"] = _("Choose the distribution day.")
    if values.slot_end <= values.slot_start:
        errors["slot_end"] = _("The distribution must end after it starts.")
    if errors:
        raise ActionError(field_errors=errors)


@transaction.atomic
def set_group_rhythm(group: Group, values: RhythmValues) -> Group:
    """Set how often the group distributes and where and when: its rhythm (members.rhythm) and its depot (created
    when it has none). ActionError before anything is written when a value is wrong. The cycles already opened
    keep their distribution dates; the next ones follow the new rhythm."""
    validate_rhythm(values)
    Group.objects.filter(pk=group.pk).update(every_weeks=values.every_weeks, rhythm_from=values.rhythm_from)
    group.every_weeks, group.rhythm_from = values.every_weeks, values.rhythm_from
    depot, _created = Depot.objects.update_or_create(group=group, defaults={
        "name": _clean(values.depot_name, 200), "address": _clean(values.address, 300),
        "latitude": values.latitude, "longitude": values.longitude, "distribution_weekday": values.weekday,
        "slot_start": values.slot_start, "slot_end": values.slot_end,
    })
    group.depot = depot
    return group


def planned_days(group: Group, after: datetime.date, count: int = 6, *, horizon_weeks: int = 53) -> list[datetime.date]:
    """The group's next ``count`` planned distribution days after ``after`` (its rhythm; none without a depot).
    No query when the depot is loaded with the group."""
    start = after + datetime.timedelta(days=1)
    return group.distribution_days(start, start + datetime.timedelta(weeks=horizon_weeks))[:count]


# --- the club's settings ------------------------------------------------------------------------------------

CLUB_SETTINGS = (
    "name", "territory", "membership_fee",
    "group_label", "group_label_plural", "group_label_feminine",
    "depot_label", "depot_label_plural", "depot_label_feminine",
    "subscription_label", "subscription_label_plural", "subscription_label_feminine",
)
_REQUIRED_WORDS = ("name", "group_label", "depot_label", "subscription_label")


@transaction.atomic
def update_club_settings(club: Club, **values) -> Club:
    """A club's name, territory, yearly fee and words (``CLUB_SETTINGS``, nothing else). Texts are trimmed; the
    name and the three words may not be empty."""
    unknown = set(values) - set(CLUB_SETTINGS)
    if unknown:
        raise ValueError(f"Not a club setting: {', '.join(sorted(unknown))}")
    cleaned = {k: _clean(v, Club._meta.get_field(k).max_length) if isinstance(v, str) else v for k, v in values.items()}
    errors = {k: _("This is needed.") for k in _REQUIRED_WORDS if k in cleaned and not cleaned[k]}
    fee = cleaned.get("membership_fee")
    if "membership_fee" in cleaned and (fee is None or fee < 0):
        errors["membership_fee"] = _("A fee is zero or more.")
    if errors:
        raise ActionError(field_errors=errors)
    locked = Club.objects.select_for_update().get(pk=club.pk)
    for name, value in cleaned.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(cleaned))
    return locked


# --- a club's groups ------------------------------------------------------------------------------------------

MAX_GROUP_CAPACITY = 500
MAX_GROUP_FEE = Decimal("1000")


@dataclass(frozen=True)
class GroupDetails:
    """A group's name, how many households it takes at most (None: no limit) and its own yearly fee (None: the
    club's)."""
    name: str
    capacity: int | None
    membership_fee: Decimal | None


def _checked_details(details: GroupDetails) -> dict[str, str]:
    errors = {}
    if not _clean(details.name, 200):
        errors["name"] = _("Give the group a name.")
    if details.capacity is not None and not 1 <= details.capacity <= MAX_GROUP_CAPACITY:
        errors["capacity"] = _("A group takes between 1 and %(max)s households (empty: no limit).") % {"max": MAX_GROUP_CAPACITY}
    if details.membership_fee is not None and not Decimal("0") <= details.membership_fee <= MAX_GROUP_FEE:
        errors["membership_fee"] = _("Give a fee between 0 and %(max)s € (empty: the club's).") % {"max": MAX_GROUP_FEE}
    return errors


def _group_slug(club: Club, name: str, *, exclude: int | None = None) -> str:
    """A slug for the group's public join page, unique in the club (``-2``, ``-3``… when taken)."""
    base = slugify(name)[:40] or "groupe"
    taken = set(Group.objects.filter(club=club, slug__startswith=base).exclude(pk=exclude).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_group(club: Club, details: GroupDetails, values: RhythmValues) -> Group:
    """A new group of the club with its depot and rhythm, in one go (nothing is written when a value is wrong)."""
    errors = _checked_details(details)
    if Group.objects.filter(club=club, name__iexact=_clean(details.name, 200)).exists():
        errors["name"] = _("The club already has a group of this name.")
    try:
        validate_rhythm(values)
    except ActionError as error:
        errors.update(error.field_errors)
    if errors:
        raise ActionError(field_errors=errors)
    name = _clean(details.name, 200)
    group = Group.objects.create(club=club, name=name, slug=_group_slug(club, name), capacity=details.capacity,
                                 membership_fee=details.membership_fee)
    return set_group_rhythm(group, values)


@transaction.atomic
def set_group_details(group: Group, details: GroupDetails) -> Group:
    """Rename a group, change its capacity or its own fee (its public address stays: it may be printed)."""
    errors = _checked_details(details)
    name = _clean(details.name, 200)
    if Group.objects.filter(club_id=group.club_id, name__iexact=name).exclude(pk=group.pk).exists():
        errors["name"] = _("The club already has a group of this name.")
    if errors:
        raise ActionError(field_errors=errors)
    Group.objects.filter(pk=group.pk).update(name=name, capacity=details.capacity, membership_fee=details.membership_fee)
    group.name, group.capacity, group.membership_fee = name, details.capacity, details.membership_fee
    return group


# --- a group's other pickup places ----------------------------------------------------------------------------
# The goods arrive at the group's depot; households may collect them at another place of the group, where the
# group's volunteers take that place's share (the picking list gives what to carry there).

MAX_PLACES_PER_GROUP = 12


@dataclass(frozen=True)
class PlaceValues:
    """A pickup place's details (``PickupPlace``); coordinates are optional."""
    name: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    day_offset: int
    slot_start: datetime.time
    slot_end: datetime.time
    notes: str = ""


def _checked_place(group: Group, values: PlaceValues, place: PickupPlace | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    name = _clean(values.name, 200)
    words = words_for(group.club)
    if not name:
        errors["name"] = _("Give the place a name.")
    else:
        taken = PickupPlace.objects.filter(group=group, name__iexact=name).exclude(pk=getattr(place, "pk", None)).exists()
        depot = Depot.objects.filter(group=group).values_list("name", flat=True).first()
        if taken or (depot is not None and depot.casefold() == name.casefold()):
            errors["name"] = _("%(The_group)s already has a place of this name.") % words
    if not _clean(values.address, 300):
        errors["address"] = _("Give the place's address.")
    if (values.latitude is None) != (values.longitude is None):
        errors["longitude" if values.longitude is None else "latitude"] = _("Give both coordinates, or neither.")
    if values.latitude is not None and not -90 <= values.latitude <= 90:
        errors["latitude"] = _("A latitude is between -90 and 90.")
    if values.longitude is not None and not -180 <= values.longitude <= 180:
        errors["longitude"] = _("A longitude is between -180 and 180.")
    if not 0 <= values.day_offset <= rhythm.MAX_PICKUP_OFFSET:
        errors["day_offset"] = _("A place hands out on the same day as %(at_the_depot)s or up to %(max)s days later.") \
            % words.with_(max=rhythm.MAX_PICKUP_OFFSET)
    if values.slot_end <= values.slot_start:
        errors["slot_end"] = _("The pick-up must end after it starts.")
    if len(values.notes or "") > 500:
        errors["notes"] = _("At most 500 characters.")
    return errors


@transaction.atomic
def save_pickup_place(group: Group, values: PlaceValues, place: PickupPlace | None = None) -> PickupPlace:
    """Add a pickup place to the group (``place`` None) or change one of its places. ActionError naming each wrong
    value before anything is written."""
    Group.objects.select_for_update().filter(pk=group.pk).first()  # one change of the group's places at a time
    if place is not None and place.group_id != group.pk:
        raise ActionError(_("This place is not one %(of_the_group)s.") % words_for(group.club))
    errors = _checked_place(group, values, place)
    if place is None and PickupPlace.objects.filter(group=group).count() >= MAX_PLACES_PER_GROUP:
        errors.setdefault("name", _("A group has at most %(max)s other places.") % {"max": MAX_PLACES_PER_GROUP})
    if errors:
        raise ActionError(field_errors=errors)
    fields = {
        "name": _clean(values.name, 200), "address": _clean(values.address, 300),
        "latitude": values.latitude, "longitude": values.longitude, "day_offset": values.day_offset,
        "slot_start": values.slot_start, "slot_end": values.slot_end, "notes": (values.notes or "").strip()[:500],
    }
    if place is None:
        return PickupPlace.objects.create(group=group, **fields)
    PickupPlace.objects.filter(pk=place.pk).update(**fields)
    for name, value in fields.items():
        setattr(place, name, value)
    return place


@transaction.atomic
def set_pickup_place_active(place: PickupPlace, active: bool) -> int:
    """Open or close a place. Closing it sends its households back to the depot (they may choose another place);
    returns how many households were."""
    locked = PickupPlace.objects.select_for_update().get(pk=place.pk)
    moved = 0
    if not active:
        moved = Household.objects.filter(pickup_place=locked).update(pickup_place=None)
    PickupPlace.objects.filter(pk=locked.pk).update(is_active=active)
    place.is_active = active
    return moved


@transaction.atomic
def choose_pickup_place(household: Household, place_id: int | None) -> PickupPlace | None:
    """Where the household collects its goods: the group's depot (None) or one of its group's open places."""
    place = None
    if place_id is not None:
        place = PickupPlace.objects.select_for_update().filter(pk=place_id, group_id=household.group_id,
                                                               is_active=True).first()
        if place is None:
            raise ActionError(field_errors={"place": _("Choose one of the places %(of_the_group)s.")
                                            % words_for(household.group.club)})
    Household.objects.filter(pk=household.pk).update(pickup_place=place)
    household.pickup_place = place
    return place


def place_of(household: Household, group_id: int | None = None) -> PickupPlace | None:
    """The household's place when it collects elsewhere than at the depot of ``group_id`` (its group): one of that
    group's open places; None: the depot. No query when ``pickup_place`` is loaded with the household."""
    if household.pickup_place_id is None:
        return None
    place = household.pickup_place
    if not place.is_active or place.group_id != (group_id or household.group_id):
        return None
    return place


@dataclass(frozen=True)
class PickupPoint:
    """Where and when a household collects its goods: its group's depot, or its other place."""
    name: str
    address: str
    weekday: int
    slot_start: datetime.time
    slot_end: datetime.time
    day_offset: int = 0
    notes: str = ""
    place: PickupPlace | None = None

    @property
    def weekday_label(self) -> str:
        return str(Weekday(self.weekday).label)

    def day(self, distribution_day: datetime.date) -> datetime.date:
        return rhythm.pickup_day(distribution_day, self.day_offset)


def pickup_point(household: Household, group: Group | None = None) -> PickupPoint | None:
    """The household's pickup point (None: its group has no depot yet). No query when the group's depot and the
    household's ``pickup_place`` are loaded."""
    group = group or household.group
    depot = getattr(group, "depot", None)
    if depot is None:
        return None
    place = place_of(household, group.pk)
    if place is None:
        return PickupPoint(name=depot.name, address=depot.address, weekday=depot.distribution_weekday,
                           slot_start=depot.slot_start, slot_end=depot.slot_end)
    return PickupPoint(name=place.name, address=place.address,
                       weekday=rhythm.pickup_weekday(depot.distribution_weekday, place.day_offset),
                       slot_start=place.slot_start, slot_end=place.slot_end, day_offset=place.day_offset,
                       notes=place.notes, place=place)
