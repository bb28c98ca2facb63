"""On a phone: a round's page for its driver — each stop's address, a tap-to-call link, map links, the numbered
diagram — at 360 px without sideways scrolling, checked with axe."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cabas.logistics.models import Round, RoundStop

from tests.test_driver_sheets import planned  # noqa: F401 (fixture)
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_driver_reads_the_round_on_a_phone(planned, live_server, phone, axe, screenshot):  # noqa: F811
    row = Round.objects.filter(plan=planned.plan).order_by("position").first()
    stops = list(RoundStop.objects.filter(round=row).order_by("sequence"))
    log_in(phone, live_server.url, planned.coordinator, planned.password)
    phone.goto(live_server.url + reverse("transport", args=[planned.cycle.pk]))
    phone.get_by_role("link", name=f"{row.position}. {row.vehicle_name}").click()
    phone.wait_for_load_state()
    main = phone.inner_text("main")
    assert f"Tournée {row.position} : {row.vehicle_name}" in main and "Durée" in main
    for stop in stops:
        card = phone.locator(f"#stop-{stop.sequence}")
        assert stop.name in card.inner_text()
        assert card.get_by_role("link", name="OpenStreetMap").get_attribute("href").startswith(
            "https://www.openstreetmap.org/?mlat=")
        assert card.get_by_role("link", name="Ouvrir dans une application de carte").get_attribute("href").startswith("geo:")
    calls = phone.locator("main a[href^='tel:']")
    assert calls.count() >= 1
    svg = phone.locator("main svg[role=img]")
    assert svg.get_attribute("aria-label").startswith(f"Tournée {row.position}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    axe(phone, name="round page")
    screenshot(phone, "driver-round")
