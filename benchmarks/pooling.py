"""Pooled transport on the demo territory: seeds the demo club (`cabas seed-demo`) on a throwaway database, plans its
last closed cycle in each scheme with the club's solver budget, and prints JSON: km, hours, euros and kg of CO2 of
each scheme, and what each saves against the baseline (each producer delivering its own goods).

    .venv/bin/python benchmarks/pooling.py [--seconds 5] [--seed 0] [--sharing shapley] [--participants groups]

Without DATABASE_URL it uses a fresh SQLite file in a temporary directory. With DATABASE_URL the database is created
by the test-database machinery (a "test_" prefixed copy) and dropped after.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=None, help="solver time per plan (default: the club's setting, 5 s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sharing", default="shapley", help="weight, value, ton_km, stand_alone or shapley")
    parser.add_argument("--participants", default="groups", help="groups, households or producers")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="cabas-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabas.settings")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # a throwaway database: a throwaway key
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        result = run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    result["database"] = connection.vendor
    print(json.dumps(result, indent=2, ensure_ascii=False))


def number(value) -> float:
    return float(value)


def run(args) -> dict:
    from django.core.management import call_command

    from cabas.logistics import services
    from cabas.logistics.models import LogisticsSettings, Scheme, TransportPlan
    from cabas.members.models import Club
    from cabas.ordering.models import OrderCycle

    started = time.perf_counter()
    call_command("seed-demo", "--force", stdout=io.StringIO())
    seed_seconds = time.perf_counter() - started
    club = Club.objects.get(slug="pays-de-rennes")
    LogisticsSettings.objects.filter(club=club).update(sharing_method=args.sharing, participants=args.participants)
    cycle = OrderCycle.objects.filter(club=club, closed_at__isnull=False).order_by("-closes_at").first()
    settings = services.settings_for(club)
    seconds = args.seconds if args.seconds is not None else float(settings.solver_seconds)

    schemes = {}
    for scheme in (Scheme.OWN, Scheme.DIRECT, Scheme.HUB):
        started = time.perf_counter()
        plan = services.plan_cycle(cycle, scheme, seconds=seconds, seed=args.seed)
        elapsed = time.perf_counter() - started
        plan = TransportPlan.objects.get(pk=plan.pk)
        rounds = list(plan.rounds.order_by("position"))
        schemes[scheme] = {
            "km": number(plan.km), "hours": number(plan.hours), "euros": number(plan.cost), "co2_kg": number(plan.co2_kg),
            "rounds": len(rounds), "trips": sum(r.trips for r in rounds), "feasible": plan.feasible,
            "saving": {
                "km": number(plan.saving_km), "hours": number(plan.saving_hours), "euros": number(plan.saving_cost),
                "co2_kg": number(plan.saving_co2_kg),
                "percent_km": _percent(plan.saving_km, plan.baseline_km),
                "percent_euros": _percent(plan.saving_cost, plan.baseline_cost),
                "percent_co2": _percent(plan.saving_co2_kg, plan.baseline_co2_kg),
            },
            "sharing": {
                "method": plan.sharing_method, "participants": plan.participants, "in_core": plan.in_core,
                "shares": {s.name: {"share": number(s.share), "alone": number(s.stand_alone) if s.stand_alone is not None else None}
                           for s in plan.shares.order_by("position")},
            },
            "solver_iterations": plan.solver.get("iterations"),
            "seconds_with_sharing": round(elapsed, 2),
        }
    baseline = TransportPlan.objects.get(cycle=cycle, scheme=Scheme.OWN)
    return {
        "benchmark": "pooling",
        "cycle": cycle.name,
        "kg_carried": number(baseline.kg),
        "producers": len({(r.vehicle_name) for r in baseline.rounds.all()}),
        "depots": club.groups.count(),
        "solver_seconds_per_plan": seconds,
        "distances": baseline.solver.get("distances"),
        "baseline": {k: schemes[Scheme.OWN][k] for k in ("km", "hours", "euros", "co2_kg")},
        "schemes": schemes,
        "seed_demo_seconds": round(seed_seconds, 1),
    }


def _percent(part, whole):
    return round(float(part) / float(whole) * 100, 1) if whole else None


if __name__ == "__main__":
    main()
