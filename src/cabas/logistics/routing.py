"""Vehicle routing for pooled transport, solved with PyVRP. Pure Python: no Django, plain dataclasses in and out.

A `Problem` is a set of sites indexed 0..n-1 with an n×n integer distance matrix and an n×n integer duration
matrix (any units, say metres and seconds: every distance and time in the problem and the solution is in those
units). On these sites:

- vehicle types start and end their routes at sites (a hub, a farm, a volunteer's home) and may come back to
  reload sites between trips;
- a `Stop` is a visit to one site: goods delivered there come from the vehicle's start site (or the reload site
  its trip began at), goods picked up there go to its end site (or the reload site its trip ends at). A plain
  delivery (hub to group depots), a plain pickup (farms to a hub), or both (drop goods, take back empty crates);
- a `Shipment` is a load picked up at one site and delivered at another by the same vehicle, in the same trip,
  pickup first: the pooled direct scheme, a van collecting at farms and delivering to group depots.

Loads and capacities are integer vectors with one entry per load dimension (say [kg, crates]). Each site may
have a time window in which service must start (stops, shipment steps) and, for sites where vehicles start,
end or reload, in which the vehicle may be there.

Money (fixed cost per route, cost per distance unit, cost per duration unit, prizes of optional stops) is given
as `Decimal` and returned as `Decimal`. PyVRP optimises integers: every money amount is multiplied by the
problem's `cost_scale` (integer cost units per money unit) and rounded. Without an explicit scale, the smallest
power of ten that keeps every amount exact, or within 0.05 %, is chosen. The solver's own objective is reported
in those integer units; the money figures of the solution are recomputed exactly from the Decimal amounts.

`solve()` runs PyVRP's iterated local search for a time budget (and optionally an iteration budget). A given
seed gives the same sequence of iterations, so with an iteration budget reached before the time budget the
result is reproducible; with a time budget alone it depends on how many iterations fit in the time.

Readers for the benchmark formats build the same `Problem`: `from_vrplib()` (CVRP, VRPLIB format, EUC_2D
distances rounded to the nearest integer per edge), `from_solomon()` (VRPTW, Solomon format, distances
truncated to one decimal per edge, hence in tenths, travel time = distance) and `read_solution()` for the
`.sol` files that come with them.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np
import pyvrp
import vrplib
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

_UNBOUNDED = np.iinfo(np.int64).max
# Smallest integer an inexact money amount may be scaled to: the rounding error is then at most 0.05 %.
_MIN_SCALED_AMOUNT = 1000
_MAX_SCALE_EXPONENT = 12

Money = Decimal | int


@dataclass(frozen=True)
class TimeWindow:
    """Earliest and latest time (duration units) at which service may start; `latest=None` leaves it open."""

    earliest: int = 0
    latest: int | None = None


@dataclass(frozen=True)
class Site:
    """A place: `window` bounds service at it; `loading` is the time to load a vehicle starting a trip here
    (meaningful for start and reload sites only)."""

    name: str = ""
    window: TimeWindow = TimeWindow()
    loading: int = 0


@dataclass(frozen=True)
class Stop:
    """A visit to `site`. `delivery` is taken from the trip's start site and dropped here, `pickup` is loaded
    here and taken to the trip's end site (one entry per load dimension; empty means nothing). `service` is the
    time spent on site. A stop with a `prize` is optional: it is served only if its prize outweighs its cost."""

    site: int
    delivery: tuple[int, ...] = ()
    pickup: tuple[int, ...] = ()
    service: int = 0
    prize: Money | None = None
    name: str = ""


@dataclass(frozen=True)
class Shipment:
    """`load` picked up at `pickup_site` and delivered at `delivery_site` by the same vehicle in the same trip.
    Services are the times spent loading and unloading. A shipment with a `prize` is optional."""

    pickup_site: int
    delivery_site: int
    load: tuple[int, ...]
    pickup_service: int = 0
    delivery_service: int = 0
    prize: Money | None = None
    name: str = ""


@dataclass(frozen=True)
class VehicleType:
    """`count` identical vehicles starting at site `start` and ending at site `end` (default: `start`).

    Costs are money per route (`fixed_cost`), per distance unit and per duration unit (the route's whole
    duration, waiting included). `shift` bounds the departure and the return; `max_duration` and
    `max_distance` bound a route. A vehicle may come back to any of `reload_sites` to unload its pickups and
    load its next deliveries, making a route of several trips, at most `max_trips` (None: no limit).
    """

    count: int
    capacity: tuple[int, ...]
    start: int
    end: int | None = None
    fixed_cost: Money = Decimal(0)
    distance_cost: Money = Decimal(1)
    duration_cost: Money = Decimal(0)
    shift: TimeWindow = TimeWindow()
    max_duration: int | None = None
    max_distance: int | None = None
    reload_sites: tuple[int, ...] = ()
    max_trips: int | None = None
    name: str = ""

    @property
    def end_site(self) -> int:
        return self.start if self.end is None else self.end


@dataclass(frozen=True)
class Problem:
    """A routing problem: `sites[i]` is site i, `distances[i][j]` and `durations[i][j]` the travel from i to
    j. `cost_scale` is the number of integer cost units per money unit the solver works with (None: chosen
    automatically, see the module docstring)."""

    sites: Sequence[Site]
    distances: Sequence[Sequence[int]]
    durations: Sequence[Sequence[int]]
    vehicle_types: Sequence[VehicleType]
    stops: Sequence[Stop] = ()
    shipments: Sequence[Shipment] = ()
    cost_scale: int | None = None
    name: str = ""

    @property
    def dimensions(self) -> int:
        """Number of load dimensions (that of the vehicle capacities)."""
        return len(self.vehicle_types[0].capacity) if self.vehicle_types else 0


class VisitKind(enum.Enum):
    STOP = "stop"
    SHIPMENT_PICKUP = "shipment_pickup"
    SHIPMENT_DELIVERY = "shipment_delivery"


@dataclass(frozen=True)
class Visit:
    """One service along a trip: `index` is the stop's index in `Problem.stops` (kind STOP) or the shipment's
    in `Problem.shipments`. `delivered` is unloaded here, `picked_up` loaded here (full load vectors).
    `arrival` is when the vehicle gets there, `start` when service starts (after waiting for the window),
    `end` when it leaves."""

    kind: VisitKind
    index: int
    site: int
    delivered: tuple[int, ...]
    picked_up: tuple[int, ...]
    arrival: int
    start: int
    end: int


@dataclass(frozen=True)
class Trip:
    """A leg of a route between two depot visits: leaves `start_site` at `departure` with `loaded` on board
    (the deliveries of its stops), comes to `end_site` at `arrival` with `unloaded` (the pickups of its
    stops). Shipments are picked up and delivered within the trip and counted in neither."""

    start_site: int
    end_site: int
    departure: int
    arrival: int
    loaded: tuple[int, ...]
    unloaded: tuple[int, ...]
    visits: tuple[Visit, ...]


@dataclass(frozen=True)
class Route:
    """The work of one vehicle of type `vehicle_type` (index in `Problem.vehicle_types`): its trips in order,
    from `start` (leaving its start site) to `end` (back at its end site). `cost` is its fixed, distance and
    duration cost in money."""

    vehicle_type: int
    trips: tuple[Trip, ...]
    start: int
    end: int
    distance: int
    duration: int
    cost: Decimal

    @property
    def visits(self) -> tuple[Visit, ...]:
        return tuple(visit for trip in self.trips for visit in trip.visits)


@dataclass(frozen=True)
class Solution:
    """The best solution found. `cost` is the money spent by all routes. `objective` is the solver's own
    integer objective in units of 1/`cost_scale` money: the scaled route costs plus the prizes of the optional
    stops and shipments left out. `feasible` is False if any capacity, time window, shift, distance or required
    service is violated; the routes are then not a usable plan. `unserved_stops` and `unserved_shipments` are
    the indices left out (only optional ones when feasible)."""

    routes: tuple[Route, ...]
    distance: int
    duration: int
    cost: Decimal
    objective: int
    cost_scale: int
    feasible: bool
    unserved_stops: tuple[int, ...]
    unserved_shipments: tuple[int, ...]
    iterations: int
    runtime: float


@dataclass(frozen=True)
class KnownSolution:
    """A solution file's routes (site indices, depot left out) and its stated cost."""

    routes: tuple[tuple[int, ...], ...]
    cost: Decimal


