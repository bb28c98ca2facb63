"""The deadline rush: N households save 10-line orders through the JSON API, as fast as they can, against
gunicorn on a throwaway PostgreSQL database. Prints JSON: throughput, latencies, errors and lost orders.

    .venv/bin/python benchmarks/rush.py [--households 100] [--seconds 30] [--workers 4] [--concurrency 100]
                                        [--database-name cabas_rush] [--postgres postgres://postgres@127.0.0.1:5432]
                                        [--keep]

What it does, in order:
1. drops and recreates the database (`--database-name`, default cabas_rush) on the PostgreSQL server
   `--postgres`, migrates it and seeds one club (4 groups), N households each with a member login, and one
   open cycle of 120 offers (by the half kilo or by the piece; one in four in packs, a few with a supply cap
   or a viability threshold). Seeding writes the models directly (no service), so the script keeps working
   while services move between modules;
2. counts the queries of one save and of one progress poll in-process (Django's test client, an extra
   household that takes no part in the rush);
3. creates one session per household with Django's session engine and gives each a CSRF secret (sent as
   the `csrftoken` cookie and the `X-CSRFToken` header, what the API checks on PUT);
4. starts gunicorn (`cabas.wsgi:application`, sync workers) on 127.0.0.1 and a free port with DEBUG=0, a
   random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1 and DATABASE_URL on the throwaway database, and checks
   every session with GET /api/me;
5. the rush: `--concurrency` client threads (default: one per household) each own a share of the
   households and save for them, one after the other, `PUT /api/cycles/<id>/order` with 10 random lines,
   for `--seconds`; a household's saves are sequential and it remembers the last acknowledged (200) body.
   Meanwhile a sampler reads pg_stat_activity and pg_locks every 0.25 s (who waits, on what);
6. stops gunicorn, then checks in the database that each household's lines equal its last acknowledged
   order. `lost` counts the households whose stored order differs (an order whose last request failed
   without an answer may hold that request's body instead: counted in `in_doubt`, not in `lost`);
7. drops the database unless `--keep`. Gunicorn is terminated whatever happens.

Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINES_PER_ORDER = 10
CSRF_CHARS = string.ascii_letters + string.digits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="client threads (default: one per household, at most 500)")
    parser.add_argument("--products", type=int, default=120)
    parser.add_argument("--database-name", default="cabas_rush")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server (without a database name)")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--no-pg-sampling", dest="pg_sampling", action="store_false")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.households < 1 or args.seconds <= 0 or args.workers < 1 or args.products < LINES_PER_ORDER:
        parser.error("households, seconds and workers must be positive, products at least 10")
    concurrency = min(args.concurrency or min(args.households, 500), args.households)

    server_url = args.postgres.rstrip("/")
    database_url = f"{server_url}/{args.database_name}"
    home = tempfile.mkdtemp(prefix="cabas-rush-")
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CABAS_HOME": home,
        "DJANGO_SETTINGS_MODULE": "cabas.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    (Path(home) / "var" / "static").mkdir(parents=True)  # STATIC_ROOT, so that whitenoise does not warn
    sys.path.insert(0, str(ROOT / "src"))

    # `kill` (SIGTERM) unwinds like Ctrl-C, so that gunicorn is stopped and the database dropped
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    recreate_database(server_url, args.database_name)
    server = sampler = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        migrate_seconds = time.perf_counter() - started
        started = time.perf_counter()
        world = seed(args.households + 1, args.products, random.Random(args.seed))
        seed_seconds = time.perf_counter() - started
        profiled = world["households"].pop()  # the extra household: in-process query counts only
        costs = count_queries(world, profiled, random.Random(args.seed + 1))
        clients = make_sessions(world["households"])
        connection.close()

        server = Gunicorn(args.workers, env, home)
        server.start()
        check_sessions(server.port, clients, world["cycle_id"])
        sampler = PgSampler(database_url) if args.pg_sampling else None
        if sampler:
            sampler.start()
        load_before = os.getloadavg()[0]
        machine_before = machine_cpu()
        workers_before, backends_before = server.process_ticks(), backend_ticks(database_url)
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        rush = run_rush(server.port, world, clients, concurrency, args.seconds, args.seed)
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        workers_after, backends_after = server.process_ticks(), backend_ticks(database_url)
        machine_after = machine_cpu()
        if sampler:
            sampler.stop()
        server.stop()
        server_log = server.log_tail()
        server = None

        integrity = check_orders(world["cycle_id"], clients)
        connection.close()
    finally:
        if sampler is not None:
            sampler.stop()
        if server is not None:
            server.stop()
        if not args.keep:
            drop_database(server_url, args.database_name)
        shutil.rmtree(home, ignore_errors=True)  # gunicorn's log: its tail is in the errors and the JSON

    latencies = sorted(rush["latencies"])
    result = {
        "benchmark": "rush",
        "orders_per_s": round(rush["ok"] / rush["elapsed"], 1) if rush["elapsed"] else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
        "errors": rush["errors"],
        "lost": integrity["lost"],
        "workers": args.workers,
        "households": args.households,
        "seconds": args.seconds,
        "concurrency": concurrency,
        "database": f"postgresql {args.database_name}" + (" (kept)" if args.keep else " (dropped)"),
        "saves": rush["ok"],
        "elapsed_s": round(rush["elapsed"], 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
        "p90_ms": round(percentile(latencies, 90) * 1000, 1) if latencies else None,
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
        "statuses": dict(sorted(rush["statuses"].items())),
        "in_doubt": integrity["in_doubt"],
        "households_without_ack": integrity["without_ack"],
        "lines_in_cycle": integrity["lines"],
        "queries_per_save": costs,
        "pg": sampler.summary() if sampler else None,
        "generator_cpu_s": round(cpu_seconds(cpu_after) - cpu_seconds(cpu_before), 1),
        # CPU used during the rush by the gunicorn processes and by the PostgreSQL backends of the database
        "gunicorn_cpu_s": tick_difference(workers_before, workers_after),
        "postgres_cpu_s": tick_difference(backends_before, backends_after),
        # how busy the whole machine was during the rush (PostgreSQL, gunicorn, this script and anything else)
        "machine_cpu_busy_pct": busy_percent(machine_before, machine_after),
        "loadavg_1min_before": round(load_before, 2),
        "cpus": os.cpu_count(),
        "migrate_s": round(migrate_seconds, 1),
        "seed_s": round(seed_seconds, 1),
    }
    if rush["errors"] and server_log:
        result["server_log_tail"] = server_log
    print(json.dumps(result, indent=2, ensure_ascii=False))


# --- the throwaway database -------------------------------------------------------------------------


def admin_connection(server_url: str):
    import psycopg

    return psycopg.connect(f"{server_url}/postgres", autocommit=True)


def recreate_database(server_url: str, name: str) -> None:
    from psycopg import sql

    with admin_connection(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server_url: str, name: str) -> None:
    from psycopg import sql

    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # Django not set up yet
        pass
    with admin_connection(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def seed(households: int, products: int, rng: random.Random) -> dict:
    """One club, 4 groups, `households` households with one member login each, one open cycle."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from cabas.catalog.models import Category, Producer, Product, Unit
    from cabas.distribution.models import Distribution
    from cabas.members.models import Club, Depot, Group, Household, User
    from cabas.ordering.models import Offer, OrderCycle

    club = Club.objects.create(name="Club de la ruée", slug="rush")
    groups = Group.objects.bulk_create(Group(club=club, name=f"Groupe {i}", slug=f"g{i}") for i in range(4))
    Depot.objects.bulk_create(
        Depot(group=g, name=f"Dépôt {g.name}", address="1 place de la Mairie", latitude=Decimal("48.1"),
              longitude=Decimal("-1.6"), distribution_weekday=4, slot_start=datetime.time(18), slot_end=datetime.time(19))
        for g in groups
    )
    categories = Category.objects.bulk_create(Category(club=club, name=f"Rayon {i}", position=i) for i in range(6))
    producers = Producer.objects.bulk_create(Producer(club=club, name=f"Ferme {i}") for i in range(12))
    items = []
    for i in range(products):
        by_piece = i % 4 == 3
        items.append(Product(
            producer=producers[i % len(producers)], category=categories[i % len(categories)], name=f"Produit {i:03d}",
            unit=Unit.PIECE if by_piece else Unit.KILOGRAM, order_step=Decimal(1) if by_piece else Decimal("0.5"),
            unit_price=Decimal(rng.randint(100, 2000)) / 100, vat_rate=Decimal("5.5"),
            pack_size=(Decimal(6) if by_piece else Decimal(5)) if i % 4 == 0 or i % 8 == 3 else None,
            min_total=Decimal(40) if i % 10 == 5 else None,
        ))
    items = Product.objects.bulk_create(items)
    password = make_password("cabas-rush")  # hashed once: every member has the same password
    homes = Household.objects.bulk_create(Household(group=groups[i % 4], name=f"Foyer {i:04d}") for i in range(households))
    users = User.objects.bulk_create(
        User(email=f"foyer{i:04d}@rush.example.org", password=password, first_name="Foyer", last_name=f"{i:04d}", household=h)
        for i, h in enumerate(homes)
    )
    now = timezone.now()
    cycle = OrderCycle.objects.create(club=club, name="La ruée", opens_at=now - datetime.timedelta(days=1),
                                      closes_at=now + datetime.timedelta(days=1))
    cycle.groups.set(groups)  # a cycle serves the groups it covers (issue 18): here every group of the club
    offers = Offer.objects.bulk_create(
        Offer(cycle=cycle, product=p, producer_id=p.producer_id, category_id=p.category_id, name=p.name, unit=p.unit,
              unit_price=p.unit_price, vat_rate=p.vat_rate, pack_size=p.pack_size, order_step=p.order_step,
              min_total=p.min_total, supply_cap=Decimal(30) if i % 15 == 7 else None)
        for i, p in enumerate(items)
    )
    Distribution.objects.bulk_create(
        Distribution(cycle=cycle, group=g, date=(now + datetime.timedelta(days=3)).date()) for g in groups
    )
    return {
        "cycle_id": cycle.pk,
        "households": [(h.pk, u) for h, u in zip(homes, users)],
        "offers": [(o.pk, o.order_step, o.pack_size is not None) for o in offers],
    }


