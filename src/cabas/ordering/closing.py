"""What a cycle's closing computes, as plain Python (no Django import).

Input: every order line of the cycle. Output: what each household receives with its amount, each
household's totals with VAT per rate, each producer's totals, and each depot's totals. The
persistence layer (`cabas.flows.closing.close_cycle`) reads the lines in one query, calls `close`,
and writes the result in bulk.

What each household receives is decided by the allocation engine (`ordering.allocation`): packs,
tolerance, viability thresholds, supply caps and rationing, pooled over the club. What they pay is priced
per offer (``apportion_offers``): the offer's quantity × price rounded once to the cent, shared among its
households so that their amounts add up to it exactly.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter
from typing import NamedTuple

from cabas.core.money import VatBreakdown, vat_breakdown

from . import allocation as engine

# The current state of a line comes after every recorded change to it.
AFTER_EVERY_CHANGE = datetime.datetime.max.replace(tzinfo=datetime.UTC)


class OrderedLine(NamedTuple):
    household_id: int
    group_id: int
    offer_id: int
    producer_id: int
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    tolerance: Decimal = Decimal(0)


class AllocatedLine(NamedTuple):
    household_id: int
    group_id: int
    offer_id: int
    producer_id: int
    quantity_ordered: Decimal
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    amount_incl_vat: Decimal
    tolerance: Decimal = Decimal(0)
    reason: str | None = None


@dataclass(frozen=True)
class Totals:
    """Totals of a set of allocated lines: one household's, one producer's or one depot's."""

    key: int
    line_count: int
    member_count: int  # distinct households among the lines
    vat: VatBreakdown


@dataclass(frozen=True)
class ClosingResult:
    allocations: tuple[AllocatedLine, ...]
    households: tuple[Totals, ...]
    producers: tuple[Totals, ...]
    groups: tuple[Totals, ...]
    offers: tuple[engine.ProductOutcome, ...] = ()
    # (offer id, group id) -> what the depot was allocated before its reception, for the pairs received with a limit
    depot_expected: dict[tuple[int, int], Decimal] = field(default_factory=dict)

    def household(self, household_id: int) -> Totals | None:
        return next((t for t in self.households if t.key == household_id), None)


def allocate(
    lines: list[OrderedLine],
    rules: Iterable[engine.ProductRules],
    *,
    strategy: str = engine.EQUAL_SHARE,
    changes: Iterable[engine.Request] = (),
    depot_limits: Mapping[tuple[int, int], Decimal | None] | None = None,
    priority: frozenset[int] = frozenset(),
) -> tuple[list[AllocatedLine], tuple[engine.ProductOutcome, ...], dict[tuple[int, int], Decimal]]:
    """Runs the engine on the cycle's lines (product ids are offer ids), limits what depots received
    (``ration_at_depots``) and prices what is handed out. Returns the allocated lines, the offers' outcomes and,
    for each limited (offer, group), what the depot was allocated before its limit. ``priority``: the households
    served first under ``solidarity-first`` (at the depots too).

    ``changes`` is the history of the lines (for first-come and for tie-breaking); each line's current
    quantity and tolerance are added after it, so the lines are the truth whatever the history holds.
    """
    rules = list(rules)
    lines = [line for line in lines if line.quantity > 0]
    by_pair = {(line.household_id, line.offer_id): line for line in lines}
    requests = [c for c in changes if (c.household, c.product) in by_pair]
    make = engine.Request._make  # positional and in C: this runs once per line
    requests += [make((line.household_id, line.offer_id, line.quantity, line.tolerance, AFTER_EVERY_CHANGE, 0)) for line in lines]
    result = engine.allocate(rules, requests, strategy, priority=priority)
    shares = {(share.household, share.product): share for share in result.allocations}
    line_shares = [shares[(line.household_id, line.offer_id)] for line in lines]
    quantities = [share.allocated for share in line_shares]
    reasons = [share.reason for share in line_shares]
    expected: dict[tuple[int, int], Decimal] = {}
    if depot_limits:
        first_asked: dict[tuple[int, int], datetime.datetime] = {}
        for change in requests:  # the history first, then the lines (AFTER_EVERY_CHANGE): the earliest time stays
            pair = (change.household, change.product)
            if change.at is not None and (pair not in first_asked or change.at < first_asked[pair]):
                first_asked[pair] = change.at
        steps = {r.id: r.step for r in rules}
        quantities, reasons, expected = ration_at_depots(
            lines, quantities, reasons, depot_limits, steps=steps, strategy=strategy, first_asked=first_asked,
            priority=priority,
        )
    cents = apportion_offers(lines, quantities)
    amounts: dict[int, Decimal] = {}  # a few thousand distinct amounts among the lines: each made once
    make_allocated = AllocatedLine._make
    allocated = []
    for line, share, quantity, reason, amount_cents in zip(lines, line_shares, quantities, reasons, cents):
        amount = amounts.get(amount_cents)
        if amount is None:
            amount = amounts[amount_cents] = Decimal(amount_cents).scaleb(-2)
        allocated.append(make_allocated((  # the fields' order of AllocatedLine
            line.household_id, line.group_id, line.offer_id, line.producer_id, line.quantity, quantity,
            line.unit_price, line.vat_rate, amount, share.tolerance, reason,
        )))
    return allocated, result.products, expected