def solve(problem: Problem, *, seconds: float, seed: int = 0, max_iterations: int | None = None) -> Solution:
    """Solve `problem` with PyVRP for at most `seconds` (and at most `max_iterations` iterations if given)."""
    _validate(problem)
    scale = problem.cost_scale or choose_cost_scale(problem)
    data = _problem_data(problem, scale)
    stop = MaxRuntime(seconds)
    if max_iterations is not None:
        stop = MultipleCriteria([stop, MaxIterations(max_iterations)])
    result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False, params=_params(data))
    return _solution(problem, data, result, scale)


def choose_cost_scale(problem: Problem) -> int:
    """Smallest power of ten turning every money amount of `problem` into an integer, or into one of at least
    1000 (rounding error at most 0.05 %)."""
    amounts = [_money(amount) for amount in _money_amounts(problem)]
    for exponent in range(_MAX_SCALE_EXPONENT + 1):
        scale = 10**exponent
        if all(_scale_is_fine(amount * scale) for amount in amounts if amount):
            return scale
    raise ValueError("No cost scale up to 10**12 represents these money amounts; pass Problem.cost_scale.")


def from_vrplib(path: str | Path) -> Problem:
    """A CVRP instance in VRPLIB format: one depot, demands in one dimension, Euclidean distances (EUC_2D)
    rounded to the nearest integer per edge, or an explicit matrix. Travel time equals distance; the cost is
    the total distance; vehicles: the VEHICLES field, else as many as clients."""
    instance = vrplib.read_instance(str(path), compute_edge_weights=False)
    unsupported = set(instance) - {
        "name", "comment", "type", "dimension", "edge_weight_type", "edge_weight_format", "capacity",
        "node_coord", "demand", "depot", "vehicles", "edge_weight", "display_data_type", "display_data",
    }
    if unsupported or instance.get("type", "CVRP") != "CVRP" or len(instance["depot"]) != 1:
        raise ValueError(f"{path}: only single-depot CVRP is supported (unsupported fields: {sorted(unsupported)}).")
    size = instance["dimension"]
    if instance["edge_weight_type"] == "EUC_2D":
        coordinates = instance["node_coord"].tolist()
        distances = [[_rounded_distance(a, b) for b in coordinates] for a in coordinates]
    elif instance["edge_weight_type"] == "EXPLICIT":
        distances = np.rint(instance["edge_weight"]).astype(np.int64).tolist()
    else:
        raise ValueError(f"{path}: edge weight type {instance['edge_weight_type']} is not supported.")
    depot = int(instance["depot"][0])
    demands = instance["demand"].tolist()
    stops = [Stop(site=i, delivery=(int(demands[i]),), name=str(i)) for i in range(size) if i != depot]
    vehicle = VehicleType(
        count=int(instance.get("vehicles", len(stops))), capacity=(int(instance["capacity"]),), start=depot,
        distance_cost=Decimal(1),
    )
    sites = [Site(name=str(i)) for i in range(size)]
    return Problem(sites=sites, distances=distances, durations=distances, vehicle_types=[vehicle], stops=stops,
                   name=instance.get("name", Path(path).stem))


