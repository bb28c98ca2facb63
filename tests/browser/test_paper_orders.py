"""On a phone: a group's coordinator keys in a household's paper order from the group's page; the grid scrolls
inside its box, the page itself stays 360 px wide."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.ordering.models import Offer, OrderLine

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_keys_in_a_paper_order(world, live_server, phone, screenshot, axe):
    cycle = world.open_cycle()
    milk = Offer.objects.get(cycle=cycle, product=world.milk)
    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("group-orders", args=[cycle.pk, world.group_a.pk]))
    phone.get_by_role("link", name="Saisir des commandes papier").click()
    phone.wait_for_load_state()
    box = phone.get_by_label(f"{world.household_a1.name} — {milk.name}")
    box.fill("3")
    screenshot(phone, "paper-orders")
    axe(phone, name="paper orders")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="Enregistrer les commandes papier").click()
    phone.wait_for_load_state()
    assert "Commande papier enregistrée pour 1 foyer." in phone.inner_text("main")
    assert OrderLine.objects.get(order__household=world.household_a1, offer=milk).quantity == D("3")
    assert phone.get_by_label(f"{world.household_a1.name} — {milk.name}").input_value() == "3"
