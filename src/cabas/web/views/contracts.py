"""Contracts (coordinators), proposals to decide (spec sheets and cost sheets), subscriptions (members)."""

from __future__ import annotations


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cabas.catalog.models import CostSheet, ProposalStatus, SpecSheet
from cabas.catalog.pricing import fair_price
from cabas.catalog.services import decide_spec_sheet
from cabas.flows import decide_cost_sheet
from cabas.contracts.models import Contract, Subscription
from cabas.contracts.services import contracts_progress, skip_date, subscription_schedule
from cabas.core.errors import ActionError
from cabas.core.validators import read_iso_date
from cabas.members.models import Club
from cabas.members.permissions import access_for

from ..access import require_club_coordinator
from ..context_processors import use_club
from ..feedback import flash_errors
from .producers import COMPONENT_LABELS


def club_for_coordination(request, club_id: int) -> Club:
    club = get_object_or_404(Club, pk=club_id)
    require_club_coordinator(access_for(request.user), club.pk)
    use_club(request, club)
    return club


@login_required
def contract_list(request, club_id: int):
    club = club_for_coordination(request, club_id)
    contracts = list(Contract.objects.filter(club=club).select_related("producer").prefetch_related("products__product"))
    today = timezone.localdate()
    rows = contracts_progress(contracts, today=today)
    return render(request, "web/contracts/contracts.html", {"club": club, "rows": rows, "today": today})


@login_required
def proposals(request, club_id: int):
    """Spec sheets and cost sheets proposed by producers, for the club's coordinators to decide."""
    club = club_for_coordination(request, club_id)
    specs = list(SpecSheet.objects.filter(product__producer__club=club, status=ProposalStatus.PROPOSED)
                 .select_related("product__producer", "proposed_by"))
    costs = list(CostSheet.objects.filter(product__producer__club=club, status=ProposalStatus.PROPOSED)
                 .select_related("product__producer", "proposed_by"))
    for sheet in costs:
        price = fair_price(sheet.season_costs())
        sheet.composition = [(COMPONENT_LABELS[name], amount) for name, amount in price.composition]
    return render(request, "web/catalog/proposals.html", {"club": club, "specs": specs, "costs": costs})


@login_required
@require_POST
def decide_proposal(request, club_id: int, kind: str, sheet_id: int):
    club = club_for_coordination(request, club_id)
    model = {"fiche": SpecSheet, "prix": CostSheet}.get(kind)
    if model is None or not model.objects.filter(pk=sheet_id, product__producer__club=club).exists():
        raise Http404
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose to approve or to reject."))
        return redirect("proposals", club.pk)
    try:
        if model is SpecSheet:
            decide_spec_sheet(sheet_id=sheet_id, approve=decision == "approve", by_user=request.user)
        else:
            decide_cost_sheet(sheet_id=sheet_id, agree=decision == "approve", by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Approved: it is now in force.") if decision == "approve" else _("Rejected."))
    return redirect("proposals", club.pk)


@login_required
def subscriptions(request):
    """A household's subscriptions: basket, season, dates still due, instalments, skipping a date."""
    if request.user.household_id is None:
        raise Http404
    items = list(
        Subscription.objects.filter(household_id=request.user.household_id)
        .select_related("producer", "household__group__depot")
        .prefetch_related("lines__product", "skips")
    )
    rows = []
    for subscription in items:
        days, total, instalments = subscription_schedule(subscription)
        rows.append({"subscription": subscription, "days": days, "total": total, "instalments": instalments,
                     "skips": sorted(s.date for s in subscription.skips.all()),
                     "upcoming": [d for d in days if d >= timezone.localdate()][:8]})
    return render(request, "web/contracts/subscriptions.html", {"rows": rows})


@login_required
@require_POST
def subscription_skip(request, subscription_id: int):
    if request.user.household_id is None:
        raise Http404
    try:
        day = read_iso_date(request.POST.get("date"))
        if day is None:
            raise ActionError(_("Choose a date."))
        skip_date(subscription_id=subscription_id, household_id=request.user.household_id, day=day)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Noted: no basket on %(date)s.") % {"date": day.strftime("%d/%m/%Y")})
    return redirect("subscriptions")
