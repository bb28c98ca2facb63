"""On a phone: a member opens « Mes e-mails » from « Mon compte », turns off the cycle-opened and threshold
e-mails, saves, and the next cycle's opening e-mail is not sent to them; then stops the deadline e-mails from
an e-mail's one-click link, without logging in."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from cabas.notifications import services
from cabas.notifications.models import Kind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_chooses_their_e_mails_on_a_phone(world, live_server, phone, screenshot, axe, run_tasks):
    phone.goto(live_server.url + reverse("login"))
    phone.fill("#id_username", world.member_a1.email)
    phone.fill("#id_password", world.password)
    phone.click("form button[type=submit]")
    phone.wait_for_load_state()
    phone.goto(live_server.url + reverse("account"))
    phone.get_by_role("link", name="Mes e-mails").click()
    phone.wait_for_load_state()
    assert phone.get_by_label("Un cycle s'ouvre").is_checked()
    phone.get_by_label("Un cycle s'ouvre").uncheck()
    phone.get_by_label("Un produit est près de son seuil").uncheck()
    axe(phone, name="my e-mails")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "notification-preferences")
    phone.get_by_role("button", name="Enregistrer").click()
    phone.wait_for_load_state()
    assert "Vos choix d'e-mails sont enregistrés." in phone.inner_text("main")
    assert not phone.get_by_label("Un cycle s'ouvre").is_checked()
    assert phone.get_by_label("La veille de la distribution : lieu, horaire, ce qu'il faut rapporter").is_checked()
    chosen = services.preferences_for(world.member_a1)
    assert not chosen[Kind.CYCLE_OPENED] and not chosen[Kind.THRESHOLD] and chosen[Kind.DEADLINE]

    world.open_cycle()
    run_tasks()
    told = {address for m in mail.outbox for address in m.to}
    assert "a1@example.org" not in told and "a1bis@example.org" in told

    # the link of another e-mail, followed on the phone by someone logged out
    phone.context.clear_cookies()
    phone.goto(services.unsubscribe_url(world.member_a1.pk, Kind.DEADLINE).replace("http://127.0.0.1:8000", live_server.url))
    axe(phone, name="unsubscribe")
    phone.get_by_role("button", name="Ne plus recevoir ces e-mails").click()
    phone.wait_for_load_state()
    assert "vous ne recevrez plus" in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert not services.preferences_for(world.member_a1)[Kind.DEADLINE]
