"""`cabas backup` and `cabas restore`: a populated database backed up, restored into a throwaway database (on
PostgreSQL when the suite runs there, a database of its own name; on SQLite always), and its data found there."""

from __future__ import annotations

import os
import sqlite3
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cabas.commands.backups import Target, backup, prune, restore
from cabas.flows import save_order
from cabas.ordering.models import Offer


def populate(world):
    cycle = world.open_cycle()
    milk = Offer.objects.get(cycle=cycle, product=world.milk)
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "2"}, by_user=world.member_a1)
    return cycle


def counts_in_sqlite(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("members_household", "members_user", "ordering_orderline", "django_migrations")}
    finally:
        db.close()


@pytest.fixture
def throwaway():
    """A database URL of the suite's vendor nobody else uses, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield None  # the test makes a file under tmp_path
        return
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_restore_{os.getpid()}"
    params = {"host": settings_dict.get("HOST") or None, "port": settings_dict.get("PORT") or None,
              "user": settings_dict.get("USER") or None, "password": settings_dict.get("PASSWORD") or None}
    params = {k: v for k, v in params.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    user = params.get("user", "")
    auth = f"{user}:{params['password']}@" if params.get("password") else (f"{user}@" if user else "")
    yield f"postgres://{auth}{params.get('host', '')}:{params.get('port', 5432)}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def counts_in(url: str | None, sqlite_path: Path) -> dict[str, int]:
    if url is None:
        return counts_in_sqlite(sqlite_path)
    with psycopg.connect(url) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("members_household", "members_user", "ordering_orderline", "django_migrations")}


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_is_backed_up_and_restored_into_a_throwaway_one(world, tmp_path, throwaway):
    populate(world)
    out = StringIO()
    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=out)
    path = Path(out.getvalue().strip())
    assert path.is_file() and path.parent == tmp_path / "backups" and path.name.startswith("cabas-")
    assert path.suffix == (".sqlite3" if connection.vendor == "sqlite" else ".dump")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert not list(path.parent.glob("*.partial"))

    sqlite_path = tmp_path / "restored.sqlite3"
    url = throwaway or f"sqlite:///{sqlite_path}"
    call_command("restore", str(path), "--database-url", url, stdout=StringIO())
    restored = counts_in(throwaway, sqlite_path)
    assert restored["members_household"] == 4
    assert restored["members_user"] == 6
    assert restored["ordering_orderline"] == 1
    assert restored["django_migrations"] > 20

    # the target now has Cabas' tables: replacing them needs --yes
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path), "--database-url", url, stdout=StringIO())
    call_command("restore", str(path), "--database-url", url, "--yes", stdout=StringIO())
    assert counts_in(throwaway, sqlite_path) == restored


def test_sqlite_backup_and_restore_of_a_file_database_whatever_the_suite_runs_on(tmp_path):
    """SQLite always: a file database (not the suite's) copied with the online backup API and restored."""
    source = tmp_path / "cabas.sqlite3"
    db = sqlite3.connect(source)
    db.execute("CREATE TABLE django_migrations (id integer primary key, name text)")
    db.executemany("INSERT INTO django_migrations (name) VALUES (?)", [(f"m{i}",) for i in range(500)])
    db.commit()
    target = Target.of({"ENGINE": "django.db.backends.sqlite3", "NAME": str(source)})
    copy = backup(target, tmp_path / "b" / "cabas-20260101-000000.sqlite3")
    db.execute("DELETE FROM django_migrations")  # the live database changes after the backup
    db.commit()
    db.close()
    restore(copy, target)
    assert sqlite3.connect(source).execute("SELECT count(*) FROM django_migrations").fetchone()[0] == 500


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    bogus = tmp_path / "cabas-x.sqlite3"
    bogus.write_text("not a database")
    with pytest.raises(CommandError, match="not an SQLite backup"):
        call_command("restore", str(bogus), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(CommandError, match="no backup"):
        call_command("restore", str(tmp_path / "missing.sqlite3"), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")


def test_prune_keeps_the_newest(tmp_path):
    for day in range(1, 6):
        (tmp_path / f"cabas-2026010{day}-000000.sqlite3").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("kept")
    removed = prune(tmp_path, "sqlite", 2)
    assert [p.name for p in removed] == [f"cabas-2026010{d}-000000.sqlite3" for d in (1, 2, 3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cabas-20260104-000000.sqlite3", "cabas-20260105-000000.sqlite3", "notes.txt"]
