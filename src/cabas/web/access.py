"""Object-level checks for views: each loader returns an object the user may see, or raises.

Out-of-scope objects answer 404 (their existence is not revealed); visible objects whose action the
user may not take answer 403 with a message.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext as _

from cabas.catalog.models import Producer, ProducerAccount
from cabas.distribution.models import Distribution, ProducerSheet
from cabas.members.models import Club, Household
from cabas.members.permissions import Access, access_for
from cabas.ordering.models import Order, OrderCycle

from .context_processors import page_words, use_club


def cycle_for_member(request, cycle_id: int) -> OrderCycle:
    """A cycle the user's household sees: one covering its group, or one it ordered in (from a group it has left
    for another of the club). The others, those of other groups of the club too, are 404."""
    user = request.user
    if user.household_id is None:
        raise Http404
    household = user.household  # with its group, loaded with the user (members.backends)
    cycle = (OrderCycle.objects.filter(pk=cycle_id, club_id=household.group.club_id)
             .for_household(household.pk, household.group_id).select_related("club").first())
    if cycle is None:
        raise Http404
    use_club(request, cycle.club)
    return cycle


def cycle_for_coordination(request, cycle_id: int) -> tuple[OrderCycle, Access]:
    """A cycle of a club the user coordinates, or covering a group they coordinate (the others are 404). For a
    group's coordinator the same query tells whether the cycle serves their groups, and only theirs (``runs_cycle``)."""
    access = access_for(request.user)
    cycles = OrderCycle.objects.filter(pk=cycle_id).select_related("club")
    if access.coordinated_group_ids and not access.is_superuser:
        covered = OrderCycle.groups.through.objects.filter(ordercycle_id=OuterRef("pk"))
        mine = list(access.coordinated_group_ids)
        cycles = cycles.annotate(serves_mine=Exists(covered.filter(group_id__in=mine)),
                                 serves_others=Exists(covered.exclude(group_id__in=mine)))
    cycle = cycles.first()
    if cycle is None or not access.sees_club(cycle.club_id):
        raise Http404
    if not access.coordinates_club(cycle.club_id) and not getattr(cycle, "serves_mine", False):
        raise Http404
    use_club(request, cycle.club)
    return cycle, access


def runs_cycle(access: Access, cycle: OrderCycle) -> bool:
    """Who closes a cycle, sets its allocation rules, records its deliveries and sees its producers' sheets: the
    club's coordinators, and the coordinator of every group it covers (a cycle they opened for their own group).
    No query: the cycle comes from ``cycle_for_coordination``."""
    if access.coordinates_club(cycle.club_id):
        return True
    return bool(getattr(cycle, "serves_mine", False)) and not getattr(cycle, "serves_others", True)


def require_cycle_runner(access: Access, cycle: OrderCycle, message: str | None = None) -> None:
    if not runs_cycle(access, cycle):
        raise PermissionDenied(message or _("Only the club's coordinators, or the coordinators of the groups a cycle "
                                            "serves, can do this."))


def require_club_coordinator(access: Access, club_id: int, message: str | None = None) -> None:
    if not access.coordinates_club(club_id):
        raise PermissionDenied(message or _("Only the club's coordinators can do this."))


def order_for_user(request, order_id: int) -> tuple[Order, Access]:
    access = access_for(request.user)
    order = (
        Order.objects.filter(pk=order_id)
        .select_related("cycle__club", "household__group")
        .first()
    )
    if order is None:
        raise Http404
    household = order.household
    if not (access.owns_household(household.pk) or access.coordinates_group(household.group_id, household.group.club_id)):
        raise Http404
    use_club(request, order.cycle.club)
    return order, access


def distribution_for_user(request, cycle: OrderCycle, access: Access, group_id: int) -> Distribution:
    distribution = (
        Distribution.objects.filter(cycle=cycle, group_id=group_id).select_related("group__depot", "cycle").first()
    )
    if distribution is None or not access.coordinates_group(group_id, cycle.club_id):
        raise Http404
    return distribution


