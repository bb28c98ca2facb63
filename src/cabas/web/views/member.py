"""Members' pages: the home page, the order page of an open cycle, one order."""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.catalog.models import ProducerAccount
from cabas.core.errors import ActionError
from cabas.core.formatting import format_quantity
from cabas.core.ids import ID_PATTERN
from cabas.core.money import ZERO, line_amount
from cabas.distribution.documents import household_summary
from cabas.finance.models import CycleFunds, FundShare
from cabas.members.models import Club, Household
from cabas.members.permissions import access_for
from cabas.members.services import pickup_point
from cabas.news.services import news_for_home
from cabas.ordering.models import Offer, Order, OrderCycle, OrderLine, OrderSummary
from cabas.flows import save_order
from cabas.ordering.services import household_lines, live_order, offer_progress, order_total, pooled_totals
from cabas.volunteering.services import with_target

from ..access import cycle_for_member, order_for_user
from .volunteering import home_card

ORDER_FIELD = re.compile(rf"\A([qt])-({ID_PATTERN})\Z")  # \Z: "q-1\n" is not "q-1"


def submitted_quantities(post, kind: str = "q") -> dict[int, str]:
    """Only fields named q-<offer id> (quantities) or t-<offer id> (tolerances) are read (an allow-list);
    anything else in the form is ignored."""
    values = {}
    for key in post:
        match = ORDER_FIELD.match(key)
        if match and match.group(1) == kind:
            values[int(match.group(2))] = post.get(key, "")
    return values


@login_required
def home(request):
    access = access_for(request.user)
    now = timezone.now()
    household = None
    open_cycles, past, news, volunteering = [], [], [], None
    if request.user.household_id:
        household = with_target(Household.objects.select_related("group__club", "group__depot", "pickup_place"),
                                timezone.localdate(now).year).get(pk=request.user.household_id)
        # the cycles serving its group (each group on its own rhythm), and those it ordered in from another group
        cycles = list(OrderCycle.objects.filter(club_id=household.group.club_id)
                      .for_household(household.pk, household.group_id).order_by("-closes_at")[:12])
        orders = {o.cycle_id: o for o in Order.objects.filter(household=household, cycle__in=cycles)}
        summaries = {s.cycle_id: s for s in OrderSummary.objects.filter(household=household, cycle__in=cycles)}
        for cycle in cycles:
            entry = {"cycle": cycle, "order": orders.get(cycle.pk), "summary": summaries.get(cycle.pk), "status": cycle.status(now)}
            (open_cycles if cycle.status(now) in ("open", "scheduled") else past).append(entry)
        news = news_for_home(household.group.club_id, household.group_id, timezone.localdate(now))
        volunteering = home_card(household, request.user, now)
    if household is None and access.is_coordinator:
        return redirect("cycle-list")
    if household is None and ProducerAccount.objects.filter(user=request.user).exists():
        return redirect("producer-home")
    if household is None and (access.treasurer_club_ids or access.solidarity_club_ids):
        return render(request, "web/roles_home.html", roles_home(access))
    if household is None and access.referent_producer_ids:
        return redirect("referent-home")
    return render(request, "web/home.html", {"household": household, "open_cycles": open_cycles, "past_cycles": past,
                                              "news": news, "volunteering": volunteering,
                                              "pickup": pickup_point(household) if household else None})


def roles_home(access) -> dict:
    """The home page of someone who holds a club's money or its solidarity without ordering for a household: their
    own pages, club by club (one query)."""
    club_ids = access.treasurer_club_ids | access.solidarity_club_ids
    clubs = [{"club": club, "treasurer": club.pk in access.treasurer_club_ids,
              "solidarity": club.pk in access.solidarity_club_ids}
             for club in Club.objects.filter(pk__in=club_ids).order_by("name")]
    return {"clubs": clubs, "refers_producers": bool(access.referent_producer_ids)}


