"""The notifications' tasks, one per event, and what enqueues them: the flows after their commit (a cycle
opened, a cycle closed) and ``queue_reminders`` for what depends on the time (``cabas send-reminders`` from
cron: the deadline near, the eve of a distribution, a product close to going ahead, the eve of a volunteer's
shift, a shift nobody took two days before).

Each task reads its event in a constant number of queries, then hands the recipients to ``services.deliver``
(at most once per person, per kind and event). A member is only ever told about their own group and their own
household: their depot, their distribution, their allocations — never a tariff nor an amount."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _, gettext_noop, ngettext_lazy
from django_tasks import task

from cabas.core.formatting import format_quantity
from cabas.core.i18n import Deferred, language_of
from cabas.core.tasks import enqueue_on_commit
from cabas.catalog.units import format_quantity_with_unit
from cabas.distribution.models import DepotReception, Distribution, ReceptionState
from cabas.finance.models import BankLine, BankLineStatus, BankStatement
from cabas.members.models import ApplicationStatus, Group, MembershipApplication, PickupPlace, RoleKind, User
from cabas.members.rhythm import pickup_day
from cabas.members.words import words_for
from cabas.news.services import news_digests
from cabas.ordering.models import Allocation, AllocationReason, Offer, OrderCycle, OrderLine
from cabas.volunteering.models import Shift, Signup

from . import services
from .models import Kind, NotificationEvent

ZERO = Decimal("0")


def _url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _depot(distribution: Distribution) -> dict:
    depot = getattr(distribution.group, "depot", None)
    return {
        "date": distribution.date, "group": distribution.group.name,
        "depot": depot.name if depot else "", "address": depot.address if depot else "",
        "slot_start": depot.slot_start if depot else None, "slot_end": depot.slot_end if depot else None,
        "notes": "", "tomorrow": True,
    }


def _distributions(cycle_id: int) -> dict[int, Distribution]:
    return {d.group_id: d for d in Distribution.objects.filter(cycle_id=cycle_id).select_related("group__depot")}


# --- triggers ------------------------------------------------------------------------------------------------

def cycle_opened(cycle: OrderCycle, *, now: datetime.datetime | None = None) -> None:
    """After the opening commits: the members are told when the cycle is open (later ones by send-reminders)."""
    if cycle.opens_at <= (now or timezone.now()):
        enqueue_on_commit(send_cycle_opened, cycle.pk)


def cycle_closed(cycle: OrderCycle) -> None:
    """After the closing commits: each household's order at closing, and the coordinators' documents."""
    enqueue_on_commit(send_closing, cycle.pk)
    enqueue_on_commit(send_cycle_closed, cycle.pk)


def queue_reminders(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """What depends on the time, each event queued once (cron may run this every few minutes): cycles that
    opened meanwhile, deadlines within CABAS_DEADLINE_REMINDER_HOURS, distributions tomorrow, products close
    to their threshold (once a day per cycle), shifts tomorrow that have people (once per shift and start
    date: a shift moved to another day is reminded again), shifts in two days that nobody took. A constant
    number of queries, plus one insert per task."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    tomorrow, in_two_days = today + datetime.timedelta(days=1), today + datetime.timedelta(days=2)
    open_cycles = list(OrderCycle.objects.open_at(now).values_list("pk", "closes_at"))
    soon = now + datetime.timedelta(hours=settings.CABAS_DEADLINE_REMINDER_HOURS)
    day = today.isoformat()
    wanted = {
        Kind.CYCLE_OPENED: [(f"cycle:{pk}", send_cycle_opened, (pk,)) for pk, _closes in open_cycles],
        Kind.DEADLINE: [(f"cycle:{pk}", send_deadline, (pk,)) for pk, closes in open_cycles if closes <= soon],
        Kind.THRESHOLD: [(f"cycle:{pk}:{day}", send_threshold, (pk, day)) for pk, _closes in open_cycles],
        Kind.PICKUP: [(f"distribution:{pk}", send_pickup, (pk,)) for pk in Distribution.objects.filter(
            date=today + datetime.timedelta(days=1), cycle__closed_at__isnull=False).values_list("pk", flat=True)],
        Kind.SHIFT: [(f"shift:{pk}:{tomorrow.isoformat()}", send_shift_reminder, (pk,))
                     for pk in _shifts_on(tomorrow, now).filter(taken=True).values_list("pk", flat=True)],
        Kind.SHIFT_UNFILLED: [(f"shift:{pk}:{in_two_days.isoformat()}", send_shift_unfilled, (pk,))
                              for pk in _shifts_on(in_two_days, now).filter(taken=False).values_list("pk", flat=True)],
    }
    queued = {}
    for kind, events in wanted.items():
        known = services.known_events(kind, [event for event, _task, _args in events]) if events else set()
        todo = [(each, args) for event, each, args in events if event not in known]
        for each, args in todo:
            each.enqueue(*args)
        queued[kind.value] = len(todo)
    return queued


