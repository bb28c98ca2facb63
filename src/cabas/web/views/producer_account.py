"""A producer's own pages: its cycles, its order sheets, its supply for upcoming cycles, and its
proposals (spec sheets and cost sheets) for the club to decide."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from cabas.catalog.models import ProducerAccount, Product
from cabas.catalog.services import COST_FIELDS, SPEC_FIELDS, current_spec_sheets, propose_cost_sheet, propose_spec_sheet
from cabas.contracts.models import Contract
from cabas.contracts.services import contracts_progress
from cabas.core.errors import ActionError
from cabas.core.ids import ID_PATTERN, parse_id
from cabas.distribution.containers import returns_at_depots
from cabas.distribution.models import Distribution, ProducerSheet
from cabas.ordering.models import Allocation, CycleStatus, Offer, OrderCycle
from cabas.ordering.services import set_producer_supply
from cabas.volunteering.models import RotaDriver, Shift, Signup, SwapOffer, SwapStatus
from cabas.volunteering.services import pending_swaps_for

from .documents import FORMATS, render_producer_sheet
from ..context_processors import use_club
from ..feedback import flash_errors

CONTRACTS_SHOWN = datetime.timedelta(days=366)  # contracts ended within a year stay on the producer's page
SUPPLY_FIELD = re.compile(rf"\Asupply-({ID_PATTERN})\Z")


def account_of(request) -> ProducerAccount:
    account = ProducerAccount.objects.filter(user=request.user).select_related("producer__club").first()
    if account is None:
        raise PermissionDenied(_("This page is for producers."))
    use_club(request, account.producer.club)
    return account


COST_LABELS = {  # the cost sheet's fields as the producer reads them
    "inputs": _lazy("Inputs for the season (€)"), "labour_hours": _lazy("Hours of work"),
    "hourly_rate": _lazy("Hourly rate (€)"), "packaging": _lazy("Packaging (€)"), "transport": _lazy("Transport (€)"),
    "overheads": _lazy("Overheads (€)"), "depreciation": _lazy("Depreciation (€)"),
    "income": _lazy("Your income on top of paid work (€)"), "expected_volume": _lazy("Volume you expect to sell this season"),
}
SPEC_LABELS = {
    "variety": _lazy("Variety or breed"), "production_method": _lazy("Production method"),
    "inputs_allowed": _lazy("Inputs allowed"), "packaging": _lazy("Packaging"), "freshness": _lazy("Freshness"),
    "size": _lazy("Size or calibre"), "change_note": _lazy("What changes and why"),
}
LONG_SPEC_FIELDS = ("production_method", "inputs_allowed", "change_note")  # written in a textarea


@login_required
def producer_home(request):
    account = account_of(request)
    return render(request, "web/catalog/producer_home.html", home_context(request, account))


def home_context(request, account, failed: dict | None = None) -> dict:
    """The producer's home page; ``failed`` is the proposal that was refused (its kind, its product, what was
    typed and the errors), shown again in its form."""
    producer = account.producer
    now = timezone.now()
    cycles = list(OrderCycle.objects.filter(offers__producer=producer).distinct().order_by("-closes_at")[:20])
    sheets = set(ProducerSheet.objects.filter(producer=producer, cycle__in=cycles).values_list("cycle_id", flat=True))
    upcoming = [c for c in cycles if c.status(now) in (CycleStatus.SCHEDULED, CycleStatus.OPEN)]
    offers = list(Offer.objects.filter(cycle__in=upcoming, producer=producer).order_by("cycle_id", "name"))
    by_cycle = {c.pk: [o for o in offers if o.cycle_id == c.pk] for c in upcoming}
    products = list(Product.objects.filter(producer=producer, is_active=True).order_by("name"))
    depots = defaultdict(list)  # a producer who distributes itself: its list at each depot it serves
    if producer.distributes_itself and sheets:
        served = Allocation.objects.filter(cycle_id=OuterRef("cycle_id"), group_id=OuterRef("group_id"),
                                           offer__producer=producer, quantity__gt=0)
        for distribution in (Distribution.objects.filter(cycle_id__in=sheets).filter(Exists(served))
                             .select_related("group").order_by("group__name")):
            depots[distribution.cycle_id].append(distribution)
    returned = returns_at_depots(container__producer=producer, distribution__cycle__in=cycles)
    # its solidarity contracts with the club, and each period's guarantee progress (three queries)
    contracts = list(Contract.objects.filter(producer=producer, ends_on__gte=timezone.localdate(now) - CONTRACTS_SHOWN)
                     .prefetch_related("products__product").order_by("-starts_on"))
    return {
        **volunteering(request, producer, now), **proposal_forms(request, products, failed or {}),
        "contracts": contracts_progress(contracts, today=timezone.localdate(now)),
        "containers_returned": returned,
        "producer": producer, "cycles": [(c, c.status(now), c.pk in sheets, depots.get(c.pk, [])) for c in cycles],
        "upcoming": [(c, by_cycle[c.pk]) for c in upcoming], "products": products,
    }


def proposal_forms(request, products, failed: dict) -> dict:
    """The two proposal forms. The spec sheet starts from the current version of the chosen product (a new
    version keeps what is not changed); a refused form comes back with what was typed and each field's error."""
    errors = failed.get("errors", {})
    typed = failed.get("values", {})
    cost_failed = failed.get("kind") == "prix"
    cost_fields = [{"name": name, "label": COST_LABELS[name], "value": typed.get(name, "") if cost_failed else "",
                    "error": errors.get(name) if cost_failed else None} for name in COST_FIELDS]
    by_pk = {p.pk: p for p in products}
    spec_failed = failed.get("kind") == "fiche"
    if spec_failed:
        spec_product = by_pk.get(failed.get("product"))
    else:
        spec_product = by_pk.get(parse_id(request.GET.get("fiche", "")) or 0) or (products[0] if products else None)
    current = current_spec_sheets([spec_product.pk]).get(spec_product.pk) if spec_product else None
    spec_fields = []
    for name in SPEC_FIELDS:
        if name == "returnable_container":
            continue
        if spec_failed:
            value = typed.get(name, "")
        else:
            value = getattr(current, name) if current is not None and name != "change_note" else ""
        spec_fields.append({"name": name, "label": SPEC_LABELS[name], "value": value, "long": name in LONG_SPEC_FIELDS,
                            "error": errors.get(name) if spec_failed else None})
    returnable = typed.get("returnable_container") == "on" if spec_failed else bool(current and current.returnable_container)
    return {"cost_fields": cost_fields, "spec_fields": spec_fields, "spec_product": spec_product, "spec_current": current,
            "spec_returnable": returnable, "failed": failed,
            "cost_product": by_pk.get(failed.get("product")) if cost_failed else None,
            "cost_season": typed.get("season", "") if cost_failed else ""}