def catalogue_sections(offers: list[Offer], by: str):
    """Offers grouped by category (then producer) or by producer (then category), in order."""
    sections: "OrderedDict[str, list[Offer]]" = OrderedDict()
    if by == "producer":
        key = lambda o: (o.producer.name, o.category.position, o.category.name, o.name)
        title = lambda o: o.producer.name
    else:
        key = lambda o: (o.category.position, o.category.name, o.producer.name, o.name)
        title = lambda o: o.category.name
    for offer in sorted(offers, key=key):
        sections.setdefault(title(offer), []).append(offer)
    return sections


def folded(text: str) -> str:
    """Lower case without accents: « Crème » is found by « creme » (the page's script folds the same way)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()


def matches(words: list[str], offer: Offer) -> bool:
    haystack = folded(f"{offer.name} {offer.producer.name}")
    return all(word in haystack for word in words)


def order_context(request, cycle: OrderCycle, *, submitted: dict[int, str] | None = None,
                  submitted_tolerances: dict[int, str] | None = None, error: ActionError | None = None):
    by = "producer" if request.GET.get("by") == "producer" else "category"
    search = request.GET.get("q", "").strip()[:100]
    basket_only = request.GET.get("basket") == "1"
    household = Household.objects.select_related("group").get(pk=request.user.household_id)
    offers = list(Offer.objects.filter(cycle=cycle).select_related("producer", "category", "container"))
    order = Order.objects.filter(cycle=cycle, household=household).first()
    saved, saved_lines, committed = {}, {}, {}
    if order is not None:
        for line in OrderLine.objects.filter(order=order):
            saved[line.offer_id] = line.quantity
            saved_lines[line.offer_id] = (line.quantity, line.tolerance)
            if line.committed:
                committed[line.offer_id] = line.committed
    accepts_orders = cycle.accepts_orders()
    # What was just typed is shown again only while it can still be corrected and saved.
    typed = submitted if (submitted and accepts_orders) else {}
    typed_tolerances = submitted_tolerances if (submitted_tolerances and accepts_orders) else {}
    offers_by_id = {o.pk: o for o in offers}
    # the same reading as the preview's: packs, thresholds and supply pooled with what is shown in the fields,
    # a quantity above the per-household limit marked
    live = live_order(offers_by_id, typed, typed_tolerances, saved=saved_lines, pooled=pooled_totals(cycle))
    field_errors = {**live.field_errors, **(error.field_errors if error else {})}
    words = folded(search).split()
    rows = []
    for o in offers:
        in_basket = bool(saved.get(o.pk))
        rows.append({
            "offer": o,
            "value": saved.get(o.pk, ""),
            "text": typed[o.pk] if o.pk in typed else format_quantity(saved.get(o.pk)),
            "error": field_errors.get(f"q-{o.pk}"),
            "tolerance_text": typed_tolerances[o.pk] if o.pk in typed_tolerances
            else format_quantity(saved_lines.get(o.pk, (None, None))[1] or ""),
            "tolerance_error": field_errors.get(f"t-{o.pk}"),
            "progress": live.progress.get(o.pk),
            "committed": committed.get(o.pk),
            "in_basket": in_basket,
            "shown": matches(words, o) and (in_basket or not basket_only),
        })
    rows_by_offer = {r["offer"].pk: r for r in rows}
    sections = [(title, [rows_by_offer[o.pk] for o in items]) for title, items in catalogue_sections(offers, by).items()]
    return {
        "cycle": cycle,
        "household": household,
        "order": order,
        "sections": sections,
        "hidden_sections": {title for title, items in sections if not any(r["shown"] for r in items)},
        "by": by,
        "search": search,
        "basket_only": basket_only,
        "filtered": bool(words) or basket_only,
        "shown_count": sum(1 for r in rows if r["shown"]),
        "accepts_orders": accepts_orders,
        "status": cycle.status(),
        # the saved order's total: a refused save shows what stands, not what was refused
        "total": order_total(offers_by_id, saved),
        "line_count": len(saved),
        "has_errors": bool(field_errors),
        "error": error,
    }


@login_required
@require_http_methods(["GET", "POST"])
def order_page(request, cycle_id: int):
    cycle = cycle_for_member(request, cycle_id)
    if cycle.is_closed:
        if request.method == "POST":
            messages.error(request, _("This cycle is closed: your order can no longer be changed."))
            return redirect(request.path)
        household = Household.objects.get(pk=request.user.household_id)
        return render(request, "web/ordering/order_summary.html", {"doc": household_summary(cycle, household), "cycle": cycle})
    if request.method == "POST":
        quantities = submitted_quantities(request.POST)
        tolerances = submitted_quantities(request.POST, "t")
        household = Household.objects.select_related("group").get(pk=request.user.household_id)
        try:
            save_order(cycle=cycle, household=household, quantities=quantities, tolerances=tolerances,
                       by_user=request.user)
        except ActionError as error:
            context = order_context(request, cycle, submitted=quantities, submitted_tolerances=tolerances, error=error)
            return render(request, "web/ordering/order.html", context, status=400)
        messages.success(request, _("Your order is saved. You can change it until the deadline."))
        suffix = "?by=producer" if request.GET.get("by") == "producer" else ""
        return redirect(request.path + suffix)
    return render(request, "web/ordering/order.html", order_context(request, cycle))


@login_required
@require_POST
def order_total_preview(request, cycle_id: int):
    """What the order page says while quantities are typed (htmx, on input and every 20 s): the running total,
    and, as out-of-band fragments, each offer's pooled progress with the household's typed request in place of
    its saved one and each field's message (red when wrong or above the per-household limit). Saves nothing;
    a constant number of queries (pooled totals shared for a few seconds: see ``pooled_totals``)."""
    cycle = cycle_for_member(request, cycle_id)
    offers = {o.pk: o for o in Offer.objects.filter(cycle=cycle)}
    quantities = submitted_quantities(request.POST)
    tolerances = submitted_quantities(request.POST, "t")
    live = live_order(offers, quantities, tolerances, saved=household_lines(cycle, request.user.household_id),
                      pooled=pooled_totals(cycle, shared=True))
    notes = [(kind, pk, live.field_errors.get(f"{kind}-{pk}"))
             for kind, fields in (("q", quantities), ("t", tolerances)) for pk in fields if pk in offers]
    return render(request, "web/ordering/_order_preview.html", {
        "total": live.total, "line_count": live.line_count, "preview": live.changed, "has_errors": live.has_errors,
        "field_errors": live.field_errors, "notes": notes,
        "updates": [(offers[pk], p) for pk, p in live.progress.items()],
    })


@login_required
@require_http_methods(["GET"])
def order_progress(request, cycle_id: int):
    """Pooled progress of every watched offer, as out-of-band fragments the order page polls (htmx):
    packs filling and thresholds move while other households order."""
    cycle = cycle_for_member(request, cycle_id)
    offers = list(Offer.objects.filter(cycle=cycle))
    progress = offer_progress(cycle, offers, shared=True)
    updates = [(o, progress[o.pk]) for o in offers if o.pk in progress]
    return render(request, "web/ordering/_progress_updates.html", {"updates": updates})


@login_required
def order_detail(request, order_id: int):
    order, access = order_for_user(request, order_id)
    cycle = order.cycle
    if cycle.is_closed:
        # the funds' part is the household's own business: never shown to its group's coordinator
        share = (FundShare.objects.filter(cycle=cycle, household_id=order.household_id).first()
                 if access.owns_household(order.household_id) else None)
        return render(request, "web/ordering/order_summary.html", {
            "doc": household_summary(cycle, order.household), "cycle": cycle, "order": order, "share": share,
            "funds": CycleFunds.objects.filter(cycle=cycle).first() if share and share.discount else None,
        })
    lines = list(OrderLine.objects.filter(order=order).select_related("offer__producer").order_by("offer__producer__name", "offer__name"))
    for line in lines:
        line.amount = line_amount(line.quantity, line.offer.unit_price)
    total = sum((line.amount for line in lines), ZERO)
    return render(request, "web/ordering/order_detail.html", {"order": order, "cycle": cycle, "lines": lines, "total": total})
