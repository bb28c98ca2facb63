"""Calendars: the iCal feeds a member adds to their phone's calendar, at a secret address they can reset.

- A member's feed: their group's distributions (the date at the depot's slot, the depot's name and address; for a
  household collecting at another place of the group, that place's day, slot, name and address),
  the shifts they are on, and the order deadlines of the cycles their group takes part in that are not closed
  yet (« Fin des commandes : <cycle> »).
- A group's feed: the group's distributions, every shift of the group and of the club with how many people
  are still needed, and the deadlines. No names in it (counts only): its members and coordinators all read it.

Both cover 60 days back to a year ahead and cost a constant number of queries (a member's: 3, a group's: 3,
after the token's lookup). Events keep their UID (``shift-<id>@<host>``, ``distribution-<id>@<host>``,
``deadline-<cycle id>@<host>``) so that a calendar replaces an event when its date or place changes; a
shift's SEQUENCE is ``Shift.sequence`` (bumped when it moves). Times carry the installation's time zone
(TZID, with its VTIMEZONE). A cancelled shift stays in the feed, marked STATUS:CANCELLED with its SEQUENCE
one higher (a calendar shows it struck out rather than dropping it silently); a member who withdraws from
a shift simply no longer has it.

The address is the credential: ``CalendarFeed.token`` (made the first time the calendar page is opened);
resetting it gives a new token and the old address answers 404."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cabas.core.formatting import format_quantity
from cabas.distribution.models import Distribution
from cabas.members.models import Group
from cabas.members.words import words_for
from cabas.members.services import PickupPoint, pickup_point

from .models import CalendarFeed, Shift, Signup
from .services import withdraw_deadline

BEFORE = datetime.timedelta(days=60)
AHEAD = datetime.timedelta(days=365)
DEADLINE_LENGTH = datetime.timedelta(minutes=15)
REFRESH = datetime.timedelta(hours=6)  # how often a calendar app is asked to read the feed again
TOKEN_MAX_LENGTH = 64


# --- addresses ----------------------------------------------------------------------------------------------

def feed_url(feed: CalendarFeed) -> str:
    """The feed's address, built from SITE_URL (https in production)."""
    return settings.SITE_URL + reverse("calendar-feed", args=[feed.token])


def webcal_url(url: str) -> str:
    """The same address for a phone's calendar app (``webcal://`` opens « subscribe to this calendar »)."""
    return "webcal://" + url.split("://", 1)[1]


def page_url(name: str, *args) -> str:
    """A page's full address (SITE_URL and its path)."""
    return settings.SITE_URL + reverse(name, args=args)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "cabas"


# --- the secret addresses -----------------------------------------------------------------------------------

def feed_by_token(token: str) -> CalendarFeed | None:
    """The feed with this token, with its owner (member, household, group, depot, club), in one query."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (CalendarFeed.objects.filter(token=token)
            .select_related("user__household__group__depot", "user__household__group__club", "user__household__pickup_place",
                            "group__depot", "group__club")
            .first())


def feeds_for(user, groups: list[Group]) -> tuple[CalendarFeed | None, dict[int, CalendarFeed]]:
    """The member's own feed (``user`` None: none) and each group's, made the first time they are asked for.
    One query; three the first time (two first visits at once make one feed: the second insert is ignored)."""
    wanted = Q(group_id__in=[g.pk for g in groups])
    if user is not None:
        wanted |= Q(user=user)
    feeds = list(CalendarFeed.objects.filter(wanted))
    have_groups = {f.group_id for f in feeds if f.group_id}
    missing = [CalendarFeed(group=g, token=CalendarFeed.new_token()) for g in groups if g.pk not in have_groups]
    if user is not None and not any(f.user_id == user.pk for f in feeds):
        missing.append(CalendarFeed(user=user, token=CalendarFeed.new_token()))
    if missing:
        CalendarFeed.objects.bulk_create(missing, ignore_conflicts=True)
        feeds = list(CalendarFeed.objects.filter(wanted))
    own = next((f for f in feeds if user is not None and f.user_id == user.pk), None)
    return own, {f.group_id: f for f in feeds if f.group_id}


def reset_member_feed(user) -> CalendarFeed:
    """A new secret address for the member's feed: the old one stops answering."""
    feed, _created = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token": CalendarFeed.new_token(), "created_at": timezone.now()})
    return feed


def reset_group_feed(group: Group) -> CalendarFeed:
    """A new secret address for a group's feed (its coordinators; the view checks)."""
    feed, _created = CalendarFeed.objects.update_or_create(
        group=group, defaults={"token": CalendarFeed.new_token(), "created_at": timezone.now()})
    return feed


# --- the feeds ----------------------------------------------------------------------------------------------

