"""Importing a producer's catalogue from a file: upload, preview (errors per row, or what changes), apply."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.catalog.importing import MAX_BYTES
from cabas.catalog.models import CatalogueImport, Producer
from cabas.catalog.services import apply_import, preview_import
from cabas.core.errors import ActionError
from cabas.members.permissions import access_for

from ..access import require_club_coordinator


def producer_for_import(request, producer_id: int) -> Producer:
    producer = Producer.objects.filter(pk=producer_id).select_related("club").first()
    if producer is None:
        raise Http404
    require_club_coordinator(access_for(request.user), producer.club_id)
    return producer


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, producer_id: int):
    producer = producer_for_import(request, producer_id)
    context = {"producer": producer}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose a file.")
        elif upload.size > MAX_BYTES:
            context["error"] = _("The file is larger than 5 MB.")
        else:
            data = upload.read()
            preview = preview_import(producer, data, upload.name)
            context["preview"] = preview
            if preview.ok:
                context["pending"] = CatalogueImport.objects.create(
                    producer=producer, filename=upload.name[:200], data=data, format=preview.parsed.format,
                    uploaded_by=request.user,
                )
        return render(request, "web/catalog/import.html", context, status=400 if context.get("error") or
                      (context.get("preview") and not context["preview"].ok) else 200)
    return render(request, "web/catalog/import.html", context)


@login_required
@require_POST
def import_apply(request, import_id: int):
    pending = CatalogueImport.objects.filter(pk=import_id).select_related("producer").first()
    if pending is None:
        raise Http404
    producer = producer_for_import(request, pending.producer_id)
    with transaction.atomic():
        locked = CatalogueImport.objects.select_for_update().get(pk=pending.pk)
        if locked.applied_at is not None:
            messages.info(request, _("This file has already been imported."))
            return redirect("import-upload", producer.pk)
        try:
            preview = apply_import(producer, bytes(locked.data), locked.filename, format=locked.format or None)
        except ActionError as error:
            for message in error.all_messages[:20]:
                messages.error(request, message)
            return redirect("import-upload", producer.pk)
        locked.applied_at = timezone.now()
        locked.save(update_fields=["applied_at"])
    diff = preview.diff
    messages.success(request, _("Imported: %(new)s new, %(changed)s changed, %(withdrawn)s withdrawn.") % {
        "new": len(diff.new), "changed": len(diff.changed), "withdrawn": len(diff.withdrawn)})
    return redirect("import-upload", producer.pk)
