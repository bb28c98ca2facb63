"""On a phone: the club's coordinator calls the club's groups AMAP (feminine) and its depots « points de dépôt »;
the pages say « l’AMAP » from then on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cabas.members.models import Club

from .conftest import log_in, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_club_coordinator_sets_the_clubs_words(world, live_server, phone, screenshot, axe):
    log_in(phone, live_server.url, world.coordinator, world.password)
    open_menu(phone)
    phone.get_by_role("link", name="Coordination").click()
    phone.get_by_role("link", name="Réglages du club").click()
    phone.wait_for_load_state()
    assert "Aucun foyer dans ce groupe d’achat." in phone.inner_text("main")
    axe(phone, name="club settings")
    phone.locator("#id_group_label").fill("AMAP")  # its label: « Nom donné aux groupes »
    phone.get_by_label("Le nom donné aux groupes est féminin").check()
    phone.locator("#id_depot_label").fill("point de dépôt")
    screenshot(phone, "club-settings")
    phone.get_by_role("button", name="Enregistrer les réglages").click()
    phone.wait_for_load_state()
    main = phone.inner_text("main")
    assert "Les réglages du club sont enregistrés." in main and "Aucun foyer dans cette AMAP." in main
    assert "Réception au point de dépôt" in main
    assert Club.objects.get(pk=world.club.pk).group_label_feminine
    axe(phone, name="club settings saved")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.goto(live_server.url + reverse("target-adjust", args=[world.group_a.pk]))
    assert "L’AMAP n’a pas encore d’objectif" in phone.inner_text("main")
