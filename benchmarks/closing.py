"""Closing a club-sized cycle (1,500 households × 30 lines by default) on a throwaway database. Prints JSON:
the real closing path against its floor (one query reading every line, one bulk write of as many rows).

    .venv/bin/python benchmarks/closing.py [--households 1500] [--products 120] [--lines-per-household 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cabas_bench .venv/bin/python benchmarks/closing.py

Without DATABASE_URL it uses a fresh SQLite file in a temporary directory. With DATABASE_URL the
database is created by the script's test-database machinery (a "test_" prefixed copy) and dropped after.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
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
    parser.add_argument("--products", type=int, default=120)
    parser.add_argument("--lines-per-household", dest="lines", type=int, default=30)
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

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        result = run(args, CaptureQueriesContext, connection)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    result["database"] = connection.vendor
    print(json.dumps(result, indent=2))


def run(args, CaptureQueriesContext, connection) -> dict:
    from django.utils import timezone

    from cabas.catalog.models import Category, Producer, Product, Unit
    from cabas.members.models import Club, Depot, Group, Household
    from cabas.ordering.models import Offer, Order, OrderLine
    from cabas.flows import close_cycle, open_cycle, save_order

    rng = random.Random(2026)
    started = time.perf_counter()
    club = Club.objects.create(name="Club de banc d'essai", slug="bench")
    groups = Group.objects.bulk_create(Group(club=club, name=f"Groupe {i}", slug=f"g{i}") for i in range(args.groups))
    Depot.objects.bulk_create(
        Depot(group=g, name=f"Dépôt {g.name}", address="1 place de la Mairie", latitude=Decimal("48.1"),
              longitude=Decimal("-1.6"), distribution_weekday=4, slot_start=datetime.time(18), slot_end=datetime.time(19))
        for g in groups
    )
    category = Category.objects.create(name="Légumes", position=1)
    producers = Producer.objects.bulk_create(Producer(club=club, name=f"Ferme {i}") for i in range(10))
    Product.objects.bulk_create(
        # By the half kilo; one product in three in 5 kg bags, one in five with a viability threshold.
        Product(producer=producers[i % 10], category=category, name=f"Produit {i}", unit=Unit.KILOGRAM,
                unit_price=Decimal(rng.randint(100, 2000)) / 100, vat_rate=Decimal("5.5"), order_step=Decimal("0.5"),
                pack_size=Decimal(5) if i % 3 == 0 else None, min_total=Decimal(200) if i % 5 == 0 else None)
        for i in range(args.products)
    )
    households = Household.objects.bulk_create(
        Household(group=groups[i % len(groups)], name=f"Foyer {i}") for i in range(args.households)
    )
    now = timezone.now()
    cycle = open_cycle(
        club=club, name="Semaine de test", opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=1),
        distribution_dates={g.pk: (now + datetime.timedelta(days=3)).date() for g in groups},
        product_ids=Product.objects.values_list("pk", flat=True),
    )
    offers = list(Offer.objects.filter(cycle=cycle).values_list("pk", flat=True))
    orders = Order.objects.bulk_create(Order(cycle=cycle, household=h, updated_at=now) for h in households[1:])
    OrderLine.objects.bulk_create(
        (OrderLine(order=o, offer_id=offer_id, quantity=Decimal(rng.randint(1, 8)) / 2,
                   tolerance=Decimal(rng.choice((0, 0, 1, 2))) / 2)
         for o in orders for offer_id in rng.sample(offers, args.lines)),
        batch_size=5000,
    )
    setup_seconds = time.perf_counter() - started

    # One household saves a whole order through the service, as the order page does.
    quantities = {offer_id: Decimal(rng.randint(1, 8)) / 2 for offer_id in rng.sample(offers, args.lines)}
    household = Household.objects.select_related("group").get(pk=households[0].pk)
    with CaptureQueriesContext(connection) as save_queries:
        started = time.perf_counter()
        save_order(cycle=cycle, household=household, quantities=quantities)
        save_seconds = time.perf_counter() - started

    with CaptureQueriesContext(connection) as close_queries:
        started = time.perf_counter()
        outcome = close_cycle(cycle.pk, now=now + datetime.timedelta(days=2))
        close_seconds = time.perf_counter() - started
    floor_seconds = measure_floor(club, groups, now, connection)
    with CaptureQueriesContext(connection) as again_queries:
        again = close_cycle(cycle.pk, now=now + datetime.timedelta(days=2))
    return {
        "lines": OrderLine.objects.filter(order__cycle=cycle).count(),
        "close_s": round(close_seconds, 3),
        "floor_s": round(floor_seconds, 3),
        "ratio": round(close_seconds / floor_seconds, 2),
        "queries": len(close_queries),
        "benchmark": "closing",
        "households": args.households,
        "groups": args.groups,
        "products": args.products,
        "setup_seconds": round(setup_seconds, 2),
        "save_order_lines": len(quantities),
        "save_order_seconds": round(save_seconds, 4),
        "save_order_queries": len(save_queries),
        "close_seconds": round(close_seconds, 2),
        "close_queries": len(close_queries),
        "closed_now": outcome.closed_now,
        "total_incl_vat": str(sum(t.vat.amount_incl_vat for t in outcome.result.households)),
        "close_again_changed_anything": again.closed_now,
        "close_again_queries": len(again_queries),
    }


def measure_floor(club, groups, now, connection) -> float:
    """The least any closing must do: read every line in one query, write as many rows in one bulk write,
    and commit. Written into the allocations of a scratch cycle, deleted afterwards."""
    from django.db import transaction

    from cabas.core.bulk import insert_rows
    from cabas.ordering.models import Allocation, OrderCycle, OrderLine

    scratch = OrderCycle.objects.create(club=club, name="floor", opens_at=now, closes_at=now + datetime.timedelta(hours=1))
    started = time.perf_counter()
    with transaction.atomic():
        rows = list(OrderLine.objects.values_list("order__household_id", "order__household__group_id", "offer_id", "quantity"))
        insert_rows(
            Allocation, ["cycle", "household", "group", "offer", "quantity_ordered", "tolerance", "quantity", "reason", "amount_incl_vat"],
            ((scratch.pk, h, g, o, q, 0, q, "", q) for h, g, o, q in rows),
        )
    seconds = time.perf_counter() - started
    Allocation.objects.filter(cycle=scratch).delete()
    scratch.delete()
    return seconds


if __name__ == "__main__":
    main()
