"""Pooled transport on the database: the models, planning a closed cycle in each scheme, each way of sharing the
cost, the distances (great circle, OSRM faked on loopback), posting the shares to the ledger. Solver budgets are
tiny (a few dozen iterations) so that the whole file runs in seconds."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from cabas.flows import post_transport_shares
from cabas.core.errors import ActionError
from cabas.finance.checks import check_ledger
from cabas.finance.models import Account, AccountKind, Entry, LedgerTransaction, from_cents
from cabas.logistics import services
from cabas.logistics.models import (
    ChilledCategory, CostShare, LogisticsSettings, Round, RoundStop, Site, TransportPlan, Vehicle,
)
from cabas.members.models import Depot
from cabas.ordering.models import Allocation
from cabas.flows import close_cycle, save_order
from tests.test_distances import osrm  # noqa: F401  (the fake OSRM server fixture)

FAST = {"seconds": 2, "max_iterations": 60, "coalition_iterations": 20}
T = datetime.time


def place_world(world, *, sharing="weight", participants="groups"):
    """The World with coordinates (a farm south of Rennes, a bakery in Brocéliande, depots in Rennes and Vitré),
    a cross-dock hub, a refrigerated van kept at the hub, a volunteer's car, and the transport settings."""
    world.farm.latitude, world.farm.longitude = D("47.971200"), D("-1.513600")
    world.farm.save()
    world.bakery.latitude, world.bakery.longitude = D("48.016700"), D("-2.170000")
    world.bakery.save()
    Depot.objects.filter(group=world.group_a).update(latitude=D("48.113900"), longitude=D("-1.668200"))
    Depot.objects.filter(group=world.group_b).update(latitude=D("48.119700"), longitude=D("-1.206500"))
    hub = Site.objects.create(club=world.club, kind="hub", name="MIL Rennes Sud-Est", latitude=D("48.0875"),
                              longitude=D("-1.628"), hub_mode="cross_dock", opens_at=T(5), closes_at=T(20), service_minutes=15)
    home = Site.objects.create(club=world.club, kind="other", name="Chez une bénévole", latitude=D("48.1278"),
                               longitude=D("-1.6562"), opens_at=T(6), closes_at=T(21), service_minutes=0)
    world.van = Vehicle.objects.create(club=world.club, name="Porteur frigorifique", capacity_kg=1000, capacity_crates=80,
                                       refrigerated=True, cost_per_km=D("0.55"), cost_per_hour=D("28"), fixed_cost=D("35"),
                                       home=hub, driver_kind="carrier", co2_g_per_km=280)
    world.car = Vehicle.objects.create(club=world.club, name="Voiture", capacity_kg=200, capacity_crates=15,
                                       cost_per_km=D("0.32"), home=home, driver_kind="volunteer")
    world.hub, world.home = hub, home
    world.settings = LogisticsSettings.objects.create(club=world.club, sharing_method=sharing, participants=participants,
                                                      solver_seconds=D("1"), coalition_seconds=D("0.5"))
    return world


def closed_cycle(world, quantities=None):
    cycle = world.open_cycle()
    offers = {o.product_id: o.pk for o in cycle.offers.all()}
    quantities = quantities or {
        world.household_a1: {world.milk: 6, world.carrots: 3, world.bread: 2},
        world.household_a2: {world.milk: 2, world.brioche: 1},
        world.household_b1: {world.carrots: 10, world.bread: 1},
        world.household_b2: {world.milk: 4, world.brioche: 2, world.carrots: 2},
    }
    for household, lines in quantities.items():
        save_order(cycle=cycle, household=household, quantities={offers[p.pk]: D(q) for p, q in lines.items()})
    close_cycle(cycle.pk)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def placed(world):
    return place_world(world)


def plan(cycle, scheme, **options):
    return services.plan_cycle(cycle, scheme, **{**FAST, **options})


# --- models -----------------------------------------------------------------------------------------


def test_a_site_must_match_its_kind(placed):
    club = placed.club
    with pytest.raises(ValidationError) as error:
        Site(club=club, kind="producer", name="?", latitude=D(48), longitude=D(-1)).full_clean()
    assert "producer" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Site(club=club, kind="hub", name="MIL", latitude=D(48), longitude=D(-1)).full_clean()
    assert "hub_mode" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        Site(club=club, kind="depot", name="Dépôt", latitude=D(48), longitude=D(-1), group=placed.group_a,
             opens_at=T(18), closes_at=T(9)).full_clean()
    assert "closes_at" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(club=club, kind="other", name="X", latitude=D(48), longitude=D(-1), producer=placed.farm)
    _other, group, _household, producer, _product = placed.other_club()
    with pytest.raises(ValidationError) as error:
        Site(club=club, kind="producer", name="?", latitude=D(48), longitude=D(-1), producer=producer).full_clean()
    assert "producer" in error.value.message_dict


