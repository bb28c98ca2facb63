from django.core.management.base import BaseCommand, CommandError

from cabas.flows import close_due_cycles


class Command(BaseCommand):
    help = ("Close every order cycle whose deadline has passed (run it from cron, e.g. every 5 minutes). Each "
            "cycle closes in its own transaction; one that fails is reported and the command exits with 1.")

    def handle(self, *args, **options):
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
