"""Pooled transport of a closed cycle, for the club's coordinators: a plan in each scheme against the baseline
(each producer on its own), the rounds with their stops, a diagram, drivers' sheets, the cost sharing and its
posting to the ledger."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cabas.flows import post_transport_shares
from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas.distribution.models import Distribution
from cabas.logistics import diagram, services, sheets
from cabas.logistics.models import (
    Echelon, Participants, PlanningRequest, Round, RoundStop, Scheme, SharingMethod, SiteKind, TransportPlan,
)
from cabas.logistics.tasks import request_planning
from cabas.members.words import words_for
from cabas.volunteering.planning import rota_turns_with_drivers

from ..access import cycle_for_coordination, require_club_coordinator
from ..exports import document_filename, pdf_response
from ..feedback import flash_errors
from .coordination import coordinator_required

SCHEME_ORDER = [Scheme.OWN, Scheme.DIRECT, Scheme.HUB]


def _cycle(request, cycle_id: int):
    """The cycle, for its club's coordinators only (another club's: 404; a group coordinator: 403)."""
    cycle, access = cycle_for_coordination(request, cycle_id)
    require_club_coordinator(access, cycle.club_id, _("Only the club's coordinators plan the transport."))
    return cycle


def _plan(cycle, plan_id) -> TransportPlan:
    plan = TransportPlan.objects.filter(pk=plan_id, cycle=cycle).first() if plan_id is not None else None
    if plan is None:
        raise Http404
    plan.cycle = cycle
    return plan


def _warnings(plan: TransportPlan) -> list[str]:
    texts = []
    for warning in plan.warnings or []:
        params = dict(warning.get("params") or {})
        reason = warning.get("reason")
        if reason:
            params["reason"] = _(reason["message"]) % reason.get("params", {})
        texts.append(_(warning["message"]) % params)
    return texts


def _kind_labels(words) -> dict[str, str]:
    return {SiteKind.PRODUCER: _("producer"), SiteKind.HUB: _("hub"), SiteKind.DEPOT: words["depot"],
            SiteKind.OTHER: _("other place")}


def _plan_places(rounds: list[Round], stops: dict[int, list[RoundStop]]) -> list[diagram.SitePoint]:
    """The plan's places, numbered in the order the rounds first call at them (the list beside the diagram)."""
    places: dict[tuple, diagram.SitePoint] = {}
    for r in rounds:
        for stop in stops.get(r.pk, []):
            key = (stop.kind, stop.name, stop.latitude, stop.longitude)
            if key not in places:
                places[key] = diagram.SitePoint(stop.kind, stop.name, stop.latitude, stop.longitude, str(len(places) + 1))
    return list(places.values())


def _route(r: Round, calls: list[RoundStop]) -> diagram.RouteLine:
    return diagram.RouteLine(f"{r.position}. {r.vehicle_name}", [(stop.latitude, stop.longitude) for stop in calls],
                             dashed=r.echelon in (Echelon.OWN, Echelon.FETCH))


def _description(places: list[diagram.SitePoint]) -> str:
    return "; ".join(f"{place.number}. {place.name}" for place in places)


def _svg(plan: TransportPlan, rounds: list[Round], stops: dict[int, list[RoundStop]], words, places=None) -> str:
    places = places if places is not None else _plan_places(rounds, stops)
    routes = [_route(r, stops.get(r.pk, [])) for r in rounds]
    title = _("Rounds — %(scheme)s — %(cycle)s") % {"scheme": plan.get_scheme_display(), "cycle": plan.cycle.name}
    return diagram.render(places, routes, title=title, description=_description(places), kind_labels=_kind_labels(words))


def _round_svg(row: Round, stops: list[RoundStop], words, *, width: int = 360, map_height: int = 300) -> str:
    """One round's diagram: each place's circle says its stops' numbers, those of the driver's sheet (« 1, 12 »
    for the start and the return at the same place)."""
    numbers: dict[tuple, list[str]] = {}
    first: dict[tuple, RoundStop] = {}
    for stop in stops:
        key = (stop.latitude, stop.longitude)
        numbers.setdefault(key, []).append(str(stop.sequence))
        first.setdefault(key, stop)
    places = [diagram.SitePoint(stop.kind, stop.name, stop.latitude, stop.longitude, ", ".join(numbers[key]))
              for key, stop in first.items()]
    title = _("Round %(position)s: %(vehicle)s — %(cycle)s") % {
        "position": row.position, "vehicle": row.vehicle_name, "cycle": row.plan.cycle.name}
    return diagram.render(places, [_route(row, stops)], title=title, description=_description(places),
                          kind_labels=_kind_labels(words), width=width, map_height=map_height, legend="below")


def _rota_turns(cycle) -> list[dict]:
    """Who drives the turns of the club's drivers' rotas on the cycle's distribution days (one query)."""
    return rota_turns_with_drivers(cycle.club_id, Distribution.objects.filter(cycle=cycle).values("date"))


def _rounds_and_stops(plan: TransportPlan):
    rounds = list(Round.objects.filter(plan=plan).order_by("position"))
    stops: dict[int, list[RoundStop]] = {}
    for stop in RoundStop.objects.filter(round__plan=plan).order_by("round_id", "sequence"):
        stops.setdefault(stop.round_id, []).append(stop)
    return rounds, stops


