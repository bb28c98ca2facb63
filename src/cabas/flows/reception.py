"""Record what producers delivered (reception): the allocation is computed again on it — a shortfall
rationed with the cycle's strategy, a surplus first filling tolerance —, every closing document written
anew and the difference posted to the ledger, in one transaction."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cabas.distribution.services import delete_closing_documents
from cabas.ordering.closing import ClosingResult
from cabas.ordering.services import run_allocation, set_deliveries

from .closing import write_closing


def record_deliveries(
    cycle_id: int, delivered: Mapping[int, Decimal | None], *, prices: Mapping[int, Decimal] | None = None,
    now: datetime.datetime | None = None,
) -> ClosingResult:
    """What producers delivered per offer (None: as ordered), and the price when reception corrects it."""
    now = now or timezone.now()
    with transaction.atomic():
        cycle, changed = set_deliveries(cycle_id, delivered, prices or {})
        if not changed:  # nothing is written
            return run_allocation(cycle)
        delete_closing_documents(cycle)
        return write_closing(cycle, now=now)
