"""Backups of the database and their restoration, for `cabas backup` and `cabas restore`.

PostgreSQL: `pg_dump --format=custom` (one compressed file, restored with `pg_restore`), the password passed in
the environment (PGPASSWORD), never on the command line. SQLite: the online backup API (a consistent copy while
the site runs, unlike copying the file), checked with `PRAGMA integrity_check`.

A backup is written under a temporary name and renamed when complete: a file named cabas-*.dump or
cabas-*.sqlite3 is always a whole backup.
"""

from __future__ import annotations

import datetime
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

PREFIX = "cabas-"
SUFFIXES = {"postgresql": ".dump", "sqlite": ".sqlite3"}


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """Where a database is: its vendor and the connection settings Django uses (a settings dict)."""

    vendor: str
    settings: dict

    @classmethod
    def of(cls, settings_dict: dict) -> "Target":
        engine = settings_dict["ENGINE"]
        if engine.endswith("sqlite3"):
            return cls("sqlite", settings_dict)
        if "postgresql" in engine:
            return cls("postgresql", settings_dict)
        raise BackupError(f"cabas backup knows PostgreSQL and SQLite, not {engine}")

    @property
    def name(self) -> str:
        return str(self.settings["NAME"])

    def pg_environment(self) -> dict[str, str]:
        env = dict(os.environ)
        s = self.settings
        for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
            if s.get(key):
                env[variable] = str(s[key])
        if (s.get("OPTIONS") or {}).get("sslmode"):
            env["PGSSLMODE"] = s["OPTIONS"]["sslmode"]
        env["PGDATABASE"] = self.name
        return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()}")


def backup_name(vendor: str, now: datetime.datetime) -> str:
    return f"{PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIXES[vendor]}"


def backup(target: Target, destination: Path, *, sqlite_connection: sqlite3.Connection | None = None) -> Path:
    """Writes a backup of `target` to `destination` (a file path) and returns it.

    For SQLite, `sqlite_connection` is a live connection to the database to copy (Django's own, so that an
    in-memory test database can be backed up too); without it the file named in the settings is opened."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if target.vendor == "postgresql":
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"],
                 target.pg_environment())
            _run([_tool("pg_restore"), "--list", str(partial)], dict(os.environ))  # readable, whole
        else:
            source = sqlite_connection or sqlite3.connect(target.name)
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
                check = copy.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                copy.close()
                if sqlite_connection is None:
                    source.close()
            if check != "ok":
                raise BackupError(f"the copy fails SQLite's integrity check: {check}")
        os.chmod(partial, 0o600)  # personal data: the owner only
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination


def prune(directory: Path, vendor: str, keep: int) -> list[Path]:
    """Deletes all but the `keep` newest backups of Cabas (cabas-*.dump or .sqlite3) in `directory`."""
    backups = sorted(Path(directory).glob(f"{PREFIX}*{SUFFIXES[vendor]}"))
    removed = backups[:-keep] if keep > 0 else []
    for path in removed:
        path.unlink()
    return removed


def has_tables(target: Target) -> bool:
    """Whether the database already holds Django's tables (a restore would replace them)."""
    if target.vendor == "postgresql":
        result = subprocess.run(
            [_tool("psql"), "--no-psqlrc", "--tuples-only", "--no-align", "--command",
             "SELECT count(*) FROM information_schema.tables WHERE table_name = 'django_migrations'"],
            env=target.pg_environment(), capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"psql failed ({result.returncode}): {result.stderr.strip()}")
        return result.stdout.strip() not in ("", "0")
    path = Path(target.name)
    if not path.exists():
        return False
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'").fetchone()[0] > 0
    finally:
        connection.close()


def restore(source: Path, target: Target) -> None:
    """Restores the backup `source` into `target`, replacing what is there (stop the site and the worker first).

    PostgreSQL: the database must exist (createdb); pg_restore --clean drops and recreates Cabas' objects, in one
    transaction (all or nothing). SQLite: the backup API copies the file's pages over the target's."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    if target.vendor == "postgresql":
        if source.suffix != ".dump":
            raise BackupError(f"{source} is not a PostgreSQL backup (cabas-*.dump)")
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", f"--dbname={target.name}", str(source)], target.pg_environment())
        return
    with source.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{source} is not an SQLite backup (cabas-*.sqlite3)")
    Path(target.name).parent.mkdir(parents=True, exist_ok=True)
    backup_db, live = sqlite3.connect(source), sqlite3.connect(target.name)
    try:
        backup_db.backup(live)
    finally:
        backup_db.close()
        live.close()
