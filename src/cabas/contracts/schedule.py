"""Subscriptions' rules, as plain Python (no Django import): which dates a basket is due, whether a date
may still be skipped, and the payment schedule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

SINGLE, MONTHLY, QUARTERLY = "single", "monthly", "quarterly"
CENT = Decimal("0.01")


class SkipRefused(ValueError):
    """Why a date cannot be skipped; ``code`` is one of: outside, notice, too_many, already."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_skip(
    *, day: datetime.date, starts_on: datetime.date, ends_on: datetime.date, skipped: set[datetime.date],
    max_skips: int, notice_days: int, today: datetime.date,
) -> None:
    if not starts_on <= day <= ends_on:
        raise SkipRefused("outside")
    if day in skipped:
        raise SkipRefused("already")
    if (day - today).days < notice_days:
        raise SkipRefused("notice")
    if len(skipped) >= max_skips:
        raise SkipRefused("too_many")


def basket_due(*, day: datetime.date, starts_on: datetime.date, ends_on: datetime.date, skipped: set[datetime.date]) -> bool:
    """Whether the basket goes into the order of a distribution on ``day``."""
    return starts_on <= day <= ends_on and day not in skipped


@dataclass(frozen=True)
class Instalment:
    due_on: datetime.date
    amount: Decimal


def _month_starts(start: datetime.date, end: datetime.date, step: int) -> list[datetime.date]:
    days, year, month = [], start.year, start.month
    while datetime.date(year, month, 1) <= end:
        days.append(datetime.date(year, month, 1))
        month += step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return days


def instalments(total: Decimal, *, schedule: str, starts_on: datetime.date, ends_on: datetime.date) -> list[Instalment]:
    """The season's total split into instalments due at the start of each month or quarter of the season
    (the first one on its first day), in cents, the odd cents on the first instalments."""
    if not isinstance(total, Decimal) or total < 0:
        raise ValueError("the total must be a Decimal, not negative")
    if schedule == SINGLE:
        dates = [starts_on]
    elif schedule in (MONTHLY, QUARTERLY):
        dates = _month_starts(starts_on, ends_on, 1 if schedule == MONTHLY else 3)
        dates[0] = starts_on
    else:
        raise ValueError(f"unknown payment schedule {schedule!r}")
    cents = int((total / CENT).to_integral_value())
    base, extra = divmod(cents, len(dates))
    return [Instalment(day, (base + (1 if i < extra else 0)) * CENT) for i, day in enumerate(dates)]
