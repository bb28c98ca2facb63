"""How the API writes JSON."""

from __future__ import annotations

from django.http import HttpResponse
from ninja.renderers import JSONRenderer


class Utf8JSONRenderer(JSONRenderer):
    """French text as it is ("é", not "\\u00e9"): the body is UTF-8 (application/json; charset=utf-8)."""

    json_dumps_params = {"ensure_ascii": False}


RENDERER = Utf8JSONRenderer()


def json_response(request, data) -> HttpResponse:
    """A 200 answer written as ninja writes one (the same renderer and content type), for an endpoint whose data
    is built to its response schema already: ninja's validating it again against the schema cost a save of the
    deadline rush more CPU than its SQL (tests/test_api.py checks these answers against their schemas)."""
    return HttpResponse(RENDERER.render(request, data, response_status=200),
                        content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")
