"""Each group its own rhythm: the group's rhythm and depot page (its coordinators and the club's), and the
recurring cycles (the club's coordinators for any of its groups, a group's coordinators for their own)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cabas.core.errors import ActionError
from cabas.members.models import Club, Group
from cabas.members.permissions import Access, access_for
from cabas.members.services import (
    GroupDetails, RhythmValues, create_group, planned_days, set_group_details, set_group_rhythm,
)
from cabas.ordering.models import OrderCycle, RecurringCycle
from cabas.ordering.services import RecurringValues, save_recurring_cycle

from ..access import club_for
from ..context_processors import use_club
from ..forms import GroupDetailsForm, GroupRhythmForm, RecurringCycleForm
from .coordination import coordinator_required, openable_groups

PLANNED_SHOWN = 8  # the next planned days shown on the rhythm page
SOURCE_CYCLES = 20  # the recent cycles offered as the source of a recurring cycle's products


# --- a group's rhythm and depot -------------------------------------------------------------------------------


def group_for_rhythm(request, group_id: int) -> tuple[Group, Access]:
    """A group whose rhythm the user sets: its coordinators and the club's. Another group of a club the user
    coordinates in is 403; any other group is 404."""
    access = access_for(request.user)
    group = Group.objects.filter(pk=group_id).select_related("club", "depot").first()
    if group is None or not access.sees_club(group.club_id):
        raise Http404
    if not access.coordinates_group(group.pk, group.club_id):
        raise PermissionDenied(_("Only the group's coordinators set its rhythm and its depot."))
    use_club(request, group.club)
    return group, access


def rhythm_initial(group: Group) -> dict:
    depot = getattr(group, "depot", None)
    initial = {"every_weeks": group.every_weeks, "rhythm_from": group.rhythm_from}
    if depot is not None:
        initial.update(depot_name=depot.name, address=depot.address, latitude=depot.latitude, longitude=depot.longitude,
                       weekday=depot.distribution_weekday, slot_start=depot.slot_start, slot_end=depot.slot_end)
    return initial


def rhythm_values(data: dict) -> RhythmValues:
    return RhythmValues(every_weeks=data["every_weeks"], rhythm_from=data["rhythm_from"], depot_name=data["depot_name"],
                        address=data["address"], latitude=data["latitude"], longitude=data["longitude"],
                        weekday=data["weekday"], slot_start=data["slot_start"], slot_end=data["slot_end"])


def group_details(data: dict) -> GroupDetails:
    return GroupDetails(name=data["name"], capacity=data["capacity"], membership_fee=data["membership_fee"])


def show_errors(error: ActionError, *forms_) -> None:
    """A service's refusal on the forms it came from (each message on its field, or on the first form)."""
    for message in error.messages:
        forms_[0].add_error(None, message)
    for field, message in error.field_errors.items():
        form = next((f for f in forms_ if field in f.fields), forms_[0])
        form.add_error(field if field in form.fields else None, message)


@login_required
@require_http_methods(["GET", "POST"])
def group_rhythm(request, group_id: int):
    """The group's name, capacity and fee; how often it distributes (every N weeks from a first day), its next
    planned days; and its depot: name, address, coordinates, weekday and slot."""
    group, _access = group_for_rhythm(request, group_id)
    status = 200
    if request.method == "POST":
        details = GroupDetailsForm(request.POST)
        form = GroupRhythmForm(request.POST, group=group)
        if details.is_valid() and form.is_valid():
            try:
                with transaction.atomic():
                    set_group_details(group, group_details(details.cleaned_data))
                    set_group_rhythm(group, rhythm_values(form.cleaned_data))
            except ActionError as error:
                show_errors(error, details, form)
            else:
                messages.success(request, _("The rhythm and the depot of %(group)s are saved.") % {"group": group.name})
                return redirect("group-rhythm", group_id=group.pk)
        status = 400
    else:
        details = GroupDetailsForm(initial={"name": group.name, "capacity": group.capacity,
                                            "membership_fee": group.membership_fee})
        form = GroupRhythmForm(initial=rhythm_initial(group), group=group)
    return render(request, "web/rhythm/group_rhythm.html", {
        "group": group, "club": group.club, "form": form, "details": details,
        "planned": planned_days(group, timezone.localdate() - datetime.timedelta(days=1), PLANNED_SHOWN),
    }, status=status)


def club_for_groups(request, club_id: int) -> Club:
    """The club whose groups the user creates: its coordinators (the club's other people: 403; others: 404)."""
    return club_for(request, club_id, allowed=Access.coordinates_club,
                    refusal=_("Only the club's coordinators create new ones."))


@login_required
@require_http_methods(["GET", "POST"])
def club_groups(request, club_id: int):
    """The club's groups (depot, rhythm, households) and a form to create one with its depot and rhythm."""
    club = club_for_groups(request, club_id)
    blank = Group(club=club, every_weeks=1)
    status = 200
    if request.method == "POST":
        details = GroupDetailsForm(request.POST)
        form = GroupRhythmForm(request.POST, group=blank)
        if details.is_valid() and form.is_valid():
            try:
                group = create_group(club, group_details(details.cleaned_data), rhythm_values(form.cleaned_data))
            except ActionError as error:
                show_errors(error, details, form)
            else:
                messages.success(request, _("Done: “%(group)s” has its public join page.") % {"group": group.name})
                return redirect("club-groups", club_id=club.pk)
        status = 400
    else:
        details, form = GroupDetailsForm(), GroupRhythmForm(group=blank, initial={"every_weeks": 1})
    groups = (Group.objects.filter(club=club).select_related("depot")
              .annotate(household_count=Count("households", filter=Q(households__left_on__isnull=True)))
              .order_by("name"))
    return render(request, "web/rhythm/club_groups.html", {
        "club": club, "groups": groups, "details": details, "form": form}, status=status)


