"""Post a transport plan's shares: the plan's cost split among the groups' households, households or
producers (logistics) is posted to the ledger against the transport pool (finance), and the plan becomes the
cycle's chosen one, in one transaction. Posting twice posts nothing."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.finance.models import AccountKind, LedgerTransaction
from cabas.finance.services import post_pooled_cost
from cabas.logistics.models import TransportPlan
from cabas.logistics.services import lock_plan_to_post, mark_posted, plan_debits, transport_key


def post_transport_shares(plan: TransportPlan, *, by_user=None, date: datetime.date | None = None
                          ) -> LedgerTransaction | None:
    """The ledger transaction of the plan's shares, or None when they were posted already."""
    with transaction.atomic():
        plan = lock_plan_to_post(plan)
        if plan is None:
            return None
        cycle = plan.cycle
        record = post_pooled_cost(
            cycle.club, pool=AccountKind.TRANSPORT, total=plan.cost, debits=plan_debits(plan),
            label=_("Pooled transport, %(cycle)s") % {"cycle": cycle.name}, date=date or timezone.localdate(),
            key=transport_key(plan.pk), piece=f"T{plan.pk}", by_user=by_user,
        )
        mark_posted(plan, record)
    return record
