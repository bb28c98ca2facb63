"""Subscriptions' rules, as plain Python (no Django import): which dates a basket is due, whether a date
may still be skipped, and the payment schedule."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

SINGLE, MONTHLY, QUARTERLY = "single", "monthly", "quarterly"
CENT = Decimal("0.01")


class SkipRefused(ValueError):
    """Why a date cannot be skipped; ``code`` is one of: outside, not_a_distribution, notice, too_many, already."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_skip(
    *, day: datetime.date, starts_on: datetime.date, ends_on: datetime.date, skipped: set[datetime.date],
    max_skips: int, notice_days: int, today: datetime.date, days: Collection[datetime.date] | None = None,
) -> None:
    """Refuse (SkipRefused) a date outside the season, not among the group's distribution ``days`` (when given),
    already skipped, too close, or beyond the skips allowed."""
    if not starts_on <= day <= ends_on:
        raise SkipRefused("outside")
    if days is not None and day not in days:
        raise SkipRefused("not_a_distribution")
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


def season_total(days: Iterable[datetime.date], basket: Mapping[datetime.date, Decimal]) -> Decimal:
    """What the season's baskets come to: each distribution day's basket at that day's prices."""
    return sum((basket[day] for day in days), Decimal("0.00"))


def due_instalments(plan: list[Instalment], *, posted: Mapping[datetime.date, Decimal], today: datetime.date) -> list[Instalment]:
    """The instalments to post today: each one of the plan due on or before ``today`` and not posted yet, for what
    brings the instalments posted up to the plan's total so far. The plan is computed afresh each time (a skipped
    date or a new price changes it): what was posted stays; the next instalment due absorbs the change (it may be
    negative, a credit). An instalment that comes to 0 is not posted (the next one takes it up)."""
    posted_total = sum(posted.values(), Decimal("0.00"))
    target = Decimal("0.00")
    result = []
    for instalment in sorted(plan, key=lambda i: i.due_on):
        target += instalment.amount
        if instalment.due_on > today or instalment.due_on in posted:
            continue
        amount = target - posted_total
        if amount:
            result.append(Instalment(instalment.due_on, amount))
            posted_total += amount
    return result
