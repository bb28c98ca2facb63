from django.core.management.base import BaseCommand

from cabas.members.services import REMINDER_DAYS, remind_renewals


class Command(BaseCommand):
    help = "E-mail the households whose membership ends soon, once per membership (run it daily from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=REMINDER_DAYS, help="how many days ahead (default 30)")

    def handle(self, *args, **options):
        sent = remind_renewals(within=max(1, min(options["days"], 365)))
        self.stdout.write(f"{sent} reminder(s) sent")
