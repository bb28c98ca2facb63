from django.core.management.base import BaseCommand

from cabas.notifications.tasks import queue_reminders


class Command(BaseCommand):
    help = ("Queue the e-mails that depend on the time (run it from cron, e.g. every 15 minutes): cycles that "
            "opened, deadlines within CABAS_DEADLINE_REMINDER_HOURS for households that have not ordered, "
            "distributions tomorrow, products close to their threshold (once a day per cycle). Each event is "
            "sent once; `cabas worker` sends them.")

    def handle(self, *args, **options):
        queued = queue_reminders()
        for kind, count in queued.items():
            self.stdout.write(f"{kind}: {count} event(s) queued")
