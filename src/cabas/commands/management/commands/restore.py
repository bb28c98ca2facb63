import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cabas.commands.backups import BackupError, Target, has_tables, restore


class Command(BaseCommand):
    help = ("Restore a backup made by `cabas backup` into the configured database, or into --database-url (e.g. a "
            "throwaway database to check a backup). Replaces what the target holds: stop the site and the worker "
            "first, and confirm with --yes when the target already has Cabas' tables. PostgreSQL: the target "
            "database must exist (createdb).")

    def add_arguments(self, parser):
        parser.add_argument("backup", help="the file: cabas-<date>.dump (PostgreSQL) or cabas-<date>.sqlite3 (SQLite)")
        parser.add_argument("--database-url", default=None, help="restore there instead of DATABASE_URL")
        parser.add_argument("--yes", action="store_true", help="replace a database that already has Cabas' tables")

    def handle(self, *args, **options):
        try:
            if options["database_url"]:
                target = Target.of(dj_database_url.parse(options["database_url"]))
            else:
                target = Target.of(connection.settings_dict)
                connection.close()  # the restore writes under this process' feet otherwise
            if has_tables(target) and not options["yes"]:
                raise CommandError(
                    f"the database {target.name} already has Cabas' tables: add --yes to replace its content "
                    "with the backup")
            restore(options["backup"], target)
        except BackupError as error:
            raise CommandError(f"restore failed: {error}") from error
        self.stdout.write(f"restored {options['backup']} into {target.name}")
