"""A group's rhythm of distributions (pure: no Django).

Each group decides how often it distributes — every week, every fortnight, every month (4 weeks), down to three
times a year (17 weeks): its distribution day (the depot's weekday) every ``every_weeks`` weeks, counted from a
first distribution day (``counted_from``; none: every week's distribution day is one, whatever ``every_weeks``
says, until a first day is set)."""

from __future__ import annotations

import datetime

MAX_EVERY_WEEKS = 26


def distribution_days(*, weekday: int, every_weeks: int, counted_from: datetime.date | None,
                      start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The group's distribution days from ``start`` to ``end`` (both included), in order."""
    if not 0 <= weekday <= 6:
        raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
    if not 1 <= every_weeks <= MAX_EVERY_WEEKS:
        raise ValueError(f"every_weeks is 1 to {MAX_EVERY_WEEKS}")
    if end < start:
        return []
    if counted_from is None:
        step = datetime.timedelta(weeks=1)
        first = start + datetime.timedelta(days=(weekday - start.weekday()) % 7)
    else:
        # the first day's own weekday wins (a first day set on another weekday moves the rhythm to it)
        step = datetime.timedelta(weeks=every_weeks)
        periods = -((counted_from - start).days // step.days)  # the smallest k with counted_from + k·step >= start
        first = counted_from + periods * step
    days = []
    while first <= end:
        days.append(first)
        first += step
    return days
