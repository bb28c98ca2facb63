"""Work the web layer hands to the task queue: what renders its templates (PDF documents) and sends them."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _
from django_tasks import task

from cabas.core.formatting import format_money
from cabas.distribution.documents import producer_sheet
from cabas.distribution.models import ProducerSheet

from .exports import csv_bytes, document_filename, pdf_bytes, producer_sheet_rows


def sheet_files(request, cycle, sheet):
    """A producer's order sheet as (file name, bytes): its PDF and its CSV (``request`` None in the worker)."""
    doc = producer_sheet(cycle, sheet)
    name = document_filename(_("order-sheet"), doc.producer.name)
    return [
        (f"{name}.pdf", pdf_bytes(request, "web/distribution/pdf/producer_sheet.html", {"doc": doc, "cycle": cycle})),
        (f"{name}.csv", csv_bytes(*producer_sheet_rows(doc))),
    ]


def sheet_email(cycle, sheet, files) -> EmailMessage:
    producer = sheet.producer
    body = _("Hello,\n\nHere is the order of %(club)s for %(cycle)s: %(amount)s incl. VAT. The order sheet is attached "
             "(PDF, and CSV for a spreadsheet), with the quantities per depot.\n\nThe coordination team") % {
        "club": cycle.club.name, "cycle": cycle.name, "amount": format_money(sheet.amount_incl_vat)}
    email = EmailMessage(_("Order sheet: %(cycle)s") % {"cycle": cycle.name}, body, settings.DEFAULT_FROM_EMAIL,
                         [producer.email])
    for filename, content in files:
        email.attach(filename, content, "application/pdf" if filename.endswith(".pdf") else "text/csv")
    return email


@task()
def send_producer_sheet(sheet_id: int) -> int:
    """Render one producer's order sheet (PDF, CSV) and e-mail it to the producer: one task per producer, so
    a retry sends at most that sheet again. A mail server that refuses fails the task (operators see it)."""
    sheet = ProducerSheet.objects.select_related("producer", "cycle__club").filter(pk=sheet_id).first()
    if sheet is None or not sheet.producer.email:
        return 0
    cycle = sheet.cycle
    return sheet_email(cycle, sheet, sheet_files(None, cycle, sheet)).send()
