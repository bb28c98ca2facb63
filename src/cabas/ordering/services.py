"""Every change to cycles and orders. What crosses into another domain (opening a cycle with its distributions
and subscriptions, saving an order under the prepaid rule, closing, reception) is a workflow in ``cabas.flows``,
which calls the steps here inside its transaction; what stays within ordering (the allocation rules, a
producer's supply) is one function here, in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Product
from cabas.catalog.services import current_spec_sheets
from cabas.catalog.steps import is_whole_steps
from cabas.catalog.units import format_quantity_with_unit, format_step
from cabas.core.bulk import insert_rows
from cabas.core.errors import ActionError
from cabas.core.money import ZERO, line_amount
from cabas.members.models import Club, Group, Household

from . import allocation, closing
from .models import (
    Allocation, CycleStatus, LineChange, Offer, OfferOutcome, Order, OrderCycle, OrderLine, OrderSummary,
)
from .quantities import QuantityError, parse_quantity


# --- opening a cycle ------------------------------------------------------------------------------


def create_cycle(
    *,
    club: Club,
    name: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    distribution_dates: Mapping[int, datetime.date],
    product_ids: Iterable[int],
) -> OrderCycle:
    """Create a cycle with its offers (terms frozen from the catalogue now), once every input is checked: a
    distribution date is required for each group of the club (the flow ``open_cycle`` writes them). Runs
    inside the caller's transaction."""
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append(_("Give the cycle a name."))
    if opens_at is None or closes_at is None:
        errors.append(_("Give the opening and closing dates and times."))
    elif closes_at <= opens_at:
        errors.append(_("The closing date must come after the opening date."))
    product_ids = set(product_ids)
    products = list(
        Product.objects.filter(pk__in=product_ids, producer__club=club, is_active=True).select_related("producer", "container")
    )
    if not product_ids:
        errors.append(_("Choose at least one product to offer."))
    elif len(products) != len(product_ids):
        errors.append(_("Some of the chosen products are not available in this club's catalogue."))
    groups = {g.pk: g for g in Group.objects.filter(club=club)}
    unknown_groups = set(distribution_dates) - set(groups)
    if unknown_groups:
        errors.append(_("A distribution date was given for a group that is not in this club."))
    missing = [g.name for pk, g in groups.items() if not distribution_dates.get(pk)]
    if missing:
        errors.append(_("Give a distribution date for each group: %(groups)s.") % {"groups": ", ".join(sorted(missing))})
    elif closes_at is not None:
        deadline = timezone.localdate(closes_at)
        too_early = [g.name for pk, g in groups.items() if distribution_dates[pk] < deadline]
        if too_early:
            errors.append(
                _("A distribution cannot come before the order deadline: %(groups)s.") % {"groups": ", ".join(sorted(too_early))}
            )
    if errors:
        raise ActionError(*errors)

    specs = current_spec_sheets([p.pk for p in products])
    cycle = OrderCycle.objects.create(club=club, name=name, opens_at=opens_at, closes_at=closes_at)
    Offer.objects.bulk_create(
        Offer(
            cycle=cycle,
            product=p,
            producer_id=p.producer_id,
            category_id=p.category_id,
            name=p.name,
            description=p.description,
            unit=p.unit,
            unit_price=p.unit_price,
            vat_rate=p.vat_rate,
            pack_size=p.pack_size,
            order_step=p.effective_order_step,
            min_total=p.min_total,
            spec_sheet=specs.get(p.pk),
            is_trial=p.is_trial,
            container=p.container,
            containers_per_step=p.containers_per_step,
            container_deposit=p.container.deposit if p.container else None,
        )
        for p in products
    )
    return cycle


# --- a household's order --------------------------------------------------------------------------


def quantity_message(error: QuantityError, offer: Offer) -> str:
    if error.code == "negative":
        return _("%(product)s: the quantity cannot be negative.") % {"product": offer.name}
    if error.code == "too_large":
        limit = formats.number_format(error.limit, decimal_pos=0, use_l10n=True, force_grouping=True)
        return _("%(product)s: %(quantity)s is more than the %(limit)s units one household may order.") % {
            "product": offer.name, "quantity": error.raw, "limit": limit,
        }
    if error.code == "not_whole":
        return _("%(product)s: it is sold by the %(unit)s, give a whole number.") % {
            "product": offer.name, "unit": offer.get_unit_display(),
        }
    if error.code == "too_precise":
        return _("%(product)s: give at most three decimals.") % {"product": offer.name}
    return _("%(product)s: “%(value)s” is not a quantity.") % {"product": offer.name, "value": error.raw[:20]}


