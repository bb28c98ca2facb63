"""What a phone downloads for the order page, measured in the browser as production would send it.

Production (docs/deploy.md) runs ``cabas collectstatic``: hashed names (cabas.<hash>.css) with a gzip and a
Brotli copy of each file, served by WhiteNoise with ``Cache-Control: max-age=31536000, public, immutable``, and
the pages compressed by Django's GZipMiddleware. The suite's own settings serve the files as they are
(tests/settings.py), and pytest-django's ``live_server`` hands ``/static/`` to Django's development static
handler before WhiteNoise sees it. So this test runs collectstatic into a temporary STATIC_ROOT with
production's storage and starts its own live server *without* that static handler: every static file is
answered by WhiteNoise from the collected files, as behind gunicorn.

The figures are the bytes on the wire (Chromium's ``encodedDataLength`` of each finished request: headers and
compressed body), read through the DevTools protocol: a first visit with an empty cache, then a second
navigation to the same page with the files in the browser's cache (a file taken from the cache counts 0 bytes).
Over plain HTTP, as here, Chromium accepts gzip only (Brotli is offered over HTTPS): the figures are gzip's,
a little above what a phone gets from the site in HTTPS.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections
from django.test.testcases import LiveServerThread
from django.test.utils import modify_settings
from django.urls import reverse

from cabas.catalog.models import Product, Unit

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_VISIT_LIMIT = 60 * 1024
NEXT_VISIT_LIMIT = 15 * 1024
PRODUCTS = 40  # a weekly catalogue of a club: the order page lists each offer


def _passthrough(application):
    """Instead of Django's static handler: every request, /static/ included, goes to the project's middleware."""
    return application


@pytest.fixture
def production_server(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    settings.WHITENOISE_USE_FINDERS = False  # only what collectstatic wrote, as in production
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    thread = LiveServerThread("127.0.0.1", _passthrough, connections_override=shared)
    thread.daemon = True
    for connection in shared.values():
        connection.inc_thread_sharing()
    with modify_settings(ALLOWED_HOSTS={"append": "127.0.0.1"}):
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        try:
            yield f"http://127.0.0.1:{thread.port}"
        finally:
            thread.terminate()
            # The server's request threads close their database connection as they end: wait for them first.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(
                    t.name.endswith("(process_request_thread)") for t in threading.enumerate()):
                time.sleep(0.05)
            for connection in shared.values():
                connection.dec_thread_sharing()


class Transfers:
    """Sums the bytes received (headers and body, as sent) for every request the page makes."""

    def __init__(self, page):
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self.session.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        self.session.on("Network.loadingFinished", lambda e: self.sizes.__setitem__(e["requestId"], e["encodedDataLength"]))

    def reset(self):
        self.urls.clear()
        self.sizes.clear()

    def total(self) -> int:
        return int(sum(self.sizes.values()))

    def report(self) -> str:
        return "\n".join(f"  {int(size):>7} B  {self.urls.get(key, key)}" for key, size in self.sizes.items())


def test_the_order_page_is_light_on_a_first_visit_and_lighter_on_the_next(world, production_server, phone):
    extra = [Product.objects.create(producer=world.farm if i % 2 else world.bakery, category=world.legumes,
                                    name=f"Légume de saison n° {i}", unit=Unit.KILOGRAM, unit_price=Decimal("2.40"),
                                    vat_rate=Decimal("5.5")) for i in range(PRODUCTS - 4)]
    cycle = world.open_cycle(products=[world.milk, world.carrots, world.bread, world.brioche, *extra])
    order_url = production_server + reverse("order", args=[cycle.pk])
    log_in(phone, production_server, world.member_a1, world.password)

    transfers = Transfers(phone)
    transfers.session.send("Network.clearBrowserCache")  # the login page's files with it: an empty cache
    transfers.reset()
    phone.goto(order_url, wait_until="networkidle")
    assert phone.locator(".offer").count() == PRODUCTS
    first = transfers.total()
    requests, first_report = dict(transfers.urls), transfers.report()
    html = len(phone.evaluate("document.documentElement.outerHTML").encode())
    print(f"\norder page: {html} B of HTML once decompressed"
          f"\norder page, first visit: {first} B ({first / 1024:.1f} KB) in {len(transfers.sizes)} requests\n"
          + transfers.report())

    # The static files came compressed, under hashed names that browsers keep a year.
    css = phone.evaluate("document.querySelector('link[rel=stylesheet]').href")
    response = phone.request.get(css, headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["content-encoding"] == "br"
    assert response.headers["cache-control"] == "max-age=31536000, public, immutable"
    assert any("/static/cabas/vendor/htmx.min." in url and url.endswith(".js") and "htmx.min.js" not in url
               for url in requests.values()), requests

    transfers.reset()
    phone.goto(order_url, wait_until="networkidle")
    second = transfers.total()
    print(f"order page, next visit: {second} B ({second / 1024:.1f} KB) in {len(transfers.sizes)} requests\n"
          + transfers.report())
    from_network = [transfers.urls[key] for key, size in transfers.sizes.items() if size and "/static/" in transfers.urls[key]]
    assert not from_network, "static files downloaded again: " + transfers.report()

    assert first <= FIRST_VISIT_LIMIT, f"first visit {first} B > {FIRST_VISIT_LIMIT} B:\n" + first_report
    assert second <= NEXT_VISIT_LIMIT, f"next visit {second} B > {NEXT_VISIT_LIMIT} B"
