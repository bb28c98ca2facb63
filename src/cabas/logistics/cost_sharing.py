"""Sharing the cost of a transport plan among its participants, as plain Python (no Django import).

Participants are any hashable ids (groups, households, producers), in an order that breaks ties. Money
is Decimal throughout; every sharing is rounded to the cent by the largest-remainder method: each exact
share rounded down to the cent, the cents left over going one each to the largest remainders (ties in
the participants' order), so that the shares add up *exactly* to the total and each is within a cent of
its exact value.

Two families of keys:

- :func:`proportional` to a key: kilograms (by weight), euros of goods (by value), tonne-kilometres
  (:func:`ton_km`: each one's kilograms × the distance its goods travel), stand-alone costs
  (:func:`stand_alone_costs`: what each would pay going alone).
- :func:`shapley`: the Shapley value of a characteristic cost function ``cost(coalition)``, the cost of
  serving that subset of participants alone (for instance by planning the rounds again for it): each
  participant pays its marginal cost averaged over every order of arrival. Exact up to ``max_exact``
  participants (10: 1,023 coalitions, each costed once); beyond, estimated from random orders
  (permutation sampling) with its standard error.

Then :func:`in_core` checks that no coalition pays more than its stand-alone cost (nobody has a reason
to leave), and :func:`savings` gives each one's saving against going alone.

The cost function is called with non-empty ``frozenset`` coalitions only (the empty coalition costs 0)
and must return a non-negative Decimal (or int). Wrap it once in :class:`CoalitionCosts` to cost each
coalition only once across :func:`shapley`, :func:`in_core`, :func:`savings` and :func:`stand_alone_costs`.

Errors are :class:`CostSharingError` (a ``ValueError``) with a ``code``, an English ``message`` with
``%(name)s`` fields marked for translation, and ``params``; a float where money is expected is a
``TypeError``, as in ``core.money``.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

from cabas.core.errors import CodedError
from cabas.core.errors import translatable as _
from cabas.core.money import CENT, apportion, to_cents

# Sharing methods
PROPORTIONAL = "proportional"
EQUAL = "equal"
SHAPLEY_EXACT = "shapley-exact"
SHAPLEY_SAMPLED = "shapley-sampled"

# Why a sharing used another method than the one asked for
ZERO_TOTAL_WEIGHT = "zero_total_weight"  # every weight is zero: the total is split equally

# CostSharingError codes
NO_PARTICIPANTS = "no_participants"
DUPLICATE_PARTICIPANT = "duplicate_participant"
NEGATIVE = "negative"
NOT_CENTS = "not_cents"
MISMATCH = "mismatch"
BAD_SETTING = "bad_setting"

Z_95 = Decimal("1.96")  # two-sided 95 % quantile of the normal distribution

Participant = Hashable
CostFunction = Callable[[frozenset], Decimal]



class CostSharingError(CodedError):
    """Input that cannot be shared (``code``: one of the module's codes)."""


@dataclass(frozen=True)
class SamplingUncertainty:
    """How far a sampled Shapley value may be from the exact one, per participant (Decimal euros, rounded
    up to the cent): the standard error of the mean of ``samples`` marginal costs, and 1.96 × that, the
    half-width of a 95 % confidence interval. The rounding of the shares to the cent adds at most one
    cent more. Same participants (in the same order), cost function, samples and seed: same result."""

    samples: int
    seed: int
    standard_error: Mapping[Participant, Decimal]
    half_width_95: Mapping[Participant, Decimal]


@dataclass(frozen=True)
class Sharing:
    """``shares`` (in the participants' order, to the cent) add up exactly to ``total``. ``method`` is the
    one applied; ``reason`` says why it is not the one asked for (``ZERO_TOTAL_WEIGHT``), else None;
    ``uncertainty`` is set for a sampled Shapley value."""

    total: Decimal
    shares: Mapping[Participant, Decimal]
    method: str
    reason: str | None = None
    uncertainty: SamplingUncertainty | None = None


@dataclass(frozen=True)
class CoreCheck:
    """Whether some coalition pays more than its stand-alone cost.

    ``exhaustive`` is True when every non-empty coalition was checked; otherwise only
    ``coalitions_checked`` of them were (everyone, each participant alone, all but one, then random
    ones). ``worst_coalition`` is the coalition paying most above its cost, by more than the tolerance
    (ties: the first checked; exhaustively, the smallest then the first in the participants' order),
    ``excess`` what it pays above its cost; None and 0 when no checked coalition does."""

    exhaustive: bool
    coalitions_checked: int
    worst_coalition: frozenset | None
    excess: Decimal

    @property
    def in_core(self) -> bool | None:
        """True: in the core (every coalition checked). False: a coalition would rather leave.
        None: no blocking coalition found, but not every coalition was checked."""
        if self.worst_coalition is not None:
            return False
        return True if self.exhaustive else None


class CoalitionCosts:
    """A characteristic cost function, checked and memoised: each coalition is costed once. The empty
    coalition costs 0 without a call. ``calls`` counts the calls made to the wrapped function."""

    def __init__(self, cost_function: CostFunction):
        self._cost_function = cost_function
        self._costs: dict[frozenset, Decimal] = {}

    @property
    def calls(self) -> int:
        return len(self._costs)

    def __call__(self, coalition: frozenset) -> Decimal:
        coalition = frozenset(coalition)
        if not coalition:
            return Decimal(0)
        cost = self._costs.get(coalition)
        if cost is None:
            cost = _amount(
                self._cost_function(coalition), _("The cost of %(coalition)s cannot be negative (%(value)s)."),
                coalition=_names(coalition),
            )
            self._costs[coalition] = cost
        return cost


def _memoised(cost_function: CostFunction) -> CoalitionCosts:
    return cost_function if isinstance(cost_function, CoalitionCosts) else CoalitionCosts(cost_function)


def _names(coalition) -> str:
    return ", ".join(sorted(map(str, coalition)))


def _participants(participants) -> tuple:
    participants = tuple(participants)
    if not participants:
        raise CostSharingError(NO_PARTICIPANTS, _("There is nobody to share the cost with."))
    seen = set()
    for participant in participants:
        if participant in seen:
            raise CostSharingError(
                DUPLICATE_PARTICIPANT, _("%(participant)s is listed twice."), participant=participant
            )
        seen.add(participant)
    return participants


def _decimal(value) -> Decimal:
    """A finite Decimal (an int is accepted, a float is not)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise TypeError(f"amounts must be Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"amounts must be finite, not {value}")
    return value


def _amount(value, negative_message: str, **params) -> Decimal:
    """A Decimal that cannot be negative; ``negative_message`` says what it is when it is."""
    value = _decimal(value)
    if value < 0:
        raise CostSharingError(NEGATIVE, negative_message, value=value, **params)
    return value


# --- by a key -------------------------------------------------------------------------------------


def proportional(total: Decimal, weights: Mapping[Participant, Decimal]) -> Sharing:
    """Share ``total`` (Decimal, in whole cents, not negative) in proportion to ``weights`` (Decimal or int,
    not negative; its order is the participants' order). A zero weight pays nothing. When every weight is
    zero there is no proportion to follow: the total is split equally (``method`` ``EQUAL``, ``reason``
    ``ZERO_TOTAL_WEIGHT``)."""
    total = _amount(total, _("The cost to share cannot be negative (%(value)s)."))
    if total != total.quantize(CENT):
        raise CostSharingError(NOT_CENTS, _("The cost to share must be in whole cents (%(value)s)."), value=total)
    participants = _participants(weights)
    key = {
        p: Fraction(_amount(weights[p], _("The key of %(participant)s cannot be negative (%(value)s)."), participant=p))
        for p in participants
    }
    weight_sum = sum(key.values())
    if weight_sum == 0:
        exact = {p: Fraction(total) / len(participants) for p in participants}
        return Sharing(total, apportion(total, exact), EQUAL, reason=ZERO_TOTAL_WEIGHT)
    exact = {p: Fraction(total) * key[p] / weight_sum for p in participants}
    return Sharing(total, apportion(total, exact), PROPORTIONAL)


def ton_km(
    kilograms: Mapping[Participant, Decimal], kilometres: Mapping[Participant, Decimal]
) -> dict[Participant, Decimal]:
    """The tonne-kilometres of each participant: its kilograms / 1000 × the kilometres its goods travel.
    Both mappings must name the same participants; the result follows ``kilograms``' order."""
    participants = _participants(kilograms)
    if set(kilometres) != set(participants):
        raise CostSharingError(MISMATCH, _("Every participant needs both a weight and a distance."))
    return {
        p: _amount(kilograms[p], _("The weight of %(participant)s cannot be negative (%(value)s)."), participant=p)
        * _amount(kilometres[p], _("The distance of %(participant)s cannot be negative (%(value)s)."), participant=p)
        / 1000
        for p in participants
    }


def stand_alone_costs(cost_function: CostFunction, participants: Sequence[Participant]) -> dict[Participant, Decimal]:
    """What each participant would pay going alone: ``cost({participant})``."""
    costs = _memoised(cost_function)
    return {p: costs(frozenset((p,))) for p in _participants(participants)}


# --- Shapley value --------------------------------------------------------------------------------


def shapley(
    cost_function: CostFunction,
    participants: Sequence[Participant],
    *,
    max_exact: int = 10,
    samples: int = 1000,
    seed: int = 0,
) -> Sharing:
    """The Shapley value of ``cost_function`` among ``participants``: the total is the grand coalition's
    cost rounded half-up to the cent, shared to the cent.

    Up to ``max_exact`` participants it is exact: every coalition is costed once (2^n − 1 calls), the values
    computed as fractions. Beyond, it is estimated from ``samples`` random orders of arrival drawn with
    ``random.Random(seed)`` (deterministic for a seed), each participant paying its mean marginal cost;
    every order adds up to the grand coalition's cost, so the estimate does too. ``uncertainty`` gives each
    share's standard error and 95 % half-width; they shrink as 1/√samples. Coalition costs are memoised,
    but up to samples × n distinct coalitions may still be costed."""
    participants = _participants(participants)
    if isinstance(max_exact, bool) or not isinstance(max_exact, int) or max_exact < 0:
        raise CostSharingError(BAD_SETTING, _("%(setting)s must be a whole number, 0 or more."), setting="max_exact")
    costs = _memoised(cost_function)
    total = to_cents(costs(frozenset(participants)))
    if len(participants) <= max_exact:
        exact, uncertainty, method = _exact_shapley(costs, participants), None, SHAPLEY_EXACT
    else:
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
            raise CostSharingError(BAD_SETTING, _("%(setting)s must be a whole number, 2 or more."), setting="samples")
        exact, uncertainty = _sampled_shapley(costs, participants, samples, seed)
        method = SHAPLEY_SAMPLED
    return Sharing(total, apportion(total, exact), method, uncertainty=uncertainty)


def _exact_shapley(costs: CoalitionCosts, participants: tuple) -> dict[Participant, Fraction]:
    n = len(participants)
    cost = [Fraction(0)] * (1 << n)  # by bit mask: bit i stands for participants[i]
    for mask in range(1, 1 << n):
        cost[mask] = Fraction(costs(frozenset(p for i, p in enumerate(participants) if mask >> i & 1)))
    # the weight of a coalition of s others: s! (n − s − 1)! / n!
    weight = [Fraction(math.factorial(s) * math.factorial(n - s - 1), math.factorial(n)) for s in range(n)]
    values = {}
    for i, participant in enumerate(participants):
        bit = 1 << i
        values[participant] = sum(
            (weight[mask.bit_count()] * (cost[mask | bit] - cost[mask]) for mask in range(1 << n) if not mask & bit),
            Fraction(0),
        )
    return values


def _sampled_shapley(costs: CoalitionCosts, participants: tuple, samples: int, seed: int):
    rng = random.Random(seed)
    order = list(participants)
    sums = dict.fromkeys(participants, Fraction(0))
    squares = dict.fromkeys(participants, Fraction(0))
    for _sample in range(samples):
        rng.shuffle(order)
        coalition: frozenset = frozenset()
        before = Fraction(0)
        for participant in order:
            coalition = coalition | {participant}
            after = Fraction(costs(coalition))
            sums[participant] += after - before
            squares[participant] += (after - before) ** 2
            before = after
    means = {p: sums[p] / samples for p in participants}
    standard_error = {}
    for p in participants:
        variance_of_mean = (squares[p] - samples * means[p] ** 2) / (samples - 1) / samples
        root = (Decimal(variance_of_mean.numerator) / Decimal(variance_of_mean.denominator)).sqrt()
        standard_error[p] = root.quantize(CENT, rounding=ROUND_CEILING)
    half_width = {p: (standard_error[p] * Z_95).quantize(CENT, rounding=ROUND_CEILING) for p in participants}
    return means, SamplingUncertainty(samples, seed, standard_error, half_width)


# --- stability and savings ------------------------------------------------------------------------


def in_core(
    shares: Mapping[Participant, Decimal],
    cost_function: CostFunction,
    participants: Sequence[Participant],
    *,
    max_exhaustive: int = 12,
    samples: int = 2000,
    seed: int = 0,
    tolerance: Decimal = Decimal(0),
) -> CoreCheck:
    """Whether no coalition pays more than its stand-alone cost plus ``tolerance`` (a few cents forgive the
    rounding: each share may be up to a cent above its exact value).

    Up to ``max_exhaustive`` participants every non-empty coalition is checked (2^n − 1). Beyond, the
    check is partial (``exhaustive`` False): everyone, each participant alone, all but one, and
    ``samples`` coalitions drawn uniformly with ``random.Random(seed)`` (duplicates checked once). Shares
    may be negative (a Shapley value can be, when adding someone lowers a cost)."""
    participants = _participants(participants)
    if set(shares) != set(participants):
        raise CostSharingError(MISMATCH, _("The shares must name exactly the participants."))
    paid = {p: _decimal(shares[p]) for p in participants}
    tolerance = _amount(tolerance, _("The tolerance cannot be negative (%(value)s)."))
    costs = _memoised(cost_function)
    exhaustive = len(participants) <= max_exhaustive
    worst, excess, checked = None, Decimal(0), 0
    for coalition in _coalitions(participants, exhaustive, samples, seed):
        checked += 1
        over = sum((paid[p] for p in coalition), Decimal(0)) - costs(coalition)
        if over > tolerance and over > excess:
            worst, excess = coalition, over
    return CoreCheck(exhaustive, checked, worst, excess)


def _coalitions(participants: tuple, exhaustive: bool, samples: int, seed: int):
    """Distinct non-empty coalitions, the smallest first when exhaustive."""
    if exhaustive:
        for size in range(1, len(participants) + 1):
            for members in itertools.combinations(participants, size):
                yield frozenset(members)
        return
    everyone = frozenset(participants)
    seen = {everyone}
    yield everyone
    for p in participants:
        for coalition in (frozenset((p,)), everyone - {p}):
            if coalition not in seen:
                seen.add(coalition)
                yield coalition
    rng = random.Random(seed)
    for _sample in range(samples):
        coalition = frozenset(p for p in participants if rng.random() < 0.5)
        if coalition and coalition not in seen:
            seen.add(coalition)
            yield coalition


def savings(shares: Mapping[Participant, Decimal], cost_function: CostFunction) -> dict[Participant, Decimal]:
    """Each participant's saving against going alone: its stand-alone cost, rounded half-up to the cent,
    minus its share (negative when it pays more than alone). Follows ``shares``' order."""
    alone = stand_alone_costs(cost_function, list(shares))
    return {p: to_cents(alone[p]) - _decimal(share) for p, share in shares.items()}
