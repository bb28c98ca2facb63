"""`cabas ledger-check`: verify every invariant of the ledger; exit 1 listing the offending ids."""

from django.core.management.base import BaseCommand, CommandError

from cabas.finance.checks import check_ledger, summary


class Command(BaseCommand):
    help = ("Vérifie la comptabilité : chaque écriture équilibrée, chaque solde égal à la somme de ses lignes, "
            "aucune ligne sans écriture, des numéros de factures et d'écritures sans trou.")

    def handle(self, *args, **options):
        problems = check_ledger()
        if problems:
            for problem in problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(problems)} règle(s) non respectée(s).")
        counts = summary()
        self.stdout.write(self.style.SUCCESS(
            f"Comptabilité vérifiée : {counts['transactions']} écritures, {counts['entries']} lignes, "
            f"{counts['invoices']['n']} factures et avoirs, tout est juste."
        ))
