"""On a phone: a member invites a second person into their household from « Mon compte »; the person reads the
e-mail, chooses a password from its link, joins the household and sees the household's order. Accessibility
checked with axe at each step, nothing wider than 360 px."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from cabas.flows import save_order
from cabas.members.models import User

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_invites_a_second_person_who_sees_the_households_order(world, live_server, phone, screenshot, settings,
                                                                         axe, run_tasks):
    settings.SITE_URL = live_server.url
    cycle = world.open_cycle()
    bread = cycle.offers.get(product=world.bread)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: Decimal("2")})
    run_tasks()  # the cycle's e-mails
    mail.outbox.clear()

    log_in(phone, live_server.url, world.member_a1, world.password)
    phone.goto(live_server.url + reverse("account"))
    phone.get_by_role("link", name="Mon foyer : inviter quelqu'un").click()
    phone.wait_for_load_state()
    axe(phone, name="my household")
    phone.fill("#id_first_name", "Léa")
    phone.fill("#id_email", "pas-une-adresse")
    phone.get_by_role("button", name="Envoyer l'invitation").click()
    phone.wait_for_load_state()
    assert "Aucune invitation n'a été envoyée" in phone.inner_text("main")  # refused, with the reason
    axe(phone, name="my household: an invitation refused")
    phone.fill("#id_email", "lea.morin@example.org")
    phone.get_by_role("button", name="Envoyer l'invitation").click()
    phone.wait_for_load_state()
    text = phone.inner_text("main")
    assert "Une invitation part pour lea.morin@example.org" in text and "Invitations en attente" in text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "household-invite")

    assert run_tasks() == 1  # the worker sends the invitation
    assert mail.outbox[-1].to == ["lea.morin@example.org"]
    link = next(line for line in mail.outbox[-1].body.splitlines() if "/invitation/" in line).strip()
    assert link.startswith(live_server.url)

    phone.context.clear_cookies()  # another person, on their own phone
    phone.goto(link)
    axe(phone, name="joining a household")
    assert "Foyer Le Goff" in phone.inner_text("main")
    phone.fill("#id_last_name", "Morin")
    phone.fill("#id_password", "un-nouveau-mot-2026")
    phone.fill("#id_password_again", "un-nouveau-mot-2026")
    screenshot(phone, "household-invitation-accept")
    phone.get_by_role("button", name="Rejoindre le foyer").click()
    phone.wait_for_load_state()
    assert phone.url.rstrip("/") == live_server.url
    home = phone.inner_text("main")
    assert "Bienvenue dans Foyer Le Goff" in home and cycle.name in home
    axe(phone, name="home of the person who joined")
    phone.get_by_role("link", name="Modifier ma commande").first.click()
    phone.wait_for_load_state()
    assert phone.input_value(f"#q-{bread.pk}") in ("2", "2,0", "2.0")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert User.objects.get(email="lea.morin@example.org").household == world.household_a1


def test_the_clubs_set_up_pages_on_a_phone(world, live_server, phone, axe, screenshot):
    """The coordinator's places and transport pages and the treasurer's producers' fees, at 360 px."""
    from cabas.logistics.models import HubMode, Site, SiteKind

    Site.objects.create(club=world.club, kind=SiteKind.HUB, name="Plateforme de Cesson", latitude=Decimal("48.1"),
                        longitude=Decimal("-1.6"), hub_mode=HubMode.CROSS_DOCK)
    log_in(phone, live_server.url, world.coordinator, world.password)
    for name, args in (("transport-setup", [world.club.pk]), ("site-create", [world.club.pk]),
                       ("vehicle-create", [world.club.pk]), ("transport-settings", [world.club.pk]),
                       ("producer-fees", [world.club.pk])):
        phone.goto(live_server.url + reverse(name, args=args))
        axe(phone, name=name)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, name
    phone.goto(live_server.url + reverse("site-create", args=[world.club.pk]) + "?kind=depot")
    phone.fill("#id_name", "Dépôt de Rennes")
    phone.fill("#id_latitude", "48.11")
    phone.fill("#id_longitude", "-1.68")
    phone.select_option("#id_group", str(world.group_a.pk))
    phone.fill("#id_opens_at", "16:00")
    phone.fill("#id_closes_at", "19:30")
    phone.get_by_role("button", name="Enregistrer").first.click()
    phone.wait_for_load_state()
    assert "Le site est ajouté" in phone.inner_text("main") and "16:00–19:30" in phone.inner_text("main")
    screenshot(phone, "transport-setup")