def test_a_vehicle_needs_capacities_and_a_home_of_its_club(placed):
    with pytest.raises(IntegrityError), transaction.atomic():
        Vehicle.objects.create(club=placed.club, name="Vide", capacity_kg=0, capacity_crates=1, home=placed.hub,
                               driver_kind="rota")
    other, *_rest = placed.other_club()
    with pytest.raises(ValidationError):
        Vehicle(club=other, name="X", capacity_kg=1, capacity_crates=1, home=placed.hub, driver_kind="rota").full_clean()


def test_product_weights_default_by_unit(placed):
    cycle = closed_cycle(placed)
    placed.milk.unit_weight_kg = D("1.03")
    placed.milk.save()
    inputs = services.read_inputs(cycle, placed.settings, "groups")
    rennes = inputs.parts[placed.group_a.pk]
    farm, depot = services.producer_key(placed.farm.pk), services.depot_key(placed.group_a.pk)
    # milk 8 l × 1.03 kg + carrots 3 kg; crates: one per 10 kg
    assert rennes[farm, depot, False] == (D("11.240"), D("1.124"))
    bakery = services.producer_key(placed.bakery.pk)
    assert rennes[bakery, depot, False] == (D("1.500"), D("0.150"))  # 3 pieces × 0.5 kg (bread 2 + brioche 1)
    assert inputs.values[placed.group_a.pk] == Allocation.objects.filter(cycle=cycle, group=placed.group_a).aggregate(
        total=Sum("amount_incl_vat"))["total"]


# --- planning ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["own", "direct", "hub"])
def test_each_scheme_stores_its_rounds_and_the_baseline(placed, scheme):
    cycle = closed_cycle(placed)
    result = plan(cycle, scheme)
    assert result.feasible and result.warnings == []
    rounds = list(result.rounds.order_by("position"))
    assert rounds and result.km == sum(r.km for r in rounds) and result.cost == sum(r.cost for r in rounds)
    assert result.co2_kg == sum(r.co2_kg for r in rounds)
    own = plan(cycle, "own")
    assert (result.baseline_km, result.baseline_cost) == (own.km, own.cost)
    kg = {}
    for stop in RoundStop.objects.filter(round__plan=result):
        for line in stop.lines:
            if line["action"] == "unload" and stop.kind == "depot":
                kg[line["group"]] = kg.get(line["group"], 0) + line["kg"]
    assert set(kg) == {placed.group_a.pk, placed.group_b.pk} and sum(kg.values()) == result.kg
    if scheme == "hub":
        assert {r.echelon for r in rounds} == {"collection", "delivery"}
        assert max(r.ends_at for r in rounds if r.echelon == "collection") < min(r.starts_at for r in rounds if r.echelon == "delivery")
    if scheme == "own":
        assert {r.vehicle_id for r in rounds} == {None} and result.saving_cost == 0
    else:
        assert result.saving_km > 0 and result.saving_cost > 0 and result.saving_co2_kg > 0


def test_chilled_goods_go_in_the_refrigerated_van(placed):
    ChilledCategory.objects.create(club=placed.club, category=placed.lait)
    cycle = closed_cycle(placed)
    result = plan(cycle, "direct")
    for stop in RoundStop.objects.filter(round__plan=result).select_related("round"):
        if any(line["chilled"] for line in stop.lines):
            assert stop.round.vehicle_id == placed.van.pk
    Vehicle.objects.filter(pk=placed.van.pk).update(is_active=False)
    with pytest.raises(ActionError, match="frigorifique|refrigerated"):
        plan(cycle, "direct")


def test_planning_again_replaces_the_plan_of_that_scheme(placed):
    cycle = closed_cycle(placed)
    first = plan(cycle, "direct")
    stops = RoundStop.objects.filter(round__plan=first).count()
    again = plan(cycle, "direct")
    assert again.pk == first.pk and TransportPlan.objects.filter(cycle=cycle).count() == 1
    assert RoundStop.objects.filter(round__plan=again).count() == stops
    assert CostShare.objects.filter(plan=again).count() == 2


