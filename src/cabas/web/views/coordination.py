"""Coordinators' pages: cycles, opening one, closing it, a group's orders."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas.core.money import ZERO, line_amount
from cabas.distribution.containers import returns_at_depots
from cabas.distribution.models import Distribution, ProducerSheet
from cabas.members.models import Club, Group, Household
from cabas.members.permissions import access_for
from cabas.members.services import planned_days
from cabas.members.words import words_for
from cabas.ordering.models import Allocation, Offer, Order, OrderCycle, OrderLine, OrderSummary, Rationing
from cabas.flows import close_cycle, open_cycle, record_deliveries
from cabas.flows.closing import priority_households
from cabas.ordering.services import run_allocation, set_allocation_rules

from ..access import cycle_for_coordination, require_cycle_runner, runs_cycle
from ..feedback import flash_errors
from ..forms import AllocationRulesForm, CycleForm, DeliveryForm


def coordinator_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not access_for(request.user).is_coordinator:
            raise PermissionDenied(_("This page is for coordinators."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@coordinator_required
def cycle_list(request):
    """The cycles of the clubs the user coordinates, and those serving the groups they coordinate."""
    access = access_for(request.user)
    cycles = OrderCycle.objects.all()
    if not access.is_superuser:
        cycles = cycles.filter(Q(club_id__in=access.coordinated_club_ids)
                               | Q(pk__in=OrderCycle.objects.for_groups(access.coordinated_group_ids).values("pk")))
    cycles = list(cycles.select_related("club").annotate(order_count=Count("orders")).order_by("-closes_at")[:100])
    now = timezone.now()
    clubs = list(coordinated_clubs(access))
    # the groups coordinated in other clubs than those (the club's coordinators reach every group from the club)
    own_groups = list(Group.objects.filter(pk__in=access.coordinated_group_ids).exclude(club__in=clubs).order_by("name")) \
        if access.coordinated_group_ids else []
    return render(request, "web/ordering/cycle_list.html", {
        "cycles": [(c, c.status(now)) for c in cycles], "can_open": True,  # a coordinator opens one for their groups
        "clubs": [(club, words_for(club)) for club in clubs],  # each club's line in its own words
        "own_groups": own_groups,
    })


def coordinated_clubs(access):
    return Club.objects.all() if access.is_superuser else Club.objects.filter(pk__in=access.coordinated_club_ids)


def cycle_clubs(access):
    """The clubs in which the user may open a cycle: those they coordinate, and those of the groups they coordinate."""
    if access.is_superuser:
        return Club.objects.all()
    return Club.objects.filter(pk__in=access.coordinated_club_ids | access.group_role_club_ids)


def openable_groups(access, club):
    """The groups of ``club`` the user may open a cycle for: all of them for the club's coordinators, their own for
    a group's coordinators."""
    groups = Group.objects.filter(club=club).select_related("depot").order_by("name")
    if access.coordinates_club(club.pk):
        return groups
    return groups.filter(pk__in=access.coordinated_group_ids)


def default_cycle_dates(now: datetime.datetime):
    """Opening now, deadline next Tuesday 20:00 (at least two days ahead), distribution that Friday."""
    local = timezone.localtime(now)
    deadline_day = local.date() + datetime.timedelta(days=2)
    deadline_day += datetime.timedelta(days=(1 - deadline_day.weekday()) % 7)
    closes_at = timezone.make_aware(datetime.datetime.combine(deadline_day, datetime.time(20, 0)))
    return local.replace(second=0, microsecond=0), closes_at


# A group takes part in a new cycle by default when its rhythm plans a distribution in the week after the deadline.
TAKES_PART_WITHIN = datetime.timedelta(days=7)


def group_defaults(groups, deadline: datetime.date) -> dict[str, object]:
    """The create form's initial values per group: its next planned day after the deadline (its rhythm), ticked
    when that day falls in the week after it (a fortnightly group sits out one cycle in two)."""
    initial = {}
    for group in groups:
        days = planned_days(group, deadline, 1)
        if days:
            initial[f"date-{group.pk}"] = days[0]
            initial[f"group-{group.pk}"] = days[0] - deadline <= TAKES_PART_WITHIN
    return initial


