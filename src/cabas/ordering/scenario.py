"""Allocation scenarios as JSON, for `cabas simulate-allocation` (no Django import).

The format is documented in docs/allocation.md. Parsing is strict: unknown keys, non-numbers and
negative numbers are refused with a message naming the item and the field.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from cabas.core.dates import EARLIEST_DATE, LATEST_DATE, in_range
from cabas.core.errors import translatable as _
from .allocation import STRATEGIES, AllocationInputError, AllocationResult, ProductRules, Request

PRODUCT_KEYS = {"id", "pack_size", "step", "min_total", "supply_cap", "per_household_cap", "delivered"}
REQUEST_KEYS = {"household", "product", "quantity", "tolerance", "at"}
TOP_KEYS = {"strategy", "products", "requests"}



def _number(value, *, field: str, where: str, required: bool = False) -> Decimal | None:
    if value is None:
        if required:
            raise AllocationInputError(_("%(where)s: %(field)s is missing."), where=where, field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise AllocationInputError(_("%(where)s: %(field)s must be a number."), where=where, field=field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise AllocationInputError(
            _("%(where)s: %(field)s must be a number, not “%(value)s”."), where=where, field=field, value=str(value)[:20]
        ) from None
    if not number.is_finite():
        raise AllocationInputError(_("%(where)s: %(field)s must be a number."), where=where, field=field)
    if number < 0:
        raise AllocationInputError(_("%(where)s: %(field)s cannot be negative."), where=where, field=field)
    return number


def _keys(item, allowed: set[str], where: str) -> dict:
    if not isinstance(item, dict):
        raise AllocationInputError(_("%(where)s must be an object."), where=where)
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise AllocationInputError(_("%(where)s: unknown field “%(field)s”."), where=where, field=unknown[0])
    return item


def _identifier(value, *, field: str, where: str):
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise AllocationInputError(_("%(where)s: %(field)s must be a text or a whole number."), where=where, field=field)
    return value


def _time(value, where: str) -> datetime.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise AllocationInputError(_("%(where)s: “at” must be an ISO-8601 date and time."), where=where)
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AllocationInputError(_("%(where)s: “at” must be an ISO-8601 date and time."), where=where) from None
    if not in_range(moment):
        raise AllocationInputError(_("%(where)s: “at” must fall between %(earliest)s and %(latest)s."), where=where,
                                   earliest=EARLIEST_DATE.isoformat(), latest=LATEST_DATE.isoformat())
    # A time without an offset is read as UTC, so that every time compares with every other.
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def parse_scenario(data) -> tuple[str, list[ProductRules], list[Request]]:
    data = _keys(data, TOP_KEYS, "The scenario")
    strategy = data.get("strategy") or "equal-share"
    if strategy not in STRATEGIES:
        raise AllocationInputError(
            _("Unknown rationing strategy %(strategy)s (choose equal-share, proportional, first-come or solidarity-first)."),
            strategy=str(strategy),
        )
    products, requests = data.get("products") or [], data.get("requests") or []
    if not isinstance(products, list) or not isinstance(requests, list):
        raise AllocationInputError(_("“products” and “requests” must be lists."))
    rules = []
    for index, item in enumerate(products, 1):
        where = f"products[{index}]"
        item = _keys(item, PRODUCT_KEYS, where)
        product_id = _identifier(item.get("id"), field="id", where=where)
        where = f"product {product_id}"
        step = _number(item.get("step"), field="step", where=where) or Decimal(1)
        rules.append(ProductRules(
            id=product_id,
            step=step,
            pack_size=_number(item.get("pack_size"), field="pack_size", where=where) or step,
            min_total=_number(item.get("min_total"), field="min_total", where=where),
            supply_cap=_number(item.get("supply_cap"), field="supply_cap", where=where),
            per_household_cap=_number(item.get("per_household_cap"), field="per_household_cap", where=where),
            delivered=_number(item.get("delivered"), field="delivered", where=where),
        ))
    parsed = []
    for index, item in enumerate(requests, 1):
        where = f"requests[{index}]"
        item = _keys(item, REQUEST_KEYS, where)
        parsed.append(Request(
            household=_identifier(item.get("household"), field="household", where=where),
            product=_identifier(item.get("product"), field="product", where=where),
            quantity=_number(item.get("quantity"), field="quantity", where=where, required=True),
            tolerance=_number(item.get("tolerance"), field="tolerance", where=where) or Decimal(0),
            at=_time(item.get("at"), where),
            seq=index,
        ))
    return strategy, rules, parsed


def _decimal(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def result_to_json(result: AllocationResult) -> dict:
    return {
        "products": [
            {
                "id": p.id, "status": p.status, "quantity": _decimal(p.quantity), "tolerance": _decimal(p.tolerance),
                "packs": p.packs, "ordered": _decimal(p.ordered), "allocated": _decimal(p.allocated),
                "surplus": _decimal(p.surplus), "missing_for_next_pack": _decimal(p.missing_for_next_pack),
                "min_total": _decimal(p.min_total), "supply_left": _decimal(p.supply_left),
            }
            for p in result.products
        ],
        "allocations": [
            {
                "household": a.household, "product": a.product, "requested": _decimal(a.requested),
                "tolerance": _decimal(a.tolerance), "allocated": _decimal(a.allocated), "reason": a.reason,
            }
            for a in result.allocations
        ],
    }