def render_feed(feed: CalendarFeed, *, now: datetime.datetime | None = None) -> bytes | None:
    """The feed's iCalendar text, or None when it no longer has anyone to serve (an account closed)."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        if feed.group_id is not None:
            calendar = group_calendar(feed.group, now=now)
        else:
            user = feed.user
            if user is None or not user.is_active:
                return None
            calendar = member_calendar(user, now=now)
    return calendar.to_ical()


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _window(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    return now - BEFORE, now + AHEAD


def _calendar(name: str, now: datetime.datetime) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Cabas//Cabas//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    calendar.add("refresh-interval", icalendar.vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH))
    return calendar


def _finish(calendar: icalendar.Calendar, now: datetime.datetime) -> icalendar.Calendar:
    """The VTIMEZONE of the times used, its rules over the feed's window only (a short text)."""
    start, end = _window(now)
    calendar.add_missing_timezones(first_date=datetime.date(start.year - 1, 1, 1),
                                   last_date=datetime.date(end.year + 2, 1, 1))
    return calendar


def _event(calendar: icalendar.Calendar, *, uid: str, summary: str, start, end, stamp: datetime.datetime,
           location: str = "", description: str = "", url: str = "", sequence: int | None = None,
           modified: datetime.datetime | None = None, cancelled: bool = False) -> None:
    event = icalendar.Event()
    event.add("uid", f"{uid}@{_host()}")
    event.add("dtstamp", stamp.astimezone(datetime.timezone.utc))
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", end)
    if sequence is not None:
        event.add("sequence", sequence)
    if modified is not None:
        event.add("last-modified", modified.astimezone(datetime.timezone.utc))
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)


def _group_rows(group: Group, now: datetime.datetime) -> list[Distribution]:
    """The group's distributions in the window, and those whose cycle's deadline is in it (one query)."""
    start, end = _window(now)
    return list(Distribution.objects.filter(group=group).filter(
        Q(date__gte=start.date(), date__lte=end.date())
        | Q(cycle__closed_at__isnull=True, cycle__closes_at__gte=start, cycle__closes_at__lte=end),
    ).select_related("cycle").order_by("date", "pk"))


def _add_distributions(calendar, group: Group, rows: list[Distribution], now: datetime.datetime,
                       point: PickupPoint | None = None) -> None:
    """The group's distributions at its depot; for a member whose household collects at another place of the
    group (``point``), at that place, on its day and slot."""
    start, end = _window(now)
    depot = getattr(group, "depot", None)
    tz = _tz()
    words = words_for(group.club)
    elsewhere = point is not None and point.place is not None
    for d in rows:
        day = point.day(d.date) if elsewhere else d.date
        if not start.date() <= day <= end.date():
            continue
        if elsewhere:
            begins = datetime.datetime.combine(day, point.slot_start, tzinfo=tz)
            ends = datetime.datetime.combine(day, point.slot_end, tzinfo=tz)
            location = f"{point.name}, {point.address}"
        elif depot is not None:
            begins = datetime.datetime.combine(d.date, depot.slot_start, tzinfo=tz)
            ends = datetime.datetime.combine(d.date, depot.slot_end, tzinfo=tz)
            location = f"{depot.name}, {depot.address}"
        else:
            begins, ends, location = d.date, d.date + datetime.timedelta(days=1), ""
        if isinstance(begins, datetime.datetime) and ends <= begins:
            ends = begins + datetime.timedelta(hours=1)
        if elsewhere:
            lines = [_("Picking up the goods of %(cycle)s at %(place)s (%(group)s).")
                     % {"cycle": d.cycle.name, "place": point.name, "group": group.name}]
            if point.notes:
                lines.append(point.notes)
        else:
            lines = [_("Picking up the goods of %(cycle)s %(at_the_depot)s of %(group)s.")
                     % words.with_(cycle=d.cycle.name, group=group.name)]
        if d.ends_on and d.ends_on > d.date:
            lines.append(_("Goods kept %(at_the_depot)s can be picked up until %(date)s.") % words.with_(
                date=d.ends_on.strftime("%d/%m/%Y")))
        _event(calendar, uid=f"distribution-{d.pk}", summary=_("Distribution — %(cycle)s") % {"cycle": d.cycle.name},
               start=begins, end=ends, stamp=now, location=location, description="\n".join(lines),
               url=page_url("order", d.cycle_id))


