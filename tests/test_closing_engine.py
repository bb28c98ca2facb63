"""The closing runs the allocation engine: packs, tolerance, thresholds, caps and rationing, with reasons."""

import datetime
from decimal import Decimal as D

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cabas.distribution.documents import picking_list
from cabas.distribution.models import Distribution
from cabas.ordering.models import Allocation, LineChange, Offer, OfferOutcome, Rationing
from cabas.flows import close_cycle, save_order


def milk_in_packs(world, **rules):
    world.milk.pack_size, world.milk.order_step = D(6), D(1)  # bottles of a litre, by the case of 6
    for name, value in rules.items():
        setattr(world.milk, name, value)
    world.milk.save()
    cycle = world.open_cycle()
    return cycle, Offer.objects.get(cycle=cycle, product=world.milk)


def given(cycle, offer):
    return {a.household_id: (a.quantity, a.reason) for a in Allocation.objects.filter(cycle=cycle, offer=offer)}


def test_tolerance_completes_a_pack_at_closing(world):
    cycle, milk = milk_in_packs(world)
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "4"}, tolerances={milk.pk: "1"})
    save_order(cycle=cycle, household=world.household_a2, quantities={milk.pk: "3"})
    save_order(cycle=cycle, household=world.household_b1, quantities={milk.pk: "4"}, tolerances={milk.pk: "2"})
    close_cycle(cycle.pk)
    outcome = OfferOutcome.objects.get(offer=milk)
    assert (outcome.status, outcome.packs, outcome.ordered) == ("ok", 2, 12)
    assert given(cycle, milk) == {
        world.household_a1.pk: (4 + 1, "tolerance"), world.household_a2.pk: (3, ""), world.household_b1.pk: (4, ""),
    }


def test_below_threshold_nothing_is_handed_out_and_the_member_is_told(world, login):
    cycle, milk = milk_in_packs(world, pack_size=None, min_total=D(20))
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "9", Offer.objects.get(cycle=cycle, product=world.bread).pk: "1"})
    save_order(cycle=cycle, household=world.household_b1, quantities={milk.pk: "8"})
    close_cycle(cycle.pk)
    assert given(cycle, milk) == {world.household_a1.pk: (0, "below_threshold"), world.household_b1.pk: (0, "below_threshold")}
    depot = picking_list(Distribution.objects.get(cycle=cycle, group=world.group_a))
    assert [a.offer.name for entry in depot.households for a in entry.lines] == ["Pain de campagne"]
    page = login(world.member_a1).get(reverse("order", args=[cycle.pk])).content.decode()
    assert "seuil de viabilité" in page and "17" in page and "20" in page


def test_first_come_replays_the_history_of_the_lines(world):
    cycle, milk = milk_in_packs(world, pack_size=None)
    Offer.objects.filter(pk=milk.pk).update(supply_cap=D(5))
    type(cycle).objects.filter(pk=cycle.pk).update(rationing=Rationing.FIRST_COME)
    cycle.refresh_from_db()
    now = timezone.now()
    minute = datetime.timedelta(minutes=1)
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "2"}, now=now)
    save_order(cycle=cycle, household=world.household_b1, quantities={milk.pk: "3"}, now=now + minute)
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: "5"}, now=now + 2 * minute)
    assert LineChange.objects.filter(cycle=cycle).count() == 3
    close_cycle(cycle.pk, now=now + 3 * minute)
    assert given(cycle, milk) == {world.household_a1.pk: (2, "rationed"), world.household_b1.pk: (3, "")}


def test_a_quantity_off_the_order_step_is_refused(world, login):
    world.carrots.order_step = D("0.5")
    world.carrots.save()
    cycle = world.open_cycle()
    carrots = Offer.objects.get(cycle=cycle, product=world.carrots)
    response = login(world.member_a1).post(reverse("order", args=[cycle.pk]), {f"q-{carrots.pk}": "1,2"})
    assert response.status_code == 400
    assert "0,5" in response.context["error"].field_errors[f"q-{carrots.pk}"]
    assert not LineChange.objects.exists()


