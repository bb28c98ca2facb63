"""Shifts and sign-ups: who may take which shift, sign up, withdraw, swap, be assigned, be confirmed; the
households' balances against their yearly target. Each action is one transaction that locks the shift, so two
people never take the last place together; a refused action writes nothing and says why in French.

Reads cost a constant number of queries whatever the number of shifts or households."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DecimalField, F, Max, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.catalog.models import ProducerAccount
from cabas.members.models import Household, User

from . import fairness
from .models import HOURS, Shift, Signup, SwapOffer, SwapStatus, TargetAdjustment, VolunteerTarget

ZERO = Decimal("0")


# --- dates --------------------------------------------------------------------------------------------------

def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz))


def withdraw_deadline(shift: Shift) -> datetime.datetime:
    return shift.starts_at - datetime.timedelta(hours=settings.CABAS_SHIFT_WITHDRAW_HOURS)


def shifts_in_year(year: int):
    start, end = year_bounds(year)
    return Q(shift__starts_at__gte=start, shift__starts_at__lt=end, shift__cancelled_at__isnull=True)


# --- targets and balances -----------------------------------------------------------------------------------

def targets(households: list[tuple[int, int, int]], year: int) -> dict[int, Decimal]:
    """Each household's target in hours for ``year``: its adjustment if it has one, else its group's target,
    else its club's, else none (0). ``households`` are (household id, group id, club id). Two queries."""
    club_ids = {club for _h, _g, club in households}
    by_club, by_group = {}, {}
    for club_id, group_id, hours in VolunteerTarget.objects.filter(club_id__in=club_ids).values_list(
            "club_id", "group_id", "hours_per_year"):
        if group_id is None:
            by_club[club_id] = hours
        else:
            by_group[group_id] = hours
    adjusted = dict(TargetAdjustment.objects.filter(household_id__in=[h for h, _g, _c in households], year=year)
                    .values_list("household_id", "hours"))
    return {h: adjusted.get(h, by_group.get(g, by_club.get(c, ZERO))) for h, g, c in households}


def hours_by_household(household_ids: Iterable[int], year: int) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(done, planned) hours per household in ``year``: done once a coordinator confirmed they came; planned
    while not confirmed yet (a no-show counts neither). One query."""
    done: dict[int, Decimal] = defaultdict(lambda: ZERO)
    planned: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rows = (Signup.objects.filter(shifts_in_year(year), household_id__in=list(household_ids))
            .values_list("household_id", "attended").annotate(hours=Sum("shift__hours")).order_by())
    for household_id, attended, hours in rows:
        if attended is True:
            done[household_id] += hours
        elif attended is None:
            planned[household_id] += hours
    return dict(done), dict(planned)


def group_balances(group_id: int, year: int) -> list[fairness.Balance]:
    """The balances of a group's current households, those who did least first. Four queries."""
    households = list(Household.objects.filter(group_id=group_id, left_on__isnull=True)
                      .values_list("pk", "group_id", "group__club_id"))
    return _balances(households, year)


def club_balances(club_id: int, year: int) -> list[fairness.Balance]:
    households = list(Household.objects.filter(group__club_id=club_id, left_on__isnull=True)
                      .values_list("pk", "group_id", "group__club_id"))
    return _balances(households, year)


def household_balance(household: Household, year: int) -> fairness.Balance:
    return _balances([(household.pk, household.group_id, household.group.club_id)], year)[0]


def with_target(households, year: int):
    """Households annotated with ``volunteer_target``, their target in hours for ``year`` as ``targets`` gives
    it (their adjustment, else their group's target, else their club's, else 0), read with the households
    themselves: no query of its own."""
    hours = DecimalField(**HOURS)
    adjusted = TargetAdjustment.objects.filter(household_id=OuterRef("pk"), year=year).values("hours")[:1]
    by_group = VolunteerTarget.objects.filter(group_id=OuterRef("group_id")).values("hours_per_year")[:1]
    by_club = (VolunteerTarget.objects.filter(club_id=OuterRef("group__club_id"), group__isnull=True)
               .values("hours_per_year")[:1])
    return households.annotate(volunteer_target=Coalesce(
        Subquery(adjusted, output_field=hours), Subquery(by_group, output_field=hours),
        Subquery(by_club, output_field=hours), Value(ZERO, output_field=hours)))


def balance_with_target(household: Household, year: int) -> fairness.Balance:
    """The balance of a household loaded through ``with_target``: one query (its hours)."""
    done, planned = hours_by_household([household.pk], year)
    return fairness.Balance(household.pk, Decimal(household.volunteer_target), done.get(household.pk, ZERO),
                            planned.get(household.pk, ZERO))


