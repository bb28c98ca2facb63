"""The club's producers: the public directory, a producer's page, a product's page (spec sheet, fair
price and its composition, price history)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabas.catalog import pricing
from cabas.catalog.models import CertificationVisit, CostSheet, Producer, ProducerAccount, Product, ProposalStatus, SpecSheet
from cabas.catalog.dfc import MEDIA_TYPE, dumps
from cabas.catalog.services import dfc_catalogue, price_history
from cabas.core.geo import great_circle_km, rounded_km
from cabas.distribution.models import ProducerSheet
from cabas.members.models import Club, Depot, Household
from cabas.members.permissions import access_for
from cabas.members.words import words_for

from ..context_processors import use_club

COMPONENT_LABELS = {
    "inputs": gettext_lazy("Inputs"),
    "labour": gettext_lazy("Labour"),
    "packaging": gettext_lazy("Packaging"),
    "transport": gettext_lazy("Transport"),
    "overheads": gettext_lazy("Overheads"),
    "depreciation": gettext_lazy("Depreciation"),
    "income": gettext_lazy("Producer's income"),
    "vat": gettext_lazy("VAT"),
}


class DirectoryFilter(forms.Form):
    """Every value is checked against the club's own choices (an allow-list); a bad one is ignored."""

    chain = forms.TypedChoiceField(label=gettext_lazy("Chain"), required=False, coerce=int, empty_value=None)
    label = forms.TypedChoiceField(label=gettext_lazy("Label"), required=False, coerce=int, empty_value=None)
    depot = forms.TypedChoiceField(label=gettext_lazy("Near the depot of"), required=False, coerce=int, empty_value=None)
    km = forms.TypedChoiceField(label=gettext_lazy("Within"), required=False, coerce=int, empty_value=None,
                                choices=[("", "—"), (20, "20 km"), (50, "50 km"), (100, "100 km")])

    def __init__(self, data, *, chains, labels, depots, words=None):
        super().__init__(data)
        if words is not None:  # the club's word for a depot
            self.fields["depot"].label = _("Distance %(from_the_depot)s of") % words
        self.fields["chain"].choices = [("", _("All"))] + [(c.pk, c.name) for c in chains]
        self.fields["label"].choices = [("", _("All"))] + [(l.pk, l.name) for l in labels]
        self.fields["depot"].choices = [("", "—")] + [(d.pk, d.group.name) for d in depots]


def latest_visit(producer) -> CertificationVisit | None:
    visits = producer.visits.all()  # prefetched, newest first
    return visits[0] if visits else None


def directory(request, club_slug: str):
    """Public: the club's producers and their products, by chain, label and distance from a depot."""
    club = get_object_or_404(Club, slug=club_slug)
    use_club(request, club)
    producers = list(
        Producer.objects.filter(club=club)
        .prefetch_related(
            "labels",
            Prefetch("products", queryset=Product.objects.filter(is_active=True).select_related("category").order_by("name")),
            Prefetch("visits", queryset=CertificationVisit.objects.filter(recorded_at__isnull=False).order_by("-visited_on")),
        )
    )
    depots = list(Depot.objects.filter(group__club=club).select_related("group").order_by("group__name"))
    chains = sorted({p.category for producer in producers for p in producer.products.all()}, key=lambda c: (c.position, c.name))
    labels = sorted({l for producer in producers for l in producer.labels.all()}, key=lambda l: l.name)
    form = DirectoryFilter(request.GET or None, chains=chains, labels=labels, depots=depots, words=words_for(club))
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    depot = next((d for d in depots if d.pk == chosen.get("depot")), None)
    rows = []
    for producer in producers:
        products = list(producer.products.all())
        if chosen.get("chain") and not any(p.category_id == chosen["chain"] for p in products):
            continue
        if chosen.get("label") and not any(l.pk == chosen["label"] for l in producer.labels.all()):
            continue
        distance = None
        if depot is not None and producer.latitude is not None and depot.latitude is not None:
            distance = rounded_km(great_circle_km(depot.latitude, depot.longitude, producer.latitude, producer.longitude))
        if chosen.get("km") and (distance is None or distance > chosen["km"]):
            continue
        rows.append({"producer": producer, "products": products, "distance": distance, "visit": latest_visit(producer)})
    if depot is not None:
        rows.sort(key=lambda r: (r["distance"] is None, r["distance"] or 0, r["producer"].name))
    return render(request, "web/catalog/directory.html", {"club": club, "rows": rows, "form": form, "depot": depot})


