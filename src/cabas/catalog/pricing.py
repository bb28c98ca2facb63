"""A fair price built from the producer's real costs (prix juste), as plain Python (no Django import).

A cost sheet covers one product for one season: what the season costs the producer (inputs, labour as
hours × hourly rate, packaging, transport, overheads, depreciation) and the income the producer needs,
divided by the volume the producer expects to sell. That gives the unit cost excluding VAT; VAT on top
gives the price members pay. Every amount is a Decimal; the unit price is rounded half-up to the cent
once, at the end, and the per-unit composition ("where my euro goes") is rounded so that its parts add
up exactly to that price (largest remainders).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

# The parts of a price, in the order they are shown.
COMPONENTS = ("inputs", "labour", "packaging", "transport", "overheads", "depreciation", "income", "vat")


class CostSheetError(ValueError):
    """A cost sheet that cannot give a price; ``field`` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SeasonCosts:
    """What one season of one product costs the producer, and what it must bring in."""

    inputs: Decimal  # seeds, feed, fertiliser, energy…
    labour_hours: Decimal
    hourly_rate: Decimal
    packaging: Decimal
    transport: Decimal
    overheads: Decimal  # insurance, certification, fees, rent
    depreciation: Decimal  # machines and buildings, the season's share
    income: Decimal  # the producer's income on top of paid labour
    expected_volume: Decimal  # in the product's unit (kg, l, pieces…)
    vat_rate: Decimal  # percent

    @property
    def labour(self) -> Decimal:
        return self.labour_hours * self.hourly_rate

    def season_total(self) -> Decimal:
        """The season's costs and income, excluding VAT."""
        return (
            self.inputs + self.labour + self.packaging + self.transport + self.overheads + self.depreciation + self.income
        )


@dataclass(frozen=True)
class FairPrice:
    unit_cost: Decimal  # excluding VAT, not rounded
    unit_price: Decimal  # including VAT, to the cent: what members pay
    composition: tuple[tuple[str, Decimal], ...]  # (component, amount per unit) summing to unit_price

    def shares(self) -> tuple[tuple[str, Decimal], ...]:
        """Each component as a percentage of the price (one decimal)."""
        if not self.unit_price:
            return tuple((name, Decimal(0)) for name, _ in self.composition)
        return tuple(
            (name, (amount * HUNDRED / self.unit_price).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
            for name, amount in self.composition
        )


def check(costs: SeasonCosts) -> None:
    for name in ("inputs", "labour_hours", "hourly_rate", "packaging", "transport", "overheads", "depreciation", "income"):
        value = getattr(costs, name)
        if not isinstance(value, Decimal):
            raise TypeError(f"{name} must be Decimal, not {type(value).__name__}")
        if value < 0:
            raise CostSheetError(name, "cannot be negative")
    if costs.expected_volume <= 0:
        raise CostSheetError("expected_volume", "must be positive")
    if not 0 <= costs.vat_rate <= 100:
        raise CostSheetError("vat_rate", "must be between 0 and 100")


def fair_price(costs: SeasonCosts) -> FairPrice:
    """The unit cost and the price incl. VAT, with the per-unit composition of that price."""
    check(costs)
    volume = costs.expected_volume
    unit_cost = costs.season_total() / volume
    unit_price = (unit_cost * (HUNDRED + costs.vat_rate) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    exact = {
        "inputs": costs.inputs / volume,
        "labour": costs.labour / volume,
        "packaging": costs.packaging / volume,
        "transport": costs.transport / volume,
        "overheads": costs.overheads / volume,
        "depreciation": costs.depreciation / volume,
        "income": costs.income / volume,
    }
    exact["vat"] = unit_cost * costs.vat_rate / HUNDRED
    return FairPrice(unit_cost=unit_cost, unit_price=unit_price, composition=_split_cents(exact, unit_price))


def _split_cents(exact: Mapping[str, Decimal], total: Decimal) -> tuple[tuple[str, Decimal], ...]:
    """Round each part down to the cent, then hand the cents the rounding left over to the parts with the
    largest remainders (ties in the order of COMPONENTS), so the parts add up exactly to ``total``."""
    floors = {name: exact[name].quantize(CENT, rounding=ROUND_DOWN) for name in COMPONENTS}
    # The floors never exceed the exact price, so never the price rounded half-up either: 0 to 8 cents.
    left = int((total - sum(floors.values())) / CENT)
    order = sorted(COMPONENTS, key=lambda name: (-(exact[name] - floors[name]), COMPONENTS.index(name)))
    for name in order[:left]:
        floors[name] += CENT
    return tuple((name, floors[name]) for name in COMPONENTS)
