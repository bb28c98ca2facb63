"""Run by tests/test_races.py in a child process: close a cycle, but stop at a chosen step of the closing, inside
its transaction, say "ready" (with what the transaction has written so far, as it sees it) and wait to be killed.

    python tests/closing_child.py <cycle id> <kill point> <closing time, ISO 8601>

The database is the one in DATABASE_URL (the parent passes its test database). Not a test module: pytest does
not collect it (its name does not start with ``test_``).
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabas.settings")

import django  # noqa: E402

django.setup()

import cabas.finance.services  # noqa: E402
import cabas.flows.closing  # noqa: E402
from cabas.distribution.models import PickingList, ProducerSheet  # noqa: E402
from cabas.finance.models import LedgerTransaction  # noqa: E402
from cabas.ordering.models import Allocation, OrderCycle, OrderSummary  # noqa: E402

# Where to stop: (module, name of the step the closing calls through that module); the child stops right after
# the step returned, except "ledger", which stops in the middle of the ledger posting: the cycle's closing
# transaction is posted, its solidarity and guarantee funds not yet.
POINTS = {
    "allocations": (cabas.flows.closing, "write_allocation"),
    "documents": (cabas.flows.closing, "write_closing_documents"),
    "ledger": (cabas.finance.services, "post_cycle_funds"),
}


def written(cycle_id: int) -> dict[str, int]:
    """What the closing's transaction holds so far, read through its own connection."""
    return {
        "allocations": Allocation.objects.filter(cycle_id=cycle_id).count(),
        "summaries": OrderSummary.objects.filter(cycle_id=cycle_id).count(),
        "picking_lists": PickingList.objects.filter(distribution__cycle_id=cycle_id).count(),
        "producer_sheets": ProducerSheet.objects.filter(cycle_id=cycle_id).count(),
        "ledger": LedgerTransaction.objects.filter(piece=f"C{cycle_id}").count(),
        "closed": int(OrderCycle.objects.filter(pk=cycle_id, closed_at__isnull=False).exists()),
    }


def main() -> None:
    cycle_id, point, now = int(sys.argv[1]), sys.argv[2], datetime.datetime.fromisoformat(sys.argv[3])
    module, name = POINTS[point]
    step = getattr(module, name)

    @functools.wraps(step)
    def step_then_wait(*args, **kwargs):
        before = point == "ledger"  # stop before the funds are posted, the cycle's own transaction written
        value = None if before else step(*args, **kwargs)
        print("ready", json.dumps(written(cycle_id)), flush=True)
        time.sleep(30)  # the parent kills us here, the transaction still open
        return step(*args, **kwargs) if before else value

    setattr(module, name, step_then_wait)
    cabas.flows.closing.close_cycle(cycle_id, now=now)
    print("closed without being killed", flush=True)


if __name__ == "__main__":
    main()
