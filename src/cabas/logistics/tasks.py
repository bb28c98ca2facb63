"""Transport planning in the task queue: the solver runs for tens of seconds, never inside a request."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from cabas.core.errors import ActionError
from cabas.core.tasks import enqueue_on_commit
from cabas.ordering.models import OrderCycle

from . import services
from .models import PlanningRequest, Scheme

logger = logging.getLogger(__name__)


def request_planning(cycle: OrderCycle, schemes: list[str], *, by_user=None) -> PlanningRequest:
    """Record the request and enqueue its planning once the transaction commits. A request still waiting for
    the same cycle is reused (a second click does not plan twice)."""
    with transaction.atomic():
        waiting = PlanningRequest.objects.filter(cycle=cycle, finished_at__isnull=True).first()
        if waiting is not None:
            return waiting
        request = PlanningRequest.objects.create(cycle=cycle, schemes=list(schemes), requested_by=by_user)
        enqueue_on_commit(plan_transport, request.pk)
    return request


@task()
def plan_transport(request_id: int) -> list[str]:
    """Plan each scheme asked for. Safe to retry: a finished request is not planned again, and planning a
    scheme again replaces its plan (unless posted). An unexpected error finishes the request with a message
    (the page stops waiting) and fails the task, with its traceback, for the operators."""
    request = PlanningRequest.objects.select_related("cycle").filter(pk=request_id, finished_at__isnull=True).first()
    if request is None:
        return []
    errors, planned = [], []
    try:
        for scheme in request.schemes:
            try:
                services.plan_cycle(request.cycle, scheme)
            except ActionError as error:
                errors.extend(f"{Scheme(scheme).label} : {message}" for message in error.all_messages)
            else:
                planned.append(scheme)
    except Exception:
        errors.append(_("The planning failed; the installation's operators can see why. Try again later."))
        raise
    finally:
        PlanningRequest.objects.filter(pk=request.pk).update(finished_at=timezone.now(), errors=errors, planned=planned)
    return planned