# --- a cycle opens -------------------------------------------------------------------------------------------

@task()
def send_cycle_opened(cycle_id: int) -> int:
    cycle = OrderCycle.objects.select_related("club").filter(pk=cycle_id).first()
    if cycle is None or not cycle.accepts_orders():
        return 0
    distributions = _distributions(cycle.pk)
    offers = list(Offer.objects.filter(cycle=cycle).order_by("name").values_list("product_id", "name", "producer__name"))
    # the previous cycle of these groups (each group on its own rhythm: another group's cycle is not theirs)
    previous, previous_opened = OrderCycle.objects.filter(club_id=cycle.club_id, opens_at__lt=cycle.opens_at) \
        .for_groups(distributions).exclude(pk=cycle.pk).order_by("-opens_at").values_list("pk", "opens_at").first() \
        or (None, None)
    before = set(Offer.objects.filter(cycle_id=previous).values_list("product_id", flat=True)) if previous else set()
    # the news since the previous cycle opened (its e-mail carried the news before), the club's and each group's
    news = news_digests(cycle.club_id, list(distributions), previous_opened)
    new = [(name, producer) for product_id, name, producer in offers if previous and product_id not in before]
    base = {"cycle": cycle, "club": cycle.club.name, "words": words_for(cycle.club), "closes_at": timezone.localtime(cycle.closes_at),
            "offer_count": len(offers), "new": new, "order_url": _url("order", cycle.pk),
            "subject": Deferred(gettext_noop("Orders are open: %(cycle)s"), {"cycle": cycle.name})}
    depots = {group_id: _depot(d) for group_id, d in distributions.items()}
    return services.deliver(Kind.CYCLE_OPENED, f"cycle:{cycle.pk}", services.members_of_groups(distributions),
                            lambda r: {**base, "distribution": depots.get(r.group_id), "news": news.get(r.group_id, [])},
                            template="notifications/email/cycle_opened")


# --- the deadline is near ------------------------------------------------------------------------------------

@task()
def send_deadline(cycle_id: int) -> int:
    """To the members of households that have not ordered yet, while the cycle takes orders."""
    cycle = OrderCycle.objects.select_related("club").filter(pk=cycle_id).first()
    if cycle is None or not cycle.accepts_orders():
        return 0
    distributions = _distributions(cycle.pk)
    ordered = set(OrderLine.objects.filter(order__cycle=cycle, quantity__gt=0).values_list("order__household_id", flat=True))
    recipients = [r for r in services.members_of_groups(distributions) if r.household_id not in ordered]
    closes_at = timezone.localtime(cycle.closes_at)
    base = {"cycle": cycle, "club": cycle.club.name, "words": words_for(cycle.club), "closes_at": closes_at, "order_url": _url("order", cycle.pk),
            "subject": Deferred(gettext_noop("Last call: %(cycle)s closes on %(date)s"), {
                "cycle": cycle.name, "date": closes_at.strftime("%d/%m %H:%M")})}
    return services.deliver(Kind.DEADLINE, f"cycle:{cycle.pk}", recipients, lambda r: base,
                            template="notifications/email/deadline")


# --- a product close to going ahead --------------------------------------------------------------------------

THRESHOLD_NEAR = Decimal("0.6")  # told when the pooled orders reach this share of the threshold


