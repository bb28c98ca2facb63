"""Contracts' guarantee progress and subscriptions' skipped dates and payment schedules."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.core.money import line_amount

from . import guarantee, schedule
from .models import Contract, GuaranteeKind, Subscription, SubscriptionSkip


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
    from cabas.ordering.models import Allocation

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
    from cabas.ordering.models import LineChange, OrderLine

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
