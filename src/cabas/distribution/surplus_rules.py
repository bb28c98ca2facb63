"""The arithmetic of the pickup sheet and of surplus, as plain Python (no Django import).

- What a household did not collect: everything when absent, nothing when it picked up, and, when it picked up
  "partly", what the volunteer says per line — whole order steps, never more than it was to receive.
- Where a pack surplus goes: an offer's pack surplus (the closing's ``OfferOutcome.surplus``, counted over the
  whole club) is placed at the depot that received the most of that offer; on a tie, the group with the lowest
  id. A depot that received none of it gets none.
- What becomes of a surplus item: dispositions (sold, given, lost) in whole order steps, never more in all than
  the item holds; what is left is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from cabas.core.errors import CodedError
from cabas.core.errors import translatable as _

ZERO = Decimal(0)

COLLECTED, PARTLY, ABSENT = "collected", "partly", "absent"


def is_whole_steps(quantity: Decimal, step: Decimal) -> bool:
    return step > 0 and quantity % step == 0


def missing_quantities(status: str, received: Mapping[int, Decimal], steps: Mapping[int, Decimal],
                       said: Mapping[int, Decimal | None]) -> dict[int, Decimal]:
    """What was not collected per offer, for a tick: ``received`` is what the household was to receive, ``said``
    what the volunteer typed as not collected (read only for "partly"; None or absent: nothing)."""
    if status == COLLECTED:
        return {}
    if status == ABSENT:
        return {offer: quantity for offer, quantity in received.items() if quantity > 0}
    if status != PARTLY:
        raise CodedError("status", _("Choose picked up, partly or absent."))
    result = {}
    for offer, quantity in said.items():
        if quantity is None or quantity == 0:
            continue
        if offer not in received:
            raise CodedError("unknown", _("This household receives nothing of this product."), offer=offer)
        if quantity < 0:
            raise CodedError("negative", _("A quantity not collected is never negative."), offer=offer)
        if quantity > received[offer]:
            raise CodedError("too_much", _("More than the household was to receive (%(received)s)."),
                             offer=offer, received=received[offer])
        if not is_whole_steps(quantity, steps[offer]):
            raise CodedError("step", _("Give whole steps of %(step)s."), offer=offer, step=steps[offer])
        result[offer] = quantity
    if not result:
        raise CodedError("nothing_missing", _("Say what was not collected, or tick “picked up”."))
    return result


def place_pack_surplus(surplus: Mapping[int, Decimal], received: Iterable[tuple[int, int, Decimal]]) -> dict[int, int]:
    """The group each offer's pack surplus goes to: ``received`` holds (offer, group, quantity received there);
    the group that received the most, ties to the lowest group id; an offer nobody received is not placed."""
    best: dict[int, tuple[Decimal, int]] = {}
    for offer, group, quantity in received:
        if offer not in surplus or not surplus[offer] or quantity <= 0:
            continue
        current = best.get(offer)
        if current is None or quantity > current[0] or (quantity == current[0] and group < current[1]):
            best[offer] = (quantity, group)
    return {offer: group for offer, (_quantity, group) in best.items()}


def left(quantity: Decimal, disposed: Iterable[Decimal]) -> Decimal:
    """What is left of an item after its dispositions (never below zero: a surplus a reception reduced after
    dispositions were recorded has nothing left)."""
    return max(quantity - sum(disposed, ZERO), ZERO)


def check_disposition(quantity: Decimal | None, step: Decimal, available: Decimal) -> Decimal:
    """The quantity of a disposition, if it is whole steps, positive and no more than what is left."""
    if quantity is None or quantity <= 0:
        raise CodedError("quantity", _("Give a quantity above zero."))
    if not is_whole_steps(quantity, step):
        raise CodedError("step", _("Give whole steps of %(step)s."), step=step)
    if quantity > available:
        raise CodedError("too_much", _("Only %(left)s left of this surplus."), left=available)
    return quantity
