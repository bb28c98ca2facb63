"""Returnable containers at the depots: what households brought back at each distribution, and what a group's
households still hold (charged with their allocations, less what they brought back). Read in bulk; the
arithmetic is in ``ordering/deposits.py``."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Sum

from cabas.catalog.models import Container
from cabas.ordering import deposits
from cabas.ordering.containers import charged_lines

from .models import ContainerReturn, Distribution

Key = deposits.Key


@dataclass
class Holdings:
    """Some households' containers: charged over every cycle, returned at this distribution and elsewhere."""

    charged: dict[Key, int]
    returned_here: dict[Key, ContainerReturn]
    returned_elsewhere: dict[Key, int]
    containers: dict[int, Container] = field(default_factory=dict)

    @property
    def returned(self) -> dict[Key, int]:
        total = defaultdict(int, self.returned_elsewhere)
        for key, row in self.returned_here.items():
            total[key] += row.quantity
        return dict(total)

    @property
    def balances(self) -> dict[Key, int]:
        return deposits.balances(self.charged, self.returned)


def holdings(household_ids: Iterable[int], *, club_id: int, distribution: Distribution | None = None) -> Holdings:
    """The households' containers (three queries whatever their number, two when they never had any): what they
    were charged for, what they returned at ``distribution`` and at other distributions, and those containers."""
    household_ids = list(household_ids)
    charged = deposits.counted(charged_lines(household_ids=household_ids))
    here: dict[Key, ContainerReturn] = {}
    elsewhere: dict[Key, int] = defaultdict(int)
    for row in ContainerReturn.objects.filter(household_id__in=household_ids).order_by():
        key = (row.household_id, row.container_id)
        if distribution is not None and row.distribution_id == distribution.pk:
            here[key] = row
        else:
            elsewhere[key] += row.quantity
    ids = {c for _h, c in charged} | {c for _h, c in here} | {c for _h, c in elsewhere}
    containers = {c.pk: c for c in Container.objects.filter(club_id=club_id, pk__in=ids).select_related("producer")} \
        if ids else {}
    return Holdings(charged=charged, returned_here=here, returned_elsewhere=dict(elsewhere), containers=containers)


def write_returns(distribution: Distribution, counts: Mapping[Key, int], found: Holdings, *, now: datetime.datetime,
                  by_user=None) -> dict[Key, ContainerReturn]:
    """Write the counts of a distribution (a count of 0 removes the row; a new row takes the container's deposit
    now, a corrected one keeps its own); returns the distribution's rows as they now are. At most three
    statements."""
    rows = dict(found.returned_here)
    new, changed, gone = [], [], []
    for key, count in counts.items():
        row = rows.get(key)
        if row is None:
            if count:
                row = ContainerReturn(distribution=distribution, household_id=key[0], container_id=key[1], quantity=count,
                                      deposit=found.containers[key[1]].deposit, updated_at=now, updated_by=by_user)
                new.append(row)
                rows[key] = row
        elif count == 0:
            gone.append(row.pk)
            del rows[key]
        elif count != row.quantity:
            row.quantity, row.updated_at, row.updated_by = count, now, by_user
            changed.append(row)
    if gone:
        ContainerReturn.objects.filter(pk__in=gone).delete()
    if changed:
        ContainerReturn.objects.bulk_update(changed, ["quantity", "updated_at", "updated_by"])
    if new:
        ContainerReturn.objects.bulk_create(new)
    return rows


def returns_at_depots(**filters) -> list[dict]:
    """Containers returned, per cycle, depot and container (one query): for the producers who take them back.
    ``filters`` narrow the returns (``distribution__cycle=…``, ``container__producer=…``)."""
    return list(
        ContainerReturn.objects.filter(**filters)
        .values("distribution__cycle_id", "distribution__cycle__name", "distribution__group_id",
                "distribution__group__name", "distribution__group__depot__name", "container_id", "container__name",
                "container__producer__name")
        .annotate(total=Sum("quantity"))
        .order_by("-distribution__cycle__closes_at", "distribution__group__name", "container__name")
    )
