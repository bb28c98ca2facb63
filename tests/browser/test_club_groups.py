"""On a phone: the club's coordinator creates a group with its depot and fortnightly rhythm, without the admin."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from cabas.members.models import Group

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_club_coordinator_creates_a_group_on_a_phone(world, live_server, phone, axe):
    base = live_server.url
    log_in(phone, base, world.coordinator, world.password)
    phone.goto(base + reverse("cycle-list"))
    phone.get_by_role("link", name="Groupes d’achat").first.click()
    phone.wait_for_load_state()
    assert "GAC de Rennes" in phone.inner_text("main")
    axe(phone, name="club groups")
    phone.get_by_label("Nom du groupe").fill("GAC de Fougères")
    phone.get_by_label("Foyers au plus").fill("25")
    phone.get_by_label("Distribue").select_option(label="toutes les deux semaines")
    phone.get_by_label("À compter du (un jour de distribution)").fill("2027-01-07")
    phone.locator("#id_depot_name").fill("Salle des fêtes")
    phone.get_by_label("Adresse").fill("2 place de la Mairie, Fougères")
    phone.get_by_label("Latitude").fill("48,35")
    phone.get_by_label("Longitude").fill("-1,2")
    phone.locator("#id_weekday").select_option("3")  # Thursday
    phone.get_by_label("Début de la distribution").fill("18:00")
    phone.get_by_label("Fin de la distribution").fill("17:00")  # before it starts: refused, nothing created
    phone.get_by_role("button", name="Créer").click()
    phone.wait_for_load_state()
    assert "Rien n’a été enregistré" in phone.inner_text("main")
    assert not Group.objects.filter(name="GAC de Fougères").exists()
    axe(phone, name="club groups, refused")
    phone.get_by_label("Fin de la distribution").fill("19:30")
    phone.get_by_role("button", name="Créer").click()
    phone.wait_for_load_state()
    assert "C’est fait : « GAC de Fougères » a sa page d’adhésion publique." in phone.inner_text("main")
    group = Group.objects.select_related("depot").get(name="GAC de Fougères")
    assert (group.every_weeks, group.rhythm_from, group.depot.distribution_weekday) == (2, datetime.date(2027, 1, 7), 3)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
