"""The closing's documents: producers' order sheets and depots' picking lists, as page, CSV or PDF, all of a
cycle's in one ZIP, and each producer's sheet sent to the producer by e-mail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cabas.core.tasks import enqueue_on_commit
from cabas.distribution.documents import picking_list, producer_sheet
from cabas.distribution.models import DocumentBundle, ProducerSheet
from cabas.distribution.services import depot_claims
from cabas.members.permissions import access_for
from cabas.ordering.models import OrderCycle

from ..access import cycle_for_coordination, distribution_for_user, producer_sheet_for_user, require_cycle_runner
from ..exports import csv_response, document_filename, pdf_response, picking_list_rows, producer_sheet_rows
from ..tasks import build_document_bundle, send_producer_sheet
from .coordination import coordinator_required

FORMATS = {"html", "csv", "pdf"}


def closed_cycle(request, cycle_id):
    cycle, access = cycle_for_coordination(request, cycle_id)
    if not cycle.is_closed:
        raise Http404
    return cycle, access


@login_required
def producer_sheet_view(request, cycle_id: int, producer_id: int, fmt: str = "html"):
    """For the club's coordinators, and for the producer's referent member."""
    if fmt not in FORMATS:
        raise Http404
    access = access_for(request.user)
    if access.refers_producer(producer_id):
        cycle = OrderCycle.objects.filter(pk=cycle_id, closed_at__isnull=False, club__producers__pk=producer_id).first()
        if cycle is None:
            raise Http404
    elif access.is_coordinator:
        cycle, access = closed_cycle(request, cycle_id)
    else:
        raise PermissionDenied(_("This page is for coordinators."))
    return render_producer_sheet(request, cycle, producer_sheet_for_user(cycle, access, producer_id), fmt)


def render_producer_sheet(request, cycle, sheet, fmt: str):
    """A producer's order sheet as a page, CSV or PDF (for the club's coordinators and the producer)."""
    doc = producer_sheet(cycle, sheet)
    filename = document_filename(_("order-sheet"), doc.producer.name, cycle.name)
    if fmt == "csv":
        return csv_response(filename, *producer_sheet_rows(doc))
    if fmt == "pdf":
        return pdf_response(request, "web/distribution/pdf/producer_sheet.html", {"doc": doc, "cycle": cycle}, filename)
    # back to where the reader came from: the cycle (coordinators), the referent's producers, the producer's home
    access = access_for(request.user)
    if access.is_coordinator:
        back = (reverse("cycle-detail", args=[cycle.pk]), cycle.name)
    elif access.refers_producer(sheet.producer_id):
        back = (reverse("referent-home"), _("My producers"))
    else:
        back = (reverse("producer-home"), doc.producer.name)
    return render(request, "web/distribution/producer_sheet.html", {
        "doc": doc, "cycle": cycle, "claims": depot_claims([cycle.pk], sheet.producer_id), "back": back})


@coordinator_required
def picking_list_view(request, cycle_id: int, group_id: int, fmt: str = "html"):
    if fmt not in FORMATS:
        raise Http404
    cycle, access = closed_cycle(request, cycle_id)
    doc = picking_list(distribution_for_user(request, cycle, access, group_id))
    filename = document_filename(_("picking-list"), doc.distribution.group.name, cycle.name)
    if fmt == "csv":
        return csv_response(filename, *picking_list_rows(doc))
    if fmt == "pdf":
        return pdf_response(request, "web/distribution/pdf/picking_list.html", {"doc": doc, "cycle": cycle}, filename)
    return render(request, "web/distribution/picking_list.html", {"doc": doc, "cycle": cycle})


def _sheets(cycle):
    return list(ProducerSheet.objects.filter(cycle=cycle).select_related("producer").order_by("producer__name"))


@coordinator_required
@require_http_methods(["GET", "POST"])
def cycle_documents_bundle(request, cycle_id: int):
    """Every order sheet and picking list of a closed cycle in one ZIP (PDF and CSV), for the club's coordinators:
    a POST asks the task queue to prepare it (the answer comes at once), the page refreshes until it is ready."""
    cycle, access = closed_cycle(request, cycle_id)
    require_cycle_runner(access, cycle)
    if request.method == "POST":
        with transaction.atomic():
            DocumentBundle.objects.filter(cycle=cycle).delete()  # the latest is kept
            bundle = DocumentBundle.objects.create(cycle=cycle, requested_by=request.user)
            enqueue_on_commit(build_document_bundle, bundle.pk)
        messages.success(request, _("The ZIP is being prepared; this page shows it when it is ready."))
        return redirect("cycle-documents", cycle.pk)
    bundle = DocumentBundle.objects.filter(cycle=cycle).defer("content").order_by("-requested_at", "-pk").first()
    return render(request, "web/distribution/documents_bundle.html", {"cycle": cycle, "bundle": bundle})


@coordinator_required
def cycle_documents_file(request, cycle_id: int):
    """The ZIP last prepared for the cycle."""
    cycle, access = closed_cycle(request, cycle_id)
    require_cycle_runner(access, cycle)
    bundle = DocumentBundle.objects.filter(cycle=cycle, ready_at__isnull=False).order_by("-requested_at", "-pk").first()
    if bundle is None:
        raise Http404
    response = HttpResponse(bytes(bundle.content), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{document_filename(_("documents"), cycle.name)}.zip"'
    return response


@require_POST
@coordinator_required
def send_producer_sheets(request, cycle_id: int):
    """E-mail each producer its order sheet (PDF and CSV attached) from the cycle page, through the task queue
    (the PDFs are rendered by the worker); producers without an e-mail address are named in the answer."""
    cycle, access = closed_cycle(request, cycle_id)
    require_cycle_runner(access, cycle)
    sheets = _sheets(cycle)
    queued = [sheet for sheet in sheets if sheet.producer.email]
    missing = [sheet.producer.name for sheet in sheets if not sheet.producer.email]
    for sheet in queued:
        enqueue_on_commit(send_producer_sheet, sheet.pk)
    if queued:
        messages.success(request, ngettext("%(count)s producer is being sent its order sheet.",
                                           "%(count)s producers are being sent their order sheet.", len(queued)) % {
            "count": len(queued)})
    if missing:
        messages.warning(request, _("No e-mail address for: %(names)s. Download their sheets instead.") % {
            "names": ", ".join(missing)})
    return redirect("cycle-detail", cycle.pk)
