"""Object-level checks for the API, on the rules of members/permissions.py (deny by default).

Like the web pages (web/access.py): an object outside the user's scope answers 404 (its existence is
not revealed); a coordination endpoint asked by someone who coordinates nothing answers 403.
Each loader costs one query (plus the user's roles, loaded once per request by `access_for`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from cabas.distribution.models import Distribution
from cabas.members.models import Group, Household
from cabas.members.permissions import Access, access_for
from cabas.ordering.models import OrderCycle
from cabas.ordering.services import club_cycle


def member_club_id(user) -> int | None:
    """The club of the user's household, if they have one."""
    if user.household_id is None:
        return None
    return Household.objects.filter(pk=user.household_id).values_list("group__club_id", flat=True).first()


def visible_club_ids(user, access: Access) -> set[int] | None:
    """The clubs whose cycles the user sees (None: every club, for a superuser)."""
    if access.is_superuser:
        return None
    clubs = set(access.coordinated_club_ids) | set(access.group_role_club_ids)
    club_id = member_club_id(user)
    if club_id is not None:
        clubs.add(club_id)
    return clubs


def own_cycle(user, cycle_id: int) -> OrderCycle:
    """A cycle of the club the user's household belongs to (for the household's own order)."""
    if user.household_id is None:
        raise Http404
    cycle = club_cycle(cycle_id, user.household.group.club_id)  # the household comes with the user (members.backends)
    if cycle is None:
        raise Http404
    return cycle


def visible_cycle(user, cycle_id: int) -> OrderCycle:
    """A cycle of the user's household's club, or of a club the user coordinates (or one of its groups)."""
    access = access_for(user)
    cycle = OrderCycle.objects.filter(pk=cycle_id).select_related("club").first()
    if cycle is None:
        raise Http404
    if access.sees_club(cycle.club_id):
        return cycle
    if user.household_id is not None and Household.objects.filter(pk=user.household_id, group__club_id=cycle.club_id).exists():
        return cycle
    raise Http404


def require_coordinator(access: Access) -> None:
    if not access.is_coordinator:
        raise PermissionDenied(_("Only coordinators can see this."))


def coordinated_distribution(user, cycle_id: int, group_id: int) -> Distribution:
    """A group's distribution in a cycle, for that group's coordinators or the club's."""
    access = access_for(user)
    require_coordinator(access)
    distribution = (
        Distribution.objects.filter(cycle_id=cycle_id, group_id=group_id).select_related("cycle", "group").first()
    )
    if distribution is None or not access.coordinates_group(group_id, distribution.cycle.club_id):
        raise Http404
    return distribution


def coordinated_group(user, group_id: int) -> Group:
    """A group, for its coordinators or the club's."""
    access = access_for(user)
    require_coordinator(access)
    group = Group.objects.filter(pk=group_id).first()
    if group is None or not access.coordinates_group(group.pk, group.club_id):
        raise Http404
    return group
