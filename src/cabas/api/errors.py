"""Every error the API answers is JSON: {"detail": "…", "errors": {field: "…"}}, in the user's language.

- 400: a service refused the action (`ActionError`, nothing was written), or the body is not JSON;
- 401: not logged in; 403: not allowed, or the CSRF token is missing on an unsafe method;
- 404: not found, or not yours to see (an out-of-range id in the path too, like the web pages);
- 422: the body does not match the schema (an unknown field, a missing one, a wrong type).
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cabas.core.errors import ActionError

# The ordering service names its fields like the web form (q-<offer id>, t-<offer id>).
FORM_FIELD = re.compile(r"\A([qt])-([0-9]+)\Z")
FIELD_NAMES = {"q": "quantity", "t": "tolerance"}


def api_field(name: str) -> str:
    match = FORM_FIELD.match(name)
    if match:
        return f"offers.{match.group(2)}.{FIELD_NAMES[match.group(1)]}"
    return name


def error_body(detail: str, errors: dict[str, str] | None = None) -> dict:
    return {"detail": str(detail), "errors": errors or {}}


def not_found_message() -> str:
    return _("Not found, or not yours to see.")


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error answers with ours."""

    @api.exception_handler(ActionError)
    def action_error(request, exc: ActionError):
        errors = {api_field(k): v for k, v in exc.field_errors.items()}
        return api.create_response(request, error_body(" ".join(exc.all_messages), errors), status=400)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, error_body(not_found_message()), status=404)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        message = str(exc) or _("You are not allowed to do this.")
        return api.create_response(request, error_body(message), status=403)

    @api.exception_handler(AuthenticationError)
    def not_logged_in(request, exc):
        return api.create_response(request, error_body(_("Log in first.")), status=401)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 403 and "CSRF" in str(exc):
            message = _("The CSRF token is missing or wrong: send the csrftoken cookie's value in the X-CSRFToken header.")
        elif exc.status_code == 400:
            message = _("This request was not understood.")
        else:
            message = str(exc)
        return api.create_response(request, error_body(message), status=exc.status_code)

    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        locations = [tuple(error.get("loc", ())) for error in exc.errors]
        if locations and all(loc[:1] == ("path",) for loc in locations):
            # An id that cannot be one (not digits, too long): like the web pages, nothing is there.
            return api.create_response(request, error_body(not_found_message()), status=404)
        errors = {}
        for error, loc in zip(exc.errors, locations):
            # ("body", "payload", "lines", 0, "quantity") -> "lines.0.quantity"
            path = loc[2:] if loc[:1] == ("body",) else loc
            errors.setdefault(".".join(str(part) for part in path) or "body", str(error.get("msg", "")))
        return api.create_response(
            request, error_body(_("The request does not match what this endpoint expects."), errors), status=422
        )