def random_order(rng: random.Random, offers) -> dict[int, tuple[Decimal, Decimal]]:
    """10 lines: a multiple of the order step, and now and then a tolerance on a pack."""
    lines = {}
    for offer_id, step, by_pack in rng.sample(offers, LINES_PER_ORDER):
        tolerance = step * rng.randint(0, 2) if by_pack else Decimal(0)
        lines[offer_id] = (step * rng.randint(1, 8), tolerance)
    return lines


def order_body(lines: dict[int, tuple[Decimal, Decimal]]) -> bytes:
    return json.dumps({"lines": [
        {"offer": offer_id, "quantity": str(q), **({"tolerance": str(t)} if t else {})}
        for offer_id, (q, t) in lines.items()
    ]}).encode()


# --- what one save costs, in-process -----------------------------------------------------------------


def count_queries(world: dict, household, rng: random.Random) -> dict:
    """Queries of a first save (creates the order), of a save that replaces its 10 lines, and of the
    order page's progress poll (htmx, every 20 s while the page is open); Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    _household_id, user = household
    client = Client(enforce_csrf_checks=True, SERVER_NAME="127.0.0.1")
    client.force_login(user)
    token = "".join(secrets.choice(CSRF_CHARS) for _ in range(32))
    client.cookies["csrftoken"] = token
    url = f"/api/cycles/{world['cycle_id']}/order"
    counts = {}
    for label in ("first_save", "resave"):
        body = order_body(random_order(rng, world["offers"]))
        with CaptureQueriesContext(connection) as queries:
            response = client.put(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        if response.status_code != 200:
            raise RuntimeError(f"in-process PUT answered {response.status_code}: {response.content[:300]!r}")
        counts[label] = len(queries)
        if label == "resave":
            counts["resave_statements"] = [summarise_sql(q["sql"]) for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("order-progress", args=[world["cycle_id"]]))
    if response.status_code != 200:
        raise RuntimeError(f"in-process progress poll answered {response.status_code}")
    counts["progress_poll"] = len(queries)
    return counts


def summarise_sql(sql: str) -> str:
    """"SELECT from ordering_offer", "UPDATE ordering_order"…: the statement and its table."""
    words = sql.replace('"', "").split()
    if not words:
        return ""
    verb = words[0].upper()
    keyword = {"SELECT": "FROM", "DELETE": "FROM", "INSERT": "INTO", "UPDATE": "UPDATE"}.get(verb)
    upper = [w.upper() for w in words]
    head = verb
    if keyword in upper[:-1]:
        table = words[upper.index(keyword) + 1]
        head = f"{verb} {table}" if verb == "UPDATE" else f"{verb} {keyword.lower()} {table}"
    return head + (" FOR UPDATE" if sql.rstrip().upper().endswith("FOR UPDATE") else "")


# --- sessions ------------------------------------------------------------------------------------------


def make_sessions(households) -> list[dict]:
    """One logged-in session per household, written with Django's session engine, and a CSRF secret."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    engine = import_module(settings.SESSION_ENGINE)
    clients = []
    for household_id, user in households:
        session = engine.SessionStore()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = "cabas.members.backends.EmailBackend"  # the backend a real login records
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        token = "".join(secrets.choice(CSRF_CHARS) for _ in range(32))
        clients.append({
            "household": household_id,
            "headers": {
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={token}",
                "X-CSRFToken": token,
                "Content-Type": "application/json",
            },
        })
    return clients


