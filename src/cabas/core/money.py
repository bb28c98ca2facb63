"""Money arithmetic for Cabas: Decimal only, rounded to the cent half-up.

Prices in Cabas are the prices members pay, VAT included (prix TTC). The amount excluding VAT and the
VAT itself are derived per VAT rate, as a French invoice shows them. No Django import here.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def to_cents(value: Decimal) -> Decimal:
    """Round a Decimal amount to the cent, half-up (the commercial rule)."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """The amount of one order line: quantity × unit price, rounded to the cent."""
    return to_cents(quantity * unit_price)


def amount_excluding_vat(amount_incl_vat: Decimal, vat_rate: Decimal) -> Decimal:
    """The part of a VAT-inclusive amount that is not VAT. `vat_rate` is in percent (5.5 for 5.5 %)."""
    return to_cents(amount_incl_vat * HUNDRED / (HUNDRED + vat_rate))


@dataclass(frozen=True)
class VatRow:
    rate: Decimal
    amount_incl_vat: Decimal
    amount_excl_vat: Decimal
    vat: Decimal


@dataclass(frozen=True)
class VatBreakdown:
    rows: tuple[VatRow, ...]

    @property
    def amount_incl_vat(self) -> Decimal:
        return sum((row.amount_incl_vat for row in self.rows), ZERO)

    @property
    def amount_excl_vat(self) -> Decimal:
        return sum((row.amount_excl_vat for row in self.rows), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((row.vat for row in self.rows), ZERO)


def vat_breakdown(amounts: Iterable[tuple[Decimal, Decimal]]) -> VatBreakdown:
    """Group (vat_rate, amount_incl_vat) pairs by rate; VAT is computed once per rate on its total.

    Computing per rate rather than per line keeps the VAT of a document equal to what an accountant
    computes from its totals, and excl. + VAT always equals the VAT-inclusive total exactly.
    """
    totals: dict[Decimal, Decimal] = {}
    for rate, amount in amounts:
        key = rate.normalize() if rate else Decimal(0)
        totals[key] = totals.get(key, ZERO) + amount
    rows = []
    for rate in sorted(totals):
        incl = to_cents(totals[rate])
        excl = amount_excluding_vat(incl, rate)
        rows.append(VatRow(rate=rate, amount_incl_vat=incl, amount_excl_vat=excl, vat=incl - excl))
    return VatBreakdown(rows=tuple(rows))


def apportion(total: Decimal, exact: Mapping[Hashable, Fraction]) -> dict[Hashable, Decimal]:
    """Round exact values to the cent so that they add up to ``total``: each rounded down, the cents left
    over one each to the largest remainders (ties in ``exact``'s order). ``exact`` adds up to ``total``
    (or to an amount that ``total`` rounds half-up), so each result is within a cent of its exact value."""
    keys = list(exact)
    in_cents = [exact[k] * 100 for k in keys]
    cents = [math.floor(value) for value in in_cents]
    left = int(to_cents(total) / CENT) - sum(cents)
    for i in sorted(range(len(keys)), key=lambda i: (cents[i] - in_cents[i], i))[:left]:
        cents[i] += 1
    return {k: Decimal(c).scaleb(-2) for k, c in zip(keys, cents)}


def split_cents(total: Decimal, weights: Mapping[Hashable, Decimal]) -> dict[Hashable, Decimal]:
    """Share ``total`` (to the cent) in proportion to ``weights`` (not negative), adding up exactly to it
    (``apportion``). All weights zero: an error unless ``total`` is 0."""
    if any(weights[k] < 0 for k in weights):
        raise ValueError("weights are never negative")
    weight_sum = sum((Fraction(weights[k]) for k in weights), Fraction(0))
    if weight_sum == 0:
        if total:
            raise ValueError("cannot share an amount among no weight")
        return {k: ZERO for k in weights}
    return apportion(total, {k: Fraction(to_cents(total)) * Fraction(weights[k]) / weight_sum for k in weights})