def from_solomon(path: str | Path) -> Problem:
    """A VRPTW instance in Solomon's format, under the usual (DIMACS) convention: each edge's Euclidean
    distance truncated to one decimal, so distances, times and services are in tenths (the problem's units);
    travel time equals distance; the depot's window bounds departures and returns; the cost is the total
    distance only (0.1 per unit, no fixed cost), with the stated number of vehicles at most."""
    instance = vrplib.read_instance(str(path), instance_format="solomon", compute_edge_weights=False)
    coordinates = instance["node_coord"].tolist()
    distances = [[_truncated_tenths(a, b) for b in coordinates] for a in coordinates]
    windows = instance["time_window"].tolist()
    sites = [Site(name=str(i), window=TimeWindow(10 * int(early), 10 * int(late)))
             for i, (early, late) in enumerate(windows)]
    demands, services = instance["demand"].tolist(), instance["service_time"].tolist()
    stops = [Stop(site=i, delivery=(int(demands[i]),), service=round(10 * services[i]), name=str(i))
             for i in range(1, len(coordinates))]
    vehicle = VehicleType(count=int(instance["vehicles"]), capacity=(int(instance["capacity"]),), start=0,
                          distance_cost=Decimal("0.1"))
    return Problem(sites=sites, distances=distances, durations=distances, vehicle_types=[vehicle], stops=stops,
                   name=instance.get("name", Path(path).stem))


