"""Every change to cycles and orders. What crosses into another domain (opening a cycle with its distributions
and subscriptions, saving an order under the prepaid rule, closing, reception) is a workflow in ``cabas.flows``,
which calls the steps here inside its transaction; what stays within ordering (the allocation rules, a
producer's supply) is one function here, in one transaction.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Context, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import DecimalField, Exists, F, OuterRef, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Product
from cabas.catalog.services import current_spec_sheets
from cabas.catalog.steps import is_whole_steps
from cabas.catalog.units import format_quantity_with_unit, format_step
from cabas.core.bulk import insert_rows
from cabas.core.errors import ActionError
from cabas.core.money import ZERO, line_amount
from cabas.core.rows import Loader, cursor as statement_cursor, fetch_one, table
from cabas.members.models import Club, Group, Household

from . import allocation, closing
from .models import (
    Allocation, CycleStatus, LineChange, Offer, OfferOutcome, Order, OrderCycle, OrderLine, OrderSummary,
    RecurringCycle,
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
    prices: Mapping[int, Decimal] | None = None,
) -> OrderCycle:
    """Create a cycle with its offers (terms frozen from the catalogue now), once every input is checked: the
    cycle covers the groups given a distribution date (some of the club's groups, at least one: each group on
    its own rhythm; the flow ``open_cycle`` writes their distributions). ``prices`` (product id -> price incl.
    VAT) replace the catalogue's price of those products: the agreed prices of the contracts running on the
    cycle's distribution days, which the flow reads. Runs inside the caller's transaction."""
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
    groups = {g.pk: g for g in Group.objects.filter(club=club, pk__in=list(distribution_dates))}
    if set(distribution_dates) - set(groups):
        errors.append(_("A distribution date was given for a group that is not in this club."))
    missing = [g.name for pk, g in groups.items() if not distribution_dates.get(pk)]
    if not distribution_dates:
        errors.append(_("Choose at least one group the cycle serves."))
    elif missing:
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
    cycle.groups.set(sorted(groups))
    Offer.objects.bulk_create(
        Offer(
            cycle=cycle,
            product=p,
            producer_id=p.producer_id,
            category_id=p.category_id,
            name=p.name,
            description=p.description,
            unit=p.unit,
            unit_price=(prices or {}).get(p.pk, p.unit_price),
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
    quantities, field_errors, unknown = read_quantities(offers, raw, field=field)
    if unknown or field_errors:
        messages = [_("A product you asked for is not on offer in this cycle.")] if unknown else []
        raise ActionError(*messages, field_errors=field_errors)
    return quantities


def read_quantities(
    offers: Mapping[int, Offer], raw: Mapping[int, object], *, field: str = "q"
) -> tuple[dict[int, Decimal], dict[str, str], bool]:
    """Each quantity checked on its own (the rules of ``parse_order_quantities``): the good ones, the message of
    each wrong one under its form field, and whether an offer was not in the cycle."""
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
    return quantities, field_errors, unknown


@dataclass(frozen=True)
class SavedLine:
    """A line of the order as the save left it (what an answer shows, without reading it back)."""
    offer_id: int
    name: str
    unit: str
    quantity: Decimal
    tolerance: Decimal
    committed: Decimal


@dataclass(frozen=True)
class SavedOrder:
    order: Order | None
    created: int
    updated: int
    deleted: int
    lines: tuple[SavedLine, ...] = ()  # every line of the order after the save (none when it has no order)


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
        with statement_cursor() as cursor:
            cursor.execute(f"SELECT {function}(%s)", [CYCLE_LOCK_SPACE | cycle_id])


_CYCLES = Loader(OrderCycle, "c")


def member_cycle(cycle_id: int, household: Household) -> OrderCycle | None:
    """The cycle if the household sees it: one of its club's that covers its group, or one it ordered in (from a
    group it has left for another). One plain statement: each save of the deadline rush reads it."""
    covered, orders = table(OrderCycle.groups.through), table(Order)
    row = fetch_one(
        f"SELECT {_CYCLES.columns} FROM {table(OrderCycle)} c WHERE c.id = %s AND c.club_id = %s AND ("
        f"EXISTS (SELECT 1 FROM {covered} g WHERE g.ordercycle_id = c.id AND g.group_id = %s) OR "
        f"EXISTS (SELECT 1 FROM {orders} o WHERE o.cycle_id = c.id AND o.household_id = %s))",
        [cycle_id, household.group.club_id, household.group_id, household.pk])
    return None if row is None else _CYCLES.load(row)


def lock_open_cycle(cycle: OrderCycle, household: Household, now: datetime.datetime) -> OrderCycle:
    """The cycle as it stands once the save may go on (two queries), if the household may order in it now (its
    group is among those the cycle covers); ActionError otherwise. Must run inside the caller's transaction.

    On PostgreSQL the save holds the cycle's advisory lock shared (see ``CYCLE_LOCK_SPACE``), then reads the
    cycle in a statement of its own (so it sees a closing that committed while it waited) and locks the
    household's row (FOR NO KEY UPDATE): a household's saves follow one another, so the prepaid rule reads
    totals no other save of the household is changing, and two saves never both create its order. (SQLite
    lets one transaction write at a time.)"""
    if household.group.club_id != cycle.club_id:
        raise ActionError(_("This household does not belong to this cycle's club."))
    if household.left_on is not None:
        raise ActionError(_("Your household has left its group: it no longer orders."))
    covered = table(OrderCycle.groups.through)
    if connection.vendor == "postgresql":
        _cycle_lock(cycle.pk, shared=True)
        row = fetch_one(
            f"SELECT {_CYCLES.columns}, EXISTS (SELECT 1 FROM {covered} g WHERE g.ordercycle_id = c.id "
            f"AND g.group_id = h.group_id) FROM {table(OrderCycle)} c, {table(Household)} h "
            "WHERE c.id = %s AND h.id = %s FOR NO KEY UPDATE OF h", [cycle.pk, household.pk],
        )
        locked, serves_group = _CYCLES.load(row), bool(row[_CYCLES.width])
    else:
        locked = OrderCycle.objects.select_for_update().annotate(serves_group=Exists(
            OrderCycle.groups.through.objects.filter(ordercycle_id=OuterRef("pk"), group_id=household.group_id),
        )).get(pk=cycle.pk)
        serves_group = locked.serves_group
    if not serves_group:
        raise ActionError(_("This cycle does not serve your group: your household cannot order in it."))
    status = locked.status(now)
    if status != CycleStatus.OPEN:
        if status == CycleStatus.SCHEDULED:
            raise ActionError(_("This cycle is not open for orders yet."))
        raise ActionError(_("The order deadline has passed: this order can no longer be changed."))
    return locked


# --- the save's statements ------------------------------------------------------------------------
# A save runs at the deadline, hundreds of times a minute: its reads and writes are plain SQL statements built
# once from the models' metadata (the ORM's compiling them cost more CPU than PostgreSQL running them), with
# the same tables, columns and rules as the ORM's. Values are read back through `_decimal` (PostgreSQL gives
# Decimals, SQLite floats or integers).

_THOUSANDTH = Decimal("0.001")
_FLOAT_CONTEXT = Context(prec=15)  # what Django's SQLite backend reads a decimal column with


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return _FLOAT_CONTEXT.create_decimal_from_float(value).quantize(_THOUSANDTH)
    return Decimal(value).quantize(_THOUSANDTH)


@functools.cache
def _statement(name: str, vendor: str, rows: int = 0) -> str:
    """A save's statement, built once per vendor (and per number of rows where SQLite lists them: PostgreSQL takes
    arrays, so that its statements keep one text and a handful of parameters whatever the number of lines)."""
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    def columns(model, *names: str) -> str:
        return ", ".join(quote(model._meta.get_field(n).column) for n in names)

    pg = vendor == "postgresql"
    listed = "= ANY(%s::bigint[])" if pg else f"IN ({', '.join(['%s'] * rows)})"
    if name == "offers":
        return (f"SELECT {columns(Offer, *_OFFER_FIELDS)} FROM {table(Offer)} WHERE {columns(Offer, 'cycle')} = %s "
                f"AND {columns(Offer, 'id')} {listed}")
    if name == "order":
        return (
            "SELECT o.id, l.id, l.offer_id, l.quantity, l.tolerance, l.committed, f.name, f.unit "
            f"FROM {table(Order)} o LEFT JOIN {table(OrderLine)} l ON l.order_id = o.id "
            f"LEFT JOIN {table(Offer)} f ON f.id = l.offer_id WHERE o.cycle_id = %s AND o.household_id = %s"
        )
    if name == "changes":
        head = f"INSERT INTO {table(LineChange)} ({columns(LineChange, 'cycle', 'household', 'offer', 'quantity', 'tolerance', 'at')}) "
        if pg:
            return head + "SELECT %s, %s, x.o, x.q, x.t, %s FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS x(o, q, t)"
        return head + f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * rows)}"
    if name == "delete-lines":
        return f"DELETE FROM {table(OrderLine)} WHERE id {listed}"
    if name == "write-lines":
        # the lines are the household's own (its row is locked): a conflict is a line read before, changed
        head = f"INSERT INTO {table(OrderLine)} ({columns(OrderLine, 'order', 'offer', 'quantity', 'tolerance', 'committed')}) "
        tail = (f" ON CONFLICT ({columns(OrderLine, 'order', 'offer')}) DO UPDATE SET "
                f"{columns(OrderLine, 'quantity')} = excluded.{columns(OrderLine, 'quantity')}, "
                f"{columns(OrderLine, 'tolerance')} = excluded.{columns(OrderLine, 'tolerance')}")
        if pg:
            return head + "SELECT %s, x.o, x.q, x.t, 0 FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS x(o, q, t)" + tail
        return head + f"VALUES {', '.join(['(%s, %s, %s, %s, 0)'] * rows)}" + tail
    if name in ("write", "write-and-delete-order") and pg:
        # PostgreSQL: the changes, the lines removed, the lines written and the order's date (or, when no line is
        # left, the order deleted) in one statement; its parts touch different rows (the lines removed are not
        # those written) and see the same snapshot. A first save dates its order again (the same date): harmless.
        last = _statement("delete-order" if name == "write-and-delete-order" else "touch-order", vendor)
        return (f"WITH changes AS ({_statement('changes', vendor)}), "
                f"removed AS ({_statement('delete-lines', vendor)}), "
                f"written AS ({_statement('write-lines', vendor)}) {last}")
    if name == "insert-order":
        return (f"INSERT INTO {table(Order)} ({columns(Order, 'cycle', 'household', 'updated_at', 'updated_by')}) "
                "VALUES (%s, %s, %s, %s) RETURNING id")
    if name == "touch-order":
        return (f"UPDATE {table(Order)} SET {columns(Order, 'updated_at')} = %s, {columns(Order, 'updated_by')} = %s "
                "WHERE id = %s")
    if name == "delete-order":
        return f"DELETE FROM {table(Order)} WHERE id = %s"
    raise ValueError(name)


_OFFER_FIELDS = ("id", "cycle", "name", "unit", "pack_size", "order_step")  # in the model's order (from_db)
_OFFER_ATTNAMES = ("id", "cycle_id", "name", "unit", "pack_size", "order_step")


def _offers(cycle_id: int, offer_ids: Iterable[int]) -> dict[int, Offer]:
    """The cycle's offers among ``offer_ids`` (one statement), with the fields a save reads (the others are
    deferred: read on access)."""
    offer_ids = sorted(offer_ids)
    if not offer_ids:
        return {}
    pg = connection.vendor == "postgresql"
    with statement_cursor() as cursor:
        cursor.execute(_statement("offers", connection.vendor, 0 if pg else len(offer_ids)),
                       [cycle_id, offer_ids] if pg else [cycle_id, *offer_ids])
        rows = cursor.fetchall()
    offers = {}
    for pk, cycle, name, unit, pack_size, step in rows:
        values = (pk, cycle, name, unit, None if pack_size is None else _decimal(pack_size), _decimal(step))
        offers[pk] = Offer.from_db(connection.alias, _OFFER_ATTNAMES, values)
    return offers


def _order_with_lines(cycle_id: int, household_id: int) -> tuple[int | None, dict[int, list]]:
    """The household's order in the cycle and all its lines, each with its offer's name and unit (one
    statement): (order id or None, {offer id: [line id, quantity, tolerance, committed, name, unit]})."""
    with statement_cursor() as cursor:
        cursor.execute(_statement("order", connection.vendor), [cycle_id, household_id])
        rows = cursor.fetchall()
    if not rows:
        return None, {}
    lines = {
        offer_id: [line_id, _decimal(q), _decimal(t), _decimal(c), name, unit]
        for _order_id, line_id, offer_id, q, t, c, name, unit in rows if line_id is not None
    }
    return rows[0][0], lines


def read_order_request(
    cycle: OrderCycle, quantities: Mapping[int, object], tolerances: Mapping[int, object]
) -> OrderRequest:
    """Check quantities and tolerances (keyed by offer id) against the cycle's offers (one query); every
    problem is reported at once, each under its form field."""
    offer_ids = {int(k) for k in quantities} | {int(k) for k in tolerances}
    offers = _offers(cycle.pk, offer_ids)
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
    constant number of queries whatever the number of lines: the order and its lines (one), then the changes
    (one INSERT), the lines removed (one DELETE), the lines added or changed (one INSERT … ON CONFLICT UPDATE) and
    the order's date (one UPDATE), all four in one statement on PostgreSQL; a first save inserts the order. Runs inside the caller's transaction, with the
    cycle locked (``lock_open_cycle``). The saved order's lines come back in ``SavedOrder.lines``."""
    wanted, wanted_tolerance, offers = dict(request.quantities), request.tolerances, request.offers
    order_id, existing = _order_with_lines(cycle.pk, household.pk)
    if order_id is None and not any(wanted.values()):  # nothing ordered: no empty order is written
        return SavedOrder(order=None, created=0, updated=0, deleted=0)
    if replace:
        for offer_id in existing.keys() - wanted.keys() - wanted_tolerance.keys():
            wanted[offer_id] = Decimal(0)
    names = {offer_id: (line[4], line[5]) for offer_id, line in existing.items()}
    names.update((pk, (o.name, o.unit)) for pk, o in offers.items())
    final = {offer_id: tuple(line[1:4]) for offer_id, line in existing.items()}  # offer -> quantity, tolerance, committed
    to_delete, to_write, changes = [], [], []
    created = updated = 0
    committed_errors: dict[str, str] = {}
    for offer_id in sorted(wanted.keys() | wanted_tolerance.keys()):
        line = existing.get(offer_id)
        quantity = wanted.get(offer_id, line[1] if line else Decimal(0))
        tolerance = wanted_tolerance.get(offer_id, line[2] if line else Decimal(0)) if quantity else Decimal(0)
        if line is not None and quantity < line[3]:
            name, unit = names[offer_id]
            committed_errors[f"q-{offer_id}"] = _(
                "%(product)s: your subscription commits you to at least %(quantity)s."
            ) % {"product": name, "quantity": format_quantity_with_unit(line[3], unit)}
        elif quantity == 0:
            if line is not None:
                to_delete.append(line[0])
                changes.append((offer_id, Decimal(0), Decimal(0)))
                del final[offer_id]
        elif line is None or (line[1], line[2]) != (quantity, tolerance):
            created += line is None
            updated += line is not None
            to_write.append((offer_id, quantity, tolerance))
            changes.append((offer_id, quantity, tolerance))
            final[offer_id] = (quantity.quantize(_THOUSANDTH), tolerance.quantize(_THOUSANDTH),
                               line[3] if line else Decimal("0.000"))
    if committed_errors:
        raise ActionError(field_errors=committed_errors)
    inserted = order_id is None
    if inserted:
        order_id = _insert_order(cycle.pk, household.pk, by_user, now)
    elif not changes:
        return _saved(order_id, cycle, household, final, names, 0, 0, 0, updated_at=None)
    now_db = _db_datetime(now)
    vendor = connection.vendor
    with statement_cursor() as cursor:
        if vendor == "postgresql":  # one statement of one text whatever the lines (arrays, maybe empty)
            last = (now_db, _user_id(by_user), order_id) if final else (order_id,)
            cursor.execute(_statement("write" if final else "write-and-delete-order", vendor), [
                cycle.pk, household.pk, now_db, [c[0] for c in changes], [c[1] for c in changes], [c[2] for c in changes],
                to_delete,
                order_id, [w[0] for w in to_write], [w[1] for w in to_write], [w[2] for w in to_write],
                *last,
            ])
        else:
            for rows in _batches(changes):
                cursor.execute(_statement("changes", vendor, len(rows)), [
                    v for offer_id, q, t in rows
                    for v in (cycle.pk, household.pk, offer_id, _db_decimal(q), _db_decimal(t), now_db)])
            for rows in _batches(to_delete):
                cursor.execute(_statement("delete-lines", vendor, len(rows)), rows)
            for rows in _batches(to_write):
                cursor.execute(_statement("write-lines", vendor, len(rows)), [
                    v for offer_id, q, t in rows for v in (order_id, offer_id, _db_decimal(q), _db_decimal(t))])
            if not final:
                cursor.execute(_statement("delete-order", vendor), [order_id])
            elif not inserted:
                cursor.execute(_statement("touch-order", vendor), [now_db, _user_id(by_user), order_id])
    if not final:  # every line removed: the household no longer has an order in this cycle
        return SavedOrder(order=None, created=0, updated=0, deleted=len(to_delete))
    return _saved(order_id, cycle, household, final, names, created, updated, len(to_delete), updated_at=now,
                  by_user=by_user)


