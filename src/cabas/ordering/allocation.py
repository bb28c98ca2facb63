"""The collective ordering engine, as plain Python (no Django import).

The groups of a club pool their pre-orders, product by product. For each product this module decides
how many packs are ordered, whether the product goes ahead at all (viability threshold), and what
each household receives when supply is short (rationing). The closing, the live order page, the
coordinator's preview and `cabas simulate-allocation` all call `allocate`.

Everything is computed in whole *steps* (the product's order step: 1 piece, 0.5 kg), as integers, so
that no rounding error can creep in; quantities come in and go out as `Decimal`.

Rules, per product (Q = pooled requests, T = pooled tolerances, P = pack size):

1. A per-household cap limits each request (reason ``capped``); tolerance is limited to what the cap
   leaves.
2. Packs: floor(Q / P) packs, plus one when the remainder r > 0 and r + T >= P. Tolerance only
   completes the last partial pack. When the partial pack is dropped, what the households asked for
   beyond the full packs is not served (reason ``pack_not_filled``).
3. Threshold (minimum total, in units): when the packs ordered fall short of it, the quantity is raised
   to the threshold, in whole packs, if tolerance can cover it; otherwise every line is cancelled
   (status ``below_threshold``).
4. Supply cap: never more than the producer can supply this cycle, in whole packs (status ``rationed``
   when it cuts into the requests).
5. A delivered quantity (entered at reception), when given, replaces what was ordered: a shortfall is
   rationed, a surplus first fills tolerance and the rest is reported as surplus.
6. Rationing, with the cycle's strategy, when less is available than requested:
   - ``equal-share``: everyone receives min(request, c) for the largest common ceiling c that fits;
     steps left over by the rounding go one at a time to the households still short, those whose
     request has stood longest first (earliest first request for the product, then household id).
   - ``proportional``: shares proportional to requests, rounded down to steps, leftover steps by the
     largest-remainder method (ties: request standing longest, then household id).
   - ``first-come``: units are served in the order they were requested; an increase queues behind
     every earlier request, a decrease gives up the household's most recent units first.
   - ``solidarity-first``: the households given as ``priority`` (those on a solidarity tariff: the caller
     knows them, this module does not) are served first — each min(request, what is available), shared
     among them by equal share when even they cannot all be served — then what is left goes to the others by
     equal share. Confidential: a household cut receives the usual reason (``rationed`` or
     ``pack_not_filled``), never one naming the priority.
   Tolerance is handed out only once every request is served in full, with the same strategy (equal share
   for ``solidarity-first``: the priority is for what households asked for, not for more).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from cabas.core.errors import translatable as _

EQUAL_SHARE = "equal-share"
PROPORTIONAL = "proportional"
FIRST_COME = "first-come"
SOLIDARITY_FIRST = "solidarity-first"
STRATEGIES = (EQUAL_SHARE, PROPORTIONAL, FIRST_COME, SOLIDARITY_FIRST)

# Product statuses
OK = "ok"
BELOW_THRESHOLD = "below_threshold"
RATIONED = "rationed"

# Why a household receives something other than what it asked for
PACK_NOT_FILLED = "pack_not_filled"
CAPPED = "capped"
TOLERANCE = "tolerance"  # received more than asked, within its tolerance, to complete a pack
REASONS = (BELOW_THRESHOLD, CAPPED, RATIONED, PACK_NOT_FILLED, TOLERANCE)

ZERO = Decimal(0)



class AllocationInputError(ValueError):
    """A scenario the engine cannot work on. ``message`` is an English text with %(name)s fields."""

    def __init__(self, message: str, **params):
        self.message = message
        self.params = params
        super().__init__(message % params)


@dataclass(frozen=True)
class ProductRules:
    id: Hashable
    pack_size: Decimal = Decimal(1)
    step: Decimal = Decimal(1)
    min_total: Decimal | None = None
    supply_cap: Decimal | None = None
    per_household_cap: Decimal | None = None
    delivered: Decimal | None = None


class Request(NamedTuple):
    """One household's request for one product. Several for the same pair are its successive changes,
    in the order of ``at`` (then of ``seq``, their order of arrival); the latest is the current one."""

    household: Hashable
    product: Hashable
    quantity: Decimal
    tolerance: Decimal = ZERO
    at: datetime.datetime | None = None
    seq: int = 0


@dataclass(frozen=True)
class ProductOutcome:
    id: Hashable
    status: str
    quantity: Decimal  # pooled requests (after per-household caps)
    tolerance: Decimal  # pooled tolerances (after caps)
    packs: int
    ordered: Decimal  # what is ordered from the producer (packs × pack size), before delivery
    allocated: Decimal
    surplus: Decimal
    missing_for_next_pack: Decimal  # what more requests (or tolerance) would complete the next pack
    min_total: Decimal | None = None
    supply_left: Decimal | None = None  # under the supply cap, once the requests are served


class HouseholdAllocation(NamedTuple):
    household: Hashable
    product: Hashable
    requested: Decimal
    tolerance: Decimal
    allocated: Decimal
    reason: str | None


@dataclass(frozen=True)
class AllocationResult:
    products: tuple[ProductOutcome, ...]
    allocations: tuple[HouseholdAllocation, ...]

    def product(self, product_id) -> ProductOutcome | None:
        return next((p for p in self.products if p.id == product_id), None)

    def allocation(self, household, product_id) -> HouseholdAllocation | None:
        return next((a for a in self.allocations if a.household == household and a.product == product_id), None)


# --- units -> steps --------------------------------------------------------------------------------


def _steps(value: Decimal, step: Decimal, *, what: str, product) -> int:
    """A quantity that must be a whole number of steps."""
    whole, rest = divmod(value, step)
    if rest:
        raise AllocationInputError(
            _("Product %(product)s: %(what)s %(value)s is not a multiple of the order step %(step)s."),
            product=product, what=what, value=value, step=step,
        )
    return int(whole)


def _floor_steps(value: Decimal, step: Decimal) -> int:
    return int(value // step)


def _ceil_steps(value: Decimal, step: Decimal) -> int:
    whole = value // step
    return int(whole) + (1 if whole * step < value else 0)


def _check_product(rules: ProductRules) -> int:
    """Validates the rules; returns the pack size in steps."""
    if rules.step <= 0:
        raise AllocationInputError(_("Product %(product)s: the order step must be positive."), product=rules.id)
    if rules.pack_size <= 0:
        raise AllocationInputError(_("Product %(product)s: the pack size must be positive."), product=rules.id)
    for name in ("min_total", "supply_cap", "per_household_cap", "delivered"):
        value = getattr(rules, name)
        if value is not None and value < 0:
            raise AllocationInputError(_("Product %(product)s: %(what)s cannot be negative."), product=rules.id, what=name)
    ratio = rules.pack_size / rules.step
    if ratio != ratio.to_integral_value():
        raise AllocationInputError(
            _("Product %(product)s: the order step %(step)s does not divide the pack size %(pack)s."),
            product=rules.id, step=rules.step, pack=rules.pack_size,
        )
    return int(ratio)


# --- a household's standing request ----------------------------------------------------------------


@dataclass(slots=True)
class _Standing:
    """A household's current request for a product, with the queue of its units for first-come."""

    household: Hashable
    requested: Decimal = ZERO  # the current request as asked, before any cap
    quantity: int = 0  # steps
    tolerance: int = 0
    first_at: tuple = ()
    last_at: tuple = ()
    chunks: list = field(default_factory=list)  # [(at key, steps)], oldest first


