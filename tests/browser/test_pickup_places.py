"""On a phone: a group's coordinator adds a second pickup place from the group's rhythm page, a member chooses it
on « Mon foyer », and the group's picking list names the household's place and what to take there. Accessibility
checked with axe at each step, nothing wider than 360 px."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from cabas.flows import close_cycle, save_order
from cabas.members.models import PickupPlace

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def narrow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_coordinator_adds_a_place_a_member_chooses_it_the_picking_list_shows_it(world, live_server, phone, screenshot,
                                                                                  axe):
    # the group's coordinator adds the place
    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("group-rhythm", args=[world.group_a.pk]))
    phone.get_by_role("link", name="Autres lieux de retrait").click()
    phone.wait_for_load_state()
    axe(phone, name="pickup places")
    phone.fill("#id_name", "Salle paroissiale")
    phone.fill("#id_address", "4 rue de l'Église")
    phone.select_option("#id_day_offset", "1")
    phone.fill("#id_slot_start", "10:00")
    phone.fill("#id_slot_end", "09:00")  # ends before it starts: refused
    phone.get_by_role("button", name="Ajouter le lieu").click()
    phone.wait_for_load_state()
    assert "Rien n’a été enregistré" in phone.inner_text("main") or "Rien n'a été enregistré" in phone.inner_text("main")
    axe(phone, name="pickup places: refused")
    phone.fill("#id_slot_end", "11:30")
    phone.fill("#id_notes", "Code du portail 2468")
    phone.get_by_role("button", name="Ajouter le lieu").click()
    phone.wait_for_load_state()
    text = phone.inner_text("main")
    assert "« Salle paroissiale » est ajouté" in text and "1 jour après la distribution" in text
    narrow(phone)
    axe(phone, name="pickup places: added")
    screenshot(phone, "pickup-places")
    place = PickupPlace.objects.get(group=world.group_a)

    # a member of the group chooses it on « Mon foyer »
    phone.context.clear_cookies()
    log_in(phone, live_server.url, world.member_a1, world.password)
    phone.goto(live_server.url + reverse("household-members"))
    axe(phone, name="my household with places")
    phone.get_by_label("Salle paroissiale — 4 rue de l'Église").check()
    phone.get_by_role("button", name="Enregistrer notre lieu").click()
    phone.wait_for_load_state()
    text = phone.inner_text("main")
    assert "Désormais, votre foyer retire ses produits à : Salle paroissiale" in text
    assert "Code du portail 2468" in text
    narrow(phone)
    axe(phone, name="my household: place chosen")
    screenshot(phone, "household-place")
    phone.goto(live_server.url + reverse("home"))
    assert "Salle paroissiale" in phone.inner_text("main")

    # the cycle closes; the group's picking list names the place and what to take there
    cycle = world.open_cycle()
    bread = cycle.offers.get(product=world.bread)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: Decimal("2")})
    save_order(cycle=cycle, household=world.household_a2, quantities={bread.pk: Decimal("1")})
    close_cycle(cycle.pk)
    phone.context.clear_cookies()
    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("picking-list", args=[cycle.pk, world.group_a.pk]))
    text = phone.inner_text("main")
    assert "retire à : Salle paroissiale" in text and "À porter à : Salle paroissiale" in text
    axe(phone, name="picking list with a place")
    screenshot(phone, "picking-list-place")
    # the pickup sheet of the place alone
    phone.goto(live_server.url + reverse("pickup", args=[cycle.pk, world.group_a.pk]))
    phone.get_by_role("link", name="Salle paroissiale").click()
    phone.wait_for_load_state()
    assert f"place={place.pk}" in phone.url
    main = phone.inner_text("main")
    assert "Foyer Le Goff" in main
    assert phone.locator(f"#household-{world.household_a2.pk}").count() == 0
    narrow(phone)
    axe(phone, name="pickup sheet of a place")
