"""French first: the browser's language does not switch the interface; the person's choice does."""

from django.urls import reverse


def test_french_whatever_the_browser_says(world, login):
    client = login(world.member_a1)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Mes commandes" in page.content.decode()
    assert page["Content-Language"] == "fr"


def test_a_member_can_switch_to_english_and_back(world, login):
    client = login(world.member_a1)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    assert "My orders" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "fr", "next": reverse("home")})
    assert "Mes commandes" in client.get(reverse("home")).content.decode()


def test_an_unknown_language_cookie_falls_back_to_french(world, login):
    client = login(world.member_a1)
    client.cookies["django_language"] = "xx"
    assert "Mes commandes" in client.get(reverse("home")).content.decode()