def volunteering(request, producer, now) -> dict:
    """The club's coming farm visits and harvest days (other producers' — to sign up for), the producer's own
    turns in the drivers' rotas (to propose a swap to another driver of the rota) and the swaps offered to it.
    Four queries."""
    club_shifts = list(
        Shift.objects.filter(Q(visit__isnull=False) | Q(harvest_call__isnull=False), club_id=producer.club_id,
                             group__isnull=True, cancelled_at__isnull=True, starts_at__gt=now)
        .exclude(visit__producer=producer).exclude(harvest_call__producer=producer)
        .annotate(taken=Count("signups"), mine=Exists(Signup.objects.filter(shift=OuterRef("pk"), user=request.user)))
        .order_by("starts_at", "pk")[:20])
    turns = list(Signup.objects.filter(user=request.user, shift__rota__isnull=False, shift__cancelled_at__isnull=True,
                                       shift__starts_at__gt=now)
                 .select_related("shift__rota").order_by("shift__starts_at", "pk")
                 .prefetch_related(Prefetch("swap_offers", to_attr="pending", queryset=SwapOffer.objects.filter(
                     status=SwapStatus.PENDING).select_related("to_user"))))
    partners: dict[int, list] = defaultdict(list)
    if turns:
        for driver in (RotaDriver.objects.filter(rota_id__in={t.shift.rota_id for t in turns}, user__is_active=True)
                       .exclude(user=request.user).select_related("user", "producer").order_by("position", "pk")):
            partners[driver.rota_id].append(driver)
    return {"club_shifts": club_shifts, "rota_turns": [(t, partners[t.shift.rota_id]) for t in turns],
            "swaps_offered": pending_swaps_for(request.user)}


@login_required
@require_POST
def producer_supply(request, cycle_id: int):
    account = account_of(request)
    supplies = {}
    for key in request.POST:  # only supply-<offer id> fields are read
        match = SUPPLY_FIELD.match(key)
        if match:
            supplies[int(match.group(1))] = request.POST.get(key, "").strip()
    if not OrderCycle.objects.filter(pk=cycle_id, offers__producer=account.producer).exists():
        raise Http404
    try:
        changed = set_producer_supply(cycle_id=cycle_id, producer_id=account.producer_id, supplies=supplies)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, ngettext("Your supply is saved (%(count)s product changed).",
                                            "Your supply is saved (%(count)s products changed).", changed) % {"count": changed})
    return redirect("producer-home")


@login_required
def producer_own_sheet(request, cycle_id: int, fmt: str = "html"):
    account = account_of(request)
    if fmt not in FORMATS:
        raise Http404
    sheet = ProducerSheet.objects.filter(cycle_id=cycle_id, producer=account.producer).select_related("producer", "cycle").first()
    if sheet is None:
        raise Http404
    return render_producer_sheet(request, sheet.cycle, sheet, fmt)


@login_required
@require_POST
def producer_propose(request, kind: str):
    account = account_of(request)
    product_id = parse_id(request.POST.get("product", ""))
    product = Product.objects.filter(pk=product_id, producer=account.producer).first() if product_id else None
    if product is None:
        messages.error(request, _("Choose one of your products."))
        return redirect("producer-home")
    if kind not in ("fiche", "prix"):
        raise Http404
    try:
        if kind == "fiche":
            values = {name: request.POST.get(name, "").strip() for name in SPEC_FIELDS if name != "returnable_container"}
            values["returnable_container"] = request.POST.get("returnable_container") == "on"
            propose_spec_sheet(product=product, values=values, by_user=request.user)
        elif kind == "prix":
            propose_cost_sheet(product=product, season=request.POST.get("season", ""),
                               values={name: request.POST.get(name, "") for name in COST_FIELDS}, by_user=request.user)
    except ActionError as error:
        # the form again, bound to what was typed, each error beside its field (nothing was saved)
        fields = SPEC_FIELDS if kind == "fiche" else (*COST_FIELDS, "season")
        failed = {"kind": kind, "product": product.pk, "messages": error.messages, "errors": error.field_errors,
                  "values": {name: request.POST.get(name, "")[:2000] for name in fields}}
        return render(request, "web/catalog/producer_home.html", home_context(request, account, failed), status=400)
    else:
        messages.success(request, _("Sent: the club's coordinators will decide."))
    return redirect("producer-home")
