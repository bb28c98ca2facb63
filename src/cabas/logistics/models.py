"""Pooled transport: the club's sites (farms, hubs, depots) and vehicles, its logistics settings, and the
transport plans computed for a closed cycle (rounds, their ordered stops, and the cost shares).

A plan is a frozen record: each stop copies its site's name and coordinates, each round its vehicle's
name, so that editing a site or a vehicle later never changes a plan already made. Money is Decimal."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Category, Producer, Unit
from cabas.members.models import Club, Group
from cabas.ordering.models import OrderCycle

# What a unit weighs when its product says nothing (kg), and how many kilograms fill a standard crate.
DEFAULT_UNIT_WEIGHT_KG = {
    Unit.KILOGRAM: Decimal("1"), Unit.GRAM: Decimal("0.001"), Unit.LITRE: Decimal("1"),
    Unit.PIECE: Decimal("0.5"), Unit.BUNCH: Decimal("0.5"), Unit.DOZEN: Decimal("0.7"),
}
KG_PER_CRATE = Decimal("10")


class Scheme(models.TextChoices):
    OWN = "own", _("each producer delivers its own goods")
    DIRECT = "direct", _("pooled rounds from the farms to the depots")
    HUB = "hub", _("collection to a hub, then delivery rounds")


class SiteKind(models.TextChoices):
    PRODUCER = "producer", _("producer")
    HUB = "hub", _("hub")
    DEPOT = "depot", _("depot")
    OTHER = "other", _("other place (garage, driver's home)")


class HubMode(models.TextChoices):
    CROSS_DOCK = "cross_dock", _("cross-docking: delivery rounds leave once the collection is in")
    STORAGE = "storage", _("short storage: collected the day before, delivered the next day")
    PICKUP = "pickup", _("pick-up on site: each group fetches its goods at the hub")


class DriverKind(models.TextChoices):
    ROTA = "rota", _("producers' rota")
    VOLUNTEER = "volunteer", _("volunteer")
    CARRIER = "carrier", _("paid carrier")


class SharingMethod(models.TextChoices):
    WEIGHT = "weight", _("by weight")
    VALUE = "value", _("by value of the goods")
    TON_KM = "ton_km", _("by tonne-kilometres")
    STAND_ALONE = "stand_alone", _("in proportion to each one's cost alone")
    SHAPLEY = "shapley", _("Shapley value")


class Participants(models.TextChoices):
    GROUPS = "groups", _("groups")
    HOUSEHOLDS = "households", _("households")
    PRODUCERS = "producers", _("producers")


class Echelon(models.TextChoices):
    OWN = "own", _("producer's own round")
    DIRECT = "direct", _("pooled round")
    COLLECTION = "collection", _("collection to the hub")
    DELIVERY = "delivery", _("delivery from the hub")
    FETCH = "fetch", _("group fetching at the hub")


class StopAction(models.TextChoices):
    START = "start", _("departure")
    PICKUP = "pickup", _("pick-up")
    DELIVERY = "delivery", _("delivery")
    RELOAD = "reload", _("unload and reload")
    END = "end", _("return")


def _time(hour: int, minute: int = 0) -> datetime.time:
    return datetime.time(hour, minute)


MONEY = {"max_digits": 10, "decimal_places": 2}
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


class LogisticsSettings(models.Model):
    """A club's transport settings: the default scheme, how distances are measured, how long the solver
    searches, how a plan's cost is shared, and what a participant's own vehicle costs (the baseline)."""

    club = models.OneToOneField(Club, on_delete=models.CASCADE, related_name="logistics", verbose_name=_("club"))
    scheme = models.CharField(_("usual scheme"), max_length=10, choices=Scheme.choices, default=Scheme.DIRECT)
    hub = models.ForeignKey(
        "Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("hub"),
        limit_choices_to={"kind": SiteKind.HUB}, help_text=_("The hub of the hub scheme. Empty: the club's first hub."),
    )
    detour_factor = models.DecimalField(
        _("detour factor"), max_digits=4, decimal_places=2, default=Decimal("1.30"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("3"))],
        help_text=_("Roads are longer than the crow flies: the great-circle distance is multiplied by this."),
    )
    speed_kmh = models.DecimalField(
        _("average speed (km/h)"), max_digits=5, decimal_places=1, default=Decimal("50"),
        validators=[MinValueValidator(Decimal("5")), MaxValueValidator(Decimal("130"))],
    )
    osrm_url = models.URLField(
        _("route service (OSRM) address"), blank=True,
        help_text=_("An OSRM-compatible table service, e.g. http://127.0.0.1:5000. Empty: great-circle distances."),
    )
    osrm_fallback = models.BooleanField(
        _("estimate when the route service fails"), default=False,
        help_text=_("Use great-circle distances when the route service does not answer, instead of refusing to plan."),
    )
    solver_seconds = models.DecimalField(
        _("search time per plan (s)"), max_digits=5, decimal_places=1, default=Decimal("5"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("600"))],
    )
    coalition_seconds = models.DecimalField(
        _("search time per coalition (s)"), max_digits=5, decimal_places=2, default=Decimal("0.20"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("60"))],
        help_text=_("The cost sharing plans again each participant alone and, for the Shapley value, each coalition."),
    )
    sharing_method = models.CharField(
        _("cost sharing"), max_length=12, choices=SharingMethod.choices, default=SharingMethod.WEIGHT,
    )
    participants = models.CharField(
        _("shared among"), max_length=12, choices=Participants.choices, default=Participants.GROUPS,
    )
    shapley_samples = models.PositiveIntegerField(
        _("orders of arrival sampled (Shapley, beyond 10 participants)"), default=50,
        validators=[MinValueValidator(2), MaxValueValidator(10000)],
        help_text=_("More samples, smaller error, longer computation."),
    )
    day_starts = models.TimeField(_("rounds leave from"), default=_time(6))
    day_ends = models.TimeField(_("rounds are back by"), default=_time(20))
    service_minutes = models.PositiveSmallIntegerField(
        _("minutes per stop"), default=10, validators=[MaxValueValidator(240)],
        help_text=_("For producers and depots that have no site of their own."),
    )
    own_capacity_kg = models.PositiveIntegerField(_("own vehicle: capacity (kg)"), default=600, validators=[MinValueValidator(1)])
    own_capacity_crates = models.PositiveIntegerField(_("own vehicle: capacity (crates)"), default=40, validators=[MinValueValidator(1)])
    own_cost_per_km = models.DecimalField(
        _("own vehicle: cost per km (€)"), max_digits=6, decimal_places=3, default=Decimal("0.450"), validators=NOT_NEGATIVE,
    )
    own_cost_per_hour = models.DecimalField(
        _("own vehicle: cost per hour (€)"), max_digits=7, decimal_places=2, default=Decimal("18.00"), validators=NOT_NEGATIVE,
        help_text=_("The driver's time: a producer's hour away from the farm."),
    )
    own_co2_g_per_km = models.PositiveIntegerField(_("own vehicle: CO2 (g/km)"), default=220)
    co2_g_per_km = models.PositiveIntegerField(
        _("CO2 of a club vehicle (g/km)"), default=220, help_text=_("For the club's vehicles that state no figure."),
    )

    class Meta:
        verbose_name = _("transport settings")
        verbose_name_plural = _("transport settings")
        constraints = [
            models.CheckConstraint(condition=Q(day_ends__gt=F("day_starts")), name="logistics_day_ends_after_start"),
        ]

    def __str__(self) -> str:
        return str(self.club)


class Site(models.Model):
    """A place the rounds call at: a producer's pick-up point, a hub, a group's depot (reception window),
    or another place vehicles start from. A producer or depot without a site is called at its own
    coordinates within the club's day, with the club's minutes per stop."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="sites", verbose_name=_("club"))
    kind = models.CharField(_("kind"), max_length=10, choices=SiteKind.choices)
    name = models.CharField(_("name"), max_length=200)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, validators=LATITUDE)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, validators=LONGITUDE)
    producer = models.ForeignKey(
        Producer, on_delete=models.CASCADE, null=True, blank=True, related_name="sites", verbose_name=_("producer"),
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="sites", verbose_name=_("group"),
        help_text=_("For a depot: the group it receives for."),
    )
    # What a driver needs on the road (the drivers' sheets); empty: the producer's or the depot's own.
    address = models.CharField(_("address"), max_length=300, blank=True,
                               help_text=_("Empty: the producer's or the depot's address."))
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True,
                                    help_text=_("Who receives the driver. Empty: the producer's contact, or the group's coordinators."))
    phone = models.CharField(_("phone"), max_length=40, blank=True, help_text=_("Empty: the producer's phone."))
    access_notes = models.CharField(_("access notes for drivers"), max_length=300, blank=True,
                                    help_text=_("E.g. where to park, which door, the code."))
    opens_at = models.TimeField(_("open from"), default=_time(8), help_text=_("For a depot: when it can receive."))
    closes_at = models.TimeField(_("open until"), default=_time(18))
    service_minutes = models.PositiveSmallIntegerField(
        _("minutes per stop"), default=10, validators=[MaxValueValidator(240)],
        help_text=_("Parking, loading or unloading, signing."),
    )
    hub_mode = models.CharField(_("hub mode"), max_length=12, choices=HubMode.choices, blank=True)
    handling_minutes = models.PositiveSmallIntegerField(
        _("sorting time at the hub (minutes)"), default=30, validators=[MaxValueValidator(600)],
        help_text=_("For a cross-dock: between the last collection and the first delivery round."),
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["club", "kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="site_closes_after_opening"),
            models.UniqueConstraint(fields=["producer"], condition=Q(producer__isnull=False), name="site_one_per_producer"),
            models.UniqueConstraint(fields=["group"], condition=Q(group__isnull=False), name="site_one_per_group"),
            models.CheckConstraint(
                condition=(Q(kind="producer") | Q(producer__isnull=True)) & (Q(kind="depot") | Q(group__isnull=True))
                & (Q(kind="hub") | Q(hub_mode="")),
                name="site_links_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.kind == SiteKind.PRODUCER and self.producer_id is None:
            errors["producer"] = _("A producer's site names its producer.")
        if self.kind != SiteKind.PRODUCER and self.producer_id is not None:
            errors["producer"] = _("Only a producer's site names a producer.")
        if self.kind == SiteKind.DEPOT and self.group_id is None:
            errors["group"] = _("A depot names the group it receives for.")
        if self.kind != SiteKind.DEPOT and self.group_id is not None:
            errors["group"] = _("Only a depot names a group.")
        if self.kind == SiteKind.HUB and not self.hub_mode:
            errors["hub_mode"] = _("Choose how the hub works.")
        if self.kind != SiteKind.HUB and self.hub_mode:
            errors["hub_mode"] = _("Only a hub has a mode.")
        if self.producer_id is not None and self.club_id is not None and self.producer.club_id != self.club_id:
            errors["producer"] = _("This producer belongs to another club.")
        if self.group_id is not None and self.club_id is not None and self.group.club_id != self.club_id:
            errors["group"] = _("This group belongs to another club.")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The site must close after it opens.")
        if errors:
            raise ValidationError(errors)


class Vehicle(models.Model):
    """Vehicles of one kind the club can use for its rounds (``count`` alike), with who drives them."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="vehicles", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=200)
    count = models.PositiveSmallIntegerField(_("how many"), default=1, validators=[MinValueValidator(1), MaxValueValidator(50)])
    capacity_kg = models.PositiveIntegerField(_("capacity (kg)"), validators=[MinValueValidator(1)])
    capacity_crates = models.PositiveIntegerField(_("capacity (crates)"), validators=[MinValueValidator(1)])
    refrigerated = models.BooleanField(_("refrigerated"), default=False)
    cost_per_km = models.DecimalField(_("cost per km (€)"), max_digits=6, decimal_places=3, default=Decimal("0"), validators=NOT_NEGATIVE)
    cost_per_hour = models.DecimalField(
        _("cost per hour (€)"), max_digits=7, decimal_places=2, default=Decimal("0"), validators=NOT_NEGATIVE,
        help_text=_("The driver's pay, if any: 0 for a volunteer."),
    )
    fixed_cost = models.DecimalField(_("fixed cost per round (€)"), max_digits=8, decimal_places=2, default=Decimal("0"),
                                     validators=NOT_NEGATIVE)
    home = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("home site"))
    driver_kind = models.CharField(_("driven by"), max_length=10, choices=DriverKind.choices)
    co2_g_per_km = models.PositiveIntegerField(
        _("CO2 (g/km)"), null=True, blank=True, help_text=_("Empty: the club's default."),
    )
    is_active = models.BooleanField(_("available"), default=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        ordering = ["club", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1, capacity_kg__gte=1, capacity_crates__gte=1),
                                   name="vehicle_capacities_positive"),
            models.CheckConstraint(condition=Q(cost_per_km__gte=0, cost_per_hour__gte=0, fixed_cost__gte=0),
                                   name="vehicle_costs_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.home_id is not None and self.club_id is not None and self.home.club_id != self.club_id:
            raise ValidationError({"home": _("This site belongs to another club.")})


class ChilledCategory(models.Model):
    """A category whose goods travel only in refrigerated vehicles, in this club's pooled rounds."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="chilled_categories", verbose_name=_("club"))
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+", verbose_name=_("category"))

    class Meta:
        verbose_name = _("chilled category")
        verbose_name_plural = _("chilled categories")
        constraints = [models.UniqueConstraint(fields=["club", "category"], name="chilled_category_once")]

    def __str__(self) -> str:
        return str(self.category)


class TransportPlan(models.Model):
    """The rounds of one scheme for a closed cycle, their totals, the baseline's (each producer on its own)
    and the cost sharing. One plan per cycle and scheme; planning again replaces it until its shares are
    posted to the ledger."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.PROTECT, related_name="transport_plans", verbose_name=_("cycle"))
    scheme = models.CharField(_("scheme"), max_length=10, choices=Scheme.choices)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    km = models.DecimalField(_("km"), max_digits=10, decimal_places=2)
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2)
    cost = models.DecimalField(_("cost (€)"), **MONEY)
    co2_kg = models.DecimalField(_("CO2 (kg)"), max_digits=10, decimal_places=2)
    baseline_km = models.DecimalField(max_digits=10, decimal_places=2)
    baseline_hours = models.DecimalField(max_digits=8, decimal_places=2)
    baseline_cost = models.DecimalField(**MONEY)
    baseline_co2_kg = models.DecimalField(max_digits=10, decimal_places=2)
    kg = models.DecimalField(_("kg carried"), max_digits=12, decimal_places=0, default=0)
    feasible = models.BooleanField(_("feasible"), default=True)
    warnings = models.JSONField(default=list, blank=True)  # [{"message": English text with %(name)s, "params": {...}}]
    solver = models.JSONField(default=dict, blank=True)  # distances provider, time budget, iterations, runtime
    chosen = models.BooleanField(_("chosen"), default=False)
    ledger_transaction = models.OneToOneField(
        "finance.LedgerTransaction", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    sharing_method = models.CharField(_("cost sharing"), max_length=12, choices=SharingMethod.choices, blank=True)
    participants = models.CharField(_("shared among"), max_length=12, choices=Participants.choices, blank=True)
    sharing_note = models.CharField(max_length=40, blank=True)  # why another method was applied (cost_sharing reason)
    in_core = models.BooleanField(null=True)  # None: not every coalition could be checked (or no sharing)
    core_exhaustive = models.BooleanField(default=False)
    core_checked = models.PositiveIntegerField(default=0)
    core_excess = models.DecimalField(default=Decimal("0"), **MONEY)
    core_blocking = models.JSONField(default=list, blank=True)  # names of the coalition that would rather leave
    shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("transport plan")
        verbose_name_plural = _("transport plans")
        ordering = ["cycle", "scheme"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "scheme"], name="transport_plan_one_per_scheme"),
            models.UniqueConstraint(fields=["cycle"], condition=Q(chosen=True), name="transport_plan_one_chosen"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} — {self.get_scheme_display()}"

    @property
    def posted(self) -> bool:
        return self.ledger_transaction_id is not None

    @property
    def saving_km(self) -> Decimal:
        return self.baseline_km - self.km

    @property
    def saving_hours(self) -> Decimal:
        return self.baseline_hours - self.hours

    @property
    def saving_cost(self) -> Decimal:
        return self.baseline_cost - self.cost

    @property
    def saving_co2_kg(self) -> Decimal:
        return self.baseline_co2_kg - self.co2_kg

    @property
    def cost_per_kg(self) -> Decimal | None:
        return (self.cost / self.kg).quantize(Decimal("0.001")) if self.kg else None


class Round(models.Model):
    """One vehicle's work in a plan: its stops in order, possibly several trips (back to a hub to reload)."""

    plan = models.ForeignKey(TransportPlan, on_delete=models.CASCADE, related_name="rounds")
    position = models.PositiveSmallIntegerField()
    echelon = models.CharField(_("round"), max_length=12, choices=Echelon.choices)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="rounds")
    vehicle_name = models.CharField(_("vehicle"), max_length=200)
    driver_kind = models.CharField(_("driven by"), max_length=10, choices=DriverKind.choices, blank=True)
    refrigerated = models.BooleanField(default=False)
    km = models.DecimalField(_("km"), max_digits=10, decimal_places=2)
    minutes = models.PositiveIntegerField(_("minutes"))
    cost = models.DecimalField(_("cost (€)"), **MONEY)
    co2_kg = models.DecimalField(_("CO2 (kg)"), max_digits=10, decimal_places=2)
    trips = models.PositiveSmallIntegerField(_("trips"), default=1)
    starts_at = models.TimeField(_("leaves at"))
    ends_at = models.TimeField(_("back at"))

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["plan", "position"]

    def __str__(self) -> str:
        return f"{self.vehicle_name} ({self.get_echelon_display()})"

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))


