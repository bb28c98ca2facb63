"""On a phone (360 px): a club coordinator finds the catalogue from the coordination page, opens a producer and a
product, changes its price and sees it in the price history; every catalogue page passes axe and fits the screen."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.catalog.models import CharterPoint, Container, Label, PriceChange

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_coordinator_changes_a_price_and_the_history_shows_it(world, live_server, phone, screenshot, axe):
    Label.objects.create(club=world.club, name="Agriculture biologique")
    CharterPoint.objects.create(club=world.club, text="Pas de pesticides de synthèse")
    Container.objects.create(club=world.club, name="Pot de yaourt", deposit=D("0.50"), producer=world.farm)
    log_in(phone, live_server.url, world.coordinator, world.password)
    phone.goto(live_server.url + reverse("cycle-list"))
    phone.get_by_role("link", name="Catalogue").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == f"Catalogue — {world.club.name}"
    axe(phone, name="catalogue")
    assert fits(phone)

    phone.get_by_role("link", name=world.farm.name).click()
    phone.wait_for_load_state()
    axe(phone, name="producer")
    assert fits(phone)
    phone.get_by_role("link", name="Carottes").click()
    phone.wait_for_load_state()
    assert "2,10" in phone.inner_text("main")
    axe(phone, name="product")
    assert fits(phone)

    # a time in the future is refused, in French, on its field
    phone.get_by_label("Nouveau prix TTC (€ par unité)").fill("2,35")
    phone.get_by_label("En vigueur depuis").fill("2099-01-01T10:00")
    phone.get_by_role("button", name="Enregistrer le nouveau prix").click()
    phone.wait_for_load_state()
    assert "jamais d'une heure plus tardive" in phone.inner_text("#price")
    assert not PriceChange.objects.exists()
    axe(phone, name="product, price refused")

    phone.get_by_label("Nouveau prix TTC (€ par unité)").fill("2,35")
    phone.get_by_label("En vigueur depuis").fill("")
    screenshot(phone, "catalogue-price-change")
    phone.get_by_role("button", name="Enregistrer le nouveau prix").click()
    phone.wait_for_load_state()
    assert "Le nouveau prix, 2,35\u00a0€, est dans l'historique des prix." in phone.inner_text("main")
    history = phone.locator("#history tbody tr")
    assert history.count() == 1 and "2,35" in history.first.inner_text()
    world.carrots.refresh_from_db()
    assert world.carrots.unit_price == D("2.35")
    screenshot(phone, "catalogue-price-history")
    axe(phone, name="product, price changed")
    assert fits(phone)

    for name in ("categories-manage", "labels-manage", "charter-manage", "containers-manage", "producer-create"):
        phone.goto(live_server.url + reverse(name, args=[world.club.pk]))
        axe(phone, name=name)
        assert fits(phone), name
    for name, args in (("producer-edit", [world.farm.pk]), ("product-create", [world.farm.pk])):
        phone.goto(live_server.url + reverse(name, args=args))
        axe(phone, name=name)
        assert fits(phone), name

    # a category added and moved up, on the phone
    phone.goto(live_server.url + reverse("categories-manage", args=[world.club.pk]))
    for category in ("Fromages", "Œufs"):
        phone.get_by_label("Nom", exact=True).last.fill(category)
        phone.get_by_role("button", name="Ajouter la catégorie").click()
        phone.wait_for_load_state()
    phone.get_by_role("button", name="Monter Œufs").click()
    phone.wait_for_load_state()
    assert phone.locator("#categories + ul summary strong").all_inner_texts() == ["Œufs", "Fromages"]
    axe(phone, name="categories")
