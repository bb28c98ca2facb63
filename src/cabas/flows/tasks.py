"""The workflows the task queue runs: closing due cycles one task per cycle (``cabas close-due-cycles``
fans them out), so one cycle's failure never holds the others back and each is retried on its own."""

from __future__ import annotations

import logging
import datetime

from django.utils import timezone
from django_tasks import task

from cabas.ordering.models import OrderCycle

from .closing import close_cycle

logger = logging.getLogger(__name__)


def queue_due_cycles(*, now: datetime.datetime | None = None) -> list[OrderCycle]:
    """Enqueue one closing task per cycle whose deadline has passed (in deadline order); returns them. Closing
    is idempotent: a cycle queued twice (cron runs again before the worker) closes once."""
    now = now or timezone.now()
    cycles = list(OrderCycle.objects.due_for_closing(now).order_by("closes_at"))
    for cycle in cycles:
        close_due_cycle.enqueue(cycle.pk)
    return cycles


@task()
def close_due_cycle(cycle_id: int) -> bool:
    """Close one cycle in its own transaction; True when it closed now. A failure is logged and fails the
    task (its traceback kept for the operators); nothing of that cycle is written."""
    try:
        return close_cycle(cycle_id).closed_now
    except Exception:
        logger.exception("Closing cycle %s failed; the other due cycles close in their own tasks", cycle_id)
        raise
