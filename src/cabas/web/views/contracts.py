"""Solidarity contracts and subscription offers (the club's coordinators write them), proposals to decide (spec
sheets and cost sheets), subscriptions (members subscribe themselves to an offer, see their season and skip a date).

Each page parses its input with a form (its fields are the allow-list), checks the user's right on the object (out
of scope: 404; visible but not theirs to act on: 403), calls one service and renders the form again with the
service's messages when it refuses (400)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabas.catalog.models import CostSheet, Producer, Product, ProposalStatus, SpecSheet, Unit
from cabas.catalog.pricing import fair_price
from cabas.catalog.services import decide_spec_sheet
from cabas.contracts.models import (
    Contract, ContractProduct, Frequency, GuaranteeKind, PaymentSchedule, Subscription, SubscriptionLine, SubscriptionOffer,
    SubscriptionOfferLine,
)
from cabas.contracts.services import (
    OfferLineInput, contracts_progress, delete_contract, delete_subscription_offer, first_basket_on, offer_open_to,
    offers_for_household, save_contract, save_subscription_offer, skip_date, subscribe, subscription_plans,
)
from cabas.core.errors import ActionError
from cabas.core.formatting import format_money, format_quantity
from cabas.core.validators import read_iso_date
from cabas.flows import decide_cost_sheet
from cabas.members.models import Club, Group, Household
from cabas.members.permissions import Access, access_for

from ..access import club_for, relates_to_club, require_club_coordinator
from ..context_processors import use_club
from ..feedback import flash_errors
from .producers import COMPONENT_LABELS
from .volunteering_club import ServiceErrors, date_field

MAX_PRICE = Decimal("100000")
MAX_QUANTITY = Decimal("10000")


def club_for_coordination(request, club_id: int) -> Club:
    club = get_object_or_404(Club, pk=club_id)
    require_club_coordinator(access_for(request.user), club.pk)
    use_club(request, club)
    return club


def club_for_coordinators(request, club_id: int) -> Club:
    """The club, for its coordinators; 403 for someone of the club, 404 for the others (another club's)."""
    return club_for(request, club_id, allowed=Access.coordinates_club, refusal=_("Only the club's coordinators can do this."))


def object_for_coordinators(request, queryset, pk: int):
    """A contract or an offer of a club the user coordinates, with its club and producer (403 / 404 as
    ``club_for_coordinators``)."""
    item = queryset.filter(pk=pk).select_related("club", "producer").first()
    if item is None:
        raise Http404
    access = access_for(request.user)
    if not access.coordinates_club(item.club_id):
        if relates_to_club(request, access, item.club_id):
            raise PermissionDenied(_("Only the club's coordinators can do this."))
        raise Http404
    return item


def money_field(label, **kwargs):
    return forms.DecimalField(label=label, min_value=Decimal("0"), max_value=MAX_PRICE, max_digits=10, decimal_places=2,
                              localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7}), **kwargs)


def quantity_field(label, **kwargs):
    return forms.DecimalField(label=label, min_value=Decimal("0"), max_value=MAX_QUANTITY, max_digits=10,
                              decimal_places=3, localize=True,
                              widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}), **kwargs)


def producer_choice(club: Club, producer_id) -> Producer | None:
    """The producer chosen in the address (?producteur=<id>), when it is one of the club's."""
    raw = str(producer_id or "")
    if not raw.isdigit() or len(raw) > 18:
        return None
    return Producer.objects.filter(pk=int(raw), club=club).first()


def new_with_producer(request, club_id: int, page, *, title: str, back: str):
    """A new contract or offer: first which of the club's producers it is with (?producteur=), then ``page``."""
    club = club_for_coordinators(request, club_id)
    producer = producer_choice(club, request.GET.get("producteur"))
    if producer is not None:
        return page(request, club, producer, None)
    producers = list(Producer.objects.filter(club=club).order_by("name"))
    return render(request, "web/contracts/choose_producer.html", {
        "club": club, "producers": producers, "title": title, "back": back})


# --- solidarity contracts -----------------------------------------------------------------------------------

