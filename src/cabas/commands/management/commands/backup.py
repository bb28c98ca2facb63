import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cabas.commands.backups import BackupError, Target, backup, backup_name, prune


class Command(BaseCommand):
    help = ("Back up the database into one file: pg_dump's custom format for PostgreSQL (cabas-<date>.dump), "
            "SQLite's online backup for SQLite (cabas-<date>.sqlite3). Safe while the site runs. Prints the path.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None,
                            help="the directory of backups (default: $CABAS_BACKUP_DIR, else var/backups)")
        parser.add_argument("--output", default=None, help="this file instead of a dated name in --dir")
        parser.add_argument("--keep", type=int, default=0,
                            help="then delete all but the KEEP newest backups in the directory (0: keep all)")

    def handle(self, *args, **options):
        try:
            target = Target.of(connection.settings_dict)
            if options["output"]:
                destination = Path(options["output"])
            else:
                directory = Path(options["dir"] or settings.BACKUP_DIR)
                destination = directory / backup_name(target.vendor, datetime.datetime.now())
            sqlite_connection = None
            if target.vendor == "sqlite":
                connection.ensure_connection()
                sqlite_connection = connection.connection
            path = backup(target, destination, sqlite_connection=sqlite_connection)
            removed = prune(path.parent, target.vendor, options["keep"]) if options["keep"] and not options["output"] else []
        except (BackupError, OSError) as error:
            raise CommandError(f"backup failed: {error}") from error
        self.stdout.write(str(path))
        for old in removed:
            self.stderr.write(f"deleted old backup {old}")
