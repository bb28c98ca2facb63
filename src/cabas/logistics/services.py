"""Planning a closed cycle's transport, sharing its cost and posting the shares: one function per action, one
database transaction each. The routing and the sharing are the pure modules' (``schemes``, ``routing``,
``cost_sharing``); this module reads the cycle, the club's sites, vehicles and settings, and stores the plan.

- :func:`plan_cycle` plans a closed cycle in one scheme (each producer alone, pooled rounds, or through a hub),
  with the baseline's totals, and shares its cost with the club's method.
- :func:`share_plan` shares a plan's cost again with another method or among other participants.
- :func:`choose_plan` marks the plan the club goes with.
- :func:`lock_plan_to_post`, :func:`plan_debits` and :func:`mark_posted` are the steps of posting the shares to
  the ledger, a workflow of ``cabas.flows.transport``.

The number of queries does not depend on the number of households, allocations or stops.
"""

from __future__ import annotations

import datetime
import threading
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cabas.catalog.models import Producer
from cabas.core.errors import ActionError
from cabas.core.money import ZERO, split_cents
from cabas.members.models import Club, Group, Household
from cabas.ordering.models import Allocation, OrderCycle

from . import cost_sharing, schemes
from .distances import CachedProvider, DistanceError, FallbackProvider, GreatCircleProvider, OsrmTableProvider, Point
from .models import (
    DEFAULT_UNIT_WEIGHT_KG, KG_PER_CRATE, ChilledCategory, CostShare, LogisticsSettings, Participants, Round, RoundStop,
    Scheme, SharingMethod, Site, SiteKind, TransportPlan, Vehicle,
)

SCHEMES = tuple(Scheme.values)
METHODS = tuple(SharingMethod.values)
PARTICIPANTS = tuple(Participants.values)

# Re-planning coalitions for the cost sharing: at most this many iterations each (and the club's seconds),
# at most this many coalitions per sharing, and this many random coalitions beyond everyone, each participant
# alone and all but one when the core cannot be checked exhaustively.
COALITION_ITERATIONS = 200
MAX_COALITIONS = 1100
MAX_EXHAUSTIVE_CORE = 6  # 63 coalitions; the exact Shapley value has costed every coalition up to 10 already
CORE_SAMPLES = 20
MAX_EXACT_SHAPLEY = 10

KG = Decimal("0.001")
CENT = Decimal("0.01")


def settings_for(club: Club) -> LogisticsSettings:
    """The club's transport settings (the defaults, unsaved, when it has none)."""
    return LogisticsSettings.objects.filter(club=club).first() or LogisticsSettings(club=club)


# --- distances --------------------------------------------------------------------------------------

_providers: dict[str, CachedProvider] = {}
_providers_lock = threading.Lock()


def distance_provider(settings: LogisticsSettings):
    """The provider the settings ask for, wrapped in a per-process cache shared by every request."""
    great_circle = GreatCircleProvider(settings.detour_factor, settings.speed_kmh)
    if settings.osrm_url:
        try:
            osrm = OsrmTableProvider(settings.osrm_url)
        except ValueError as error:
            raise ActionError(_("The route service's address is not valid: %(url)s.") % {"url": settings.osrm_url}) from error
        provider = FallbackProvider(osrm, great_circle) if settings.osrm_fallback else osrm
    else:
        provider = great_circle
    with _providers_lock:
        cached = _providers.get(provider.identity)
        if cached is None:
            cached = _providers[provider.identity] = CachedProvider(provider)
    return cached


def distance_message(error: DistanceError) -> str:
    return _(error.message) % error.params


# --- reading a cycle --------------------------------------------------------------------------------


