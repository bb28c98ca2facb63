"""On a 360 px phone at the depot: a group's coordinator records a household's cash, another's cheque made out to a
producer, then counts the cash; the ledger stays balanced, the page stays 360 px wide and passes axe-core."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.finance.checks import check_ledger
from cabas.finance.models import CashCount, Payment
from cabas.flows import close_cycle, save_order
from cabas.ordering.models import Offer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_takes_payments_and_counts_the_cash_on_a_phone(world, live_server, phone, screenshot, axe):
    cycle = world.open_cycle()
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.bread.pk].pk: "2"})  # 10,40 €
    save_order(cycle=cycle, household=world.household_a2, quantities={offers[world.brioche.pk].pk: "1",
                                                                      offers[world.milk.pk].pk: "2"})  # 8,60 €
    close_cycle(cycle.pk)
    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("group-orders", args=[cycle.pk, world.group_a.pk]))
    phone.get_by_role("link", name="Encaissements au lieu de dépôt").click()
    phone.wait_for_load_state()

    le_goff = phone.locator(f"#foyer-{world.household_a1.pk}")
    le_goff.get_by_text("Enregistrer un paiement").click()
    le_goff.get_by_label("Montant (€)").fill("10,40")
    le_goff.get_by_label("Espèces", exact=True).check()
    le_goff.get_by_role("button", name="Enregistrer le paiement").click()
    phone.wait_for_load_state()
    assert "10,40\u00a0€ de Foyer Le Goff enregistrés." in phone.inner_text("main")

    martin = phone.locator(f"#foyer-{world.household_a2.pk}")
    martin.get_by_text("Enregistrer un paiement").click()
    martin.get_by_label("Montant (€)").fill("8,60")
    martin.get_by_label("Chèque", exact=True).check()
    martin.get_by_label("Payé à").select_option(str(world.bakery.pk))
    martin.get_by_label("Numéro de chèque").fill("0004512")
    screenshot(phone, "depot-money-cheque")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    martin.get_by_role("button", name="Enregistrer le paiement").click()
    phone.wait_for_load_state()
    assert "à Fournil du Bourg enregistrés." in phone.inner_text("main")

    phone.get_by_label("Espèces comptées (€)").fill("10")
    phone.get_by_role("button", name="Enregistrer le comptage").click()
    phone.wait_for_load_state()
    assert "une différence de -0,40" in phone.inner_text("main")
    screenshot(phone, "depot-money")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    cash, cheque = Payment.objects.order_by("pk")
    assert (cash.method, cash.amount, cash.payee) == ("cash", D("10.40"), None)
    assert (cheque.method, cheque.payee, cheque.cheque_number) == ("cheque", world.bakery, "0004512")
    assert CashCount.objects.get().difference == D("-0.40")
    assert not check_ledger()
    violations = axe(phone)
    assert not violations, violations
