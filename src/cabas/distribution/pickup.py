"""The pickup sheet of a distribution: who picked up what (a tick per household, the latest wins, each kept with
its time and who recorded it), what was not collected — stored at the depot until collected later, or turned into
surplus — and how many days the depot stays open. Each action is one transaction; the sheet is read in a
constant number of queries."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError, CodedError
from cabas.core.formatting import format_quantity
from cabas.core.numbers import parse_decimal
from cabas.members.models import Household, PickupPlace
from cabas.members.services import place_of
from cabas.members.words import words_for
from cabas.ordering.models import Allocation

from . import surplus_rules as rules
from .models import (
    Distribution, Pickup, PickupStatus, SurplusItem, SurplusSource, Uncollected, UncollectedState,
)

MAX_STORED_DAYS = 120


def coded_message(error: CodedError) -> str:
    """A pure module's error in the user's language, its quantities written the French way."""
    params = {k: format_quantity(v) if isinstance(v, Decimal) else v for k, v in error.params.items()}
    return _(error.message) % params


@dataclass
class HouseholdSheet:
    household: Household
    lines: list[Allocation] = field(default_factory=list)
    pickup: Pickup | None = None  # the latest tick
    history: list[Pickup] = field(default_factory=list)  # the earlier ones, latest first
    uncollected: list[Uncollected] = field(default_factory=list)
    place: PickupPlace | None = None  # where it collects, when not at the depot

    @property
    def missing(self) -> dict[int, Decimal]:
        return {u.offer_id: u.quantity for u in self.uncollected}

    @property
    def stored(self) -> list[Uncollected]:
        return [u for u in self.uncollected if u.state == UncollectedState.STORED]


@dataclass
class PickupSheet:
    distribution: Distribution
    households: list[HouseholdSheet]
    group_households: list[Household]  # who may collect for another
    places: list[PickupPlace] = field(default_factory=list)  # the other places where households on the sheet collect
    place: str = ""  # the sheet shown for one place: "depot", a place's id, "" for all

    @property
    def stored(self) -> list[HouseholdSheet]:
        """The households with goods still stored at the depot (the "still to collect" list)."""
        return [h for h in self.households if h.stored]

    @property
    def ticked_count(self) -> int:
        return sum(1 for h in self.households if h.pickup is not None)


DEPOT = "depot"


def pickup_sheet(distribution: Distribution, place: str = "") -> PickupSheet:
    """Every household that receives something at the depot, with its lines, its tick and what it did not collect
    (four queries whatever the number of households and products). ``place``: only the households collecting at
    the depot (``"depot"``) or at one of the group's other places (its id as text); anything else: all."""
    allocations = (
        Allocation.objects.filter(cycle_id=distribution.cycle_id, group_id=distribution.group_id, quantity__gt=0)
        .select_related("household__pickup_place", "offer__producer")
        .order_by("household__name", "household_id", "offer__producer__name", "offer__name")
    )
    households: dict[int, HouseholdSheet] = {}
    places: dict[int, PickupPlace] = {}
    for allocation in allocations:
        entry = households.get(allocation.household_id)
        if entry is None:
            entry = households[allocation.household_id] = HouseholdSheet(
                household=allocation.household, place=place_of(allocation.household, distribution.group_id))
            if entry.place is not None:
                places[entry.place.pk] = entry.place
        entry.lines.append(allocation)
    if place == DEPOT:
        households = {pk: h for pk, h in households.items() if h.place is None}
    elif place.isdigit() and int(place) in places:
        households = {pk: h for pk, h in households.items() if h.place is not None and h.place.pk == int(place)}
    else:
        place = ""
    for pickup in (Pickup.objects.filter(distribution=distribution)
                   .select_related("recorded_by", "collected_by_household").order_by("-pk")):
        entry = households.get(pickup.household_id)
        if entry is None:
            continue  # a household whose allocation a reception removed
        if entry.pickup is None:
            entry.pickup = pickup
        else:
            entry.history.append(pickup)
    for item in Uncollected.objects.filter(distribution=distribution).select_related("offer", "resolved_by").order_by("offer__name"):
        entry = households.get(item.household_id)
        if entry is not None:
            entry.uncollected.append(item)
    group_households = list(Household.objects.filter(group_id=distribution.group_id, left_on__isnull=True).order_by("name"))
    return PickupSheet(distribution=distribution, households=list(households.values()), group_households=group_households,
                       places=sorted(places.values(), key=lambda p: (p.name, p.pk)), place=place)


def lock_distribution(distribution_id: int) -> Distribution:
    """The distribution, locked until the transaction ends: one action at a time on a depot's sheet."""
    return Distribution.objects.select_for_update(of=("self",)).select_related("group__club", "cycle").get(pk=distribution_id)


def read_missing(raw: Mapping[int, object]) -> dict[int, Decimal | None]:
    """Typed quantities not collected (offer id -> text), read as numbers; ActionError names the wrong boxes."""
    result, errors = {}, {}
    for offer_id, text in raw.items():
        text = str(text or "").strip()
        if not text:
            continue
        value = parse_decimal(text)
        if value is None:
            errors[f"missing-{offer_id}"] = _("Give a number, e.g. 2 or 0,5.")
        result[offer_id] = value
    if errors:
        raise ActionError(field_errors=errors)
    return result


