"""Surplus at a depot and what became of it: the items (pack surplus placed by the rule in ``surplus_rules``,
delivery surplus from reception, a no-show's goods from the pickup sheet), their dispositions (given to a
partner, lost; a sale crosses into finance and is the flow ``cabas.flows.surplus.sell_surplus``), and the cycle's
surplus report. Pages read in a constant number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError, CodedError
from cabas.core.money import ZERO, line_amount
from cabas.core.numbers import parse_decimal
from cabas.members.words import words_for
from cabas.ordering.models import Allocation, Offer, OfferOutcome, OrderCycle

from . import surplus_rules as rules
from .models import Distribution, DispositionKind, SurplusDisposition, SurplusItem, SurplusSource
from .pickup import coded_message, lock_distribution

PACK_KEY, ITEM_KEY = "p", "i"


@dataclass
class SurplusLine:
    """A surplus item as the page shows it; a pack surplus not yet disposed of has no row (``item`` None)."""

    key: str
    offer: Offer
    source: str
    quantity: Decimal
    item: SurplusItem | None = None
    dispositions: list[SurplusDisposition] = field(default_factory=list)

    @property
    def left(self) -> Decimal:
        return rules.left(self.quantity, (d.quantity for d in self.dispositions))

    @property
    def source_label(self) -> str:
        return SurplusSource(self.source).label

    @property
    def household(self):
        """The household whose goods these were (a no-show's)."""
        return self.item.uncollected.household if self.item is not None and self.item.uncollected_id else None


def pack_placement(cycle_id: int, offer_ids: Iterable[int] | None = None) -> tuple[dict[int, OfferOutcome], dict[int, int]]:
    """The cycle's offers with a pack surplus (offer id -> outcome, with its offer and producer) and the group each
    surplus goes to (two queries)."""
    outcomes = OfferOutcome.objects.filter(offer__cycle_id=cycle_id, surplus__gt=0).select_related("offer__producer")
    if offer_ids is not None:
        outcomes = outcomes.filter(offer_id__in=list(offer_ids))
    outcomes = {o.offer_id: o for o in outcomes}
    # filtered in the database, not by the ids above: the query runs (and counts) whether or not there is surplus
    received = Allocation.objects.filter(cycle_id=cycle_id, offer__outcome__surplus__gt=0, quantity__gt=0)
    if offer_ids is not None:
        received = received.filter(offer_id__in=list(offer_ids))
    received = received.values_list("offer_id", "group_id").annotate(total=Sum("quantity")).order_by()
    placed = rules.place_pack_surplus({k: o.surplus for k, o in outcomes.items()}, received)
    return outcomes, placed


def surplus_lines(distribution: Distribution) -> list[SurplusLine]:
    """The depot's surplus with its dispositions (four queries)."""
    items = list(SurplusItem.objects.filter(distribution=distribution)
                 .select_related("offer__producer", "uncollected__household").order_by("offer__name", "pk"))
    dispositions = defaultdict(list)
    for d in (SurplusDisposition.objects.filter(item__distribution=distribution)
              .select_related("buyer", "recorded_by").order_by("pk")):
        dispositions[d.item_id].append(d)
    outcomes, placed = pack_placement(distribution.cycle_id)
    lines = []
    pack_rows = {i.offer_id: i for i in items if i.source == SurplusSource.PACK}
    for offer_id, outcome in outcomes.items():
        if placed.get(offer_id) == distribution.group_id and offer_id not in pack_rows:
            lines.append(SurplusLine(key=f"{PACK_KEY}{offer_id}", offer=outcome.offer, source=SurplusSource.PACK,
                                     quantity=outcome.surplus))
    for item in items:
        quantity = item.quantity
        if item.source == SurplusSource.PACK:  # follows the closing's outcome (a reception may change it)
            here = placed.get(item.offer_id) == distribution.group_id and item.offer_id in outcomes
            quantity = outcomes[item.offer_id].surplus if here else ZERO
        lines.append(SurplusLine(key=f"{ITEM_KEY}{item.pk}", offer=item.offer, source=item.source, quantity=quantity,
                                 item=item, dispositions=dispositions[item.pk]))
    lines.sort(key=lambda line: (line.offer.name, line.source, line.key))
    return lines


def lock_surplus_item(distribution: Distribution, key: str) -> tuple[SurplusItem, Decimal]:
    """A surplus item of the depot, locked until the transaction ends, and what is left of it (its pack surplus
    row written when missing, its quantity brought to the closing's outcome). ActionError when unknown."""
    item = None
    if key.startswith(PACK_KEY) and key[1:].isdigit():
        offer_id = int(key[1:])
        outcomes, placed = pack_placement(distribution.cycle_id, [offer_id])
        if placed.get(offer_id) == distribution.group_id:
            quantity = outcomes[offer_id].surplus
            SurplusItem.objects.bulk_create(
                [SurplusItem(distribution=distribution, offer_id=offer_id, quantity=quantity, source=SurplusSource.PACK)],
                ignore_conflicts=True)
            SurplusItem.objects.filter(distribution=distribution, offer_id=offer_id, source=SurplusSource.PACK).update(quantity=quantity)
            item = (SurplusItem.objects.select_for_update(of=("self",)).select_related("offer", "uncollected")
                    .filter(distribution=distribution, offer_id=offer_id, source=SurplusSource.PACK).first())
    elif key.startswith(ITEM_KEY) and key[1:].isdigit() and len(key) < 20:
        item = (SurplusItem.objects.select_for_update(of=("self",)).select_related("offer", "uncollected")
                .filter(distribution=distribution, pk=int(key[1:])).first())
    if item is None:
        raise ActionError(_("This surplus is not %(at_the_depot)s.") % words_for(distribution.cycle.club))
    disposed = SurplusDisposition.objects.filter(item=item).aggregate(total=Sum("quantity"))["total"] or ZERO
    return item, rules.left(item.quantity, [disposed])


def checked_quantity(raw: object, item: SurplusItem, available: Decimal) -> Decimal:
    quantity = raw if isinstance(raw, Decimal) else parse_decimal(raw)
    try:
        return rules.check_disposition(quantity, item.offer.order_step, available)
    except CodedError as error:
        raise ActionError(field_errors={"quantity": coded_message(error)}) from None


def add_disposition(item: SurplusItem, kind: str, quantity: Decimal, *, by_user, now: datetime.datetime,
                    **details) -> SurplusDisposition:
    return SurplusDisposition.objects.create(item=item, kind=kind, quantity=quantity, recorded_at=now,
                                             recorded_by=by_user, **details)


def give_or_lose(distribution: Distribution, key: str, kind: str, quantity: object, *, partner: str = "",
                 reason: str = "", by_user=None, now: datetime.datetime | None = None) -> SurplusDisposition:
    """Part of a surplus item given to a partner (a food bank…: its name, the value at the cycle's price, no ledger
    move) or recorded as lost (its reason)."""
    now = now or timezone.now()
    partner = " ".join(str(partner or "").split())[:160]
    reason = " ".join(str(reason or "").split())[:160]
    if kind == DispositionKind.GIVEN and not partner:
        raise ActionError(field_errors={"partner": _("Name the partner the goods were given to.")})
    if kind == DispositionKind.LOST and not reason:
        raise ActionError(field_errors={"reason": _("Say why the goods were lost.")})
    if kind not in (DispositionKind.GIVEN, DispositionKind.LOST):
        raise ActionError(_("Choose what became of the surplus."))
    with transaction.atomic():
        distribution = lock_distribution(distribution.pk)
        item, available = lock_surplus_item(distribution, key)
        value = checked_quantity(quantity, item, available)
        amount = line_amount(value, item.offer.unit_price)
        if kind == DispositionKind.GIVEN:
            return add_disposition(item, kind, value, by_user=by_user, now=now, partner=partner, amount=amount)
        return add_disposition(item, kind, value, by_user=by_user, now=now, reason=reason, amount=amount)


def set_delivery_surplus(distribution: Distribution, quantities: Mapping[int, Decimal]) -> None:
    """What a depot received beyond its allocation, per offer (offer id -> quantity; 0 removes it), as recorded at
    its reception. Runs inside the caller's transaction; a quantity below what was already disposed of is refused."""
    offers = {o.pk: o for o in Offer.objects.filter(cycle_id=distribution.cycle_id, pk__in=list(quantities))}
    existing = {i.offer_id: i for i in SurplusItem.objects.filter(distribution=distribution, source=SurplusSource.DELIVERY)
                .annotate(disposed=Sum("dispositions__quantity"))}
    errors = {}
    for offer_id, quantity in quantities.items():
        offer = offers.get(offer_id)
        if offer is None:
            errors[f"surplus-{offer_id}"] = _("This product is not on offer in this cycle.")
        elif quantity < 0 or not rules.is_whole_steps(quantity, offer.order_step):
            errors[f"surplus-{offer_id}"] = _("Give whole steps of %(step)s.") % {"step": offer.order_step.normalize()}
        elif offer_id in existing and quantity < (existing[offer_id].disposed or 0):
            errors[f"surplus-{offer_id}"] = _("Part of this surplus was already sold, given or lost.")
    if errors:
        raise ActionError(field_errors=errors)
    remove = [existing[o].pk for o, q in quantities.items() if not q and o in existing and not existing[o].disposed]
    SurplusItem.objects.filter(pk__in=remove).delete()
    SurplusItem.objects.bulk_create(
        [SurplusItem(distribution=distribution, offer_id=o, quantity=q, source=SurplusSource.DELIVERY)
         for o, q in quantities.items() if q and o not in existing])
    for o, q in quantities.items():
        if o in existing and existing[o].pk not in remove and existing[o].quantity != q:
            SurplusItem.objects.filter(pk=existing[o].pk).update(quantity=q)


# --- the report -----------------------------------------------------------------------------------------------


@dataclass
class ReportRow:
    offer: Offer
    by_source: dict[str, Decimal] = field(default_factory=dict)
    sold: Decimal = Decimal(0)
    sold_amount: Decimal = ZERO
    given: Decimal = Decimal(0)
    given_value: Decimal = ZERO
    partners: set[str] = field(default_factory=set)
    lost: Decimal = Decimal(0)
    lost_value: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.by_source.values(), Decimal(0))

    @property
    def left(self) -> Decimal:
        return max(self.total - self.sold - self.given - self.lost, Decimal(0))

    @property
    def left_value(self) -> Decimal:
        return line_amount(self.left, self.offer.unit_price)

    @property
    def value(self) -> Decimal:
        return line_amount(self.total, self.offer.unit_price)

    def source(self, name: str) -> Decimal:
        return self.by_source.get(name, Decimal(0))


