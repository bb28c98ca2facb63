"""On a phone: a group's coordinator sets their group's fortnightly rhythm and depot slot, then opens a cycle for
their group only with the club's producers' products; a member of the group sees it, a member of the club's other
group does not."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.distribution.models import Distribution
from cabas.members.models import Group
from cabas.ordering.models import OrderCycle

from .conftest import log_in, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_group_coordinator_sets_a_fortnightly_rhythm_and_opens_a_cycle_for_their_group(
        world, live_server, phone, screenshot, axe):
    base = live_server.url
    log_in(phone, base, world.group_coordinator_a, world.password)
    # the menu's « Membres » leads to their one group; from there its rhythm and depot
    open_menu(phone)
    phone.get_by_role("link", name="Membres").click()
    phone.wait_for_load_state()
    phone.get_by_role("link", name="rythme et lieu de dépôt").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == f"Rythme et lieu de dépôt — {world.group_a.name}"
    axe(phone, name="group rhythm")
    # fortnightly without a first day: refused in French, nothing changed
    phone.get_by_label("Distribue").select_option(label="toutes les deux semaines")
    phone.get_by_role("button", name="Enregistrer").click()
    phone.wait_for_load_state()
    assert "Donnez un jour de distribution à partir duquel compter le rythme." in phone.inner_text("main")
    assert Group.objects.get(pk=world.group_a.pk).every_weeks == 1
    axe(phone, name="group rhythm, refused")
    # the depot distributes on Tuesdays (World): the next Tuesday at least a week ahead
    today = timezone.localdate()
    first = today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7) + datetime.timedelta(weeks=1)
    phone.get_by_label("Distribue").select_option(label="toutes les deux semaines")
    phone.get_by_label("À compter du (un jour de distribution)").fill(first.isoformat())
    phone.get_by_label("Fin de la distribution").fill("20:00")
    screenshot(phone, "group-rhythm")
    phone.get_by_role("button", name="Enregistrer").click()
    phone.wait_for_load_state()
    assert "sont enregistrés" in phone.inner_text("main")
    group = Group.objects.select_related("depot").get(pk=world.group_a.pk)
    assert (group.every_weeks, group.rhythm_from, group.depot.slot_end) == (2, first, datetime.time(20))
    planned = phone.locator("ol.planned li")
    assert planned.count() == 8
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # a cycle for their group: the form offers their group only, with its next planned day
    phone.goto(base + reverse("cycle-create"))
    assert world.group_b.name not in phone.inner_text("main")
    phone.get_by_label("Nom").fill("Commande de Rennes")
    opens = timezone.localtime().replace(second=0, microsecond=0)
    closes = opens + datetime.timedelta(days=2)
    phone.get_by_label("Ouverture des commandes").fill(opens.strftime("%Y-%m-%dT%H:%M"))
    phone.get_by_label("Date limite des commandes").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    take_part = phone.get_by_label(world.group_a.name, exact=True)
    if not take_part.is_checked():
        take_part.check()
    day = phone.get_by_label(f"Distribution à {world.group_a.name}")
    distribution_day = first if first > closes.date() else first + datetime.timedelta(weeks=2)
    day.fill(distribution_day.isoformat())
    for product in (world.carrots, world.brioche):  # the club's products, all ticked: two left out
        phone.get_by_label(product.name, exact=False).uncheck()
    axe(phone, name="cycle form of a group coordinator")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "group-cycle-form")
    phone.get_by_role("button", name="Ouvrir le cycle").click()
    phone.wait_for_load_state()
    cycle = OrderCycle.objects.get(name="Commande de Rennes")
    assert list(cycle.groups.values_list("pk", flat=True)) == [world.group_a.pk]
    assert Distribution.objects.get(cycle=cycle).date == distribution_day
    assert set(cycle.offers.values_list("product_id", flat=True)) == {world.milk.pk, world.bread.pk}
    assert phone.get_by_role("heading", level=1).inner_text() == "Commande de Rennes"
    assert phone.get_by_role("button", name="Clôturer le cycle maintenant").count() == 1  # theirs to close
    axe(phone, name="group cycle detail")
    # the same cycle again every four weeks for their group: a recurring cycle
    phone.goto(base + reverse("recurring-cycles", args=[world.club.pk]))
    phone.get_by_label("Nom").fill("Commande mensuelle de Rennes")
    phone.get_by_label(world.group_a.name, exact=True).check()
    phone.get_by_label("S’ouvre").select_option(label="toutes les 4 semaines (environ chaque mois)")
    phone.get_by_label("Commandes ouvertes pendant (jours)").fill("5")
    phone.get_by_role("button", name="Le créer").click()
    phone.wait_for_load_state()
    assert "Commande mensuelle de Rennes" in phone.inner_text("main")
    rule = cycle.club.recurring_cycles.get()
    assert (rule.every_weeks, rule.last_cycle_id, list(rule.groups.values_list("pk", flat=True))) == (
        4, cycle.pk, [world.group_a.pk])
    axe(phone, name="recurring cycles")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "recurring-cycles")
    open_menu(phone)
    phone.get_by_role("button", name="Déconnexion").click()
    phone.wait_for_load_state()

    log_in(phone, base, world.member_a1, world.password)
    assert "Commande de Rennes" in phone.inner_text("main")
    open_menu(phone)
    phone.get_by_role("button", name="Déconnexion").click()
    phone.wait_for_load_state()
    log_in(phone, base, world.member_b1, world.password)
    assert "Commande de Rennes" not in phone.inner_text("main")
