"""On a phone: a group's coordinator counts the containers the households bring back at the depot; the page stays
360 px wide and passes axe-core (WCAG 2.1 A/AA)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.catalog.models import Container, Product, Unit
from cabas.distribution.models import ContainerReturn
from cabas.flows import close_cycle, save_order
from cabas.ordering.models import Offer

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_a_coordinator_records_the_containers_brought_back(world, live_server, phone, screenshot, axe):
    jar = Container.objects.create(club=world.club, name="Pot de yaourt", deposit=D("0.50"), producer=world.farm)
    bottle = Container.objects.create(club=world.club, name="Bouteille de lait 1 l", deposit=D("1.00"))
    yoghurt = Product.objects.create(producer=world.farm, category=world.lait, name="Yaourt nature", unit=Unit.PIECE,
                                     unit_price=D("0.80"), vat_rate=D("5.5"), container=jar)
    world.milk.container = bottle
    world.milk.save()
    cycle = world.open_cycle(products=[world.milk, yoghurt, world.bread])
    offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
    save_order(cycle=cycle, household=world.household_a1, quantities={offers[yoghurt.pk]: D("6"), offers[world.milk.pk]: D("2")})
    save_order(cycle=cycle, household=world.household_a2, quantities={offers[yoghurt.pk]: D("4")})
    close_cycle(cycle.pk)

    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("container-returns", args=[cycle.pk, world.group_a.pk]))
    fieldset = phone.get_by_role("group", name=world.household_a1.name)
    fieldset.get_by_label("Pot de yaourt").fill("5")
    fieldset.get_by_label("Bouteille de lait 1 l").fill("2")
    phone.get_by_role("group", name=world.household_a2.name).get_by_label("Pot de yaourt").fill("9")  # holds 4
    phone.get_by_role("button", name="Enregistrer les emballages rapportés").click()
    phone.wait_for_load_state()
    assert "Foyer Martin n'a que 4 × Pot de yaourt" in phone.inner_text("main")
    assert not ContainerReturn.objects.exists()
    phone.get_by_role("group", name=world.household_a2.name).get_by_label("Pot de yaourt").fill("3")
    phone.get_by_role("button", name="Enregistrer les emballages rapportés").click()
    phone.wait_for_load_state()
    assert "3 comptages enregistrés" in phone.inner_text("main")
    assert {(r.household_id, r.container_id): r.quantity for r in ContainerReturn.objects.all()} == {
        (world.household_a1.pk, jar.pk): 5, (world.household_a1.pk, bottle.pk): 2, (world.household_a2.pk, jar.pk): 3}
    screenshot(phone, "container-returns")
    wide = phone.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361)
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)""")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, wide
    axe(phone, name="containers brought back")
