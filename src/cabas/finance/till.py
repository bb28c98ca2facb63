"""A depot's till for one distribution, as plain Python (no Django import): what a household owes for the
cycle, what was taken at the depot by method, the cash the box should hold, and the difference with what the
volunteer counted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from cabas.core.numbers import parse_decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("100000")
DEPOT_METHODS = ("cash", "cheque", "card")  # what a depot takes; transfers reach the bank, not the depot


@dataclass(frozen=True)
class Taking:
    """One payment taken at the depot."""

    method: str  # "cash" | "cheque" | "card"
    amount: Decimal
    # paid to a producer directly (a cheque made out to it, or cash or card handed to a producer who
    # distributes itself): it never enters the club's cash box or bank
    to_producer: bool = False


@dataclass(frozen=True)
class Takings:
    cash: Decimal  # what the club's cash box should have received
    cheques: Decimal  # cheques to the club
    cards: Decimal  # card payments to the club
    to_producers: Decimal  # whatever households paid producers directly

    @property
    def total(self) -> Decimal:
        return self.cash + self.cheques + self.cards + self.to_producers


def takings(items: Iterable[Taking]) -> Takings:
    """What a distribution took, by where the money went."""
    cash = cheques = cards = to_producers = ZERO
    for item in items:
        if item.to_producer:
            to_producers += item.amount
        elif item.method == "cash":
            cash += item.amount
        elif item.method == "cheque":
            cheques += item.amount
        else:
            cards += item.amount
    return Takings(cash=cash, cheques=cheques, cards=cards, to_producers=to_producers)


def owed_for_cycle(goods: Decimal, funds_net: Decimal) -> Decimal:
    """What a household pays for a cycle: its goods at full price, plus what the funds change (a solidarity
    discount lowers it, a contribution raises it) — what its invoice's amount due says."""
    return goods + funds_net


def cash_difference(counted: Decimal, expected: Decimal) -> Decimal:
    """Counted less expected: negative when cash is missing from the box, positive when there is too much."""
    return counted - expected


def read_counted(raw: object) -> Decimal | None:
    """The cash counted as typed ("182,50", "0"), or None unless it is 0 or more, to the cent, below 100 000."""
    value = raw if isinstance(raw, Decimal) else parse_decimal(raw, grouped=True)
    if value is None or value < 0 or value >= MAX_AMOUNT or value != value.quantize(CENT):
        return None
    return value.quantize(CENT)