def _time_key(request: Request, arrival: int) -> tuple:
    """Requests without a time come first, in their order of arrival."""
    return (0, request.seq, arrival) if request.at is None else (1, request.at, request.seq, arrival)


def _standing_requests(requests: Sequence[tuple[int, Request]], step: Decimal, product) -> list[_Standing]:
    by_household: dict[Hashable, _Standing] = {}
    keyed = sorted((_time_key(request, arrival), request) for arrival, request in requests)
    steps: dict[tuple[str, Decimal], int] = {}  # a cycle's quantities take few distinct values: each converted once
    for key, request in keyed:
        if request.quantity < 0 or request.tolerance < 0:
            raise AllocationInputError(
                _("Product %(product)s: household %(household)s asks for a negative quantity."),
                product=product, household=request.household,
            )
        quantity = steps.get(("quantity", request.quantity))
        if quantity is None:
            quantity = steps[("quantity", request.quantity)] = _steps(request.quantity, step, what="quantity", product=product)
        tolerance = 0
        if request.tolerance:
            tolerance = steps.get(("tolerance", request.tolerance))
            if tolerance is None:
                tolerance = steps[("tolerance", request.tolerance)] = _steps(
                    request.tolerance, step, what="tolerance", product=product)
        standing = by_household.get(request.household)
        if standing is None:
            standing = by_household[request.household] = _Standing(request.household, first_at=key)
        if quantity > standing.quantity:
            standing.chunks.append((key, quantity - standing.quantity))
        else:  # a decrease gives up the household's most recent units first
            _trim_chunks(standing, standing.quantity - quantity)
        standing.requested = request.quantity
        standing.quantity = quantity
        standing.tolerance = tolerance
        standing.last_at = key
    return list(by_household.values())


