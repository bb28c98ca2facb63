"""The shared layout on a 360 px phone: a header of one line (the most used link and a « Menu » disclosure for
the rest), every link, button and field of the header, the home page and the footer at least 44 × 44 px, the
menu usable with the keyboard, and axe's WCAG 2.1 A/AA rules menu closed and open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cabas.members.models import Role, RoleKind

from .conftest import log_in, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TARGET = 44  # px, WCAG 2.5.5
CONTROLS = "a[href], button, input:not([type=hidden]), select, textarea, summary"


def too_small(page, scope: str) -> list[str]:
    """The visible controls under ``scope`` smaller than 44 × 44 px, with their size."""
    return page.evaluate(
        """([scope, selector, target]) => [...document.querySelectorAll(scope)].flatMap(root =>
             [...root.querySelectorAll(selector)])
           .filter(el => el.checkVisibility())
           .map(el => [el, el.getBoundingClientRect()])
           .filter(([el, box]) => box.width < target || box.height < target)
           .map(([el, box]) => `${el.tagName.toLowerCase()} « ${el.textContent.trim()} » ${box.width.toFixed(0)}×${box.height.toFixed(0)}`)""",
        [scope, CONTROLS, TARGET])


def test_the_header_holds_on_a_phone_and_every_target_is_big_enough(world, live_server, phone, screenshot, axe):
    # a member who coordinates their group and keeps the club's money: one of the longest menus
    Role.objects.create(user=world.group_coordinator_a, kind=RoleKind.TREASURER, club=world.club)
    cycle = world.open_cycle()
    log_in(phone, live_server.url, world.group_coordinator_a, world.password)
    phone.goto(live_server.url + reverse("home"))
    assert phone.locator(f"main a[href='{reverse('order', args=[cycle.pk])}']").is_visible()

    header = phone.locator("header.site").bounding_box()
    assert header["height"] <= 2 * TARGET + 16, f"the header is {header['height']} px high on a 360 px phone"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # the menu is closed: the brand, « Mes commandes » and « Menu » show, the rest waits in the disclosure
    nav = phone.get_by_role("navigation", name="Menu principal")
    assert nav.get_by_role("link", name="Mes commandes").is_visible()
    assert not nav.get_by_role("link", name="Coordination").is_visible()
    assert too_small(phone, "header.site, main, footer") == []
    screenshot(phone, "header-phone")
    axe(phone, name="home page, menu closed")

    # with the keyboard: the brand, « Mes commandes », then « Menu », which Enter opens
    phone.locator("body").focus()
    phone.keyboard.press("Tab")
    phone.keyboard.press("Tab")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.tagName") == "SUMMARY"
    phone.keyboard.press("Enter")
    assert phone.locator("header.site details.menu").get_attribute("open") is not None
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Mon compte"

    # every page of the old header is in the menu, each link a row of 44 px
    hrefs = [link.get_attribute("href") for link in nav.locator(".menu-panel a").all()]
    assert hrefs == [reverse(name) for name in ("account", "subscriptions", "shifts", "surveys", "cycle-list",
                                                "my-groups", "news-home", "treasury-home", "personal-data")]
    assert nav.get_by_role("button", name="Déconnexion").is_visible()
    assert too_small(phone, "header.site") == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "header-phone-menu")
    axe(phone, name="home page, menu open")

    # a link of the menu leads to its page, whose menu is closed again
    nav.get_by_role("link", name="Trésorerie").click()
    phone.wait_for_load_state()
    assert reverse("treasury-home") in phone.url  # the treasurer of one club lands on its page
    open_menu(phone)
    phone.get_by_role("button", name="Déconnexion").click()
    phone.wait_for_load_state()
    assert phone.url.endswith(reverse("login"))
    assert too_small(phone, "header.site, main, footer") == []
    axe(phone, name="login page")


def test_a_treasurer_without_a_household_lands_on_pages_big_enough_to_tap(world, live_server, phone, axe):
    """« Mes pages »: the home of a treasurer who is not a member, every link 44 px, no sideways scroll."""
    treasurer = world.user("tresoriere@example.org", None)
    Role.objects.create(user=treasurer, kind=RoleKind.TREASURER, club=world.club)
    log_in(phone, live_server.url, treasurer, world.password)
    phone.goto(live_server.url + reverse("home"))
    main = phone.inner_text("main")
    assert "Trésorerie" in main and "rattaché à un foyer" not in main
    assert too_small(phone, "header.site, main, footer") == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    axe(phone, name="a treasurer's pages")