@task()
def send_threshold(cycle_id: int, day: str) -> int:
    """Products with a viability threshold not reached yet but within reach (60 % or more): the members of
    households that have not ordered them are told how much more makes them go ahead. Once a day per cycle."""
    cycle = OrderCycle.objects.select_related("club").filter(pk=cycle_id).first()
    if cycle is None or not cycle.accepts_orders():
        return 0
    offers = {o.pk: o for o in Offer.objects.filter(cycle=cycle, min_total__gt=0)}
    totals = dict(OrderLine.objects.filter(order__cycle=cycle, offer_id__in=list(offers)).values("offer_id")
                  .annotate(total=Sum("quantity")).values_list("offer_id", "total"))
    near = {pk: o.min_total - (totals.get(pk) or ZERO) for pk, o in offers.items()
            if o.min_total * THRESHOLD_NEAR <= (totals.get(pk) or ZERO) < o.min_total}
    if not near:
        services.event_started(Kind.THRESHOLD, f"cycle:{cycle.pk}:{day}")
        return 0
    ordered = defaultdict(set)
    for household_id, offer_id in OrderLine.objects.filter(order__cycle=cycle, offer_id__in=list(near), quantity__gt=0) \
            .values_list("order__household_id", "offer_id"):
        ordered[household_id].add(offer_id)
    items = {pk: {"name": offers[pk].name, "missing": format_quantity(missing), "unit": offers[pk].get_unit_display()}
             for pk, missing in near.items()}
    recipients = [r for r in services.members_of_groups(_distributions(cycle.pk)) if set(near) - ordered[r.household_id]]
    base = {"cycle": cycle, "club": cycle.club.name, "words": words_for(cycle.club), "order_url": _url("order", cycle.pk),
            "closes_at": timezone.localtime(cycle.closes_at),
            "subject": Deferred(gettext_noop("A little more and it goes ahead: %(cycle)s"), {"cycle": cycle.name})}
    return services.deliver(
        Kind.THRESHOLD, f"cycle:{cycle.pk}:{day}", recipients,
        lambda r: {**base, "items": [items[pk] for pk in sorted(near) if pk not in ordered[r.household_id]]},
        template="notifications/email/threshold")


# --- the order at closing ------------------------------------------------------------------------------------

@task()
def send_closing(cycle_id: int) -> int:
    """Each household's order at closing: what it receives, and each product cancelled or rationed with the
    reason. Quantities only: never an amount (nor, through it, a tariff)."""
    cycle = OrderCycle.objects.select_related("club").filter(pk=cycle_id, closed_at__isnull=False).first()
    if cycle is None:
        return 0
    lines = defaultdict(list)
    for household_id, name, unit, ordered, quantity, reason in Allocation.objects.filter(
            cycle=cycle, household__isnull=False).order_by("offer__name").values_list(
            "household_id", "offer__name", "offer__unit", "quantity_ordered", "quantity", "reason"):
        if not ordered and not quantity:
            continue
        status = "cancelled" if not quantity else "reduced" if quantity < ordered else "more" if quantity > ordered else ""
        lines[household_id].append({
            "name": name, "unit": _unit(unit), "ordered": format_quantity(ordered), "quantity": format_quantity(quantity),
            "status": status, "reason": AllocationReason(reason).label if reason else "",
        })
    distributions = _distributions(cycle.pk)
    depots = {group_id: _depot(d) for group_id, d in distributions.items()}
    recipients = services.members_of_groups(distributions, household_ids=list(lines))
    base = {"cycle": cycle, "club": cycle.club.name, "words": words_for(cycle.club),
            "subject": Deferred(gettext_noop("Your order at closing: %(cycle)s"), {"cycle": cycle.name})}

    def context(r):
        own = lines[r.household_id]
        return {**base, "lines": own, "changed": [line for line in own if line["status"] in ("cancelled", "reduced")],
                "distribution": depots.get(r.group_id)}

    return services.deliver(Kind.CLOSING, f"cycle:{cycle.pk}", recipients, context,
                            template="notifications/email/closing")


def _unit(unit: str) -> str:
    return str(dict(Offer._meta.get_field("unit").choices).get(unit, unit))


# --- the eve of the distribution -----------------------------------------------------------------------------

