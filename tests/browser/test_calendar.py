"""On a phone: a member opens « Mon agenda », finds the address of their calendar (and of their group's), the
calendar app reads it, then the member asks for a new address and the old one stops answering; the group's
coordinator gives the group's calendar a new address. axe on each page, nothing wider than 360 px."""

from __future__ import annotations

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.volunteering import planning, services
from cabas.volunteering.models import CalendarFeed, Shift, TaskCategory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_adds_their_calendar_and_gets_a_new_address(world, live_server, phone, screenshot, axe, settings):
    settings.SITE_URL = live_server.url
    cycle = world.open_cycle()
    today = timezone.localdate()
    planning.make_calendar_shifts(world.club, since=today, until=today + datetime.timedelta(weeks=4))
    shift = Shift.objects.get(group=world.group_a, kind__category=TaskCategory.DISTRIBUTION)
    services.sign_up(shift.pk, world.member_a1)

    log_in(phone, live_server.url, world.member_a1, world.password)
    phone.goto(live_server.url + reverse("calendar"))
    assert phone.get_by_role("heading", name="Mon agenda").is_visible()
    address = phone.get_by_label("Adresse de mon agenda").input_value()
    assert address.startswith(live_server.url + "/agenda/") and address.endswith(".ics")
    webcal = phone.get_by_role("link", name="Ajouter à l’agenda de mon téléphone").first.get_attribute("href")
    assert webcal == "webcal://" + address.split("://", 1)[1]
    assert phone.get_by_label("Adresse de l’agenda de GAC de Rennes").is_visible()
    assert phone.get_by_role("button", name="Obtenir une nouvelle adresse").count() == 1  # not the group's
    axe(phone, name="my calendar")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "calendar")

    answer = phone.request.get(address)  # what the phone's calendar app reads
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/calendar")
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(answer.body()).walk("VEVENT")}
    assert any(uid.startswith(f"shift-{shift.pk}@") for uid in uids)
    assert any(uid.startswith(f"deadline-{cycle.pk}@") for uid in uids)

    phone.get_by_role("button", name="Obtenir une nouvelle adresse").click()
    phone.wait_for_load_state()
    assert "nouvelle adresse" in phone.inner_text("main")
    new = phone.get_by_label("Adresse de mon agenda").input_value()
    assert new != address
    assert phone.request.get(address).status == 404
    assert phone.request.get(new).status == 200
    axe(phone, name="my calendar, new address")

    # the group's coordinator gives the group's calendar a new address
    old_group = CalendarFeed.objects.get(group=world.group_a).token
    phone.context.clear_cookies()
    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("calendar"))
    axe(phone, name="calendar of a group's coordinator")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="Obtenir une nouvelle adresse — GAC de Rennes").click()
    phone.wait_for_load_state()
    assert "L’agenda de GAC de Rennes a une nouvelle adresse" in phone.inner_text("main")
    assert CalendarFeed.objects.get(group=world.group_a).token != old_group
