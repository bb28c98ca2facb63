"""The closing's documents as data, ready to render as a page, CSV or PDF. A few queries each."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from cabas.catalog.models import Producer
from cabas.core.money import ZERO, VatBreakdown, vat_breakdown
from cabas.members.models import Household, PickupPlace
from cabas.members.rhythm import pickup_day
from cabas.members.services import place_of
from cabas.ordering.models import Allocation, Offer, OrderCycle

from .models import Distribution, ProducerSheet


@dataclass
class SheetRow:
    offer: Offer
    quantities: list[Decimal]  # one per distribution column, in column order
    quantity: Decimal
    amount_incl_vat: Decimal


@dataclass
class ProducerSheetDocument:
    cycle: OrderCycle
    sheet: ProducerSheet
    distributions: list[Distribution]
    rows: list[SheetRow]
    column_totals: list[Decimal]  # amount per distribution column

    @property
    def producer(self):
        return self.sheet.producer


def producer_sheet(cycle: OrderCycle, sheet: ProducerSheet) -> ProducerSheetDocument:
    """Product × depot quantities for one producer, with totals."""
    distributions = list(
        Distribution.objects.filter(cycle=cycle).select_related("group__depot").order_by("group__name")
    )
    column = {d.group_id: i for i, d in enumerate(distributions)}
    totals = (
        Allocation.objects.filter(cycle=cycle, offer__producer_id=sheet.producer_id, quantity__gt=0)
        .values("offer_id", "group_id")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount_incl_vat"))
        .order_by()
    )
    per_offer: dict[int, dict[int, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for row in totals:
        per_offer[row["offer_id"]][row["group_id"]] = (row["quantity"], row["amount"])
    offers = Offer.objects.filter(pk__in=per_offer.keys()).select_related("category").order_by("category__position", "name")
    rows = []
    column_totals = [ZERO for _ in distributions]
    for offer in offers:
        quantities = [Decimal(0) for _ in distributions]
        amount = ZERO
        for group_id, (quantity, group_amount) in per_offer[offer.pk].items():
            if group_id in column:
                quantities[column[group_id]] = quantity
                column_totals[column[group_id]] += group_amount
            amount += group_amount
        rows.append(SheetRow(offer=offer, quantities=quantities, quantity=sum(quantities, Decimal(0)), amount_incl_vat=amount))
    return ProducerSheetDocument(cycle=cycle, sheet=sheet, distributions=distributions, rows=rows, column_totals=column_totals)


@dataclass
class PickingLine:
    allocation: Allocation
    offer: Offer


@dataclass
class HouseholdPicking:
    household: Household
    lines: list[Allocation] = field(default_factory=list)
    place: PickupPlace | None = None  # where it collects, when not at the depot

    @property
    def amount_incl_vat(self) -> Decimal:
        return sum((a.amount_incl_vat for a in self.lines), ZERO)


@dataclass
class PlaceLoad:
    """What the group's volunteers take from the depot to one of its other places: per product, the total of the
    households collecting there."""

    place: PickupPlace
    day: datetime.date  # the place's pick-up day
    households: int
    product_totals: list[tuple[Offer, Decimal]]


@dataclass
class PickingListDocument:
    distribution: Distribution
    households: list[HouseholdPicking]
    product_totals: list[tuple[Offer, Decimal]]  # what the depot receives in all
    places: list[PlaceLoad] = field(default_factory=list)  # what to take to each other place, by place name

    @property
    def amount_incl_vat(self) -> Decimal:
        return sum((h.amount_incl_vat for h in self.households), ZERO)


def _by_product(per_offer: dict[int, tuple[Offer, Decimal]]) -> list[tuple[Offer, Decimal]]:
    return sorted(per_offer.values(), key=lambda item: (item[0].producer.name, item[0].name))


def picking_list(distribution: Distribution) -> PickingListDocument:
    """Household × product for one depot, households in name order, each with its place when it collects
    elsewhere; the depot's totals per product, and per other place what to take there (one query)."""
    allocations = (
        Allocation.objects.filter(cycle_id=distribution.cycle_id, group_id=distribution.group_id, quantity__gt=0)
        .select_related("household__pickup_place", "offer__producer")
        .order_by("household__name", "household_id", "offer__producer__name", "offer__name")
    )
    households: dict[int, HouseholdPicking] = {}
    per_offer: dict[int, tuple[Offer, Decimal]] = {}
    per_place: dict[int, tuple[PickupPlace, set[int], dict[int, tuple[Offer, Decimal]]]] = {}
    for allocation in allocations:
        entry = households.get(allocation.household_id)
        if entry is None:
            entry = households[allocation.household_id] = HouseholdPicking(
                household=allocation.household, place=place_of(allocation.household, distribution.group_id))
        entry.lines.append(allocation)
        offer, quantity = per_offer.get(allocation.offer_id, (allocation.offer, Decimal(0)))
        per_offer[allocation.offer_id] = (offer, quantity + allocation.quantity)
        if entry.place is not None:
            place, members, loads = per_place.setdefault(entry.place.pk, (entry.place, set(), {}))
            members.add(allocation.household_id)
            offer, quantity = loads.get(allocation.offer_id, (allocation.offer, Decimal(0)))
            loads[allocation.offer_id] = (offer, quantity + allocation.quantity)
    places = [PlaceLoad(place=place, day=pickup_day(distribution.date, place.day_offset), households=len(members), product_totals=_by_product(loads))
              for place, members, loads in sorted(per_place.values(), key=lambda item: (item[0].name, item[0].pk))]
    return PickingListDocument(distribution=distribution, households=list(households.values()),
                               product_totals=_by_product(per_offer), places=places)


