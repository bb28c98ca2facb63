"""The transport schemes (pure): each producer alone, pooled rounds, through a hub; on small territories around
Rennes with short iteration budgets (reproducible and quick). Also the SVG diagram."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from decimal import Decimal as D

import pytest

from cabas.logistics import diagram
from cabas.logistics import schemes as s
from cabas.logistics.distances import GreatCircleProvider, Point

H = 3600
BUDGET = s.Budget(seconds=5, max_iterations=150)
COORDINATES = {
    "hub": (48.0875, -1.628), "garage": (48.1278, -1.6562),
    "chene": (47.9712, -1.5136), "fournil": (48.0167, -2.17), "moulin": (48.0103, -1.7631),
    "rennes": (48.1139, -1.6682), "cesson": (48.1214, -1.603), "vitre": (48.1197, -1.2065),
}
FARMS, DEPOTS = ("chene", "fournil", "moulin"), ("rennes", "cesson", "vitre")


def territory(**changes) -> s.Territory:
    matrix = GreatCircleProvider(D("1.3"), D("50")).matrix([Point(lat, lon, key) for key, (lat, lon) in COORDINATES.items()])
    places = {key: s.Place(key, key.title(), 7 * H, 12 * H, 600) for key in FARMS}
    places |= {key: s.Place(key, key.title(), 9 * H, 17 * H, 600) for key in DEPOTS}
    places["hub"] = s.Place("hub", "MIL", 5 * H, 20 * H, 900)
    places["garage"] = s.Place("garage", "Garage")
    places.update(changes)
    return s.Territory(places, matrix, (6 * H, 20 * H), s.OwnVehicle(capacity_kg=300, capacity_crates=30))


def every_load(kg=40, crates=4, chilled=()) -> list[s.Load]:
    return [s.Load(f, d, kg + 10 * i + 3 * j, crates + i, f in chilled) for i, f in enumerate(FARMS) for j, d in enumerate(DEPOTS)]


VAN = s.Vehicle("van", "Fourgon", 500, 40, "hub", count=2, refrigerated=True, cost_per_km=D("0.35"), cost_per_hour=D("20"),
                fixed_cost=D("10"), co2_g_per_km=D("230"))
CAR = s.Vehicle("car", "Voiture", 150, 12, "garage", cost_per_km=D("0.32"), co2_g_per_km=D("150"))
HUB = s.Hub("hub", s.CROSS_DOCK, 30 * 60)


def lines(plan, action, place_filter=None):
    """(producer, depot) -> kg over every line of ``action``, at places passing the filter."""
    totals = defaultdict(int)
    for r in plan.rounds:
        for call in r.calls:
            if place_filter is None or place_filter(call.place):
                for line in call.lines:
                    if line.action == action:
                        totals[line.producer, line.depot] += line.kg
    return dict(totals)


def expected(loads):
    totals = defaultdict(int)
    for load in loads:
        totals[load.producer, load.depot] += load.kg
    return dict(totals)


def check_capacities(plan, vehicles):
    capacity = {v.key: (v.capacity_kg, v.capacity_crates) for v in vehicles}
    for r in plan.rounds:
        kg = crates = 0
        for call in r.calls:
            for line in call.lines:
                sign = 1 if line.action == s.LOAD else -1
                kg += sign * line.kg
                crates += sign * line.crates
            limit = capacity.get(r.vehicle, (300, 30))
            assert 0 <= kg <= limit[0] and 0 <= crates <= limit[1], (r.name, call)
        assert kg == 0 and crates == 0  # everything loaded is unloaded


def test_the_baseline_is_one_round_per_producer_from_its_farm():
    loads = every_load()
    plan = s.plan(s.OWN, territory(), loads, budget=BUDGET)
    assert plan.feasible and len(plan.rounds) == 3
    for r in plan.rounds:
        assert r.vehicle is None and r.echelon == s.ECHELON_OWN
        assert r.calls[0].place == r.calls[-1].place == r.owner
        assert {c.place for c in r.calls[1:-1]} == set(DEPOTS)
    assert lines(plan, s.UNLOAD) == expected(loads) == lines(plan, s.LOAD)
    totals = plan.totals
    assert totals.cost == sum(r.cost for r in plan.rounds) and totals.km == sum(r.km for r in plan.rounds)


def test_the_own_vehicle_makes_several_trips_when_its_loads_exceed_it():
    loads = [s.Load("chene", "vitre", 500, 20), s.Load("chene", "rennes", 100, 5)]
    plan = s.plan(s.OWN, territory(), loads, budget=BUDGET)
    (r,) = plan.rounds
    assert r.trips >= 2 and plan.feasible
    assert lines(plan, s.UNLOAD) == {("chene", "vitre"): 500, ("chene", "rennes"): 100}
    check_capacities(plan, [])


def test_pooled_rounds_pick_up_before_delivering_and_respect_capacities():
    loads = every_load() + [s.Load("moulin", "vitre", 700, 10)]  # larger than the van: split
    plan = s.plan(s.DIRECT, territory(), loads, [VAN, CAR], budget=BUDGET)
    assert plan.feasible and not plan.unserved
    assert lines(plan, s.UNLOAD, lambda p: p in DEPOTS) == expected(loads)
    assert lines(plan, s.LOAD, lambda p: p in FARMS) == expected(loads)
    check_capacities(plan, [VAN, CAR])
    for r in plan.rounds:
        loaded_at = {}
        for position, call in enumerate(r.calls):
            for line in call.lines:
                if line.action == s.LOAD:
                    assert call.place == line.producer
                    loaded_at.setdefault((line.producer, line.depot), position)
                else:
                    assert call.place == line.depot and loaded_at[line.producer, line.depot] < position
        assert r.calls[0].place == r.calls[-1].place == {"van": "hub", "car": "garage"}[r.vehicle]


def test_windows_are_kept():
    plan = s.plan(s.DIRECT, territory(), every_load(), [VAN, CAR], budget=BUDGET)
    places = territory().places
    for r in plan.rounds:
        for call in r.calls[1:-1]:
            assert call.departure >= places[call.place].opens
            assert call.arrival <= places[call.place].closes


def test_chilled_goods_travel_only_in_refrigerated_vehicles():
    loads = every_load(chilled=("chene",))
    plan = s.plan(s.DIRECT, territory(), loads, [VAN, CAR], budget=BUDGET)
    assert plan.feasible
    for r in plan.rounds:
        if not r.refrigerated:
            assert not any(line.chilled for call in r.calls for line in call.lines)
    with pytest.raises(s.SchemeError) as error:
        s.plan(s.DIRECT, territory(), loads, [CAR], budget=BUDGET)
    assert error.value.code == s.NO_REFRIGERATED


def test_the_hub_scheme_collects_then_delivers_after_the_sorting():
    loads = every_load()
    plan = s.plan(s.HUB, territory(), loads, [VAN, CAR], HUB, budget=BUDGET)
    assert plan.feasible
    collection = [r for r in plan.rounds if r.echelon == s.COLLECTION]
    delivery = [r for r in plan.rounds if r.echelon == s.DELIVERY]
    assert collection and delivery
    assert all(r.calls[-1].place == "hub" for r in collection)
    assert all(r.calls[0].place == "hub" for r in delivery)
    last_in = max(r.calls[-1].arrival for r in collection)
    assert all(r.calls[0].departure >= last_in + HUB.handling for r in delivery)
    assert lines(plan, s.LOAD, lambda p: p in FARMS) == expected(loads) == lines(plan, s.UNLOAD, lambda p: p == "hub")
    assert lines(plan, s.LOAD, lambda p: p == "hub") == expected(loads) == lines(plan, s.UNLOAD, lambda p: p in DEPOTS)
    check_capacities(plan, [VAN, CAR])


def test_a_storage_hub_delivers_from_the_start_of_the_day():
    plan = s.plan(s.HUB, territory(), every_load(), [VAN, CAR], s.Hub("hub", s.STORAGE, 1800), budget=BUDGET)
    delivery = [r for r in plan.rounds if r.echelon == s.DELIVERY]
    assert plan.feasible and delivery
    last_in = max(r.end for r in plan.rounds if r.echelon == s.COLLECTION)
    assert min(r.start for r in delivery) < last_in  # no need to wait for today's collection


def test_pick_up_on_site_has_each_group_fetch_at_the_hub():
    t = territory()
    plan = s.plan(s.HUB, t, every_load(), [VAN, CAR], s.Hub("hub", s.HUB_PICKUP, 1800), budget=BUDGET)
    fetches = {r.owner: r for r in plan.rounds if r.echelon == s.FETCH}
    assert set(fetches) == set(DEPOTS) and plan.feasible
    for depot, r in fetches.items():
        assert [c.place for c in r.calls] == [depot, "hub", depot]
        assert r.metres == t.matrix.distance(depot, "hub") + t.matrix.distance("hub", depot)
        assert r.cost == s.round_cost(D(0), D("0.45"), D("18"), r.metres, r.seconds)


def test_pooling_saves_against_the_baseline():
    t = territory()
    loads = every_load()
    baseline = s.plan(s.OWN, t, loads, budget=BUDGET)
    pooled = s.plan(s.DIRECT, t, loads, [VAN, CAR], budget=BUDGET)
    saved = s.saving(pooled, baseline)
    assert saved.km > 0 and saved.cost > 0 and saved.co2_kg > 0 and saved.hours > 0
    assert saved == baseline.totals - pooled.totals
    assert s.saving(baseline, baseline) == s.ZERO_TOTALS


def test_a_round_costs_fixed_plus_per_km_plus_per_hour():
    assert s.round_cost(D("10"), D("0.35"), D("20"), 123_456, 5_400) == D("10") + D("43.21") + D("30.00")
    assert s.round_cost(D(0), D(0), D("25"), 0, 100) == D("0.69")  # 0.6944 rounded half-up
    assert s.co2_kg(D("230"), 100_000) == D("23.00")
    plan = s.plan(s.DIRECT, territory(), every_load(), [VAN], budget=BUDGET)
    for r in plan.rounds:
        assert r.cost == s.round_cost(VAN.fixed_cost, VAN.cost_per_km, VAN.cost_per_hour, r.metres, r.seconds)
        assert r.co2_kg == s.co2_kg(VAN.co2_g_per_km, r.metres)


def test_refusals_are_explained():
    t = territory()
    with pytest.raises(s.SchemeError) as error:
        s.plan(s.DIRECT, t, every_load(), [], budget=BUDGET)
    assert error.value.code == s.NO_VEHICLE and "no vehicle" in error.value.message
    with pytest.raises(s.SchemeError) as error:
        s.plan(s.HUB, t, every_load(), [VAN], None, budget=BUDGET)
    assert error.value.code == s.NO_HUB
    with pytest.raises(s.SchemeError) as error:
        s.plan(s.DIRECT, t, [s.Load("nowhere", "vitre", 10, 1)], [VAN], budget=BUDGET)
    assert error.value.code == s.UNKNOWN_PLACE
    with pytest.raises(s.SchemeError):
        s.plan("teleport", t, every_load(), [VAN], budget=BUDGET)
    assert s.plan(s.DIRECT, t, [], [VAN], budget=BUDGET) == s.Plan(s.DIRECT, (), True)


def test_the_problems_are_built_for_each_scheme():
    t = territory()
    loads = every_load(chilled=("chene",))
    own = s.own_problems(t, loads)
    assert len(own) == 3 and all(len(b.problem.vehicle_types) == 1 for b in own)
    direct = s.direct_problem(t, loads, [VAN, CAR])
    assert len(direct.problem.shipments) == 9 and not direct.problem.stops
    assert direct.problem.vehicle_types[1].capacity == (150, 12, 0)  # a car carries no chilled goods
    collection = s.collection_problem(t, loads, [VAN, CAR], HUB)
    assert all(stop.pickup and not stop.delivery for stop in collection.problem.stops)
    delivery = s.delivery_problem(t, loads, [VAN, CAR], HUB, ready=11 * H)
    assert all(stop.delivery and not stop.pickup for stop in delivery.problem.stops)
    assert all(v.shift.earliest == 11 * H for v in delivery.problem.vehicle_types)


def test_a_coalition_costs_what_planning_its_loads_alone_costs():
    parts = {
        "rennes": {("chene", "rennes", False): (D("12.4"), D("1.2")), ("fournil", "rennes", False): (D("3"), D("0.3"))},
        "vitre": {("chene", "vitre", False): (D("20.2"), D("2.01"))},
    }
    assert s.loads_of(parts, ["rennes"]) == [s.Load("chene", "rennes", 13, 2), s.Load("fournil", "rennes", 3, 1)]
    assert sorted(s.loads_of(parts, ["rennes", "vitre"]), key=lambda l: (l.producer, l.depot))[1] == s.Load("chene", "vitre", 21, 3)
    t = territory()
    cost = s.cost_function(s.DIRECT, t, parts, [VAN], None, BUDGET, known={frozenset(parts): D("99.99")})
    assert cost(frozenset(parts)) == D("99.99")
    alone = cost(frozenset(["vitre"]))
    assert alone == s.plan(s.DIRECT, t, s.loads_of(parts, ["vitre"]), [VAN], budget=BUDGET).cost > 0
    kg, tkm = s.load_kilometres(t, parts)["vitre"]
    assert kg == D("20.2") and tkm == D("20.2") * t.matrix.distance("chene", "vitre") / 1_000_000


def test_the_diagram_is_well_formed_svg_with_sites_and_rounds():
    plan = s.plan(s.DIRECT, territory(), every_load(), [VAN, CAR], budget=BUDGET)
    sites = [diagram.SitePoint("producer" if k in FARMS else "depot" if k in DEPOTS else "hub", f"<{k}> & co", lat, lon)
             for k, (lat, lon) in COORDINATES.items()]
    routes = [diagram.RouteLine(r.name, [COORDINATES[c.place] for c in r.calls]) for r in plan.rounds]
    svg = diagram.render(sites, routes, title="Tournées", kind_labels={"producer": "producteur"})
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    assert len(root.findall(f"{ns}polyline")) == len(plan.rounds)
    # a circle per place (each in a group with its number and title), and the legend's kinds
    assert len(list(root.iter(f"{ns}circle"))) >= len(COORDINATES)
    assert "&lt;chene&gt; &amp; co" in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert ET.fromstring(diagram.render([], [], title="vide")).tag == f"{ns}svg"