@task()
def send_pickup(distribution_id: int) -> int:
    """The members of each household receiving goods: where, when, and the containers to bring back."""
    distribution = Distribution.objects.select_related("group__depot", "cycle__club").filter(
        pk=distribution_id, cycle__closed_at__isnull=False).first()
    if distribution is None:
        return 0
    goods = defaultdict(list)
    containers = defaultdict(list)
    chosen: dict[int, int | None] = {}  # each household's pickup place (None: the depot)
    for household_id, name, unit, quantity, returnable, place_id in Allocation.objects.filter(
            cycle_id=distribution.cycle_id, household__group_id=distribution.group_id, quantity__gt=0,
    ).order_by("offer__name").values_list("household_id", "offer__name", "offer__unit", "quantity",
                                          "offer__spec_sheet__returnable_container", "household__pickup_place_id"):
        goods[household_id].append({"name": name, "quantity": format_quantity(quantity), "unit": _unit(unit)})
        chosen[household_id] = place_id
        if returnable:
            containers[household_id].append(name)
    cycle = distribution.cycle
    depot = _depot(distribution)
    # the group's other places where households collect (the goods are taken there from the depot)
    places = {p.pk: _place(distribution, p) for p in PickupPlace.objects.filter(
        group_id=distribution.group_id, is_active=True, pk__in={pk for pk in chosen.values() if pk})}
    recipients = services.members_of_groups([distribution.group_id], household_ids=list(goods))
    base = {"cycle": cycle, "club": cycle.club.name, "words": words_for(cycle.club)}

    def context(r):
        place = places.get(chosen.get(r.household_id)) or depot
        subject = (gettext_noop("Tomorrow: your goods at %(depot)s") if place["tomorrow"]
                   else gettext_noop("Your goods at %(depot)s"))
        return {**base, "distribution": place, "goods": goods[r.household_id], "containers": containers[r.household_id],
                "subject": Deferred(subject, {"depot": place["depot"] or place["group"]})}

    return services.deliver(Kind.PICKUP, f"distribution:{distribution.pk}", recipients, context,
                            template="notifications/email/pickup")


def _place(distribution: Distribution, place: PickupPlace) -> dict:
    """Where and when a household collects at one of its group's other places (its own day and slot)."""
    return {"date": pickup_day(distribution.date, place.day_offset), "group": distribution.group.name,
            "depot": place.name, "address": place.address, "slot_start": place.slot_start, "slot_end": place.slot_end,
            "notes": place.notes, "tomorrow": place.day_offset == 0}


# --- coordinators: a cycle closed ----------------------------------------------------------------------------

@task()
def send_cycle_closed(cycle_id: int) -> int:
    """The club's coordinators get the links to every document; a group's coordinators, their group's."""
    cycle = OrderCycle.objects.select_related("club").filter(pk=cycle_id, closed_at__isnull=False).first()
    if cycle is None:
        return 0
    distributions = _distributions(cycle.pk)
    recipients = services.coordinators_of(cycle.club_id, distributions)
    base = {"cycle": cycle, "club": cycle.club.name, "words": words_for(cycle.club), "cycle_url": _url("cycle-detail", cycle.pk),
            "documents_url": _url("cycle-documents", cycle.pk),
            "subject": Deferred(gettext_noop("Cycle closed: %(cycle)s — its documents"), {"cycle": cycle.name})}

    def context(r):
        if r.group_id is None:
            return {**base, "group": None}
        return {**base, "group": distributions[r.group_id].group.name,
                "picking_list_url": _url("picking-list", cycle.pk, r.group_id),
                "pickup_url": _url("pickup", cycle.pk, r.group_id)}

    return services.deliver(Kind.CYCLE_CLOSED, f"cycle:{cycle.pk}", recipients, context,
                            template="notifications/email/cycle_closed")


# --- the waitlist ---------------------------------------------------------------------------------------------

def application_received(application_id: int) -> None:
    """After an application commits: the applicant's acknowledgement and the group's coordinators alerted."""
    enqueue_on_commit(send_application_received, application_id)


def place_freed(group_id: int, household_id: int) -> None:
    """After a household left a group: the first applicant waiting and the group's coordinators are told."""
    enqueue_on_commit(send_place_freed, group_id, household_id)


def _waiting(group_id: int) -> list[MembershipApplication]:
    return list(MembershipApplication.objects.filter(group_id=group_id, status=ApplicationStatus.WAITING)
                .order_by("applied_at", "pk"))


def _tell_applicant(event: str, application: MembershipApplication, subject: Deferred, template: str, context: dict) -> int:
    """A transactional e-mail to a person who has no account yet (no preference to honour, nothing to unsubscribe
    from), sent once per event."""
    record = services.event_started(Kind.WAITLIST, event)
    if record is None:
        return 0
    with translation.override(language_of(application.language)):  # the language they applied in
        body = render_to_string(template, {**context, "application": application})
        sent = send_mail(str(subject), body, settings.DEFAULT_FROM_EMAIL, [application.email])
    NotificationEvent.objects.filter(pk=record.pk).update(done_at=timezone.now(), sent=sent)
    return sent


