"""On a phone: the demo club's coordinator opens the club's reports; every chart is an accessible SVG with its
table of the same numbers underneath, nothing overflows the screen, and axe finds no WCAG 2.1 A/AA violation.
Then a group's coordinator opens the group's reports."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cabas.members.models import Club, Group, Household, User
from cabas.reports import data

from .conftest import log_in, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "cabas-demo"


def test_the_demo_club_s_reports_on_a_phone(live_server, phone, screenshot, axe):
    call_command("seed-demo", "--force", stdout=io.StringIO())
    club = Club.objects.get(slug="pays-de-rennes")
    log_in(phone, live_server.url, User.objects.get(email="coordination@example.org"), PASSWORD)
    open_menu(phone)
    phone.get_by_role("link", name="Coordination").click()
    phone.get_by_role("link", name="Rapports").first.click()
    phone.wait_for_load_state()
    assert phone.url.startswith(live_server.url + reverse("club-reports", args=[club.pk]))
    main = phone.locator("main")
    assert "Rapports : Club des Groupements d'Achats du Pays de Rennes" in main.inner_text()
    for key in data.CLUB_REPORTS:
        section = phone.locator(f"section#{key}")
        chart = section.locator("svg[role=img]")
        assert chart.count() == 1
        title = chart.locator("title").text_content()
        assert title and title == section.locator("h2").inner_text()
        assert chart.bounding_box()["width"] <= 360
        table = section.locator("table.report-table")
        assert table.locator("thead th").count() >= 2 and table.locator("tbody tr").count() >= 1
    # the demo's two closed cycles, and its producers, in the tables
    assert phone.locator("section#households tbody tr").count() >= 2
    assert "GAEC du Chêne Vert" in phone.locator("section#producers table").inner_text()
    text = main.inner_text()
    assert not [name for name in Household.objects.filter(group__club=club).values_list("name", flat=True) if name in text]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "reports-club")
    axe(phone, name="club reports")

    group = Group.objects.get(club=club, slug="rennes")
    phone.context.clear_cookies()
    log_in(phone, live_server.url, User.objects.get(email="coordination.rennes@example.org"), PASSWORD)
    phone.goto(live_server.url + reverse("group-reports", args=[group.pk]))
    assert phone.locator("svg[role=img]").count() == len(data.GROUP_REPORTS)
    assert phone.locator("section#funds").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    axe(phone, name="group reports")
