"""Distribution day: the pickup sheet (ticks, history, stored goods), surplus and what became of it (the sale
posted to the ledger in one flow), the report, permissions, bad input and query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.core.errors import ActionError, CodedError
from cabas.distribution import surplus_rules as rules
from cabas.distribution.models import (
    Distribution, Pickup, SurplusDisposition, SurplusItem, SurplusSource, Uncollected, UncollectedState,
)
from cabas.distribution.pickup import pickup_sheet, record_pickup, resolve_stored, set_ends_on
from cabas.distribution.surplus import give_or_lose, set_delivery_surplus, surplus_lines, surplus_report
from cabas.finance.checks import check_ledger
from cabas.finance.models import Account, Entry, LedgerTransaction
from cabas.flows import close_cycle, save_order, sell_surplus
from cabas.members.models import Household, Role, RoleKind
from cabas.ordering.models import Offer, OfferOutcome

from .test_query_counts import large_scenario, measure, small_scenario


# --- the pure rules ---------------------------------------------------------------------------------------------


def test_missing_quantities():
    received, steps = {1: D("2"), 2: D("1.5")}, {1: D("1"), 2: D("0.5")}
    assert rules.missing_quantities("collected", received, steps, {1: D(1)}) == {}
    assert rules.missing_quantities("absent", received, steps, {}) == received
    assert rules.missing_quantities("partly", received, steps, {1: D(1), 2: None}) == {1: D(1)}
    for said, code in (({1: D(3)}, "too_much"), ({2: D("0.3")}, "step"), ({}, "nothing_missing"),
                       ({1: D(-1)}, "negative"), ({9: D(1)}, "unknown")):
        with pytest.raises(CodedError) as error:
            rules.missing_quantities("partly", received, steps, said)
        assert error.value.code == code
    with pytest.raises(CodedError):
        rules.missing_quantities("lost", received, steps, {})


def test_pack_surplus_goes_to_the_depot_that_received_most_ties_to_the_lowest_group():
    surplus = {10: D(2), 11: D(1), 12: D(0), 13: D(4)}
    received = [(10, 5, D(3)), (10, 7, D(4)), (11, 9, D(2)), (11, 4, D(2)), (12, 1, D(9)), (13, 2, D(0))]
    assert rules.place_pack_surplus(surplus, received) == {10: 7, 11: 4}


def test_dispositions_are_whole_steps_within_what_is_left():
    assert rules.left(D(5), [D(2), D(1)]) == D(2)
    assert rules.left(D(1), [D(2)]) == 0
    assert rules.check_disposition(D(2), D(1), D(2)) == D(2)
    for quantity, code in ((D(3), "too_much"), (D("0.5"), "step"), (D(0), "quantity"), (None, "quantity")):
        with pytest.raises(CodedError) as error:
            rules.check_disposition(quantity, D(1), D(2))
        assert error.value.code == code


# --- a closed cycle ----------------------------------------------------------------------------------------------


@pytest.fixture
def day(world):
    cycle = world.open_cycle()
    offers = {o.product_id: o for o in Offer.objects.filter(cycle=cycle)}
    milk, bread, carrots = offers[world.milk.pk], offers[world.bread.pk], offers[world.carrots.pk]
    save_order(cycle=cycle, household=world.household_a1, quantities={milk.pk: D("2"), bread.pk: D("2")})
    save_order(cycle=cycle, household=world.household_a2, quantities={carrots.pk: D("1.5"), bread.pk: D("1")})
    save_order(cycle=cycle, household=world.household_b1, quantities={bread.pk: D("3")})
    close_cycle(cycle.pk)
    cycle.refresh_from_db()
    distribution = Distribution.objects.get(cycle=cycle, group=world.group_a)
    return cycle, distribution, milk, bread, carrots


def balance(household):
    account = Account.objects.filter(household=household).first()
    return sum((e.amount for e in Entry.objects.filter(account=account)), D("0.00"))


def test_ticks_keep_their_history_and_the_latest_wins(world, day):
    cycle, distribution, milk, bread, carrots = day
    coord = world.group_coordinator_a
    record_pickup(distribution, world.household_a1.pk, "absent", by_user=coord)
    assert {(u.offer_id, u.quantity) for u in Uncollected.objects.all()} == {(milk.pk, D(2)), (bread.pk, D(2))}
    record_pickup(distribution, world.household_a1.pk, "partly", missing={milk.pk: "1,5"},
                  collected_by_household_id=world.household_a2.pk, by_user=coord)
    assert {(u.offer_id, u.quantity) for u in Uncollected.objects.all()} == {(milk.pk, D("1.5"))}
    record_pickup(distribution, world.household_a2.pk, "collected", collected_by_name="  Jeanne   Dupont ", by_user=coord)
    sheet = pickup_sheet(distribution)
    by_household = {h.household.pk: h for h in sheet.households}
    a1, a2 = by_household[world.household_a1.pk], by_household[world.household_a2.pk]
    assert a1.pickup.status == "partly" and a1.pickup.collected_by_household == world.household_a2
    assert [p.status for p in a1.history] == ["absent"] and a1.pickup.recorded_by == coord
    assert a2.pickup.collected_by_name == "Jeanne Dupont"
    assert [e.household for e in sheet.stored] == [world.household_a1]
    assert Pickup.objects.count() == 3


@pytest.mark.parametrize("status, missing, collector, message", [
    ("partly", {"milk": "0,3"}, None, "pas"),  # off the 0.5 step
    ("partly", {"milk": "5"}, None, "Plus"),
    ("partly", {"milk": "deux"}, None, "nombre"),
    ("partly", {}, None, "récupéré"),
    ("maybe", {}, None, "Choisissez"),
    ("collected", {}, "b1", "groupe"),
])
def test_bad_ticks_are_refused_in_french_and_write_nothing(world, day, status, missing, collector, message):
    cycle, distribution, milk, bread, carrots = day
    collector_id = world.household_b1.pk if collector else None
    with pytest.raises(ActionError) as error:
        with translation_fr():
            record_pickup(distribution, world.household_a1.pk, status, missing={milk.pk: v for v in missing.values()},
                          collected_by_household_id=collector_id)
    assert message in " ".join(error.value.all_messages)
    assert not Pickup.objects.exists() and not Uncollected.objects.exists()


def translation_fr():
    from django.utils import translation

    return translation.override("fr")


def test_a_household_without_goods_cannot_be_ticked(world, day):
    cycle, distribution, *_ = day
    with pytest.raises(ActionError):
        record_pickup(distribution, world.household_b1.pk, "collected")  # group B's household, not at this depot


def test_stored_goods_collected_later_or_made_surplus_then_sold_and_given(world, day):
    cycle, distribution, milk, bread, carrots = day
    coord = world.group_coordinator_a
    record_pickup(distribution, world.household_a1.pk, "absent", by_user=coord)
    milk_left = Uncollected.objects.get(offer=milk)
    bread_left = Uncollected.objects.get(offer=bread)
    assert resolve_stored(distribution, [milk_left.pk], "collect", by_user=coord) == 1
    assert resolve_stored(distribution, [bread_left.pk], "surplus", by_user=coord) == 1
    with pytest.raises(ActionError):
        resolve_stored(distribution, [bread_left.pk], "collect")  # no longer stored
    item = SurplusItem.objects.get()
    assert (item.source, item.quantity, item.offer_id) == (SurplusSource.UNCOLLECTED, D(2), bread.pk)
    key = f"i{item.pk}"
    a1_before, a2_before = balance(world.household_a1), balance(world.household_a2)
    with translation_fr():
        with pytest.raises(ActionError) as error:
            sell_surplus(distribution, key, household_id=world.household_a2.pk, quantity="0,5")
        assert "pas de 1" in " ".join(error.value.all_messages)
        with pytest.raises(ActionError):
            sell_surplus(distribution, key, household_id=world.household_a2.pk, quantity="3")
        with pytest.raises(ActionError):
            sell_surplus(distribution, key, household_id=world.household_a1.pk, quantity="1")  # its own goods
        with pytest.raises(ActionError):
            sell_surplus(distribution, key, household_id=None, quantity="1")
    sold = sell_surplus(distribution, key, household_id=world.household_a2.pk, quantity="1", by_user=coord)
    assert sold.amount == D("5.20") and sold.ledger_key == f"surplus-sale:{sold.pk}"
    assert balance(world.household_a2) - a2_before == D("5.20")  # the buyer owes it
    assert a1_before - balance(world.household_a1) == D("5.20")  # the absent household gets it back
    assert LedgerTransaction.objects.filter(key=sold.ledger_key).count() == 1
    give_or_lose(distribution, key, "given", "1", partner="Banque alimentaire", by_user=coord)
    with pytest.raises(ActionError):
        give_or_lose(distribution, key, "lost", "1", reason="tombé")  # nothing left
    [line] = surplus_lines(distribution)
    assert line.left == 0 and len(line.dispositions) == 2
    assert check_ledger() == []
    with pytest.raises(ActionError):  # its goods were sold: the tick no longer changes
        record_pickup(distribution, world.household_a1.pk, "collected")
    [row] = surplus_report(cycle, world.group_a.pk)
    assert (row.source("uncollected"), row.sold, row.sold_amount, row.given, row.left) == (D(2), D(1), D("5.20"), D(1), 0)
    assert row.partners == {"Banque alimentaire"} and row.given_value == D("5.20")


def test_a_tick_changed_before_any_disposition_takes_back_its_surplus(world, day):
    cycle, distribution, milk, bread, carrots = day
    record_pickup(distribution, world.household_a1.pk, "absent")
    resolve_stored(distribution, list(Uncollected.objects.values_list("pk", flat=True)), "surplus")
    assert SurplusItem.objects.count() == 2
    record_pickup(distribution, world.household_a1.pk, "collected")
    assert not SurplusItem.objects.exists() and not Uncollected.objects.exists()


def test_pack_surplus_placed_sold_with_the_producer_credited_and_lost(world, day):
    cycle, distribution, milk, bread, carrots = day
    # bread: 3 at depot A, 3 at depot B: the tie goes to the lowest group id (A); carrots only at A
    OfferOutcome.objects.filter(offer=bread).update(surplus=D(2))
    OfferOutcome.objects.filter(offer=carrots).update(surplus=D("0.5"))
    first = min(world.group_a.pk, world.group_b.pk)
    lines = {line.offer.pk: line for line in surplus_lines(Distribution.objects.get(cycle=cycle, group_id=first))}
    assert lines[bread.pk].quantity == D(2) and lines[bread.pk].item is None
    producer_before = sum((e.amount for e in Entry.objects.filter(account__producer=world.bakery)), D("0.00"))
    sell_surplus(distribution, f"p{bread.pk}", household_id=world.household_b1.pk, quantity="1")  # any household of the club
    producer_after = sum((e.amount for e in Entry.objects.filter(account__producer=world.bakery)), D("0.00"))
    assert producer_before - producer_after == D("5.20")
    give_or_lose(distribution, f"p{carrots.pk}", "lost", "0,5", reason="Abîmées")
    with pytest.raises(ActionError):
        give_or_lose(distribution, f"p{carrots.pk}", "lost", "0,1", reason="Abîmées")
    other = Distribution.objects.get(cycle=cycle, group=world.group_b)
    with pytest.raises(ActionError):  # not placed at B's depot
        sell_surplus(other, f"p{carrots.pk}", household_id=world.household_b1.pk, quantity="1")
    assert {line.offer.pk for line in surplus_lines(other)} == set()
    club = {row.offer.pk: row for row in surplus_report(cycle)}
    assert club[bread.pk].sold == 1 and club[bread.pk].left == 1 and club[carrots.pk].lost == D("0.5")
    assert check_ledger() == []


def test_delivery_surplus_set_by_reception(world, day):
    cycle, distribution, milk, bread, carrots = day
    set_delivery_surplus(distribution, {bread.pk: D(2), milk.pk: D("1.5")})
    set_delivery_surplus(distribution, {milk.pk: D(0), bread.pk: D(3)})
    assert {(i.offer_id, i.quantity) for i in SurplusItem.objects.filter(source="delivery")} == {(bread.pk, D(3))}
    with pytest.raises(ActionError):
        set_delivery_surplus(distribution, {milk.pk: D("0.3")})
    item = SurplusItem.objects.get()
    give_or_lose(distribution, f"i{item.pk}", "given", "2", partner="Resto du cœur")
    with pytest.raises(ActionError):
        set_delivery_surplus(distribution, {bread.pk: D(1)})


def test_ends_on(world, day):
    cycle, distribution, *_ = day
    set_ends_on(distribution, distribution.date + datetime.timedelta(days=10))
    distribution.refresh_from_db()
    assert distribution.ends_on == distribution.date + datetime.timedelta(days=10)
    with pytest.raises(ActionError):
        set_ends_on(distribution, distribution.date - datetime.timedelta(days=1))
    set_ends_on(distribution, None)
    distribution.refresh_from_db()
    assert distribution.ends_on is None


# --- pages ------------------------------------------------------------------------------------------------------


def test_pages_for_the_group_coordinator(world, day, login):
    cycle, distribution, milk, bread, carrots = day
    client = login(world.group_coordinator_a)
    url = reverse("pickup", args=[cycle.pk, world.group_a.pk])
    assert reverse("pickup", args=[cycle.pk, world.group_a.pk]).endswith(f"/groupes/{world.group_a.pk}/retraits/")
    page = client.get(reverse("group-orders", args=[cycle.pk, world.group_a.pk]))
    assert url in page.content.decode()
    response = client.post(url, {"household": world.household_a1.pk, "status": "absent"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    response = client.post(url, {"household": world.household_a2.pk, "status": "partly", f"missing-{carrots.pk}": "0,35"},
                           HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400 and "pas de 0,1" in response.content.decode()
    ids = list(Uncollected.objects.values_list("pk", flat=True))
    assert client.post(reverse("pickup-stored", args=[cycle.pk, world.group_a.pk]),
                       {"uncollected": ids, "action": "surplus"}).status_code == 302
    surplus_url = reverse("surplus", args=[cycle.pk, world.group_a.pk])
    item = SurplusItem.objects.get(offer=bread)
    assert client.post(surplus_url, {"item": f"i{item.pk}", "kind": "sold", "household": world.household_a2.pk,
                                     "quantity": "1"}).status_code == 302
    response = client.post(surplus_url, {"item": f"i{item.pk}", "kind": "given", "partner": "", "quantity": "1"},
                           HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400 and "partenaire" in response.content.decode()
    response = client.post(surplus_url, {"item": "i999999", "kind": "lost", "reason": "x", "quantity": "1"})
    assert response.status_code == 400
    assert client.post(reverse("pickup-dates", args=[cycle.pk, world.group_a.pk]), {"ends_on": "pas une date"}).status_code == 302
    assert client.get(surplus_url).status_code == 200
    assert client.get(url).status_code == 200
    assert client.get(reverse("group-surplus-report", args=[cycle.pk, world.group_a.pk])).status_code == 200
    assert client.get(reverse("surplus-report", args=[cycle.pk])).status_code == 403  # the club's report
    assert SurplusDisposition.objects.count() == 1 and check_ledger() == []


def test_other_groups_and_members_are_kept_out(world, day, login):
    cycle, distribution, *_ = day
    coordinator_b = world.user("coord-b@example.org", world.household_b2)
    Role.objects.create(user=coordinator_b, kind=RoleKind.GROUP_COORDINATOR, club=world.club, group=world.group_b)
    urls = [reverse(name, args=[cycle.pk, world.group_a.pk]) for name in ("pickup", "surplus", "group-surplus-report")]
    client = login(coordinator_b)
    for url in urls:
        assert client.get(url).status_code == 404
    assert client.post(urls[0], {"household": world.household_a1.pk, "status": "absent"}).status_code == 404
    assert client.post(reverse("pickup-stored", args=[cycle.pk, world.group_a.pk]), {"action": "collect"}).status_code == 404
    assert client.get(reverse("surplus-report", args=[cycle.pk])).status_code == 403
    client = login(world.member_a1)
    for url in urls:
        assert client.get(url).status_code in (403, 404)
    assert not Pickup.objects.exists()
    client = login(world.coordinator)
    for url in urls + [reverse("surplus-report", args=[cycle.pk])]:
        assert client.get(url).status_code == 200


def test_an_open_cycle_has_no_pickup_sheet(world, login):
    cycle = world.open_cycle()
    assert login(world.coordinator).get(reverse("pickup", args=[cycle.pk, world.group_a.pk])).status_code == 404


# --- query counts -------------------------------------------------------------------------------------------------

# The same on SQLite and PostgreSQL: these pages take no lock and write nothing.
PAGE_QUERIES = {
    "pickup": 9,  # session, user, roles, cycle+club, distribution+group+depot+cycle, allocations, ticks, uncollected, households
    "surplus": 10,  # … distribution, items, dispositions, outcomes with surplus, their received totals, households
    "group-surplus-report": 9,  # … distribution, outcomes with surplus, received totals, items, dispositions
}


def _day_at_depot(scenario):
    distribution = Distribution.objects.get(cycle=scenario.cycle, group=scenario.group)
    households = list(Household.objects.filter(allocations__cycle=scenario.cycle, allocations__group=scenario.group,
                                               allocations__quantity__gt=0).distinct().order_by("pk"))
    for household in households[:-1]:
        record_pickup(distribution, household.pk, "collected")
    record_pickup(distribution, households[-1].pk, "absent")
    stored = list(Uncollected.objects.filter(distribution=distribution).values_list("pk", flat=True))
    resolve_stored(distribution, stored, "surplus")
    # a pack surplus of one step for every offer the depot received (placed here or at another depot)
    for outcome in OfferOutcome.objects.filter(offer__cycle=scenario.cycle, allocated__gt=0).select_related("offer"):
        OfferOutcome.objects.filter(pk=outcome.pk).update(surplus=outcome.offer.order_step)
    for item in SurplusItem.objects.filter(distribution=distribution).select_related("offer")[:3]:
        give_or_lose(distribution, f"i{item.pk}", "lost", item.offer.order_step, reason="abîmé")
    return distribution


@pytest.mark.parametrize("name", list(PAGE_QUERIES))
def test_page_queries_do_not_grow(world, client, name):
    client.force_login(world.coordinator)
    counts = []
    for build in (small_scenario, large_scenario):
        scenario = build(world, closed=True)
        _day_at_depot(scenario)
        url = reverse(name, args=[scenario.cycle.pk, scenario.group.pk])
        count, ctx, response = measure(lambda: client.get(url))
        assert response.status_code == 200
        if name != "pickup":
            assert "surplus de colis" in response.content.decode().lower()
        counts.append(count)
    assert counts == [PAGE_QUERIES[name]] * 2, counts
