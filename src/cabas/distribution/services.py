"""Documents for distribution day, written by the closing and read by the lists."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from cabas.ordering.closing import ClosingResult
from cabas.ordering.models import OrderCycle

from .models import Distribution, PickingList, ProducerSheet


def write_closing_documents(cycle: OrderCycle, result: ClosingResult, *, now: datetime.datetime) -> None:
    """One picking list per distribution (empty ones too: the depot knows nothing comes) and one sheet per producer."""
    group_totals = {t.key: t for t in result.groups}
    distributions = list(Distribution.objects.filter(cycle=cycle))
    PickingList.objects.bulk_create(
        PickingList(
            distribution=d,
            household_count=group_totals[d.group_id].member_count if d.group_id in group_totals else 0,
            line_count=group_totals[d.group_id].line_count if d.group_id in group_totals else 0,
            amount_incl_vat=group_totals[d.group_id].vat.amount_incl_vat if d.group_id in group_totals else 0,
            created_at=now,
        )
        for d in distributions
    )
    ProducerSheet.objects.bulk_create(
        ProducerSheet(
            cycle=cycle, producer_id=t.key, line_count=t.line_count, amount_incl_vat=t.vat.amount_incl_vat,
            amount_excl_vat=t.vat.amount_excl_vat, vat=t.vat.vat, created_at=now,
        )
        for t in result.producers
    )


def create_distributions(cycle: OrderCycle, dates: Mapping[int, datetime.date]) -> None:
    """One distribution per group (group id -> its pick-up date) for a cycle being opened."""
    Distribution.objects.bulk_create(Distribution(cycle=cycle, group_id=pk, date=dates[pk]) for pk in sorted(dates))


def delete_closing_documents(cycle: OrderCycle) -> None:
    """The cycle's picking lists and producer sheets, before they are written anew (reception)."""
    PickingList.objects.filter(distribution__cycle=cycle).delete()
    ProducerSheet.objects.filter(cycle=cycle).delete()
