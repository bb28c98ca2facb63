"""Sharing the group's work fairly (pure: no Django).

Each household has a yearly target (hours), set by its group or club and possibly reduced or waived for a
household who cannot (health, a solidarity tariff…). What it has *done* counts only once a coordinator has
confirmed it came; what it has *planned* are its shifts not yet confirmed. Its *due* is what remains of the
target once both are counted.

When a shift lacks people, the suggestion proposes the households furthest below their target: the largest
remaining due first, then the fewest hours done, then the one who signed up least recently (its id as the last
tie-break, so that the order is total and the same every time)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0")


@dataclass(frozen=True)
class Balance:
    household_id: int
    target: Decimal
    done: Decimal = ZERO
    planned: Decimal = ZERO

    @property
    def due(self) -> Decimal:
        """Hours still to be found: never negative (a household above its target owes nothing more)."""
        return max(ZERO, self.target - self.done - self.planned)

    @property
    def gap(self) -> Decimal:
        """Target minus everything done or planned: negative when the household does more than its share."""
        return self.target - self.done - self.planned

    @property
    def exempt(self) -> bool:
        return self.target <= ZERO

    @property
    def progress(self) -> Decimal | None:
        """Done as a share of the target (0–1, may pass 1); None for a household with no target."""
        return None if self.exempt else self.done / self.target


def balances(targets: dict[int, Decimal], done: dict[int, Decimal], planned: dict[int, Decimal]) -> list[Balance]:
    """One balance per household of ``targets`` (hours done and planned default to zero), ordered as the
    coordinator reads them: those who have done least compared with their target first."""
    rows = [Balance(h, Decimal(t), Decimal(done.get(h, ZERO)), Decimal(planned.get(h, ZERO))) for h, t in targets.items()]
    return sorted(rows, key=_least_done_first)


def _least_done_first(b: Balance):
    # exempt households last; then the lowest share of the target done; then the most hours still due
    return (b.exempt, b.progress if b.progress is not None else ZERO, -b.due, b.household_id)


def suggest(rows: Iterable[Balance], needed: int, *, exclude: Iterable[int] = (),
            last_signed_up: dict[int, int] | None = None) -> list[int]:
    """The ``needed`` households to propose for a shift: not excluded (already on it, away), not exempt,
    furthest below their target first. ``last_signed_up`` maps a household to an increasing number (the
    ordinal of its latest sign-up): among equals, the one who signed up longest ago comes first."""
    if needed <= 0:
        return []
    excluded = set(exclude)
    last = last_signed_up or {}
    eligible = [b for b in rows if b.household_id not in excluded and not b.exempt]
    eligible.sort(key=lambda b: (-b.gap, b.done, last.get(b.household_id, -1), b.household_id))
    return [b.household_id for b in eligible[:needed]]
