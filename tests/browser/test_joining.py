"""On a phone: a household applies to a full group, waits in its queue and is shown the nearest group
with room; the group's coordinator approves the applicant, who chooses a password from the e-mail and
logs in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from cabas.members.models import Depot, Group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_household_joins_through_the_waitlist(world, live_server, phone, desktop, screenshot, axe, run_tasks):
    Group.objects.filter(pk=world.group_a.pk).update(capacity=2)
    Depot.objects.filter(group=world.group_a).update(latitude=Decimal("48.1113"), longitude=Decimal("-1.6800"))
    Depot.objects.filter(group=world.group_b).update(latitude=Decimal("48.1236"), longitude=Decimal("-1.2083"))

    phone.goto(live_server.url + reverse("join-groups", args=[world.club.slug]))
    axe(phone, name="joining: the groups")
    phone.get_by_role("link", name="Demander à adhérer").first.click()
    phone.fill("#first_name", "Léa")
    phone.fill("#last_name", "Morin")
    phone.fill("#email", "pas-une-adresse")
    phone.click("form button[type=submit]")
    assert "Indiquez une adresse e-mail" in phone.content()  # refused, with the reason, nothing written
    phone.fill("#email", "lea.morin@example.org")
    phone.click("form button[type=submit]")
    phone.wait_for_load_state()
    text = phone.inner_text("main")
    assert "en position 1" in text and "GAC de Vitré" in text and "km" in text
    axe(phone, name="joining: on the waitlist")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "join-full-group")

    # A place frees up: a household leaves, and the coordinator approves the first in the queue.
    world.household_a2.left_on = world.household_a2.created_at.date()
    world.household_a2.save()
    desktop.goto(live_server.url + reverse("login"))
    desktop.fill("#id_username", world.group_coordinator_a.email)
    desktop.fill("#id_password", world.password)
    desktop.click("form button[type=submit]")
    desktop.goto(live_server.url + reverse("group-members", args=[world.group_a.pk]))
    desktop.get_by_role("button", name="Approuver").first.click()
    desktop.wait_for_load_state()
    assert "rejoint le groupe" in desktop.inner_text("body")

    run_tasks()  # the worker sends the welcome e-mail
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/mot-de-passe/" in line)
    path = link.split("8000", 1)[1]
    phone.goto(live_server.url + path)
    phone.fill("#id_new_password1", "un-nouveau-mot-2026")
    phone.fill("#id_new_password2", "un-nouveau-mot-2026")
    phone.click("form button[type=submit]")
    phone.wait_for_load_state()
    assert "Votre mot de passe est enregistré" in phone.inner_text("main")
