from decimal import Decimal

from django.urls import reverse

from cabas.ordering.models import Offer
from cabas.flows import save_order


def test_member_orders_and_coordinator_closes(world, client):
    cycle = world.open_cycle()
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    client.force_login(world.member_a1)
    response = client.get(reverse("order", args=[cycle.pk]))
    assert response.status_code == 200
    response = client.post(reverse("order", args=[cycle.pk]), {f"q-{offers[world.milk.pk].pk}": "2,5", f"q-{offers[world.bread.pk].pk}": "2"})
    assert response.status_code == 302, response.content.decode()[:3000]
    save_order(cycle=cycle, household=world.household_b1, quantities={offers[world.brioche.pk].pk: Decimal(1)})
    client.force_login(world.coordinator)
    assert client.get(reverse("cycle-detail", args=[cycle.pk])).status_code == 200
    assert client.post(reverse("cycle-close", args=[cycle.pk])).status_code == 302
    for url in [
        reverse("cycle-detail", args=[cycle.pk]),
        reverse("producer-sheet", args=[cycle.pk, world.farm.pk]),
        reverse("producer-sheet-file", args=[cycle.pk, world.farm.pk, "csv"]),
        reverse("producer-sheet-file", args=[cycle.pk, world.farm.pk, "pdf"]),
        reverse("picking-list", args=[cycle.pk, world.group_a.pk]),
        reverse("picking-list-file", args=[cycle.pk, world.group_a.pk, "csv"]),
        reverse("picking-list-file", args=[cycle.pk, world.group_a.pk, "pdf"]),
        reverse("group-orders", args=[cycle.pk, world.group_a.pk]),
        reverse("cycle-list"),
        reverse("cycle-create"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    client.force_login(world.member_a1)
    response = client.get(reverse("order", args=[cycle.pk]))
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 200
