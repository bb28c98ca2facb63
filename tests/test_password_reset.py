"""Forgotten password: the same answer whether the address has an account or not, and a working link."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from cabas.members.models import User


def ask(client, email):
    return client.post(reverse("password-reset"), {"email": email})


def test_known_and_unknown_addresses_get_the_same_answer(world, client, run_tasks):
    known, unknown = ask(client, world.member_a1.email), ask(client, "personne@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password-reset-done")
    assert known.content == unknown.content
    done = client.get(known["Location"])
    assert done.status_code == 200 and "Si cette adresse a un compte" in done.content.decode()
    assert run_tasks() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.member_a1.email]


def test_the_link_is_on_the_site_address_and_sets_the_password(world, client, settings, run_tasks):
    settings.SITE_URL = "https://cabas.example.org"
    response = client.post(reverse("password-reset"), {"email": world.member_a1.email.upper()})
    assert response.status_code == 302
    run_tasks()
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/mot-de-passe/" in line)
    assert link.startswith("https://cabas.example.org/mot-de-passe/")
    path = link.removeprefix("https://cabas.example.org")
    form = client.get(path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else path
    done = client.post(set_url, {"new_password1": "un-nouveau-mot-2026", "new_password2": "un-nouveau-mot-2026"}, follow=True)
    assert "Votre mot de passe est enregistré" in done.content.decode()
    assert User.objects.get(pk=world.member_a1.pk).check_password("un-nouveau-mot-2026")


@pytest.mark.parametrize("email", ["", "pas-une-adresse"])
def test_a_malformed_address_is_told(world, client, email):
    response = ask(client, email)
    assert response.status_code == 200 and not mail.outbox


def test_an_inactive_account_gets_no_e_mail(world, client):
    User.objects.filter(pk=world.member_a1.pk).update(is_active=False)
    assert ask(client, world.member_a1.email)["Location"] == reverse("password-reset-done")
    assert not mail.outbox
