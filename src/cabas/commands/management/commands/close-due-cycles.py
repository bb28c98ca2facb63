from django.core.management.base import BaseCommand

from cabas.flows import close_due_cycles


class Command(BaseCommand):
    help = "Close every order cycle whose deadline has passed (run it from cron, e.g. every 5 minutes)."

    def handle(self, *args, **options):
        outcomes = close_due_cycles()
        closed = [o for o in outcomes if o.closed_now]
        for outcome in closed:
            self.stdout.write(f"closed: {outcome.cycle.pk} {outcome.cycle.name}")
        self.stdout.write(f"{len(closed)} cycle(s) closed")