def test_planning_is_refused_with_a_message_and_writes_nothing(placed):
    open_cycle = placed.open_cycle(name="Ouvert")
    with pytest.raises(ActionError, match="clos|closed"):
        plan(open_cycle, "direct")
    cycle = closed_cycle(placed)
    with pytest.raises(ActionError):
        plan(cycle, "teleport")
    placed.bakery.latitude = None
    placed.bakery.save()
    with pytest.raises(ActionError) as error:
        plan(cycle, "direct")
    assert "Fournil du Bourg" in str(error.value)
    placed.bakery.latitude = D("48.0167")
    placed.bakery.save()
    Vehicle.objects.filter(pk=placed.van.pk).update(home=placed.home)
    Site.objects.filter(kind="hub").delete()
    with pytest.raises(ActionError, match="plateforme"):
        plan(cycle, "hub")
    Vehicle.objects.all().update(is_active=False)
    with pytest.raises(ActionError):
        plan(cycle, "direct")
    assert not TransportPlan.objects.exists() and not Round.objects.exists()


def test_a_site_overrides_the_producer_and_the_depot(placed):
    Site.objects.create(club=placed.club, kind="producer", name="Quai de la ferme", producer=placed.farm,
                        latitude=D("47.9712"), longitude=D("-1.5136"), opens_at=T(10), closes_at=T(11), service_minutes=20)
    cycle = closed_cycle(placed)
    result = plan(cycle, "direct")
    farm_stops = list(RoundStop.objects.filter(round__plan=result, name="Quai de la ferme"))
    assert farm_stops and all(T(10) <= s.departure and s.arrival <= T(11) for s in farm_stops)
    assert all(s.site_id is not None for s in farm_stops)


# --- distances --------------------------------------------------------------------------------------


def test_an_osrm_service_gives_the_distances(placed, osrm):  # noqa: F811
    cycle = closed_cycle(placed)
    LogisticsSettings.objects.filter(pk=placed.settings.pk).update(osrm_url=f"http://127.0.0.1:{osrm.server_port}/ok")
    result = plan(cycle, "direct")
    assert result.solver["distances"].startswith("osrm(") and osrm.requests
    requests = len(osrm.requests)
    plan(cycle, "hub")
    assert len(osrm.requests) == requests  # the same places: the cached matrix


def test_a_failing_osrm_service_refuses_or_falls_back(placed, osrm):  # noqa: F811
    cycle = closed_cycle(placed)
    LogisticsSettings.objects.filter(pk=placed.settings.pk).update(osrm_url=f"http://127.0.0.1:{osrm.server_port}/http500")
    with pytest.raises(ActionError) as error:
        plan(cycle, "direct")
    assert "HTTP 500" in str(error.value)
    assert not TransportPlan.objects.exists()
    LogisticsSettings.objects.filter(pk=placed.settings.pk).update(osrm_fallback=True)
    result = plan(cycle, "direct")
    assert result.solver["distances"].startswith("great-circle") and len(result.warnings) == 1
    assert "500" in result.warnings[0]["reason"]["message"] % result.warnings[0]["reason"]["params"]


# --- sharing ----------------------------------------------------------------------------------------


def shares(result):
    return {s.participant_id: s for s in result.shares.all()}


@pytest.mark.parametrize("method", ["weight", "value", "ton_km", "stand_alone", "shapley"])
def test_each_method_shares_the_whole_cost(placed, method):
    LogisticsSettings.objects.filter(pk=placed.settings.pk).update(sharing_method=method)
    cycle = closed_cycle(placed)
    result = plan(cycle, "direct")
    by_group = shares(result)
    assert set(by_group) == {placed.group_a.pk, placed.group_b.pk}
    assert sum(s.share for s in by_group.values()) == result.cost
    assert result.sharing_method == method and result.participants == "groups"
    for s in by_group.values():
        assert s.saving == s.stand_alone - s.share
    assert result.core_exhaustive and result.in_core is not None and result.core_checked == 3
    a, b = by_group[placed.group_a.pk], by_group[placed.group_b.pk]
    if method in ("weight", "value", "ton_km", "stand_alone"):
        assert a.key > 0 and b.key > 0 and a.method == "proportional"
        assert abs(a.share / result.cost - a.key / (a.key + b.key)) < D("0.001")
    if method == "value":
        assert a.key == Allocation.objects.filter(cycle=cycle, group=placed.group_a).aggregate(t=Sum("amount_incl_vat"))["t"]
    if method == "stand_alone":
        assert a.key == a.stand_alone
    if method == "shapley":
        assert a.method == "shapley-exact" and a.key is None and a.error is None
        # two players: each pays its cost alone plus half of what pooling saves
        saved = a.stand_alone + b.stand_alone - result.cost
        assert abs(a.share - (a.stand_alone - saved / 2)) <= D("0.01")
        assert result.in_core == (a.share <= a.stand_alone + D("0.02") and b.share <= b.stand_alone + D("0.02"))


