"""The club's money settings (its treasurers and coordinators) and its tariffs (its solidarity referents), on
Cabas' pages rather than the admin."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.core.errors import ActionError
from cabas.finance.accounts import settings_for
from cabas.finance.club_settings import SETTINGS_FIELDS, save_settings, save_tariff
from cabas.finance.models import FinanceSettings
from cabas.members.models import Club
from cabas.members.permissions import Access, access_for

from ..access import club_for
from ..context_processors import use_club
from ..feedback import flash_errors


class MoneySettingsForm(forms.ModelForm):
    class Meta:
        model = FinanceSettings
        fields = SETTINGS_FIELDS  # an allow-list: the club is never one of them
        widgets = {"legal_mentions": forms.Textarea(attrs={"rows": 3})}
        localized_fields = ("minimum_balance", "suggested_contribution", "guarantee_percent", "guarantee_per_cycle")


class TariffForm(forms.Form):
    tariff = forms.IntegerField(required=False, min_value=1, max_value=10**18 - 1)
    name = forms.CharField(max_length=100)
    discount_rate = forms.DecimalField(min_value=0, max_value=Decimal("99.99"), max_digits=5, decimal_places=2,
                                       localize=True)


@login_required
@require_http_methods(["GET", "POST"])
def money_settings(request, club_id: int):
    """Who the club is on its invoices, its bank account and references, how households pay (at the distribution
    or prepaid, and how low a prepaid account may go), the suggested solidarity contribution and the guarantee
    fund's contributions."""
    club = club_for(request, club_id, allowed=Access.handles_money,
                    refusal=_("Only the club's treasurers and coordinators handle its money."))
    form = MoneySettingsForm(request.POST or None, instance=settings_for(club))
    if request.method == "POST":
        if form.is_valid():
            save_settings(club, {name: form.cleaned_data[name] for name in SETTINGS_FIELDS})
            messages.success(request, _("The club's money settings are saved: the next closings and invoices follow them."))
            return redirect("money-settings", club.pk)
        return render(request, "web/finance/money_settings.html", {"club": club, "form": form}, status=400)
    return render(request, "web/finance/money_settings.html", {"club": club, "form": form})


@login_required
@require_POST
def tariff_save(request, club_id: int):
    """Add a tariff or change one (its solidarity referents: confidential like the households' tariffs)."""
    club = get_object_or_404(Club, pk=club_id)
    if not access_for(request.user).assigns_tariffs(club.pk):
        raise PermissionDenied(_("Solidarity tariffs are confidential: only the club's solidarity referents handle them."))
    use_club(request, club)
    form = TariffForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionError(field_errors={name: errors[0] for name, errors in form.errors.items()})
        data = form.cleaned_data
        save_tariff(club, tariff_id=data["tariff"], name=data["name"], discount_rate=data["discount_rate"])
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The tariff is saved: the next closings apply it."))
    return redirect("tariffs", club.pk)