def _balances(households: list[tuple[int, int, int]], year: int) -> list[fairness.Balance]:
    wanted = targets(households, year)
    done, planned = hours_by_household(wanted, year)
    return fairness.balances(wanted, done, planned)


# --- what a person may see and take -------------------------------------------------------------------------

def shifts_open_to(household: Household):
    """The shifts a household's members may take: their group's and the club's."""
    return Shift.objects.filter(Q(group_id=household.group_id) | Q(group__isnull=True, club_id=household.group.club_id))


def with_signups(queryset):
    """Shifts with their sign-ups and the names of those on them, in two queries."""
    return queryset.select_related("kind", "group").prefetch_related(
        Prefetch("signups", queryset=Signup.objects.select_related("user", "household").order_by("created_at", "pk")))


def upcoming_for(household: Household, now: datetime.datetime, *, weeks: int = 10) -> list[Shift]:
    """The group's and club's shifts from now to ``weeks`` ahead that are not cancelled, with who is on them."""
    return list(with_signups(shifts_open_to(household).filter(
        cancelled_at__isnull=True, ends_at__gt=now, starts_at__lt=now + datetime.timedelta(weeks=weeks))))


@dataclass
class Place:
    """What a view shows about a shift for a person: who is on it, whether they are, what they may do."""

    shift: Shift
    people: list[Signup]
    mine: Signup | None
    free: int
    can_sign_up: bool
    can_withdraw: bool


def places(shifts: list[Shift], user, now: datetime.datetime) -> list[Place]:
    result = []
    for shift in shifts:
        people = list(shift.signups.all())
        mine = next((s for s in people if s.user_id == user.pk), None)
        free = max(0, shift.people_needed - len(people))
        started = shift.starts_at <= now
        result.append(Place(shift, people, mine, free, can_sign_up=mine is None and free > 0 and not started,
                            can_withdraw=mine is not None and now < withdraw_deadline(shift)))
    return result


def _lock(shift_id: int) -> Shift:
    shift = Shift.objects.select_for_update(of=("self",)).select_related("group", "club", "kind").filter(pk=shift_id).first()
    if shift is None:
        raise ActionError(_("This shift no longer exists."))
    return shift


def _check_open(shift: Shift, now: datetime.datetime) -> None:
    if shift.cancelled_at is not None:
        raise ActionError(_("This shift was cancelled."))
    if shift.starts_at <= now:
        raise ActionError(_("This shift has already started."))


def _may_take(shift: Shift, user) -> None:
    """Members of the shift's group (or of any group of its club, for the club's shifts); a producer's account
    on the club's own shifts (farm visits, harvest help, rota turns)."""
    household = Household.objects.filter(pk=user.household_id, left_on__isnull=True).select_related("group").first() \
        if user.household_id else None
    if household is not None:
        if shift.group_id == household.group_id or (shift.group_id is None and household.group.club_id == shift.club_id):
            return
    elif shift.group_id is None and ProducerAccount.objects.filter(user=user, producer__club_id=shift.club_id).exists():
        return
    raise ActionError(_("This shift is not open to you."))


def _add(shift: Shift, user, *, by=None, now: datetime.datetime) -> Signup:
    if Signup.objects.filter(shift=shift, user=user).exists():
        raise ActionError(_("%(name)s is already on this shift.") % {"name": user})
    if shift.signups.count() >= shift.people_needed:
        raise ActionError(_("This shift is full."))
    return Signup.objects.create(shift=shift, user=user, household_id=user.household_id, assigned_by=by, created_at=now)


def sign_up(shift_id: int, user, *, now: datetime.datetime | None = None) -> Signup:
    now = now or timezone.now()
    with transaction.atomic():
        shift = _lock(shift_id)
        _check_open(shift, now)
        _may_take(shift, user)
        return _add(shift, user, now=now)


def assign(shift_id: int, user_id: int, *, by, now: datetime.datetime | None = None) -> Signup:
    """A coordinator puts a member on a shift (the view has checked the coordinator's right on the shift)."""
    now = now or timezone.now()
    with transaction.atomic():
        shift = _lock(shift_id)
        _check_open(shift, now)
        person = User.objects.filter(pk=user_id, is_active=True).first()
        if person is None:
            raise ActionError(field_errors={"user": _("Choose a member.")})
        _may_take(shift, person)
        return _add(shift, person, by=by, now=now)