def parse_order_quantities(
    offers: Mapping[int, Offer], raw: Mapping[int, object], *, field: str = "q"
) -> dict[int, Decimal]:
    """Validate quantities (or tolerances, field "t") keyed by offer id against the cycle's offers.

    Raises ActionError listing every problem, each under its form field ``<field>-<offer id>``.
    """
    maximum = Decimal(settings.CABAS_MAX_LINE_QUANTITY)
    quantities: dict[int, Decimal] = {}
    field_errors: dict[str, str] = {}
    unknown = False
    for offer_id, value in raw.items():
        offer = offers.get(offer_id)
        if offer is None:
            unknown = True
            continue
        try:
            quantity = parse_quantity(value, countable=offer.countable, maximum=maximum)
        except QuantityError as error:
            field_errors[f"{field}-{offer_id}"] = quantity_message(error, offer)
            continue
        if not is_whole_steps(quantity, offer.order_step):
            field_errors[f"{field}-{offer_id}"] = _("%(product)s: order in steps of %(step)s.") % {
                "product": offer.name, "step": format_quantity_with_unit(offer.order_step, offer.unit),  # as typed
            }
            continue
        quantities[offer_id] = quantity
    if unknown or field_errors:
        messages = [_("A product you asked for is not on offer in this cycle.")] if unknown else []
        raise ActionError(*messages, field_errors=field_errors)
    return quantities


@dataclass(frozen=True)
class SavedOrder:
    order: Order | None
    created: int
    updated: int
    deleted: int


@dataclass(frozen=True)
class OrderRequest:
    """A household's wanted quantities and tolerances, checked against the cycle's offers."""
    offers: dict[int, Offer]
    quantities: dict[int, Decimal]
    tolerances: dict[int, Decimal]


# On PostgreSQL, saves and the closing of a cycle meet on a transaction-level advisory lock of the cycle: every
# save takes it shared, the closing takes it exclusive. Saves never wait for one another; the closing waits until
# the saves under way have committed (it sees them all), and a save that comes once the closing waits queues
# behind it (PostgreSQL's lock manager serves waiters in order: the closing is never starved by a stream of
# overlapping saves) and then finds the cycle closed. The key: "CABA" in the high 32 bits, the cycle's id below.
CYCLE_LOCK_SPACE = 0x43414241 << 32


def _cycle_lock(cycle_id: int, *, shared: bool) -> None:
    if connection.vendor == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [CYCLE_LOCK_SPACE | cycle_id])


def lock_open_cycle(cycle: OrderCycle, household: Household, now: datetime.datetime) -> OrderCycle:
    """The cycle as it stands once the save may go on (two queries), if the household may order in it now;
    ActionError otherwise. Must run inside the caller's transaction.

    On PostgreSQL the save holds the cycle's advisory lock shared (see ``CYCLE_LOCK_SPACE``), then reads the
    cycle in a statement of its own (so it sees a closing that committed while it waited) and locks the
    household's row (FOR NO KEY UPDATE): a household's saves follow one another, so the prepaid rule reads
    totals no other save of the household is changing, and two saves never both create its order. (SQLite
    lets one transaction write at a time.)"""
    if household.group.club_id != cycle.club_id:
        raise ActionError(_("This household does not belong to this cycle's club."))
    if household.left_on is not None:
        raise ActionError(_("Your household has left its group: it no longer orders."))
    if connection.vendor == "postgresql":
        _cycle_lock(cycle.pk, shared=True)
        locked = next(iter(OrderCycle.objects.raw(
            f"SELECT c.* FROM {OrderCycle._meta.db_table} c, {Household._meta.db_table} h "
            "WHERE c.id = %s AND h.id = %s FOR NO KEY UPDATE OF h", [cycle.pk, household.pk],
        )))
    else:
        locked = OrderCycle.objects.select_for_update().get(pk=cycle.pk)
    status = locked.status(now)
    if status != CycleStatus.OPEN:
        if status == CycleStatus.SCHEDULED:
            raise ActionError(_("This cycle is not open for orders yet."))
        raise ActionError(_("The order deadline has passed: this order can no longer be changed."))
    return locked


