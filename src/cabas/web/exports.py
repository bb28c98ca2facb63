"""CSV and PDF renderings of the closing's documents.

CSV follows French spreadsheet habits: UTF-8 with a byte-order mark, `;` between fields, decimal
comma, so that a double click opens it right in LibreOffice Calc or Excel.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cabas.members.words import DEFAULT as DEFAULT_WORDS
from cabas.members.words import words_for


def csv_number(value) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    text = format(value.normalize(), "f") if value != value.to_integral_value() else str(value.quantize(Decimal(1)))
    return text.replace(".", ",")


def csv_money(value) -> str:
    return format(Decimal(value).quantize(Decimal("0.01")), "f").replace(".", ",")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value) -> str:
    """A name as a spreadsheet cell: one starting like a formula is prefixed with ' so it stays text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: list[str], rows) -> bytes:
    """Rows hold numbers already written by csv_number/csv_money; any other text goes through csv_text."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def document_club(context: dict):
    """The club a document is about: its cycle's, or its invoice's household's (loaded with them)."""
    if context.get("cycle") is not None:
        return context["cycle"].club
    if context.get("invoice") is not None:
        return context["invoice"].household.group.club
    return None


def pdf_bytes(request, template: str, context: dict) -> bytes:
    """A PDF rendered for a request; ``request`` None in the task queue's worker (links on SITE_URL). The
    document says its club's words (``members.words``), whoever renders it."""
    if "words" not in context:
        club = document_club(context)
        context = {**context, "words": words_for(club) if club is not None else DEFAULT_WORDS}
    from weasyprint import HTML  # imported when a PDF is made: it takes a while to load

    html = render_to_string(template, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else settings.SITE_URL + "/"
    return HTML(string=html, base_url=base_url).write_pdf()


def pdf_response(request, template: str, context: dict, filename: str) -> HttpResponse:
    response = HttpResponse(pdf_bytes(request, template, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


def document_filename(*parts) -> str:
    return "-".join(slugify(str(p)) for p in parts if p)


def producer_sheet_rows(doc):
    header = [_("Category"), _("Product"), _("Unit"), _("Unit price incl. VAT")]
    header += [csv_text(d.group.name) for d in doc.distributions]
    header += [_("Total quantity"), _("Amount incl. VAT")]
    rows = []
    for row in doc.rows:
        offer = row.offer
        rows.append(
            [csv_text(offer.category.name), csv_text(offer.name), offer.get_unit_display(), csv_money(offer.unit_price)]
            + [csv_number(q) for q in row.quantities]
            + [csv_number(row.quantity), csv_money(row.amount_incl_vat)]
        )
    rows.append([_("Total"), "", "", ""] + [csv_money(t) for t in doc.column_totals] + ["", csv_money(doc.sheet.amount_incl_vat)])
    return header, rows


def picking_list_rows(doc):
    """A row per household and product, with where the household collects (the depot or another place of the
    group) before the signature column."""
    header = [_("Household"), _("Producer"), _("Product"), _("Quantity"), _("Unit"), _("Amount incl. VAT"),
              _("Pickup place"), _("Signature")]
    depot = getattr(doc.distribution.group, "depot", None)
    rows = []
    for entry in doc.households:
        place = csv_text(entry.place.name if entry.place else (depot.name if depot else ""))
        for allocation in entry.lines:
            offer = allocation.offer
            rows.append([
                csv_text(entry.household.name), csv_text(offer.producer.name), csv_text(offer.name), csv_number(allocation.quantity),
                offer.get_unit_display(), csv_money(allocation.amount_incl_vat), place, "",
            ])
    return header, rows
