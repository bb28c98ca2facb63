"""The routing module on tiny problems (short iteration budgets, so the runs are fast and reproducible) and its
readers on the sample benchmark instances."""

from __future__ import annotations

import math
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from cabas.logistics.routing import (
    Problem,
    Shipment,
    Site,
    Stop,
    TimeWindow,
    VehicleType,
    VisitKind,
    from_solomon,
    from_vrplib,
    read_solution,
    solve,
)

SAMPLES = Path("/work/shared/vrp")
ITERATIONS = 300


def euclidean(points: list[tuple[int, int]]) -> list[list[int]]:
    return [[round(math.dist(a, b)) for b in points] for a in points]


def problem(points, vehicle_types, stops=(), shipments=(), windows=None) -> Problem:
    windows = windows or {}
    matrix = euclidean(points)
    sites = [Site(name=f"s{i}", window=windows.get(i, TimeWindow())) for i in range(len(points))]
    return Problem(sites=sites, distances=matrix, durations=matrix, vehicle_types=vehicle_types, stops=stops,
                   shipments=shipments)


def run(problem: Problem, seed: int = 0):
    return solve(problem, seconds=5, seed=seed, max_iterations=ITERATIONS)


def served_once(solution, problem: Problem) -> bool:
    visited = sorted(visit.index for route in solution.routes for visit in route.visits if visit.kind is VisitKind.STOP)
    return visited == list(range(len(problem.stops)))


def test_tiny_cvrp_reaches_its_optimum_and_costs_in_decimal():
    # Two pairs of close clients on two axes, two units of capacity: the optimum is one route per axis, 22 each.
    points = [(0, 0), (0, 10), (0, 11), (10, 0), (11, 0)]
    van = VehicleType(count=4, capacity=(2,), start=0, fixed_cost=Decimal("12.50"), distance_cost=Decimal("0.35"))
    tiny = problem(points, [van], stops=[Stop(site=i, delivery=(1,)) for i in range(1, 5)])
    solution = run(tiny)
    assert solution.feasible and served_once(solution, tiny)
    assert solution.distance == 44 and len(solution.routes) == 2
    assert solution.cost == Decimal("2") * Decimal("12.50") + Decimal("0.35") * 44 == Decimal("40.40")
    assert solution.cost_scale == 100 and solution.objective == 4040


def test_capacities_in_two_dimensions_are_respected():
    # Weight is not binding (4 × 10 kg ≤ 100 kg) but crates are (4 crates, 2 per van).
    points = [(0, 0), (5, 1), (5, 2), (5, 3), (5, 4)]
    van = VehicleType(count=4, capacity=(100, 2), start=0)
    crates = problem(points, [van], stops=[Stop(site=i, delivery=(10, 1)) for i in range(1, 5)])
    solution = run(crates)
    assert solution.feasible and served_once(solution, crates)
    assert len(solution.routes) == 2
    for route in solution.routes:
        for trip in route.trips:
            assert trip.loaded[0] <= 100 and trip.loaded[1] <= 2
            assert trip.loaded == tuple(map(sum, zip(*(visit.delivered for visit in trip.visits))))


def test_time_windows_order_the_visits():
    # On a line, the farthest site closes first: the van goes there, then waits for the other two to open.
    points = [(0, 0), (10, 0), (20, 0), (30, 0)]
    windows = {1: TimeWindow(60, 80), 2: TimeWindow(80, 100), 3: TimeWindow(0, 35)}
    van = VehicleType(count=1, capacity=(10,), start=0, shift=TimeWindow(0, 200))
    timed = problem(points, [van], stops=[Stop(site=i, delivery=(1,), service=5) for i in (1, 2, 3)],
                    windows=windows)
    solution = run(timed)
    assert solution.feasible
    (route,) = solution.routes
    assert [visit.site for visit in route.visits] == [3, 1, 2]
    for visit in route.visits:
        assert visit.arrival <= visit.start and visit.end == visit.start + 5
        assert windows[visit.site].earliest <= visit.start <= windows[visit.site].latest
    # PyVRP leaves as late as it can: no useless wait, at site 3 on its closing time.
    assert (route.start, route.visits[0].start, route.end, route.duration) == (5, 35, 105, 100)