def producer_sheet_for_user(cycle: OrderCycle, access: Access, producer_id: int) -> ProducerSheet:
    if not access.refers_producer(producer_id):
        require_cycle_runner(access, cycle, _("Only the club's coordinators can see producers' order sheets."))
    sheet = ProducerSheet.objects.filter(cycle=cycle, producer_id=producer_id).select_related("producer").first()
    if sheet is None:
        raise Http404
    return sheet


def distribution_for_money(request, cycle_id: int, group_id: int) -> tuple[Distribution, Access]:
    """A closed cycle's distribution whose money the user handles at the depot: the group's coordinators, the
    club's coordinators and treasurers (others' depots are 404; members without those roles get 403)."""
    access = access_for(request.user)
    if not (access.is_coordinator or access.is_treasurer):
        raise PermissionDenied(_("This page is for the coordinators %(of_the_depot)s and the club's treasurers.")
                               % page_words(request))
    distribution = (
        Distribution.objects.filter(cycle_id=cycle_id, group_id=group_id, cycle__closed_at__isnull=False)
        .select_related("cycle__club", "group__depot").first()
    )
    if distribution is None or not (access.coordinates_group(group_id, distribution.cycle.club_id)
                                    or access.handles_money(distribution.cycle.club_id)):
        raise Http404
    use_club(request, distribution.cycle.club)
    return distribution, access


def distribution_for_producer_list(request, cycle_id: int, group_id: int, producer_id: int) -> tuple[Distribution, Producer]:
    """A depot's distribution and a producer who distributes itself, for the producer's own list there: the
    group's coordinators, the club's coordinators, and the producer's account or referent member."""
    access = access_for(request.user)
    producer = Producer.objects.filter(pk=producer_id, distributes_itself=True).first()
    own = producer is not None and (
        access.refers_producer(producer.pk) or ProducerAccount.objects.filter(user_id=access.user_id, producer=producer).exists())
    if not own and not access.is_coordinator:
        raise PermissionDenied(_("This page is for coordinators and for the producer."))
    distribution = (
        Distribution.objects.filter(cycle_id=cycle_id, group_id=group_id, cycle__closed_at__isnull=False,
                                    cycle__club_id=producer.club_id).select_related("cycle__club", "group__depot").first()
        if producer is not None else None
    )
    if distribution is None or not (own or access.coordinates_group(group_id, distribution.cycle.club_id)):
        raise Http404
    use_club(request, distribution.cycle.club)
    return distribution, producer


# --- a club's pages: 403 for the club's own people, 404 for everyone else ------------------------------------


def own_group(request) -> tuple[int | None, int | None]:
    """(group id, club id) of the user's household, or (None, None)."""
    if request.user.household_id is None:
        return None, None
    row = Household.objects.filter(pk=request.user.household_id).values_list("group_id", "group__club_id").first()
    return row or (None, None)


def relates_to_club(request, access: Access, club_id: int) -> bool:
    """Whether the user is someone of the club: a member of one of its groups or a role in it."""
    return (access.sees_club(club_id) or club_id in access.treasurer_club_ids or club_id in access.solidarity_club_ids
            or own_group(request)[1] == club_id)


def refuse(request, access: Access, club_id: int, message: str):
    """403 with ``message`` for someone of the club, who knows these pages exist; 404 for the others (another
    club's people): a club's pages are not revealed outside it."""
    if relates_to_club(request, access, club_id):
        raise PermissionDenied(message)
    raise Http404


def club_for(request, club_id: int, *, allowed, refusal: str) -> Club:
    """The club of a page whose use ``allowed(access, club_id)`` grants (its coordinators, its treasurers…); for
    the club's other people 403 with ``refusal``, for anyone else 404. The page speaks in the club's words."""
    access = access_for(request.user)
    club = Club.objects.filter(pk=club_id).first()
    if club is None:
        raise Http404
    if not allowed(access, club.pk):
        refuse(request, access, club.pk, refusal)
    use_club(request, club)
    return club