def _tie_key(standing: _Standing):
    return (standing.first_at, _sortable(standing.household))


def _sortable(value):
    return (0, value, "") if isinstance(value, int | float | Decimal) else (1, 0, str(value))


# --- rationing strategies (integers: steps) -----------------------------------------------------------


def equal_share(demands: Sequence[int], amount: int, order: Sequence[int]) -> list[int]:
    """min(demand, c) for the largest common ceiling c; leftover steps one each in ``order``."""
    total = sum(demands)
    if amount >= total:
        return list(demands)
    amount = max(amount, 0)
    ascending = sorted(demands)
    served, ceiling = 0, 0
    for index, demand in enumerate(ascending):
        remaining = len(ascending) - index
        if served + demand * remaining <= amount:
            served += demand
            ceiling = demand
        else:
            ceiling = (amount - served) // remaining
            break
    shares = [min(d, ceiling) for d in demands]
    leftover = amount - sum(shares)
    for i in order:
        if leftover == 0:
            break
        if demands[i] > shares[i]:
            shares[i] += 1
            leftover -= 1
    return shares


def proportional(demands: Sequence[int], amount: int, order: Sequence[int]) -> list[int]:
    """Shares proportional to demands, rounded down, leftover by largest remainder (ties in ``order``)."""
    total = sum(demands)
    if amount >= total:
        return list(demands)
    amount = max(amount, 0)
    exact = [Fraction(amount * d, total) for d in demands]
    shares = [int(e) for e in exact]
    leftover = amount - sum(shares)
    rank = {i: position for position, i in enumerate(order)}
    by_remainder = sorted(range(len(demands)), key=lambda i: (-(exact[i] - shares[i]), rank[i]))
    for i in by_remainder[:leftover]:
        shares[i] += 1
    return shares


def first_come(chunks: Sequence[tuple[object, int, int]], count: int, amount: int) -> list[int]:
    """Serves ``chunks`` (key, index, steps) in key order until ``amount`` is spent."""
    shares = [0] * count
    for _key, index, size in sorted(chunks, key=lambda c: c[0]):
        if amount <= 0:
            break
        served = min(size, amount)
        shares[index] += served
        amount -= served
    return shares


def priority_first(demands: Sequence[int], amount: int, order: Sequence[int], first: Sequence[bool]) -> list[int]:
    """The demands flagged ``first`` are served before the others: each min(demand, what is available), by
    equal share among them when ``amount`` cannot serve them all; what is left goes to the others by equal
    share. Ties in ``order``, as ``equal_share``."""
    if amount >= sum(demands):
        return list(demands)
    amount = max(amount, 0)
    shares = [0] * len(demands)
    for flag in (True, False):
        members = [i for i in order if bool(first[i]) is flag]  # in tie order
        wanted = [demands[i] for i in members]
        given = equal_share(wanted, min(amount, sum(wanted)), range(len(members)))
        for i, share in zip(members, given, strict=True):
            shares[i] = share
        amount -= sum(given)
    return shares


def _ration(strategy: str, standings: list[_Standing], demands: list[int], amount: int, *, chunks,
            priority: frozenset = frozenset()) -> list[int]:
    if amount >= sum(demands):
        return list(demands)
    order = sorted(range(len(standings)), key=lambda i: _tie_key(standings[i]))
    if strategy == EQUAL_SHARE:
        return equal_share(demands, amount, order)
    if strategy == PROPORTIONAL:
        return proportional(demands, amount, order)
    if strategy == SOLIDARITY_FIRST:
        return priority_first(demands, amount, order, [s.household in priority for s in standings])
    return first_come(chunks, len(standings), amount)


# --- the engine ------------------------------------------------------------------------------------