def test_shipments_are_picked_up_before_delivered_in_the_same_trip():
    # Pooled direct: from the hub (0) a van collects at two farms (1, 2) and delivers to two group depots (3, 4),
    # carrying also a hub parcel for depot 4.
    points = [(0, 0), (10, 0), (10, 10), (20, 0), (20, 10)]
    van = VehicleType(count=2, capacity=(10,), start=0)
    shipments = [Shipment(1, 4, (5,)), Shipment(2, 3, (5,)), Shipment(1, 3, (4,), pickup_service=3)]
    pooled = problem(points, [van], stops=[Stop(site=4, delivery=(3,))], shipments=shipments)
    solution = run(pooled)
    assert solution.feasible and not solution.unserved_shipments
    steps = {}
    for route_number, route in enumerate(solution.routes):
        for trip_number, trip in enumerate(route.trips):
            load = trip.loaded
            for position, visit in enumerate(trip.visits):
                load = tuple(a - d + p for a, d, p in zip(load, visit.delivered, visit.picked_up))
                assert all(0 <= amount <= 10 for amount in load)
                if visit.kind is not VisitKind.STOP:
                    steps[visit.index, visit.kind] = (route_number, trip_number, position, visit.site)
    for index, shipment in enumerate(shipments):
        route, trip, pickup_position, pickup_site = steps[index, VisitKind.SHIPMENT_PICKUP]
        same_route, same_trip, delivery_position, delivery_site = steps[index, VisitKind.SHIPMENT_DELIVERY]
        assert (route, trip) == (same_route, same_trip) and pickup_position < delivery_position
        assert (pickup_site, delivery_site) == (shipment.pickup_site, shipment.delivery_site)


def test_one_vehicle_makes_several_trips_when_its_capacity_forces_it():
    points = [(0, 0), (10, 0), (0, 10), (-10, 0), (0, -10), (10, 10)]
    stops = [Stop(site=i, delivery=(5,)) for i in range(1, 5)] + [Stop(site=5, pickup=(4,))]
    van = VehicleType(count=1, capacity=(10,), start=0, reload_sites=(0,))
    rounds = problem(points, [van], stops=stops)
    solution = run(rounds)
    assert solution.feasible and served_once(solution, rounds)
    (route,) = solution.routes
    assert len(route.trips) >= 2
    for trip in route.trips:
        assert (trip.start_site, trip.end_site) == (0, 0)
        assert trip.loaded[0] <= 10 and trip.unloaded[0] <= 10
        assert trip.departure <= trip.arrival
    assert sum(trip.unloaded[0] for trip in route.trips) == 4
    assert all(a.arrival <= b.departure for a, b in pairwise(route.trips))

    single = problem(points, [VehicleType(count=1, capacity=(10,), start=0, reload_sites=(0,), max_trips=1)],
                     stops=stops)
    assert not run(single).feasible


def test_an_optional_stop_is_served_only_when_its_prize_pays_for_the_detour():
    points = [(0, 0), (10, 0), (100, 0)]
    van = VehicleType(count=1, capacity=(10,), start=0)

    def with_prize(prize):
        return problem(points, [van], stops=[Stop(site=1, delivery=(1,)), Stop(site=2, delivery=(1,), prize=prize)])

    skipped = run(with_prize(Decimal(50)))
    assert skipped.feasible and skipped.unserved_stops == (1,) and skipped.cost == 20 and skipped.objective == 70
    served = run(with_prize(Decimal(500)))
    assert served.feasible and served.unserved_stops == () and served.cost == 200


def test_same_seed_same_solution():
    points = [(0, 0)] + [((i * 37) % 50, (i * 23) % 40) for i in range(1, 30)]
    van = VehicleType(count=10, capacity=(15,), start=0)
    random_like = problem(points, [van], stops=[Stop(site=i, delivery=(1 + i % 5,)) for i in range(1, 30)])
    first, second = run(random_like, seed=7), run(random_like, seed=7)
    assert first.routes == second.routes and first.objective == second.objective


def test_inconsistent_input_is_refused():
    points = [(0, 0), (1, 0)]
    van = VehicleType(count=1, capacity=(10, 2), start=0)
    with pytest.raises(ValueError, match="dimensions"):
        run(problem(points, [van], stops=[Stop(site=1, delivery=(1,))]))
    with pytest.raises(ValueError, match="site 5"):
        run(problem(points, [van], stops=[Stop(site=5, delivery=(1, 1))]))
    with pytest.raises(TypeError, match="float"):
        run(problem(points, [VehicleType(count=1, capacity=(10, 2), start=0, distance_cost=0.35)]))


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="sample instances not available")
@pytest.mark.parametrize("name, clients", [
    ("A-n32-k5.vrp", 31), ("E-n51-k5.vrp", 50), ("X-n101-k25.vrp", 100), ("C101.txt", 100), ("R201.txt", 100),
])
def test_readers_match_the_stated_cost_of_the_known_solutions(name, clients):
    path = SAMPLES / name
    instance = from_vrplib(path) if path.suffix == ".vrp" else from_solomon(path)
    known = read_solution(path.with_suffix(".sol"))
    assert len(instance.stops) == clients
    # The .sol files number clients by site; every stop is served exactly once.
    assert sorted(site for route in known.routes for site in route) == sorted(stop.site for stop in instance.stops)
    (vehicle,) = instance.vehicle_types
    depot = vehicle.start
    distance = sum(instance.distances[a][b] for route in known.routes for a, b in pairwise((depot, *route, depot)))
    assert distance * vehicle.distance_cost == known.cost
    demand = {stop.site: stop.delivery for stop in instance.stops}
    assert all(sum(demand[site][0] for site in route) <= vehicle.capacity[0] for route in known.routes)
