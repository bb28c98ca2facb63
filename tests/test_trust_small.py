"""Smaller trust fixes: the referent's name is for the club's members; seed-demo refuses to run with
DEBUG off unless forced; a 403 is logged once, as a warning without a traceback."""

from __future__ import annotations

import logging

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cabas.catalog.models import Producer
from cabas.members.models import User


@pytest.fixture
def producer_url(world):
    Producer.objects.filter(pk=world.farm.pk).update(referent=world.member_b1)
    User.objects.filter(pk=world.member_b1.pk).update(first_name="Solène", last_name="Referente")
    return reverse("producer", args=[world.club.slug, world.farm.pk])


def test_anonymous_visitors_do_not_see_the_referent(world, client, producer_url):
    page = client.get(producer_url)
    assert page.status_code == 200 and "Ferme de la Prée" in page.content.decode()
    assert "Referente" not in page.content.decode()


def test_a_member_of_another_club_does_not_see_the_referent(world, login, producer_url):
    _club, _group, household, _producer, _product = world.other_club()
    stranger = world.user("ailleurs@example.org", household)
    assert "Referente" not in login(stranger).get(producer_url).content.decode()


@pytest.mark.parametrize("who", ["member_a1", "coordinator"])
def test_the_clubs_members_and_coordinators_see_the_referent(world, login, producer_url, who):
    assert "Solène Referente" in login(getattr(world, who)).get(producer_url).content.decode()


def test_seed_demo_refuses_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        call_command("seed-demo")
    assert not User.objects.exists()


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_a_403_is_one_warning_without_a_traceback(world, login, settings):
    settings.DEBUG = True  # Django's own console handler only writes in DEBUG: the double line showed there
    records = Records()
    logging.getLogger("django.request").addHandler(records)
    try:
        response = login(world.member_a1).get(reverse("cycle-create"))
    finally:
        logging.getLogger("django.request").removeHandler(records)
    assert response.status_code == 403
    [record] = records.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    # How many handlers write it: walk up from django.request as logging does.
    writers, logger = [], logging.getLogger("django.request")
    while logger:
        writers += [h for h in logger.handlers if record.levelno >= h.level and h.filter(record)
                    and not type(h).__module__.startswith("_pytest")]  # pytest's own capture handlers aside
        logger = logger.parent if logger.propagate else None
    assert len(writers) == 1