@task()
def send_application_received(application_id: int) -> int:
    application = MembershipApplication.objects.select_related("group__club").filter(pk=application_id).first()
    if application is None or application.status != ApplicationStatus.WAITING:
        return 0
    group = application.group
    waiting = _waiting(group.pk)
    position = next((i for i, a in enumerate(waiting, start=1) if a.pk == application.pk), None)
    context = {"group": group, "club": group.club.name, "words": words_for(group.club), "position": position, "waiting": len(waiting),
               "members_url": _url("group-members", group.pk)}
    sent = _tell_applicant(f"applicant:{application.pk}", application,
                           Deferred(gettext_noop("Your application to %(group)s"), {"group": group.name}),
                           "notifications/email/applicant_received.txt", context)
    coordinators = [r for r in services.coordinators_of(group.club_id, [group.pk])]
    subject = Deferred(gettext_noop("%(group)s: a household asks to join"), {"group": group.name})
    return sent + services.deliver(Kind.WAITLIST, f"application:{application.pk}", coordinators,
                                   lambda r: {**context, "subject": subject, "application": application},
                                   template="notifications/email/application")


@task()
def send_place_freed(group_id: int, household_id: int) -> int:
    group = Group.objects.select_related("club").filter(pk=group_id).first()
    waiting = _waiting(group_id) if group else []
    if not waiting:
        return 0
    first = waiting[0]
    context = {"group": group, "club": group.club.name, "words": words_for(group.club), "waiting": len(waiting), "first": first,
               "members_url": _url("group-members", group.pk)}
    sent = _tell_applicant(f"place:{group_id}:{household_id}", first,
                           Deferred(gettext_noop("A place frees up in %(group)s"), {"group": group.name}),
                           "notifications/email/applicant_place.txt", context)
    subject = Deferred(ngettext_lazy("%(group)s: a place frees up, %(count)s waiting",
                                     "%(group)s: a place frees up, %(count)s waiting", "count"),
                       {"group": group.name, "count": len(waiting)})
    return sent + services.deliver(Kind.WAITLIST, f"place:{group_id}:{household_id}:coordinators",
                                   services.coordinators_of(group.club_id, [group.pk]),
                                   lambda r: {**context, "subject": subject}, template="notifications/email/place_freed")


# --- a depot's delivery claim ---------------------------------------------------------------------------------

def delivery_claimed(distribution_id: int, at: datetime.datetime) -> None:
    """After a depot's reception recorded less than expected or damaged goods: the club's coordinators and the
    group's are told, once per reception saved."""
    enqueue_on_commit(send_delivery_claim, distribution_id, at.isoformat())


@task()
def send_delivery_claim(distribution_id: int, at: str) -> int:
    distribution = Distribution.objects.select_related("cycle__club", "group").filter(pk=distribution_id).first()
    if distribution is None:
        return 0
    claims = list(DepotReception.objects.filter(distribution=distribution, state__in=[
        ReceptionState.SHORT, ReceptionState.DAMAGED]).select_related("offer__producer").order_by("offer__producer__name", "offer__name"))
    if not claims:
        return 0
    cycle, group = distribution.cycle, distribution.group
    lines = [{"product": c.offer.name, "producer": c.offer.producer.name, "state": c.get_state_display(),
              "expected": format_quantity_with_unit(c.expected, c.offer.unit),
              "received": format_quantity_with_unit(c.received, c.offer.unit), "note": c.note} for c in claims]
    context = {"cycle": cycle, "club": cycle.club.name, "words": words_for(cycle.club), "group": group.name, "claims": lines,
               "reception_url": _url("depot-reception", cycle.pk, group.pk),
               "subject": Deferred(gettext_noop("%(group)s: delivery claim, %(cycle)s"), {"group": group.name, "cycle": cycle.name})}
    return services.deliver(Kind.CLAIM, f"claim:{distribution_id}:{at}", services.coordinators_of(cycle.club_id, [group.pk]),
                            lambda r: context, template="notifications/email/claim")


# --- bank lines left unmatched --------------------------------------------------------------------------------

def bank_lines_unmatched(statement_id: int) -> None:
    enqueue_on_commit(send_unmatched, statement_id)


