"""Subscriptions' instalments posted to the ledger on their due dates, and each season settled once its cycles are
closed (contracts, distribution, finance): what cron's ``cabas post-instalments`` runs once a day.

Each subscription's plan (``contracts.services.subscription_plans``: the group's real distribution days, each
basket at its day's prices, the instalments) is computed afresh; an instalment due and not posted yet is posted
under the key ``subscription-instalment:<subscription>:<due date>`` for what brings the instalments posted up to the
plan so far (``contracts.schedule.due_instalments``); once the season has ended and every cycle distributing in it
is closed, the difference between what the closings billed for its baskets and what the instalments called is
posted once under ``subscription-settlement:<subscription>``. Running it twice posts nothing the second time."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cabas.contracts import schedule
from cabas.contracts.models import Subscription
from cabas.contracts.services import SubscriptionPlan, subscription_plans
from cabas.distribution.models import Distribution
from cabas.finance.subscriptions import (
    INSTALMENT_KEY, committed_amounts, instalment_key, post_to_household, posted_for_subscriptions, settlement_key,
)

logger = logging.getLogger(__name__)

SETTLED_WITHIN = datetime.timedelta(days=180)  # a season ended longer ago than this is left alone


@dataclass
class InstalmentsOutcome:
    instalments: int = 0
    settlements: int = 0
    failed: list[int] = field(default_factory=list)  # subscriptions whose posting failed (logged)


def _label(subscription: Subscription, text: str, **params) -> str:
    return text % {"producer": subscription.producer.name, "season": subscription.season, **params}


def billed_for(subscription: Subscription) -> tuple[bool, Decimal]:
    """(every cycle distributing to the household's group in the season is closed, what their closings billed for
    the subscription's baskets) — two queries."""
    cycles = dict(Distribution.objects.filter(group_id=subscription.household.group_id, date__gte=subscription.starts_on,
                                              date__lte=subscription.ends_on)
                  .values_list("cycle_id", "cycle__closed_at"))
    closed = all(closed_at is not None for closed_at in cycles.values())
    billed = sum(committed_amounts(cycle_ids=list(cycles), household_ids=[subscription.household_id],
                                   product_ids=[line.product_id for line in subscription.lines.all()]).values(),
                 Decimal("0.00")) if cycles else Decimal("0.00")
    return closed, billed


def _post_one(plan: SubscriptionPlan, posted: dict[str, Decimal], today: datetime.date) -> tuple[int, int]:
    subscription = plan.subscription
    club = subscription.household.group.club
    instalments = {datetime.date.fromisoformat(key.rsplit(":", 1)[1]): amount for key, amount in posted.items()
                   if key.startswith(INSTALMENT_KEY)}
    count = settled = 0
    with transaction.atomic():
        Subscription.objects.select_for_update().filter(pk=subscription.pk).first()  # one run at a time per subscription
        for instalment in schedule.due_instalments(plan.instalments, posted=instalments, today=today):
            when = formats.date_format(instalment.due_on, "SHORT_DATE_FORMAT")
            if post_to_household(club, household_id=subscription.household_id, amount=instalment.amount,
                                 key=instalment_key(subscription.pk, instalment.due_on), date=instalment.due_on,
                                 label=_label(subscription, _("Subscription %(producer)s, %(season)s: instalment of %(date)s"),
                                              date=when), piece=f"A{subscription.pk}"):
                count += 1
                instalments[instalment.due_on] = instalment.amount
        if today > subscription.ends_on and settlement_key(subscription.pk) not in posted:
            closed, billed = billed_for(subscription)
            difference = billed - sum(instalments.values(), Decimal("0.00"))
            if closed and difference and post_to_household(
                    club, household_id=subscription.household_id, amount=difference, key=settlement_key(subscription.pk),
                    date=today, piece=f"A{subscription.pk}",
                    label=_label(subscription, _("Subscription %(producer)s, %(season)s: settled at the season's end"))):
                settled = 1
    return count, settled


def post_due_instalments(*, today: datetime.date | None = None) -> InstalmentsOutcome:
    """Post every instalment due by ``today`` and settle the seasons ended (each subscription in its own
    transaction: one that fails is logged and reported, the others are posted)."""
    today = today or timezone.localdate()
    subscriptions = list(
        Subscription.objects.filter(starts_on__lte=today, ends_on__gte=today - SETTLED_WITHIN)
        .select_related("household__group__depot", "household__group__club", "producer")
        .prefetch_related("lines__product", "skips").order_by("pk")
    )
    outcome = InstalmentsOutcome()
    by_club: dict[int, list[Subscription]] = defaultdict(list)
    for subscription in subscriptions:
        by_club[subscription.household.group.club_id].append(subscription)
    for items in by_club.values():
        club = items[0].household.group.club
        plans = subscription_plans(items)
        posted = posted_for_subscriptions(club, [s.pk for s in items])
        for subscription in items:
            try:
                count, settled = _post_one(plans[subscription.pk], posted.get(subscription.pk, {}), today)
            except IntegrityError:  # posted at the same moment by another run: its posting stands
                continue
            except Exception:  # noqa: BLE001 - one subscription must not block the others
                logger.exception("Posting the instalments of subscription %s failed", subscription.pk)
                outcome.failed.append(subscription.pk)
                continue
            outcome.instalments += count
            outcome.settlements += settled
    return outcome