def read_order_request(
    cycle: OrderCycle, quantities: Mapping[int, object], tolerances: Mapping[int, object]
) -> OrderRequest:
    """Check quantities and tolerances (keyed by offer id) against the cycle's offers (one query); every
    problem is reported at once, each under its form field."""
    offer_ids = {int(k) for k in quantities} | {int(k) for k in tolerances}
    offers = {o.pk: o for o in Offer.objects.filter(cycle=cycle, pk__in=offer_ids).order_by()}
    errors = []
    wanted, wanted_tolerance = {}, {}
    try:
        wanted = parse_order_quantities(offers, {int(k): v for k, v in quantities.items()})
    except ActionError as error:
        errors.append(error)
    try:
        wanted_tolerance = parse_order_quantities(offers, {int(k): v for k, v in tolerances.items()}, field="t")
    except ActionError as error:
        errors.append(error)
    if errors:
        raise ActionError(
            *dict.fromkeys(m for e in errors for m in e.messages),
            field_errors={k: v for e in errors for k, v in e.field_errors.items()},
        )
    return OrderRequest(offers=offers, quantities=wanted, tolerances=wanted_tolerance)


def write_order(
    cycle: OrderCycle, household: Household, request: OrderRequest, *, replace: bool = False, by_user=None,
    now: datetime.datetime,
) -> SavedOrder:
    """Write a checked request into the household's order: zero removes a line, other lines stay (with
    ``replace``, the request is the whole order: a line it does not list is removed), each change is recorded
    (LineChange); an order left without lines is deleted. A subscription's committed quantity is a floor. A
    constant number of queries whatever the number of lines. Runs inside the caller's transaction, with the
    cycle locked (``lock_open_cycle``)."""
    wanted, wanted_tolerance, offers = dict(request.quantities), request.tolerances, dict(request.offers)
    order = Order.objects.filter(cycle=cycle, household=household).first()
    if order is None:
        if not any(wanted.values()):  # nothing ordered: no empty order is written
            return SavedOrder(order=None, created=0, updated=0, deleted=0)
        order = Order.objects.create(cycle=cycle, household=household, updated_at=now, updated_by=by_user)
    if replace:
        existing = {line.offer_id: line for line in OrderLine.objects.filter(order=order).select_related("offer")}
        for offer_id in existing.keys() - wanted.keys() - wanted_tolerance.keys():
            wanted[offer_id] = Decimal(0)
            offers[offer_id] = existing[offer_id].offer
    else:
        existing = {line.offer_id: line for line in OrderLine.objects.filter(order=order, offer_id__in=offers)}
    to_create, to_update, to_delete, changes = [], [], [], []
    committed_errors: dict[str, str] = {}
    for offer_id in wanted.keys() | wanted_tolerance.keys():
        line = existing.get(offer_id)
        quantity = wanted.get(offer_id, line.quantity if line else Decimal(0))
        tolerance = wanted_tolerance.get(offer_id, line.tolerance if line else Decimal(0)) if quantity else Decimal(0)
        if line is not None and quantity < line.committed:
            committed_errors[f"q-{offer_id}"] = _(
                "%(product)s: your subscription commits you to at least %(quantity)s."
            ) % {"product": offers[offer_id].name,
                 "quantity": format_quantity_with_unit(line.committed, offers[offer_id].unit)}
        elif quantity == 0:
            if line is not None:
                to_delete.append(line.pk)
                changes.append((offer_id, Decimal(0), Decimal(0)))
        elif line is None:
            to_create.append(OrderLine(order=order, offer_id=offer_id, quantity=quantity, tolerance=tolerance))
            changes.append((offer_id, quantity, tolerance))
        elif (line.quantity, line.tolerance) != (quantity, tolerance):
            line.quantity, line.tolerance = quantity, tolerance
            to_update.append(line)
            changes.append((offer_id, quantity, tolerance))
    if committed_errors:
        raise ActionError(field_errors=committed_errors)
    if changes:
        LineChange.objects.bulk_create(
            LineChange(cycle=cycle, household=household, offer_id=offer_id, quantity=q, tolerance=t, at=now)
            for offer_id, q, t in changes
        )
    if to_delete:
        OrderLine.objects.filter(pk__in=to_delete).delete()
    if to_update:
        OrderLine.objects.bulk_update(to_update, ["quantity", "tolerance"])
    if to_create:
        OrderLine.objects.bulk_create(to_create)
    if to_delete and not to_create and not OrderLine.objects.filter(order=order).exists():
        order.delete()  # every line removed: the household no longer has an order in this cycle
        return SavedOrder(order=None, created=0, updated=0, deleted=len(to_delete))
    if to_create or to_update or to_delete:
        Order.objects.filter(pk=order.pk).update(updated_at=now, updated_by=by_user)
        order.updated_at, order.updated_by = now, by_user
    return SavedOrder(order=order, created=len(to_create), updated=len(to_update), deleted=len(to_delete))


