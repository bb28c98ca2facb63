"""Making shifts from the club's calendar, and the shifts of harvest calls, farm visits and the drivers' rota.

Shifts made from the calendar name their source (``distribution:<id>:<task kind>``, ``round:<cycle>:<scheme>:
<position>``): making them again adds none twice and moves those whose date changed (their iCal sequence goes up,
so calendars update). Shifts added by hand have no source. Every function is one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import CertificationVisit, CharterPoint, Producer, VisitCheck, VisitDecision
from cabas.core.errors import ActionError
from cabas.distribution.models import Distribution
from cabas.logistics.models import DriverKind, Round
from cabas.members.models import Club, Group, User

from . import rota as rota_rules
from .models import DriverRota, HarvestCall, RotaDriver, Shift, Signup, TaskCategory, TaskKind

DEPOT_CATEGORIES = (TaskCategory.RECEPTION, TaskCategory.DISTRIBUTION, TaskCategory.CASH)
# Default task kinds of a new club: (category, name, hours per person, people needed)
DEFAULT_KINDS = [
    (TaskCategory.RECEPTION, "Réception de la livraison", Decimal("1"), 2),
    (TaskCategory.DISTRIBUTION, "Distribution", Decimal("2"), 3),
    (TaskCategory.CASH, "Caisse", Decimal("2"), 1),
    (TaskCategory.DRIVING, "Tournée", Decimal("4"), 1),
    (TaskCategory.HARVEST, "Aide à la récolte", Decimal("4"), 4),
    (TaskCategory.FARM_VISIT, "Visite de ferme", Decimal("3"), 3),
    (TaskCategory.ACCOUNTING, "Comptabilité", Decimal("2"), 1),
]


def ensure_kinds(club: Club) -> dict[str, TaskKind]:
    """The club's task kinds, the default ones made the first time; the first kind of each category."""
    if not TaskKind.objects.filter(club=club).exists():
        TaskKind.objects.bulk_create(TaskKind(club=club, category=c, name=n, hours=h, people_needed=p, position=i)
                                     for i, (c, n, h, p) in enumerate(DEFAULT_KINDS))
    first: dict[str, TaskKind] = {}
    for kind in TaskKind.objects.filter(club=club).order_by("position", "pk"):
        first.setdefault(kind.category, kind)
    return first


def kind_for(club: Club, category: str) -> TaskKind:
    kind = ensure_kinds(club).get(category)
    if kind is None:
        kind = TaskKind.objects.create(club=club, category=category, name=TaskCategory(category).label,
                                       hours=Decimal("2"), people_needed=1, position=99)
    return kind


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _depot_times(category: str, day: datetime.date, start: datetime.time, end: datetime.time, hours: Decimal):
    """Reception ends when the distribution starts; distribution and cash cover the distribution's slot."""
    opens, closes = _at(day, start), _at(day, end)
    if category == TaskCategory.RECEPTION:
        return opens - datetime.timedelta(minutes=int(hours * 60)), opens
    return opens, closes


def _upsert(club: Club, wanted: dict[str, Shift]) -> tuple[int, int]:
    """Create the shifts not made yet, move those whose time or place changed; (created, moved)."""
    existing = {s.source: s for s in Shift.objects.filter(club=club, source__in=list(wanted))}
    now = timezone.now()
    create, moved = [], []
    for source, shift in wanted.items():
        old = existing.get(source)
        if old is None:
            create.append(shift)
        elif (old.starts_at, old.ends_at, old.place) != (shift.starts_at, shift.ends_at, shift.place):
            old.starts_at, old.ends_at, old.place = shift.starts_at, shift.ends_at, shift.place
            old.sequence += 1
            old.updated_at = now
            moved.append(old)
    Shift.objects.bulk_create(create)
    Shift.objects.bulk_update(moved, ["starts_at", "ends_at", "place", "sequence", "updated_at"])
    return len(create), len(moved)


