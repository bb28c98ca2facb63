"""Reception at a depot: the group's volunteers say what arrived; a shortfall there is shared among that depot's
households only, households and producers are credited by difference, and the producer sees a claim per depot."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.distribution.models import DepotReception, Distribution, ReceptionState
from cabas.distribution.services import ReceivedLine, depot_claims
from cabas.finance.checks import check_ledger
from cabas.finance.models import Entry
from cabas.flows import close_cycle, record_deliveries, record_depot_reception, save_order
from cabas.ordering import allocation as engine
from cabas.ordering.closing import OrderedLine, ration_at_depots
from cabas.ordering.models import Allocation, Offer

pytestmark = pytest.mark.django_db

# --- the pure rule ------------------------------------------------------------------------------------


def line(household, group, quantity, offer=1):
    return OrderedLine(household, group, offer, 9, D(quantity), D("2.10"), D("5.5"))


def test_a_shortfall_at_one_depot_touches_only_its_households():
    lines = [line(1, 10, "3"), line(2, 10, "1"), line(3, 20, "3")]
    quantities = [D("3"), D("1"), D("3")]
    got, reasons, expected = ration_at_depots(
        lines, quantities, [None] * 3, {(1, 10): D("2")}, steps={1: D("0.5")}, strategy=engine.EQUAL_SHARE,
        first_asked={})
    assert got == [D("1"), D("1"), D("3")]  # equal share of 2 kg: 1 and 1; the other depot keeps its 3 kg
    assert reasons == [engine.RATIONED, None, None]
    assert expected == {(1, 10): D("4")}


def test_received_as_expected_or_more_changes_nothing():
    lines = [line(1, 10, "3"), line(2, 10, "1")]
    for limit in (None, D("4"), D("9")):
        got, reasons, expected = ration_at_depots(
            lines, [D("3"), D("1")], [None, None], {(1, 10): limit}, steps={1: D("0.5")}, strategy=engine.PROPORTIONAL,
            first_asked={})
        assert got == [D("3"), D("1")] and reasons == [None, None] and expected == {(1, 10): D("4")}


def test_first_come_at_the_depot_serves_the_oldest_request_first():
    early, late = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    lines = [line(1, 10, "2"), line(2, 10, "2")]
    got, _reasons, _expected = ration_at_depots(
        lines, [D("2"), D("2")], [None, None], {(1, 10): D("3")}, steps={1: D("1")}, strategy=engine.FIRST_COME,
        first_asked={(2, 1): early, (1, 1): late})
    assert got == [D("1"), D("2")]


@settings(max_examples=60, deadline=None)
@given(
    allocated=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=8),
    received=st.integers(min_value=0, max_value=60),
    step=st.sampled_from([D("1"), D("0.5"), D("0.1"), D("0.25")]),
    strategy=st.sampled_from(engine.STRATEGIES),
)
def test_depot_rationing_hands_out_whole_steps_within_what_arrived(allocated, received, step, strategy):
    lines = [line(h, 10, str(n * step)) for h, n in enumerate(allocated, start=1)]
    quantities = [n * step for n in allocated]
    limit = received * step
    got, _reasons, expected = ration_at_depots(lines, quantities, [None] * len(lines), {(1, 10): limit},
                                               steps={1: step}, strategy=strategy, first_asked={})
    assert expected[(1, 10)] == sum(quantities)
    assert sum(got) == min(limit, sum(quantities))
    for before, after in zip(quantities, got):
        assert D(0) <= after <= before
        assert (after / step) == int(after / step)


# --- the flow -----------------------------------------------------------------------------------------


@pytest.fixture
def closed(world):
    cycle = world.open_cycle()
    carrots = Offer.objects.get(cycle=cycle, product=world.carrots)
    bread = Offer.objects.get(cycle=cycle, product=world.bread)
    save_order(cycle=cycle, household=world.household_a1, quantities={carrots.pk: "3", bread.pk: "2"})
    save_order(cycle=cycle, household=world.household_a2, quantities={carrots.pk: "1.5"})
    save_order(cycle=cycle, household=world.household_b1, quantities={carrots.pk: "3", bread.pk: "1"})
    close_cycle(cycle.pk, now=cycle.closes_at + datetime.timedelta(minutes=1))
    cycle.refresh_from_db()
    distribution = Distribution.objects.get(cycle=cycle, group=world.group_a)
    return cycle, carrots, bread, distribution


def allocated(cycle):
    return {(a.household_id, a.offer_id): a.quantity for a in Allocation.objects.filter(cycle=cycle)}


def balance(account_of):
    return sum(Entry.objects.filter(account__household=account_of).values_list("cents", flat=True)) if hasattr(account_of, "group_id") else \
        sum(Entry.objects.filter(account__producer=account_of).values_list("cents", flat=True))


def test_a_short_delivery_at_one_depot_is_shared_there_and_credited(world, closed):
    cycle, carrots, bread, distribution = closed
    a1_before, b1_before, farm_before = balance(world.household_a1), balance(world.household_b1), balance(world.farm)
    changed = record_depot_reception(distribution, {
        carrots.pk: ReceivedLine(ReceptionState.SHORT, D("3"), "cagette tombée"),
        bread.pk: ReceivedLine(ReceptionState.AS_EXPECTED),
    }, by_user=world.group_coordinator_a)
    assert changed
    after = allocated(cycle)
    # 3 kg among a1 (3 kg) and a2 (1.5 kg): equal share of 30 steps of 0.1 kg → 1.5 each; the other depot untouched
    assert after[(world.household_a1.pk, carrots.pk)] == D("1.5")
    assert after[(world.household_a2.pk, carrots.pk)] == D("1.5")
    assert after[(world.household_b1.pk, carrots.pk)] == D("3")
    assert after[(world.household_a1.pk, bread.pk)] == D("2")
    # a1 is credited 1.5 kg × 2.10 €, the farm owed as much less; b1 pays the same
    assert balance(world.household_a1) - a1_before == -315
    assert balance(world.household_b1) == b1_before
    assert balance(world.farm) - farm_before == 315
    assert check_ledger() == []
    # every amount of an offer adds up to its quantity × price
    for offer in (carrots, bread):
        rows = Allocation.objects.filter(cycle=cycle, offer=offer)
        assert sum(r.amount_incl_vat for r in rows) == (sum(r.quantity for r in rows) * offer.unit_price).quantize(D("0.01"))
    reception = DepotReception.objects.get(distribution=distribution, offer=carrots)
    assert (reception.expected, reception.received, reception.shortfall) == (D("4.5"), D("3"), D("1.5"))
    assert [r.pk for r in depot_claims([cycle.pk], world.farm.pk)] == [reception.pk]
    assert depot_claims([cycle.pk], world.bakery.pk) == []


def test_recording_the_same_reception_again_posts_nothing(world, closed):
    cycle, carrots, _bread, distribution = closed
    line_short = {carrots.pk: ReceivedLine(ReceptionState.SHORT, D("3"))}
    record_depot_reception(distribution, line_short)
    entries = Entry.objects.count()
    assert record_depot_reception(distribution, line_short) is False
    assert Entry.objects.count() == entries
    # back to "as expected": everyone receives what the closing decided, credited back
    record_depot_reception(distribution, {carrots.pk: ReceivedLine(ReceptionState.AS_EXPECTED)})
    assert allocated(cycle)[(world.household_a1.pk, carrots.pk)] == D("3")
    assert check_ledger() == []


def test_a_club_level_delivery_later_keeps_the_depot_limit(world, closed):
    cycle, carrots, _bread, distribution = closed
    record_depot_reception(distribution, {carrots.pk: ReceivedLine(ReceptionState.DAMAGED, D("2"))})
    record_deliveries(cycle.pk, {carrots.pk: D("6")})  # the farm brought 6 kg for 7.5 kg ordered
    after = allocated(cycle)
    assert after[(world.household_a1.pk, carrots.pk)] + after[(world.household_a2.pk, carrots.pk)] == D("2")
    reception = DepotReception.objects.get(distribution=distribution, offer=carrots)
    assert reception.expected <= D("4.5")  # what the club-level rationing left for the depot
    assert check_ledger() == []


@pytest.mark.parametrize("entered, message", [
    (ReceivedLine(ReceptionState.SHORT, D("5")), "moins que prévu"),
    (ReceivedLine(ReceptionState.SHORT, D("1.55")), "multiple"),
    (ReceivedLine(ReceptionState.SHORT, None), "combien"),
    (ReceivedLine(ReceptionState.MORE, D("2")), "plus que prévu"),
    (ReceivedLine("lost", D("2")), "comment"),
])
def test_impossible_receptions_are_refused_and_nothing_is_written(world, closed, entered, message):
    from django.utils import translation

    from cabas.core.errors import ActionError

    cycle, carrots, _bread, distribution = closed
    before = allocated(cycle)
    with translation.override("fr"), pytest.raises(ActionError) as error:
        record_depot_reception(distribution, {carrots.pk: entered})
    assert message in " ".join(error.value.all_messages).lower()
    assert not DepotReception.objects.exists()
    assert allocated(cycle) == before


def test_reception_waits_for_the_closing(world):
    from cabas.core.errors import ActionError

    cycle = world.open_cycle()
    distribution = Distribution.objects.get(cycle=cycle, group=world.group_a)
    with pytest.raises(ActionError):
        record_depot_reception(distribution, {})


# --- the page ------------------------------------------------------------------------------------------


def url(cycle, group):
    return reverse("depot-reception", args=[cycle.pk, group.pk])


def test_the_group_coordinator_records_a_shortfall_on_the_page(world, closed, client):
    cycle, carrots, bread, _distribution = closed
    client.force_login(world.group_coordinator_a)
    page = client.get(url(cycle, world.group_a))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Carottes" in text and "Pain de campagne" in text and "Ferme de la Prée" in text
    response = client.post(url(cycle, world.group_a), {
        f"state-{carrots.pk}": "short", f"received-{carrots.pk}": "3,5", f"note-{carrots.pk}": "abîmées"})
    assert response.status_code == 302
    assert allocated(cycle)[(world.household_a1.pk, carrots.pk)] == D("2")  # 3.5: 1.5 for a2, 2 for a1
    assert check_ledger() == []


def test_bad_input_on_the_page_says_why_in_french(world, closed, client):
    cycle, carrots, _bread, _distribution = closed
    client.force_login(world.group_coordinator_a)
    for data, fragment in [
        ({f"state-{carrots.pk}": "short", f"received-{carrots.pk}": "beaucoup"}, "pas une quantité"),
        ({f"state-{carrots.pk}": "short", f"received-{carrots.pk}": "9"}, "moins que prévu"),
        ({f"state-{carrots.pk}": "short", f"received-{carrots.pk}": "1e9"}, "pas possible"),
        ({"state-99999": "short"}, "ne fait pas partie"),
        ({"state-1\n": "short"}, "ne fait pas partie"),
    ]:
        response = client.post(url(cycle, world.group_a), data, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 400, data
        assert fragment in response.content.decode().replace("&#x27;", "'").replace("&rsquo;", "’"), (data, fragment)
    assert not DepotReception.objects.exists()


def test_only_the_groups_coordinators_and_the_club_see_the_reception(world, closed, client):
    cycle, _carrots, _bread, _distribution = closed
    client.force_login(world.group_coordinator_a)
    assert client.get(url(cycle, world.group_b)).status_code == 404  # another group's depot
    client.force_login(world.coordinator)
    assert client.get(url(cycle, world.group_b)).status_code == 200
    client.force_login(world.member_a1)
    assert client.get(url(cycle, world.group_a)).status_code in (403, 404)
    club, group, household, _producer, _product = world.other_club()
    from cabas.members.models import Role, RoleKind

    other = world.user("other-coord@example.org", None)
    Role.objects.create(user=other, kind=RoleKind.CLUB_COORDINATOR, club=club)
    client.force_login(other)
    assert client.get(url(cycle, world.group_a)).status_code == 404


def test_the_club_page_shows_what_the_producer_delivered(world, closed, client):
    """After 6 kg delivered for 7.5 kg ordered, the « Au producteur » column says 6 kg delivered, not 7.5."""
    cycle, carrots, _bread, _distribution = closed
    record_deliveries(cycle.pk, {carrots.pk: D("6")})
    client.force_login(world.coordinator)
    text = client.get(reverse("cycle-preview", args=[cycle.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "6\u00a0kg livrés" in text or "6 kg livrés" in text


def test_the_producer_sees_the_claim_on_its_sheet(world, closed, client):
    cycle, carrots, _bread, distribution = closed
    record_depot_reception(distribution, {carrots.pk: ReceivedLine(ReceptionState.DAMAGED, D("4"), "gel")})
    client.force_login(world.coordinator)
    text = client.get(reverse("producer-sheet", args=[cycle.pk, world.farm.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Réclamations des lieux de dépôt" in text and "gel" in text and "GAC de Rennes" in text


def test_more_than_expected_is_the_depots_surplus(world, closed):
    from cabas.distribution.models import SurplusItem, SurplusSource

    cycle, carrots, _bread, distribution = closed
    assert record_depot_reception(distribution, {carrots.pk: ReceivedLine(ReceptionState.MORE, D("5"))}) is False
    item = SurplusItem.objects.get(distribution=distribution, offer=carrots)
    assert (item.source, item.quantity) == (SurplusSource.DELIVERY, D("0.5"))
    assert allocated(cycle)[(world.household_a1.pk, carrots.pk)] == D("3")  # nobody receives more than asked
    record_depot_reception(distribution, {carrots.pk: ReceivedLine(ReceptionState.AS_EXPECTED)})
    assert not SurplusItem.objects.filter(distribution=distribution, offer=carrots).exists()
