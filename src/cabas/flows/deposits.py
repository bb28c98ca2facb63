"""Containers brought back at a depot: a group's coordinator counts, per household and container, what came
back at a distribution; the counts are written (distribution) and each household refunded the deposits on its
account (finance), in one transaction. A count saved again posts nothing, a corrected count the difference."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.distribution.containers import holdings, write_returns
from cabas.distribution.models import Distribution
from cabas.finance.deposits import post_container_returns
from cabas.members.models import Group, Household
from cabas.ordering import deposits


def record_container_returns(distribution_id: int, counts: Mapping[tuple[int, int], int], *, by_user=None,
                             now: datetime.datetime | None = None) -> int:
    """Save the counts of containers brought back at a distribution ((household id, container id) -> count, the
    whole count at this distribution, 0 for none) and refund their deposits. ActionError, nothing written, when a
    household or container is not the distribution's or a household would bring back more than it holds.
    Returns the number of counts that changed."""
    now = now or timezone.now()
    with transaction.atomic():
        distribution = Distribution.objects.select_related("cycle__club", "group").get(pk=distribution_id)
        # the group locked: its counts at every distribution are checked against the same holdings, one save at a time
        list(Group.objects.select_for_update().filter(pk=distribution.group_id).values_list("pk"))
        households = {h.pk: h for h in Household.objects.filter(group_id=distribution.group_id)}
        found = holdings(households, club_id=distribution.cycle.club_id, distribution=distribution)
        if any(h not in households or c not in found.containers for h, c in counts):
            raise ActionError(_("A household or a container is not one of this distribution's."))
        changed = {key: n for key, n in counts.items()
                   if n != (found.returned_here[key].quantity if key in found.returned_here else 0)}
        problems = deposits.check_returns(changed, found.charged, found.returned_elsewhere)
        if problems:
            raise ActionError(field_errors={
                f"r-{p.household_id}-{p.container_id}": _(
                    "The number of containers brought back cannot be negative.") if p.typed < 0 else _(
                    "%(household)s holds %(held)s × %(container)s: it cannot bring back %(typed)s.") % {
                    "household": households[p.household_id].name, "held": p.held, "typed": p.typed,
                    "container": found.containers[p.container_id].name}
                for p in problems
            })
        if not changed:
            return 0
        rows = write_returns(distribution, changed, found, now=now, by_user=by_user)
        refunds = deposits.refunds({k: r.quantity for k, r in rows.items()}, {k: r.deposit for k, r in rows.items()})
        post_container_returns(distribution, refunds, date=timezone.localdate(now), by_user=by_user)
    return len(changed)