@coordinator_required
@require_http_methods(["GET", "POST"])
def cycle_create(request):
    """Open a cycle: the club's coordinators for any of its groups, a group's coordinator for their own group (with
    the club's producers' products)."""
    access = access_for(request.user)
    clubs = cycle_clubs(access)
    club_id = parse_id(request.POST.get("club") or request.GET.get("club"))
    club = clubs.filter(pk=club_id).first() if club_id is not None else clubs.first()
    if club is None:
        if club_id is not None and clubs.exists():
            raise Http404  # another club's
        raise PermissionDenied(_("Only the club's coordinators can open an order cycle."))
    groups = list(openable_groups(access, club))
    if request.method == "POST":
        form = CycleForm(request.POST, clubs=clubs, club=club, groups=groups)
        if form.is_valid():
            try:
                cycle = open_cycle(
                    club=club,
                    name=form.cleaned_data["name"],
                    opens_at=form.cleaned_data["opens_at"],
                    closes_at=form.cleaned_data["closes_at"],
                    distribution_dates=form.distribution_dates(),
                    product_ids=[p.pk for p in form.cleaned_data["products"]],
                )
            except ActionError as error:
                for message in error.all_messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The cycle “%(name)s” is set up.") % {"name": cycle.name})
                return redirect("cycle-detail", cycle_id=cycle.pk)
        status = 400
    else:
        opens_at, closes_at = default_cycle_dates(timezone.now())
        initial = {"opens_at": opens_at, "closes_at": closes_at, "club": club.pk,
                   **group_defaults(groups, timezone.localdate(closes_at))}
        form = CycleForm(initial=initial, clubs=clubs, club=club, groups=groups)
        form.fields["products"].initial = list(form.fields["products"].queryset.values_list("pk", flat=True))
        status = 200
    today = timezone.localdate()
    return render(request, "web/ordering/cycle_form.html", {
        "form": form, "club": club, "for_club": access.coordinates_club(club.pk),
        "planned": {g.pk: planned_days(g, today, 3) for g in groups},
    }, status=status)


@coordinator_required
def cycle_detail(request, cycle_id: int):
    cycle, access = cycle_for_coordination(request, cycle_id)
    now = timezone.now()
    is_club_coordinator = access.coordinates_club(cycle.club_id)
    runs = runs_cycle(access, cycle)
    distributions = [
        d for d in Distribution.objects.filter(cycle=cycle).select_related("group__depot", "picking_list")
        if access.coordinates_group(d.group_id, cycle.club_id)
    ]
    visible_groups = [d.group_id for d in distributions]
    per_group = defaultdict(lambda: {"households": 0, "amount": ZERO})
    if cycle.is_closed:
        for group_id, count, amount in _closed_totals(cycle, visible_groups):
            per_group[group_id] = {"households": count, "amount": amount}
    else:
        lines = OrderLine.objects.filter(order__cycle=cycle, order__household__group_id__in=visible_groups).values_list(
            "order__household__group_id", "order__household_id", "quantity", "offer__unit_price"
        )
        seen = set()
        for group_id, household_id, quantity, price in lines:
            entry = per_group[group_id]
            if household_id not in seen:
                seen.add(household_id)
                entry["households"] += 1
            entry["amount"] += line_amount(quantity, price)
    groups = [{"distribution": d, **per_group[d.group_id]} for d in distributions]
    sheets = list(ProducerSheet.objects.filter(cycle=cycle).select_related("producer")) if runs and cycle.is_closed else []
    return render(request, "web/ordering/cycle_detail.html", {
        "containers_returned": returns_at_depots(distribution__cycle=cycle, distribution__group_id__in=visible_groups),
        "cycle": cycle,
        "status": cycle.status(now),
        "groups": groups,
        "sheets": sheets,
        "can_close": runs and not cycle.is_closed and now >= cycle.opens_at,
        "is_club_coordinator": is_club_coordinator,
        "runs": runs,
        "offer_count": cycle.offers.count(),
        "total_amount": sum((g["amount"] for g in groups), ZERO),
        "household_count": sum(g["households"] for g in groups),
    })


def _closed_totals(cycle, group_ids):
    from django.db.models import Sum

    return (
        OrderSummary.objects.filter(cycle=cycle, group_id__in=group_ids)
        .values("group_id").annotate(count=Count("pk"), amount=Sum("amount_incl_vat")).values_list("group_id", "count", "amount")
    )


