"""Contracts' guarantee progress; subscriptions put into each cycle's orders, their skipped dates and payment
schedules."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.core.money import line_amount
from cabas.ordering.models import Allocation, LineChange, Offer, Order, OrderCycle, OrderLine

from . import guarantee, schedule
from .models import Contract, ContractProduct, GuaranteeKind, Subscription, SubscriptionSkip


@dataclass(frozen=True)
class ContractProgress:
    contract: Contract
    periods: list[guarantee.PeriodProgress]
    current: guarantee.PeriodProgress | None

    @property
    def shortfall(self) -> Decimal:
        return sum((p.shortfall for p in self.periods), Decimal(0))


def contracts_progress(contracts: list[Contract], *, today: datetime.date | None = None) -> list[ContractProgress]:
    """Each contract's periods against what the club bought of its products in closed cycles, dated by
    the cycle's closing day (one query for all the contracts, whatever their number)."""
    today = today or timezone.localdate()
    product_ids = {cp.product_id for c in contracts for cp in c.products.all()}
    purchases: dict[tuple[int, int], list[tuple[datetime.date, Decimal, Decimal, str]]] = defaultdict(list)
    if product_ids:
        rows = (
            Allocation.objects.filter(offer__product_id__in=product_ids, cycle__closed_at__isnull=False,
                                      cycle__club_id__in={c.club_id for c in contracts})
            .values("cycle__club_id", "cycle__closes_at", "offer__product_id", "offer__unit")
            .annotate(value=Sum("amount_incl_vat"), volume=Sum("quantity"))
            .order_by()
        )
        for row in rows:
            purchases[(row["cycle__club_id"], row["offer__product_id"])].append(
                (timezone.localdate(row["cycle__closes_at"]), row["value"] or Decimal(0), row["volume"] or Decimal(0), row["offer__unit"])
            )
    result = []
    for contract in contracts:
        dated = []
        for cp in contract.products.all():
            for day, value, volume, unit in purchases.get((contract.club_id, cp.product_id), ()):
                if contract.guarantee_kind == GuaranteeKind.VALUE:
                    dated.append((day, value))
                elif unit == contract.guarantee_unit:
                    dated.append((day, volume))
        rows = guarantee.progress(start=contract.starts_on, end=contract.ends_on, frequency=contract.frequency,
                                  guarantee=contract.guarantee_amount, purchases=dated, today=today)
        result.append(ContractProgress(contract=contract, periods=rows, current=guarantee.current(rows, today)))
    return result


def put_in_subscriptions(cycle: OrderCycle, distribution_dates: Mapping[int, datetime.date]) -> int:
    """Put the baskets of the subscriptions due at each group's distribution into the households' orders,
    as committed quantities (a constant number of queries). Returns the number of lines written.

    A basket line whose product is not on offer in this cycle is left out: the coordinator chose the offers."""
    if not distribution_dates:
        return 0
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    subscriptions = (
        Subscription.objects.filter(
            household__group__club_id=cycle.club_id, starts_on__lte=max(distribution_dates.values()),
            ends_on__gte=min(distribution_dates.values()),
        )
        .select_related("household")
        .prefetch_related("lines", "skips")
    )
    wanted: dict[tuple[int, int], Decimal] = {}
    for subscription in subscriptions:
        day = distribution_dates.get(subscription.household.group_id)
        skipped = {skip.date for skip in subscription.skips.all()}
        if day is None or not schedule.basket_due(day=day, starts_on=subscription.starts_on, ends_on=subscription.ends_on, skipped=skipped):
            continue
        for line in subscription.lines.all():
            if line.product_id in offers:
                key = (subscription.household_id, offers[line.product_id].pk)
                wanted[key] = wanted.get(key, Decimal(0)) + line.quantity
    # A basket line written before its product's step (or off it) goes in as the whole steps it holds, never
    # more: every order line is a quantity a volunteer can hand out.
    steps = {o.pk: o.order_step for o in offers.values()}
    wanted = {key: q - q % steps[key[1]] for key, q in wanted.items() if q - q % steps[key[1]] > 0}
    if not wanted:
        return 0
    households = sorted({h for h, _ in wanted})
    orders = {o.household_id: o for o in Order.objects.bulk_create(
        Order(cycle=cycle, household_id=h, updated_at=cycle.opens_at) for h in households
    )}
    if any(o.pk is None for o in orders.values()):  # backends that do not return ids from a bulk insert
        orders = {o.household_id: o for o in Order.objects.filter(cycle=cycle)}
    OrderLine.objects.bulk_create(
        OrderLine(order=orders[h], offer_id=offer_id, quantity=q, committed=q) for (h, offer_id), q in sorted(wanted.items())
    )
    LineChange.objects.bulk_create(
        LineChange(cycle=cycle, household_id=h, offer_id=offer_id, quantity=q, at=cycle.opens_at)
        for (h, offer_id), q in sorted(wanted.items())
    )
    return len(wanted)