@task()
def send_unmatched(statement_id: int) -> int:
    """To the club's treasurers and coordinators: the lines of an imported statement that no reference matched."""
    statement = BankStatement.objects.select_related("club").filter(pk=statement_id).first()
    if statement is None:
        return 0
    lines = BankLine.objects.filter(statement=statement).exclude(status=BankLineStatus.MATCHED)
    count = lines.count()
    if not count:
        return 0
    context = {"club": statement.club.name, "words": words_for(statement.club), "count": count, "lines_url": _url("bank-lines", statement.club_id, statement.pk),
               "subject": Deferred(ngettext_lazy("%(count)s bank line to match", "%(count)s bank lines to match", "count"),
                                   {"count": count})}
    return services.deliver(Kind.UNMATCHED, f"statement:{statement.pk}", services.money_handlers_of(statement.club_id),
                            lambda r: context, template="notifications/email/unmatched")


# --- volunteers' shifts ---------------------------------------------------------------------------------------

def _shifts_on(day: datetime.date, now: datetime.datetime):
    """The shifts not cancelled nor started that start on a local date, with whether anyone is on them."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return (Shift.objects.filter(cancelled_at__isnull=True, starts_at__gte=max(start, now), starts_at__lt=end)
            .annotate(taken=Exists(Signup.objects.filter(shift=OuterRef("pk")))).order_by("starts_at", "pk"))


def _coming_shift(shift_id: int) -> Shift | None:
    return (Shift.objects.select_related("club", "group", "kind")
            .filter(pk=shift_id, cancelled_at__isnull=True, starts_at__gt=timezone.now()).first())


def _shift_context(shift: Shift) -> dict:
    starts, ends = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    return {"shift": shift, "club": shift.club.name, "words": words_for(shift.club), "date": starts.date(), "starts": starts, "ends": ends,
            "place": shift.place, "task": shift.kind.name, "hours": format_quantity(shift.hours),
            "group": shift.group.name if shift.group_id else ""}


@task()
def send_shift_reminder(shift_id: int) -> int:
    """The day before a shift, to each person on it: where, when, what, and who else comes (first names);
    a swap to propose if they cannot come. Once per shift and start date."""
    shift = _coming_shift(shift_id)
    if shift is None:
        return 0
    people = list(Signup.objects.filter(shift=shift).select_related("user").order_by("created_at", "pk"))
    recipients = [services.Recipient(user_id=s.user_id, email=s.user.email, first_name=s.user.first_name,
                                     household_id=s.household_id)
                  for s in people if s.user.is_active and s.user.email]
    base = {**_shift_context(shift), "shifts_url": _url("shifts"),
            "free": max(0, shift.people_needed - len(people))}
    base["subject"] = Deferred(gettext_noop("Tomorrow: %(title)s at %(time)s"), {"title": shift.title, "time": base["starts"].strftime("%H:%M")})

    def context(r):
        return {**base, "others": [s.user.first_name or _("a member") for s in people if s.user_id != r.user_id]}

    return services.deliver(Kind.SHIFT, f"shift:{shift.pk}:{base['date'].isoformat()}", recipients, context,
                            template="notifications/email/shift")


def shift_coordinators(shift: Shift) -> list[services.Recipient]:
    """Who is told that nobody took a shift: a group's shift, the group's coordinators (the club's when the
    group has none); a club-wide shift, the club's coordinators. One or two queries."""
    if shift.group_id is not None:
        rows = (User.objects.filter(is_active=True, roles__kind=RoleKind.GROUP_COORDINATOR, roles__group_id=shift.group_id)
                .exclude(email="").distinct().order_by("pk").values_list("pk", "email", "first_name"))
        people = [services.Recipient(user_id=pk, email=email, first_name=first_name, group_id=shift.group_id)
                  for pk, email, first_name in rows]
        if people:
            return people
    return services.coordinators_of(shift.club_id, [])


@task()
def send_shift_unfilled(shift_id: int) -> int:
    """Two days before a shift nobody signed up for, to the coordinators who fill it: the shift and the link
    to assign someone. Nothing when someone signed up meanwhile."""
    shift = _coming_shift(shift_id)
    if shift is None or Signup.objects.filter(shift=shift).exists():
        return 0
    context = {**_shift_context(shift), "shift_url": _url("shift-detail", shift.pk)}
    context["subject"] = Deferred(gettext_noop("No one yet for %(title)s on %(date)s"), {
        "title": shift.title, "date": context["starts"].strftime("%d/%m")})
    return services.deliver(Kind.SHIFT_UNFILLED, f"shift:{shift.pk}:{context['date'].isoformat()}",
                            shift_coordinators(shift), lambda r: context, template="notifications/email/shift_unfilled")