def check_sessions(port: int, clients, cycle_id: int) -> None:
    """GET /api/me for each session (the household must be its own), then one GET of the order."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for client in clients:
            conn.request("GET", "/api/me", headers=client["headers"])
            response = conn.getresponse()
            body = response.read()
            if response.status != 200 or json.loads(body)["household"]["id"] != client["household"]:
                raise RuntimeError(f"session check failed: {response.status} {body[:300]!r}")
        conn.request("GET", f"/api/cycles/{cycle_id}/order", headers=clients[0]["headers"])
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET order failed: {response.status} {body[:300]!r}")
    finally:
        conn.close()


# --- gunicorn ------------------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, workers: int, env: dict, home: str):
        self.workers = workers
        self.env = {**os.environ, **env}
        self.log_path = Path(home) / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self, timeout: float = 60) -> None:
        with socket.socket() as probe:  # a free port (gunicorn binds it with SO_REUSEADDR right after)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        command = [
            sys.executable, "-m", "gunicorn", "cabas.wsgi:application",
            "--workers", str(self.workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}",
            "--timeout", "120", "--graceful-timeout", "10", "--log-level", "warning",
        ]
        usage = subprocess.run([sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True).stdout
        if "--no-control-socket" in usage:  # recent gunicorn opens a control socket in ~/.gunicorn otherwise
            command.append("--no-control-socket")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, env=self.env, cwd=self.env["CABAS_HOME"], stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/me")
                status = conn.getresponse().status
                conn.close()
                if status == 401:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()  # graceful: the master stops its workers
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and its workers only
            process.wait(timeout=10)

    def process_ticks(self) -> dict[int, int]:
        """CPU ticks of the master and its workers (Linux /proc)."""
        if self.process is None:
            return {}
        pids = [self.process.pid]
        try:
            pids += [int(p) for p in Path(f"/proc/{pids[0]}/task/{pids[0]}/children").read_text().split()]
        except OSError:
            pass
        return process_ticks(pids)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- the rush ------------------------------------------------------------------------------------------


def run_rush(port: int, world: dict, clients, concurrency: int, seconds: float, seed: int) -> dict:
    cycle_url = f"/api/cycles/{world['cycle_id']}/order"
    offers = world["offers"]
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter = Counter()
    start_gate = threading.Barrier(concurrency + 1)
    finished: list[float] = []

    def client_loop(index: int) -> None:
        own = clients[index::concurrency]
        rngs = [random.Random(seed * 1_000_003 + c["household"]) for c in own]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        local_latencies, local_statuses = [], Counter()
        start_gate.wait()
        deadline = start + seconds
        turn = 0
        while time.perf_counter() < deadline:
            client, rng = own[turn % len(own)], rngs[turn % len(own)]
            turn += 1
            lines = random_order(rng, offers)
            began = time.perf_counter()
            try:
                conn.request("PUT", cycle_url, body=order_body(lines), headers=client["headers"])
                response = conn.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                status, body = type(error).__name__, b""
            took = time.perf_counter() - began
            local_statuses[status] += 1
            if status == 200:
                local_latencies.append(took)
                client["acked"] = lines
                client["doubt"] = None
            else:
                # a 4xx wrote nothing; after a 5xx or a broken connection the save may or may not have happened
                client["doubt"] = lines if not (isinstance(status, int) and status < 500) else client.get("doubt")
                if client.get("first_error") is None:
                    client["first_error"] = f"{status} {body[:200]!r}"
        conn.close()
        with lock:
            latencies.extend(local_latencies)
            statuses.update(local_statuses)
            finished.append(time.perf_counter())

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()  # the threads read it once past the gate
    start_gate.wait()
    for thread in threads:
        thread.join(timeout=seconds + 300)
    end = max(finished) if finished else time.perf_counter()
    ok = statuses.get(200, 0)
    return {
        "ok": ok,
        "errors": sum(statuses.values()) - ok,
        "statuses": {str(k): v for k, v in statuses.items()},
        "latencies": latencies,
        "elapsed": end - start,
    }


class PgSampler:
    """Every 0.25 s: the busy backends of the database, those waiting for a lock, and on what."""

    def __init__(self, database_url: str, interval: float = 0.25):
        self.database_url = database_url
        self.interval = interval
        self.samples: list[tuple[int, int, int]] = []
        self.waits: Counter = Counter()
        self.waiting_queries: Counter = Counter()
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        import psycopg

        try:
            self._sample(psycopg)
        except psycopg.Error as error:  # e.g. the database dropped on an interruption
            self.error = str(error).strip()

    def _sample(self, psycopg) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self._stop.wait(self.interval):
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active'),"
                    " count(*) FILTER (WHERE wait_event_type = 'Lock'),"
                    " count(*) FILTER (WHERE state LIKE 'idle in transaction%')"
                    " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchone()
                self.samples.append(tuple(row))
                for locktype, relation, mode, query in conn.execute(
                    "SELECT l.locktype, coalesce(l.relation::regclass::text, ''), l.mode, a.query"
                    " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE NOT l.granted AND a.datname = current_database()"
                ):
                    self.waits[f"{locktype} {relation} {mode}".replace("  ", " ")] += 1
                    self.waiting_queries[summarise_sql(query)] += 1

    def summary(self) -> dict:
        if not self.samples:
            return {}
        active, waiting, idle_tx = zip(*self.samples)
        return {
            "samples": len(self.samples),
            "active_mean": round(statistics.fmean(active), 1),
            "lock_waiting_mean": round(statistics.fmean(waiting), 2),
            "lock_waiting_max": max(waiting),
            "idle_in_transaction_mean": round(statistics.fmean(idle_tx), 2),
            "ungranted_locks": dict(self.waits.most_common(5)),
            "waiting_statements": dict(self.waiting_queries.most_common(5)),
            **({"error": self.error} if self.error else {}),
        }


# --- the check -----------------------------------------------------------------------------------------


def check_orders(cycle_id: int, clients) -> dict:
    from cabas.ordering.models import OrderLine

    stored: dict[int, dict] = {}
    rows = OrderLine.objects.filter(order__cycle_id=cycle_id).values_list("order__household_id", "offer_id", "quantity", "tolerance")
    lines = 0
    for household_id, offer_id, quantity, tolerance in rows:
        stored.setdefault(household_id, {})[offer_id] = (quantity.normalize(), tolerance.normalize())
        lines += 1

    def normal(order):
        return {k: (q.normalize(), t.normalize()) for k, (q, t) in (order or {}).items()}

    lost = in_doubt = without_ack = 0
    for client in clients:
        have = stored.get(client["household"], {})
        if "acked" not in client:
            without_ack += 1
        if have == normal(client.get("acked")):
            continue
        if client.get("doubt") is not None and have == normal(client["doubt"]):
            in_doubt += 1
            continue
        lost += 1
    return {"lost": lost, "in_doubt": in_doubt, "without_ack": without_ack, "lines": lines}


def cpu_seconds(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def machine_cpu() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs, from /proc/stat (Linux)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def process_ticks(pids) -> dict[int, int]:
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def backend_ticks(database_url: str) -> dict[int, int]:
    """CPU ticks of the PostgreSQL backends connected to the database (when PostgreSQL runs on this machine)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        pids = [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
    return process_ticks(pids)


def tick_difference(before: dict[int, int], after: dict[int, int]) -> float | None:
    if not after:
        return None
    return round(sum(t - before.get(pid, 0) for pid, t in after.items()) / os.sysconf("SC_CLK_TCK"), 1)


def busy_percent(before, after) -> float | None:
    if before is None or after is None or after[1] == before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, min(len(values), round(p / 100 * len(values) + 0.5)))
    return values[rank - 1]


if __name__ == "__main__":
    main()
