"""Reception at the depot, by the group's volunteers on a phone: the delivery checked product by
product (a shortfall shared among the depot's households only)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cabas.core.errors import ActionError
from cabas.core.formatting import format_quantity
from cabas.distribution.models import ReceptionState
from cabas.distribution.services import MAX_RECEIVED, NOTE_LENGTH, ReceivedLine, depot_deliveries
from cabas.flows import record_depot_reception
from cabas.ordering.quantities import QuantityError, parse_quantity
from cabas.members.words import words_for
from cabas.ordering.services import quantity_message

from ..access import cycle_for_coordination, distribution_for_user
from .coordination import coordinator_required


def _depot(request, cycle_id: int, group_id: int):
    cycle, access = cycle_for_coordination(request, cycle_id)
    return distribution_for_user(request, cycle, access, group_id)


def _parse(post, offers: dict, words) -> tuple[dict[int, ReceivedLine], dict[str, str]]:
    """The rows posted (``state-<offer id>`` with ``received-…`` and ``note-…``), for offers of the delivery only."""
    lines, errors = {}, {}
    for key in post:
        if not key.startswith("state-"):
            continue
        raw_id = key.removeprefix("state-")
        if not raw_id.isascii() or not raw_id.isdigit() or int(raw_id) not in offers:
            raise ActionError(_("A product you entered is not part of the delivery %(to_the_depot)s.") % words)
        offer = offers[int(raw_id)]
        state = post.get(key, "")
        raw = post.get(f"received-{offer.pk}", "").strip()
        received = None
        if state != ReceptionState.AS_EXPECTED and raw:
            try:
                received = parse_quantity(raw, countable=offer.countable, maximum=MAX_RECEIVED)
            except QuantityError as error:
                errors[f"state-{offer.pk}"] = (_("%(product)s: the quantity received is not possible.") % {"product": offer.name}
                                               if error.code == "too_large" else quantity_message(error, offer))
                continue
        lines[offer.pk] = ReceivedLine(state=state, received=received, note=post.get(f"note-{offer.pk}", "").strip())
    return lines, errors


@coordinator_required
@require_http_methods(["GET", "POST"])
def depot_reception(request, cycle_id: int, group_id: int):
    """The depot's delivery, one block per producer: each product as expected / less / damaged / more, with what
    can be handed out and a note. A block is saved on its own (producers arrive one after another)."""
    distribution = _depot(request, cycle_id, group_id)
    cycle = distribution.cycle
    deliveries = depot_deliveries(distribution)
    offers = {offer.pk: offer for offer, _expected, _reception in deliveries}
    errors: dict[str, str] = {}
    posted = {}
    if request.method == "POST":
        if not cycle.is_closed:
            messages.error(request, _("Deliveries are recorded once the cycle is closed."))
            return redirect("depot-reception", cycle.pk, group_id)
        try:
            lines, errors = _parse(request.POST, offers, words_for(cycle.club))
            if errors:
                raise ActionError(field_errors=errors)
            if not lines:
                raise ActionError(_("Nothing was entered."))
            changed = record_depot_reception(distribution, lines, by_user=request.user)
        except ActionError as error:
            errors = error.field_errors or errors
            for message in error.messages:
                messages.error(request, message)
            posted = request.POST
        else:
            messages.success(request, _("Reception recorded: the households %(of_the_depot)s and the amounts follow it.")
                             % words_for(cycle.club) if changed
                             else _("Reception recorded."))
            return redirect("depot-reception", cycle.pk, group_id)
    by_producer = defaultdict(list)
    for offer, expected, reception in deliveries:
        key = f"{offer.pk}"
        state = posted.get(f"state-{key}") or (reception.state if reception else ReceptionState.AS_EXPECTED)
        received = posted.get(f"received-{key}") if posted else (
            format_quantity(reception.received) if reception and reception.received is not None else "")
        by_producer[offer.producer].append({
            "offer": offer, "expected": expected, "reception": reception, "state": state, "received": received,
            "note": posted.get(f"note-{key}") if posted else (reception.note if reception else ""),
            "error": errors.get(f"state-{key}"),
        })
    producers = [{"producer": p, "rows": rows, "done": all(r["reception"] for r in rows)} for p, rows in by_producer.items()]
    return render(request, "web/distribution/reception.html", {
        "cycle": cycle, "distribution": distribution, "group": distribution.group, "producers": producers,
        "states": ReceptionState.choices, "note_length": NOTE_LENGTH,
    }, status=400 if errors or posted else 200)
