"""Form field names are read whole: "q-<id>\\n" is not "q-<id>" (a regex ending in $ allowed a final newline)."""

from __future__ import annotations

from django.urls import reverse

from cabas.core.ids import parse_id
from cabas.core.numbers import parse_decimal
from cabas.ordering.models import OrderLine
from cabas.web.views.member import submitted_quantities


def test_a_field_name_with_a_trailing_newline_is_not_an_order_field():
    assert submitted_quantities({"q-163\n": "3", "q-164": "2"}) == {164: "2"}


def test_ids_and_numbers_are_plain_ascii_digits():
    assert parse_id("12\n") == 12  # surrounding spaces are trimmed, as before
    assert parse_decimal("٣") is None and parse_decimal("2,5") is not None


def test_the_order_page_ignores_a_field_name_with_a_newline(world, login):
    cycle = world.open_cycle()
    offer = cycle.offers.get(product=world.milk)
    client = login(world.member_a1)
    client.post(reverse("order", args=[cycle.pk]), f"q-{offer.pk}%0A=3", content_type="application/x-www-form-urlencoded")
    assert not OrderLine.objects.filter(offer=offer).exists()
