"""The task queue (django-tasks, the backport of Django 6's ``django.tasks``): enqueue after the current
transaction commits, and run what is waiting.

Tasks are declared with ``django_tasks.task`` in the module of the layer they belong to (a domain's
``tasks.py``, ``cabas.notifications.tasks``, ``cabas.web.tasks``) and take only ids and plain values, never
model instances: a task runs later, in another process, maybe more than once (a worker that dies is retried)
— each is written to do nothing the second time.

The backend is chosen by settings (``CABAS_TASKS``): the database backend (django-tasks-db, the default) or RQ
(django-tasks-rq, Redis). ``run_pending`` runs what is waiting in this process, whatever the backend: the
tests, the benchmarks and ``cabas worker --batch`` use it.
"""

from __future__ import annotations

import logging
import socket

from django.conf import settings
from django.db import transaction
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.signals import task_finished

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task(*args, **kwargs)`` once the current transaction commits (at once outside one): a task
    never runs on data its request then rolled back, nor before that data is visible to the worker."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def uses_redis() -> bool:
    return getattr(settings, "CABAS_TASKS", "database") == "redis"


def worker_id() -> str:
    return f"{socket.gethostname()}-cabas"[:64]


def run_pending(*, limit: int | None = None) -> int:
    """Run the tasks waiting in the default queue, in this process, until none is left (tasks that enqueue
    others included); returns how many ran. A failing task is recorded as failed (its traceback kept in the
    task results for the operators) and the others go on."""
    if uses_redis():
        return _run_rq(limit)
    return _run_database(limit)


def _run_database(limit: int | None) -> int:
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                    startup_delay=False, max_tasks=None, worker_id=worker_id(), excluded_queue_names=[])
    ran = 0
    while limit is None or ran < limit:
        # Worker.run would close the database connection between tasks (fine in a worker process, not inside
        # a test's transaction): the same claim and run, one task at a time.
        with transaction.atomic():
            result = DBTaskResult.objects.ready().filter(backend_name=DEFAULT_TASK_BACKEND_ALIAS).get_locked()
            if result is None:
                break
            result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


def _run_rq(limit: int | None) -> int:
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    queues = [django_rq.get_queue(name, job_class=Job) for name in sorted(backend.queues)]
    finished = []

    def count(sender, task_result, **kwargs):
        finished.append(task_result.id)

    # RQ's worker keeps its counts in Redis: the tasks it finished are counted through django-tasks' signal.
    task_finished.connect(count, weak=False)
    try:
        while (limit is None or len(finished) < limit) and sum(queue.count for queue in queues):
            before = len(finished)
            worker = SimpleWorker(queues, connection=queues[0].connection, job_class=Job)
            worker.work(burst=True, max_jobs=None if limit is None else limit - len(finished),
                        logging_level="WARNING")
            if len(finished) == before:
                break
    finally:
        task_finished.disconnect(count)
    return len(finished)
