"""Calendars: the page giving a member the secret addresses of their iCal feed and of their group's (and, for
coordinators, of the groups they coordinate), the buttons that give a new address, and the feeds themselves
(no login: the address is the credential). See ``cabas.volunteering.calendars``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cabas.members.models import Group, Household
from cabas.members.permissions import access_for
from cabas.volunteering.calendars import (
    feed_by_token, feed_url, feeds_for, render_feed, reset_group_feed, reset_member_feed, webcal_url,
)

from ..context_processors import page_words, use_club


def _household(user) -> Household | None:
    """The user's current household (read with the user, as every request does), or None."""
    household = user.household if user.household_id else None
    return household if household is not None and household.left_on is None else None


@require_safe
def feed(request, token: str):
    """A feed in iCalendar format for a calendar app; an unknown (or reset) address answers 404."""
    found = feed_by_token(token)
    body = render_feed(found) if found is not None else None
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cabas.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_safe
def calendar_page(request):
    """The member's feed address (made on the first visit) and the feeds of their group and of the groups
    they coordinate, with how to add them to a phone. A constant number of queries."""
    access = access_for(request.user)
    household = _household(request.user)
    own_group = household.group_id if household else None
    groups = list(Group.objects.filter(
        Q(pk=own_group) | Q(pk__in=access.coordinated_group_ids) | Q(club_id__in=access.coordinated_club_ids),
    ).select_related("club").order_by("club__name", "name")) if own_group or access.is_coordinator else []
    if household is None and not groups:
        raise PermissionDenied(_("This page is for the members of %(a_group)s.") % page_words(request))
    own, group_feeds = feeds_for(request.user if household else None, groups)
    mine = None
    if own is not None:
        url = feed_url(own)
        mine = {"url": url, "webcal": webcal_url(url)}
    several_clubs = len({g.club_id for g in groups}) > 1
    if groups and not several_clubs:
        use_club(request, groups[0].club)
    shared = []
    for group in groups:
        url = feed_url(group_feeds[group.pk])
        shared.append({"group": group, "url": url, "webcal": webcal_url(url), "several_clubs": several_clubs,
                       "may_reset": access.coordinates_group(group.pk, group.club_id)})
    return render(request, "web/calendars/calendar.html", {"mine": mine, "groups": shared, "household": household})


@login_required
@require_POST
def calendar_reset(request):
    """A new address for the member's own feed; the old one stops answering."""
    if _household(request.user) is None:
        raise PermissionDenied(_("This page is for the members of %(a_group)s.") % page_words(request))
    reset_member_feed(request.user)
    messages.success(request, _("Your calendar has a new address: the old one no longer works. Add the new one "
                                "to your phone's calendar."))
    return redirect("calendar")


@login_required
@require_POST
def calendar_reset_group(request, group_id: int):
    """A new address for a group's feed: the group's coordinators and the club's. The group's members get 403;
    anyone else 404 (another group is not revealed)."""
    access = access_for(request.user)
    group = Group.objects.filter(pk=group_id).first()
    if group is None:
        raise Http404
    if not access.coordinates_group(group.pk, group.club_id):
        household = _household(request.user)
        if household is not None and household.group_id == group.pk:
            raise PermissionDenied(_("Only the coordinators %(of_the_group)s can change the address of its calendar.")
                                   % page_words(request))
        raise Http404
    reset_group_feed(group)
    messages.success(request, _("The calendar of %(group)s has a new address: the old one no longer works.")
                     % {"group": group.name})
    return redirect("calendar")