def withdraw(signup_id: int, user, *, now: datetime.datetime | None = None) -> Shift:
    """A member takes themselves off a shift, until CABAS_SHIFT_WITHDRAW_HOURS before it; later they propose
    a swap or ask a coordinator (``remove``)."""
    now = now or timezone.now()
    with transaction.atomic():
        signup = Signup.objects.filter(pk=signup_id, user=user).first()
        if signup is None:
            raise ActionError(_("You are not on this shift."))
        shift = _lock(signup.shift_id)
        _check_open(shift, now)
        if now >= withdraw_deadline(shift):
            raise ActionError(_("It is too late to withdraw from this shift on your own: propose a swap to another "
                                "member, or tell a coordinator."))
        SwapOffer.objects.filter(Q(signup=signup) | Q(in_exchange=signup), status=SwapStatus.PENDING).update(
            status=SwapStatus.CANCELLED, decided_at=now)
        signup.delete()
        return shift


def remove(signup_id: int, shift: Shift, *, now: datetime.datetime | None = None) -> None:
    """A coordinator takes someone off a shift that is not confirmed yet (the view has checked the right)."""
    now = now or timezone.now()
    with transaction.atomic():
        shift = _lock(shift.pk)
        if shift.confirmed_at is not None:
            raise ActionError(_("This shift's attendance is already confirmed."))
        deleted, _rows = Signup.objects.filter(pk=signup_id, shift=shift).delete()
        if not deleted:
            raise ActionError(_("This person is no longer on the shift."))
        SwapOffer.objects.filter(in_exchange_id=signup_id, status=SwapStatus.PENDING).update(
            status=SwapStatus.CANCELLED, decided_at=now)


def drop_coming_signups(user_id: int, household_id: int, *, now: datetime.datetime | None = None) -> int:
    """A person leaves a household: their coming shifts for it are taken off (its coordinators see the gap; the
    swaps offered around them go with them); shifts past stay in the household's balance. Runs inside the
    caller's transaction (``flows.households``). Returns how many sign-ups were dropped."""
    now = now or timezone.now()
    ids = list(Signup.objects.filter(user_id=user_id, household_id=household_id, shift__starts_at__gt=now,
                                     shift__confirmed_at__isnull=True).values_list("pk", flat=True))
    if ids:
        Signup.objects.filter(pk__in=ids).delete()  # their swap offers, either side, cascade
    return len(ids)

# --- swaps --------------------------------------------------------------------------------------------------

def swap_partners(signup: Signup) -> list[User]:
    """Who may be asked to take a sign-up's place: active members of the households the shift is open to,
    not already on it (for a group's shift its group; for the club's shift the sign-up's own group first);
    for a turn of a drivers' rota, the rota's other drivers (producers' accounts or members)."""
    shift = signup.shift
    people = User.objects.filter(is_active=True, household__isnull=False, household__left_on__isnull=True)
    if shift.rota_id is not None:
        people = User.objects.filter(is_active=True, rota_places__rota_id=shift.rota_id).exclude(
            household__left_on__isnull=False)
    elif shift.group_id is not None:
        people = people.filter(household__group_id=shift.group_id)
    elif signup.household_id is not None:
        people = people.filter(household__group_id=signup.household.group_id)
    else:
        people = people.filter(household__group__club_id=shift.club_id)
    return list(people.exclude(pk__in=shift.signups.values("user_id")).order_by("first_name", "last_name", "pk"))


def offer_swap(signup_id: int, user, to_user_id: int, *, in_exchange_id: int | None = None,
               now: datetime.datetime | None = None) -> SwapOffer:
    """Ask ``to_user`` to take my place on a shift (in exchange for one of theirs, if given). Nothing moves
    until they accept; a new offer for the same sign-up replaces a pending one."""
    now = now or timezone.now()
    with transaction.atomic():
        signup = Signup.objects.filter(pk=signup_id, user=user).select_related("shift", "household").first()
        if signup is None:
            raise ActionError(_("You are not on this shift."))
        shift = _lock(signup.shift_id)
        _check_open(shift, now)
        partner = next((p for p in swap_partners(signup) if p.pk == to_user_id), None)
        if partner is None:
            raise ActionError(field_errors={"to_user": _("Choose a member who can take this shift and is not on it yet.")})
        exchange = None
        if in_exchange_id:
            exchange = Signup.objects.filter(pk=in_exchange_id, user=partner, shift__cancelled_at__isnull=True,
                                             shift__starts_at__gt=now).select_related("shift").first()
            if exchange is None or exchange.shift_id == shift.pk:
                raise ActionError(field_errors={"in_exchange": _("Choose one of their coming shifts.")})
            if Signup.objects.filter(shift_id=exchange.shift_id, user=user).exists():
                raise ActionError(field_errors={"in_exchange": _("You are already on that shift.")})
        SwapOffer.objects.filter(signup=signup, status=SwapStatus.PENDING).update(status=SwapStatus.CANCELLED, decided_at=now)
        return SwapOffer.objects.create(signup=signup, to_user=partner, in_exchange=exchange, created_at=now)


