"""`cabas import-products --producer ID FILE`: import a producer's catalogue (CSV or XLSX, in Cabas' own
format, Foodsoft's article list or Open Food Network's template; docs/import.md).

Prints what the import changes; imports nothing if any row is wrong (every error is listed, exit 1).
`--dry-run` only prints the preview.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cabas.catalog.importing import FORMATS, MAX_BYTES
from cabas.catalog.models import Producer
from cabas.catalog.services import apply_import, preview_import
from cabas.core.errors import ActionError
from cabas.core.ids import parse_id


class Command(BaseCommand):
    help = "Importe le catalogue d'un producteur depuis un fichier CSV ou XLSX (formats Cabas, Foodsoft ou Open Food Network)."

    def add_arguments(self, parser):
        parser.add_argument("--producer", required=True, help="l'identifiant du producteur")
        parser.add_argument("--format", choices=(*FORMATS, "dfc"),
                            help="le format, s'il n'est pas reconnu à la ligne d'en-tête (dfc : un catalogue DFC en JSON-LD)")
        parser.add_argument("--dry-run", action="store_true", help="affiche ce que l'import changerait, sans rien écrire")
        parser.add_argument("file")

    def handle(self, *args, producer, file, format=None, dry_run=False, **options):
        producer_id = parse_id(str(producer))
        found = Producer.objects.filter(pk=producer_id).first() if producer_id else None
        if found is None:
            raise CommandError(f"Aucun producteur n'a l'identifiant {producer}.")
        path = Path(file)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError("Le fichier dépasse 5 Mo.")
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Impossible de lire {file} : {error.strerror}.") from None
        preview = preview_import(found, data, path.name, format=format)
        for warning in preview.parsed.warnings:
            self.stdout.write(f"Attention, ligne {warning.line} — {warning.message}")
        if not preview.ok:
            for error in preview.parsed.errors:
                self.stderr.write(f"Ligne {error.line} — {error.message}" if error.line else error.message)
            raise CommandError(f"{len(preview.parsed.errors)} erreur(s) : rien n'a été importé.")
        diff = preview.diff
        self.stdout.write(
            f"{found.name} (format {preview.parsed.format}) : {len(diff.new)} nouveaux, {len(diff.changed)} modifiés, "
            f"{len(diff.unchanged)} inchangés, {len(diff.withdrawn)} retirés."
        )
        for row in diff.new:
            self.stdout.write(f"  + {row.reference} {row.name}")
        for row, changes in diff.changed:
            self.stdout.write(f"  ~ {row.reference} {row.name} : " + ", ".join(f"{k} {old} → {new}" for k, (old, new) in changes.items()))
        for reference in diff.withdrawn:
            self.stdout.write(f"  - {reference}")
        if dry_run:
            self.stdout.write("Simulation : rien n'a été écrit.")
            return
        try:
            apply_import(found, data, path.name, format=format)
        except ActionError as error:
            raise CommandError("; ".join(error.all_messages)) from None
        self.stdout.write(self.style.SUCCESS("Import terminé."))
