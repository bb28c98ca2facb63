"""The API's handlers: parse, check permissions, call a service or a read model, return a schema.

Every query here is per request, never per row: each endpoint costs a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated

from django.db.models import Prefetch
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja.errors import HttpError
from pydantic import BeforeValidator

from cabas.core.errors import ActionError
from cabas.core.formatting import name_sort_key
from cabas.distribution.documents import picking_list
from cabas.members.models import Household, Role, User
from cabas.members.permissions import access_for
from cabas.ordering.models import Allocation, CycleStatus, Offer, Order, OrderCycle, OrderLine
from cabas.flows import save_order
from cabas.ordering.services import SavedLine, offer_progress

from . import access as checks
from .renderers import json_response
from .schemas import (
    MAX_ID, CycleOut, digits_only, Error, HouseholdOut, MeOut, OfferOut, OrderIn, OrderOut, PickingListOut,
)

router = Router()

PathId = Annotated[int, BeforeValidator(digits_only), Path(ge=1, lt=MAX_ID)]
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


def ref(obj) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name}


def cycle_out(cycle: OrderCycle, now) -> dict:
    status = cycle.status(now)
    return {
        "id": cycle.pk, "name": cycle.name, "club": ref(cycle.club),
        "opens_at": cycle.opens_at, "closes_at": cycle.closes_at, "closed_at": cycle.closed_at,
        "status": str(status), "status_label": str(CycleStatus(status).label),
        "accepts_orders": status == CycleStatus.OPEN,
    }


# --- the member ---------------------------------------------------------------------------------------


@router.get("/me", response={200: MeOut, **ERRORS}, tags=["member"], summary="Who I am: household, group, roles")
def me(request):
    """The logged-in user, their household, group and club, and their roles. Never a tariff.

    Also sets the `csrftoken` cookie that the unsafe methods (PUT) need in the X-CSRFToken header."""
    user = request.auth
    get_token(request)
    household = None
    if user.household_id is not None:
        household = Household.objects.select_related("group__club").filter(pk=user.household_id).first()
    group = household.group if household else None
    roles = Role.objects.filter(user=user).select_related("club", "group").order_by("kind", "club__name", "group__name")
    return {
        "user": {"id": user.pk, "email": user.email, "first_name": user.first_name, "last_name": user.last_name},
        "household": ref(household),
        "group": ref(group),
        "club": ref(group.club if group else None),
        "roles": [
            {"kind": r.kind, "label": str(r.get_kind_display()), "club": ref(r.club), "group": ref(r.group)}
            for r in roles
        ],
    }


# --- cycles and offers ----------------------------------------------------------------------------------


@router.get("/cycles", response={200: list[CycleOut], **ERRORS}, tags=["cycles"], summary="The cycles of my club")
def cycles(
    request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
):
    """The cycles of the user's club (and of the clubs they coordinate), latest deadline first, with
    their state as of now (derived from the dates)."""
    user = request.auth
    queryset = checks.visible_cycles(user, access_for(user)).select_related("club").order_by("-closes_at", "-pk")
    now = timezone.now()
    return [cycle_out(cycle, now) for cycle in queryset[offset:offset + limit]]


@router.get(
    "/cycles/{cycle_id}/offers", response={200: list[OfferOut], **ERRORS}, tags=["cycles"],
    summary="What is on offer in a cycle",
)
def offers(request, cycle_id: PathId):
    """The offers of a cycle of the user's club, with their frozen terms and the pooled progress of
    packs, thresholds and supply. 404 for a cycle of another club."""
    cycle = checks.visible_cycle(request.auth, cycle_id)
    items = list(Offer.objects.filter(cycle=cycle).select_related("producer", "category"))
    progress = offer_progress(cycle, items, shared=True)
    return [
        {
            "id": o.pk, "name": o.name, "description": o.description,
            "producer": ref(o.producer), "category": ref(o.category),
            "unit": o.unit, "unit_label": str(o.get_unit_display()), "unit_price": o.unit_price, "vat_rate": o.vat_rate,
            "pack_size": o.pack_size, "order_step": o.order_step, "min_total": o.min_total, "is_trial": o.is_trial,
            "progress": progress.get(o.pk),
        }
        for o in items
    ]


# --- the household's order ------------------------------------------------------------------------------


def order_out(cycle: OrderCycle, household: Household, order: Order | None, lines: Iterable[SavedLine] | None = None) -> dict:
    """The household's order as the API shows it (``order``: None when it has not ordered). ``lines``: the order's
    lines when the caller has them (a save returns them), otherwise read here; shown by offer name, then id."""
    if lines is None:
        lines = []
        if order is not None:
            lines = [
                SavedLine(line.offer_id, line.offer.name, line.offer.unit, line.quantity, line.tolerance, line.committed)
                for line in OrderLine.objects.filter(order=order).select_related("offer")
            ]
    allocated = {}
    if cycle.is_closed:
        allocated = dict(Allocation.objects.filter(cycle=cycle, household=household).values_list("offer_id", "quantity"))
    status = cycle.status()
    return {
        "cycle": cycle.pk,
        "household": ref(household),
        "status": str(status),
        "accepts_orders": status == CycleStatus.OPEN,
        "updated_at": order.updated_at if order else None,
        "lines": [
            {
                "offer": line.offer_id, "name": line.name, "unit": line.unit,
                "quantity": line.quantity, "tolerance": line.tolerance, "committed": line.committed,
                "allocated": allocated.get(line.offer_id, Decimal(0)) if cycle.is_closed else None,
            }
            for line in sorted(lines, key=lambda line: (name_sort_key(line.name), line.offer_id))
        ],
    }


@router.get("/cycles/{cycle_id}/order", response={200: OrderOut, **ERRORS}, tags=["order"], summary="My household's order")
def get_order(request, cycle_id: PathId):
    """The household's order in a cycle of its club (no lines when it has not ordered)."""
    user = request.auth
    cycle = checks.own_cycle(user, cycle_id)
    household = Household.objects.get(pk=user.household_id)
    return json_response(request, order_out(cycle, household, Order.objects.filter(cycle=cycle, household=household).first()))


