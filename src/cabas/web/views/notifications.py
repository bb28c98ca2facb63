"""E-mail preferences (« Mes e-mails », linked from « Mon compte ») and the one-click unsubscribe link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cabas.notifications import services
from cabas.notifications.models import Kind


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """One box per kind of e-mail offered to the person; what is not ticked is not sent."""
    if request.method == "POST":
        offered = set(services.kinds_for(request.user))
        chosen = [kind for kind in request.POST.getlist("kinds") if kind in offered]  # an allow-list of kinds
        services.set_preferences(request.user, chosen)
        messages.success(request, _("Your e-mail choices are saved."))
        return redirect("notification-preferences")
    choices = services.preferences_for(request.user)
    return render(request, "web/notifications/preferences.html", {
        "choices": [(kind, Kind(kind).label, enabled) for kind, enabled in choices.items()],
    })


@csrf_exempt  # the signed token is the credential; mail programs POST here without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows what the link stops, with one button (a link scanner's visit changes nothing); POST stops it,
    from that button or straight from the mail program's one-click ``List-Unsubscribe-Post``."""
    found = services.read_unsubscribe_token(token)
    if found is None:
        raise Http404
    user_id, kind = found
    label = Kind(kind).label
    if request.method == "POST":
        if not services.unsubscribe(user_id, kind):
            raise Http404
        return render(request, "web/notifications/unsubscribed.html", {"label": label, "done": True})
    return render(request, "web/notifications/unsubscribed.html", {"label": label, "done": False, "token": token})
