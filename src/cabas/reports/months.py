"""Months of a period, a guarantee spread over them, a waiting list counted at each month's end: plain Python
(no Django import)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def months_back(day: datetime.date, count: int) -> datetime.date:
    """The first day of the month ``count`` months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first day of each month from ``start``'s to ``end``'s, both included."""
    result, cursor = [], month_start(start)
    while cursor <= end:
        result.append(cursor)
        cursor = next_month(cursor)
    return result


def spread(amounts: Iterable[tuple[datetime.date, datetime.date, Decimal]], start: datetime.date,
           end: datetime.date) -> dict[datetime.date, Decimal]:
    """Amounts owed over spans (start included, end excluded) spread over the months of [start, end] in proportion
    of their days: a weekly guarantee adds up within its months, a yearly one is cut in twelfths by the days.
    Only the days within the period count. Rounded to the cent per month."""
    result = {month: Decimal(0) for month in months(start, end)}
    last = end + datetime.timedelta(days=1)
    for span_start, span_end, amount in amounts:
        days = (span_end - span_start).days
        if days <= 0:
            continue
        cursor = max(span_start, start)
        stop = min(span_end, last)
        while cursor < stop:
            month_end = min(next_month(cursor), stop)
            result[month_start(cursor)] += amount * (month_end - cursor).days / days
            cursor = month_end
    return {month: value.quantize(CENT, rounding=ROUND_HALF_UP) for month, value in result.items()}


def waiting_at_month_ends(applications: Iterable[tuple[datetime.date, datetime.date | None]], start: datetime.date,
                          end: datetime.date, today: datetime.date) -> dict[datetime.date, int]:
    """How many applications waited at the end of each month of the period (on ``today`` for the current month):
    applied on or before that day, not decided by then. ``applications`` are (applied on, decided on or None)."""
    rows = list(applications)
    result = {}
    for month in months(start, end):
        day = min(next_month(month) - datetime.timedelta(days=1), today)
        result[month] = sum(1 for applied, decided in rows if applied <= day and (decided is None or decided > day))
    return result
