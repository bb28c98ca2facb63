"""The catalogue pages' rules, pure (no Django): where a row goes when it is moved in a list, and when a new price
may go into a product's price history."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from cabas.core.errors import CodedError
from cabas.core.errors import translatable as _

MAX_POSITION = 32767  # a PositiveSmallIntegerField
MAX_PRICE = Decimal("99999999.99")  # ten digits, two after the point
# A form filled in a minute ago says "now" a little late; a later time than this is in the future.
CLOCK_SLACK = datetime.timedelta(minutes=5)


def moved(ids: Sequence[int], item: int, offset: int) -> list[int]:
    """``ids`` with ``item`` moved ``offset`` places (-1: up, 1: down), never out of the list."""
    order = list(ids)
    index = order.index(item)
    target = min(max(index + offset, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    return order


def new_positions(rows: Sequence[tuple[int, int]], item: int, offset: int) -> dict[int, int]:
    """The positions to write when ``item`` moves ``offset`` places among ``rows`` ((id, position) as listed):
    the positions the rows have, made strictly increasing, given to the rows in their new order (so rows of
    another list sorted with these keep their place among them); only the rows whose position changes."""
    slots: list[int] = []
    for _id, position in rows:
        slots.append(max(position, slots[-1] + 1) if slots else position)
    if slots and slots[-1] > MAX_POSITION:
        slots = list(range(1, len(rows) + 1))
    current = dict(rows)
    order = moved([row_id for row_id, _position in rows], item, offset)
    return {row_id: slot for row_id, slot in zip(order, slots, strict=True) if current[row_id] != slot}


def next_position(positions: Sequence[int]) -> int:
    """A new row's position: after the last."""
    return min(max(positions, default=0) + 1, MAX_POSITION)


def price_change_problem(*, price: Decimal, current: Decimal | None, since: datetime.datetime, now: datetime.datetime,
                         last_since: datetime.datetime | None) -> CodedError | None:
    """Why this new price cannot go into the history, or None. A price is in force from ``since``: now or an
    earlier time (the catalogue has one price at a time, and cycles opened from now on take it), never before the
    last change already recorded. ``current`` None: a new product's first price."""
    if price < 0:
        return CodedError("negative", _("A price cannot be negative."))
    if price > MAX_PRICE:
        return CodedError("too_large", _("This price is too large."))
    if price != price.quantize(Decimal("0.01")):
        return CodedError("cents", _("Give the price in euros and cents (two decimals at most)."))
    if current is not None and price == current:
        return CodedError("same", _("This is already the product's price."))
    if since > now + CLOCK_SLACK:
        return CodedError("future", _("A new price applies from now or an earlier time, never a later one: the "
                                      "cycles opened from now on take it."))
    if last_since is not None and since < last_since:
        return CodedError("before_last", _("The price history already has a change on %(date)s: give a later time."),
                          date=last_since)
    return None