def record_pickup(
    distribution: Distribution, household_id: int, status: str, *, missing: Mapping[int, object] | None = None,
    collected_by_household_id: int | None = None, collected_by_name: str = "", by_user=None,
    now: datetime.datetime | None = None,
) -> Pickup:
    """Tick a household on the sheet. Its goods not collected are written anew (stored at the depot); a tick
    whose goods were already sold, given, lost or collected later can no longer change."""
    now = now or timezone.now()
    said = read_missing(missing or {})
    name = " ".join(str(collected_by_name or "").split())[:120]
    with transaction.atomic():
        distribution = lock_distribution(distribution.pk)
        lines = list(Allocation.objects.filter(cycle_id=distribution.cycle_id, group_id=distribution.group_id,
                                               household_id=household_id, quantity__gt=0).select_related("offer"))
        if not lines:
            raise ActionError(_("This household receives nothing at this distribution."))
        received = {a.offer_id: a.quantity for a in lines}
        steps = {a.offer_id: a.offer.order_step for a in lines}
        try:
            not_collected = rules.missing_quantities(status, received, steps, said)
        except CodedError as error:
            offer = error.params.get("offer")
            if offer is not None and offer in received:
                raise ActionError(field_errors={f"missing-{offer}": coded_message(error)}) from None
            raise ActionError(coded_message(error)) from None
        collector = None
        if status != PickupStatus.ABSENT:
            if collected_by_household_id is not None:
                if collected_by_household_id == household_id:
                    collected_by_household_id = None
                else:
                    collector = Household.objects.filter(pk=collected_by_household_id, group_id=distribution.group_id).first()
                    if collector is None:
                        raise ActionError(field_errors={"collected_by": _("Choose a household %(of_the_group)s.")
                                                        % words_for(distribution.cycle.club)})
        else:
            name = ""
        previous = list(Uncollected.objects.filter(distribution=distribution, household_id=household_id))
        settled = [u for u in previous if u.state != UncollectedState.STORED]
        surplus = SurplusItem.objects.filter(uncollected__in=[u.pk for u in settled if u.state == UncollectedState.SURPLUS])
        if any(u.state == UncollectedState.COLLECTED for u in settled) or surplus.filter(dispositions__isnull=False).exists():
            raise ActionError(_("Part of this household's goods was collected later, sold, given or recorded as lost: "
                                "its tick can no longer change."))
        surplus.delete()
        Uncollected.objects.filter(pk__in=[u.pk for u in previous]).delete()
        Uncollected.objects.bulk_create(
            Uncollected(distribution=distribution, household_id=household_id, offer_id=offer, quantity=quantity)
            for offer, quantity in sorted(not_collected.items())
        )
        return Pickup.objects.create(
            distribution=distribution, household_id=household_id, status=status, collected_by_household=collector,
            collected_by_name=name if collector is None else "",
            missing=[[offer, str(quantity)] for offer, quantity in sorted(not_collected.items())],
            recorded_at=now, recorded_by=by_user,
        )


def resolve_stored(distribution: Distribution, uncollected_ids: list[int], action: str, *, by_user=None,
                   now: datetime.datetime | None = None) -> int:
    """Goods stored at the depot, collected later (``collect``) or turned into surplus (``surplus``). Only goods
    still stored are changed; returns how many lines were."""
    now = now or timezone.now()
    if action not in ("collect", "surplus"):
        raise ActionError(_("Choose what became of these goods."))
    with transaction.atomic():
        distribution = lock_distribution(distribution.pk)
        items = list(Uncollected.objects.filter(distribution=distribution, pk__in=uncollected_ids, state=UncollectedState.STORED))
        if not items:
            raise ActionError(_("These goods are no longer stored %(at_the_depot)s.") % words_for(distribution.cycle.club))
        state = UncollectedState.COLLECTED if action == "collect" else UncollectedState.SURPLUS
        Uncollected.objects.filter(pk__in=[u.pk for u in items]).update(state=state, resolved_at=now, resolved_by=by_user)
        if action == "surplus":
            SurplusItem.objects.bulk_create(
                SurplusItem(distribution=distribution, offer_id=u.offer_id, quantity=u.quantity,
                            source=SurplusSource.UNCOLLECTED, uncollected=u, created_at=now)
                for u in items
            )
        return len(items)


def set_ends_on(distribution: Distribution, ends_on: datetime.date | None) -> Distribution:
    """How long the depot stays open for this distribution: until ``ends_on`` (None: the day itself)."""
    if ends_on is not None:
        if ends_on < distribution.date:
            raise ActionError(field_errors={"ends_on": _("The last day comes on or after the distribution day.")})
        if ends_on > distribution.date + datetime.timedelta(days=MAX_STORED_DAYS):
            raise ActionError(field_errors={"ends_on": _("At most %(days)s days after the distribution day.") % {
                "days": MAX_STORED_DAYS}})
        if ends_on == distribution.date:
            ends_on = None
    Distribution.objects.filter(pk=distribution.pk).update(ends_on=ends_on)
    distribution.ends_on = ends_on
    return distribution
