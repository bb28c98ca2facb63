"""The coordinator's allocation page: the outcome before closing, and the rules that shape it."""

from decimal import Decimal as D

from django.urls import reverse

from cabas.ordering.models import Offer, OrderCycle
from cabas.flows import save_order


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
    assert "encore 4\u00a0l pour compléter le suivant" in html
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


def test_a_short_delivery_is_shared_out_and_every_list_follows(world, login):
    from cabas.distribution.models import PickingList
    from cabas.ordering.models import Allocation, OrderSummary
    from cabas.flows import close_cycle

    cycle, milk = setup(world)
    save_order(cycle=cycle, household=world.household_a2, quantities={milk.pk: "4"})  # 12 l: 2 packs
    close_cycle(cycle.pk)
    client = login(world.coordinator)
    data = {f"delivered-{o.pk}": "" for o in Offer.objects.filter(cycle=cycle)}
    data[f"delivered-{milk.pk}"] = "9"
    assert client.post(reverse("cycle-preview", args=[cycle.pk]), data).status_code == 302
    given = dict(Allocation.objects.filter(cycle=cycle, offer=milk).values_list("household_id", "quantity"))
    assert sorted(given.values()) == [3, 3, 3]
    assert OrderSummary.objects.get(cycle=cycle, household=world.household_a1).amount_incl_vat == D("3.90")
    assert PickingList.objects.get(distribution__cycle=cycle, distribution__group=world.group_a).amount_incl_vat == D("7.80")
    data[f"delivered-{milk.pk}"] = "-1"
    response = client.post(reverse("cycle-preview", args=[cycle.pk]), data)
    assert response.status_code == 400 and response.context["form"].errors
    assert sorted(Allocation.objects.filter(cycle=cycle, offer=milk).values_list("quantity", flat=True)) == [3, 3, 3]


def test_deliveries_wait_for_the_closing(world):
    import pytest

    from cabas.core.errors import ActionError
    from cabas.flows import record_deliveries

    cycle, milk = setup(world)
    with pytest.raises(ActionError):
        record_deliveries(cycle.pk, {milk.pk: D(3)})


def test_the_rules_read_as_typed_with_their_unit(world, login):
    cycle, milk = setup(world)
    Offer.objects.filter(pk=milk.pk).update(supply_cap=D("10.000"), min_total=D("2.500"))
    html = login(world.coordinator).get(reverse("cycle-preview", args=[cycle.pk])).content.decode()
    assert f'name="supply_cap-{milk.pk}" value="10"' in html and f'name="min_total-{milk.pk}" value="2,5"' in html
    assert "10,000" not in html and "2,500" not in html
    assert f'id="id_supply_cap-{milk.pk}">&nbsp;<span class="small">l</span>' in html