def read_solution(path: str | Path) -> KnownSolution:
    """A `.sol` file: `Route #k: i j ...` lines (site indices, depot left out) and a `Cost N` line."""
    routes, cost = [], None
    for line in Path(path).read_text().splitlines():
        if match := re.match(r"\s*Route\s*#\d+\s*:(.*)", line, re.IGNORECASE):
            routes.append(tuple(int(token) for token in match.group(1).split()))
        elif match := re.match(r"\s*Cost\s+(\S+)", line, re.IGNORECASE):
            cost = Decimal(match.group(1))
    if cost is None:
        raise ValueError(f"{path}: no Cost line.")
    return KnownSolution(routes=tuple(routes), cost=cost)


def _rounded_distance(a: Sequence[float], b: Sequence[float]) -> int:
    return int(math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) + 0.5)


def _truncated_tenths(a: Sequence[float], b: Sequence[float]) -> int:
    """Euclidean distance in tenths, truncated; exact (integer square root) for integer coordinates."""
    squared = (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
    if isinstance(squared, int):
        return math.isqrt(100 * squared)
    return int(10 * math.sqrt(squared))


def _money(amount: Money) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("Money amounts must be Decimal or int, not float.")
    return Decimal(amount)


def _money_amounts(problem: Problem) -> list[Money]:
    amounts: list[Money] = []
    for vehicle in problem.vehicle_types:
        amounts += [vehicle.fixed_cost, vehicle.distance_cost, vehicle.duration_cost]
    amounts += [item.prize for item in (*problem.stops, *problem.shipments) if item.prize is not None]
    return amounts


def _scale_is_fine(scaled: Decimal) -> bool:
    return scaled == scaled.to_integral_value() or abs(scaled) >= _MIN_SCALED_AMOUNT


def _scaled(amount: Money, scale: int) -> int:
    return int((_money(amount) * scale).to_integral_value(ROUND_HALF_EVEN))


def _validate(problem: Problem) -> None:
    size = len(problem.sites)
    for name, matrix in (("distances", problem.distances), ("durations", problem.durations)):
        if len(matrix) != size or any(len(row) != size for row in matrix):
            raise ValueError(f"{name} must be a {size}×{size} matrix (one row and column per site).")
    if not problem.vehicle_types:
        raise ValueError("At least one vehicle type is needed.")
    if problem.cost_scale is not None and problem.cost_scale < 1:
        raise ValueError("cost_scale must be a positive integer (or None to choose it).")
    dimensions = problem.dimensions

    def check_site(site: int, what: str) -> None:
        if not 0 <= site < size:
            raise ValueError(f"{what}: site {site} is not in 0..{size - 1}.")

    def check_load(load: tuple[int, ...], what: str) -> None:
        if load and len(load) != dimensions:
            raise ValueError(f"{what}: load {load} must have {dimensions} dimensions, like the capacities.")
        if any(amount < 0 for amount in load):
            raise ValueError(f"{what}: load {load} must not be negative.")

    for index, vehicle in enumerate(problem.vehicle_types):
        what = f"vehicle type {index}"
        for site in _vehicle_sites(vehicle):
            check_site(site, what)
        if len(vehicle.capacity) != dimensions:
            raise ValueError(f"{what}: every vehicle type needs {dimensions} capacity dimensions.")
        if vehicle.count < 1:
            raise ValueError(f"{what}: count must be at least 1.")
        trips = vehicle.max_trips
        if trips is not None and (trips < 1 or trips > 1 and not vehicle.reload_sites):
            raise ValueError(f"{what}: max_trips must be at least 1, and more than 1 only with reload sites.")
    for index, stop in enumerate(problem.stops):
        check_site(stop.site, f"stop {index}")
        check_load(stop.delivery, f"stop {index}")
        check_load(stop.pickup, f"stop {index}")
    for index, shipment in enumerate(problem.shipments):
        check_site(shipment.pickup_site, f"shipment {index}")
        check_site(shipment.delivery_site, f"shipment {index}")
        check_load(shipment.load, f"shipment {index}")


def _full(load: tuple[int, ...], dimensions: int) -> tuple[int, ...]:
    return load or (0,) * dimensions


def _depot_sites(problem: Problem) -> list[int]:
    """Sites where vehicles start, end or reload, in a fixed order: PyVRP depot i is site _depot_sites()[i]."""
    return sorted({site for vehicle in problem.vehicle_types for site in _vehicle_sites(vehicle)})


def _vehicle_sites(vehicle: VehicleType) -> tuple[int, ...]:
    return (vehicle.start, vehicle.end_site, *vehicle.reload_sites)


def _bound(value: int | None) -> int:
    """An optional upper bound as PyVRP wants it: None is the largest int64 (unconstrained)."""
    return _UNBOUNDED if value is None else value


def _window(site: Site) -> tuple[int, int]:
    return site.window.earliest, _bound(site.window.latest)


def _problem_data(problem: Problem, scale: int) -> pyvrp.ProblemData:
    dimensions = problem.dimensions
    locations = [pyvrp.Location(x=0, y=0, name=site.name) for site in problem.sites]
    depot_sites = _depot_sites(problem)
    depot_of_site = {site: index for index, site in enumerate(depot_sites)}
    depots = []
    for site in depot_sites:
        early, late = _window(problem.sites[site])
        depots.append(pyvrp.Depot(location=site, tw_early=early, tw_late=late,
                                  service_duration=problem.sites[site].loading, name=problem.sites[site].name))
    clients = []
    for stop in problem.stops:
        early, late = _window(problem.sites[stop.site])
        clients.append(pyvrp.Client(
            location=stop.site, delivery=list(_full(stop.delivery, dimensions)),
            pickup=list(_full(stop.pickup, dimensions)), service_duration=stop.service, tw_early=early,
            tw_late=late, prize=0 if stop.prize is None else _scaled(stop.prize, scale),
            required=stop.prize is None, name=stop.name,
        ))
    shipments = []
    for shipment in problem.shipments:
        pickup_early, pickup_late = _window(problem.sites[shipment.pickup_site])
        delivery_early, delivery_late = _window(problem.sites[shipment.delivery_site])
        shipments.append(pyvrp.Shipment(
            pickup_location=shipment.pickup_site, delivery_location=shipment.delivery_site,
            pickup_tw_early=pickup_early, pickup_tw_late=pickup_late, pickup_service_duration=shipment.pickup_service,
            delivery_tw_early=delivery_early, delivery_tw_late=delivery_late,
            delivery_service_duration=shipment.delivery_service, amount=list(_full(shipment.load, dimensions)),
            prize=0 if shipment.prize is None else _scaled(shipment.prize, scale), required=shipment.prize is None,
            name=shipment.name,
        ))
    vehicle_types = []
    for vehicle in problem.vehicle_types:
        optional = {}
        if vehicle.max_trips is not None:
            optional["max_reloads"] = vehicle.max_trips - 1
        vehicle_types.append(pyvrp.VehicleType(
            num_available=vehicle.count, capacity=list(vehicle.capacity), start_depot=depot_of_site[vehicle.start],
            end_depot=depot_of_site[vehicle.end_site], fixed_cost=_scaled(vehicle.fixed_cost, scale),
            tw_early=vehicle.shift.earliest, tw_late=_bound(vehicle.shift.latest),
            shift_duration=_bound(vehicle.max_duration), max_distance=_bound(vehicle.max_distance),
            unit_distance_cost=_scaled(vehicle.distance_cost, scale),
            unit_duration_cost=_scaled(vehicle.duration_cost, scale),
            reload_depots=[depot_of_site[site] for site in vehicle.reload_sites], name=vehicle.name, **optional,
        ))
    distances = np.asarray(problem.distances, dtype=np.int64)
    durations = np.asarray(problem.durations, dtype=np.int64)
    return pyvrp.ProblemData(locations, clients, depots, vehicle_types, [distances], [durations], [], shipments)


def _params(data: pyvrp.ProblemData) -> pyvrp.SolveParams:
    """PyVRP's default parameters, with the penalty bounds scaled by the largest unit cost: PyVRP's defaults
    assume a cost of about 1 per distance unit, and penalties must stay large next to the travel costs."""
    unit = max(1, *(max(v.unit_distance_cost, v.unit_duration_cost) for v in data.vehicle_types()))
    defaults = pyvrp.PenaltyParams()
    penalty = pyvrp.PenaltyParams(min_penalty=defaults.min_penalty * unit, max_penalty=defaults.max_penalty * unit)
    return pyvrp.SolveParams(penalty=penalty)


def _solution(problem: Problem, data: pyvrp.ProblemData, result: pyvrp.Result, scale: int) -> Solution:
    best = result.best
    dimensions = problem.dimensions
    depot_sites = _depot_sites(problem)
    routes = tuple(_route(problem, route, depot_sites, dimensions) for route in best.routes())
    unplanned = best.unplanned()
    objective = pyvrp.CostEvaluator([0] * data.num_load_dimensions, 0, 0).penalised_cost(best)
    return Solution(
        routes=routes,
        distance=best.distance(),
        duration=best.duration(),
        cost=sum((route.cost for route in routes), Decimal(0)),
        objective=objective,
        cost_scale=scale,
        feasible=best.is_feasible(),
        unserved_stops=tuple(sorted({a.idx for a in unplanned if a.is_client()})),
        unserved_shipments=tuple(sorted({a.idx for a in unplanned if a.is_shipment()})),
        iterations=result.num_iterations,
        runtime=result.runtime,
    )


def _route(problem: Problem, route: pyvrp.Route, depot_sites: list[int], dimensions: int) -> Route:
    trips: list[Trip] = []
    visits: list[Visit] = []
    start_site = departure = None
    for activity in route.schedule():
        arrival = activity.start_time - activity.wait_duration + activity.time_warp
        if activity.is_depot():
            site = depot_sites[activity.idx]
            if start_site is not None:
                trips.append(_trip(problem, start_site, site, departure, arrival, visits, dimensions))
            start_site, departure, visits = site, activity.end_time, []
        else:
            visits.append(_visit(problem, activity, arrival, dimensions))
    vehicle = problem.vehicle_types[route.vehicle_type()]
    cost = (_money(vehicle.fixed_cost) + _money(vehicle.distance_cost) * route.distance()
            + _money(vehicle.duration_cost) * route.duration())
    return Route(
        vehicle_type=route.vehicle_type(), trips=tuple(trips), start=route.start_time(), end=route.end_time(),
        distance=route.distance(), duration=route.duration(), cost=cost,
    )


def _visit(problem: Problem, activity: pyvrp.ScheduledActivity, arrival: int, dimensions: int) -> Visit:
    nothing = (0,) * dimensions
    if activity.is_client():
        stop = problem.stops[activity.idx]
        kind, site = VisitKind.STOP, stop.site
        delivered, picked_up = _full(stop.delivery, dimensions), _full(stop.pickup, dimensions)
    elif activity.is_pickup():
        shipment = problem.shipments[activity.idx]
        kind, site = VisitKind.SHIPMENT_PICKUP, shipment.pickup_site
        delivered, picked_up = nothing, _full(shipment.load, dimensions)
    else:
        shipment = problem.shipments[activity.idx]
        kind, site = VisitKind.SHIPMENT_DELIVERY, shipment.delivery_site
        delivered, picked_up = _full(shipment.load, dimensions), nothing
    return Visit(kind=kind, index=activity.idx, site=site, delivered=delivered, picked_up=picked_up,
                 arrival=arrival, start=activity.start_time, end=activity.end_time)


def _trip(problem: Problem, start_site: int, end_site: int, departure: int, arrival: int, visits: list[Visit],
          dimensions: int) -> Trip:
    stops = [problem.stops[visit.index] for visit in visits if visit.kind is VisitKind.STOP]
    loaded = tuple(sum(_full(stop.delivery, dimensions)[d] for stop in stops) for d in range(dimensions))
    unloaded = tuple(sum(_full(stop.pickup, dimensions)[d] for stop in stops) for d in range(dimensions))
    return Trip(start_site=start_site, end_site=end_site, departure=departure, arrival=arrival, loaded=loaded,
                unloaded=unloaded, visits=tuple(visits))