def seconds_of(value: datetime.time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def clock(seconds: int) -> datetime.time:
    seconds = max(0, min(int(seconds), 24 * 3600 - 1))
    return datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


@dataclass(frozen=True)
class PlaceInfo:
    kind: str
    name: str
    latitude: Decimal
    longitude: Decimal
    site_id: int | None


@dataclass
class Inputs:
    """What planning a cycle needs, read in a constant number of queries."""

    cycle: OrderCycle
    settings: LogisticsSettings
    participants: str
    places: dict[Hashable, schemes.Place]
    info: dict[Hashable, PlaceInfo]
    vehicles: list[schemes.Vehicle]
    vehicle_rows: dict[int, Vehicle]
    hub: schemes.Hub | None
    parts: dict[int, dict[tuple, tuple[Decimal, Decimal]]]  # participant -> (producer, depot, chilled) -> (kg, crates)
    values: dict[int, Decimal]  # participant -> € of goods
    names: dict[int, str]
    territory: schemes.Territory | None = None
    fallback: DistanceError | None = None
    provider: str = ""
    producer_names: dict[int, str] = field(default_factory=dict)
    group_names: dict[int, str] = field(default_factory=dict)

    @property
    def loads(self) -> list[schemes.Load]:
        return schemes.loads_of(self.parts, list(self.parts))


def producer_key(producer_id: int) -> tuple:
    return ("producer", producer_id)


def depot_key(group_id: int) -> tuple:
    return ("depot", group_id)


def site_key(site: Site) -> tuple:
    if site.kind == SiteKind.PRODUCER:
        return producer_key(site.producer_id)
    if site.kind == SiteKind.DEPOT:
        return depot_key(site.group_id)
    return ("site", site.pk)


def _unit_weight():
    """A unit's kilograms: the product's, else by the offer's unit."""
    by_unit = Case(
        *[When(offer__unit=unit, then=Value(weight)) for unit, weight in DEFAULT_UNIT_WEIGHT_KG.items()],
        default=Value(Decimal("1")), output_field=DecimalField(max_digits=8, decimal_places=3),
    )
    return Coalesce(F("offer__product__unit_weight_kg"), by_unit, output_field=DecimalField(max_digits=8, decimal_places=3))


def _allocated(cycle: OrderCycle, participants: str):
    """One aggregate query: kilograms, crates and euros allocated per producer, group, category (and household
    when households share the cost)."""
    weight = _unit_weight()
    # weight × (1 / kg per crate): a division of two whole numbers would be a whole division on SQLite
    crates = Coalesce(F("offer__product__crates_per_unit"), weight * Value(1 / KG_PER_CRATE),
                      output_field=DecimalField(max_digits=8, decimal_places=4))
    columns = ["offer__producer_id", "group_id", "offer__category_id"]
    if participants == Participants.HOUSEHOLDS:
        columns.append("household_id")
    decimal = DecimalField(max_digits=16, decimal_places=4)
    return (
        Allocation.objects.filter(cycle=cycle, quantity__gt=0).values(*columns)
        .annotate(kg=Sum(F("quantity") * weight, output_field=decimal), crates=Sum(F("quantity") * crates, output_field=decimal),
                  amount=Sum("amount_incl_vat"))
        .order_by()
    )


def _exact(value) -> Decimal:
    """A sum read back from the database, to the gram (SQLite adds in floating point)."""
    return Decimal(str(value or 0)).quantize(KG, ROUND_HALF_UP)


def read_inputs(cycle: OrderCycle, settings: LogisticsSettings, participants: str) -> Inputs:
    club_id = cycle.club_id
    day = (seconds_of(settings.day_starts), seconds_of(settings.day_ends))
    service = settings.service_minutes * 60
    chilled = set(ChilledCategory.objects.filter(club_id=club_id).values_list("category_id", flat=True))
    sites = list(Site.objects.filter(club_id=club_id).order_by("kind", "name", "pk"))
    groups = list(Group.objects.filter(club_id=club_id).select_related("depot").order_by("name", "pk"))
    producers = list(Producer.objects.filter(club_id=club_id).values_list("pk", "name", "latitude", "longitude"))
    rows = list(_allocated(cycle, participants))

    places: dict[Hashable, schemes.Place] = {}
    info: dict[Hashable, PlaceInfo] = {}
    sites_by_key = {site_key(site): site for site in sites}
    for site in sites:
        key = site_key(site)
        places[key] = schemes.Place(key, site.name, seconds_of(site.opens_at), seconds_of(site.closes_at), site.service_minutes * 60)
        info[key] = PlaceInfo(site.kind, site.name, site.latitude, site.longitude, site.pk)
    producer_names = {pk: name for pk, name, _lat, _lon in producers}
    for pk, name, latitude, longitude in producers:
        key = producer_key(pk)
        if key not in places and latitude is not None and longitude is not None:
            places[key] = schemes.Place(key, name, day[0], day[1], service)
            info[key] = PlaceInfo(SiteKind.PRODUCER, name, latitude, longitude, None)
        elif key in places:
            places[key] = schemes.Place(key, name, places[key].opens, places[key].closes, places[key].service)
    group_names = {}
    for group in groups:
        group_names[group.pk] = group.name
        key = depot_key(group.pk)
        depot = getattr(group, "depot", None)
        if key in sites_by_key:  # the depot's site: its window, the group's name for the rounds
            places[key] = schemes.Place(key, group.name, places[key].opens, places[key].closes, places[key].service)
        elif depot is not None:  # the depot receives during the day, until its distribution starts
            closes = min(seconds_of(depot.slot_start), day[1])
            opens = day[0] if closes > day[0] else 0
            places[key] = schemes.Place(key, group.name, opens, closes, service)
            info[key] = PlaceInfo(SiteKind.DEPOT, depot.name, depot.latitude, depot.longitude, None)

    parts: dict[int, dict[tuple, list[Decimal]]] = defaultdict(dict)
    values: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        producer, group = row["offer__producer_id"], row["group_id"]
        if participants == Participants.GROUPS:
            participant = group
        elif participants == Participants.PRODUCERS:
            participant = producer
        else:
            participant = row["household_id"]
        key = (producer_key(producer), depot_key(group), row["offer__category_id"] in chilled)
        amounts = parts[participant].setdefault(key, [ZERO, ZERO])
        amounts[0] += _exact(row["kg"])
        amounts[1] += _exact(row["crates"])
        values[participant] += Decimal(str(row["amount"] or 0))
    missing = sorted({producer_names.get(k[0][1], "?") for p in parts.values() for k in p if k[0] not in places})
    if missing:
        raise ActionError(*[_("%(producer)s has no coordinates: enter them on the producer or give it a site.")
                            % {"producer": name} for name in missing])
    missing = sorted({group_names.get(k[1][1], "?") for p in parts.values() for k in p if k[1] not in places})
    if missing:
        raise ActionError(*[_("%(group)s has no depot to deliver to.") % {"group": name} for name in missing])

    if participants == Participants.HOUSEHOLDS:
        names = dict(Household.objects.filter(pk__in=list(parts)).values_list("pk", "name"))
    elif participants == Participants.PRODUCERS:
        names = {pk: producer_names.get(pk, str(pk)) for pk in parts}
    else:
        names = {pk: group_names.get(pk, str(pk)) for pk in parts}

    vehicle_rows = {}
    vehicles = []
    for vehicle in Vehicle.objects.filter(club_id=club_id, is_active=True).select_related("home").order_by("name", "pk"):
        vehicle_rows[vehicle.pk] = vehicle
        vehicles.append(schemes.Vehicle(
            key=vehicle.pk, name=vehicle.name, capacity_kg=vehicle.capacity_kg, capacity_crates=vehicle.capacity_crates,
            home=site_key(vehicle.home), count=vehicle.count, refrigerated=vehicle.refrigerated,
            cost_per_km=vehicle.cost_per_km, cost_per_hour=vehicle.cost_per_hour, fixed_cost=vehicle.fixed_cost,
            co2_g_per_km=Decimal(vehicle.co2_g_per_km if vehicle.co2_g_per_km is not None else settings.co2_g_per_km),
        ))
    hubs = [site for site in sites if site.kind == SiteKind.HUB]
    hub_site = next((site for site in hubs if site.pk == settings.hub_id), hubs[0] if hubs else None)
    hub = None
    if hub_site is not None:
        hub = schemes.Hub(site_key(hub_site), hub_site.hub_mode or schemes.CROSS_DOCK, hub_site.handling_minutes * 60)

    return Inputs(
        cycle=cycle, settings=settings, participants=participants, places=places, info=info, vehicles=vehicles,
        vehicle_rows=vehicle_rows, hub=hub, parts={p: {k: (v[0], v[1]) for k, v in d.items()} for p, d in parts.items()},
        values=dict(values), names=names, producer_names=producer_names, group_names=group_names,
    )


def attach_territory(inputs: Inputs) -> None:
    """The distance matrix of the places the plan needs, through the club's provider (cached)."""
    settings = inputs.settings
    needed = {key for part in inputs.parts.values() for producer, depot, _chilled in part for key in (producer, depot)}
    needed |= {vehicle.home for vehicle in inputs.vehicles}
    if inputs.hub is not None:
        needed.add(inputs.hub.place)
    keys = sorted(needed, key=repr)
    points = [Point(inputs.info[key].latitude, inputs.info[key].longitude, key) for key in keys]
    provider = distance_provider(settings)
    try:
        matrix = provider.matrix(points)
    except DistanceError as error:
        raise ActionError(_("Distances could not be computed: %(reason)s") % {"reason": distance_message(error)}) from error
    own = schemes.OwnVehicle(
        capacity_kg=settings.own_capacity_kg, capacity_crates=settings.own_capacity_crates,
        cost_per_km=settings.own_cost_per_km, cost_per_hour=settings.own_cost_per_hour,
        co2_g_per_km=Decimal(settings.own_co2_g_per_km),
    )
    day = (seconds_of(settings.day_starts), seconds_of(settings.day_ends))
    inputs.territory = schemes.Territory({k: inputs.places[k] for k in keys}, matrix, day, own)
    inputs.fallback = matrix.fallback
    inputs.provider = matrix.provider


# --- planning ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budgets:
    plan: schemes.Budget
    coalition: schemes.Budget


def _budgets(settings: LogisticsSettings, seconds, max_iterations, coalition_seconds, coalition_iterations, seed) -> Budgets:
    return Budgets(
        plan=schemes.Budget(float(seconds if seconds is not None else settings.solver_seconds), max_iterations, seed),
        coalition=schemes.Budget(
            float(coalition_seconds if coalition_seconds is not None else settings.coalition_seconds),
            coalition_iterations if coalition_iterations is not None else COALITION_ITERATIONS, seed,
        ),
    )


def _solve(scheme: str, inputs: Inputs, budget: schemes.Budget) -> schemes.Plan:
    try:
        return schemes.plan(scheme, inputs.territory, inputs.loads, inputs.vehicles, inputs.hub, budget)
    except schemes.SchemeError as error:
        raise ActionError(_(error.message) % error.params) from error


def plan_cycle(cycle: OrderCycle, scheme: str, *, seconds=None, max_iterations: int | None = None, coalition_seconds=None,
               coalition_iterations: int | None = None, seed: int = 0) -> TransportPlan:
    """Plan the closed ``cycle``'s transport in ``scheme`` and share its cost with the club's method; replaces the
    cycle's plan in that scheme unless its shares are posted.

    The solver runs before any write, outside a transaction (a long read transaction would hold SQLite's lock
    against every other writer); the plan, its rounds, stops and shares are then written in one transaction,
    after checking again that the plan was not posted meanwhile. Nothing is written on error."""
    if scheme not in SCHEMES:
        raise ActionError(_("Choose a scheme."))
    cycle = OrderCycle.objects.select_related("club").get(pk=cycle.pk)
    if not cycle.is_closed:
        raise ActionError(_("Rounds are planned once the cycle is closed and its allocations are known."))
    if TransportPlan.objects.filter(cycle=cycle, scheme=scheme, ledger_transaction__isnull=False).exists():
        raise ActionError(_("The shares of this plan are posted to the ledger: it is no longer planned again."))
    settings = settings_for(cycle.club)
    inputs = read_inputs(cycle, settings, settings.participants)
    if not inputs.parts:
        raise ActionError(_("Nothing was allocated in this cycle: there is nothing to carry."))
    attach_territory(inputs)
    budgets = _budgets(settings, seconds, max_iterations, coalition_seconds, coalition_iterations, seed)
    # The baseline (one small problem per producer) gets a quarter of the time when it is not the plan itself.
    quarter = schemes.Budget(budgets.plan.seconds / 4, budgets.plan.max_iterations, budgets.plan.seed)
    baseline = _solve(schemes.OWN, inputs, budgets.plan if scheme == schemes.OWN else quarter)
    result = baseline if scheme == schemes.OWN else _solve(scheme, inputs, budgets.plan)
    sharing = _share(scheme, result.totals.cost, result.feasible, inputs, budgets, settings.sharing_method)
    with transaction.atomic():
        existing = TransportPlan.objects.select_for_update().filter(cycle=cycle, scheme=scheme).first()
        if existing is not None and existing.posted:
            raise ActionError(_("The shares of this plan are posted to the ledger: it is no longer planned again."))
        plan = _store_plan(cycle, scheme, existing, inputs, result, baseline, budgets, sharing)
        _store_shares(plan, sharing)
    return plan


def _warnings(inputs: Inputs, result: schemes.Plan) -> list[dict]:
    warnings = []
    if inputs.fallback is not None:
        warnings.append({
            "message": gettext_noop(
                "The route service failed (%(reason)s): distances are estimated as the crow flies times the detour factor."
            ),
            "params": {}, "reason": {"message": inputs.fallback.message, "params": {k: str(v) for k, v in inputs.fallback.params.items()}},
        })
    if result.unserved:
        warnings.append({"message": gettext_noop(
            "%(count)s loads could not be carried within the vehicles' capacities and the windows."),
                         "params": {"count": len(result.unserved)}})
    elif not result.feasible:
        warnings.append({"message": gettext_noop(
            "The rounds found break a time window or a capacity: check the sites' windows and the vehicles."),
                         "params": {}})
    return warnings


def _store_plan(cycle, scheme, existing, inputs: Inputs, result: schemes.Plan, baseline: schemes.Plan,
                budgets: Budgets, sharing: SharingOutcome | None) -> TransportPlan:
    totals, base = result.totals, baseline.totals
    fields = dict(
        computed_at=timezone.now(), km=totals.km, hours=totals.hours, cost=totals.cost,
        co2_kg=totals.co2_kg, baseline_km=base.km, baseline_hours=base.hours, baseline_cost=base.cost,
        baseline_co2_kg=base.co2_kg, kg=sum(load.kg for load in inputs.loads), feasible=result.feasible,
        warnings=_warnings(inputs, result),
        solver={
            "distances": inputs.provider, "seconds": budgets.plan.seconds, "max_iterations": budgets.plan.max_iterations,
            "seed": budgets.plan.seed, "iterations": result.iterations, "runtime": round(result.runtime, 3),
            "problems": result.problems, "baseline_problems": baseline.problems,
        },
        **_sharing_fields(sharing, inputs),
    )
    if existing is not None:
        RoundStop.objects.filter(round__plan=existing).delete()
        Round.objects.filter(plan=existing).delete()
        CostShare.objects.filter(plan=existing).delete()
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        plan = existing
    else:
        try:
            with transaction.atomic():
                plan = TransportPlan.objects.create(cycle=cycle, scheme=scheme, **fields)
        except IntegrityError as error:
            raise ActionError(_("This cycle was being planned at the same moment; try again.")) from error
    rounds = Round.objects.bulk_create(
        Round(plan=plan, position=position, echelon=r.echelon, vehicle_id=r.vehicle, vehicle_name=_round_name(r, inputs),
              driver_kind=inputs.vehicle_rows[r.vehicle].driver_kind if r.vehicle is not None else "",
              refrigerated=r.refrigerated, km=r.km, minutes=round(r.seconds / 60), cost=r.cost, co2_kg=r.co2_kg,
              trips=r.trips, starts_at=clock(r.start), ends_at=clock(r.end))
        for position, r in enumerate(result.rounds, start=1)
    )
    RoundStop.objects.bulk_create(
        _stop(row, sequence, call, inputs)
        for row, r in zip(rounds, result.rounds)
        for sequence, call in enumerate(r.calls, start=1)
    )
    return plan


def _round_name(r: schemes.Round, inputs: Inputs) -> str:
    """A club vehicle's name, or whose own vehicle it is (a producer's, a group's)."""
    if r.vehicle is not None:
        return r.name[:200]
    return (_("Own vehicle: %(owner)s") % {"owner": inputs.places[r.owner].name or r.name})[:200]


def _line(line: schemes.Line, inputs: Inputs) -> dict:
    producer, group = line.producer[1], line.depot[1]
    return {
        "action": line.action, "producer": producer, "producer_name": inputs.producer_names.get(producer, ""),
        "group": group, "group_name": inputs.group_names.get(group, ""), "kg": line.kg, "crates": line.crates,
        "chilled": line.chilled,
    }


def _stop(row: Round, sequence: int, call: schemes.Call, inputs: Inputs) -> RoundStop:
    info = inputs.info[call.place]
    producer_id = call.place[1] if call.place[0] == "producer" else None
    group_id = call.place[1] if call.place[0] == "depot" else None
    return RoundStop(
        round=row, sequence=sequence, action=call.action, site_id=info.site_id, producer_id=producer_id,
        group_id=group_id, kind=info.kind,
        name=info.name[:200], latitude=info.latitude, longitude=info.longitude,
        arrival=clock(call.arrival), departure=clock(call.departure),
        lines=sorted((_line(line, inputs) for line in call.lines),
                     key=lambda l: (l["action"] != "unload", l["group_name"], l["producer_name"], l["chilled"])),
    )


# --- sharing ----------------------------------------------------------------------------------------


def _coalitions_needed(method: str, n: int, samples: int) -> tuple[int, int]:
    """Coalitions to plan again: for the shares themselves, and for the savings and the core check."""
    if method == SharingMethod.SHAPLEY:
        shares = 2**n - 1 if n <= MAX_EXACT_SHAPLEY else samples * n
    elif method == SharingMethod.STAND_ALONE:
        shares = n
    else:
        shares = 0
    extra = n + (2**n - 1 if n <= MAX_EXHAUSTIVE_CORE else 2 * n + 1 + CORE_SAMPLES)
    return shares, extra


@dataclass
class SharingOutcome:
    """A plan's cost shared, before it is written: the CostShare rows' values and the core check."""

    method: str
    participants: str
    rows: list[dict]
    note: str = ""
    check: cost_sharing.CoreCheck | None = None


def _share(scheme: str, total: Decimal, feasible: bool, inputs: Inputs, budgets: Budgets, method: str) -> SharingOutcome | None:
    """Share ``total`` among the participants with ``method``, planning coalitions again as needed (no query).
    None when there is nothing to share (an infeasible plan, nobody)."""
    settings = inputs.settings
    participants = sorted(inputs.parts, key=lambda p: (inputs.names.get(p, ""), p))
    if not feasible or not participants:
        return None
    n = len(participants)
    for_shares, extra = _coalitions_needed(method, n, settings.shapley_samples)
    if for_shares > MAX_COALITIONS:
        raise ActionError(_(
            "Sharing this way among %(count)s participants would plan %(coalitions)s coalitions again: share among "
            "groups, or by weight, value or tonne-kilometres."
        ) % {"count": n, "coalitions": for_shares})
    everyone = frozenset(participants)
    costs = cost_sharing.CoalitionCosts(schemes.cost_function(
        scheme, inputs.territory, inputs.parts, inputs.vehicles, inputs.hub, budgets.coalition, {everyone: total},
    ))
    keys: dict[int, Decimal | None] = dict.fromkeys(participants)
    try:
        if method == SharingMethod.SHAPLEY:
            sharing = cost_sharing.shapley(costs, participants, max_exact=MAX_EXACT_SHAPLEY, samples=settings.shapley_samples,
                                           seed=budgets.coalition.seed)
        else:
            if method == SharingMethod.WEIGHT:
                keys = {p: sum((kg for kg, _crates in inputs.parts[p].values()), ZERO) for p in participants}
            elif method == SharingMethod.VALUE:
                keys = {p: inputs.values.get(p, ZERO) for p in participants}
            elif method == SharingMethod.TON_KM:
                tkm = schemes.load_kilometres(inputs.territory, inputs.parts)
                keys = {p: tkm[p][1].quantize(KG, ROUND_HALF_UP) for p in participants}
            else:
                keys = cost_sharing.stand_alone_costs(costs, participants)
            sharing = cost_sharing.proportional(total, keys)
        compare = (method == SharingMethod.SHAPLEY and n <= MAX_EXACT_SHAPLEY) or for_shares + extra <= MAX_COALITIONS
        alone = cost_sharing.stand_alone_costs(costs, participants) if compare else {}
        check = None
        if compare:
            exhaustive = MAX_EXACT_SHAPLEY if method == SharingMethod.SHAPLEY else MAX_EXHAUSTIVE_CORE
            check = cost_sharing.in_core(sharing.shares, costs, participants, max_exhaustive=exhaustive,
                                         samples=CORE_SAMPLES, seed=budgets.coalition.seed, tolerance=Decimal(n) / 100)
    except cost_sharing.CostSharingError as error:
        raise ActionError(_(error.message) % error.params) from error
    except schemes.SchemeError as error:
        raise ActionError(_(error.message) % error.params) from error
    uncertainty = sharing.uncertainty.half_width_95 if sharing.uncertainty else {}
    rows = []
    for position, p in enumerate(participants, start=1):
        share = sharing.shares[p]
        alone_cost = alone[p].quantize(CENT, ROUND_HALF_UP) if p in alone else None
        key = keys.get(p)
        rows.append(dict(
            position=position, participant_kind=inputs.participants, participant_id=p,
            name=inputs.names.get(p, str(p))[:200], key=key.quantize(KG, ROUND_HALF_UP) if key is not None else None,
            share=share, stand_alone=alone_cost, saving=alone_cost - share if alone_cost is not None else None,
            method=sharing.method, error=uncertainty.get(p),
        ))
    return SharingOutcome(method, inputs.participants, rows, sharing.reason or "", check)


def _sharing_fields(sharing: SharingOutcome | None, inputs: Inputs) -> dict:
    """The plan's fields that say how its cost is shared (not shared: empty)."""
    if sharing is None:
        return dict(sharing_method="", participants="", sharing_note="", in_core=None, core_exhaustive=False,
                    core_checked=0, core_excess=ZERO, core_blocking=[], shared_at=None)
    check = sharing.check
    return dict(
        sharing_method=sharing.method, participants=sharing.participants, sharing_note=sharing.note,
        in_core=check.in_core if check else None, core_exhaustive=check.exhaustive if check else False,
        core_checked=check.coalitions_checked if check else 0,
        core_excess=check.excess.quantize(CENT, ROUND_HALF_UP) if check else ZERO,
        core_blocking=sorted(inputs.names.get(p, str(p)) for p in (check.worst_coalition or ())) if check else [],
        shared_at=timezone.now(),
    )


def _store_shares(plan: TransportPlan, sharing: SharingOutcome | None) -> None:
    if sharing is not None:
        CostShare.objects.bulk_create(CostShare(plan=plan, **row) for row in sharing.rows)


def share_plan(plan: TransportPlan, *, method: str, participants: str, coalition_seconds=None,
               coalition_iterations: int | None = None, seed: int = 0) -> TransportPlan:
    """Share an existing plan's cost again, with ``method`` among ``participants``; refused once posted. The
    coalitions are planned before the one transaction that replaces the shares."""
    if method not in METHODS:
        raise ActionError(_("Choose a way of sharing the cost."))
    if participants not in PARTICIPANTS:
        raise ActionError(_("Choose among whom the cost is shared."))
    plan = TransportPlan.objects.select_related("cycle__club").get(pk=plan.pk)
    if plan.posted:
        raise ActionError(_("The shares of this plan are posted to the ledger: they are no longer changed."))
    if not plan.feasible:
        raise ActionError(_("This plan is not feasible: its cost is not shared."))
    settings = settings_for(plan.cycle.club)
    inputs = read_inputs(plan.cycle, settings, participants)
    attach_territory(inputs)
    budgets = _budgets(settings, None, None, coalition_seconds, coalition_iterations, seed)
    sharing = _share(plan.scheme, plan.cost, plan.feasible, inputs, budgets, method)
    with transaction.atomic():
        locked = TransportPlan.objects.select_for_update().filter(pk=plan.pk).first()
        if locked is None:
            raise ActionError(_("This plan no longer exists."))
        if locked.posted:
            raise ActionError(_("The shares of this plan are posted to the ledger: they are no longer changed."))
        CostShare.objects.filter(plan=plan).delete()
        fields = _sharing_fields(sharing, inputs)
        for name, value in fields.items():
            setattr(plan, name, value)
        plan.save(update_fields=list(fields))
        _store_shares(plan, sharing)
    return plan


# --- choosing and posting ---------------------------------------------------------------------------


def choose_plan(plan: TransportPlan) -> TransportPlan:
    """Mark ``plan`` as the one the club goes with (the others of its cycle are no longer chosen)."""
    with transaction.atomic():
        plans = list(TransportPlan.objects.select_for_update().filter(cycle_id=plan.cycle_id).order_by("pk"))
        target = next((p for p in plans if p.pk == plan.pk), None)
        if target is None:
            raise ActionError(_("This plan no longer exists."))
        if any(p.posted and p.pk != target.pk for p in plans):
            raise ActionError(_("Another plan of this cycle is posted to the ledger: it stays the chosen one."))
        if not target.feasible:
            raise ActionError(_("This plan is not feasible: it cannot be chosen."))
        TransportPlan.objects.filter(cycle_id=plan.cycle_id, chosen=True).exclude(pk=target.pk).update(chosen=False)
        if not target.chosen:
            TransportPlan.objects.filter(pk=target.pk).update(chosen=True)
            target.chosen = True
    return target


def transport_key(plan_id: int) -> str:
    return f"transport:{plan_id}"


def lock_plan_to_post(plan: TransportPlan) -> TransportPlan | None:
    """The plan, row-locked with its cycle and club, if its shares can be posted; None when they were posted
    already (posting twice posts nothing). ActionError when they cannot be. Runs inside the caller's
    transaction; the flow ``flows.transport`` posts them."""
    plan = TransportPlan.objects.select_for_update().select_related("cycle__club").get(pk=plan.pk)
    if plan.posted:
        return None
    if not plan.cycle.is_closed:
        raise ActionError(_("The cycle is not closed: its transport cannot be posted."))
    if not plan.feasible:
        raise ActionError(_("This plan is not feasible: its shares are not posted."))
    if TransportPlan.objects.filter(cycle=plan.cycle, ledger_transaction__isnull=False).exclude(pk=plan.pk).exists():
        raise ActionError(_("Another plan of this cycle is already posted to the ledger."))
    return plan


def plan_debits(plan: TransportPlan) -> dict[tuple[str, int], Decimal]:
    """What each party pays of the plan's cost, keyed ("household" | "producer", id): a group's share is split
    among its households in proportion to what they were allocated, to the cent (two queries)."""
    cycle = plan.cycle
    shares = list(CostShare.objects.filter(plan=plan).order_by("position"))
    if not shares:
        raise ActionError(_("This plan's cost is not shared yet: share it first."))
    if sum((s.share for s in shares), ZERO) != plan.cost:
        raise ActionError(_("The shares do not add up to the plan's cost: share it again."))
    if plan.cost == 0:
        raise ActionError(_("This plan costs nothing: there is nothing to post."))
    kind = shares[0].participant_kind
    debits: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    if kind == Participants.GROUPS:
        amounts: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for group_id, household_id, amount in (
            Allocation.objects.filter(cycle=cycle, group_id__in=[s.participant_id for s in shares])
            .values("group_id", "household_id").annotate(amount=Sum("amount_incl_vat"))
            .values_list("group_id", "household_id", "amount").order_by("group_id", "household_id")
        ):
            amounts[group_id][household_id] = Decimal(str(amount or 0))
        for s in shares:
            weights = amounts.get(s.participant_id)
            if not weights:
                raise ActionError(_("%(group)s has no household in this cycle to share its part with.") % {"group": s.name})
            if not any(weights.values()):
                weights = dict.fromkeys(weights, Decimal(1))
            for household_id, amount in split_cents(s.share, weights).items():
                debits["household", household_id] += amount
    elif kind == Participants.HOUSEHOLDS:
        for s in shares:
            debits["household", s.participant_id] += s.share
    else:
        for s in shares:
            debits["producer", s.participant_id] += s.share
    return dict(debits)


def mark_posted(plan: TransportPlan, record) -> None:
    """The plan whose shares were posted (``record``, the ledger transaction) is the cycle's chosen one."""
    TransportPlan.objects.filter(cycle=plan.cycle, chosen=True).exclude(pk=plan.pk).update(chosen=False)
    TransportPlan.objects.filter(pk=plan.pk).update(ledger_transaction=record, chosen=True)
    plan.ledger_transaction, plan.chosen = record, True


def delete_logistics(club: Club) -> None:
    """Delete a club's transport plans, vehicles, sites and settings (removing the demo club). Must run before
    its ledger is deleted: a posted plan holds its ledger transaction."""
    plans = TransportPlan.objects.filter(cycle__club=club)
    RoundStop.objects.filter(round__plan__in=plans).delete()
    Round.objects.filter(plan__in=plans).delete()
    CostShare.objects.filter(plan__in=plans).delete()
    plans.delete()
    LogisticsSettings.objects.filter(club=club).delete()
    Vehicle.objects.filter(club=club).delete()
    ChilledCategory.objects.filter(club=club).delete()
    Site.objects.filter(club=club).delete()