@transaction.atomic
def make_calendar_shifts(club: Club, *, since: datetime.date, until: datetime.date) -> tuple[int, int]:
    """The depot shifts (reception, distribution, cash) of each group's distributions between two dates, and a
    driving shift for each round driven by volunteers in the chosen transport plans of those cycles. Returns
    (created, moved). A constant number of queries."""
    kinds = ensure_kinds(club)
    wanted: dict[str, Shift] = {}
    distributions = list(Distribution.objects.filter(cycle__club=club, date__gte=since, date__lte=until)
                         .select_related("group__depot"))
    for d in distributions:
        depot = getattr(d.group, "depot", None)
        if depot is None:
            continue
        place = f"{depot.name}, {depot.address}"
        for category in DEPOT_CATEGORIES:
            kind = kinds.get(category)
            if kind is None:
                continue
            starts, ends = _depot_times(category, d.date, depot.slot_start, depot.slot_end, kind.hours)
            wanted[f"distribution:{d.pk}:{kind.pk}"] = Shift(
                club=club, group=d.group, kind=kind, title=f"{kind.name} — {d.group.name}", starts_at=starts, ends_at=ends,
                place=place, people_needed=kind.people_needed, hours=kind.hours, source=f"distribution:{d.pk}:{kind.pk}",
                distribution=d)
    first_day = {}
    for d in distributions:
        first_day[d.cycle_id] = min(first_day.get(d.cycle_id, d.date), d.date)
    driving = kinds.get(TaskCategory.DRIVING)
    if driving is not None and first_day:
        rounds = Round.objects.filter(plan__cycle_id__in=list(first_day), plan__chosen=True,
                                      driver_kind=DriverKind.VOLUNTEER).select_related("plan")
        for r in rounds:
            day = first_day[r.plan.cycle_id]
            source = f"round:{r.plan.cycle_id}:{r.plan.scheme}:{r.position}"
            starts, ends = _at(day, r.starts_at), _at(day, r.ends_at)
            if ends <= starts:
                ends = starts + datetime.timedelta(minutes=max(r.minutes, 30))
            hours = (Decimal(r.minutes) / 60).quantize(Decimal("0.25")) or driving.hours
            wanted[source] = Shift(club=club, group=None, kind=driving, title=f"{driving.name} — {r.vehicle_name}",
                                   starts_at=starts, ends_at=ends, place=r.vehicle_name, people_needed=1, hours=hours,
                                   source=source)
    return _upsert(club, wanted)


def _checked_times(day: datetime.date, start: datetime.time, end: datetime.time) -> tuple[datetime.datetime, datetime.datetime]:
    if end <= start:
        raise ActionError(field_errors={"ends": _("The end must come after the start.")})
    return _at(day, start), _at(day, end)


@transaction.atomic
def add_shift(club: Club, *, kind: TaskKind, group: Group | None, title: str, day: datetime.date,
              start: datetime.time, end: datetime.time, place: str, people_needed: int | None = None,
              notes: str = "") -> Shift:
    """A shift added by hand (a coordinator's form has checked the club of ``kind`` and ``group``)."""
    starts, ends = _checked_times(day, start, end)
    return Shift.objects.create(club=club, group=group, kind=kind, title=title or kind.name, starts_at=starts, ends_at=ends,
                                place=place, people_needed=people_needed or kind.people_needed, hours=kind.hours, notes=notes)


@transaction.atomic
def call_for_harvest(producer: Producer, *, title: str, details: str, day: datetime.date, start: datetime.time,
                     end: datetime.time, people_needed: int, by=None) -> HarvestCall:
    """A producer (or its referent) asks the club's members for hands on a day: a club-wide shift at the farm."""
    starts, ends = _checked_times(day, start, end)
    club = producer.club
    kind = kind_for(club, TaskCategory.HARVEST)
    call = HarvestCall.objects.create(producer=producer, title=title, details=details, created_by=by)
    hours = (Decimal((ends - starts).total_seconds()) / 3600).quantize(Decimal("0.25"))
    Shift.objects.create(club=club, group=None, kind=kind, title=f"{title} — {producer.name}", starts_at=starts,
                         ends_at=ends, place=producer.address or producer.name, people_needed=people_needed,
                         hours=hours, notes=details, harvest_call=call, source=f"harvest:{call.pk}")
    return call


# --- farm visits of the participatory guarantee ------------------------------------------------------------