def raw_quantity(value):
    """What the ordering service reads: text or a whole number as sent; a JSON decimal as its shortest text."""
    return repr(value) if isinstance(value, float) else value


@router.put("/cycles/{cycle_id}/order", response={200: OrderOut, **ERRORS}, tags=["order"], summary="Set my household's order")
def put_order(request, cycle_id: PathId, payload: OrderIn):
    """Replace the household's order in an open cycle: the listed lines are the whole order (an offer
    not listed is not ordered; quantity 0 removes a line). Same rules and messages as the web order
    page; refused as a whole (400, nothing written) when any line is wrong."""
    user = request.auth
    cycle = checks.own_cycle(user, cycle_id)
    if cycle.is_closed:
        raise ActionError(_("This cycle is closed: your order can no longer be changed."))
    offer_ids = [line.offer for line in payload.lines]
    if len(set(offer_ids)) != len(offer_ids):
        raise ActionError(_("A product appears more than once in the order."))
    quantities = {line.offer: raw_quantity(line.quantity) for line in payload.lines}
    tolerances = {line.offer: 0 if line.tolerance is None else raw_quantity(line.tolerance) for line in payload.lines}
    household = user.household  # read with the user, its group too (members.backends.EmailBackend)
    saved = save_order(cycle=cycle, household=household, quantities=quantities, tolerances=tolerances, replace=True,
                       by_user=user)
    return json_response(request, order_out(cycle, household, saved.order, saved.lines))


# --- coordination ---------------------------------------------------------------------------------------


@router.get(
    "/cycles/{cycle_id}/groups/{group_id}/picking-list", response={200: PickingListOut, **ERRORS},
    tags=["coordination"], summary="A group's picking list (after closing)",
)
def picking_list_endpoint(request, cycle_id: PathId, group_id: PathId):
    """Households × products allocated to a group in a closed cycle: names and quantities only.

    For the group's coordinators and the club's; 403 for someone who coordinates nothing."""
    distribution = checks.coordinated_distribution(request.auth, cycle_id, group_id)
    if not distribution.cycle.is_closed:
        raise HttpError(404, _("The picking list is ready once the cycle is closed."))
    doc = picking_list(distribution)

    def line(offer, quantity):
        return {"offer": offer.pk, "name": offer.name, "producer": offer.producer.name, "unit": offer.unit, "quantity": quantity}

    return {
        "cycle": ref(distribution.cycle),
        "group": ref(distribution.group),
        "distribution_date": distribution.date,
        "households": [
            {"id": h.household.pk, "name": h.household.name, "lines": [line(a.offer, a.quantity) for a in h.lines]}
            for h in doc.households
        ],
        "products": [line(offer, quantity) for offer, quantity in doc.product_totals],
    }


@router.get(
    "/groups/{group_id}/households", response={200: list[HouseholdOut], **ERRORS}, tags=["coordination"],
    summary="A group's households and their members",
)
def households(request, group_id: PathId):
    """The group's households still in it, with their members' names and e-mail addresses (active accounts).

    For the group's coordinators and the club's; 403 for someone who coordinates nothing."""
    group = checks.coordinated_group(request.auth, group_id)
    members = User.objects.filter(is_active=True).order_by("last_name", "first_name", "email")
    items = Household.objects.filter(group=group, left_on__isnull=True).order_by("name", "pk").prefetch_related(Prefetch("members", queryset=members))
    return [
        {
            "id": h.pk, "name": h.name,
            "members": [
                {"id": m.pk, "first_name": m.first_name, "last_name": m.last_name, "email": m.email} for m in h.members.all()
            ],
        }
        for h in items
    ]