def _add_deadlines(calendar, rows: list[Distribution], now: datetime.datetime) -> None:
    start, end = _window(now)
    tz = _tz()
    seen = set()
    for d in rows:
        cycle = d.cycle
        if cycle.pk in seen or cycle.closed_at is not None or not start <= cycle.closes_at <= end:
            continue
        seen.add(cycle.pk)
        closes = cycle.closes_at.astimezone(tz)
        _event(calendar, uid=f"deadline-{cycle.pk}", summary=_("Orders close: %(cycle)s") % {"cycle": cycle.name},
               start=closes, end=closes + DEADLINE_LENGTH, stamp=now,
               description=_("Last moment to order or change your order for %(cycle)s.") % {"cycle": cycle.name},
               url=page_url("order", cycle.pk))


def _shift_times(shift: Shift) -> tuple[datetime.datetime, datetime.datetime]:
    tz = _tz()
    return shift.starts_at.astimezone(tz), shift.ends_at.astimezone(tz)


def _shift_changed(shift: Shift) -> datetime.datetime:
    return max(t for t in (shift.updated_at, shift.created_at, shift.cancelled_at) if t is not None)


def _add_shift(calendar, shift: Shift, *, summary: str, lines: list[str], now: datetime.datetime) -> None:
    starts, ends = _shift_times(shift)
    cancelled = shift.cancelled_at is not None
    changed = _shift_changed(shift)
    if shift.notes:
        lines.append(shift.notes)
    _event(calendar, uid=f"shift-{shift.pk}", summary=(_("Cancelled: %(title)s") % {"title": summary}) if cancelled else summary,
           start=starts, end=ends, stamp=changed, modified=changed, location=shift.place,
           description="\n".join(lines), url=page_url("shifts"),
           sequence=shift.sequence + (1 if cancelled else 0), cancelled=cancelled)


def member_calendar(user, *, now: datetime.datetime) -> icalendar.Calendar:
    """A member's own feed: their group's distributions and deadlines, the shifts they are on. Two queries
    (one for a person without a current household) after the feed's own."""
    household = user.household if user.household_id else None
    if household is not None and household.left_on is not None:
        household = None
    group = household.group if household is not None else None
    name = _("%(club)s — my calendar") % {"club": group.club.name} if group else _("Cabas — my calendar")
    calendar = _calendar(name, now)
    if group is not None:
        rows = _group_rows(group, now)
        _add_distributions(calendar, group, rows, now, pickup_point(household, group))
        _add_deadlines(calendar, rows, now)
    start, end = _window(now)
    shifts = (Shift.objects.filter(pk__in=Signup.objects.filter(user=user).values("shift_id"),
                                   starts_at__gte=start, starts_at__lte=end)
              .annotate(taken=Count("signups")).select_related("kind").order_by("starts_at", "pk"))
    for shift in shifts:
        lines = [_("%(task)s: %(hours)s h credited.") % {"task": shift.kind.name, "hours": format_quantity(shift.hours)},
                 _("%(taken)s of %(needed)s people signed up.") % {"taken": shift.taken, "needed": shift.people_needed}]
        if shift.cancelled_at is None:
            deadline = withdraw_deadline(shift).astimezone(_tz())
            lines.append(_("You can withdraw until %(date)s; after that, propose a swap.") % {
                "date": deadline.strftime("%d/%m %H:%M")})
        _add_shift(calendar, shift, summary=shift.title, lines=lines, now=now)
    return _finish(calendar, now)


def group_calendar(group: Group, *, now: datetime.datetime) -> icalendar.Calendar:
    """A group's feed: its distributions and deadlines, every shift of the group and of the club with how many
    people are still needed (counts, never names). Two queries after the feed's own."""
    calendar = _calendar(_("%(club)s — %(group)s") % {"club": group.club.name, "group": group.name}, now)
    rows = _group_rows(group, now)
    _add_distributions(calendar, group, rows, now)
    _add_deadlines(calendar, rows, now)
    start, end = _window(now)
    shifts = (Shift.objects.filter(Q(group=group) | Q(group__isnull=True, club_id=group.club_id),
                                   starts_at__gte=start, starts_at__lte=end)
              .annotate(taken=Count("signups")).select_related("kind").order_by("starts_at", "pk"))
    for shift in shifts:
        missing = max(0, shift.people_needed - shift.taken)
        if missing and shift.cancelled_at is None:
            summary = ngettext("%(title)s — %(count)s more person needed", "%(title)s — %(count)s more people needed",
                               missing) % {"title": shift.title, "count": missing}
        else:
            summary = shift.title
        lines = [_("%(task)s: %(hours)s h credited.") % {"task": shift.kind.name, "hours": format_quantity(shift.hours)},
                 _("%(taken)s of %(needed)s people signed up.") % {"taken": shift.taken, "needed": shift.people_needed}]
        if shift.group_id is None:
            lines.append(_("Open to all the %(groups)s of the club.") % words_for(group.club))
        _add_shift(calendar, shift, summary=summary, lines=lines, now=now)
    return _finish(calendar, now)
