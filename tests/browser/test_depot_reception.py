"""On a phone: a group's coordinator checks the delivery at the depot; the carrots arrive short, and only the
depot's households are cut."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.finance.checks import check_ledger
from cabas.flows import close_cycle, save_order
from cabas.ordering.models import Allocation, Offer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_records_a_short_delivery_at_the_depot(world, live_server, phone, screenshot, axe):
    cycle = world.open_cycle()
    carrots = Offer.objects.get(cycle=cycle, product=world.carrots)
    save_order(cycle=cycle, household=world.household_a1, quantities={carrots.pk: "3"})
    save_order(cycle=cycle, household=world.household_a2, quantities={carrots.pk: "1"})
    save_order(cycle=cycle, household=world.household_b1, quantities={carrots.pk: "2"})
    close_cycle(cycle.pk, now=cycle.closes_at + datetime.timedelta(minutes=1))
    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("group-orders", args=[cycle.pk, world.group_a.pk]))
    phone.get_by_role("link", name="Réception au lieu de dépôt").click()
    phone.wait_for_load_state()
    axe(phone, name="reception")
    block = phone.get_by_role("group", name="Carottes")
    block.get_by_label("moins que prévu").check()
    block.get_by_label("Quantité à distribuer").fill("2")
    block.get_by_label("Remarque").fill("une cagette renversée")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "depot-reception")
    phone.get_by_role("button", name="Enregistrer la livraison de Ferme de la Prée").click()
    phone.wait_for_load_state()
    assert "Réception enregistrée" in phone.inner_text("main")
    axe(phone, name="reception after saving")
    got = {a.household_id: a.quantity for a in Allocation.objects.filter(cycle=cycle, offer=carrots)}
    # 2 kg for the depot: a2 keeps its 1 kg, a1 gets the other; the other depot's household keeps its 2 kg
    assert got == {world.household_a1.pk: D("1"), world.household_a2.pk: D("1"), world.household_b1.pk: D("2")}
    assert check_ledger() == []
