"""`cabas simulate-allocation FILE`: run the allocation engine on a JSON scenario; prints JSON.

`-` reads the scenario from standard input. Nothing is read from or written to the database.
The format is in docs/allocation.md.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cabas.ordering.allocation import AllocationInputError, allocate
from cabas.ordering.scenario import parse_scenario, result_to_json


class Command(BaseCommand):
    help = "Run the allocation engine on a JSON scenario (FILE, or - for standard input) and print the result as JSON."
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("file", help="the scenario (JSON), or - to read standard input")

    def handle(self, *args, file, **options):
        try:
            if file == "-":
                text = sys.stdin.read()
            else:
                with open(file, encoding="utf-8") as handle:
                    text = handle.read()
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                _("The scenario is not valid JSON (line %(line)s, column %(column)s): %(error)s")
                % {"line": error.lineno, "column": error.colno, "error": error.msg}
            ) from None
        try:
            strategy, rules, requests = parse_scenario(data)
            result = allocate(rules, requests, strategy)
        except AllocationInputError as error:
            raise CommandError(_(error.message) % error.params) from None
        self.stdout.write(json.dumps(result_to_json(result), indent=2, ensure_ascii=False))