def _batches(rows: list, size: int = 1000):
    """Rows by the thousand: a statement stays below the parameters SQLite takes (32,766)."""
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _user_id(user) -> int | None:
    return None if user is None else user.pk


def _db_decimal(value: Decimal):
    return connection.ops.adapt_decimalfield_value(value, 12, 3)


def _db_datetime(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _insert_order(cycle_id: int, household_id: int, by_user, now: datetime.datetime) -> int:
    with statement_cursor() as cursor:
        cursor.execute(_statement("insert-order", connection.vendor),
                       [cycle_id, household_id, _db_datetime(now), _user_id(by_user)])
        return cursor.fetchone()[0]


def _saved(order_id: int, cycle: OrderCycle, household: Household, final: dict, names: dict, created: int,
           updated: int, deleted: int, *, updated_at: datetime.datetime | None, by_user=None) -> SavedOrder:
    if updated_at is None:  # nothing changed: the order as it was
        order = Order.objects.get(pk=order_id)
    else:
        order = Order(pk=order_id, cycle=cycle, household=household, updated_at=updated_at,
                      updated_by_id=_user_id(by_user))
        order._state.adding, order._state.db = False, connection.alias
    lines = tuple(SavedLine(offer_id, *names[offer_id], *values) for offer_id, values in final.items())
    return SavedOrder(order=order, created=created, updated=updated, deleted=deleted, lines=lines)


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
    """Per offer, the quantity and tolerance ordered so far by every household of the club, each household's
    within the per-household cap (one aggregate query). ``shared``: a value computed in the last ``CABAS_PROGRESS_SECONDS`` seconds for the same cycle is
    used instead, so that the order pages polling at the deadline cost one query per cycle every few seconds,
    not one per member; a fresh computation is stored for them."""
    key = f"cabas:pooled-totals:{cycle.pk}"
    if shared:
        cached = cache.get(key)
        if cached is not None:
            return cached
    # each household's request as the per-household cap leaves it, as the closing counts it (allocation rule 1)
    cap = F("offer__per_household_cap")
    capped = Least(F("quantity"), Coalesce(cap, F("quantity")))
    capped_tolerance = Greatest(Least(F("tolerance"), Coalesce(cap - capped, F("tolerance"))),
                                Value(Decimal(0), output_field=DecimalField(max_digits=12, decimal_places=3)))
    totals = {
        offer_id: (quantity or Decimal(0), tolerance or Decimal(0))
        for offer_id, quantity, tolerance in OrderLine.objects.filter(order__cycle=cycle)
        .values("offer_id").annotate(pooled=Sum(capped), pooled_tolerance=Sum(capped_tolerance))
        .values_list("offer_id", "pooled", "pooled_tolerance").order_by()
    }
    cache.set(key, totals, settings.CABAS_PROGRESS_SECONDS)
    return totals


def offer_progress(cycle: OrderCycle, offers: Iterable[Offer], *, shared: bool = False) -> dict[int, allocation.Progress]:
    """Live pooled progress of the offers that have packs, a threshold or a supply cap (one aggregate query
    over the cycle, always, so a page costs the same whatever its offers; none with ``shared`` and a recent
    value: see ``pooled_totals``)."""
    watched = {o.pk: o for o in offers if is_watched(o)}
    totals = pooled_totals(cycle, shared=shared)
    result = {}
    for pk, offer in watched.items():
        quantity, tolerance = totals.get(pk, (Decimal(0), Decimal(0)))
        result[pk] = allocation.progress(offer_rules(offer), quantity, tolerance)
    return result


def household_lines(cycle: OrderCycle, household_id: int) -> dict[int, tuple[Decimal, Decimal]]:
    """The household's saved quantity and tolerance per offer of the cycle (one query)."""
    return {
        offer_id: (quantity, tolerance)
        for offer_id, quantity, tolerance in OrderLine.objects.filter(
            order__cycle=cycle, order__household_id=household_id
        ).values_list("offer_id", "quantity", "tolerance")
    }


def offer_rules(offer: Offer) -> allocation.ProductRules:
    return allocation.ProductRules(offer.pk, pack_size=offer.effective_pack_size, step=offer.order_step,
                                   min_total=offer.min_total, supply_cap=offer.supply_cap,
                                   per_household_cap=offer.per_household_cap)


def is_watched(offer: Offer) -> bool:
    """Whether the order page follows the offer's pooled progress (packs, a threshold or a supply cap)."""
    return offer.sold_by_pack or offer.min_total is not None or offer.supply_cap is not None


@dataclass(frozen=True)
class LiveOrder:
    """An order as a member is typing it, before it is saved: what the page tells next to each field."""
    quantities: dict[int, Decimal]  # the good quantities typed (the saved one where a field is wrong or absent)
    field_errors: dict[str, str]  # form field (q-<id>, t-<id>) -> message shown in red
    progress: dict[int, allocation.Progress]  # watched offers, pooled with what is typed
    total: Decimal  # of the good quantities
    line_count: int
    changed: bool  # something typed differs from the saved order
    unknown: bool  # a field named an offer that is not in the cycle

    @property
    def has_errors(self) -> bool:
        return bool(self.field_errors)


def live_order(
    offers: Mapping[int, Offer], typed: Mapping[int, object], typed_tolerances: Mapping[int, object], *,
    saved: Mapping[int, tuple[Decimal, Decimal]], pooled: Mapping[int, tuple[Decimal, Decimal]],
) -> LiveOrder:
    """What the order page shows for quantities being typed (no query: the caller reads ``saved``, the
    household's lines, and ``pooled``, every household's totals per offer): each field checked by the rules of
    the save, a quantity above the per-household cap marked, and the pooled progress of each watched offer with
    the household's saved request replaced by what is typed (``allocation.progress_with``). Only pooled totals
    are used: nothing of another household shows. A field left out keeps the saved value."""
    quantities, field_errors, unknown = read_quantities(offers, typed)
    tolerances, tolerance_errors, unknown_t = read_quantities(offers, typed_tolerances, field="t")
    field_errors.update(tolerance_errors)
    mine = {}
    for pk in offers:
        saved_quantity, saved_tolerance = saved.get(pk, (ZERO, ZERO))
        mine[pk] = (quantities.get(pk, saved_quantity), tolerances.get(pk, saved_tolerance))
    progress, changed = {}, False
    for pk, offer in offers.items():
        rules = offer_rules(offer)
        quantity, tolerance = mine[pk]
        changed = changed or (quantity, tolerance) != saved.get(pk, (ZERO, ZERO))
        if f"q-{pk}" not in field_errors and allocation.exceeds_household_cap(rules, quantity):
            cap = format_quantity_with_unit(allocation.household_cap(rules), offer.unit)
            field_errors[f"q-{pk}"] = _("%(product)s: at most %(limit)s per household; you will receive %(limit)s "
                                        "at most.") % {"product": offer.name, "limit": cap}
        if is_watched(offer):
            total_quantity, total_tolerance = pooled.get(pk, (ZERO, ZERO))
            saved_quantity, saved_tolerance = allocation.capped_request(rules, *saved.get(pk, (ZERO, ZERO)))
            # pooled totals shared a few seconds may predate the household's last save: never below zero
            others = (max(total_quantity - saved_quantity, ZERO), max(total_tolerance - saved_tolerance, ZERO))
            progress[pk] = allocation.progress_with(rules, others, (quantity, tolerance))
    ordered = {pk: q for pk, (q, _t) in mine.items() if q}
    return LiveOrder(quantities=ordered, field_errors=field_errors, progress=progress,
                     total=order_total(offers, ordered), line_count=len(ordered), changed=changed,
                     unknown=unknown or unknown_t)


def order_total(offers: Mapping[int, Offer], quantities: Mapping[int, Decimal]) -> Decimal:
    """The running total shown while a member edits an order (prices incl. VAT)."""
    return sum((line_amount(q, offers[k].unit_price) for k, q in quantities.items() if k in offers and q), ZERO)


# --- closing --------------------------------------------------------------------------------------


def run_allocation(cycle: OrderCycle, depot_limits: Mapping[tuple[int, int], Decimal | None] | None = None, *,
                   priority: Iterable[int] = ()) -> closing.ClosingResult:
    """The engine's outcome for the cycle as its orders stand now (three queries, whatever the size); with
    ``depot_limits`` ((offer id, group id) -> what that depot received), a depot's shortfall is shared among its
    households. ``priority``: the households served first when the cycle shares out ``solidarity-first`` (the
    flows read who is on a solidarity tariff: ordering never knows tariffs)."""
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
        depot_limits=depot_limits, priority=frozenset(priority),
    )