@transaction.atomic
def set_allocation_rules(
    *, cycle: OrderCycle, rationing: str, offer_rules: Mapping[int, Mapping[str, Decimal | None]],
) -> None:
    """Set the cycle's rationing strategy and, per offer, its supply, per-household limit and threshold.

    Refused once the cycle is closed (its allocation is final). One UPDATE per offer that changes.
    """
    locked = OrderCycle.objects.select_for_update().get(pk=cycle.pk)
    if locked.is_closed:
        raise ActionError(_("This cycle is closed: its allocation can no longer change."))
    if rationing not in allocation.STRATEGIES:
        raise ActionError(_("Choose how short supply is shared out."))
    if locked.rationing != rationing:
        OrderCycle.objects.filter(pk=locked.pk).update(rationing=rationing)
    fields = ("supply_cap", "per_household_cap", "min_total")
    offers = {o.pk: o for o in Offer.objects.filter(cycle=locked, pk__in=offer_rules)}
    if len(offers) != len(offer_rules):
        raise ActionError(_("A product you asked for is not on offer in this cycle."))
    changed = []
    for pk, values in offer_rules.items():
        offer = offers[pk]
        if any(getattr(offer, f) != values.get(f) for f in fields):
            for f in fields:
                setattr(offer, f, values.get(f))
            changed.append(offer)
    if changed:
        Offer.objects.bulk_update(changed, fields)


def pooled_totals(cycle: OrderCycle, *, shared: bool = False) -> dict[int, tuple[Decimal, Decimal]]:
    """Per offer, the quantity and tolerance ordered so far by every household of the club (one aggregate
    query). ``shared``: a value computed in the last ``CABAS_PROGRESS_SECONDS`` seconds for the same cycle is
    used instead, so that the order pages polling at the deadline cost one query per cycle every few seconds,
    not one per member; a fresh computation is stored for them."""
    key = f"cabas:pooled-totals:{cycle.pk}"
    if shared:
        cached = cache.get(key)
        if cached is not None:
            return cached
    totals = {
        offer_id: (quantity or Decimal(0), tolerance or Decimal(0))
        for offer_id, quantity, tolerance in OrderLine.objects.filter(order__cycle=cycle)
        .values("offer_id").annotate(quantity=Sum("quantity"), tolerance=Sum("tolerance"))
        .values_list("offer_id", "quantity", "tolerance").order_by()
    }
    cache.set(key, totals, settings.CABAS_PROGRESS_SECONDS)
    return totals


def offer_progress(cycle: OrderCycle, offers: Iterable[Offer], *, shared: bool = False) -> dict[int, allocation.Progress]:
    """Live pooled progress of the offers that have packs, a threshold or a supply cap (one aggregate query
    over the cycle, always, so a page costs the same whatever its offers; none with ``shared`` and a recent
    value: see ``pooled_totals``)."""
    watched = {o.pk: o for o in offers if o.sold_by_pack or o.min_total is not None or o.supply_cap is not None}
    totals = pooled_totals(cycle, shared=shared)
    result = {}
    for pk, offer in watched.items():
        quantity, tolerance = totals.get(pk, (Decimal(0), Decimal(0)))
        rules = allocation.ProductRules(pk, pack_size=offer.effective_pack_size, step=offer.order_step,
                                        min_total=offer.min_total, supply_cap=offer.supply_cap)
        result[pk] = allocation.progress(rules, quantity, tolerance)
    return result