def producer_page(request, club_slug: str, producer_id: int):
    """Public: who the producer is, its labels, the last farm visit, its products."""
    producer = (
        Producer.objects.filter(pk=producer_id, club__slug=club_slug)
        .select_related("club", "referent")
        .prefetch_related(
            "labels",
            Prefetch("products", queryset=Product.objects.filter(is_active=True).select_related("category").order_by("name")),
            Prefetch("visits", queryset=CertificationVisit.objects.filter(recorded_at__isnull=False).order_by("-visited_on").prefetch_related("checks__point")),
        )
        .first()
    )
    if producer is None:
        raise Http404
    use_club(request, producer.club)
    access = access_for(request.user) if request.user.is_authenticated else None
    # The referent is a member's name: for the club's members and coordinators, not for the public.
    member_of_club = access is not None and request.user.household_id is not None and \
        Household.objects.filter(pk=request.user.household_id, group__club_id=producer.club_id).exists()
    show_referent = member_of_club or (access is not None and access.sees_club(producer.club_id))
    return render(request, "web/catalog/producer.html", {
        "producer": producer, "club": producer.club, "visit": latest_visit(producer), "products": producer.products.all(),
        "can_import": access is not None and access.coordinates_club(producer.club_id),
        "show_referent": show_referent,
        # the product pages' readers (product_page): the club's members and coordinators, the producer's account
        "links_products": show_referent or (access is not None and own_producer(request.user, producer.pk)),
    })


def producer_catalogue(request, club_slug: str, producer_id: int):
    """Public, as the producer's page: its catalogue as Data Food Consortium JSON-LD (docs/import.md)."""
    producer = Producer.objects.filter(pk=producer_id, club__slug=club_slug).first()
    if producer is None:
        raise Http404
    document = dfc_catalogue(producer, request.build_absolute_uri(request.path))
    response = HttpResponse(dumps(document), content_type=f"{MEDIA_TYPE}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # public data, for other platforms' pages too
    return response


def own_producer(user, producer_id: int) -> bool:
    """The user is one of the producer's accounts."""
    return ProducerAccount.objects.filter(user_id=user.pk, producer_id=producer_id).exists()


@login_required
def product_page(request, product_id: int):
    """For the club's members and coordinators and the producer's accounts: the spec sheet and its history, where
    the euro goes, the price history."""
    product = Product.objects.filter(pk=product_id).select_related("producer__club", "category").first()
    access = access_for(request.user)
    if product is None:
        raise Http404
    club_id = product.producer.club_id
    member_of_club = request.user.household_id is not None and request.user.household.group.club_id == club_id
    if not (member_of_club or access.sees_club(club_id) or own_producer(request.user, product.producer_id)):
        raise Http404
    sheets = list(SpecSheet.objects.filter(product=product).exclude(status=ProposalStatus.REJECTED).order_by("-version"))
    current = next((s for s in sheets if s.status == ProposalStatus.APPROVED), None)
    cost_sheet = CostSheet.objects.filter(product=product, status=ProposalStatus.APPROVED).order_by("-decided_at").first()
    composition = None
    if cost_sheet is not None:
        price = pricing.fair_price(cost_sheet.season_costs())
        composition = [
            {"name": name, "label": COMPONENT_LABELS[name], "amount": amount, "share": share}
            for (name, amount), (_n, share) in zip(price.composition, price.shares(), strict=True)
        ]
    visit = CertificationVisit.objects.filter(producer_id=product.producer_id, recorded_at__isnull=False).order_by("-visited_on").first()
    return render(request, "web/catalog/product.html", {
        "product": product, "visit": visit, "current": current, "sheets": sheets, "cost_sheet": cost_sheet, "composition": composition,
        "history": price_history(product),
    })


@login_required
def referent_home(request):
    """The producers this member is the referent of, with their order sheets of the closed cycles."""
    access = access_for(request.user)
    if not access.referent_producer_ids:
        raise PermissionDenied(_("This page is for producers' referent members."))
    producers = list(Producer.objects.filter(pk__in=access.referent_producer_ids).select_related("club").order_by("name"))
    sheets = (ProducerSheet.objects.filter(producer_id__in=access.referent_producer_ids)
              .select_related("cycle").order_by("-cycle__closes_at"))
    by_producer: dict[int, list] = {}
    for sheet in sheets:
        by_producer.setdefault(sheet.producer_id, []).append(sheet)
    for producer in producers:
        producer.recent_sheets = by_producer.get(producer.pk, [])[:12]
    return render(request, "web/catalog/referent_home.html", {"producers": producers})
