"""The closing's documents: producers' order sheets and depots' picking lists, as page, CSV or PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from cabas.distribution.documents import picking_list, producer_sheet
from cabas.members.permissions import access_for
from cabas.ordering.models import OrderCycle

from ..access import cycle_for_coordination, distribution_for_user, producer_sheet_for_user
from ..exports import csv_response, document_filename, pdf_response, picking_list_rows, producer_sheet_rows
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
    return render(request, "web/distribution/producer_sheet.html", {"doc": doc, "cycle": cycle})


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
