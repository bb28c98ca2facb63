"""The evening at the depot, end to end, on a 360 px phone: a group's coordinator receives the delivery with carrots
short (shared among the depot's households only), signs off the pickups (one household picked up, one absent),
records a cash payment, and sells the absent household's bread to a member present. The ledger stays sound, the
pages never scroll sideways and axe-core finds nothing on them."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.distribution.models import DepotReception, Pickup, SurplusDisposition
from cabas.finance.checks import check_ledger
from cabas.finance.models import Payment
from cabas.flows import close_cycle, save_order
from cabas.ordering.models import Allocation, Offer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def checked(page, axe, name):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
    axe(page, name=name)


def test_the_evening_at_the_depot(world, live_server, phone, screenshot, axe):
    cycle = world.open_cycle()
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    carrots, bread = offers[world.carrots.pk], offers[world.bread.pk]
    save_order(cycle=cycle, household=world.household_a1, quantities={carrots.pk: "3", bread.pk: "2"})
    save_order(cycle=cycle, household=world.household_a2, quantities={carrots.pk: "1"})
    save_order(cycle=cycle, household=world.household_b1, quantities={carrots.pk: "2"})
    close_cycle(cycle.pk, now=cycle.closes_at + datetime.timedelta(minutes=1))

    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    group_page = live_server.url + reverse("group-orders", args=[cycle.pk, world.group_a.pk])

    # 1. reception: 2 kg of carrots instead of 4 at this depot
    phone.goto(group_page)
    phone.get_by_role("link", name="Réception au lieu de dépôt").click()
    phone.wait_for_load_state()
    block = phone.get_by_role("group", name="Carottes")
    block.get_by_label("moins que prévu").check()
    block.get_by_label("Quantité à distribuer").fill("2")
    phone.get_by_role("button", name="Enregistrer la livraison de Ferme de la Prée").click()
    phone.wait_for_load_state()
    assert "Réception enregistrée" in phone.inner_text("main")
    checked(phone, axe, "reception")
    given = {a.household_id: a.quantity for a in Allocation.objects.filter(cycle=cycle, offer=carrots)}
    assert given == {world.household_a1.pk: D("1"), world.household_a2.pk: D("1"), world.household_b1.pk: D("2")}

    # 2. pickups: Martin collects, Le Goff does not come; its goods become surplus
    phone.goto(group_page)
    phone.get_by_role("link", name="Feuille de retrait (téléphone)").click()
    phone.wait_for_load_state()
    martin = phone.locator(f"#household-{world.household_a2.pk}")
    martin.get_by_label("récupéré", exact=True).check()
    martin.get_by_role("button", name=f"Enregistrer pour {world.household_a2.name}").click()
    phone.wait_for_load_state()
    le_goff = phone.locator(f"#household-{world.household_a1.pk}")
    le_goff.get_by_label("absent", exact=True).check()
    le_goff.get_by_role("button", name=f"Enregistrer pour {world.household_a1.name}").click()
    phone.wait_for_load_state()
    checked(phone, axe, "pickups")
    phone.get_by_role("button", name=f"Mettre en surplus : {world.household_a1.name}").click()
    phone.wait_for_load_state()

    # 3. money: Martin pays its carrots (1 kg × 2,10 €) in cash
    phone.goto(group_page)
    phone.get_by_role("link", name="Encaissements au lieu de dépôt").click()
    phone.wait_for_load_state()
    martin = phone.locator(f"#foyer-{world.household_a2.pk}")
    martin.get_by_text("Enregistrer un paiement").click()
    martin.get_by_label("Montant (€)").fill("2,10")
    martin.get_by_label("Espèces", exact=True).check()
    martin.get_by_role("button", name="Enregistrer le paiement").click()
    phone.wait_for_load_state()
    assert "2,10\u00a0€ de Foyer Martin enregistrés." in phone.inner_text("main")
    checked(phone, axe, "money")

    # 4. surplus: Martin, still there, buys one of Le Goff's loaves
    phone.goto(group_page)
    phone.get_by_role("link", name="Surplus", exact=True).click()
    phone.wait_for_load_state()
    card = phone.locator("section.card", has_text=bread.name)
    card.get_by_text("Vendre à un membre présent").click()
    card.get_by_label("Foyer acheteur").select_option(label=world.household_a2.name)
    card.locator("input[name=quantity]").first.fill("1")
    card.get_by_role("button", name="Enregistrer la vente").click()
    phone.wait_for_load_state()
    assert "Vente enregistrée" in phone.inner_text("main")
    screenshot(phone, "evening-surplus")
    checked(phone, axe, "surplus")

    assert DepotReception.objects.get(offer=carrots).received == D("2")
    assert {p.household_id: p.status for p in Pickup.objects.all()} == {
        world.household_a1.pk: "absent", world.household_a2.pk: "collected"}
    assert Payment.objects.get().amount == D("2.10")
    sale = SurplusDisposition.objects.get()
    assert (sale.kind, sale.buyer_id, sale.quantity) == ("sold", world.household_a2.pk, D(1))
    assert check_ledger() == []
