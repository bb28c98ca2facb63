"""Purchase guarantee of a solidarity contract, as plain Python (no Django import).

A contract runs from its start date (included) to its end date (excluded) in periods: weeks counted from
the start date, calendar months, or years counted from the start date; the first and last periods are
cut to the contract. The club commits to buy at least the guarantee in each period (a value in € or a
volume in the contract's unit). A period cut short owes the guarantee in proportion of its days.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WEEKLY, MONTHLY, YEARLY = "weekly", "monthly", "yearly"


@dataclass(frozen=True)
class Period:
    start: datetime.date  # included
    end: datetime.date  # excluded
    full_days: int  # the days of the whole period (a cut period owes its share)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True)
class PeriodProgress:
    period: Period
    guaranteed: Decimal
    purchased: Decimal
    ended: bool

    @property
    def percent(self) -> int:
        """Progress towards the guarantee, in whole percent (may exceed 100)."""
        if not self.guaranteed:
            return 100
        return int((self.purchased * 100 / self.guaranteed).to_integral_value(rounding=ROUND_HALF_UP))

    @property
    def shortfall(self) -> Decimal:
        """What the club did not buy of its guarantee, once the period has ended (0 before)."""
        return max(self.guaranteed - self.purchased, Decimal(0)) if self.ended else Decimal(0)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, 1)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def periods(start: datetime.date, end: datetime.date, frequency: str) -> list[Period]:
    if end <= start:
        raise ValueError("a contract must end after it starts")
    result = []
    if frequency == WEEKLY:
        cursor = start
        while cursor < end:
            nxt = cursor + datetime.timedelta(days=7)
            result.append(Period(cursor, min(nxt, end), 7))
            cursor = nxt
    elif frequency == MONTHLY:
        month_start = start.replace(day=1)
        while month_start < end:
            nxt = _add_months(month_start, 1)
            result.append(Period(max(month_start, start), min(nxt, end), (nxt - month_start).days))
            month_start = nxt
    elif frequency == YEARLY:
        cursor, n = start, 1
        while cursor < end:
            nxt = _add_years(start, n)
            result.append(Period(cursor, min(nxt, end), (nxt - cursor).days))
            cursor, n = nxt, n + 1
    else:
        raise ValueError(f"unknown frequency {frequency!r}")
    return result


def owed(guarantee: Decimal, period: Period) -> Decimal:
    """The guarantee due for a period, in proportion of its days when the contract cuts it (3 decimals)."""
    if period.days == period.full_days:
        return guarantee
    return (guarantee * period.days / period.full_days).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def progress(
    *,
    start: datetime.date,
    end: datetime.date,
    frequency: str,
    guarantee: Decimal,
    purchases: Iterable[tuple[datetime.date, Decimal]],
    today: datetime.date,
) -> list[PeriodProgress]:
    """Each period's guarantee against what was bought in it (purchases dated by their cycle's distribution).

    A period has ended when ``today`` is on or after its end."""
    spans = periods(start, end, frequency)
    bought = [Decimal(0)] * len(spans)
    for day, amount in purchases:
        for i, span in enumerate(spans):
            if span.contains(day):
                bought[i] += amount
                break
    return [
        PeriodProgress(period=span, guaranteed=owed(guarantee, span), purchased=bought[i], ended=today >= span.end)
        for i, span in enumerate(spans)
    ]


def current(rows: list[PeriodProgress], today: datetime.date) -> PeriodProgress | None:
    return next((row for row in rows if row.period.contains(today)), None)
