from django.core.management.base import BaseCommand, CommandError

from cabas.flows import close_due_cycles
from cabas.flows.tasks import queue_due_cycles


class Command(BaseCommand):
    help = ("Close every order cycle whose deadline has passed (run it from cron, e.g. every 5 minutes). By "
            "default one task per cycle goes to the task queue (`cabas worker` closes each in its own "
            "transaction; a failure is logged and shown among the failed tasks). --inline closes them here, each "
            "in its own transaction; one that fails is reported and the command exits with 1.")

    def add_arguments(self, parser):
        parser.add_argument("--inline", action="store_true", help="Close here rather than through the task queue.")

    def handle(self, *args, inline=False, **options):
        if not inline:
            queued = queue_due_cycles()
            for cycle in queued:
                self.stdout.write(f"queued: {cycle.pk} {cycle.name}")
            self.stdout.write(f"{len(queued)} cycle(s) queued for closing")
            return
        outcomes = close_due_cycles()
        closed = [o for o in outcomes if o.closed_now]
        failed = [o for o in outcomes if o.error]
        for outcome in closed:
            self.stdout.write(f"closed: {outcome.cycle.pk} {outcome.cycle.name}")
        for outcome in failed:
            self.stderr.write(f"failed: {outcome.cycle_id} {outcome.error}")
        self.stdout.write(f"{len(closed)} cycle(s) closed")
        if failed:
            raise CommandError(f"{len(failed)} cycle(s) could not be closed: see the log")