def write_allocation(cycle: OrderCycle, depot_limits: Mapping[tuple[int, int], Decimal | None] | None = None, *,
                     priority: Iterable[int] = ()) -> closing.ClosingResult:
    """Run the engine and write what it decides for ordering: allocations, offer outcomes and household
    summaries (one statement per table). The flows write the documents and the ledger from the result.
    Runs inside the caller's transaction."""
    result = run_allocation(cycle, depot_limits, priority=priority)
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


# --- recurring cycles -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecurringValues:
    """What a coordinator sets for a recurring cycle (checked by ``save_recurring_cycle``)."""
    name: str
    group_ids: frozenset[int]
    every_weeks: int
    opens_weekday: int
    opens_time: datetime.time
    ordering_days: int
    starts_on: datetime.date
    source_cycle_id: int | None = None
    is_active: bool = True


def first_on_weekday(day: datetime.date, weekday: int) -> datetime.date:
    """``day`` if it falls on ``weekday``, else the next such day."""
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


@transaction.atomic
def save_recurring_cycle(*, club: Club, values: RecurringValues, recurring: RecurringCycle | None = None) -> RecurringCycle:
    """Create or change a recurring cycle of the club: its groups (some of the club's, at least one), every N
    weeks, orders opening on a weekday at a time for some days, the next opening (the first day on that weekday
    from ``starts_on``), and the cycle whose products it offers again (none given: the club's latest cycle serving
    one of its groups). ActionError before anything is written when an input is wrong."""
    errors = []
    name = (values.name or "").strip()
    if not name:
        errors.append(_("Give the recurring cycle a name."))
    groups = list(Group.objects.filter(club=club, pk__in=list(values.group_ids)))
    if not values.group_ids:
        errors.append(_("Choose at least one group the cycle serves."))
    elif len(groups) != len(values.group_ids):
        errors.append(_("A chosen group is not in this club."))
    if not 1 <= values.every_weeks <= 26:
        errors.append(_("A cycle opens every 1 to 26 weeks."))
    if not 1 <= values.ordering_days <= min(60, 7 * max(values.every_weeks, 1)):
        errors.append(_("Orders stay open at least one day, and close before the next cycle opens."))
    if not 0 <= values.opens_weekday <= 6:
        errors.append(_("Choose the day orders open."))
    source = None
    cycles = OrderCycle.objects.filter(club=club)
    if values.source_cycle_id is not None:
        source = cycles.filter(pk=values.source_cycle_id).first()
        if source is None:
            errors.append(_("The cycle to take the products from is not one of this club's."))
    elif recurring is not None and recurring.last_cycle_id is not None:
        source = recurring.last_cycle
    elif groups:
        source = cycles.for_groups([g.pk for g in groups]).order_by("-opens_at", "-pk").first()
        if source is None:
            errors.append(_("Open a first cycle for these groups: its products are offered again each time."))
    if errors:
        raise ActionError(*errors)
    if recurring is None:
        recurring = RecurringCycle(club=club)
    recurring.name = name
    recurring.every_weeks = values.every_weeks
    recurring.opens_weekday = values.opens_weekday
    recurring.opens_time = values.opens_time
    recurring.ordering_days = values.ordering_days
    recurring.next_opens_on = first_on_weekday(values.starts_on, values.opens_weekday)
    recurring.last_cycle = source
    recurring.is_active = values.is_active
    recurring.save()
    recurring.groups.set(groups)
    return recurring


