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


# --- a group's other pickup places -------------------------------------------------------------------------
# The goods arrive at the depot; a group's other place hands them out the same day or up to a week later.

MAX_PICKUP_OFFSET = 6


def pickup_day(distribution_day: datetime.date, day_offset: int) -> datetime.date:
    """The day households collect at a place handing out ``day_offset`` days after the depot's distribution."""
    if not 0 <= day_offset <= MAX_PICKUP_OFFSET:
        raise ValueError(f"day_offset is 0 to {MAX_PICKUP_OFFSET}")
    return distribution_day + datetime.timedelta(days=day_offset)


def pickup_weekday(depot_weekday: int, day_offset: int) -> int:
    """The weekday of a place handing out ``day_offset`` days after the depot's distribution weekday."""
    if not 0 <= depot_weekday <= 6:
        raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
    if not 0 <= day_offset <= MAX_PICKUP_OFFSET:
        raise ValueError(f"day_offset is 0 to {MAX_PICKUP_OFFSET}")
    return (depot_weekday + day_offset) % 7
