"""Where to send a household that applies to a full group, as plain Python (no Django import): the
club's other groups that have room, nearest depot first (great-circle distance from the group the
household chose, or from the household's own coordinates when it gave them)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from cabas.core.geo import great_circle_km


@dataclass(frozen=True)
class GroupPlace:
    group: Hashable
    name: str
    latitude: Decimal | None
    longitude: Decimal | None
    capacity: int | None  # households; None: no limit
    members: int  # households now
    waiting: int = 0  # households already waiting for it

    @property
    def room(self) -> int | None:
        """Places left (None: unlimited)."""
        return None if self.capacity is None else max(self.capacity - self.members, 0)

    @property
    def is_full(self) -> bool:
        return self.room == 0


@dataclass(frozen=True)
class Referral:
    group: Hashable
    name: str
    km: float | None  # None when a depot has no coordinates (listed last)
    room: int | None


def referrals(chosen: GroupPlace, others: Iterable[GroupPlace], *, origin: tuple[Decimal, Decimal] | None = None,
              limit: int = 5) -> list[Referral]:
    """The groups with room, nearest first; ties by name. Empty when the chosen group has room."""
    if not chosen.is_full:
        return []
    lat, lon = origin if origin is not None else (chosen.latitude, chosen.longitude)
    result = []
    for place in others:
        if place.group == chosen.group or place.is_full:
            continue
        km = None
        if lat is not None and lon is not None and place.latitude is not None and place.longitude is not None:
            km = round(great_circle_km(lat, lon, place.latitude, place.longitude), 1)
        result.append(Referral(place.group, place.name, km, place.room))
    result.sort(key=lambda r: (r.km is None, r.km or 0.0, r.name))
    return result[:limit]


def queue_position(applied_at: Iterable[tuple[Hashable, object]], household: Hashable) -> int | None:
    """A household's place in a group's waitlist (1 = next), first come first served; None if absent."""
    order = [h for h, _at in sorted(applied_at, key=lambda pair: (pair[1], str(pair[0])))]
    return order.index(household) + 1 if household in order else None
