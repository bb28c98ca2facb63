"""Joining a group (public pages), and the group coordinator's page: the waitlist, approving or declining,
renewing a year's membership, recording that a household leaves."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas import flows
from cabas.members import services
from cabas.members.models import Club, Group, Household
from cabas.members.permissions import access_for
from cabas.members.words import words_for

from ..context_processors import use_club
from ..feedback import flash_errors

JOIN_FIELDS = ("household_name", "first_name", "last_name", "email", "phone", "message")  # the allow-list


def join_groups(request, club_slug: str):
    """Public: the club's groups, their depot and whether they have room."""
    club = get_object_or_404(Club, slug=club_slug)
    use_club(request, club)
    places = {p.group: p for p in services.places(club.pk)}
    groups = list(Group.objects.filter(club=club).select_related("depot").order_by("name"))
    for group in groups:
        group.place = places[group.pk]
    return render(request, "web/members/join_groups.html", {"club": club, "groups": groups})


@require_http_methods(["GET", "POST"])
def join(request, club_slug: str, group_slug: str):
    """Public: apply to join a group. When it is full, the application waits and nearer groups with room are
    offered."""
    group = get_object_or_404(Group.objects.select_related("club", "depot"), club__slug=club_slug, slug=group_slug)
    use_club(request, group.club)
    context = {"club": group.club, "group": group, "fee": services.fee_for(group), "values": {}, "errors": {},
               "waitlist_place": services.waitlist_place(group)}  # full: told before applying
    if request.method == "POST":
        data = {name: request.POST.get(name, "") for name in JOIN_FIELDS}
        try:
            applied = flows.apply_to_join(group=group, data=data)
        except ActionError as error:
            context.update(values=data, errors=error.field_errors, messages_=error.messages)
            return render(request, "web/members/join.html", context, status=400)
        context["applied"] = applied
        if applied.referrals:
            groups = Group.objects.filter(pk__in=[r.group for r in applied.referrals]).in_bulk()
            context["referrals"] = [(r, groups[r.group]) for r in applied.referrals]
        return render(request, "web/members/join_done.html", context)
    return render(request, "web/members/join.html", context)


def group_for_coordinator(request, group_id: int) -> tuple[Group, object]:
    group = Group.objects.filter(pk=group_id).select_related("club").first()
    access = access_for(request.user)
    if group is None or not access.sees_club(group.club_id):
        raise Http404
    if not access.coordinates_group(group.pk, group.club_id):
        raise PermissionDenied(_("Only the coordinators %(of_the_group)s handle its members.") % words_for(group.club))
    use_club(request, group.club)
    return group, access


@login_required
def group_members(request, group_id: int):
    group, access = group_for_coordinator(request, group_id)
    today = timezone.localdate()
    queue = services.waitlist(group)
    households = list(
        Household.objects.filter(group=group).annotate(
            member_until=Max("memberships__ends_on", filter=Q(memberships__left_on__isnull=True)),
            people=Count("members", distinct=True),
        ).order_by("left_on", "name")
    )
    due = today + datetime.timedelta(days=services.REMINDER_DAYS)
    active = [h for h in households if h.left_on is None]
    return render(request, "web/members/group_members.html", {
        "group": group, "club": group.club, "queue": queue, "active": active, "left": [h for h in households if h.left_on],
        "today": today, "due": due, "fee": services.fee_for(group),
        "full": group.capacity is not None and len(active) >= group.capacity,
        "fund_decides": access.assigns_tariffs(group.club_id),
    })


@login_required
@require_POST
def application_decide(request, group_id: int, application_id: int):
    group, access = group_for_coordinator(request, group_id)
    decision = request.POST.get("decision", "")
    try:
        if decision == "approve":
            # a fee paid by the solidarity fund is the solidarity referents' decision (it says who is helped)
            paid_by_fund = request.POST.get("paid_by_fund") == "1" and access.assigns_tariffs(group.club_id)
            household = flows.approve_membership(group=group, application_id=application_id, by_user=request.user,
                                         paid_by_fund=paid_by_fund)
            messages.success(request, _("%(household)s joins %(the_group)s: an e-mail invites them to choose a password.")
                             % words_for(group.club).with_(household=household.name))
        elif decision == "decline":
            services.decline(group=group, application_id=application_id, by_user=request.user)
            messages.success(request, _("The application is declined."))
        else:
            raise ActionError(_("Choose to approve or to decline."))
    except ActionError as error:
        flash_errors(request, error)
    return redirect("group-members", group.pk)


def _household_of(group: Group, request) -> Household:
    household_id = parse_id(request.POST.get("household", ""))
    household = Household.objects.filter(pk=household_id, group=group).first() if household_id else None
    if household is None:
        raise ActionError(_("Choose a household %(of_the_group)s.") % words_for(group.club))
    return household


@login_required
@require_POST
def membership_renew(request, group_id: int):
    group, access = group_for_coordinator(request, group_id)
    try:
        household = _household_of(group, request)
        paid_by_fund = request.POST.get("paid_by_fund") == "1" and access.assigns_tariffs(group.club_id)
        membership = flows.renew_membership(household=household, by_user=request.user, paid_by_fund=paid_by_fund)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Membership renewed until %(date)s.") % {"date": membership.ends_on.strftime("%d/%m/%Y")})
    return redirect("group-members", group.pk)


@login_required
@require_POST
def household_leave(request, group_id: int):
    group, _access = group_for_coordinator(request, group_id)
    try:
        household = _household_of(group, request)
        flows.leave_group(household=household, reason=request.POST.get("reason", ""))
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("%(household)s has left %(the_group)s; its history is kept.")
                         % words_for(group.club).with_(household=household.name))
    return redirect("group-members", group.pk)


@login_required
def my_groups(request):
    """The groups the user coordinates (the coordination menu's entry to members)."""
    access = access_for(request.user)
    groups = Group.objects.filter(Q(pk__in=access.coordinated_group_ids) | Q(club_id__in=access.coordinated_club_ids))
    if access.is_superuser:
        groups = Group.objects.all()
    groups = list(groups.select_related("club").order_by("club__name", "name"))
    if not groups:
        raise PermissionDenied(_("This page is for coordinators."))
    if len(groups) == 1:
        return redirect("group-members", groups[0].pk)
    return render(request, "web/members/my_groups.html", {"groups": groups})


class LoginView(auth_views.LoginView):
    """The login page, with the way in for those who have no account yet: each club's groups to join and its
    producers (one query)."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "clubs": list(Club.objects.order_by("name")[:20])}
