"""The solidarity fund's rules for one cycle, as plain Python (no Django import).

Households on a solidarity tariff pay less; the fund pays the difference, so the producer always
receives the full price. Households on the standard tariff may add a contribution (a percentage of
their order, or rounding it up to the next euro). The fund never goes negative: when what it holds
(plus this cycle's contributions) cannot cover the cycle's discounts, every discount is scaled down
by one uniform factor — nobody is favoured — and the cents that rounding down leaves stay in the fund.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal

from cabas.core.money import split_cents

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class HouseholdOrder:
    household: Hashable
    amount: Decimal  # what the household's allocation costs at full price, incl. VAT
    discount_rate: Decimal = ZERO  # percent; 0 on the standard tariff
    # the household's own choice of contribution (None: the plan's default)
    contribution_percent: Decimal | None = None
    round_up: bool | None = None


@dataclass(frozen=True)
class Plan:
    factor: Decimal  # 1 when the fund covers every discount, else the uniform scaling (available / wanted)
    wanted: dict  # household -> the discount its tariff gives
    discounts: dict  # household -> the discount it gets
    contributions: dict  # household -> its solidarity contribution
    available: Decimal  # the fund before the cycle, plus the cycle's contributions
    rates: dict  # household -> its tariff's discount rate (percent), for those on a solidarity tariff

    @property
    def scaled(self) -> bool:
        return self.factor < 1

    @property
    def percent(self) -> Decimal:
        """The share of each discount that is given, in percent, one decimal (rounded down)."""
        return (self.factor * HUNDRED).quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @property
    def total_discounts(self) -> Decimal:
        return sum(self.discounts.values(), ZERO)

    @property
    def total_contributions(self) -> Decimal:
        return sum(self.contributions.values(), ZERO)


def contribution(amount: Decimal, *, percent: Decimal | None = None, round_up: bool = False) -> Decimal:
    """A standard household's solidarity contribution on an order of ``amount``."""
    if amount <= 0:
        return ZERO
    if round_up:
        return amount.quantize(Decimal(1), rounding=ROUND_CEILING) - amount
    if percent:
        return (amount * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return ZERO


def plan(
    orders: Iterable[HouseholdOrder], *, fund: Decimal, contribution_percent: Decimal | None = None, round_up: bool = False,
) -> Plan:
    """The cycle's discounts and contributions, the discounts scaled if the fund cannot cover them."""
    orders = list(orders)
    for order in orders:
        if order.amount < 0 or not ZERO <= order.discount_rate <= HUNDRED:
            raise ValueError(f"household {order.household}: an amount is not negative and a discount is 0–100 %")
    if fund < 0:
        raise ValueError("the fund is never negative")
    contributions = {
        o.household: c for o in orders if not o.discount_rate
        for c in [contribution(
            o.amount,
            percent=contribution_percent if o.contribution_percent is None else o.contribution_percent,
            round_up=round_up if o.round_up is None else o.round_up,
        )] if c
    }
    available = fund + sum(contributions.values(), ZERO)
    wanted = {
        o.household: (o.amount * o.discount_rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
        for o in orders if o.discount_rate and o.amount
    }
    rates = {o.household: o.discount_rate for o in orders if o.discount_rate}
    total = sum(wanted.values(), ZERO)
    if total <= available:
        return Plan(Decimal(1), wanted, dict(wanted), contributions, available, rates)
    factor = available / total  # exact to 28 digits: rounding each discount down to the cent keeps the sum within the fund
    discounts = {h: (w * factor).quantize(CENT, rounding=ROUND_DOWN) for h, w in wanted.items()}
    return Plan(factor, wanted, discounts, contributions, available, rates)


def guarantee_contributions(
    amounts: Mapping[Hashable, Decimal], *, percent: Decimal = ZERO, fixed: Decimal = ZERO,
) -> dict:
    """What each household adds to the guarantee fund this cycle: ``percent`` of its order, plus its share
    of a ``fixed`` amount per cycle split in proportion to the orders (to the cent, adding up exactly).
    Households with nothing allocated pay nothing."""
    if percent < 0 or fixed < 0:
        raise ValueError("guarantee contributions are never negative")
    ordering = {h: a for h, a in amounts.items() if a > 0}
    result = {h: (a * percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP) for h, a in ordering.items()}
    if fixed and ordering:
        for h, share in split_cents(fixed, ordering).items():
            result[h] += share
    return {h: c for h, c in result.items() if c}