def test_sharing_among_households_and_producers(placed):
    cycle = closed_cycle(placed)
    result = plan(cycle, "direct")
    households = services.share_plan(result, method="weight", participants="households", coalition_iterations=20)
    assert set(shares(households)) == {h.pk for h in (placed.household_a1, placed.household_a2, placed.household_b1,
                                                       placed.household_b2)}
    assert sum(s.share for s in households.shares.all()) == result.cost
    producers = services.share_plan(result, method="shapley", participants="producers", coalition_iterations=20)
    assert set(shares(producers)) == {placed.farm.pk, placed.bakery.pk}
    assert sum(s.share for s in producers.shares.all()) == result.cost
    with pytest.raises(ActionError):
        services.share_plan(result, method="lottery", participants="groups")
    with pytest.raises(ActionError):
        services.share_plan(result, method="weight", participants="neighbours")


def test_a_sampled_shapley_value_states_its_error(placed, monkeypatch):
    monkeypatch.setattr(services, "MAX_EXACT_SHAPLEY", 2)
    LogisticsSettings.objects.filter(pk=placed.settings.pk).update(shapley_samples=6)
    cycle = closed_cycle(placed)
    result = services.share_plan(plan(cycle, "direct"), method="shapley", participants="households", coalition_iterations=10)
    rows = list(result.shares.all())
    assert len(rows) == 4 and all(s.method == "shapley-sampled" and s.error is not None for s in rows)
    assert sum(s.share for s in rows) == result.cost
    assert not result.core_exhaustive  # four participants, checked partially beyond the exact size


def test_too_many_coalitions_are_refused_and_savings_skipped(placed, monkeypatch):
    cycle = closed_cycle(placed)
    result = plan(cycle, "direct")
    monkeypatch.setattr(services, "MAX_COALITIONS", 3)
    with pytest.raises(ActionError, match="coalitions"):
        services.share_plan(result, method="shapley", participants="households")
    result = services.share_plan(result, method="weight", participants="households")
    assert all(s.stand_alone is None and s.saving is None for s in result.shares.all())
    assert result.in_core is None and result.core_checked == 0


# --- choosing and posting ---------------------------------------------------------------------------


def balance(account_filter) -> D:
    return from_cents(Entry.objects.filter(account__in=Account.objects.filter(**account_filter)).aggregate(t=Sum("cents"))["t"] or 0)


def test_posting_a_groups_split_debits_its_households_to_the_cent(placed):
    cycle = closed_cycle(placed)
    direct = plan(cycle, "direct")
    record = post_transport_shares(direct)
    assert record is not None and record.key == f"transport:{direct.pk}"
    assert check_ledger() == []
    direct.refresh_from_db()
    assert direct.posted and direct.chosen
    assert balance({"kind": AccountKind.TRANSPORT}) == -direct.cost
    by_group = shares(direct)
    for group in (placed.group_a, placed.group_b):
        entries = Entry.objects.filter(transaction=record, account__household__group=group)
        assert from_cents(entries.aggregate(t=Sum("cents"))["t"]) == by_group[group.pk].share
    # split in proportion to what each household was allocated
    amounts = dict(Allocation.objects.filter(cycle=cycle, group=placed.group_a).values("household_id")
                   .annotate(t=Sum("amount_incl_vat")).values_list("household_id", "t"))
    debited = {e.account.household_id: from_cents(e.cents) for e in
               Entry.objects.filter(transaction=record, account__household__group=placed.group_a).select_related("account")}
    a1, a2 = placed.household_a1.pk, placed.household_a2.pk
    assert abs(debited[a1] / debited[a2] - amounts[a1] / amounts[a2]) < D("0.01")

    # twice: nothing more
    assert post_transport_shares(direct) is None
    assert LedgerTransaction.objects.filter(key__startswith="transport:").count() == 1
    # another plan of the cycle can no longer be posted, chosen, nor this one planned again
    hub = plan(cycle, "hub")
    with pytest.raises(ActionError):
        post_transport_shares(hub)
    with pytest.raises(ActionError):
        services.choose_plan(hub)
    with pytest.raises(ActionError):
        plan(cycle, "direct")
    with pytest.raises(ActionError):
        services.share_plan(direct, method="value", participants="groups")
    assert check_ledger() == []


def test_posting_producers_shares_debits_their_accounts(placed):
    LogisticsSettings.objects.filter(pk=placed.settings.pk).update(participants="producers", sharing_method="ton_km")
    cycle = closed_cycle(placed)
    result = plan(cycle, "hub")
    record = post_transport_shares(result)
    by_producer = shares(result)
    for producer in (placed.farm, placed.bakery):
        entry = Entry.objects.get(transaction=record, account__producer=producer)
        assert from_cents(entry.cents) == by_producer[producer.pk].share
    assert check_ledger() == []