@dataclass(frozen=True)
class DepositLine:
    """The deposit of one kind of container a household receives in a cycle (outside VAT)."""

    container: object  # catalog.Container
    count: int
    deposit: Decimal
    amount: Decimal


@dataclass
class HouseholdSummaryDocument:
    cycle: OrderCycle
    household: Household
    lines: list[Allocation]
    vat: VatBreakdown
    deposits: list[DepositLine] = field(default_factory=list)

    @property
    def deposit_total(self) -> Decimal:
        return sum((d.amount for d in self.deposits), ZERO)


def deposit_lines(allocations) -> list[DepositLine]:
    """The containers the allocations come in, per container and deposit (their offers' containers loaded)."""
    counts: dict[tuple[int, Decimal], list] = {}
    for a in allocations:
        n = a.offer.containers_for(a.quantity)
        if n:
            entry = counts.setdefault((a.offer.container_id, a.offer.container_deposit), [a.offer.container, 0])
            entry[1] += n
    return [DepositLine(container=c, count=n, deposit=deposit, amount=(n * deposit).quantize(ZERO))
            for (_pk, deposit), (c, n) in sorted(counts.items(), key=lambda item: item[1][0].name)]


def household_summary(cycle: OrderCycle, household: Household) -> HouseholdSummaryDocument:
    lines = list(
        Allocation.objects.filter(cycle=cycle, household=household)
        .select_related("offer__producer", "offer__outcome", "offer__container")
        .order_by("offer__producer__name", "offer__name")
    )
    vat = vat_breakdown((a.offer.vat_rate, a.amount_incl_vat) for a in lines)
    return HouseholdSummaryDocument(cycle=cycle, household=household, lines=lines, vat=vat, deposits=deposit_lines(lines))


@dataclass
class ProducerDepotListDocument:
    """What a producer who distributes itself hands out at one depot, household by household, and what each
    household pays it there (the full price of what it receives)."""

    distribution: Distribution
    producer: Producer
    households: list[HouseholdPicking]
    product_totals: list[tuple[Offer, Decimal]]

    @property
    def amount_incl_vat(self) -> Decimal:
        return sum((h.amount_incl_vat for h in self.households), ZERO)


def producer_depot_list(distribution: Distribution, producer: Producer) -> ProducerDepotListDocument:
    """Household × product for one producer at one depot (one query), households in name order."""
    allocations = (
        Allocation.objects.filter(cycle_id=distribution.cycle_id, group_id=distribution.group_id, offer__producer=producer,
                                  quantity__gt=0)
        .select_related("household", "offer")
        .order_by("household__name", "household_id", "offer__name")
    )
    households: dict[int, HouseholdPicking] = {}
    per_offer: dict[int, tuple[Offer, Decimal]] = {}
    for allocation in allocations:
        allocation.offer.producer = producer
        households.setdefault(allocation.household_id, HouseholdPicking(household=allocation.household)).lines.append(allocation)
        offer, quantity = per_offer.get(allocation.offer_id, (allocation.offer, Decimal(0)))
        per_offer[allocation.offer_id] = (offer, quantity + allocation.quantity)
    product_totals = sorted(per_offer.values(), key=lambda item: item[0].name)
    return ProducerDepotListDocument(distribution=distribution, producer=producer, households=list(households.values()),
                                     product_totals=product_totals)
