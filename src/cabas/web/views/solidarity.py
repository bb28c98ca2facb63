"""Solidarity tariffs: the club's designated referents assign them (confidential: nobody else sees them); the
funds in a cycle and the yearly report (totals only); a household's own contribution."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas.core.validators import read_iso_date
from cabas.finance import funds, reports, services
from cabas.finance.models import AccountKind, CycleFunds, HouseholdTariff, TariffCategory
from cabas.members.models import Club, Group, Household
from cabas.members.permissions import access_for
from cabas.ordering.models import OrderCycle
from cabas.ordering.services import run_allocation
from cabas.flows.closing import priority_households

from ..context_processors import use_club
from ..feedback import flash_errors


@login_required
def tariffs_home(request):
    access = access_for(request.user)
    clubs = Club.objects.all() if access.is_superuser else Club.objects.filter(pk__in=access.solidarity_club_ids)
    club = clubs.order_by("name").first()
    if club is None:
        raise PermissionDenied(_("Solidarity tariffs are confidential: only the club's solidarity referents handle them."))
    return redirect("tariffs", club.pk)


@login_required
@require_http_methods(["GET", "POST"])
def tariffs(request, club_id: int):
    club = get_object_or_404(Club, pk=club_id)
    if not access_for(request.user).assigns_tariffs(club.pk):
        raise PermissionDenied(_("Solidarity tariffs are confidential: only the club's solidarity referents handle them."))
    if request.method == "POST":
        household_id = parse_id(request.POST.get("household", ""))
        raw_category = request.POST.get("category", "")
        category_id = parse_id(raw_category) if raw_category else None
        try:
            review = read_iso_date(request.POST.get("review_on"), field="review_on")
            if household_id is None or (raw_category and category_id is None):
                raise ActionError(_("Choose a household of this club."))
            services.assign_tariff(club=club, household_id=household_id, category_id=category_id, review_on=review,
                                   by_user=request.user)
        except ActionError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The tariff is saved."))
        return redirect("tariffs", club.pk)
    today = timezone.localdate()
    assigned = list(HouseholdTariff.objects.filter(household__group__club=club).select_related("household__group", "category")
                    .order_by("review_on"))
    return render(request, "web/finance/tariffs.html", {
        "club": club, "assigned": assigned, "today": today,
        "categories": TariffCategory.objects.filter(club=club),
        "households": Household.objects.filter(group__club=club).select_related("group").order_by("name"),
        "groups": Group.objects.filter(club=club).order_by("name"),  # each one's volunteering targets
    })


# --- the funds in a cycle, the yearly report, a household's contribution ----------------------------------


def _club_for_funds(request, club_id: int) -> Club:
    """Totals of the funds (no household named): the club's coordinators, treasurers and solidarity referents."""
    club = get_object_or_404(Club, pk=club_id)
    access = access_for(request.user)
    if not (access.handles_money(club.pk) or access.assigns_tariffs(club.pk)):
        raise PermissionDenied(_("Only the club's coordinators, treasurers and solidarity referents see the funds."))
    use_club(request, club)
    return club


@login_required
def cycle_funds(request, cycle_id: int):
    """Before closing, what the cycle's discounts would cost the solidarity fund as the orders stand (and the
    uniform scaling if it cannot cover them); after closing, what the closing did."""
    cycle = get_object_or_404(OrderCycle.objects.select_related("club"), pk=cycle_id)
    _club_for_funds(request, cycle.club_id)
    record = CycleFunds.objects.filter(cycle=cycle).first() if cycle.is_closed else None
    context = {"cycle": cycle, "club": cycle.club, "record": record}
    if record is None:
        outcome = run_allocation(cycle, priority=priority_households(cycle))
        plan, guarantee, fund = funds.project(cycle, {t.key: t.vat.amount_incl_vat for t in outcome.households})
        context.update(plan=plan, fund=fund, guarantee=sum(guarantee.values(), Decimal("0.00")),
                       wanted=sum(plan.wanted.values(), Decimal("0.00")),
                       helped=sum(1 for d in plan.discounts.values() if d))
    return render(request, "web/finance/cycle_funds.html", context)


@login_required
def solidarity_report(request, club_id: int, year: int | None = None):
    club = _club_for_funds(request, club_id)
    year = year or timezone.localdate().year
    if not 2000 <= year <= 2200:
        raise Http404
    return render(request, "web/finance/solidarity_report.html", {
        "club": club, "report": reports.solidarity_report(club, year), "year": year,
        "fund_now": services.fund_available(club, AccountKind.SOLIDARITY),
        "guarantee_now": services.fund_available(club, AccountKind.GUARANTEE),
    })


@login_required
@require_POST
def pledge(request):
    """A household chooses its solidarity contribution (from its account page)."""
    if request.user.household_id is None:
        raise Http404
    household = Household.objects.get(pk=request.user.household_id)
    try:
        services.set_pledge(household=household, mode=request.POST.get("mode", ""), percent=request.POST.get("percent", ""))
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("Your choice is saved: it applies from the next closing. Thank you."))
    return redirect("account")
