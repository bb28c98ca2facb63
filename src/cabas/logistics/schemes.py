"""The three ways of carrying a cycle's goods from the farms to the groups' depots, as routing problems, and what
each costs. Pure Python: no Django import; plain dataclasses in and out.

Inputs
------
- :class:`Place`: a farm, a depot, a hub or a vehicle's home, by a hashable key, with a window (seconds since
  midnight of the delivery day: when the farm can be called at, when the depot can receive) and the service
  time of a stop there (seconds).
- :class:`Load`: what goes from one producer (its place) to one depot, in whole kilograms and whole crates,
  chilled or not (chilled goods travel only in refrigerated vehicles).
- :class:`Vehicle`: the club's vehicles (``count`` alike), capacities in kg and crates, costs per km, per
  hour and per round, home place, CO2 per km. :class:`OwnVehicle`: what a participant's own vehicle
  costs (a producer delivering alone, a group fetching at a hub).
- :class:`Territory`: the places, a distance :class:`~cabas.logistics.distances.Matrix` keyed by the places'
  keys (metres and seconds), the day's window and the own vehicle.

Schemes
-------
- ``OWN`` (the baseline): each producer's own vehicle leaves its farm, delivers the depots it serves and comes
  back (several trips if its loads exceed the vehicle); one small problem per producer.
- ``DIRECT``: pooled rounds; each load is a shipment picked up at its farm and delivered at its depot by the
  same vehicle in the same trip, pick-up first.
- ``HUB``: collection rounds pick up the farms' goods and bring them to the hub (several trips, unloading
  at the hub), then delivery rounds take them from the hub to the depots. The hub's mode decides when the
  deliveries can leave: ``CROSS_DOCK`` once the last collection is in plus the sorting time; ``STORAGE``
  from the start of the day (collected the day before, stored overnight); ``HUB_PICKUP``: no delivery
  rounds, each group fetches its goods at the hub with its own vehicle once they are sorted.

A load larger than the largest vehicle that may carry it is split into equal parts; the parts of a site
(farm or depot) are packed into as few stops as fit a vehicle, and a site's service time is spread over its
stops (one service when one vehicle serves them all in one visit).

Costs
-----
A round costs ``fixed + €/km × km + €/h × hours`` (hours from leaving to coming back, waiting included),
rounded half-up to the cent; its CO2 is ``g/km × km``. A plan's totals are the sums of its rounds';
:func:`saving` is the baseline's totals minus a plan's. The solver optimises the same costs (a vehicle
with no cost per km still counts a thousandth of a euro per km, so that rounds stay short).

For cost sharing, :func:`loads_of` builds the loads of a coalition of participants from each one's exact
part of each (producer, depot) load, and :func:`cost_function` costs a coalition by planning its loads alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction

from cabas.core.errors import CodedError
from cabas.core.errors import translatable as _

from . import routing
from .distances import Matrix

OWN, DIRECT, HUB = "own", "direct", "hub"
SCHEMES = (OWN, DIRECT, HUB)

CROSS_DOCK, STORAGE, HUB_PICKUP = "cross_dock", "storage", "pickup"
HUB_MODES = (CROSS_DOCK, STORAGE, HUB_PICKUP)

# Round echelons
ECHELON_OWN, ECHELON_DIRECT, COLLECTION, DELIVERY, FETCH = "own", "direct", "collection", "delivery", "fetch"
# Call actions
START, PICKUP, DROP, RELOAD, END = "start", "pickup", "delivery", "reload", "end"
# Line actions
LOAD, UNLOAD = "load", "unload"

DAY = 24 * 3600
CENT = Decimal("0.01")
MIN_SOLVER_COST_PER_KM = Decimal("0.001")

# SchemeError codes
NO_VEHICLE = "no_vehicle"
NO_REFRIGERATED = "no_refrigerated"
NO_HUB = "no_hub"
UNKNOWN_PLACE = "unknown_place"
UNKNOWN_SCHEME = "unknown_scheme"



class SchemeError(CodedError):
    """Inputs a scheme cannot plan (``code``: one of the module's codes)."""


# --- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    key: Hashable
    name: str = ""
    opens: int = 0
    closes: int = DAY
    service: int = 0


@dataclass(frozen=True)
class Load:
    producer: Hashable
    depot: Hashable
    kg: int
    crates: int
    chilled: bool = False


@dataclass(frozen=True)
class Vehicle:
    key: Hashable
    name: str
    capacity_kg: int
    capacity_crates: int
    home: Hashable
    count: int = 1
    refrigerated: bool = False
    cost_per_km: Decimal = Decimal(0)
    cost_per_hour: Decimal = Decimal(0)
    fixed_cost: Decimal = Decimal(0)
    co2_g_per_km: Decimal = Decimal(0)


@dataclass(frozen=True)
class OwnVehicle:
    capacity_kg: int = 600
    capacity_crates: int = 40
    cost_per_km: Decimal = Decimal("0.45")
    cost_per_hour: Decimal = Decimal("18")
    co2_g_per_km: Decimal = Decimal("220")
    fixed_cost: Decimal = Decimal(0)


@dataclass(frozen=True)
class Hub:
    place: Hashable
    mode: str = CROSS_DOCK
    handling: int = 0  # seconds of sorting between the last collection and the first delivery (cross-dock)


@dataclass(frozen=True)
class Territory:
    places: Mapping[Hashable, Place]
    matrix: Matrix
    day: tuple[int, int] = (0, DAY)
    own: OwnVehicle = OwnVehicle()


@dataclass(frozen=True)
class Budget:
    """The solver's time budget per problem, and optionally an iteration budget (reproducible runs)."""

    seconds: float
    max_iterations: int | None = None
    seed: int = 0


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """What to load or unload at a call: part of the goods going from ``producer`` to ``depot``."""

    action: str
    producer: Hashable
    depot: Hashable
    kg: int
    crates: int
    chilled: bool = False


@dataclass(frozen=True)
class Call:
    place: Hashable
    action: str
    arrival: int
    departure: int
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class Totals:
    km: Decimal
    hours: Decimal
    cost: Decimal
    co2_kg: Decimal

    def __sub__(self, other: Totals) -> Totals:
        return Totals(self.km - other.km, self.hours - other.hours, self.cost - other.cost, self.co2_kg - other.co2_kg)


ZERO_TOTALS = Totals(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))


