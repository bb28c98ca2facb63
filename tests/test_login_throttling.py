"""Login throttling (django-axes, cabas.members.throttling): 10 wrong passwords for one account from one address
in 15 minutes and that pair is refused (429, in French) even with the right password; the account still logs
in from elsewhere, and others from that address; an address alone is refused after CABAS_LOGIN_ADDRESS_LIMIT
failures whatever the accounts; a success resets the pair; after 15 minutes the pair may try again."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from axes.models import AccessAttempt

ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture(autouse=True)
def throttling(settings):
    settings.AXES_ENABLED = True
    settings.CABAS_LOGIN_ADDRESS_LIMIT = 30


def attempt(client, email, password, address=ATTACKER):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address)


def logged_in(response) -> bool:
    return response.status_code == 302


def test_ten_failures_lock_the_account_from_that_address_with_a_french_429(world, client):
    email = world.member_a1.email
    for _ in range(9):
        assert attempt(client, email, "wrong").status_code == 200  # the form again, with its error
    assert attempt(client, email.upper(), "wrong").status_code == 429  # the 10th (the case changes nothing)
    response = attempt(client, email, world.password)
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert not logged_in(response)
    # the same account from another address, and another account from this address, still log in
    assert logged_in(attempt(client, email, world.password, address=ELSEWHERE))
    client.logout()
    assert logged_in(attempt(client, world.member_b1.email, world.password))


def test_nine_failures_then_a_success_start_the_count_again(world, client):
    email = world.member_a1.email
    for _ in range(9):
        attempt(client, email, "wrong")
    assert logged_in(attempt(client, email, world.password))
    client.logout()
    for _ in range(9):
        attempt(client, email, "wrong")
    assert logged_in(attempt(client, email, world.password))


def test_an_address_trying_many_accounts_is_refused(world, client):
    """Spread over accounts (a few each, never 10 for one), 30 failures from one address lock the address."""
    for k in range(30):
        attempt(client, f"personne{k % 6}@example.org", "wrong")
    response = attempt(client, world.member_a1.email, world.password)
    assert response.status_code == 429
    assert logged_in(attempt(client, world.member_a1.email, world.password, address=ELSEWHERE))


def test_after_fifteen_minutes_the_pair_may_try_again(world, client):
    email = world.member_a1.email
    for _ in range(10):
        attempt(client, email, "wrong")
    assert attempt(client, email, world.password).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert logged_in(attempt(client, email, world.password))
