from django.core.management import call_command
from django.core.management.base import BaseCommand

from cabas.core.tasks import run_pending, uses_redis


class Command(BaseCommand):
    help = ("Run the task queue's worker: transport planning, e-mails, closing due cycles one by one. With the "
            "database backend (CABAS_TASKS=database, the default) it is django-tasks-db's `db_worker`; with "
            "CABAS_TASKS=redis, RQ's worker on REDIS_URL. Run one (or more, on several machines) beside the web "
            "server; --batch runs what is waiting and exits.")

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Run the waiting tasks, then exit.")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between two looks at an empty queue (database backend; default 1).")

    def handle(self, *args, batch=False, interval=1.0, verbosity=1, **options):
        if batch:
            ran = run_pending()
            if verbosity:
                self.stdout.write(f"{ran} task(s) run")
            return
        if uses_redis():
            call_command("rqworker", "default", job_class="django_tasks_rq.Job", verbosity=verbosity)
        else:
            call_command("db_worker", interval=interval, verbosity=verbosity)