@dataclass(frozen=True)
class RecurringPlan:
    """The cycle a recurring cycle opens now: its dates, each group's distribution, its products."""
    name: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    distribution_dates: dict[int, datetime.date]
    product_ids: list[int]
    rationing: str
    next_opens_on: datetime.date  # after this one
    missed: bool = False  # the latest opening due is already past its deadline (cron stopped): none is opened


def _opening(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, at))


def due_recurring_cycles(now: datetime.datetime) -> list[int]:
    """The ids of the active recurring cycles whose next opening has come (one query)."""
    today = timezone.localdate(now)
    return [pk for pk, day, at in RecurringCycle.objects.filter(is_active=True, next_opens_on__lte=today)
            .order_by("next_opens_on", "pk").values_list("pk", "next_opens_on", "opens_time") if _opening(day, at) <= now]


def lock_due_recurring_cycle(recurring_id: int, now: datetime.datetime) -> RecurringCycle | None:
    """The recurring cycle, row-locked until the transaction ends, if it is still due (another run may have
    opened it meanwhile: then None). Runs inside the caller's transaction."""
    recurring = RecurringCycle.objects.select_for_update().filter(pk=recurring_id, is_active=True).first()
    if recurring is None or _opening(recurring.next_opens_on, recurring.opens_time) > now:
        return None
    return recurring