def test_the_order_page_shows_packs_filling_up_and_takes_a_tolerance(world, login):
    cycle, milk = milk_in_packs(world, min_total=D(12))
    save_order(cycle=cycle, household=world.household_b1, quantities={milk.pk: "8"})
    client = login(world.member_a1)
    page = client.get(reverse("order", args=[cycle.pk])).content.decode()
    assert "1 colis complet" in page and "encore 4\u00a0l pour compléter le suivant" in page
    assert "8\u00a0l commandés sur 12\u00a0l" in page
    response = client.post(reverse("order", args=[cycle.pk]), {f"q-{milk.pk}": "2", f"t-{milk.pk}": "2"})
    assert response.status_code == 302
    page = client.get(reverse("order", args=[cycle.pk])).content.decode()
    assert "2 colis complets" in page and "Seuil atteint" in page
    assert LineChange.objects.filter(household=world.household_a1).values_list("quantity", "tolerance").get() == (2, 2)


def test_the_order_page_polls_the_pooled_progress_while_others_order(world, login, settings):
    settings.CABAS_PROGRESS_SECONDS = 0  # no sharing here: see the next test
    cycle, milk = milk_in_packs(world, min_total=D(12))
    client = login(world.member_a1)
    page = client.get(reverse("order", args=[cycle.pk])).content.decode()
    # the page polls its live preview (which also takes what is being typed), every 20 s
    assert reverse("order-total", args=[cycle.pk]) in page and 'hx-trigger="input delay:400ms, every 20s"' in page
    save_order(cycle=cycle, household=world.household_b1, quantities={milk.pk: "8"})  # meanwhile, in Vitré
    fragment = client.post(reverse("order-total", args=[cycle.pk]), {f"q-{milk.pk}": ""}).content.decode()
    assert f'id="progress-{milk.pk}"' in fragment and "1 colis complet" in fragment
    # the pooled progress alone, for other clients
    fragment = client.get(reverse("order-progress", args=[cycle.pk])).content.decode()
    assert f'id="progress-{milk.pk}"' in fragment and 'hx-swap-oob="true"' in fragment
    assert "1 colis complet" in fragment and "8\u00a0l commandés sur 12\u00a0l" in fragment
    bread = Offer.objects.get(cycle=cycle, product=world.bread)
    assert f"progress-{bread.pk}" not in fragment  # loose, no threshold, no cap: nothing to follow


def test_the_progress_of_another_clubs_cycle_is_not_found(world, login):
    cycle, _ = milk_in_packs(world)
    _, _, household, _, _ = world.other_club()
    stranger = world.user("brest@example.org", household)
    assert login(stranger).get(reverse("order-progress", args=[cycle.pk])).status_code == 404


def test_a_bad_tolerance_is_refused_and_nothing_is_saved(world, login):
    cycle, milk = milk_in_packs(world)
    response = login(world.member_a1).post(reverse("order", args=[cycle.pk]), {f"q-{milk.pk}": "2", f"t-{milk.pk}": "-1"})
    assert response.status_code == 400
    assert f"t-{milk.pk}" in response.context["error"].field_errors
    assert not LineChange.objects.exists()


def test_the_polled_progress_is_shared_for_a_few_seconds(world, login, settings, django_assert_num_queries):
    """At the deadline every open order page polls: the pooled totals of a cycle are computed once and shared
    for CABAS_PROGRESS_SECONDS (no aggregate query then), then computed again."""
    settings.CABAS_PROGRESS_SECONDS = 60
    cycle, milk = milk_in_packs(world, min_total=D(12))
    client = login(world.member_a1)
    url = reverse("order-progress", args=[cycle.pk])
    client.get(url)  # computes and shares
    save_order(cycle=cycle, household=world.household_b1, quantities={milk.pk: "8"})
    with django_assert_num_queries(5):  # session, user, cycle, offers, roles: no aggregate
        fragment = client.get(url).content.decode()
    assert "0 colis complet" in fragment  # what was shared, at most a minute old here
    cache.delete(f"cabas:pooled-totals:{cycle.pk}")  # as when the seconds have passed
    assert "1 colis complet" in client.get(url).content.decode()
