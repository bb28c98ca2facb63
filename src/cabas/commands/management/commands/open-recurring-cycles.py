from django.core.management.base import BaseCommand

from cabas.flows import open_recurring_cycles


class Command(BaseCommand):
    help = ("Open the recurring cycles that are due, with the last cycle's products, for the groups whose rhythm "
            "distributes in the period (run it from cron, e.g. every 15 minutes). Idempotent: each recurring cycle "
            "is opened once per period, whatever the number of runs; what each opening did is kept on its page.")

    def handle(self, *args, **options):
        outcomes = open_recurring_cycles()
        for outcome in outcomes:
            if outcome.cycle is not None:
                self.stdout.write(f"opened: {outcome.cycle.pk} {outcome.cycle.name}")
            else:
                self.stdout.write(f"not opened: recurring cycle {outcome.recurring_id}: {outcome.message}")
        self.stdout.write(f"{sum(1 for o in outcomes if o.cycle is not None)} cycle(s) opened")
