"""Solidarity tariffs: the club's designated referents assign them (confidential: nobody else sees them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cabas.core.dates import parse_iso_date
from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas.finance import services
from cabas.finance.models import HouseholdTariff, TariffCategory
from cabas.members.models import Club, Household
from cabas.members.permissions import access_for

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
        review = parse_iso_date(request.POST.get("review_on"))
        try:
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
    return render(request, "web/tariffs.html", {
        "club": club, "assigned": assigned, "today": today,
        "categories": TariffCategory.objects.filter(club=club),
        "households": Household.objects.filter(group__club=club).select_related("group").order_by("name"),
    })
