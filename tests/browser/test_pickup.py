"""On a 360 px phone: a group's coordinator signs off the pickups (one household picked up, one absent), turns the
absent household's goods into surplus and sells one item to a member present. The ledger stays sound, the pages
never scroll sideways and axe-core finds nothing on them."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.distribution.models import Pickup, SurplusDisposition, Uncollected
from cabas.finance.checks import check_ledger
from cabas.flows import close_cycle, save_order
from cabas.ordering.models import Offer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_coordinator_signs_off_pickups_and_sells_surplus(world, live_server, phone, screenshot, axe):
    cycle = world.open_cycle()
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    bread, milk = offers[world.bread.pk], offers[world.milk.pk]
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: D(2), milk.pk: D(1)})
    save_order(cycle=cycle, household=world.household_a2, quantities={bread.pk: D(1)})
    close_cycle(cycle.pk)

    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("group-orders", args=[cycle.pk, world.group_a.pk]))
    phone.get_by_role("link", name="Feuille de retrait (téléphone)").click()
    phone.wait_for_load_state()
    assert axe(phone) == []
    no_sideways_scroll(phone)

    martin = phone.locator(f"#household-{world.household_a2.pk}")
    martin.get_by_label("récupéré", exact=True).check()
    martin.get_by_role("button", name=f"Enregistrer pour {world.household_a2.name}").click()
    phone.wait_for_load_state()
    assert "Retrait enregistré." in phone.inner_text("main")

    le_goff = phone.locator(f"#household-{world.household_a1.pk}")
    le_goff.get_by_label("absent", exact=True).check()
    le_goff.get_by_role("button", name=f"Enregistrer pour {world.household_a1.name}").click()
    phone.wait_for_load_state()
    assert "Reste à récupérer" in phone.inner_text("main")
    screenshot(phone, "pickup-sheet")
    assert axe(phone) == []
    no_sideways_scroll(phone)
    phone.get_by_role("button", name=f"Mettre en surplus : {world.household_a1.name}").click()
    phone.wait_for_load_state()
    assert "2 lignes mises en surplus." in phone.inner_text("main")
    assert set(Uncollected.objects.values_list("state", flat=True)) == {"surplus"}

    phone.get_by_role("link", name="Surplus", exact=True).click()
    phone.wait_for_load_state()
    assert axe(phone) == []
    no_sideways_scroll(phone)
    card = phone.locator("section.card", has_text=bread.name)
    card.get_by_text("Vendre à un membre présent").click()
    card.get_by_label("Foyer acheteur").select_option(label=world.household_a2.name)
    card.locator("input[name=quantity]").first.fill("1")
    card.get_by_role("button", name="Enregistrer la vente").click()
    phone.wait_for_load_state()
    assert "Vente enregistrée" in phone.inner_text("main")
    screenshot(phone, "surplus")
    no_sideways_scroll(phone)
    assert axe(phone) == []

    sale = SurplusDisposition.objects.get()
    assert (sale.kind, sale.quantity, sale.buyer_id, sale.amount) == ("sold", D(1), world.household_a2.pk, D("5.20"))
    assert {p.household_id: p.status for p in Pickup.objects.all()} == {world.household_a1.pk: "absent",
                                                                        world.household_a2.pk: "collected"}
    assert check_ledger() == []

    phone.goto(live_server.url + reverse("group-surplus-report", args=[cycle.pk, world.group_a.pk]))
    no_sideways_scroll(phone)
    assert axe(phone) == []
