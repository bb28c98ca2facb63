"""On a phone: a group's coordinator posts news for the group; a member of the group sees it on the home page, a
member of another group does not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cabas.news.models import NewsItem

from .conftest import open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user, password):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", user.email)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def test_a_group_coordinator_posts_news_and_a_member_sees_it(world, live_server, phone, screenshot, axe):
    world.open_cycle()
    log_in(phone, live_server, world.group_coordinator_a, world.password)
    open_menu(phone)
    phone.get_by_role("link", name="Nouvelles").click()  # the menu; one group coordinated: straight to its page
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == f"Nouvelles de {world.group_a.name}"
    # a title forgotten: a French message, nothing posted
    phone.get_by_label("Texte").fill("Les premières fraises arrivent jeudi.")
    phone.get_by_role("button", name="Publier").click()
    phone.wait_for_load_state()
    assert "Donnez un titre à la nouvelle." in phone.inner_text("main")
    assert not NewsItem.objects.exists()
    axe(phone, name="news, refused")
    phone.get_by_label("Titre").fill("Arrivage de fraises")
    phone.get_by_label("Producteur (facultatif)").select_option(label=world.farm.name)
    screenshot(phone, "news-post")
    phone.get_by_role("button", name="Publier").click()
    phone.wait_for_load_state()
    assert "La nouvelle est publiée." in phone.inner_text("main")
    axe(phone, name="group news")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    open_menu(phone)
    phone.get_by_role("button", name="Déconnexion").click()
    phone.wait_for_load_state()

    log_in(phone, live_server, world.member_a1, world.password)
    news = phone.locator("article.news")
    assert news.count() == 1
    text = news.inner_text()
    assert "Arrivage de fraises" in text and "Les premières fraises arrivent jeudi." in text and world.farm.name in text
    screenshot(phone, "news-home")
    axe(phone, name="home with news")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    open_menu(phone)
    phone.get_by_role("button", name="Déconnexion").click()
    phone.wait_for_load_state()

    log_in(phone, live_server, world.member_b1, world.password)  # another group: not shown
    assert "Arrivage de fraises" not in phone.inner_text("main")
