"""One whole order cycle in a real browser: a member orders on a phone, the coordinator closes and downloads."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from cabas.distribution.models import PickingList
from cabas.ordering.models import Offer, OrderLine

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_orders_then_coordinator_closes_and_downloads(world, live_server, phone, desktop, screenshot, tmp_path, axe):
    cycle = world.open_cycle()
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    milk, bread = offers[world.milk.pk], offers[world.bread.pk]

    # A member on a 360 px phone: logs in, finds the open cycle from the home page, orders.
    log_in(phone, live_server.url, world.member_a1, world.password)
    phone.click(f"a[href='{reverse('order', args=[cycle.pk])}']")
    phone.fill(f"#q-{milk.pk}", "2,5")
    phone.fill(f"#q-{bread.pk}", "2")
    # The running total comes from the server (htmx) before anything is saved: 2.5 × 1.30 + 2 × 5.20.
    total = phone.locator("#order-total")
    total.filter(has_text="13,65").wait_for()
    assert OrderLine.objects.count() == 0
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the order page is {width} px wide on a 360 px phone"
    screenshot(phone, "order-phone")
    axe(phone, name="order page")
    phone.click("#order-form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".messages, .alert").first.is_visible()
    lines = {line.offer_id: line.quantity for line in OrderLine.objects.filter(order__household=world.household_a1)}
    assert lines == {milk.pk: Decimal("2.5"), bread.pk: Decimal("2")}
    # The saved quantities are shown again, in French notation.
    assert phone.input_value(f"#q-{milk.pk}") == "2,5"

    # A bad quantity: a clear message on the page, nothing saved.
    phone.fill(f"#q-{bread.pk}", "-3")
    phone.click("#order-form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".alert.error").is_visible()
    assert phone.locator(".field-error").count() == 1
    screenshot(phone, "order-phone-error")
    axe(phone, name="order page with an error")
    assert OrderLine.objects.get(order__household=world.household_a1, offer=bread).quantity == 2

    # The club coordinator on a desktop: closes the cycle (confirming the dialog), then downloads the depot list.
    log_in(desktop, live_server.url, world.coordinator, world.password)
    desktop.goto(live_server.url + reverse("cycle-detail", args=[cycle.pk]))
    desktop.once("dialog", lambda dialog: dialog.accept())
    desktop.click("form[action$='/cloturer/'] button[type=submit]")
    desktop.wait_for_load_state()
    cycle.refresh_from_db()
    assert cycle.closed_at is not None
    assert PickingList.objects.filter(distribution__cycle=cycle).count() == 2
    screenshot(desktop, "cycle-closed")

    desktop.goto(live_server.url + reverse("picking-list", args=[cycle.pk, world.group_a.pk]))
    assert desktop.locator("table").get_by_text("Foyer Le Goff").count() >= 1
    screenshot(desktop, "picking-list")
    with desktop.expect_download() as csv_download:
        desktop.click(f"a[href$='{reverse('picking-list-file', args=[cycle.pk, world.group_a.pk, 'csv'])}']")
    path = tmp_path / "liste.csv"
    csv_download.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    assert "Foyer Le Goff" in text
    assert re.search(r"Lait cru;.*2,5", text) or "2,5" in text
    assert csv_download.value.suggested_filename.endswith(".csv")

    # The PDF opens in the browser, ready to print (inline); fetch it with the coordinator's session.
    pdf_link = desktop.locator(f"a[href$='{reverse('picking-list-file', args=[cycle.pk, world.group_a.pk, 'pdf'])}']")
    response = desktop.request.get(live_server.url + pdf_link.first.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # After closing, the member's page is read-only and shows the amounts with VAT.
    phone.goto(live_server.url + reverse("order", args=[cycle.pk]))
    assert phone.locator(f"#q-{milk.pk}").count() == 0
    assert phone.get_by_text("13,65").count() >= 1
    screenshot(phone, "order-summary-phone")
