"""The CPU of one save of the deadline rush, in-process: PUT /api/cycles/<id>/order (10 lines) and a bare
GET /api/me, called on the WSGI application (what gunicorn calls) with DEBUG=0, on a throwaway PostgreSQL
database. Prints, per request, the CPU of this process (Django, the driver) and of its PostgreSQL backend.

    .venv/bin/python benchmarks/rush_cpu.py [--requests 300] [--database-name cabas_rush_cpu]
                                            [--postgres postgres://postgres@127.0.0.1:5432] [--profile] [--keep]

Same seed as benchmarks/rush.py (one club, 120 offers, 20 households, each with a session). Each measure is
the best of three runs of --requests requests, after 30 to warm up; `--profile` then prints cProfile's top
functions for the PUT. Only 127.0.0.1 is contacted; the database is dropped unless --keep.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rush  # noqa: E402  (the seed, the orders and the sessions of the rush)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-name", default="cabas_rush_cpu")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server_url = args.postgres.rstrip("/")
    home = tempfile.mkdtemp(prefix="cabas-rush-cpu-")
    (Path(home) / "var" / "static").mkdir(parents=True)
    os.environ.update({
        "DATABASE_URL": f"{server_url}/{args.database_name}", "SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1", "CABAS_HOME": home, "DJANGO_SETTINGS_MODULE": "cabas.settings",
        "LOG_LEVEL": "WARNING", "CONN_MAX_AGE": "3600",  # one backend all along, whose CPU is read in /proc
    })
    sys.path.insert(0, str(rush.ROOT / "src"))
    rush.recreate_database(server_url, args.database_name)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False)
        world = rush.seed(20, 120, random.Random(2026))
        clients = rush.make_sessions(world["households"])
        connection.close()
        result = measure(world, clients, args.requests, args.profile)
        connection.close()
    finally:
        if not args.keep:
            rush.drop_database(server_url, args.database_name)
    print(json.dumps(result, indent=2))


def measure(world: dict, clients: list[dict], n: int, profile: bool) -> dict:
    from django.db import connection

    from cabas.wsgi import application

    def call(method: str, path: str, headers: dict, body: bytes = b"") -> None:
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
        status = []
        response = application(environ, lambda s, h, exc_info=None: status.append(s))
        body_out = b"".join(response)
        response.close()
        if not status[0].startswith("200"):
            raise RuntimeError(f"{method} {path} answered {status[0]}: {body_out[:300]!r}")

    rng = random.Random(7)
    url = f"/api/cycles/{world['cycle_id']}/order"

    def put(i: int) -> None:
        client = clients[i % len(clients)]
        call("PUT", url, client["headers"], rush.order_body(rush.random_order(rng, world["offers"])))

    def me(i: int) -> None:
        call("GET", "/api/me", clients[i % len(clients)]["headers"])

    def backend_ticks() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    result = {"requests": n}
    for name, request in (("put_order", put), ("get_me", me)):
        for i in range(30):
            request(i)
        runs, pg_runs = [], []
        for _run in range(3):
            ticks = backend_ticks()
            started = time.process_time()
            for i in range(n):
                request(i)
            runs.append((time.process_time() - started) / n * 1000)
            pg_runs.append((backend_ticks() - ticks) / os.sysconf("SC_CLK_TCK") / n * 1000)
        result[name] = {"django_cpu_ms": round(min(runs), 2), "runs_ms": [round(r, 2) for r in runs],
                        "postgres_cpu_ms": round(min(pg_runs), 2)}
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(n):
            put(i)
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(60)
    return result


if __name__ == "__main__":
    main()