def allocate(products: Iterable[ProductRules], requests: Iterable[Request], strategy: str = EQUAL_SHARE, *,
             priority: Iterable[Hashable] = ()) -> AllocationResult:
    """``priority``: the households served first under ``solidarity-first`` (ignored by the other strategies)."""
    if strategy not in STRATEGIES:
        raise AllocationInputError(
            _("Unknown rationing strategy %(strategy)s (choose equal-share, proportional, first-come or solidarity-first)."),
            strategy=strategy,
        )
    priority = frozenset(priority) if strategy == SOLIDARITY_FIRST else frozenset()
    rules_by_id: dict[Hashable, ProductRules] = {}
    for rules in products:
        if rules.id in rules_by_id:
            raise AllocationInputError(_("Product %(product)s is listed twice."), product=rules.id)
        rules_by_id[rules.id] = rules
    requests_by_product: dict[Hashable, list[tuple[int, Request]]] = defaultdict(list)
    for arrival, request in enumerate(requests):
        if request.product not in rules_by_id:
            raise AllocationInputError(
                _("A request names product %(product)s, which is not in the scenario."), product=request.product
            )
        requests_by_product[request.product].append((arrival, request))

    outcomes, allocations = [], []
    for product_id, rules in rules_by_id.items():
        outcome, lines = _allocate_product(rules, requests_by_product.get(product_id, []), strategy, priority)
        outcomes.append(outcome)
        allocations.extend(lines)
    return AllocationResult(products=tuple(outcomes), allocations=tuple(allocations))