def order_total(offers: Mapping[int, Offer], quantities: Mapping[int, Decimal]) -> Decimal:
    """The running total shown while a member edits an order (prices incl. VAT)."""
    return sum((line_amount(q, offers[k].unit_price) for k, q in quantities.items() if k in offers and q), ZERO)


# --- closing --------------------------------------------------------------------------------------


def run_allocation(cycle: OrderCycle, depot_limits: Mapping[tuple[int, int], Decimal | None] | None = None) -> closing.ClosingResult:
    """The engine's outcome for the cycle as its orders stand now (three queries, whatever the size); with
    ``depot_limits`` ((offer id, group id) -> what that depot received), a depot's shortfall is shared among its
    households."""
    rules = [
        allocation.ProductRules(
            id=pk, pack_size=pack_size or step, step=step, min_total=min_total, supply_cap=supply_cap,
            per_household_cap=per_household_cap, delivered=delivered,
        )
        for pk, pack_size, step, min_total, supply_cap, per_household_cap, delivered in Offer.objects.filter(
            cycle=cycle
        ).values_list("pk", "pack_size", "order_step", "min_total", "supply_cap", "per_household_cap", "delivered")
    ]
    rows = OrderLine.objects.filter(order__cycle=cycle).values_list(
        "order__household_id", "order__household__group_id", "offer_id", "offer__producer_id",
        "quantity", "offer__unit_price", "offer__vat_rate", "tolerance",
    )
    changes = [
        allocation.Request(household, offer, quantity, tolerance, at=at, seq=pk)
        for pk, household, offer, quantity, tolerance, at in LineChange.objects.filter(cycle=cycle).values_list(
            "pk", "household_id", "offer_id", "quantity", "tolerance", "at"
        )
    ]
    return closing.close(
        list(map(closing.OrderedLine._make, rows)), rules, strategy=cycle.rationing, changes=changes,
        depot_limits=depot_limits,
    )


def write_allocation(cycle: OrderCycle, depot_limits: Mapping[tuple[int, int], Decimal | None] | None = None) -> closing.ClosingResult:
    """Run the engine and write what it decides for ordering: allocations, offer outcomes and household
    summaries (one statement per table). The flows write the documents and the ledger from the result.
    Runs inside the caller's transaction."""
    result = run_allocation(cycle, depot_limits)
    insert_rows(
        Allocation,
        ["cycle", "household", "group", "offer", "quantity_ordered", "tolerance", "quantity", "reason", "amount_incl_vat"],
        (
            (cycle.pk, a.household_id, a.group_id, a.offer_id, a.quantity_ordered, a.tolerance, a.quantity,
             a.reason or "", a.amount_incl_vat)
            for a in result.allocations
        ),
    )
    OfferOutcome.objects.bulk_create(
        OfferOutcome(
            offer_id=o.id, status=o.status, quantity=o.quantity, tolerance=o.tolerance, packs=o.packs,
            ordered=o.ordered, allocated=o.allocated, surplus=o.surplus,
        )
        for o in result.offers
    )
    group_of = {a.household_id: a.group_id for a in result.allocations}
    insert_rows(
        OrderSummary,
        ["cycle", "household", "group", "line_count", "amount_incl_vat", "amount_excl_vat", "vat"],
        (
            (cycle.pk, t.key, group_of[t.key], t.line_count, t.vat.amount_incl_vat, t.vat.amount_excl_vat, t.vat.vat)
            for t in result.households
        ),
    )
    return result


def lock_cycle_to_close(cycle_id: int, now: datetime.datetime) -> OrderCycle:
    """The cycle, row-locked until the transaction ends (a cycle already closed is returned as it is: closing
    twice writes nothing). On PostgreSQL it first takes the cycle's advisory lock alone: it waits for the saves
    under way, and the saves that come after wait for it (see ``CYCLE_LOCK_SPACE``). Must run inside the
    caller's transaction."""
    _cycle_lock(cycle_id, shared=False)
    cycle = OrderCycle.objects.select_for_update().get(pk=cycle_id)
    if cycle.closed_at is None and now < cycle.opens_at:
        raise ActionError(_("This cycle has not opened yet: there is nothing to close."))
    return cycle


def mark_closed(cycle: OrderCycle, *, by_user, now: datetime.datetime) -> None:
    cycle.closed_at = now
    cycle.closed_by = by_user
    cycle.save(update_fields=["closed_at", "closed_by"])


