"""Money that other domains hear about: importing a bank statement (finance), whose lines left to match are
announced to the treasurers (notifications). One transaction."""

from __future__ import annotations

from django.db import transaction

from cabas.finance.services import ImportOutcome, import_statement
from cabas.notifications.tasks import bank_lines_unmatched


@transaction.atomic
def import_bank_statement(**kwargs) -> ImportOutcome:
    """``finance.services.import_statement`` (same arguments); when lines are left to match or to confirm, the
    club's treasurers and coordinators are told after the commit."""
    outcome = import_statement(**kwargs)
    if outcome.unmatched or outcome.suggested:
        bank_lines_unmatched(outcome.statement.pk)
    return outcome
