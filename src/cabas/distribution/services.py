"""Documents for distribution day, written by the closing and read by the lists."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from cabas.catalog.steps import is_whole_steps
from cabas.catalog.units import format_quantity_with_unit, format_step
from cabas.core.errors import ActionError
from cabas.members.words import words_for
from cabas.ordering.closing import ClosingResult
from cabas.ordering.models import Allocation, Offer, OrderCycle

from .models import DepotReception, Distribution, PickingList, ProducerSheet, ReceptionState

MAX_RECEIVED = Decimal(10**6)
NOTE_LENGTH = 300


def write_closing_documents(cycle: OrderCycle, result: ClosingResult, *, now: datetime.datetime) -> None:
    """One picking list per distribution (empty ones too: the depot knows nothing comes) and one sheet per producer."""
    group_totals = {t.key: t for t in result.groups}
    distributions = list(Distribution.objects.filter(cycle=cycle))
    PickingList.objects.bulk_create(
        PickingList(
            distribution=d,
            household_count=group_totals[d.group_id].member_count if d.group_id in group_totals else 0,
            line_count=group_totals[d.group_id].line_count if d.group_id in group_totals else 0,
            amount_incl_vat=group_totals[d.group_id].vat.amount_incl_vat if d.group_id in group_totals else 0,
            created_at=now,
        )
        for d in distributions
    )
    ProducerSheet.objects.bulk_create(
        ProducerSheet(
            cycle=cycle, producer_id=t.key, line_count=t.line_count, amount_incl_vat=t.vat.amount_incl_vat,
            amount_excl_vat=t.vat.amount_excl_vat, vat=t.vat.vat, created_at=now,
        )
        for t in result.producers
    )


def create_distributions(cycle: OrderCycle, dates: Mapping[int, datetime.date]) -> None:
    """One distribution per group (group id -> its pick-up date) for a cycle being opened."""
    Distribution.objects.bulk_create(Distribution(cycle=cycle, group_id=pk, date=dates[pk]) for pk in sorted(dates))


def delete_closing_documents(cycle: OrderCycle) -> None:
    """The cycle's picking lists and producer sheets, before they are written anew (reception)."""
    PickingList.objects.filter(distribution__cycle=cycle).delete()
    ProducerSheet.objects.filter(cycle=cycle).delete()


# --- reception at the depot ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedLine:
    """What a volunteer entered for one product: its state, the quantity that can be handed out (for less,
    damaged or more), and a note."""

    state: str
    received: Decimal | None = None
    note: str = ""


def depot_limits(cycle: OrderCycle) -> dict[tuple[int, int], Decimal | None]:
    """(offer id, group id) -> what the depot received of the offer (None: received as expected), for every
    reception recorded in the cycle (one query). The closing shares each depot's shortfall among its households."""
    return {
        (offer_id, group_id): _limit(state, received)
        for offer_id, group_id, state, received in DepotReception.objects.filter(distribution__cycle=cycle).values_list(
            "offer_id", "distribution__group_id", "state", "received")
    }


def _limit(state: str, received: Decimal | None) -> Decimal | None:
    """What a reception limits its depot's households to: what could be handed out when less, or damaged goods,
    arrived; nothing otherwise (more than expected is surplus)."""
    return received if state in (ReceptionState.SHORT, ReceptionState.DAMAGED) else None


def refresh_expected(cycle: OrderCycle, expected: Mapping[tuple[int, int], Decimal]) -> None:
    """Keep each reception's ``expected`` (what its depot was allocated before it) true to the last allocation."""
    stale = []
    for reception in DepotReception.objects.filter(distribution__cycle=cycle).select_related("distribution"):
        value = expected.get((reception.offer_id, reception.distribution.group_id), Decimal(0))
        if reception.expected != value:
            reception.expected = value
            stale.append(reception)
    if stale:
        DepotReception.objects.bulk_update(stale, ["expected"])


def depot_deliveries(distribution: Distribution) -> list[tuple[Offer, Decimal, DepotReception | None]]:
    """The depot's delivery, product by product (producer, then name): each offer its households were allocated
    or that was received there, what the depot expects (before its own reception) and its reception, if any.
    Two queries whatever the number of households."""
    allocated = dict(
        Allocation.objects.filter(cycle_id=distribution.cycle_id, group_id=distribution.group_id, quantity__gt=0)
        .values("offer_id").annotate(total=Sum("quantity")).values_list("offer_id", "total")
    )
    receptions = {r.offer_id: r for r in DepotReception.objects.filter(distribution=distribution).select_related("recorded_by")}
    offers = Offer.objects.filter(pk__in=set(allocated) | set(receptions)).select_related("producer").order_by("producer__name", "name")
    return [(o, receptions[o.pk].expected if o.pk in receptions else allocated.get(o.pk, Decimal(0)), receptions.get(o.pk))
            for o in offers]