@transaction.atomic
def schedule_visit(producer: Producer, *, day: datetime.date, start: datetime.time, end: datetime.time,
                   people_needed: int) -> CertificationVisit:
    """A visit planned at a producer's: members and producers sign up for it as a club-wide shift."""
    starts, ends = _checked_times(day, start, end)
    club = producer.club
    kind = kind_for(club, TaskCategory.FARM_VISIT)
    visit = CertificationVisit.objects.create(producer=producer, visited_on=day)
    hours = (Decimal((ends - starts).total_seconds()) / 3600).quantize(Decimal("0.25"))
    Shift.objects.create(club=club, group=None, kind=kind, title=_("Farm visit — %(producer)s") % {"producer": producer.name},
                         starts_at=starts, ends_at=ends, place=producer.address or producer.name,
                         people_needed=people_needed, hours=hours, visit=visit, source=f"visit:{visit.pk}")
    return visit


@transaction.atomic
def record_visit(visit_id: int, *, checks: dict[int, tuple[bool, str]], report: str, decision: str, conditions: str,
                 next_visit_on: datetime.date | None, by, now: datetime.datetime | None = None) -> CertificationVisit:
    """The charter checklist filled during the visit, its report and decision, in one go. Every commitment of
    the club's charter must be answered; a decision with conditions states them."""
    now = now or timezone.now()
    visit = (CertificationVisit.objects.select_for_update(of=("self",)).select_related("producer").filter(pk=visit_id).first())
    if visit is None:
        raise ActionError(_("This visit no longer exists."))
    if visit.recorded_at is not None:
        raise ActionError(_("This visit is already recorded."))
    points = list(CharterPoint.objects.filter(club_id=visit.producer.club_id).values_list("pk", flat=True))
    errors = {}
    missing = [p for p in points if p not in checks]
    if missing:
        errors.update({f"point-{p}": _("Say whether this commitment is met.") for p in missing})
    if decision not in VisitDecision.values:
        errors["decision"] = _("Choose the decision.")
    elif decision == VisitDecision.CONDITIONS and not conditions.strip():
        errors["conditions"] = _("Say which conditions.")
    if next_visit_on is not None and next_visit_on <= visit.visited_on:
        errors["next_visit_on"] = _("The next visit comes after this one.")
    if errors:
        raise ActionError(field_errors=errors)
    names = [str(s.user) for s in Signup.objects.filter(shift__visit=visit).select_related("user")]
    visit.participants = visit.participants or ", ".join(names)
    visit.report, visit.decision, visit.conditions = report.strip(), decision, conditions.strip()
    visit.next_visit_on, visit.recorded_at, visit.recorded_by = next_visit_on, now, by
    visit.save()
    VisitCheck.objects.filter(visit=visit).delete()
    VisitCheck.objects.bulk_create(VisitCheck(visit=visit, point_id=p, satisfied=checks[p][0], comment=checks[p][1][:300])
                                   for p in points)
    return visit


def visits_overview(club: Club, today: datetime.date) -> list[dict]:
    """Each producer of the club with its latest recorded visit, its planned one, the visits whose day has
    passed but whose decision is not recorded yet (``to_record``), and whether a visit is overdue (the next
    visit's date has passed and none is planned). Two queries."""
    producers = list(Producer.objects.filter(club=club).order_by("name"))
    latest, planned, to_record = {}, {}, {}
    for visit in CertificationVisit.objects.filter(producer__club=club).order_by("visited_on", "pk"):
        if visit.recorded_at is not None:
            latest[visit.producer_id] = visit
        elif visit.visited_on >= today:
            planned.setdefault(visit.producer_id, visit)
        else:
            to_record.setdefault(visit.producer_id, []).append(visit)
    rows = []
    for producer in producers:
        last = latest.get(producer.pk)
        due = last.next_visit_on if last else None
        rows.append({"producer": producer, "latest": last, "planned": planned.get(producer.pk), "due": due,
                     "to_record": to_record.get(producer.pk, []),
                     "overdue": due is not None and due < today and producer.pk not in planned})
    return rows


# --- the drivers' rota --------------------------------------------------------------------------------------