def pending_swaps_for(user) -> list[SwapOffer]:
    return list(SwapOffer.objects.filter(to_user=user, status=SwapStatus.PENDING)
                .select_related("signup__shift", "signup__user", "in_exchange__shift").order_by("signup__shift__starts_at"))


def answer_swap(offer_id: int, user, *, accept: bool, now: datetime.datetime | None = None) -> SwapOffer:
    """The person asked accepts (the places are exchanged) or declines (nothing moves)."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = (SwapOffer.objects.select_for_update(of=("self",)).filter(pk=offer_id, to_user=user)
                 .select_related("signup", "in_exchange").first())
        if offer is None or offer.status != SwapStatus.PENDING:
            raise ActionError(_("This swap is no longer waiting for your answer."))
        offer.decided_at = now
        if not accept:
            offer.status = SwapStatus.DECLINED
            offer.save(update_fields=["status", "decided_at"])
            return offer
        shift = _lock(offer.signup.shift_id)
        _check_open(shift, now)
        _may_take(shift, user)
        giver = offer.signup.user
        if Signup.objects.filter(shift=shift, user=user).exists():
            raise ActionError(_("You are already on this shift."))
        Signup.objects.filter(pk=offer.signup_id).update(user=user, household_id=user.household_id, assigned_by=None)
        if offer.in_exchange_id:
            other = _lock(offer.in_exchange.shift_id)
            _check_open(other, now)
            _may_take(other, giver)
            if Signup.objects.filter(shift=other, user=giver).exists():
                raise ActionError(_("%(name)s is already on your shift.") % {"name": giver})
            Signup.objects.filter(pk=offer.in_exchange_id).update(user=giver, household_id=giver.household_id,
                                                                  assigned_by=None)
        offer.status = SwapStatus.ACCEPTED
        offer.save(update_fields=["status", "decided_at"])
        return offer


# --- after the shift ----------------------------------------------------------------------------------------

def confirm(signup_id: int, shift: Shift, *, attended: bool, by, now: datetime.datetime | None = None) -> Signup:
    """A coordinator records that a person came (or did not): one tap per person, once the shift has started.
    The shift counts as confirmed once everyone on it is. Hours count only for those who came."""
    now = now or timezone.now()
    with transaction.atomic():
        shift = _lock(shift.pk)
        if shift.starts_at > now:
            raise ActionError(_("Attendance is confirmed once the shift has started."))
        signup = Signup.objects.filter(pk=signup_id, shift=shift).first()
        if signup is None:
            raise ActionError(_("This person is no longer on the shift."))
        signup.attended = attended
        signup.save(update_fields=["attended"])
        pending = Signup.objects.filter(shift=shift, attended__isnull=True).exists()
        Shift.objects.filter(pk=shift.pk).update(confirmed_at=None if pending else now,
                                                 confirmed_by=None if pending else by)
        return signup


def to_confirm(shifts, now: datetime.datetime):
    """Shifts that have started, with people whose attendance is not recorded yet."""
    return shifts.filter(starts_at__lte=now, cancelled_at__isnull=True, signups__attended__isnull=True,
                         signups__isnull=False).distinct()


# --- filling gaps -------------------------------------------------------------------------------------------

def gaps(shifts, now: datetime.datetime, *, weeks: int = 6):
    """Coming shifts that still need people, with how many are on them (one query)."""
    return (shifts.filter(cancelled_at__isnull=True, starts_at__gt=now, starts_at__lt=now + datetime.timedelta(weeks=weeks))
            .annotate(taken=Count("signups")).filter(taken__lt=F("people_needed"))
            .select_related("kind", "group").order_by("starts_at"))


def suggestions(shift: Shift, year: int, *, limit: int = 5) -> list[tuple[fairness.Balance, Household, list[User]]]:
    """Households to propose for a shift that lacks people — those furthest below their target — with their
    members to choose from. For a club's shift: the whole club. A constant number of queries."""
    if shift.group_id is not None:
        rows = group_balances(shift.group_id, year)
    else:
        rows = club_balances(shift.club_id, year)
    on_it = set(Signup.objects.filter(shift=shift).exclude(household__isnull=True).values_list("household_id", flat=True))
    last = dict(Signup.objects.filter(household_id__in=[b.household_id for b in rows]).values_list("household_id")
                .annotate(latest=Max("pk")).order_by())
    chosen = fairness.suggest(rows, limit, exclude=on_it, last_signed_up=last)
    by_id = {b.household_id: b for b in rows}
    households = Household.objects.in_bulk(chosen)
    members = defaultdict(list)
    for person in User.objects.filter(household_id__in=chosen, is_active=True).order_by("first_name", "pk"):
        members[person.household_id].append(person)
    return [(by_id[h], households[h], members[h]) for h in chosen if members[h]]