def ration_at_depots(
    lines: Sequence[OrderedLine], quantities: Sequence[Decimal], reasons: Sequence[str | None],
    limits: Mapping[tuple[int, int], Decimal | None], *, steps: Mapping[int, Decimal], strategy: str,
    first_asked: Mapping[tuple[int, int], datetime.datetime], priority: frozenset[int] = frozenset(),
) -> tuple[list[Decimal], list[str | None], dict[tuple[int, int], Decimal]]:
    """What each line receives once depots have said what they received: for each (offer, group) in ``limits``
    whose households were allocated more than the depot received, the depot's quantity is shared among them
    alone, in whole steps of the offer, with the cycle's strategy (equal share, proportional, first come —
    here the households whose request for the offer is oldest are served first —, or the ``priority`` households
    first), their allocations as demands;
    a line cut gets the reason ``rationed``. A limit above the allocation changes nothing (the extra is the
    depot's surplus), as does None (received as expected). Returns the new quantities and reasons (in the lines' order) and, for every limited pair,
    what its households were allocated before."""
    quantities, reasons = list(quantities), list(reasons)
    members: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        pair = (line.offer_id, line.group_id)
        if pair in limits:
            members[pair].append(i)
    expected = {pair: sum((quantities[i] for i in members.get(pair, ())), Decimal(0)) for pair in limits}
    for pair, indexes in members.items():
        limit = limits[pair]
        if limit is None:  # received as expected
            continue
        step = steps[pair[0]]
        amount = int(limit // step)  # a limit is whole steps; anything below a step cannot be handed out
        demands = [int(quantities[i] / step) for i in indexes]
        if amount >= sum(demands):
            continue

        def standing(k: int, *, indexes=indexes) -> tuple:
            line = lines[indexes[k]]
            return (first_asked.get((line.household_id, line.offer_id), AFTER_EVERY_CHANGE), line.household_id)

        order = sorted(range(len(indexes)), key=standing)
        if strategy == engine.PROPORTIONAL:
            shares = engine.proportional(demands, amount, order)
        elif strategy == engine.FIRST_COME:
            shares = engine.first_come([(standing(k), k, demands[k]) for k in range(len(indexes))], len(indexes), amount)
        elif strategy == engine.SOLIDARITY_FIRST:
            shares = engine.priority_first(demands, amount, order, [lines[i].household_id in priority for i in indexes])
        else:
            shares = engine.equal_share(demands, amount, order)
        for k, i in enumerate(indexes):
            if shares[k] < demands[k]:
                quantities[i] = shares[k] * step
                reasons[i] = engine.RATIONED
    return quantities, reasons, expected


def apportion_offers(lines: Sequence[OrderedLine], quantities: Sequence[Decimal]) -> list[int]:
    """Each line's amount in cents (``quantities[i]`` is what line ``i`` receives, at its unit price).

    An offer is priced once: its amount is its whole quantity × its unit price, rounded half-up to the cent.
    Its households share that amount by the largest remainder: each gets its own quantity × price rounded
    down to the cent, and the cents left over go one each to the largest fractions of a cent dropped, the
    lowest household id first among equal fractions. So the households' amounts of an offer add up to the
    offer's amount exactly, and each is within a cent of its own quantity × price. One pass over the lines in
    exact Decimal arithmetic (no rounding per line), then a sort of the lines of the offers that have cents
    left over.
    """
    priced: dict[tuple[Decimal, Decimal], tuple[int, Decimal]] = {}  # (quantity, price) repeat a lot: each priced once
    cents: list[int] = []
    dropped: dict[int, list[tuple[Decimal, int, int]]] = defaultdict(list)  # per offer: (fraction of a cent, -household, -line)
    for i, (line, quantity) in enumerate(zip(lines, quantities)):
        price = line.unit_price
        floor_fraction = priced.get((quantity, price))
        if floor_fraction is None:
            exact = quantity * price * 100  # exact: no context rounding at these sizes
            floor = int(exact)  # never negative: int() rounds down
            floor_fraction = priced[(quantity, price)] = (floor, exact - floor)
        floor, fraction = floor_fraction
        cents.append(floor)
        if fraction:
            dropped[line.offer_id].append((fraction, -line.household_id, -i))
    for fractions in dropped.values():
        # the offer's amount less its lines' amounts rounded down: its lines' fractions of a cent, rounded half-up
        # (the lines priced to the cent add as much to both)
        left = int(sum(f for f, _, _ in fractions).to_integral_value(ROUND_HALF_UP))
        if left:
            fractions.sort(reverse=True)  # largest fraction first, then lowest household id
            for _, _, minus_i in fractions[:left]:
                cents[-minus_i] += 1
    return cents


def totals_by(allocations: Iterable[AllocatedLine], key: str) -> tuple[Totals, ...]:
    """Group allocated lines by one of their id attributes and total each group, VAT per rate."""
    return totals_by_each(allocations, (key,))[0]


def totals_by_each(allocations: Iterable[AllocatedLine], keys: Sequence[str]) -> list[tuple[Totals, ...]]:
    """``totals_by`` for several keys in one pass over the lines."""
    counts = [defaultdict(int) for _ in keys]
    households = [defaultdict(set) for _ in keys]
    per_rate = [defaultdict(lambda: defaultdict(Decimal)) for _ in keys]
    getters = [attrgetter(key) for key in keys]
    for allocation in allocations:
        if allocation.quantity > 0:  # lines cancelled by the engine are not handed out nor paid
            household, rate, amount = allocation.household_id, allocation.vat_rate, allocation.amount_incl_vat
            for i, getter in enumerate(getters):
                bucket = getter(allocation)
                counts[i][bucket] += 1
                households[i][bucket].add(household)
                per_rate[i][bucket][rate] += amount
    return [
        tuple(
            Totals(
                key=bucket,
                line_count=counts[i][bucket],
                member_count=len(households[i][bucket]),
                vat=vat_breakdown(per_rate[i][bucket].items()),
            )
            for bucket in sorted(counts[i])
        )
        for i in range(len(keys))
    ]


def close(
    lines: Iterable[OrderedLine],
    rules: Iterable[engine.ProductRules],
    *,
    strategy: str = engine.EQUAL_SHARE,
    changes: Iterable[engine.Request] = (),
    depot_limits: Mapping[tuple[int, int], Decimal | None] | None = None,
    priority: frozenset[int] = frozenset(),
) -> ClosingResult:
    """``depot_limits``: (offer id, group id) -> what that depot received of the offer, when reception there
    recorded less than expected (see ``ration_at_depots``); ``priority``: the households served first under
    ``solidarity-first`` (the closing's flow reads who is on a solidarity tariff; this module never knows why)."""
    ordered = sorted(lines, key=lambda l: (l.group_id, l.household_id, l.offer_id))
    allocated, offers, expected = allocate(ordered, rules, strategy=strategy, changes=changes, depot_limits=depot_limits,
                                           priority=priority)
    allocations = tuple(allocated)  # in the lines' order: group, household, offer
    households, producers, groups = totals_by_each(allocations, ("household_id", "producer_id", "group_id"))
    return ClosingResult(allocations=allocations, households=households, producers=producers, groups=groups, offers=offers,
                         depot_expected=expected)
