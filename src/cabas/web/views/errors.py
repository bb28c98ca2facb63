"""Error pages in the user's language, never a bare server error."""

from django.shortcuts import render
from django.utils.translation import gettext as _


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else _("You are not allowed to do this.")
    return render(request, "web/error.html", {"title": _("Not allowed"), "message": message}, status=403)


def page_not_found(request, exception=None):
    message = _("This page does not exist, or it is not yours to see.")
    return render(request, "web/error.html", {"title": _("Not found"), "message": message}, status=404)


def server_error(request):
    message = _("Something went wrong on our side. Nothing was saved; please try again.")
    return render(request, "web/error.html", {"title": _("Error"), "message": message}, status=500)


def bad_request(request, exception=None):
    return render(request, "web/error.html", {"title": _("Error"), "message": _("This request was not understood.")}, status=400)