@coordinator_required
@require_GET
def transport(request, cycle_id: int):
    cycle = _cycle(request, cycle_id)
    plans = {p.scheme: p for p in TransportPlan.objects.filter(cycle=cycle).select_related("ledger_transaction")}
    for each in plans.values():
        each.cycle = cycle
    ordered = [plans[s] for s in SCHEME_ORDER if s in plans]
    wanted = parse_id(request.GET.get("plan"))
    selected = next((p for p in ordered if p.pk == wanted), None) or next((p for p in ordered if p.chosen), None) \
        or (ordered[0] if ordered else None)
    context = {
        "cycle": cycle, "plans": ordered, "selected": selected, "schemes": [(s.value, s.label) for s in SCHEME_ORDER],
        "methods": SharingMethod.choices, "participant_choices": Participants.choices,
        "settings": services.settings_for(cycle.club), "posted": next((p for p in ordered if p.posted), None),
        "planning": PlanningRequest.objects.filter(cycle=cycle).order_by("-requested_at", "-pk").first(),
        "rota_turns": _rota_turns(cycle),
    }
    if selected is not None:
        rounds, stops = _rounds_and_stops(selected)
        places = _plan_places(rounds, stops)
        context.update({
            "rounds": [(r, stops.get(r.pk, [])) for r in rounds],
            "shares": list(selected.shares.order_by("position")),
            "warnings": _warnings(selected),
            "places": places, "kind_labels": _kind_labels(words_for(cycle.club)),
            "svg": mark_safe(_svg(selected, rounds, stops, words_for(cycle.club), places)),  # every text in it is escaped by diagram.render
        })
    return render(request, "web/logistics/transport.html", context)


@coordinator_required
@require_POST
def transport_plan(request, cycle_id: int):
    """Answers at once: the solver runs in the task queue and the page shows the plan being computed."""
    cycle = _cycle(request, cycle_id)
    scheme = request.POST.get("scheme", "")
    wanted = list(SCHEME_ORDER) if scheme == "all" else [scheme] if scheme in Scheme.values else []
    if not wanted:
        messages.error(request, _("Choose a scheme."))
        return redirect("transport", cycle.pk)
    if not cycle.is_closed:
        messages.error(request, _("Rounds are planned once the cycle is closed and its allocations are known."))
        return redirect("transport", cycle.pk)
    request_planning(cycle, wanted, by_user=request.user)
    messages.success(request, _("The rounds are being computed; this page shows them when they are ready."))
    return redirect("transport", cycle.pk)


def _transport_url(cycle_id: int) -> str:
    return reverse("transport", args=[cycle_id])


@coordinator_required
@require_POST
def transport_share(request, cycle_id: int, plan_id: int):
    cycle = _cycle(request, cycle_id)
    plan = _plan(cycle, plan_id)
    method, participants = request.POST.get("method", ""), request.POST.get("participants", "")
    try:
        services.share_plan(plan, method=method, participants=participants)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The cost is shared again."))
    return redirect(f"{_transport_url(cycle.pk)}?plan={plan.pk}")


@coordinator_required
@require_POST
def transport_choose(request, cycle_id: int, plan_id: int):
    cycle = _cycle(request, cycle_id)
    plan = _plan(cycle, plan_id)
    try:
        services.choose_plan(plan)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("This plan is the chosen one."))
    return redirect(f"{_transport_url(cycle.pk)}?plan={plan.pk}")


@coordinator_required
@require_POST
def transport_post(request, cycle_id: int, plan_id: int):
    cycle = _cycle(request, cycle_id)
    plan = _plan(cycle, plan_id)
    try:
        record = post_transport_shares(plan, by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
    else:
        if record is None:
            messages.info(request, _("These shares were already posted; nothing was changed."))
        else:
            messages.success(request, _("The shares are posted to the ledger (transport pool)."))
    return redirect(f"{_transport_url(cycle.pk)}?plan={plan.pk}")


@coordinator_required
@require_GET
def transport_svg(request, cycle_id: int, plan_id: int):
    cycle = _cycle(request, cycle_id)
    plan = _plan(cycle, plan_id)
    rounds, stops = _rounds_and_stops(plan)
    svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + _svg(plan, rounds, stops, words_for(cycle.club))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{document_filename(_("rounds"), plan.scheme, cycle.name)}.svg"'
    return response


def _round_context(request, cycle_id: int, round_id: int) -> dict:
    """A round of one of the cycle's plans with what its driver needs at each stop (logistics.sheets)."""
    cycle = _cycle(request, cycle_id)
    row = Round.objects.filter(pk=round_id, plan__cycle=cycle).select_related("plan").first()
    if row is None:
        raise Http404
    row.plan.cycle = cycle
    stop_sheets = sheets.stop_sheets(row)
    words = words_for(cycle.club)
    return {
        "cycle": cycle, "round": row, "plan": row.plan, "stops": stop_sheets, "words": words,
        "kind_labels": _kind_labels(words), "rota_turns": _rota_turns(cycle),
        "svg": mark_safe(_round_svg(row, [sheet.stop for sheet in stop_sheets], words)),  # escaped by diagram.render
    }


@coordinator_required
@require_GET
def transport_round(request, cycle_id: int, round_id: int):
    """A round for its driver on a phone: each stop's address, contact (tap to call), window, loads and map links."""
    return render(request, "web/logistics/round.html", _round_context(request, cycle_id, round_id))


@coordinator_required
@require_GET
def driver_sheet(request, cycle_id: int, round_id: int):
    context = _round_context(request, cycle_id, round_id)
    row, cycle = context["round"], context["cycle"]
    filename = document_filename(_("driver-sheet"), row.position, row.vehicle_name, cycle.name)
    return pdf_response(request, "web/logistics/pdf/driver_sheet.html", context, filename)