class RoundStop(models.Model):
    """A call of a round at a site, in order, with what to load and unload there: ``lines`` is a list of
    {"action": "load"|"unload", "producer": id, "producer_name", "group": id, "group_name", "kg", "crates"}."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="stops")
    sequence = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=10, choices=StopAction.choices)
    site = models.ForeignKey(Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # the producer or the group (its depot) called at, site or not: where the driver's sheet finds an address and a phone
    producer = models.ForeignKey(Producer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=10, choices=SiteKind.choices)
    name = models.CharField(max_length=200)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    arrival = models.TimeField()
    departure = models.TimeField()
    lines = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["round", "sequence"]
        constraints = [models.UniqueConstraint(fields=["round", "sequence"], name="round_stop_unique_sequence")]


class CostShare(models.Model):
    """A participant's share of a plan's cost: what it pays, what it would pay alone, and the difference."""

    plan = models.ForeignKey(TransportPlan, on_delete=models.CASCADE, related_name="shares")
    position = models.PositiveIntegerField()
    participant_kind = models.CharField(max_length=12, choices=Participants.choices)
    participant_id = models.PositiveBigIntegerField()
    name = models.CharField(_("participant"), max_length=200)
    key = models.DecimalField(max_digits=16, decimal_places=3, null=True, blank=True)  # kg, € or t·km of the key
    share = models.DecimalField(_("share (€)"), **MONEY)
    stand_alone = models.DecimalField(_("alone (€)"), null=True, blank=True, **MONEY)  # None: too many to plan each alone
    saving = models.DecimalField(_("saving (€)"), null=True, blank=True, **MONEY)
    method = models.CharField(max_length=20)  # as applied: proportional, equal, shapley-exact, shapley-sampled
    error = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)  # ± 95 % for a sampled Shapley value

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "participant_kind", "participant_id"], name="cost_share_once"),
        ]


class PlanningRequest(models.Model):
    """A coordinator asked for a cycle's rounds to be planned: the solver runs in the task queue
    (``logistics.tasks.plan_transport``), the transport page shows the plan being computed until
    ``finished_at``, then the plans, and the reasons a scheme could not be planned (``errors``)."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="planning_requests")
    schemes = models.JSONField(default=list)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)  # messages for the coordinators, already translated
    planned = models.JSONField(default=list, blank=True)  # the schemes planned

    class Meta:
        indexes = [models.Index(fields=["cycle", "requested_at"])]

    @property
    def pending(self) -> bool:
        return self.finished_at is None
