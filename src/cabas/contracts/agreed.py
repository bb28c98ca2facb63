"""Which agreed price of a solidarity contract a cycle's offer takes, as plain Python (no Django import).

A contract runs from its start date (included) to its end date (excluded), as its guarantee does. When a cycle
opens, an offer of a product under contract takes the contract's agreed price if the contract runs on every
distribution day of the cycle. Should two contracts of the club cover the same product then, the one that started
last wins (a renewal replaces the contract it renews); on the same start, the one created last."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Term:
    contract_id: int
    product_id: int
    starts_on: datetime.date  # included
    ends_on: datetime.date  # excluded
    price: Decimal

    def runs_on(self, day: datetime.date) -> bool:
        return self.starts_on <= day < self.ends_on


def agreed_prices(terms: Iterable[Term], days: Iterable[datetime.date]) -> dict[int, Decimal]:
    """Product id -> the agreed price its offer takes in a cycle distributing on ``days`` (no day: none)."""
    days = list(days)
    if not days:
        return {}
    chosen: dict[int, Term] = {}
    for term in terms:
        if not all(term.runs_on(day) for day in days):
            continue
        best = chosen.get(term.product_id)
        if best is None or (term.starts_on, term.contract_id) > (best.starts_on, best.contract_id):
            chosen[term.product_id] = term
    return {product_id: term.price for product_id, term in chosen.items()}
