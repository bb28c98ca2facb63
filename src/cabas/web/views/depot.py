"""Money at the depot, on a phone: each household's amount for the cycle and its balance, a payment form per
household (cash, cheque to the club or made out to a producer, card; or paid to a producer who distributes
itself), the payments taken tonight and the cash count at the end. And the list a producer who distributes
itself hands out from at a depot, as a page and a PDF."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cabas.core.errors import ActionError
from cabas.core.formatting import format_money
from cabas.core.ids import parse_id
from cabas.distribution.documents import producer_depot_list
from cabas.finance import depot, till
from cabas.finance.models import PaymentMethod

from ..access import distribution_for_money, distribution_for_producer_list
from ..exports import document_filename, pdf_response
from ..feedback import flash_errors

ACTIONS = ("pay", "cancel", "count")


@login_required
@require_http_methods(["GET", "POST"])
def depot_money(request, cycle_id: int, group_id: int):
    distribution, access = distribution_for_money(request, cycle_id, group_id)
    failed: dict = {}  # the form that failed: its household, what was typed and the errors
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        try:
            done = _act(request, distribution, action)
        except ActionError as error:
            flash_errors(request, error)
            failed = {"action": action, "household": parse_id(request.POST.get("household", "")),
                      "errors": error.field_errors, "values": {k: request.POST.get(k, "")[:60] for k in (
                          "amount", "method", "to", "cheque_number", "counted", "note")}}
        else:
            messages.success(request, done)
            anchor = f"#foyer-{request.POST.get('household')}" if action == "pay" and parse_id(request.POST.get("household", "")) else ""
            return redirect(request.path + anchor)
    state = depot.depot_till(distribution)
    return render(request, "web/finance/depot_money.html", {
        "till": state, "distribution": distribution, "cycle": distribution.cycle, "group": distribution.group,
        "methods": [(m, PaymentMethod(m).label) for m in till.DEPOT_METHODS], "failed": failed,
        # the producers' own lists are the coordinators' (distribution_for_producer_list), not the treasurers'
        "sees_producer_lists": access.is_coordinator,
    }, status=400 if failed else 200)


def _act(request, distribution, action: str) -> str:
    """Carry out one action of the page (one transaction each); the success message."""
    post = request.POST
    if action == "pay":
        to = post.get("to", "")
        payee_id = parse_id(to) if to else None
        if to and payee_id is None:
            raise ActionError(field_errors={"payee": _("Choose the club or one of this cycle's producers.")})
        payment = depot.record_depot_payment(
            distribution=distribution, household_id=parse_id(post.get("household", "")), amount=post.get("amount", ""),
            method=post.get("method", ""), payee_id=payee_id, cheque_number=post.get("cheque_number", ""), by_user=request.user)
        names = {"amount": format_money(payment.amount), "household": payment.household.name}
        if payment.payee_id:
            return _("%(amount)s from %(household)s to %(producer)s recorded.") % {**names, "producer": payment.payee.name}
        return _("%(amount)s from %(household)s recorded.") % names
    if action == "cancel":
        depot.cancel_depot_payment(distribution=distribution, payment_id=parse_id(post.get("payment", "")), by_user=request.user)
        return _("The payment is cancelled by a reversing entry.")
    count = depot.record_cash_count(distribution=distribution, counted=post.get("counted", ""), note=post.get("note", ""),
                                    by_user=request.user)
    if count.difference:
        return _("Cash count recorded: %(counted)s counted, %(expected)s expected, a difference of %(difference)s.") % {
            "counted": format_money(count.counted), "expected": format_money(count.expected),
            "difference": format_money(count.difference)}
    return _("Cash count recorded: %(counted)s, as expected.") % {"counted": format_money(count.counted)}


@login_required
def producer_list(request, cycle_id: int, group_id: int, producer_id: int, fmt: str = "html"):
    """What a producer who distributes itself hands out at a depot and what each household pays it there."""
    if fmt not in ("html", "pdf"):
        raise Http404
    distribution, producer = distribution_for_producer_list(request, cycle_id, group_id, producer_id)
    doc = producer_depot_list(distribution, producer)
    context = {"doc": doc, "cycle": distribution.cycle}
    if fmt == "pdf":
        return pdf_response(request, "web/distribution/pdf/producer_depot_list.html", context,
                            document_filename(producer.name, distribution.group.name, distribution.cycle.name))
    return render(request, "web/distribution/producer_depot_list.html", context)
