"""Distribution day on a phone: the pickup sheet (a tick per household, stored goods, how long the depot stays
open), the depot's surplus and what became of it, and the cycle's surplus report."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas.distribution.models import DispositionKind, PickupStatus
from cabas.distribution.pickup import pickup_sheet, record_pickup, resolve_stored, set_ends_on
from cabas.distribution.surplus import give_or_lose, surplus_lines, surplus_report
from cabas.flows import sell_surplus
from cabas.members.models import Household

from ..access import distribution_for_user, require_cycle_runner
from ..feedback import flash_errors
from .coordination import coordinator_required
from .documents import closed_cycle

MISSING_FIELD = re.compile(r"missing-(\d{1,12})\Z")


def _distribution(request, cycle_id: int, group_id: int):
    cycle, access = closed_cycle(request, cycle_id)
    return distribution_for_user(request, cycle, access, group_id)


@coordinator_required
@require_http_methods(["GET", "POST"])
def pickup_page(request, cycle_id: int, group_id: int):
    """The depot's households, what each receives and its tick; a POST ticks one household. ``?place=``: only the
    households collecting at the depot (``depot``) or at one of the group's other places (its id)."""
    distribution = _distribution(request, cycle_id, group_id)
    place = request.GET.get("place", "")[:12]  # the sheet of one place (pickup_sheet checks it)
    errors, failed, status = {}, None, 200
    if request.method == "POST":
        household_id = parse_id(request.POST.get("household"))
        if household_id is None:
            raise Http404
        missing = {int(m[1]): v for k, v in request.POST.items() if (m := MISSING_FIELD.match(k))}
        try:
            record_pickup(
                distribution, household_id, request.POST.get("status", ""), missing=missing,
                collected_by_household_id=parse_id(request.POST.get("collected_by")),
                collected_by_name=request.POST.get("collected_by_name", ""), by_user=request.user,
            )
        except ActionError as error:
            errors, failed, status = error, household_id, 400
        else:
            messages.success(request, _("Pickup recorded."))
            sheet_of = f"?{urlencode({'place': place})}" if place else ""
            return redirect(reverse("pickup", args=[cycle_id, group_id]) + f"{sheet_of}#household-{household_id}")
    sheet = pickup_sheet(distribution, place)
    return render(request, "web/distribution/pickup.html", {
        "cycle": distribution.cycle, "distribution": distribution, "sheet": sheet, "statuses": PickupStatus.choices,
        "error": errors or None, "failed": failed, "posted": request.POST if failed else None,
    }, status=status)


@coordinator_required
@require_POST
def pickup_stored(request, cycle_id: int, group_id: int):
    """Stored goods collected later, or turned into surplus."""
    distribution = _distribution(request, cycle_id, group_id)
    ids = [i for i in (parse_id(v) for v in request.POST.getlist("uncollected")) if i is not None]
    action = request.POST.get("action", "")
    try:
        count = resolve_stored(distribution, ids, action, by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
    else:
        if action == "collect":
            messages.success(request, ngettext("%(count)s line recorded as collected.",
                                               "%(count)s lines recorded as collected.", count) % {"count": count})
        else:
            messages.success(request, ngettext("%(count)s line turned into surplus.",
                                               "%(count)s lines turned into surplus.", count) % {"count": count})
    return redirect("pickup", cycle_id, group_id)


@coordinator_required
@require_POST
def pickup_dates(request, cycle_id: int, group_id: int):
    """How long the depot stays open for this distribution (stored goods picked up over several days)."""
    distribution = _distribution(request, cycle_id, group_id)
    raw = request.POST.get("ends_on", "").strip()
    try:
        ends_on = datetime.date.fromisoformat(raw) if raw else None
    except ValueError:
        messages.error(request, _("Give a date, e.g. 2025-03-14."))
    else:
        try:
            set_ends_on(distribution, ends_on)
        except ActionError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The distribution's dates are saved."))
    return redirect("pickup", cycle_id, group_id)


@coordinator_required
@require_http_methods(["GET", "POST"])
def surplus_page(request, cycle_id: int, group_id: int):
    """The depot's surplus: each item, what became of it and what is left; a POST records one disposition."""
    distribution = _distribution(request, cycle_id, group_id)
    error, failed, status = None, None, 200
    if request.method == "POST":
        key, kind = request.POST.get("item", "")[:20], request.POST.get("kind", "")
        try:
            if kind == DispositionKind.SOLD:
                sell_surplus(distribution, key, household_id=parse_id(request.POST.get("household")),
                             quantity=request.POST.get("quantity", ""), by_user=request.user)
            else:
                give_or_lose(distribution, key, kind, request.POST.get("quantity", ""),
                             partner=request.POST.get("partner", ""), reason=request.POST.get("reason", ""),
                             by_user=request.user)
        except ActionError as e:
            error, failed, status = e, key, 400
        else:
            messages.success(request, {DispositionKind.SOLD: _("Sale recorded and posted to the buyer's account."),
                                       DispositionKind.GIVEN: _("Gift recorded."),
                                       DispositionKind.LOST: _("Loss recorded.")}[kind])
            return redirect(reverse("surplus", args=[cycle_id, group_id]) + f"#surplus-{key}")
    lines = surplus_lines(distribution)
    households = list(Household.objects.filter(group_id=distribution.group_id, left_on__isnull=True).order_by("name"))
    return render(request, "web/distribution/surplus.html", {
        "cycle": distribution.cycle, "distribution": distribution, "lines": lines, "households": households,
        "error": error, "failed": failed, "posted": request.POST if failed else None,
    }, status=status)


@coordinator_required
def surplus_report_page(request, cycle_id: int, group_id: int | None = None):
    """Per offer, the cycle's surplus by source and where it went: the club's (its coordinators) or one depot's."""
    cycle, access = closed_cycle(request, cycle_id)
    distribution = None
    if group_id is None:
        require_cycle_runner(access, cycle, _("Only the club's coordinators see the whole club's surplus."))
    else:
        distribution = distribution_for_user(request, cycle, access, group_id)
    rows = surplus_report(cycle, group_id)
    return render(request, "web/distribution/surplus_report.html", {
        "cycle": cycle, "distribution": distribution, "rows": rows,
    })
