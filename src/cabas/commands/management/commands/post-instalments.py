from django.core.management.base import BaseCommand, CommandError

from cabas.flows import post_due_instalments


class Command(BaseCommand):
    help = ("Post the subscriptions' instalments due today or before to the households' accounts, and settle the "
            "seasons that have ended once their cycles are closed (run it from cron once a day). Each instalment is "
            "posted once: running it twice posts nothing the second time.")

    def handle(self, *args, **options):
        outcome = post_due_instalments()
        self.stdout.write(f"{outcome.instalments} instalment(s) posted, {outcome.settlements} season(s) settled")
        if outcome.failed:
            raise CommandError(f"{len(outcome.failed)} subscription(s) could not be posted: see the log")
