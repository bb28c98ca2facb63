"""The coordinator's allocation page: the outcome before closing, and the rules that shape it."""

from decimal import Decimal as D

from django.urls import reverse

from cabas.ordering.models import Offer, OrderCycle
from cabas.ordering.services import save_order


def setup(world):
    world.milk.pack_size, world.milk.order_step = D(6), D(1)
    world.milk.save()
    cycle = world.open_cycle()
    milk = Offer.objects.get(cycle=cycle, product=world.milk)
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "4"})
    save_order(cycle=cycle, household=world.household_b1, quantities={milk.pk: "4"})
    return cycle, milk


def rules_post(cycle, **values):
    data = {"rationing": values.pop("rationing", "equal-share")}
    for offer in Offer.objects.filter(cycle=cycle):
        for name in ("supply_cap", "per_household_cap", "min_total"):
            data[f"{name}-{offer.pk}"] = values.get(f"{name}-{offer.pk}", "")
    return data


def test_preview_shows_packs_and_what_completes_the_next(world, login):
    cycle, milk = setup(world)
    page = login(world.coordinator).get(reverse("cycle-preview", args=[cycle.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "4\u00a0l de plus complètent le suivant" in html
    outcome = next(r["outcome"] for r in page.context["rows"] if r["offer"].pk == milk.pk)
    assert (outcome.packs, outcome.ordered) == (1, 6)


def test_setting_a_per_household_limit_and_the_strategy(world, login):
    cycle, milk = setup(world)
    client = login(world.coordinator)
    response = client.post(reverse("cycle-preview", args=[cycle.pk]),
                           rules_post(cycle, rationing="proportional", **{f"per_household_cap-{milk.pk}": "3"}))
    assert response.status_code == 302
    milk.refresh_from_db()
    assert milk.per_household_cap == 3 and OrderCycle.objects.get(pk=cycle.pk).rationing == "proportional"
    page = client.get(reverse("cycle-preview", args=[cycle.pk]))
    outcome = next(r["outcome"] for r in page.context["rows"] if r["offer"].pk == milk.pk)
    assert (outcome.quantity, outcome.packs) == (6, 1)


def test_bad_rules_are_refused_with_a_message_and_nothing_changes(world, login):
    cycle, milk = setup(world)
    response = login(world.coordinator).post(reverse("cycle-preview", args=[cycle.pk]),
                                             rules_post(cycle, rationing="lottery", **{f"supply_cap-{milk.pk}": "-2"}))
    assert response.status_code == 400
    assert response.context["form"].errors
    milk.refresh_from_db()
    assert milk.supply_cap is None and OrderCycle.objects.get(pk=cycle.pk).rationing == "equal-share"


def test_only_the_club_coordinator_sees_and_sets_the_rules(world, login):
    cycle, _milk = setup(world)
    for user in (world.member_a1, world.group_coordinator_a):
        client = login(user)
        assert client.get(reverse("cycle-preview", args=[cycle.pk])).status_code == 403
        assert client.post(reverse("cycle-preview", args=[cycle.pk]), rules_post(cycle, rationing="first-come")).status_code == 403
    assert OrderCycle.objects.get(pk=cycle.pk).rationing == "equal-share"
