"""The order page on a 360 px phone tells the truth while the member types: packs, limits and red fields change
before anything is saved; the catalogue is searched without losing what was typed; tap targets are 44 px."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cabas.flows import save_order
from cabas.ordering.models import Offer, OrderLine

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_typing_shows_packs_and_limits_before_saving(world, live_server, phone, screenshot, axe):
    world.bread.pack_size = Decimal(6)  # by the baker's tray
    world.bread.save()
    cycle = world.open_cycle()
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    bread, brioche, milk = offers[world.bread.pk], offers[world.brioche.pk], offers[world.milk.pk]
    Offer.objects.filter(pk=brioche.pk).update(per_household_cap=Decimal(2))
    save_order(cycle=cycle, household=world.household_b1, quantities={milk.pk: "1"})  # someone else, elsewhere

    log_in(phone, live_server.url, world.member_a1, world.password)
    phone.goto(live_server.url + reverse("order", args=[cycle.pk]))
    progress = phone.locator(f"#progress-{bread.pk}")
    expect(progress).to_contain_text("0 colis complet")
    expect(phone.locator(f"#order-form li.offer:has(#q-{brioche.pk})")).to_contain_text("limite 2\u00a0pièces par foyer")
    expect(phone.get_by_text("Vérifiez les quantités en rouge")).to_have_count(0)

    # 3 loaves of a tray of 6: the page says 3 more are needed, before anything is saved
    phone.fill(f"#q-{bread.pk}", "3")
    expect(progress).to_contain_text("encore 3\u00a0pièces pour compléter le suivant")
    expect(progress.locator(".warn")).to_contain_text("Colis incomplet")
    # 3 brioches where the limit is 2: red next to the field, at once, and the summary
    phone.fill(f"#q-{brioche.pk}", "3")
    note = phone.locator(f"#q-{brioche.pk}-note")
    expect(note).to_contain_text("2\u00a0pièces au plus par foyer")
    expect(phone.locator(f"#q-{brioche.pk}")).to_have_attribute("aria-invalid", "true")
    expect(phone.locator(f"#q-{brioche.pk}")).to_have_attribute("aria-describedby", f"q-{brioche.pk}-note progress-{brioche.pk}")
    expect(phone.get_by_text("Vérifiez les quantités en rouge")).to_be_visible()
    expect(phone.locator("[aria-invalid='true']")).to_have_count(1)
    assert OrderLine.objects.filter(order__household=world.household_a1).count() == 0
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the order page is {width} px wide on a 360 px phone"
    screenshot(phone, "order-live-phone")
    axe(phone, name="order page while typing")

    # tap targets: the quantity and tolerance inputs, the tabs, the search, the buttons
    for selector in (f"#q-{bread.pk}", f"#t-{bread.pk}", ".tabs a >> nth=0", ".tabs a >> nth=1", "#order-search",
                     "label[for=order-basket]", "#order-filter button", "#order-form button[type=submit]"):
        box = phone.locator(selector).bounding_box()
        assert box["height"] >= 44, f"{selector} is {box['height']} px high"

    # the search filters as one types, keeping what was typed and not saved
    phone.fill("#order-search", "brioch")
    expect(phone.locator(f"#order-form li.offer:has(#q-{bread.pk})")).to_be_hidden()
    expect(phone.locator(f"#order-form li.offer:has(#q-{brioche.pk})")).to_be_visible()
    expect(phone.locator("#order-filter-status")).to_have_text("Produits affichés : 1")
    axe(phone, name="order page searched")
    phone.fill("#order-search", "")
    expect(phone.locator(f"#order-form li.offer:has(#q-{bread.pk})")).to_be_visible()
    assert phone.input_value(f"#q-{bread.pk}") == "3"
    phone.check("#order-basket")  # only what is in the basket: the bread and the brioche typed
    expect(phone.locator("#order-form li.offer:visible")).to_have_count(2)
    phone.uncheck("#order-basket")
    expect(phone.locator("#order-form li.offer:visible")).to_have_count(4)
    link = phone.locator(f"#order-form li.offer:has(#q-{bread.pk}) a.product-link")
    assert link.get_attribute("href") == reverse("product", args=[world.bread.pk])

    # back under the limit: the red goes; a full tray: the warning goes
    phone.fill(f"#q-{brioche.pk}", "2")
    expect(note).to_have_text("")
    expect(phone.locator(f"#q-{brioche.pk}")).not_to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_text("Vérifiez les quantités en rouge")).to_have_count(0)
    phone.fill(f"#q-{bread.pk}", "6")
    expect(progress).to_contain_text("1 colis complet")
    expect(progress.locator(".warn")).to_have_count(0)
    expect(phone.locator("#order-total")).to_contain_text("pas encore enregistré")

    phone.click("#order-form button[type=submit]")
    phone.wait_for_load_state()
    expect(phone.locator(".messages")).to_be_visible()
    lines = {line.offer_id: line.quantity for line in OrderLine.objects.filter(order__household=world.household_a1)}
    assert lines == {bread.pk: Decimal(6), brioche.pk: Decimal(2)}
    expect(phone.locator(f"#progress-{bread.pk}")).to_contain_text("1 colis complet")
    axe(phone, name="order page saved")