@dataclass(frozen=True)
class Round:
    """One vehicle's work: ``calls`` in order (departure, pick-ups and deliveries, reloads, return).
    ``vehicle`` is the club vehicle's key, None for an own vehicle (then ``owner`` is the producer's or the
    depot's place)."""

    echelon: str
    vehicle: Hashable | None
    name: str
    calls: tuple[Call, ...]
    metres: int
    seconds: int
    trips: int
    cost: Decimal
    co2_kg: Decimal
    refrigerated: bool = False
    owner: Hashable | None = None

    @property
    def km(self) -> Decimal:
        return (Decimal(self.metres) / 1000).quantize(CENT, ROUND_HALF_UP)

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.seconds) / 3600).quantize(CENT, ROUND_HALF_UP)

    @property
    def start(self) -> int:
        return self.calls[0].departure if self.calls else 0

    @property
    def end(self) -> int:
        return self.calls[-1].arrival if self.calls else 0


@dataclass(frozen=True)
class Plan:
    scheme: str
    rounds: tuple[Round, ...]
    feasible: bool
    unserved: tuple[Load, ...] = ()
    iterations: int = 0
    runtime: float = 0.0
    problems: int = 0

    @property
    def totals(self) -> Totals:
        return Totals(
            km=sum((r.km for r in self.rounds), Decimal("0.00")),
            hours=(Decimal(sum(r.seconds for r in self.rounds)) / 3600).quantize(CENT, ROUND_HALF_UP),
            cost=sum((r.cost for r in self.rounds), Decimal("0.00")),
            co2_kg=sum((r.co2_kg for r in self.rounds), Decimal("0.00")),
        )

    @property
    def cost(self) -> Decimal:
        return self.totals.cost


def saving(plan: Plan, baseline: Plan) -> Totals:
    """What ``plan`` saves against ``baseline`` in km, hours, euros and kg of CO2 (negative: it costs more)."""
    return baseline.totals - plan.totals


def round_cost(fixed: Decimal, per_km: Decimal, per_hour: Decimal, metres: int, seconds: int) -> Decimal:
    """fixed + €/km × km + €/h × hours, exactly, then rounded half-up to the cent."""
    exact = Fraction(fixed) + Fraction(per_km) * metres / 1000 + Fraction(per_hour) * seconds / 3600
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(CENT, ROUND_HALF_UP)


def co2_kg(g_per_km: Decimal, metres: int) -> Decimal:
    return (Decimal(g_per_km) * metres / 1_000_000).quantize(CENT, ROUND_HALF_UP)


# --- built problems -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fleet:
    """Per vehicle type of a problem: what the plan says of it."""

    key: Hashable | None
    name: str
    refrigerated: bool
    cost_per_km: Decimal
    cost_per_hour: Decimal
    fixed_cost: Decimal
    co2_g_per_km: Decimal
    owner: Hashable | None = None


