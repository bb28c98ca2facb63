"""What a survey's answers say about a proposed product, as plain Python (no Django import).

The monthly volume is projected two ways: what the households who answered "yes" said they would
buy (committed), plus half of what the "maybe" said (likely); and that likely volume extrapolated to
every household of the club at the same rate (the households who did not answer are assumed to
behave like those who did). Each is compared with the producer's monthly viability threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

YES, MAYBE, NO = "yes", "maybe", "no"
HALF = Decimal("0.5")


@dataclass(frozen=True)
class Answer:
    interest: str
    quantity_per_month: Decimal
    acceptable_price: Decimal | None = None


@dataclass(frozen=True)
class Projection:
    answers: int
    households: int  # in the club
    yes: int
    maybe: int
    no: int
    committed: Decimal  # monthly volume of the "yes"
    likely: Decimal  # committed + half of the "maybe"
    extrapolated: Decimal  # likely, scaled to every household of the club
    threshold: Decimal
    median_price: Decimal | None  # of the acceptable prices given
    price_accepted_by: int | None  # percent of prices given at or above the proposed price

    @property
    def committed_reaches(self) -> bool:
        return self.committed >= self.threshold

    @property
    def extrapolated_reaches(self) -> bool:
        return self.extrapolated >= self.threshold

    @property
    def percent_of_threshold(self) -> int:
        return int((self.likely * 100 / self.threshold).to_integral_value(rounding=ROUND_HALF_UP)) if self.threshold else 100


def _median(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    values = sorted(values)
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return ((values[middle - 1] + values[middle]) / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def project(
    answers: Iterable[Answer], *, households: int, threshold: Decimal, proposed_price: Decimal | None = None
) -> Projection:
    answers = list(answers)
    yes = [a for a in answers if a.interest == YES]
    maybe = [a for a in answers if a.interest == MAYBE]
    committed = sum((a.quantity_per_month for a in yes), Decimal(0))
    likely = committed + HALF * sum((a.quantity_per_month for a in maybe), Decimal(0))
    scale = Decimal(max(households, len(answers))) / len(answers) if answers else Decimal(0)
    extrapolated = (likely * scale).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    prices = [a.acceptable_price for a in answers if a.acceptable_price is not None and a.interest != NO]
    accepted = None
    if proposed_price is not None and prices:
        accepted = round(100 * sum(1 for p in prices if p >= proposed_price) / len(prices))
    return Projection(
        answers=len(answers), households=households, yes=len(yes), maybe=len(maybe),
        no=sum(1 for a in answers if a.interest == NO), committed=committed, likely=likely,
        extrapolated=extrapolated, threshold=threshold, median_price=_median(prices), price_accepted_by=accepted,
    )