def _check_line(offer: Offer, expected: Decimal, line: ReceivedLine) -> str | None:
    """Why what was entered for a product cannot be recorded, or None."""
    names = {"product": offer.name, "expected": format_quantity_with_unit(expected, offer.unit)}
    if line.state not in ReceptionState.values:
        return _("%(product)s: choose how it was received.") % names
    if len(line.note) > NOTE_LENGTH:
        return _("%(product)s: the note is limited to %(count)s characters.") % {**names, "count": NOTE_LENGTH}
    if line.state == ReceptionState.AS_EXPECTED:
        return None
    if line.received is None:
        return _("%(product)s: say how much can be handed out.") % names
    if line.received < 0 or line.received > MAX_RECEIVED:
        return _("%(product)s: the quantity received is not possible.") % names
    if not is_whole_steps(line.received, offer.order_step):
        return _("%(product)s: the quantity received must be a multiple of %(step)s.") % {
            **names, "step": format_step(offer.order_step, offer.unit)}
    if line.state == ReceptionState.SHORT and line.received >= expected:
        return _("%(product)s: less than expected means fewer than %(expected)s.") % names
    if line.state == ReceptionState.DAMAGED and line.received > expected:
        return _("%(product)s: for damaged goods, enter what is still good to hand out, at most %(expected)s.") % names
    if line.state == ReceptionState.MORE and line.received <= expected:
        return _("%(product)s: more than expected means over %(expected)s.") % names
    return None


def write_receptions(distribution: Distribution, lines: Mapping[int, ReceivedLine], *, by_user,
                     now: datetime.datetime) -> tuple[bool, dict[int, Decimal]]:
    """Record the depot's reception of the listed offers (offer id -> what was entered); every line is checked
    before anything is written (ActionError with one message per product). Returns whether what the depot can
    hand out changed (then the allocation must be computed again) and, per offer entered, what the depot received
    beyond what it expected (its delivery surplus; 0 when none). Runs inside the caller's transaction, the cycle
    locked."""
    deliveries = {offer.pk: (offer, expected, reception) for offer, expected, reception in depot_deliveries(distribution)}
    unknown = set(lines) - set(deliveries)
    if unknown:
        raise ActionError(_("A product you entered is not part of the delivery %(to_the_depot)s.")
                          % words_for(distribution.cycle.club))
    errors = {}
    for offer_id, line in lines.items():
        offer, expected, _reception = deliveries[offer_id]
        message = _check_line(offer, expected, line)
        if message:
            errors[f"state-{offer_id}"] = message
    if errors:
        raise ActionError(field_errors=errors)
    changed, created, updated, extra = False, [], [], {}
    for offer_id, line in lines.items():
        offer, expected, reception = deliveries[offer_id]
        received = None if line.state == ReceptionState.AS_EXPECTED else line.received
        extra[offer_id] = max(received - expected, Decimal(0)) if line.state == ReceptionState.MORE else Decimal(0)
        if reception is None:
            created.append(DepotReception(distribution=distribution, offer=offer, state=line.state, received=received,
                                          expected=expected, note=line.note, recorded_at=now, recorded_by=by_user))
            changed = changed or _limit(line.state, received) is not None
        elif (reception.state, reception.received, reception.note) != (line.state, received, line.note):
            changed = changed or _limit(reception.state, reception.received) != _limit(line.state, received)
            reception.state, reception.received, reception.note = line.state, received, line.note
            reception.recorded_at, reception.recorded_by = now, by_user
            updated.append(reception)
    DepotReception.objects.bulk_create(created)
    if updated:
        DepotReception.objects.bulk_update(updated, ["state", "received", "note", "recorded_at", "recorded_by"])
    return changed, extra


def depot_claims(cycle_ids, producer_id: int) -> list[DepotReception]:
    """A producer's claims: the depots that received less than expected, or damaged goods, of its offers in the
    given cycles (one query)."""
    return list(
        DepotReception.objects.filter(distribution__cycle_id__in=cycle_ids, offer__producer_id=producer_id)
        .exclude(state__in=[ReceptionState.AS_EXPECTED, ReceptionState.MORE])
        .select_related("offer", "distribution__group", "distribution__cycle")
        .order_by("distribution__cycle__closes_at", "distribution__group__name", "offer__name")
    )