@dataclass(frozen=True)
class Built:
    """A routing problem of a scheme and what its solution means: ``places[i]`` is routing site i's place,
    ``stop_parts[i]`` the parts of the loads stop i carries (picked up if ``stop_pickup[i]``, else delivered),
    ``shipment_parts[i]`` shipment i's part."""

    problem: routing.Problem
    echelon: str
    places: tuple[Hashable, ...]
    fleet: tuple[_Fleet, ...]
    stop_parts: tuple[tuple[Load, ...], ...] = ()
    stop_pickup: tuple[bool, ...] = ()
    shipment_parts: tuple[Load, ...] = ()


class _Sites:
    """The routing sites of a problem: a place used as a vehicle base (start, end, reload: the day's or the
    hub's window) is a different routing site from the same place visited as a stop (its own window)."""

    def __init__(self, territory: Territory):
        self.territory = territory
        self.sites: list[routing.Site] = []
        self.places: list[Hashable] = []
        self._index: dict[tuple[str, Hashable], int] = {}

    def _add(self, role: str, key: Hashable, window: routing.TimeWindow, loading: int = 0) -> int:
        found = self._index.get((role, key))
        if found is not None:
            return found
        place = self.territory.places[key]
        self.sites.append(routing.Site(name=f"{place.name or key}", window=window, loading=loading))
        self.places.append(key)
        self._index[role, key] = len(self.sites) - 1
        return len(self.sites) - 1

    def client(self, key: Hashable) -> int:
        place = self.territory.places[key]
        return self._add("client", key, routing.TimeWindow(place.opens, place.closes))

    def base(self, key: Hashable) -> int:
        start, end = self.territory.day
        return self._add("base", key, routing.TimeWindow(start, end))

    def hub(self, key: Hashable) -> int:
        place = self.territory.places[key]
        start, end = self.territory.day
        window = routing.TimeWindow(max(start, place.opens), min(end, place.closes))
        return self._add("hub", key, window, loading=place.service)

    def matrices(self) -> tuple[list[list[int]], list[list[int]]]:
        matrix = self.territory.matrix
        positions = [matrix.index(key) for key in self.places]
        distances = [[matrix.distances[i][j] for j in positions] for i in positions]
        durations = [[matrix.durations[i][j] for j in positions] for i in positions]
        return distances, durations


def _solver_costs(per_km: Decimal, per_hour: Decimal) -> tuple[Decimal, Decimal]:
    """Costs per metre and per second for the solver."""
    return max(Decimal(per_km), MIN_SOLVER_COST_PER_KM) / 1000, Decimal(per_hour) / 3600


def _vehicle_type(vehicle: Vehicle | OwnVehicle, *, count: int, capacity: tuple[int, ...], start: int, end: int,
                  reload: tuple[int, ...], shift: routing.TimeWindow, name: str) -> routing.VehicleType:
    per_metre, per_second = _solver_costs(vehicle.cost_per_km, vehicle.cost_per_hour)
    return routing.VehicleType(
        count=count, capacity=capacity, start=start, end=end, fixed_cost=Decimal(vehicle.fixed_cost),
        distance_cost=per_metre, duration_cost=per_second, shift=shift, reload_sites=reload, name=name,
    )


def _capacity(vehicle: Vehicle) -> tuple[int, int, int]:
    return vehicle.capacity_kg, vehicle.capacity_crates, vehicle.capacity_kg if vehicle.refrigerated else 0


def _amount(part: Load, chilled_dimension: bool = True) -> tuple[int, ...]:
    if not chilled_dimension:
        return part.kg, part.crates
    return part.kg, part.crates, part.kg if part.chilled else 0