def test_posting_households_shares(placed):
    LogisticsSettings.objects.filter(pk=placed.settings.pk).update(participants="households")
    cycle = closed_cycle(placed)
    result = plan(cycle, "own")
    record = post_transport_shares(result)
    assert Entry.objects.filter(transaction=record, account__household__isnull=False).count() == 4
    assert balance({"kind": AccountKind.TRANSPORT}) == -result.cost
    assert check_ledger() == []


def test_choosing_a_plan_unchooses_the_others(placed):
    cycle = closed_cycle(placed)
    direct, hub = plan(cycle, "direct"), plan(cycle, "hub")
    services.choose_plan(direct)
    services.choose_plan(hub)
    assert list(TransportPlan.objects.filter(cycle=cycle, chosen=True)) == [hub]
    assert services.choose_plan(hub).chosen  # again: nothing changes


def test_posting_is_refused_for_an_open_cycle_or_an_unshared_plan(placed):
    cycle = closed_cycle(placed)
    result = plan(cycle, "direct")
    CostShare.objects.filter(plan=result).delete()
    with pytest.raises(ActionError):
        post_transport_shares(result)
    open_cycle = placed.open_cycle(name="Pas clos")
    fake = TransportPlan.objects.create(cycle=open_cycle, scheme="direct", km=1, hours=1, cost=D("10.00"), co2_kg=1,
                                        baseline_km=1, baseline_hours=1, baseline_cost=1, baseline_co2_kg=1)
    CostShare.objects.create(plan=fake, position=1, participant_kind="groups", participant_id=placed.group_a.pk,
                             name="A", share=D("10.00"), stand_alone=D("10.00"), saving=0, method="proportional")
    with pytest.raises(ActionError, match="clos|closed"):
        post_transport_shares(fake)
    assert not LedgerTransaction.objects.filter(key__startswith="transport:").exists()


def test_delete_logistics_removes_a_clubs_transport(placed):
    cycle = closed_cycle(placed)
    plan(cycle, "direct")
    services.delete_logistics(placed.club)
    assert not (TransportPlan.objects.exists() or Site.objects.exists() or Vehicle.objects.exists()
                or LogisticsSettings.objects.exists())


# --- the admin and the demo -------------------------------------------------------------------------


def test_the_operators_admin_edits_sites_vehicles_and_settings_and_reads_plans(placed, client):
    from django.urls import reverse

    from cabas.members.models import User

    cycle = closed_cycle(placed)
    result = plan(cycle, "hub")
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))
    for name in ("site", "vehicle", "logisticssettings", "chilledcategory"):
        assert client.get(reverse(f"admin:logistics_{name}_add")).status_code == 200, name
    assert client.get(reverse("admin:logistics_vehicle_change", args=[placed.van.pk])).status_code == 200
    page = client.get(reverse("admin:logistics_transportplan_change", args=[result.pk]))
    assert page.status_code == 200 and b'name="cost"' not in page.content  # read only
    assert client.post(reverse("admin:logistics_transportplan_delete", args=[result.pk])).status_code == 403


def test_the_demo_has_sites_vehicles_and_a_plan_in_each_scheme(db):
    from io import StringIO

    from django.core.management import call_command

    from cabas.members.models import Club

    call_command("seed-demo", "--force", stdout=StringIO())
    club = Club.objects.get(slug="pays-de-rennes")
    assert Site.objects.filter(club=club, kind="hub", hub_mode="cross_dock").count() == 1
    assert Vehicle.objects.filter(club=club).count() == 3
    assert set(Vehicle.objects.filter(club=club).values_list("driver_kind", flat=True)) == {"rota", "volunteer", "carrier"}
    plans = {p.scheme: p for p in TransportPlan.objects.filter(cycle__club=club)}
    assert set(plans) == {"own", "direct", "hub"} and plans["direct"].chosen
    for p in plans.values():
        assert p.feasible and p.shares.count() == 4 and sum(s.share for s in p.shares.all()) == p.cost
    assert plans["direct"].saving_cost > 0 and plans["hub"].saving_km > 0
    from cabas.catalog.models import Product

    assert Product.objects.get(producer__club=club, name="Lait cru entier").unit_weight_kg == D("1.03")
    call_command("seed-demo", "--force", "--reset", stdout=StringIO())
    assert TransportPlan.objects.filter(cycle__club__slug="pays-de-rennes").count() == 3
    assert check_ledger() == []