class ContractForm(ServiceErrors, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    frequency = forms.ChoiceField(label=gettext_lazy("Pre-order frequency (guarantee period)"), choices=Frequency.choices)
    guarantee_kind = forms.ChoiceField(label=gettext_lazy("Purchase guarantee in"), choices=GuaranteeKind.choices,
                                       widget=forms.RadioSelect)
    guarantee_amount = forms.DecimalField(label=gettext_lazy("Guarantee per period"), min_value=Decimal("0.001"),
                                          max_value=Decimal("10000000"), max_digits=12, decimal_places=3, localize=True,
                                          widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
                                          help_text=gettext_lazy("In € incl. VAT, or in the unit below for a volume."))
    guarantee_unit = forms.ChoiceField(label=gettext_lazy("Unit of a volume guarantee"), required=False,
                                       choices=[("", "—"), *Unit.choices])
    starts_on = date_field(gettext_lazy("Starts on"))
    ends_on = date_field(gettext_lazy("Ends on (excluded)"))
    tacit_renewal = forms.BooleanField(label=gettext_lazy("Renewed unless cancelled"), required=False)
    signed_by_club_on = date_field(gettext_lazy("Signed by the club on"), required=False)
    signed_by_producer_on = date_field(gettext_lazy("Signed by the producer on"), required=False)
    notes = forms.CharField(label=gettext_lazy("Notes"), max_length=4000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products
        for product in products:
            self.fields[f"price-{product.pk}"] = money_field(
                _("%(product)s — agreed price per %(unit)s") % {"product": product.name, "unit": product.get_unit_display()},
                required=False,
                help_text=_("Catalogue: %(price)s. Empty: not under this contract.") % {
                    "price": format_money(product.unit_price)})

    def terms_fields(self):
        return [self[name] for name in ("title", "frequency", "guarantee_kind", "guarantee_amount", "guarantee_unit",
                                        "starts_on", "ends_on", "tacit_renewal", "signed_by_club_on",
                                        "signed_by_producer_on", "notes")]

    def price_fields(self):
        return [self[f"price-{p.pk}"] for p in self.products]

    def prices(self) -> dict[int, Decimal]:
        return {p.pk: self.cleaned_data[f"price-{p.pk}"] for p in self.products
                if self.cleaned_data.get(f"price-{p.pk}") is not None}


def contract_initial(contract: Contract) -> dict:
    initial = {name: getattr(contract, name) for name in (
        "title", "frequency", "guarantee_kind", "guarantee_amount", "guarantee_unit", "starts_on", "ends_on",
        "tacit_renewal", "signed_by_club_on", "signed_by_producer_on", "notes")}
    initial.update({f"price-{cp.product_id}": cp.agreed_price for cp in contract.products.all()})
    return initial


@login_required
def contract_list(request, club_id: int):
    club = club_for_coordinators(request, club_id)
    contracts = list(Contract.objects.filter(club=club).select_related("producer").prefetch_related("products__product"))
    today = timezone.localdate()
    rows = contracts_progress(contracts, today=today)
    return render(request, "web/contracts/contracts.html", {"club": club, "rows": rows, "today": today})


def contract_page(request, club: Club, producer: Producer, contract: Contract | None):
    products = list(Product.objects.filter(producer=producer).order_by("-is_active", "name"))
    if contract is not None:
        products += [cp.product for cp in contract.products.all() if cp.product.producer_id != producer.pk]
    form = ContractForm(products=products, initial=contract_initial(contract) if contract else {
        "frequency": Frequency.MONTHLY, "guarantee_kind": GuaranteeKind.VALUE})
    status = 200
    if request.method == "POST":
        form = ContractForm(request.POST, products=products)
        status = 400
        if form.is_valid():
            try:
                saved = save_contract(club=club, contract=contract, values={**form.cleaned_data, "producer": producer},
                                      prices=form.prices())
            except ActionError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("The contract “%(title)s” is saved: the next cycles take its agreed prices.")
                                 % {"title": saved.title})
                return redirect("contracts", club.pk)
    return render(request, "web/contracts/contract_form.html", {
        "club": club, "producer": producer, "contract": contract, "form": form,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contract_create(request, club_id: int):
    """A new contract: first its producer (?producteur=), then its terms and its products' agreed prices."""
    return new_with_producer(request, club_id, contract_page, title=_("New solidarity contract"), back="contracts")


@login_required
@require_http_methods(["GET", "POST"])
def contract_edit(request, contract_id: int):
    contract = object_for_coordinators(request, Contract.objects.prefetch_related(
        Prefetch("products", queryset=ContractProduct.objects.select_related("product"))), contract_id)
    return contract_page(request, contract.club, contract.producer, contract)


@login_required
@require_POST
def contract_delete(request, contract_id: int):
    contract = object_for_coordinators(request, Contract.objects, contract_id)
    try:
        delete_contract(contract)
    except ActionError as error:
        flash_errors(request, error)
        return redirect("contract-edit", contract.pk)
    messages.success(request, _("The contract “%(title)s” is deleted.") % {"title": contract.title})
    return redirect("contracts", contract.club_id)


# --- proposals ----------------------------------------------------------------------------------------------

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


# --- subscription offers: the club's coordinators ------------------------------------------------------------

class OfferForm(ServiceErrors, forms.Form):
    season = forms.CharField(label=gettext_lazy("Season"), max_length=60,
                             widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Spring 2027")}))
    description = forms.CharField(label=gettext_lazy("Description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = date_field(gettext_lazy("First distribution on or after"))
    ends_on = date_field(gettext_lazy("Last distribution on or before"))
    signup_opens_on = date_field(gettext_lazy("Sign-up opens on"))
    signup_closes_on = date_field(gettext_lazy("Sign-up closes on"))
    max_skips = forms.IntegerField(label=gettext_lazy("Dates a household may skip"), min_value=0, max_value=52,
                                   initial=2, widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}))
    notice_days = forms.IntegerField(label=gettext_lazy("Notice to skip (days)"), min_value=0, max_value=60, initial=7,
                                     widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}))
    payment_schedules = forms.MultipleChoiceField(label=gettext_lazy("Payment schedules offered"),
                                                  choices=PaymentSchedule.choices, widget=forms.CheckboxSelectMultiple)
    groups = forms.TypedMultipleChoiceField(label=gettext_lazy("Open to"), coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text=gettext_lazy("None ticked: every group of the club."))

    def __init__(self, *args, club, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = [(g.pk, g.name) for g in Group.objects.filter(club=club).order_by("name")]
        self.fields["groups"].label = _("Open to (%(word)s)") % {"word": club.group_label}
        self.products = products
        for product in products:
            unit = product.get_unit_display()
            self.fields[f"quantity-{product.pk}"] = quantity_field(
                _("%(product)s — quantity proposed (%(unit)s)") % {"product": product.name, "unit": unit}, required=False,
                help_text=_("Empty: not in the basket."))
            self.fields[f"min-{product.pk}"] = quantity_field(_("at least"), required=False)
            self.fields[f"max-{product.pk}"] = quantity_field(_("at most"), required=False)

    def terms_fields(self):
        return [self[name] for name in ("season", "description", "starts_on", "ends_on", "signup_opens_on",
                                        "signup_closes_on", "max_skips", "notice_days", "payment_schedules", "groups")]

    def basket_rows(self):
        return [(p, self[f"quantity-{p.pk}"], self[f"min-{p.pk}"], self[f"max-{p.pk}"]) for p in self.products]

    def clean(self):
        data = super().clean()
        for product in self.products:
            quantity = data.get(f"quantity-{product.pk}")
            if quantity is None:
                continue
            if quantity == 0:
                self.add_error(f"quantity-{product.pk}", _("Empty, or more than 0."))
        return data

    def lines(self) -> list[OfferLineInput]:
        data = self.cleaned_data
        rows = []
        for product in self.products:
            quantity = data.get(f"quantity-{product.pk}")
            if quantity:
                low = data.get(f"min-{product.pk}")
                high = data.get(f"max-{product.pk}")
                rows.append(OfferLineInput(product_id=product.pk, quantity=quantity,
                                           min_quantity=quantity if low is None else low,
                                           max_quantity=quantity if high is None else high))
        return rows


def offer_initial(offer: SubscriptionOffer) -> dict:
    initial = {name: getattr(offer, name) for name in ("season", "description", "starts_on", "ends_on",
                                                       "signup_opens_on", "signup_closes_on", "max_skips", "notice_days")}
    initial["payment_schedules"] = offer.schedules
    initial["groups"] = [g.pk for g in offer.groups.all()]
    for line in offer.lines.all():
        initial.update({f"quantity-{line.product_id}": line.quantity, f"min-{line.product_id}": line.min_quantity,
                        f"max-{line.product_id}": line.max_quantity})
    return initial


@login_required
def subscription_offers(request, club_id: int):
    """The club's subscription offers, with how many households subscribed to each."""
    club = club_for_coordinators(request, club_id)
    offers = list(SubscriptionOffer.objects.filter(club=club).select_related("producer")
                  .prefetch_related("groups", Prefetch("lines", queryset=SubscriptionOfferLine.objects
                                                       .select_related("product").order_by("pk")))
                  .annotate(subscribers=Count("subscriptions")).order_by("-starts_on", "pk"))
    return render(request, "web/contracts/offers.html", {"club": club, "offers": offers, "today": timezone.localdate()})


def offer_page(request, club: Club, producer: Producer, offer: SubscriptionOffer | None):
    products = list(Product.objects.filter(producer=producer, is_active=True).order_by("name"))
    if offer is not None:
        kept = {p.pk for p in products}
        products += [line.product for line in offer.lines.all() if line.product_id not in kept]
    today = timezone.localdate()
    form = OfferForm(club=club, products=products, initial=offer_initial(offer) if offer else {
        "signup_opens_on": today, "payment_schedules": [PaymentSchedule.SINGLE, PaymentSchedule.MONTHLY]})
    status = 200
    if request.method == "POST":
        form = OfferForm(request.POST, club=club, products=products)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = save_subscription_offer(club=club, offer=offer, values={**data, "producer": producer},
                                                schedules=data["payment_schedules"], group_ids=data["groups"],
                                                lines=form.lines())
            except ActionError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("The offer “%(season)s” is saved: the households of the groups it is open "
                                            "to can subscribe during its sign-up.") % {"season": saved.season})
                return redirect("subscription-offers", club.pk)
    subscribers = []
    if offer is not None:
        subscribers = list(offer.subscriptions.select_related("household__group")
                           .prefetch_related("lines__product").order_by("household__group__name", "household__name"))
    return render(request, "web/contracts/offer_form.html", {
        "club": club, "producer": producer, "offer": offer, "form": form, "subscribers": subscribers,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_offer_create(request, club_id: int):
    return new_with_producer(request, club_id, offer_page, title=_("New subscription offer"), back="subscription-offers")


@login_required
@require_http_methods(["GET", "POST"])
def subscription_offer_edit(request, offer_id: int):
    offer = object_for_coordinators(request, SubscriptionOffer.objects.prefetch_related(
        "groups", Prefetch("lines", queryset=SubscriptionOfferLine.objects.select_related("product"))), offer_id)
    return offer_page(request, offer.club, offer.producer, offer)


@login_required
@require_POST
def subscription_offer_delete(request, offer_id: int):
    offer = object_for_coordinators(request, SubscriptionOffer.objects, offer_id)
    try:
        delete_subscription_offer(offer)
    except ActionError as error:
        flash_errors(request, error)
        return redirect("subscription-offer-edit", offer.pk)
    messages.success(request, _("The offer “%(season)s” is deleted.") % {"season": offer.season})
    return redirect("subscription-offers", offer.club_id)


# --- subscriptions: the members ------------------------------------------------------------------------------

def household_of(request) -> Household:
    if request.user.household_id is None:
        raise Http404
    return Household.objects.select_related("group__depot", "group__club").get(pk=request.user.household_id)


@login_required
def subscriptions(request):
    """A household's subscriptions (basket, its group's real distribution days in the season, instalments, skipping a
    date) and the offers open to its group."""
    household = household_of(request)
    items = list(
        Subscription.objects.filter(household=household)
        .select_related("producer", "offer")
        .prefetch_related(Prefetch("lines", queryset=SubscriptionLine.objects.select_related("product")), "skips")
    )
    for subscription in items:
        subscription.household = household  # its group, depot and club come with it
    today = timezone.localdate()
    plans = subscription_plans(items)
    rows = []
    for subscription in items:
        plan = plans[subscription.pk]
        rows.append({"subscription": subscription, "days": plan.days, "total": plan.total,
                     "instalments": plan.instalments, "opened": plan.opened,
                     "skips": sorted(s.date for s in subscription.skips.all()),
                     "upcoming": [d for d in plan.upcoming(today)
                                  if (d - today).days >= subscription.notice_days][:12]})
    subscribed = {s.offer_id for s in items if s.offer_id}
    offers = [o for o in offers_for_household(household, today) if o.pk not in subscribed]
    return render(request, "web/contracts/subscriptions.html", {"rows": rows, "offers": offers, "club": household.group.club})


class SubscribeForm(ServiceErrors, forms.Form):
    payment_schedule = forms.ChoiceField(label=gettext_lazy("Payment schedule"), choices=(), widget=forms.RadioSelect)

    def __init__(self, *args, offer, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.fields["payment_schedule"].choices = offer.schedule_choices()
        if len(offer.schedules) == 1:
            self.fields["payment_schedule"].initial = offer.schedules[0]
        self.lines = list(offer.lines.all())
        for line in self.lines:
            product = line.product
            self.fields[f"line-{line.pk}"] = forms.CharField(
                label=_("%(product)s (%(unit)s)") % {"product": product.name, "unit": product.get_unit_display()},
                required=False, initial=format_quantity(line.quantity), max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
                help_text=_("%(price)s / %(unit)s today; from %(low)s to %(high)s.") % {
                    "price": format_money(product.unit_price), "unit": product.get_unit_display(),
                    "low": format_quantity(line.min_quantity), "high": format_quantity(line.max_quantity)})

    def line_fields(self):
        return [(line, self[f"line-{line.pk}"]) for line in self.lines]

    def quantities(self) -> dict[int, str]:
        return {line.pk: self.cleaned_data.get(f"line-{line.pk}", "") for line in self.lines}


@login_required
@require_http_methods(["GET", "POST"])
def subscription_offer_subscribe(request, offer_id: int):
    """A member subscribes the household to an offer open to its group: quantities within each line's limits and a
    payment schedule. The season's days are its group's real distribution days."""
    household = household_of(request)
    offer = (SubscriptionOffer.objects.filter(pk=offer_id, club_id=household.group.club_id).select_related("producer")
             .prefetch_related("groups", Prefetch("lines", queryset=SubscriptionOfferLine.objects.select_related("product")
                                                  .order_by("pk"))).first())
    if offer is None or not offer_open_to(offer, household.group_id):
        raise Http404
    today = timezone.localdate()
    form = SubscribeForm(offer=offer)
    status = 200
    if request.method == "POST":
        form = SubscribeForm(request.POST, offer=offer)
        status = 400
        if form.is_valid():
            try:
                subscription = subscribe(offer_id=offer.pk, household=household, quantities=form.quantities(),
                                         payment_schedule=form.cleaned_data["payment_schedule"], today=today)
            except ActionError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("Your household subscribes to %(producer)s for %(season)s: first basket on "
                                            "%(date)s.") % {"producer": offer.producer.name, "season": offer.season,
                                                           "date": subscription.starts_on.strftime("%d/%m/%Y")})
                return redirect("subscriptions")
    first = first_basket_on(offer, household.group_id, today)
    days = household.group.distribution_days(first, offer.ends_on)[:40]
    return render(request, "web/contracts/subscribe.html", {
        "offer": offer, "form": form, "first": first, "days": days, "household": household,
        "open": offer.signup_open(today),
        "subscribed": Subscription.objects.filter(offer=offer, household=household).exists(),
    }, status=status)


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
