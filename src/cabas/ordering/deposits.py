"""Returnable containers and their deposits, by arithmetic alone (no Django): how many containers a household
receives with its allocations, the deposit it is charged for them, what it still holds once it has brought some
back, and whether a count of returns is possible.

A product carries one kind of container per order step (``containers_per_step`` of them: a jar per yoghurt, four
per pack of four); the offer of a cycle freezes the container and its deposit. An allocation is a whole number of
order steps; a quantity off the step (old data) counts its last, partial step as a whole one: it still came in a
container.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_CEILING, Decimal
from typing import NamedTuple

ZERO = Decimal("0.00")

Key = tuple[int, int]  # (household id, container id)


class ChargedLine(NamedTuple):
    """One allocation of an offer that comes in returnable containers."""

    household_id: int
    container_id: int
    quantity: Decimal
    order_step: Decimal
    containers_per_step: int
    deposit: Decimal


class ReturnProblem(NamedTuple):
    household_id: int
    container_id: int
    typed: int
    held: int  # the most this household can bring back here


def containers(quantity: Decimal, order_step: Decimal, containers_per_step: int = 1) -> int:
    """The containers ``quantity`` comes in: its order steps (the last partial one counted whole) times the
    containers per step; none for a quantity of 0 or less."""
    if quantity <= 0:
        return 0
    steps = (Decimal(quantity) / Decimal(order_step)).to_integral_value(rounding=ROUND_CEILING)
    return int(steps) * int(containers_per_step)


def counted(lines: Iterable[ChargedLine]) -> dict[Key, int]:
    """Containers per (household, container) over the lines."""
    counts: dict[Key, int] = defaultdict(int)
    for line in lines:
        n = containers(line.quantity, line.order_step, line.containers_per_step)
        if n:
            counts[(line.household_id, line.container_id)] += n
    return dict(counts)


def charges(lines: Iterable[ChargedLine]) -> dict[int, Decimal]:
    """The deposit each household is charged for the containers of the lines (households owing nothing are left
    out): containers × each line's frozen deposit, in cents."""
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        n = containers(line.quantity, line.order_step, line.containers_per_step)
        if n:
            amounts[line.household_id] += (n * Decimal(line.deposit)).quantize(ZERO)
    return {h: amount for h, amount in amounts.items() if amount}


def refunds(returned: Mapping[Key, int], deposits: Mapping[Key, Decimal]) -> dict[int, Decimal]:
    """What each household gets back for the containers it returned: count × the deposit of that return."""
    amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for key, count in returned.items():
        if count:
            amounts[key[0]] += (count * Decimal(deposits[key])).quantize(ZERO)
    return {h: amount for h, amount in amounts.items() if amount}


def balances(charged: Mapping[Key, int], returned: Mapping[Key, int]) -> dict[Key, int]:
    """Containers each household still holds, per container (charged − returned; zero balances left out)."""
    keys = set(charged) | set(returned)
    held = {key: charged.get(key, 0) - returned.get(key, 0) for key in keys}
    return {key: n for key, n in held.items() if n}


def per_container(counts: Mapping[Key, int]) -> dict[int, int]:
    """The counts added up per container, whoever they belong to (a depot's balance)."""
    totals: dict[int, int] = defaultdict(int)
    for (_household, container), n in counts.items():
        totals[container] += n
    return {c: n for c, n in totals.items() if n}


def check_returns(typed: Mapping[Key, int], charged: Mapping[Key, int],
                  returned_elsewhere: Mapping[Key, int]) -> list[ReturnProblem]:
    """The counts that cannot be: a household brings back at most what it was charged for, less what it returned
    at other distributions (a count here replaces this distribution's earlier one). Negative counts are refused."""
    problems = []
    for key, count in sorted(typed.items()):
        held = charged.get(key, 0) - returned_elsewhere.get(key, 0)
        if count < 0 or count > max(held, 0):
            problems.append(ReturnProblem(key[0], key[1], count, max(held, 0)))
    return problems
