"""Producers' yearly membership fee, for the club's treasurers and coordinators: the amount the club asks (none by
default), and the year's fees posted to the producers' accounts — once per producer and year, whatever the
number of clicks (``finance.producer_fees``). The producer reads it on its statement."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from cabas.catalog.models import Producer
from cabas.core.errors import ActionError
from cabas.core.formatting import format_money
from cabas.finance import producer_fees
from cabas.members import services as members
from cabas.members.models import Club
from cabas.members.permissions import Access

from ..access import club_for
from .volunteering_club import ServiceErrors


class AmountForm(ServiceErrors, forms.Form):
    producer_fee = forms.DecimalField(
        label=gettext_lazy("Producers' yearly membership fee (€)"), required=False, min_value=0,
        max_value=members.MAX_PRODUCER_FEE, max_digits=8, decimal_places=2, localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
        help_text=gettext_lazy("Empty or 0: the club asks its producers no fee."))


class PostForm(ServiceErrors, forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int)
    producers = forms.TypedMultipleChoiceField(label=gettext_lazy("Producers"), coerce=int,
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, years, producers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["producers"].choices = [(p.pk, p.name) for p in producers]


def club_for_fees(request, club_id: int) -> Club:
    """The club, for its treasurers and coordinators; a member or group coordinator of the club: 403; another
    club: 404."""
    return club_for(request, club_id, allowed=Access.handles_money,
                    refusal=_("Only the club's treasurers and coordinators handle its money."))


@login_required
@require_http_methods(["GET", "POST"])
def producer_fees_page(request, club_id: int):
    club = club_for_fees(request, club_id)
    today = timezone.localdate()
    years = producer_fees.years_offered(today)
    try:
        year = int(request.POST.get("year") or request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    if year not in years:
        year = today.year
    producers = list(Producer.objects.filter(club=club).order_by("name"))
    amount_form = AmountForm(initial={"producer_fee": club.producer_fee})
    post_form = None
    status = 200
    action = request.POST.get("action")
    if request.method == "POST" and action == "amount":
        amount_form = AmountForm(request.POST)
        if amount_form.is_valid():
            try:
                members.set_producer_fee(club=club, amount=amount_form.cleaned_data["producer_fee"])
            except ActionError as error:
                amount_form.add_service_error(error)
            else:
                messages.success(request, _("The producers' fee is saved."))
                return redirect(reverse("producer-fees", args=[club.pk]) + f"?year={year}")
        status = 400
    elif request.method == "POST" and action == "post":
        post_form = PostForm(request.POST, years=years, producers=producers)
        if post_form.is_valid():
            try:
                posted = producer_fees.post_producer_fees(
                    club=club, year=post_form.cleaned_data["year"], producer_ids=post_form.cleaned_data["producers"],
                    by_user=request.user, today=today)
            except ActionError as error:
                post_form.add_service_error(error)
            else:
                if posted:
                    messages.success(request, ngettext(
                        "%(count)s fee of %(amount)s posted to the producers' accounts.",
                        "%(count)s fees of %(amount)s posted to the producers' accounts.", len(posted)) % {
                        "count": len(posted), "amount": format_money(posted[0].amount)})
                else:
                    messages.info(request, _("These producers' fees of %(year)s were already posted: nothing was posted "
                                             "again.") % {"year": post_form.cleaned_data["year"]})
                return redirect(reverse("producer-fees", args=[club.pk]) + f"?year={post_form.cleaned_data['year']}")
        status = 400
    elif request.method == "POST":
        status = 400  # an action the page does not have: shown again, nothing written
    posted = producer_fees.posted_fees(club, year)
    if post_form is None:
        post_form = PostForm(years=years, producers=producers,
                             initial={"year": year, "producers": [p.pk for p in producers if p.pk not in posted]})
    selected = {int(v) for v in (post_form["producers"].value() or []) if str(v).isdigit()}
    return render(request, "web/finance/producer_fees.html", {
        "club": club, "year": year, "years": years, "amount_form": amount_form, "post_form": post_form,
        "selected": selected,
        "rows": [(p, posted.get(p.pk)) for p in producers], "missing": sum(1 for p in producers if p.pk not in posted),
    }, status=status)
