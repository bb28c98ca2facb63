"""What a cycle's closing computes, as plain Python (no Django import).

Input: every order line of the cycle. Output: what each household receives with its amount, each
household's totals with VAT per rate, each producer's totals, and each depot's totals. The
persistence layer (`ordering.services.close_cycle`) reads the lines in one query, calls `close`,
and writes the result in bulk.

In this first version every line is served as ordered; the allocation engine (packs, thresholds,
supply caps, rationing) replaces `allocate` without changing the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from cabas.core.money import VatBreakdown, line_amount, vat_breakdown


@dataclass(frozen=True)
class OrderedLine:
    household_id: int
    group_id: int
    offer_id: int
    producer_id: int
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class AllocatedLine:
    household_id: int
    group_id: int
    offer_id: int
    producer_id: int
    quantity_ordered: Decimal
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    amount_incl_vat: Decimal


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

    def household(self, household_id: int) -> Totals | None:
        return next((t for t in self.households if t.key == household_id), None)


def allocate(lines: Sequence[OrderedLine]) -> list[AllocatedLine]:
    """Every line as ordered, priced at the cycle's frozen unit price."""
    return [
        AllocatedLine(
            household_id=line.household_id,
            group_id=line.group_id,
            offer_id=line.offer_id,
            producer_id=line.producer_id,
            quantity_ordered=line.quantity,
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            amount_incl_vat=line_amount(line.quantity, line.unit_price),
        )
        for line in lines
        if line.quantity > 0
    ]


def totals_by(allocations: Iterable[AllocatedLine], key: str) -> tuple[Totals, ...]:
    """Group allocated lines by one of their id attributes and total each group, VAT per rate."""
    buckets: dict[int, list[AllocatedLine]] = defaultdict(list)
    for allocation in allocations:
        buckets[getattr(allocation, key)].append(allocation)
    return tuple(
        Totals(
            key=bucket_key,
            line_count=len(members),
            member_count=len({a.household_id for a in members}),
            vat=vat_breakdown((a.vat_rate, a.amount_incl_vat) for a in members),
        )
        for bucket_key, members in sorted(buckets.items())
    )


def close(lines: Iterable[OrderedLine]) -> ClosingResult:
    ordered = sorted(lines, key=lambda l: (l.group_id, l.household_id, l.offer_id))
    allocations = tuple(allocate(ordered))
    return ClosingResult(
        allocations=allocations,
        households=totals_by(allocations, "household_id"),
        producers=totals_by(allocations, "producer_id"),
        groups=totals_by(allocations, "group_id"),
    )