def set_deliveries(
    cycle_id: int, delivered: Mapping[int, Decimal | None], prices: Mapping[int, Decimal]
) -> tuple[OrderCycle, bool]:
    """Record what producers delivered per offer (None: as ordered) and the prices reception corrects, on the
    closed cycle, row-locked. Returns the cycle and whether anything changed; when it did, its allocations,
    offer outcomes and summaries are deleted, to be written anew (``write_allocation``). Runs inside the
    caller's transaction."""
    cycle = lock_closed_cycle(cycle_id)
    wanted = set(delivered) | set(prices)
    offers = {o.pk: o for o in Offer.objects.filter(cycle=cycle, pk__in=wanted)}
    if len(offers) != len(wanted):
        raise ActionError(_("A product you asked for is not on offer in this cycle."))
    if any(value is not None and value < 0 for value in delivered.values()):
        raise ActionError(_("A delivered quantity cannot be negative."))
    if any(value is None or value < 0 for value in prices.values()):
        raise ActionError(_("A price cannot be negative."))
    off_step = {pk: value for pk, value in delivered.items()
                if value is not None and not is_whole_steps(value, offers[pk].order_step)}
    if off_step:  # the rationing hands out whole steps: what cannot be handed out must not be recorded
        raise ActionError(field_errors={
            f"delivered-{pk}": _("%(product)s: the delivered quantity must be a multiple of %(step)s.") % {
                "product": offers[pk].name, "step": format_step(offers[pk].order_step, offers[pk].unit)}
            for pk in sorted(off_step, key=lambda pk: offers[pk].name)
        })
    changed = [o for pk, o in offers.items()
               if (pk in delivered and o.delivered != delivered[pk]) or (pk in prices and o.unit_price != prices[pk])]
    if not changed:
        return cycle, False
    for offer in changed:
        offer.delivered = delivered.get(offer.pk, offer.delivered)
        offer.unit_price = prices.get(offer.pk, offer.unit_price)
    Offer.objects.bulk_update(changed, ["delivered", "unit_price"])
    clear_allocation(cycle)
    return cycle, True


def lock_closed_cycle(cycle_id: int) -> OrderCycle:
    """A closed cycle, row-locked, for reception (deliveries are recorded once the cycle is closed)."""
    cycle = OrderCycle.objects.select_for_update().get(pk=cycle_id)
    if cycle.closed_at is None:
        raise ActionError(_("Deliveries are recorded once the cycle is closed."))
    return cycle


def clear_allocation(cycle: OrderCycle) -> None:
    """Delete the cycle's allocations, offer outcomes and summaries, to be written anew (``write_allocation``)."""
    Allocation.objects.filter(cycle=cycle).delete()
    OfferOutcome.objects.filter(offer__cycle=cycle).delete()
    OrderSummary.objects.filter(cycle=cycle).delete()


@transaction.atomic
def set_producer_supply(*, cycle_id: int, producer_id: int, supplies: Mapping[int, object]) -> int:
    """What a producer can supply this cycle, per offer of its own (an empty value: no limit; 0: not
    available). Allowed until the cycle closes; a lower supply is rationed at the closing. Returns the
    number of offers changed."""
    cycle = OrderCycle.objects.select_for_update().get(pk=cycle_id)
    if cycle.is_closed or cycle.status() == CycleStatus.AWAITING_CLOSING:
        raise ActionError(_("This cycle's orders are closed: its supply can no longer change."))
    offers = {o.pk: o for o in Offer.objects.filter(cycle=cycle, producer_id=producer_id, pk__in=supplies)}
    if len(offers) != len(supplies):
        raise ActionError(_("A product you asked for is not on offer in this cycle."))
    errors, changed = {}, []
    for pk, raw in supplies.items():
        offer = offers[pk]
        value = None
        if raw not in (None, ""):
            try:
                value = parse_quantity(str(raw), countable=offer.countable, maximum=Decimal(10**6))
            except QuantityError as error:
                errors[f"supply-{pk}"] = quantity_message(error, offer)
                continue
        if value != offer.supply_cap:
            offer.supply_cap = value
            changed.append(offer)
    if errors:
        raise ActionError(field_errors=errors)
    if changed:
        Offer.objects.bulk_update(changed, ["supply_cap"])
    return len(changed)
