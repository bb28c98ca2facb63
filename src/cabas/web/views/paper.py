"""The paper path, for members who order offline: a printable order form per household for an open cycle, and a
page where a group's coordinator keys in the paper orders, one row per household, saved through the same rules
as members' own orders."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from cabas.core.errors import ActionError
from cabas.core.formatting import format_quantity
from cabas.flows import save_paper_orders
from cabas.members.models import Group, Household
from cabas.ordering.models import CycleStatus, Offer, OrderLine

from ..access import cycle_for_coordination
from ..exports import document_filename, pdf_response
from ..feedback import flash_errors
from .coordination import coordinator_required

FIELD = re.compile(r"q-(\d{1,12})-(\d{1,12})\Z")


def _group_of_cycle(request, cycle_id: int, group_id: int):
    cycle, access = cycle_for_coordination(request, cycle_id)
    group = Group.objects.filter(pk=group_id, club_id=cycle.club_id).select_related("depot").first()
    if group is None or not access.coordinates_group(group.pk, cycle.club_id):
        raise Http404
    return cycle, group


def _sheet(cycle, group):
    """The cycle's offers, the group's households still in it and what each has ordered so far (three queries)."""
    offers = list(Offer.objects.filter(cycle=cycle).select_related("producer", "category"))
    households = list(Household.objects.filter(group=group, left_on__isnull=True).order_by("name"))
    ordered = {(household_id, offer_id): quantity for household_id, offer_id, quantity in OrderLine.objects.filter(
        order__cycle=cycle, order__household__in=households).values_list("order__household_id", "offer_id", "quantity")}
    return offers, households, ordered


@coordinator_required
def paper_order_forms(request, cycle_id: int, group_id: int):
    """One printable page per household: every product of the cycle with its unit, step and price, and a box to
    write the quantity (what the household has ordered already is printed in it)."""
    cycle, group = _group_of_cycle(request, cycle_id, group_id)
    offers, households, ordered = _sheet(cycle, group)
    forms = [{"household": h, "lines": [(o, ordered.get((h.pk, o.pk))) for o in offers]} for h in households]
    return pdf_response(request, "web/ordering/pdf/order_forms.html", {"cycle": cycle, "group": group, "forms": forms},
                        document_filename(_("order-forms"), group.name, cycle.name))


@coordinator_required
@require_http_methods(["GET", "POST"])
def paper_orders(request, cycle_id: int, group_id: int):
    """Key in the group's paper orders: a row per household, a column per product; a row is the household's whole
    order (an empty box: not ordered). Rows left as they were are not saved again."""
    cycle, group = _group_of_cycle(request, cycle_id, group_id)
    offers, households, ordered = _sheet(cycle, group)
    accepts = cycle.status() == CycleStatus.OPEN
    values = {f"q-{h}-{o}": format_quantity(q) for (h, o), q in ordered.items()}
    errors = {}
    if request.method == "POST" and accepts:
        by_id = {h.pk: h for h in households}
        offer_ids = {o.pk for o in offers}
        typed: dict[int, dict[int, str]] = {}
        for key, raw in request.POST.items():
            match = FIELD.match(key)
            if match is None:
                continue
            household_id, offer_id = int(match[1]), int(match[2])
            if household_id not in by_id or offer_id not in offer_ids:
                raise Http404
            typed.setdefault(household_id, {})[offer_id] = raw.strip() or "0"
        changed = {h: row for h, row in typed.items()
                   if any(_differs(row.get(o.pk, "0"), ordered.get((h, o.pk))) for o in offers)}
        try:
            saved = save_paper_orders(cycle=cycle, households=by_id, quantities=changed, by_user=request.user)
        except ActionError as error:
            flash_errors(request, error)
            errors = error.field_errors
            values = {f"q-{h}-{o}": raw for h, row in typed.items() for o, raw in row.items()}
        else:
            messages.success(request, ngettext("Paper order saved for %(count)s household.",
                                               "Paper orders saved for %(count)s households.", saved) % {"count": saved})
            return redirect("paper-orders", cycle.pk, group.pk)
    rows = [{"household": h, "cells": [(o, f"q-{h.pk}-{o.pk}", values.get(f"q-{h.pk}-{o.pk}"), errors.get(f"q-{h.pk}-{o.pk}"))
                                         for o in offers]} for h in households]
    status = 400 if errors else 200
    return render(request, "web/ordering/paper_orders.html", {
        "cycle": cycle, "group": group, "offers": offers, "rows": rows, "accepts_orders": accepts,
    }, status=status)


def _differs(raw: str, quantity) -> bool:
    """Whether what was typed changes the line (a blank or 0 where nothing was ordered does not); anything that
    is not a number differs, and the save says why."""
    try:
        typed = Decimal(raw.replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return True
    return typed != (quantity or 0)
