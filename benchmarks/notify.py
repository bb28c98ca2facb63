"""The cycle-opened and deadline e-mails of a club (1,500 households by default) through the task queue, on a
throwaway database, with Django's locmem e-mail backend. Prints JSON: the queries to queue each event (the
same whatever the number of households), and the messages per second one worker sends.

    .venv/bin/python benchmarks/notify.py [--households 1500] [--groups 45]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cabas_bench .venv/bin/python benchmarks/notify.py
    CABAS_TASKS=redis .venv/bin/python benchmarks/notify.py      # the RQ backend (Redis on REDIS_URL)

Without DATABASE_URL it uses a fresh SQLite file in a temporary directory. With DATABASE_URL the database is
created by the test-database machinery (a "test_" prefixed copy) and dropped after.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1500)
    parser.add_argument("--groups", type=int, default=45)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="cabas-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabas.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # a throwaway database: a throwaway key
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # the locmem e-mail backend: messages are built and "sent" into mail.outbox
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        result = run(args, CaptureQueriesContext, connection)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    result["database"] = connection.vendor
    print(json.dumps(result, indent=2))


def build(args):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from cabas.catalog.models import Category, Producer, Product, Unit
    from cabas.members.models import Club, Depot, Group, Household, User

    club = Club.objects.create(name="Club de référence", slug="bench")
    groups = Group.objects.bulk_create(Group(club=club, name=f"Groupe {i}", slug=f"g{i}") for i in range(args.groups))
    Depot.objects.bulk_create(
        Depot(group=g, name=f"Dépôt {g.name}", address=f"{i} rue de la Gare", latitude=Decimal("48.1"),
              longitude=Decimal("-1.6"), distribution_weekday=(i % 5) + 1, slot_start=datetime.time(18),
              slot_end=datetime.time(19, 30)) for i, g in enumerate(groups))
    households = Household.objects.bulk_create(
        Household(group=groups[i % len(groups)], name=f"Foyer {i}") for i in range(args.households))
    password = make_password(None)
    User.objects.bulk_create(
        User(email=f"membre{i}@example.org", first_name=f"Membre{i}", household=h, password=password)
        for i, h in enumerate(households))
    category = Category.objects.create(name="Légumes", position=1)
    producer = Producer.objects.create(club=club, name="Ferme")
    products = Product.objects.bulk_create(
        Product(producer=producer, category=category, name=f"Produit {i}", unit=Unit.KILOGRAM,
                unit_price=Decimal("2.50"), vat_rate=Decimal("5.5")) for i in range(30))
    now = timezone.now()
    return club, groups, products, now


def run(args, CaptureQueriesContext, connection) -> dict:
    from django.core import mail
    from django.utils import timezone

    from cabas.core.tasks import run_pending
    from cabas.flows import open_cycle
    from cabas.notifications import tasks as notifications

    club, groups, products, now = build(args)
    closes_at = now + datetime.timedelta(hours=10)  # within the deadline reminder's 24 h
    cycle = open_cycle(club=club, name="Semaine de référence", opens_at=now - datetime.timedelta(hours=1),
                       closes_at=closes_at, distribution_dates={g.pk: timezone.localdate(closes_at) for g in groups},
                       product_ids=[p.pk for p in products])
    run_pending()  # the opening's own e-mail went out with the cycle: measured below on a fresh queue
    from cabas.notifications.models import NotificationEvent, SentNotification

    NotificationEvent.objects.all().delete()
    SentNotification.objects.all().delete()
    mail.outbox = []

    with CaptureQueriesContext(connection) as opened_q:
        notifications.cycle_opened(cycle)  # outside a transaction: enqueued at once
    with CaptureQueriesContext(connection) as reminders_q:
        queued = notifications.queue_reminders(now=now)
    # the threshold check and the opened event queued again by send-reminders are no-ops for the worker here
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as worker_q:
        tasks = run_pending()
    seconds = time.perf_counter() - started
    sent = len(mail.outbox)
    kinds = {}
    for message in mail.outbox:
        key = "cycle_opened" if "ouvertes" in message.subject else "deadline" if "Dernier appel" in message.subject else "other"
        kinds[key] = kinds.get(key, 0) + 1
    sample = mail.outbox[0] if mail.outbox else None
    return {
        "households": args.households,
        "groups": args.groups,
        "queries_to_queue_cycle_opened": len(opened_q),
        "queries_to_queue_reminders": len(reminders_q),
        "reminder_events_queued": queued,
        "tasks_run": tasks,
        "messages_sent": sent,
        "messages_by_kind": kinds,
        "worker_seconds": round(seconds, 3),
        "messages_per_second": round(sent / seconds, 1) if seconds else None,
        "worker_queries": len(worker_q),
        "sample_has_text_html_and_unsubscribe": bool(
            sample and sample.body and sample.alternatives and "List-Unsubscribe" in sample.extra_headers),
        "tasks_backend": os.environ.get("CABAS_TASKS", "database"),
    }


if __name__ == "__main__":
    main()
