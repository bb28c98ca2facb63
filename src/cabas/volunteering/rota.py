"""The drivers' rota (pure: no Django): pooled rounds driven in turn by producers or members, balanced over
a season.

Each turn is a (date, slot) to drive; each driver may be away on some dates. Turns are filled in date order,
each by the available driver who has driven least so far (turns from before the season count), then the one
whose last turn is oldest, then the order in which drivers are listed. A driver never takes two turns on the
same day while another available driver has none that day.

When every driver is available for every turn, the difference in turns between any two drivers is at most one
over the season (with no earlier turns): each turn goes to one of those with fewest turns."""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from cabas.core.errors import CodedError, translatable as _


@dataclass(frozen=True)
class Turn:
    key: Hashable  # the shift (or any id) the turn stands for
    date: datetime.date


def plan_rota(turns: Sequence[Turn], drivers: Sequence[Hashable], *,
              away: dict[Hashable, Iterable[datetime.date]] | None = None,
              earlier: dict[Hashable, int] | None = None) -> dict[Hashable, Hashable | None]:
    """Who drives each turn: ``{turn.key: driver}``; None for a turn no driver is available for."""
    if len(set(drivers)) != len(drivers):
        raise CodedError("duplicate_driver", _("A driver is listed twice in the rota."))
    if len({t.key for t in turns}) != len(turns):
        raise CodedError("duplicate_turn", _("A turn is listed twice in the rota."))
    unavailable = {d: set(days) for d, days in (away or {}).items()}
    count = {d: (earlier or {}).get(d, 0) for d in drivers}
    last: dict[Hashable, datetime.date | None] = {d: None for d in drivers}
    rank = {d: i for i, d in enumerate(drivers)}
    on_day: dict[datetime.date, set] = {}
    chosen: dict[Hashable, Hashable | None] = {}
    for turn in sorted(turns, key=lambda t: (t.date, rank_key(t.key))):
        free = [d for d in drivers if turn.date not in unavailable.get(d, ())]
        busy = on_day.setdefault(turn.date, set())
        fresh = [d for d in free if d not in busy] or free
        if not fresh:
            chosen[turn.key] = None
            continue
        driver = min(fresh, key=lambda d: (count[d], last[d] or datetime.date.min, rank[d]))
        chosen[turn.key] = driver
        count[driver] += 1
        last[driver] = turn.date
        busy.add(driver)
    return chosen


def rank_key(key: Hashable):
    """Turns of the same day in a stable order whatever their key's type."""
    return (type(key).__name__, str(key))


def turn_counts(assignment: dict[Hashable, Hashable | None], drivers: Sequence[Hashable]) -> dict[Hashable, int]:
    counts = {d: 0 for d in drivers}
    for driver in assignment.values():
        if driver is not None:
            counts[driver] = counts.get(driver, 0) + 1
    return counts
