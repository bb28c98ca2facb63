"""Object-level checks for the API, on the rules of members/permissions.py (deny by default).

Like the web pages (web/access.py): an object outside the user's scope answers 404 (its existence is
not revealed); a coordination endpoint asked by someone who coordinates nothing answers 403.
Each loader costs one query (plus the user's roles, loaded once per request by `access_for`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from cabas.distribution.models import Distribution
from cabas.members.models import Group
from cabas.members.permissions import Access, access_for
from cabas.ordering.models import OrderCycle
from cabas.ordering.services import member_cycle


def visible_cycles(user, access: Access):
    """The cycles the user sees: every cycle of the clubs they coordinate, those covering a group they coordinate,
    and those their household sees (covering its group, or that it ordered in)."""
    cycles = OrderCycle.objects.all()
    if access.is_superuser:
        return cycles
    seen = Q(club_id__in=access.coordinated_club_ids) | Q(pk__in=OrderCycle.objects.for_groups(
        access.coordinated_group_ids).values("pk"))
    household = user.household if user.household_id is not None else None  # with the user (members.backends)
    if household is not None:
        seen |= Q(pk__in=OrderCycle.objects.for_household(household.pk, household.group_id).values("pk"))
    return cycles.filter(seen)


def own_cycle(user, cycle_id: int) -> OrderCycle:
    """A cycle the user's household sees (for the household's own order): one covering its group, or one it
    ordered in."""
    if user.household_id is None:
        raise Http404
    cycle = member_cycle(cycle_id, user.household)  # the household comes with the user (members.backends)
    if cycle is None:
        raise Http404
    return cycle


def visible_cycle(user, cycle_id: int) -> OrderCycle:
    """A cycle the user sees (``visible_cycles``)."""
    cycle = visible_cycles(user, access_for(user)).filter(pk=cycle_id).select_related("club").first()
    if cycle is None:
        raise Http404
    return cycle


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