def surplus_report(cycle: OrderCycle, group_id: int | None = None) -> list[ReportRow]:
    """Per offer: the surplus by source and where it went, over the club (``group_id`` None; a pack surplus nobody
    received counts too) or at one group's depot (four queries)."""
    rows: dict[int, ReportRow] = {}
    outcomes, placed = pack_placement(cycle.pk)
    for offer_id, outcome in outcomes.items():
        if group_id is None or placed.get(offer_id) == group_id:
            rows[offer_id] = ReportRow(offer=outcome.offer, by_source={SurplusSource.PACK: outcome.surplus})
    items = SurplusItem.objects.filter(distribution__cycle=cycle).exclude(source=SurplusSource.PACK).select_related("offer__producer")
    if group_id is not None:
        items = items.filter(distribution__group_id=group_id)
    for item in items:
        row = rows.setdefault(item.offer_id, ReportRow(offer=item.offer))
        row.by_source[item.source] = row.by_source.get(item.source, Decimal(0)) + item.quantity
    dispositions = SurplusDisposition.objects.filter(item__distribution__cycle=cycle).select_related("item__offer__producer")
    if group_id is not None:
        dispositions = dispositions.filter(item__distribution__group_id=group_id)
    for d in dispositions:
        row = rows.setdefault(d.item.offer_id, ReportRow(offer=d.item.offer))
        if d.kind == DispositionKind.SOLD:
            row.sold += d.quantity
            row.sold_amount += d.amount
        elif d.kind == DispositionKind.GIVEN:
            row.given += d.quantity
            row.given_value += d.amount
            row.partners.add(d.partner)
        else:
            row.lost += d.quantity
            row.lost_value += d.amount
    return sorted(rows.values(), key=lambda r: (r.offer.producer.name, r.offer.name))
