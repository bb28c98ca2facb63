"""Work the web layer hands to the task queue: what renders its templates (PDF documents) and sends them."""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from cabas.core.formatting import format_money
from cabas.distribution.documents import picking_list, producer_sheet
from cabas.distribution.models import Distribution, DocumentBundle, ProducerSheet
from cabas.members.words import words_for

from .exports import csv_bytes, document_filename, pdf_bytes, picking_list_rows, producer_sheet_rows


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
             "(PDF, and CSV for a spreadsheet), with the quantities per %(depot)s.\n\nThe coordination team") % words_for(
        cycle.club).with_(club=cycle.club.name, cycle=cycle.name, amount=format_money(sheet.amount_incl_vat))
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


def picking_list_files(request, cycle, distribution):
    """A depot's picking list as (file name, bytes): its PDF and its CSV (``request`` None in the worker)."""
    doc = picking_list(distribution)
    name = document_filename(_("picking-list"), distribution.group.name)
    return [
        (f"{name}.pdf", pdf_bytes(request, "web/distribution/pdf/picking_list.html", {"doc": doc, "cycle": cycle})),
        (f"{name}.csv", csv_bytes(*picking_list_rows(doc))),
    ]


def bundle_bytes(cycle) -> tuple[bytes, int]:
    """Every order sheet and picking list of a closed cycle, PDF and CSV, in one ZIP; and how many files."""
    buffer, count = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for sheet in ProducerSheet.objects.filter(cycle=cycle).select_related("producer").order_by("producer__name"):
            for name, content in sheet_files(None, cycle, sheet):
                bundle.writestr(f"{_('order-sheets')}/{name}", content)
                count += 1
        for distribution in Distribution.objects.filter(cycle=cycle).select_related("group").order_by("group__name"):
            for name, content in picking_list_files(None, cycle, distribution):
                bundle.writestr(f"{_('picking-lists')}/{name}", content)
                count += 1
    return buffer.getvalue(), count


@task()
def build_document_bundle(bundle_id: int) -> int:
    """Render the bundle a coordinator asked for (in the installation's language); a bundle already built, or
    replaced by a newer request, is left as it is. Returns the number of files."""
    bundle = DocumentBundle.objects.select_related("cycle__club").filter(pk=bundle_id, ready_at__isnull=True).first()
    if bundle is None:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        content, count = bundle_bytes(bundle.cycle)
    DocumentBundle.objects.filter(pk=bundle.pk).update(content=content, file_count=count, ready_at=timezone.now())
    return count
