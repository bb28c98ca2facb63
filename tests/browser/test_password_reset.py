"""On a phone: a member who forgot their password asks for a link, reads it in the e-mail, chooses a new
password and logs in with it. The live server runs in the test's process, so its e-mails land in
Django's locmem outbox (``mail.outbox``)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_resets_a_forgotten_password(world, live_server, phone, screenshot, settings, axe, run_tasks):
    settings.SITE_URL = live_server.url
    phone.goto(live_server.url + reverse("login"))
    axe(phone, name="login")
    phone.get_by_role("link", name="Mot de passe oublié ?").click()
    axe(phone, name="password reset")
    phone.fill("#id_email", world.member_a1.email)
    phone.click("form button[type=submit]")
    phone.wait_for_load_state()
    assert "Si cette adresse a un compte" in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    assert run_tasks() == 1  # the worker sends the e-mail
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.member_a1.email]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/mot-de-passe/" in line)
    assert link.startswith(live_server.url)
    phone.goto(link)
    phone.fill("#id_new_password1", "un-nouveau-mot-2026")
    phone.fill("#id_new_password2", "un-nouveau-mot-2026")
    screenshot(phone, "password-reset-choose")
    axe(phone, name="choosing a new password")
    phone.click("form button[type=submit]")
    phone.wait_for_load_state()
    assert "Votre mot de passe est enregistré" in phone.inner_text("main")

    phone.get_by_role("link", name="Se connecter").last.click()
    phone.fill("#id_username", world.member_a1.email)
    phone.fill("#id_password", "un-nouveau-mot-2026")
    phone.click("form button[type=submit]")
    phone.wait_for_load_state()
    assert phone.url.rstrip("/") == live_server.url
    assert "Se connecter" not in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
