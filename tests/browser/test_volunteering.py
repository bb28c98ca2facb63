"""On a 360 px phone: member A1 signs up for a shift and proposes a swap to A2 (another household of the group), who
accepts; once the shift has started the group's coordinator taps "came" for A2; A2's household balance then shows
the hours done. The pages never scroll sideways and axe-core finds nothing on them."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cabas.volunteering.models import Shift, Signup, SwapOffer, SwapStatus, TaskCategory, VolunteerTarget
from cabas.volunteering.planning import ensure_kinds

from .conftest import log_in, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def log_out(page):
    open_menu(page)
    page.get_by_role("button", name="Déconnexion").click()
    page.wait_for_load_state()


def test_a_member_signs_up_swaps_and_the_coordinator_confirms(world, live_server, phone, screenshot, axe):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=Decimal("6"))
    kind = ensure_kinds(world.club)[TaskCategory.DISTRIBUTION]
    starts = timezone.now() + datetime.timedelta(days=3)
    shift = Shift.objects.create(club=world.club, group=world.group_a, kind=kind, title="Distribution du vendredi",
                                 starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), place="Dépôt de la Gare",
                                 people_needed=2, hours=Decimal("2"))

    # A1 signs up from the menu's page
    log_in(phone, live_server.url, world.member_a1, world.password)
    open_menu(phone)
    phone.get_by_role("link", name="Permanences", exact=True).click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == "Bénévolat"
    axe(phone, name="shifts")
    no_sideways_scroll(phone)
    phone.locator(f"#shift-{shift.pk}").get_by_role("button", name="S’inscrire").click()
    phone.wait_for_load_state()
    assert "Vous êtes inscrit·e à la permanence « Distribution du vendredi ». Merci !" in phone.inner_text("main")
    signup = Signup.objects.get(shift=shift)
    assert signup.user == world.member_a1

    # …and proposes a swap to A2
    card = phone.locator(f"#shift-{shift.pk}")
    card.get_by_text("Proposer un échange").click()
    card.get_by_label("Qui prend ma place").select_option(str(world.member_a2.pk))
    screenshot(phone, "volunteering-swap")
    axe(phone, name="shifts, swap form open")
    no_sideways_scroll(phone)
    card.get_by_role("button", name="Proposer l’échange").click()
    phone.wait_for_load_state()
    assert "Échange proposé" in phone.inner_text("main")
    assert "Échange proposé à a2 : en attente de sa réponse." in phone.locator(f"#shift-{shift.pk}").inner_text()
    axe(phone, name="shifts, swap proposed")
    log_out(phone)

    # A2 accepts
    log_in(phone, live_server.url, world.member_a2, world.password)
    open_menu(phone)
    phone.get_by_role("link", name="Permanences", exact=True).click()
    phone.wait_for_load_state()
    offer = SwapOffer.objects.get()
    assert "a1 vous demande de prendre sa place" in phone.locator(f"#offer-{offer.pk}").inner_text()
    axe(phone, name="shifts, swap offered")
    no_sideways_scroll(phone)
    phone.locator(f"#offer-{offer.pk}").get_by_role("button", name="Accepter").click()
    phone.wait_for_load_state()
    assert "Échange accepté : la permanence est à vous." in phone.inner_text("main")
    signup.refresh_from_db()
    offer.refresh_from_db()
    assert (signup.user, signup.household, offer.status) == (world.member_a2, world.household_a2, SwapStatus.ACCEPTED)
    axe(phone, name="shifts after the swap")
    log_out(phone)

    # the shift has started: the group's coordinator confirms who came, one tap
    now = timezone.now()
    Shift.objects.filter(pk=shift.pk).update(starts_at=now - datetime.timedelta(minutes=30),
                                             ends_at=now + datetime.timedelta(minutes=90))
    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("shifts"))
    phone.get_by_role("link", name=f"Bénévolat de {world.group_a.name}").click()
    phone.wait_for_load_state()
    screenshot(phone, "volunteering-group")
    axe(phone, name="group volunteering")
    no_sideways_scroll(phone)
    phone.get_by_role("link", name="Distribution du vendredi").click()
    phone.wait_for_load_state()
    axe(phone, name="shift detail")
    no_sideways_scroll(phone)
    row = phone.locator(f"#signup-{signup.pk}")
    row.get_by_role("button", name=re.compile(r"^Venu·e")).click()
    expect(phone.locator(f"#signup-{signup.pk}")).to_contain_text("est venu·e")
    signup.refresh_from_db()
    assert signup.attended is True
    screenshot(phone, "volunteering-confirmed")
    axe(phone, name="shift detail, confirmed")
    log_out(phone)

    # A2's household: the hours are done
    log_in(phone, live_server.url, world.member_a2, world.password)
    open_menu(phone)
    phone.get_by_role("link", name="Permanences", exact=True).click()
    phone.wait_for_load_state()
    figures = phone.locator("dl.figures").inner_text()
    assert "Fait (confirmé)\n2 h" in figures and "Reste à faire\n4 h" in figures, figures
    axe(phone, name="shifts, hours done")
    no_sideways_scroll(phone)