def plan_recurring_cycle(recurring: RecurringCycle, now: datetime.datetime) -> RecurringPlan:
    """What a due recurring cycle opens: the latest opening due (those cron missed are skipped), orders until
    ``ordering_days`` later; each of its groups whose rhythm plans a distribution within ``every_weeks`` weeks
    after the deadline day, on that day (the others sit this one out); the last cycle's products still in the
    catalogue; its rationing."""
    step = datetime.timedelta(weeks=recurring.every_weeks)
    day = recurring.next_opens_on
    while _opening(day + step, recurring.opens_time) <= now:
        day += step
    opens_at = _opening(day, recurring.opens_time)
    closes_at = opens_at + datetime.timedelta(days=recurring.ordering_days)
    deadline = timezone.localdate(closes_at)
    dates = {}
    for group in recurring.groups.select_related("depot").order_by("pk"):
        planned = group.distribution_days(deadline + datetime.timedelta(days=1), deadline + step)
        if planned:
            dates[group.pk] = planned[0]
    last = recurring.last_cycle
    product_ids = [] if last is None else list(Product.objects.filter(
        pk__in=last.offers.values("product_id"), producer__club_id=recurring.club_id, is_active=True,
    ).order_by("pk").values_list("pk", flat=True))
    name = _("%(name)s — week %(week)s") % {"name": recurring.name, "week": deadline.isocalendar().week}
    return RecurringPlan(name=name, opens_at=opens_at, closes_at=closes_at, distribution_dates=dates,
                         product_ids=product_ids, rationing=last.rationing if last is not None else allocation.EQUAL_SHARE,
                         next_opens_on=day + step, missed=closes_at <= now)


def advance_recurring_cycle(recurring: RecurringCycle, plan: RecurringPlan, *, cycle: OrderCycle | None,
                            message: str) -> None:
    """After an opening (or an opening that could not be): the next opening, the cycle whose products come next
    time, and what happened. Runs inside the caller's transaction."""
    recurring.next_opens_on = plan.next_opens_on
    if cycle is not None:
        recurring.last_cycle = cycle
        if cycle.rationing != plan.rationing:
            OrderCycle.objects.filter(pk=cycle.pk).update(rationing=plan.rationing)
            cycle.rationing = plan.rationing
    recurring.last_message = message[:500]
    recurring.save(update_fields=["next_opens_on", "last_cycle", "last_message"])