SKIP_MESSAGES = {
    "outside": lambda s: _("This date is outside the season of the subscription."),
    "already": lambda s: _("This date is already skipped."),
    "notice": lambda s: _("A date must be skipped at least %(days)s days ahead.") % {"days": s.notice_days},
    "too_many": lambda s: _("This subscription allows %(count)s skipped dates, all used.") % {"count": s.max_skips},
}


@transaction.atomic
def skip_date(*, subscription_id: int, household_id: int, day: datetime.date, today: datetime.date | None = None) -> SubscriptionSkip:
    """Skip one distribution of a household's own subscription. If that distribution's cycle is already
    open, the basket's committed quantities come out of the order at once."""
    today = today or timezone.localdate()
    subscription = (
        Subscription.objects.select_for_update().filter(pk=subscription_id, household_id=household_id).first()
    )
    if subscription is None:
        raise ActionError(_("This subscription is not yours."))
    skipped = set(subscription.skips.values_list("date", flat=True))
    try:
        schedule.check_skip(day=day, starts_on=subscription.starts_on, ends_on=subscription.ends_on, skipped=skipped,
                            max_skips=subscription.max_skips, notice_days=subscription.notice_days, today=today)
    except schedule.SkipRefused as refused:
        raise ActionError(SKIP_MESSAGES[refused.code](subscription)) from None
    skip = SubscriptionSkip.objects.create(subscription=subscription, date=day)
    basket = dict(subscription.lines.values_list("product_id", "quantity"))
    lines = list(
        OrderLine.objects.select_for_update()
        .filter(order__household_id=household_id, order__cycle__closed_at__isnull=True,
                order__cycle__distributions__date=day, order__cycle__distributions__group_id=subscription.household.group_id,
                offer__product_id__in=basket, committed__gt=0)
        .select_related("offer", "order")
    )
    now = timezone.now()
    changes = []
    for line in lines:
        take = min(basket[line.offer.product_id], line.committed)
        line.committed -= take
        line.quantity -= take
        if line.quantity <= 0:
            line.delete()
        else:
            line.save(update_fields=["committed", "quantity"])
        changes.append(LineChange(cycle_id=line.order.cycle_id, household_id=household_id, offer_id=line.offer_id,
                                  quantity=max(line.quantity, Decimal(0)), tolerance=line.tolerance, at=now))
    LineChange.objects.bulk_create(changes)
    return skip


def season_dates(subscription: Subscription, weekday: int) -> list[datetime.date]:
    """The distribution days of the season at the household's depot (its weekday, 0 = Monday)."""
    first = subscription.starts_on + datetime.timedelta(days=(weekday - subscription.starts_on.weekday()) % 7)
    days = []
    while first <= subscription.ends_on:
        days.append(first)
        first += datetime.timedelta(days=7)
    return days


def subscription_schedule(subscription: Subscription) -> tuple[list[datetime.date], Decimal, list[schedule.Instalment]]:
    """The season's distribution days still due (skips left out), the season's total at the catalogue's
    prices, and the instalments to pay it (per the subscription's schedule)."""
    depot = subscription.household.group.depot
    skipped = {s.date for s in subscription.skips.all()}
    days = [d for d in season_dates(subscription, depot.distribution_weekday) if d not in skipped]
    basket = sum((line_amount(line.quantity, line.product.unit_price) for line in subscription.lines.all()), Decimal("0.00"))
    total = basket * len(days)
    return days, total, schedule.instalments(total, schedule=subscription.payment_schedule,
                                             starts_on=subscription.starts_on, ends_on=subscription.ends_on)


def apply_agreed_price(*, product_id: int, unit_price: Decimal, today: datetime.date) -> int:
    """A price agreed for a product (its cost sheet) becomes the agreed price of the contracts of the product
    that have not ended (one statement). Returns the number of contract lines changed."""
    return ContractProduct.objects.filter(product_id=product_id, contract__ends_on__gt=today).update(agreed_price=unit_price)