def _split(load: Load, capacity_kg: int, capacity_crates: int) -> list[Load]:
    """A load in as few equal parts as fit the capacities."""
    parts = max(1, -(-load.kg // capacity_kg), -(-load.crates // capacity_crates))
    return [
        Load(load.producer, load.depot, load.kg // parts + (i < load.kg % parts),
             load.crates // parts + (i < load.crates % parts), load.chilled)
        for i in range(parts)
    ]


def _pack(loads: Iterable[Load], capacity_kg: int, capacity_crates: int) -> list[tuple[Load, ...]]:
    """The loads (split if needed) packed first-fit decreasing into chunks that fit the capacities."""
    parts = [part for load in loads for part in _split(load, capacity_kg, capacity_crates)]
    parts.sort(key=lambda p: (-p.kg, -p.crates, str(p.producer), str(p.depot)))
    chunks: list[list[Load]] = []
    used: list[list[int]] = []  # kg and crates of each chunk
    for part in parts:
        for chunk, amounts in zip(chunks, used):
            if amounts[0] + part.kg <= capacity_kg and amounts[1] + part.crates <= capacity_crates:
                break
        else:
            chunk, amounts = [], [0, 0]
            chunks.append(chunk)
            used.append(amounts)
        chunk.append(part)
        amounts[0] += part.kg
        amounts[1] += part.crates
    return [tuple(chunk) for chunk in chunks]


def _largest(vehicles: Sequence[Vehicle], chilled: bool) -> Vehicle:
    able = [v for v in vehicles if v.refrigerated or not chilled]
    if not able:
        raise SchemeError(NO_REFRIGERATED, _("Chilled goods need a refrigerated vehicle, and there is none."))
    return max(able, key=lambda v: (v.capacity_kg, v.capacity_crates))


def _packed_by_site(loads: Sequence[Load], vehicles: Sequence[Vehicle], site_of: Callable[[Load], Hashable]):
    """Chunks of loads per site (farm or depot), chilled and ambient apart, each fitting the largest vehicle
    that may carry it: [(site, chunk)] in a stable order."""
    grouped: dict[tuple[Hashable, bool], list[Load]] = defaultdict(list)
    for load in loads:
        grouped[site_of(load), load.chilled].append(load)
    result = []
    for (site, chilled), site_loads in grouped.items():
        largest = _largest(vehicles, chilled)
        for chunk in _pack(site_loads, largest.capacity_kg, largest.capacity_crates):
            result.append((site, chunk))
    return result


def _check(territory: Territory, loads: Sequence[Load], vehicles: Sequence[Vehicle] = ()) -> list[Load]:
    merged: dict[tuple, list[int]] = {}
    for load in loads:
        for key in (load.producer, load.depot):
            if key not in territory.places:
                raise SchemeError(UNKNOWN_PLACE, _("%(place)s has no coordinates."), place=key)
        if load.kg < 0 or load.crates < 0:
            raise ValueError(f"a load cannot be negative: {load}")
        amounts = merged.setdefault((load.producer, load.depot, load.chilled), [0, 0])
        amounts[0] += load.kg
        amounts[1] += load.crates
    for vehicle in vehicles:
        if vehicle.home not in territory.places:
            raise SchemeError(UNKNOWN_PLACE, _("%(place)s has no coordinates."), place=vehicle.home)
        if vehicle.capacity_kg < 1 or vehicle.capacity_crates < 1 or vehicle.count < 1:
            raise ValueError(f"a vehicle needs positive capacities and count: {vehicle}")
    return [Load(p, d, kg, crates, chilled) for (p, d, chilled), (kg, crates) in merged.items() if kg or crates]


def _fleet(vehicle: Vehicle) -> _Fleet:
    return _Fleet(vehicle.key, vehicle.name, vehicle.refrigerated, Decimal(vehicle.cost_per_km),
                  Decimal(vehicle.cost_per_hour), Decimal(vehicle.fixed_cost), Decimal(vehicle.co2_g_per_km))


def own_problems(territory: Territory, loads: Sequence[Load]) -> list[Built]:
    """The baseline: one problem per producer, its own vehicle leaving its farm (several trips if needed)."""
    loads = _check(territory, loads)
    own = territory.own
    by_producer: dict[Hashable, list[Load]] = defaultdict(list)
    for load in loads:
        by_producer[load.producer].append(load)
    built = []
    start, end = territory.day
    for producer, producer_loads in by_producer.items():
        sites = _Sites(territory)
        farm = sites.base(producer)
        stops, parts = [], []
        chunks = []
        by_depot: dict[Hashable, list[Load]] = defaultdict(list)
        for load in producer_loads:
            by_depot[load.depot].append(load)
        for depot, depot_loads in by_depot.items():
            for chunk in _pack(depot_loads, own.capacity_kg, own.capacity_crates):
                chunks.append((depot, chunk))
        per_site = _count_by_site(chunks)
        for depot, chunk in chunks:
            service = territory.places[depot].service // per_site[depot]
            stops.append(routing.Stop(site=sites.client(depot), delivery=_total(chunk, chilled=False), service=service,
                                      name=f"{producer}→{depot}"))
            parts.append(chunk)
        name = territory.places[producer].name or str(producer)
        vehicle = _vehicle_type(own, count=1, capacity=(own.capacity_kg, own.capacity_crates), start=farm, end=farm,
                                reload=(farm,), shift=routing.TimeWindow(start, end), name=name)
        distances, durations = sites.matrices()
        problem = routing.Problem(sites=sites.sites, distances=distances, durations=durations, vehicle_types=[vehicle],
                                  stops=stops, name=f"own {name}")
        fleet = _Fleet(None, name, True, Decimal(own.cost_per_km), Decimal(own.cost_per_hour), Decimal(own.fixed_cost),
                       Decimal(own.co2_g_per_km), owner=producer)
        built.append(Built(problem, ECHELON_OWN, tuple(sites.places), (fleet,), tuple(parts), (False,) * len(parts)))
    return built


def _count_by_site(chunks) -> dict[Hashable, int]:
    counts: dict[Hashable, int] = defaultdict(int)
    for site, _chunk in chunks:
        counts[site] += 1
    return counts


def _total(chunk: Sequence[Load], chilled: bool = True) -> tuple[int, ...]:
    amounts = [_amount(part, chilled) for part in chunk]
    return tuple(sum(values) for values in zip(*amounts))


def _need_vehicles(vehicles: Sequence[Vehicle]) -> None:
    if not vehicles:
        raise SchemeError(NO_VEHICLE, _("The club has no vehicle for pooled rounds."))


def direct_problem(territory: Territory, loads: Sequence[Load], vehicles: Sequence[Vehicle]) -> Built:
    """Pooled rounds: every load a shipment from its farm to its depot, in one trip of one vehicle."""
    loads = _check(territory, loads, vehicles)
    _need_vehicles(vehicles)
    sites = _Sites(territory)
    start, end = territory.day
    types = []
    for vehicle in vehicles:
        home = sites.base(vehicle.home)
        types.append(_vehicle_type(vehicle, count=vehicle.count, capacity=_capacity(vehicle), start=home, end=home,
                                   reload=(), shift=routing.TimeWindow(start, end), name=vehicle.name))
    # Pack per (farm, depot) pair: a shipment is one pair's goods, split only if too large for a vehicle.
    chunks = _packed_by_site(loads, vehicles, lambda load: (load.producer, load.depot))
    at_farm: dict[Hashable, int] = defaultdict(int)
    at_depot: dict[Hashable, int] = defaultdict(int)
    for (producer, depot), _chunk in chunks:
        at_farm[producer] += 1
        at_depot[depot] += 1
    shipments, parts = [], []
    for (producer, depot), chunk in chunks:
        shipments.append(routing.Shipment(
            pickup_site=sites.client(producer), delivery_site=sites.client(depot), load=_total(chunk),
            pickup_service=territory.places[producer].service // at_farm[producer],
            delivery_service=territory.places[depot].service // at_depot[depot], name=f"{producer}→{depot}",
        ))
        parts.append(_merge(chunk))
    distances, durations = sites.matrices()
    problem = routing.Problem(sites=sites.sites, distances=distances, durations=durations, vehicle_types=types,
                              shipments=shipments, name="direct")
    return Built(problem, ECHELON_DIRECT, tuple(sites.places), tuple(_fleet(v) for v in vehicles),
                 shipment_parts=tuple(parts))


def _merge(chunk: Sequence[Load]) -> Load:
    """A chunk of one (farm, depot) pair as one part."""
    first = chunk[0]
    return Load(first.producer, first.depot, sum(p.kg for p in chunk), sum(p.crates for p in chunk), first.chilled)


def _hub_place(territory: Territory, hub: Hub | None) -> Hub:
    if hub is None:
        raise SchemeError(NO_HUB, _("The hub scheme needs a hub: add a site of the kind hub."))
    if hub.place not in territory.places:
        raise SchemeError(UNKNOWN_PLACE, _("%(place)s has no coordinates."), place=hub.place)
    if hub.mode not in HUB_MODES:
        raise ValueError(f"unknown hub mode {hub.mode!r}")
    return hub


def collection_problem(territory: Territory, loads: Sequence[Load], vehicles: Sequence[Vehicle], hub: Hub) -> Built:
    """Collection rounds: pick up at the farms, unload at the hub (several trips if needed)."""
    loads = _check(territory, loads, vehicles)
    _need_vehicles(vehicles)
    hub = _hub_place(territory, hub)
    sites = _Sites(territory)
    start, end = territory.day
    hub_site = sites.hub(hub.place)
    types = []
    for vehicle in vehicles:
        home = hub_site if vehicle.home == hub.place else sites.base(vehicle.home)
        types.append(_vehicle_type(vehicle, count=vehicle.count, capacity=_capacity(vehicle), start=home, end=hub_site,
                                   reload=(hub_site,), shift=routing.TimeWindow(start, end), name=vehicle.name))
    chunks = _packed_by_site(loads, vehicles, lambda load: load.producer)
    per_site = _count_by_site(chunks)
    stops, parts = [], []
    for producer, chunk in chunks:
        stops.append(routing.Stop(site=sites.client(producer), pickup=_total(chunk),
                                  service=territory.places[producer].service // per_site[producer], name=str(producer)))
        parts.append(chunk)
    distances, durations = sites.matrices()
    problem = routing.Problem(sites=sites.sites, distances=distances, durations=durations, vehicle_types=types,
                              stops=stops, name="collection")
    return Built(problem, COLLECTION, tuple(sites.places), tuple(_fleet(v) for v in vehicles), tuple(parts),
                 (True,) * len(parts))


def delivery_problem(territory: Territory, loads: Sequence[Load], vehicles: Sequence[Vehicle], hub: Hub,
                     ready: int) -> Built:
    """Delivery rounds: load at the hub from ``ready`` (seconds since midnight), deliver the depots, come back
    to the hub for the next trip, end at the vehicle's home."""
    loads = _check(territory, loads, vehicles)
    _need_vehicles(vehicles)
    hub = _hub_place(territory, hub)
    sites = _Sites(territory)
    start, end = territory.day
    hub_site = sites.hub(hub.place)
    types = []
    for vehicle in vehicles:
        home = hub_site if vehicle.home == hub.place else sites.base(vehicle.home)
        types.append(_vehicle_type(vehicle, count=vehicle.count, capacity=_capacity(vehicle), start=hub_site, end=home,
                                   reload=(hub_site,), shift=routing.TimeWindow(max(start, ready), end),
                                   name=vehicle.name))
    chunks = _packed_by_site(loads, vehicles, lambda load: load.depot)
    per_site = _count_by_site(chunks)
    stops, parts = [], []
    for depot, chunk in chunks:
        stops.append(routing.Stop(site=sites.client(depot), delivery=_total(chunk),
                                  service=territory.places[depot].service // per_site[depot], name=str(depot)))
        parts.append(chunk)
    distances, durations = sites.matrices()
    problem = routing.Problem(sites=sites.sites, distances=distances, durations=durations, vehicle_types=types,
                              stops=stops, name="delivery")
    return Built(problem, DELIVERY, tuple(sites.places), tuple(_fleet(v) for v in vehicles), tuple(parts),
                 (False,) * len(parts))


# --- solving --------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    rounds: list[Round] = field(default_factory=list)
    feasible: bool = True
    unserved: list[Load] = field(default_factory=list)
    iterations: int = 0
    runtime: float = 0.0
    problems: int = 0

    def add(self, other: _Outcome) -> None:
        self.rounds += other.rounds
        self.feasible &= other.feasible
        self.unserved += other.unserved
        self.iterations += other.iterations
        self.runtime += other.runtime
        self.problems += other.problems


def _lines(parts: Iterable[Load], action: str) -> tuple[Line, ...]:
    return tuple(Line(action, p.producer, p.depot, p.kg, p.crates, p.chilled) for p in parts)


def solve_built(built: Built, budget: Budget) -> _Outcome:
    """Solve one built problem and read its routes as rounds."""
    if not built.problem.stops and not built.problem.shipments:
        return _Outcome()
    solution = routing.solve(built.problem, seconds=budget.seconds, seed=budget.seed, max_iterations=budget.max_iterations)
    rounds = [_round(built, route) for route in solution.routes]
    unserved = [part for i in solution.unserved_stops for part in built.stop_parts[i]]
    unserved += [built.shipment_parts[i] for i in solution.unserved_shipments]
    return _Outcome(rounds, solution.feasible and not unserved, unserved, solution.iterations, solution.runtime, 1)


def _round(built: Built, route: routing.Route) -> Round:
    place = built.places
    calls: list[Call] = []
    trips = route.trips

    def deliveries(trip: routing.Trip) -> list[Load]:
        return [part for v in trip.visits if v.kind is routing.VisitKind.STOP and not built.stop_pickup[v.index]
                for part in built.stop_parts[v.index]]

    def pickups(trip: routing.Trip) -> list[Load]:
        return [part for v in trip.visits if v.kind is routing.VisitKind.STOP and built.stop_pickup[v.index]
                for part in built.stop_parts[v.index]]

    for number, trip in enumerate(trips):
        if number == 0:
            calls.append(Call(place[trip.start_site], START, route.start, trip.departure, _lines(deliveries(trip), LOAD)))
        for visit in trip.visits:
            if visit.kind is routing.VisitKind.STOP:
                picked = built.stop_pickup[visit.index]
                lines = _lines(built.stop_parts[visit.index], LOAD if picked else UNLOAD)
                action = PICKUP if picked else DROP
            elif visit.kind is routing.VisitKind.SHIPMENT_PICKUP:
                lines, action = _lines([built.shipment_parts[visit.index]], LOAD), PICKUP
            else:
                lines, action = _lines([built.shipment_parts[visit.index]], UNLOAD), DROP
            calls.append(Call(place[visit.site], action, visit.arrival, visit.end, lines))
        unloaded = _lines(pickups(trip), UNLOAD)
        if number + 1 < len(trips):
            following = trips[number + 1]
            calls.append(Call(place[trip.end_site], RELOAD, trip.arrival, following.departure,
                              unloaded + _lines(deliveries(following), LOAD)))
        else:
            calls.append(Call(place[trip.end_site], END, trip.arrival, route.end, unloaded))
    fleet = built.fleet[route.vehicle_type]
    return Round(
        echelon=built.echelon, vehicle=fleet.key, name=fleet.name, calls=_merged_calls(calls), metres=route.distance,
        seconds=route.duration, trips=len(trips),
        cost=round_cost(fleet.fixed_cost, fleet.cost_per_km, fleet.cost_per_hour, route.distance, route.duration),
        co2_kg=co2_kg(fleet.co2_g_per_km, route.distance), refrigerated=fleet.refrigerated, owner=fleet.owner,
    )


def _merged_lines(lines: Iterable[Line]) -> tuple[Line, ...]:
    """Lines of the same action and (producer, depot, chilled) added up, in first-seen order."""
    sums: dict[tuple, list[int]] = {}
    for line in lines:
        amounts = sums.setdefault((line.action, line.producer, line.depot, line.chilled), [0, 0])
        amounts[0] += line.kg
        amounts[1] += line.crates
    return tuple(Line(action, producer, depot, kg, crates, chilled)
                 for (action, producer, depot, chilled), (kg, crates) in sums.items())


def _merged_calls(calls: Iterable[Call]) -> tuple[Call, ...]:
    """Consecutive pick-ups (or deliveries) at the same place as one call: one stop for the driver."""
    merged: list[Call] = []
    for call in calls:
        previous = merged[-1] if merged else None
        if previous and previous.place == call.place and previous.action == call.action and call.action in (PICKUP, DROP):
            merged[-1] = Call(call.place, call.action, previous.arrival, call.departure, previous.lines + call.lines)
        else:
            merged.append(call)
    return tuple(Call(c.place, c.action, c.arrival, c.departure, _merged_lines(c.lines)) for c in merged)


def _fetch_rounds(territory: Territory, loads: Sequence[Load], hub: Hub, ready: int) -> _Outcome:
    """Pick-up on site: each depot's group fetches its goods at the hub with its own vehicle, as many trips
    as its goods need, once they are sorted (``ready``)."""
    own = territory.own
    matrix = territory.matrix
    hub_place = territory.places[hub.place]
    start, end = territory.day
    outcome = _Outcome()
    by_depot: dict[Hashable, list[Load]] = defaultdict(list)
    for load in loads:
        by_depot[load.depot].append(load)
    for depot, depot_loads in by_depot.items():
        trips = _pack(depot_loads, own.capacity_kg, own.capacity_crates)
        there, back = matrix.duration(depot, hub.place), matrix.duration(hub.place, depot)
        metres_each = matrix.distance(depot, hub.place) + matrix.distance(hub.place, depot)
        leave = max(start, ready - there, hub_place.opens - there)
        calls = [Call(depot, START, leave, leave)]
        clock = leave
        for number, chunk in enumerate(trips):
            clock += there
            calls.append(Call(hub.place, PICKUP, clock, clock + hub_place.service, _lines(chunk, LOAD)))
            clock += hub_place.service + back
            last = number + 1 == len(trips)
            calls.append(Call(depot, END if last else RELOAD, clock, clock, _lines(chunk, UNLOAD)))
        seconds = clock - leave
        metres = metres_each * len(trips)
        late = any(c.arrival > hub_place.closes for c in calls if c.place == hub.place) or clock > end
        name = territory.places[depot].name or str(depot)
        outcome.rounds.append(Round(
            echelon=FETCH, vehicle=None, name=name, calls=tuple(calls), metres=metres, seconds=seconds,
            trips=len(trips), cost=round_cost(own.fixed_cost * len(trips), own.cost_per_km, own.cost_per_hour, metres, seconds),
            co2_kg=co2_kg(own.co2_g_per_km, metres), refrigerated=True, owner=depot,
        ))
        outcome.feasible &= not late
    return outcome


def _share(budget: Budget, problems: int) -> Budget:
    """Each of ``problems`` problems gets an equal part of the time budget (the iteration budget is each one's)."""
    return Budget(budget.seconds / max(1, problems), budget.max_iterations, budget.seed)


def plan(scheme: str, territory: Territory, loads: Sequence[Load], vehicles: Sequence[Vehicle] = (),
         hub: Hub | None = None, budget: Budget = Budget(seconds=5)) -> Plan:
    """Plan ``loads`` in ``scheme`` and solve it within ``budget``: its time is shared among the scheme's routing
    problems (one per producer for ``OWN``, two for ``HUB``), its iterations bound each problem."""
    if scheme not in SCHEMES:
        raise SchemeError(UNKNOWN_SCHEME, _("Unknown scheme %(scheme)s."), scheme=scheme)
    loads = _check(territory, loads, vehicles)
    outcome = _Outcome()
    if not loads:
        return Plan(scheme, (), True)
    if scheme == OWN:
        built = own_problems(territory, loads)
        for problem in built:
            outcome.add(solve_built(problem, _share(budget, len(built))))
    elif scheme == DIRECT:
        outcome.add(solve_built(direct_problem(territory, loads, vehicles), budget))
    else:
        hub = _hub_place(territory, hub)
        budget = _share(budget, 2)
        collection = solve_built(collection_problem(territory, loads, vehicles, hub), budget)
        outcome.add(collection)
        last_in = max((r.end for r in collection.rounds), default=territory.day[0])
        ready = last_in + hub.handling if hub.mode != STORAGE else territory.day[0]
        if hub.mode == HUB_PICKUP:
            outcome.add(_fetch_rounds(territory, loads, hub, ready))
        else:
            outcome.add(solve_built(delivery_problem(territory, loads, vehicles, hub, ready), budget))
    return Plan(scheme, tuple(outcome.rounds), outcome.feasible, tuple(outcome.unserved), outcome.iterations,
                outcome.runtime, outcome.problems)


# --- coalitions -----------------------------------------------------------------------------------

PartKey = tuple  # (producer place, depot place, chilled)


def loads_of(parts: Mapping[Hashable, Mapping[PartKey, tuple[Decimal, Decimal]]], coalition: Iterable[Hashable]) -> list[Load]:
    """The loads of a coalition: each participant's exact kilograms and crates of each (producer, depot, chilled)
    summed over the coalition, then rounded up to whole kilograms and crates."""
    sums: dict[PartKey, list[Decimal]] = {}
    for participant in coalition:
        for key, (kg, crates) in parts.get(participant, {}).items():
            amounts = sums.setdefault(key, [Decimal(0), Decimal(0)])
            amounts[0] += kg
            amounts[1] += crates
    loads = []
    for (producer, depot, chilled), (kg, crates) in sums.items():
        whole_kg, whole_crates = _ceil(kg), _ceil(crates)
        if whole_kg or whole_crates:
            loads.append(Load(producer, depot, whole_kg, whole_crates, chilled))
    return loads


def _ceil(value: Decimal) -> int:
    return int(Decimal(value).to_integral_value(ROUND_CEILING))


def cost_function(scheme: str, territory: Territory, parts: Mapping[Hashable, Mapping[PartKey, tuple[Decimal, Decimal]]],
                  vehicles: Sequence[Vehicle], hub: Hub | None, budget: Budget,
                  known: Mapping[frozenset, Decimal] | None = None) -> Callable[[frozenset], Decimal]:
    """The characteristic cost function of a scheme: a coalition costs what planning only its loads costs
    (solved within ``budget``). ``known`` gives costs already computed (the whole plan's)."""
    known = dict(known or {})

    def cost(coalition: frozenset) -> Decimal:
        if coalition in known:
            return known[coalition]
        return plan(scheme, territory, loads_of(parts, coalition), vehicles, hub, budget).cost

    return cost


def load_kilometres(territory: Territory, parts: Mapping[Hashable, Mapping[PartKey, tuple[Decimal, Decimal]]]
                    ) -> dict[Hashable, tuple[Decimal, Decimal]]:
    """Each participant's kilograms and tonne-kilometres, its goods counted over the road distance from their
    farm to their depot."""
    matrix = territory.matrix
    result = {}
    for participant, participant_parts in parts.items():
        kg = tkm = Decimal(0)
        for (producer, depot, _chilled), (part_kg, _crates) in participant_parts.items():
            kg += part_kg
            tkm += part_kg * Decimal(matrix.distance(producer, depot)) / 1_000_000
        result[participant] = (kg, tkm)
    return result