@coordinator_required
@require_POST
def cycle_close(request, cycle_id: int):
    cycle, access = cycle_for_coordination(request, cycle_id)
    require_cycle_runner(access, cycle, _("Only the club's coordinators can close an order cycle."))
    try:
        outcome = close_cycle(cycle.pk, by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
    except IntegrityError:
        messages.warning(request, _("This cycle was being closed at the same moment; it is closed once."))
    else:
        if outcome.closed_now:
            messages.success(request, _("The cycle is closed: order sheets and picking lists are ready."))
        else:
            messages.info(request, _("This cycle was already closed; nothing was changed."))
    return redirect("cycle-detail", cycle_id=cycle.pk)


@coordinator_required
def group_orders(request, cycle_id: int, group_id: int):
    """A group's households and what each ordered (or received, once closed)."""
    cycle, access = cycle_for_coordination(request, cycle_id)
    group = Group.objects.filter(pk=group_id, club_id=cycle.club_id).select_related("depot").first()
    if group is None or not access.coordinates_group(group.pk, cycle.club_id):
        raise Http404
    households = {h.pk: {"household": h, "lines": [], "amount": ZERO, "order": None} for h in Household.objects.filter(group=group)}
    orders = {o.household_id: o for o in Order.objects.filter(cycle=cycle, household__group=group)}
    if cycle.is_closed:
        lines = [
            (a.household, a.offer, a.quantity, a.amount_incl_vat)
            for a in Allocation.objects.filter(cycle=cycle, group=group).select_related("offer__producer", "household").order_by("offer__producer__name", "offer__name")
        ]
    else:
        household_of_order = {o.pk: households[o.household_id]["household"] for o in orders.values()}
        lines = [
            (household_of_order[l.order_id], l.offer, l.quantity, line_amount(l.quantity, l.offer.unit_price))
            for l in OrderLine.objects.filter(order__cycle=cycle, order__household__group=group).select_related("offer__producer").order_by("offer__producer__name", "offer__name")
        ]
    for household, offer, quantity, amount in lines:
        # a household that moved to another group since the closing stays on this cycle's list
        entry = households.setdefault(household.pk, {"household": household, "lines": [], "amount": ZERO, "order": None})
        entry["lines"].append((offer, quantity, amount))
        entry["amount"] += amount
    for household_id, order in orders.items():
        if household_id in households:
            households[household_id]["order"] = order
    entries = sorted(households.values(), key=lambda e: e["household"].name)
    return render(request, "web/ordering/group_orders.html", {
        "cycle": cycle, "group": group, "entries": entries,
        "ordered_count": sum(1 for e in entries if e["lines"]),
        "total": sum((e["amount"] for e in entries), ZERO),
    })


@coordinator_required
@require_http_methods(["GET", "POST"])
def cycle_preview(request, cycle_id: int):
    """What the closing would decide now: packs, thresholds, rationing; the rules can be set here. Under
    ``solidarity-first`` the households cut are not named to a coordinator who does not see the tariffs: who was
    served first would tell who is on a solidarity tariff."""
    cycle, access = cycle_for_coordination(request, cycle_id)
    require_cycle_runner(access, cycle)
    offers = list(Offer.objects.filter(cycle=cycle).select_related("producer").order_by("producer__name", "name"))
    closed = cycle.is_closed
    if closed:
        form = DeliveryForm(request.POST or None, offers=offers)
    else:
        form = AllocationRulesForm(request.POST or None, offers=offers, cycle=cycle)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if closed:
                    record_deliveries(cycle.pk, form.delivered(), prices=form.prices())
                else:
                    set_allocation_rules(cycle=cycle, rationing=form.cleaned_data["rationing"], offer_rules=form.offer_rules())
            except ActionError as error:
                for message in error.all_messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Deliveries recorded: allocations, lists and amounts follow them.") if closed
                                 else _("The rules are saved; the preview below follows them."))
                return redirect("cycle-preview", cycle_id=cycle.pk)
        status = 400
    result = run_allocation(cycle, priority=priority_households(cycle))
    confidential = cycle.rationing == Rationing.SOLIDARITY_FIRST and not (
        access.sees_fund_lines(cycle.club_id) or access.assigns_tariffs(cycle.club_id))
    named = [] if confidential else result.allocations
    households = dict(Household.objects.filter(pk__in={a.household_id for a in named}).values_list("pk", "name"))
    affected = defaultdict(list)
    for a in named:
        if a.reason:
            affected[a.offer_id].append((households[a.household_id], a))
    outcomes = {o.id: o for o in result.offers}
    rows = [
        {"offer": o, "outcome": outcomes[o.pk], "fields": form.offer_fields(o.pk), "affected": sorted(affected[o.pk], key=lambda x: x[0])}
        for o in offers
    ]
    return render(request, "web/ordering/cycle_preview.html", {"cycle": cycle, "form": form, "rows": rows,
                                                               "confidential": confidential}, status=status)