@transaction.atomic
def create_rota(club: Club, *, name: str, days: Iterable[datetime.date], start: datetime.time, end: datetime.time,
                place: str, drivers: list[tuple[int, int | None]], now: datetime.datetime | None = None) -> DriverRota:
    """A season of pooled rounds driven in turn: a driving shift per day, and the drivers (user id, producer id
    or None) in the order given. The turns are then shared out by ``balance_rota``."""
    days = sorted(set(days))
    if not days:
        raise ActionError(field_errors={"days": _("Give at least one day.")})
    if len(drivers) < 2:
        raise ActionError(field_errors={"drivers": _("A rota needs at least two drivers.")})
    kind = kind_for(club, TaskCategory.DRIVING)
    rota = DriverRota.objects.create(club=club, name=name, starts_on=days[0], ends_on=days[-1])
    RotaDriver.objects.bulk_create(RotaDriver(rota=rota, user_id=u, producer_id=p, position=i) for i, (u, p) in enumerate(drivers))
    shifts = []
    for day in days:
        starts, ends = _checked_times(day, start, end)
        shifts.append(Shift(club=club, group=None, kind=kind, title=f"{name} — {day:%d/%m}", starts_at=starts, ends_at=ends,
                            place=place, people_needed=1, hours=kind.hours, rota=rota, source=f"rota:{rota.pk}:{day.isoformat()}"))
    Shift.objects.bulk_create(shifts)
    balance_rota(rota, now=now)
    return rota


@transaction.atomic
def balance_rota(rota: DriverRota, *, now: datetime.datetime | None = None) -> int:
    """Give each coming turn that has no driver to a driver, balancing turns over the season (turns already
    taken count). Returns how many turns were given."""
    now = now or timezone.now()
    drivers = list(RotaDriver.objects.filter(rota=rota).values_list("user_id", flat=True))
    turns = list(Shift.objects.filter(rota=rota, cancelled_at__isnull=True).prefetch_related("signups"))
    earlier: dict[int, int] = {}
    open_turns = []
    for shift in turns:
        taken = [s.user_id for s in shift.signups.all()]
        for user_id in taken:
            earlier[user_id] = earlier.get(user_id, 0) + 1
        if not taken and shift.starts_at > now:
            open_turns.append(rota_rules.Turn(shift.pk, timezone.localdate(shift.starts_at)))
    busy = {}
    for shift in turns:
        for s in shift.signups.all():
            busy.setdefault(s.user_id, set()).add(timezone.localdate(shift.starts_at))
    chosen = rota_rules.plan_rota(open_turns, drivers, away=busy, earlier=earlier)
    users = User.objects.in_bulk(drivers)
    signups = [Signup(shift_id=key, user_id=user_id, household_id=users[user_id].household_id, created_at=now)
               for key, user_id in chosen.items() if user_id is not None]
    Signup.objects.bulk_create(signups)
    return len(signups)


def rota_table(rota: DriverRota) -> tuple[list[Shift], list[dict]]:
    """The rota's turns with their driver, and each driver's number of turns (done and to come). Three queries."""
    turns = list(Shift.objects.filter(rota=rota, cancelled_at__isnull=True).prefetch_related("signups__user"))
    drivers = list(RotaDriver.objects.filter(rota=rota).select_related("user", "producer"))
    counts = {d.user_id: 0 for d in drivers}
    for shift in turns:
        for s in shift.signups.all():
            counts[s.user_id] = counts.get(s.user_id, 0) + 1
    return turns, [{"driver": d, "turns": counts.get(d.user_id, 0)} for d in drivers]


def rota_turns_with_drivers(club_id: int, days) -> list[dict]:
    """The rota turns of a club on given days with who drives each (their name, and their producer's name and
    phone for a producer's account), in one query: ``days`` may be a list of dates or a query of dates (the
    distributions of a cycle: ``values("date")``). A turn no one drives yet has ``user_id`` None."""
    rows = (Shift.objects.filter(club_id=club_id, rota__isnull=False, cancelled_at__isnull=True, starts_at__date__in=days)
            .order_by("starts_at", "pk", "signups__created_at")
            .values("pk", "title", "starts_at", "ends_at", "place", "rota__name", "signups__user_id",
                    "signups__user__first_name", "signups__user__last_name", "signups__user__email",
                    "signups__user__producer_account__producer__name",
                    "signups__user__producer_account__producer__phone"))
    turns = []
    for row in rows:
        name = f"{row['signups__user__first_name']} {row['signups__user__last_name']}".strip() \
            or (row["signups__user__email"] or "")
        turns.append({"shift_id": row["pk"], "title": row["title"], "starts_at": row["starts_at"],
                      "ends_at": row["ends_at"], "place": row["place"], "rota": row["rota__name"],
                      "user_id": row["signups__user_id"], "name": name,
                      "producer": row["signups__user__producer_account__producer__name"] or "",
                      "phone": row["signups__user__producer_account__producer__phone"] or ""})
    return turns