def _allocate_product(rules: ProductRules, requests: list[tuple[int, Request]], strategy: str,
                      priority: frozenset = frozenset()):
    pack = _check_product(rules)
    step = rules.step
    standings = _standing_requests(requests, step, rules.id)

    # 1. per-household cap
    capped = [False] * len(standings)
    if rules.per_household_cap is not None:
        cap = _floor_steps(rules.per_household_cap, step)
        for i, s in enumerate(standings):
            if s.quantity > cap:
                capped[i] = True
                _trim_chunks(s, s.quantity - cap)
                s.quantity = cap
            s.tolerance = min(s.tolerance, max(cap - s.quantity, 0))
    demands = [s.quantity for s in standings]
    tolerances = [s.tolerance for s in standings]
    pooled, pooled_tolerance = sum(demands), sum(tolerances)

    # 2. packs
    packs, missing = _packs(pooled, pooled_tolerance, pack)

    # 3. threshold
    below_threshold = False
    if rules.min_total is not None and packs * pack < _ceil_steps(rules.min_total, step):
        needed_packs = -(-_ceil_steps(rules.min_total, step) // pack)
        if needed_packs * pack <= pooled + pooled_tolerance:
            packs = needed_packs
        else:
            below_threshold = True

    # 4. supply cap, in whole packs
    cap_limited = False
    supply_left = None
    if rules.supply_cap is not None:
        cap_packs = _floor_steps(rules.supply_cap, step) // pack
        if packs > cap_packs:
            packs, cap_limited = cap_packs, True
        supply_left = max(_floor_steps(rules.supply_cap, step) - pooled, 0)
    ordered = 0 if below_threshold else packs * pack

    # 5. delivery
    available = ordered
    surplus_steps = 0
    surplus_extra = ZERO  # a delivered quantity that is not a whole number of steps
    if rules.delivered is not None and not below_threshold:
        available = _floor_steps(rules.delivered, step)
        surplus_extra = rules.delivered - available * step

    # 6. share out
    chunks = [(key, i, size) for i, s in enumerate(standings) for key, size in s.chunks]
    if below_threshold:
        shares = [0] * len(standings)
    else:
        shares = _ration(strategy, standings, demands, available, chunks=chunks, priority=priority)
        extra = available - pooled
        if extra > 0:
            tolerance_chunks = [(s.last_at, i, s.tolerance) for i, s in enumerate(standings) if s.tolerance]
            bonus = _ration(EQUAL_SHARE if strategy == SOLIDARITY_FIRST else strategy, standings, tolerances, extra,
                            chunks=tolerance_chunks)
            shares = [a + b for a, b in zip(shares, bonus, strict=True)]
            surplus_steps = extra - sum(bonus)
    served = sum(shares)
    if below_threshold:
        status = BELOW_THRESHOLD
    elif served < pooled and (cap_limited or (rules.delivered is not None and available < ordered)):
        status = RATIONED
    else:
        status = OK

    lines = []
    make_line = HouseholdAllocation._make  # fields in order: household, product, requested, tolerance, allocated, reason
    for i, s in enumerate(standings):
        share = shares[i]
        if below_threshold:
            reason = BELOW_THRESHOLD if s.quantity or capped[i] else None
        elif share > s.quantity:
            reason = TOLERANCE
        elif capped[i]:
            reason = CAPPED
        elif share < s.quantity:
            reason = RATIONED if status == RATIONED else PACK_NOT_FILLED
        else:
            reason = None
        lines.append(make_line((s.household, rules.id, s.requested, s.tolerance * step, share * step, reason)))
    outcome = ProductOutcome(
        id=rules.id, status=status, quantity=pooled * step, tolerance=pooled_tolerance * step,
        packs=0 if below_threshold else packs, ordered=ordered * step, allocated=served * step,
        surplus=surplus_steps * step + surplus_extra, missing_for_next_pack=missing * step,
        min_total=rules.min_total,
        supply_left=None if supply_left is None else supply_left * step,
    )
    return outcome, lines


def _packs(pooled: int, tolerance: int, pack: int) -> tuple[int, int]:
    """Packs to order, and what more would complete the next one (all in steps)."""
    full_packs, remainder = divmod(pooled, pack)
    if remainder and remainder + tolerance >= pack:
        return full_packs + 1, 0
    return full_packs, (pack - remainder - tolerance) if remainder else 0


@dataclass(frozen=True)
class Progress:
    """Where a product stands while the cycle is open (what the order page shows)."""

    packs: int
    missing_for_next_pack: Decimal
    quantity: Decimal
    min_total: Decimal | None
    reaches_threshold: bool
    supply_left: Decimal | None
    # what was asked beyond the full packs, not ordered unless ``missing_for_next_pack`` more comes (0 when none)
    unfilled: Decimal = ZERO
    missing_for_threshold: Decimal = ZERO  # what more requests (or tolerance) would reach the threshold
    supply_cap: Decimal | None = None

    @property
    def oversubscribed(self) -> bool:
        """More is asked than the producer can supply: the lines will be rationed at closing."""
        return self.supply_cap is not None and self.quantity > self.supply_cap


def progress(rules: ProductRules, quantity: Decimal, tolerance: Decimal = ZERO) -> Progress:
    """Packs filled, what completes the next, the threshold and the supply left, for pooled totals."""
    pack = _check_product(rules)
    pooled, pooled_tolerance = _floor_steps(quantity, rules.step), _floor_steps(tolerance, rules.step)
    packs, missing = _packs(pooled, pooled_tolerance, pack)
    threshold = 0 if rules.min_total is None else _ceil_steps(rules.min_total, rules.step)
    reaches = threshold <= pooled + pooled_tolerance
    left = None if rules.supply_cap is None else max(rules.supply_cap - quantity, ZERO)
    return Progress(packs=packs, missing_for_next_pack=missing * rules.step, quantity=quantity,
                    min_total=rules.min_total, reaches_threshold=reaches, supply_left=left,
                    unfilled=(pooled % pack) * rules.step if missing else ZERO,
                    missing_for_threshold=max(threshold - pooled - pooled_tolerance, 0) * rules.step,
                    supply_cap=rules.supply_cap)


def progress_with(rules: ProductRules, others: tuple[Decimal, Decimal], mine: tuple[Decimal, Decimal]) -> Progress:
    """The pooled progress as it would stand with one household's request ``mine`` (quantity, tolerance) added
    to what the other households asked (``others``, each already capped): what the order page shows while a
    member types. The per-household cap limits the request and its tolerance as at closing."""
    quantity, tolerance = capped_request(rules, *mine)
    return progress(rules, others[0] + quantity, others[1] + tolerance)


def capped_request(rules: ProductRules, quantity: Decimal, tolerance: Decimal = ZERO) -> tuple[Decimal, Decimal]:
    """One household's request and tolerance as the per-household cap leaves them (rule 1)."""
    cap = household_cap(rules)
    if cap is None:
        return quantity, tolerance
    quantity = min(quantity, cap)
    return quantity, min(tolerance, max(cap - quantity, ZERO))


def household_cap(rules: ProductRules) -> Decimal | None:
    """The most one household receives (the per-household cap in whole steps, as the closing applies it)."""
    if rules.per_household_cap is None:
        return None
    return _floor_steps(rules.per_household_cap, rules.step) * rules.step


def exceeds_household_cap(rules: ProductRules, quantity: Decimal) -> bool:
    """Whether a household asks for more than the per-household cap (the closing serves the cap at most)."""
    cap = household_cap(rules)
    return cap is not None and quantity > cap


def _trim_chunks(standing: _Standing, steps: int) -> None:
    """Removes the household's most recent units (a cap, like a decrease, cuts the latest first)."""
    while steps:
        key, size = standing.chunks[-1]
        if size <= steps:
            standing.chunks.pop()
            steps -= size
        else:
            standing.chunks[-1] = (key, size - steps)
            steps = 0
