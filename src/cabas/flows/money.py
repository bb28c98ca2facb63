"""Money that other domains hear about: importing a bank statement (finance), whose lines left to match are
announced to the treasurers (notifications). One transaction. A statement sent from the treasury page is checked
at once and imported by the task queue's worker (``queue_bank_statement``, ``import_uploaded_statement``)."""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cabas.core.errors import ActionError
from cabas.core.tasks import enqueue_on_commit
from cabas.finance.bank import CsvColumns
from cabas.finance.models import StatementUpload
from cabas.finance.services import ImportOutcome, check_statement, import_statement
from cabas.notifications.tasks import bank_lines_unmatched


@transaction.atomic
def import_bank_statement(**kwargs) -> ImportOutcome:
    """``finance.services.import_statement`` (same arguments); when lines are left to match or to confirm, the
    club's treasurers and coordinators are told after the commit."""
    outcome = import_statement(**kwargs)
    if outcome.unmatched or outcome.suggested:
        bank_lines_unmatched(outcome.statement.pk)
    return outcome


@transaction.atomic
def queue_bank_statement(*, club, data: bytes, filename: str, columns: CsvColumns, by_user=None) -> StatementUpload:
    """Check the statement now (a file that cannot be read, a date out of range or a statement imported before is
    refused at once, nothing written), then leave its matching to the worker."""
    check_statement(club=club, data=data, filename=filename, columns=columns)
    upload = StatementUpload.objects.create(club=club, filename=filename[:200], data=data,
                                            columns=dataclasses.asdict(columns), uploaded_by=by_user)
    enqueue_on_commit(import_uploaded_statement, upload.pk)
    return upload


@task()
def import_uploaded_statement(upload_id: int) -> int:
    """Import a statement sent from the treasury page; its outcome (or why it was refused) is recorded on the
    upload for the page, and the file dropped. Done once: a retry of a finished upload does nothing."""
    upload = StatementUpload.objects.select_related("club", "uploaded_by").filter(pk=upload_id, done_at__isnull=True).first()
    if upload is None:
        return 0
    try:
        outcome = import_bank_statement(club=upload.club, data=bytes(upload.data), filename=upload.filename,
                                        columns=CsvColumns(**upload.columns), by_user=upload.uploaded_by)
    except ActionError as error:
        StatementUpload.objects.filter(pk=upload.pk).update(error="; ".join(error.all_messages)[:500], data=None,
                                                            done_at=timezone.now())
        return 0
    StatementUpload.objects.filter(pk=upload.pk).update(
        statement=outcome.statement, matched=outcome.matched, suggested=outcome.suggested, unmatched=outcome.unmatched,
        data=None, done_at=timezone.now())
    return outcome.matched + outcome.suggested + outcome.unmatched