# --- recurring cycles ----------------------------------------------------------------------------------------


def manages(access: Access, club_id: int, group_ids) -> bool:
    """A recurring cycle is set up by the club's coordinators, or by the coordinators of every group it serves."""
    return access.coordinates_club(club_id) or (bool(group_ids) and set(group_ids) <= access.coordinated_group_ids)


def club_for_recurring(request, club_id: int) -> tuple[Club, Access]:
    access = access_for(request.user)
    club = Club.objects.filter(pk=club_id).first()
    if club is None or not access.sees_club(club.pk):
        raise Http404
    use_club(request, club)
    return club, access


def recurring_form(access: Access, club: Club, data=None, *, initial=None, current_weeks=None) -> RecurringCycleForm:
    groups = list(openable_groups(access, club))
    cycles = OrderCycle.objects.filter(club=club)
    if not access.coordinates_club(club.pk):
        cycles = cycles.for_groups(access.coordinated_group_ids)
    return RecurringCycleForm(data, initial=initial, groups=groups, cycles=list(cycles.order_by("-opens_at")[:SOURCE_CYCLES]),
                              current_weeks=current_weeks)


def recurring_values(form: RecurringCycleForm) -> RecurringValues:
    data = form.cleaned_data
    return RecurringValues(
        name=data["name"], group_ids=frozenset(data["groups"]), every_weeks=data["every_weeks"],
        opens_weekday=data["opens_weekday"], opens_time=data["opens_time"], ordering_days=data["ordering_days"],
        starts_on=data["starts_on"], source_cycle_id=data["source_cycle"], is_active=data["is_active"])


def save_from_form(request, form: RecurringCycleForm, club: Club, recurring: RecurringCycle | None):
    """The recurring cycle saved, or None with the errors on the form."""
    if not form.is_valid():
        return None
    try:
        return save_recurring_cycle(club=club, values=recurring_values(form), recurring=recurring)
    except ActionError as error:
        for message in error.all_messages:
            form.add_error(None, message)
        return None


@coordinator_required
@require_http_methods(["GET", "POST"])
def recurring_cycles(request, club_id: int):
    """The club's recurring cycles (a group's coordinator: those serving their groups) and a form to set one up."""
    club, access = club_for_recurring(request, club_id)
    rules = RecurringCycle.objects.filter(club=club).select_related("last_cycle").prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("name")))
    if not access.coordinates_club(club.pk):
        rules = rules.filter(groups__in=access.coordinated_group_ids).distinct()
    status = 200
    if request.method == "POST":
        form = recurring_form(access, club, request.POST)
        saved = save_from_form(request, form, club, None)
        if saved is not None:
            messages.success(request, _("The recurring cycle “%(name)s” is set up: it opens on %(date)s.") % {
                "name": saved.name, "date": saved.next_opens_on.strftime("%d/%m/%Y")})
            return redirect("recurring-cycles", club_id=club.pk)
        status = 400
    else:
        form = recurring_form(access, club, initial={
            "every_weeks": 1, "opens_weekday": 0, "opens_time": "08:00", "ordering_days": 4,
            "starts_on": timezone.localdate(), "is_active": True})
    rows = [(rule, manages(access, club.pk, [g.pk for g in rule.groups.all()])) for rule in rules.order_by("name", "pk")]
    return render(request, "web/rhythm/recurring_cycles.html", {"club": club, "rows": rows, "form": form},
                  status=status)


@coordinator_required
@require_http_methods(["GET", "POST"])
def recurring_cycle(request, recurring_id: int):
    """Change a recurring cycle (or stop it: untick “active”)."""
    access = access_for(request.user)
    recurring = RecurringCycle.objects.filter(pk=recurring_id).select_related("club", "last_cycle").first()
    if recurring is None or not access.sees_club(recurring.club_id):
        raise Http404
    group_ids = list(recurring.groups.values_list("pk", flat=True))
    if not access.coordinates_club(recurring.club_id) and not set(group_ids) & access.coordinated_group_ids:
        raise Http404
    if not manages(access, recurring.club_id, group_ids):
        raise PermissionDenied(_("Only the club's coordinators change a cycle that serves other groups than yours."))
    club = recurring.club
    status = 200
    if request.method == "POST":
        form = recurring_form(access, club, request.POST, current_weeks=recurring.every_weeks)
        saved = save_from_form(request, form, club, recurring)
        if saved is not None:
            messages.success(request, _("The recurring cycle “%(name)s” is saved.") % {"name": saved.name})
            return redirect("recurring-cycles", club_id=club.pk)
        status = 400
    else:
        form = recurring_form(access, club, initial={
            "name": recurring.name, "groups": group_ids, "every_weeks": recurring.every_weeks,
            "opens_weekday": recurring.opens_weekday, "opens_time": recurring.opens_time,
            "ordering_days": recurring.ordering_days, "starts_on": recurring.next_opens_on,
            "source_cycle": recurring.last_cycle_id, "is_active": recurring.is_active,
        }, current_weeks=recurring.every_weeks)
    return render(request, "web/rhythm/recurring_cycle.html", {"club": club, "recurring": recurring, "form": form},
                  status=status)

