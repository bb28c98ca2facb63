"""Order cycles, what is on offer in them, households' orders and what closing allocated."""

from decimal import Decimal

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import COUNTABLE_UNITS, Category, Container, Producer, Product, Unit
from cabas.members.models import Club, Group, Household, Weekday

from . import deposits


class CycleStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("not yet open")
    OPEN = "open", _("open")
    AWAITING_CLOSING = "awaiting_closing", _("deadline passed, awaiting closing")
    CLOSED = "closed", _("closed")


class Rationing(models.TextChoices):
    """How scarce supply is shared out (see ordering/allocation.py)."""

    EQUAL_SHARE = "equal-share", _("equal share (small requests served in full)")
    PROPORTIONAL = "proportional", _("in proportion to requests")
    FIRST_COME = "first-come", _("first come, first served")
    # Confidential like the tariffs: the households rationed are told "short supply", never why.
    SOLIDARITY_FIRST = "solidarity-first", _("households on a solidarity tariff first, then equal share")


class AllocationReason(models.TextChoices):
    BELOW_THRESHOLD = "below_threshold", _("viability threshold not reached")
    CAPPED = "capped", _("limited per household")
    RATIONED = "rationed", _("short supply, shared out")
    PACK_NOT_FILLED = "pack_not_filled", _("last pack not filled")
    TOLERANCE = "tolerance", _("more, within your tolerance, to complete a pack")


class OrderCycleQuerySet(models.QuerySet):
    def open_at(self, now):
        return self.filter(opens_at__lte=now, closes_at__gt=now, closed_at__isnull=True)

    def for_household(self, household_id: int, group_id: int):
        """The cycles a household sees: those covering its group, and those it ordered in (from a group it has
        left for another of the club)."""
        covered = OrderCycle.groups.through.objects.filter(ordercycle_id=models.OuterRef("pk"), group_id=group_id)
        ordered = Order.objects.filter(cycle_id=models.OuterRef("pk"), household_id=household_id)
        return self.filter(models.Exists(covered) | models.Exists(ordered))

    def for_groups(self, group_ids):
        """The cycles covering at least one of the groups."""
        covered = OrderCycle.groups.through.objects.filter(ordercycle_id=models.OuterRef("pk"), group_id__in=list(group_ids))
        return self.filter(models.Exists(covered))

    def due_for_closing(self, now):
        return self.filter(closes_at__lte=now, closed_at__isnull=True)


class OrderCycle(models.Model):
    """One round of collective pre-orders for a club.

    Its status is derived from its dates: open between `opens_at` and `closes_at`, then awaiting
    closing until the closing has run (`closed_at`). A coordinator may close it early.
    """

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=200)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    closed_at = models.DateTimeField(_("closing done at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False,
        related_name="+", verbose_name=_("closed by"),
    )
    rationing = models.CharField(_("sharing out when supply is short"), max_length=20, choices=Rationing.choices,
                                 default=Rationing.EQUAL_SHARE)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # The groups it serves (each with its distribution): some of the club's groups, each on its own rhythm.
    # Their households see the cycle and order in it; the others do not.
    groups = models.ManyToManyField(Group, related_name="cycles", verbose_name=_("groups"))

    objects = OrderCycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("order cycle")
        verbose_name_plural = _("order cycles")
        ordering = ["-closes_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="cycle_closes_after_opening"),
        ]

    def __str__(self) -> str:
        return self.name

    def status(self, now=None) -> str:
        now = now or timezone.now()
        if self.closed_at is not None:
            return CycleStatus.CLOSED
        if now < self.opens_at:
            return CycleStatus.SCHEDULED
        if now < self.closes_at:
            return CycleStatus.OPEN
        return CycleStatus.AWAITING_CLOSING

    def status_label(self, now=None) -> str:
        return CycleStatus(self.status(now)).label

    def accepts_orders(self, now=None) -> bool:
        return self.status(now) == CycleStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class Offer(models.Model):
    """A product on offer in one cycle, with its terms frozen when the cycle was set up.

    A later change to the product (price, VAT, pack size, name) never alters this cycle.
    """

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="offers", verbose_name=_("cycle"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="offers", verbose_name=_("product"))
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="offers", verbose_name=_("producer"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="offers", verbose_name=_("category"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    unit_price = models.DecimalField(_("unit price incl. VAT"), max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=4, decimal_places=2)
    pack_size = models.DecimalField(_("pack size"), max_digits=10, decimal_places=3, null=True, blank=True)
    order_step = models.DecimalField(_("order step"), max_digits=10, decimal_places=3, default=Decimal("1"))
    min_total = models.DecimalField(_("viability threshold"), max_digits=12, decimal_places=3, null=True, blank=True)
    supply_cap = models.DecimalField(_("supply this cycle"), max_digits=12, decimal_places=3, null=True, blank=True)
    per_household_cap = models.DecimalField(_("limit per household"), max_digits=12, decimal_places=3, null=True, blank=True)
    delivered = models.DecimalField(_("delivered"), max_digits=12, decimal_places=3, null=True, blank=True)
    spec_sheet = models.ForeignKey(
        "catalog.SpecSheet", on_delete=models.PROTECT, null=True, blank=True, related_name="offers",
        verbose_name=_("spec sheet"), help_text=_("The version that was current when the cycle opened."),
    )
    is_trial = models.BooleanField(_("trial"), default=False)
    # The returnable container of each order step and its deposit, frozen like the price.
    container = models.ForeignKey(Container, on_delete=models.PROTECT, null=True, blank=True, related_name="offers",
                                  verbose_name=_("returnable container"))
    containers_per_step = models.PositiveSmallIntegerField(_("containers per order step"), default=1)
    container_deposit = models.DecimalField(_("deposit per container (€)"), max_digits=8, decimal_places=2,
                                            null=True, blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["category__position", "producer__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "product"], name="offer_unique_product_per_cycle"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="offer_price_not_negative"),
            models.CheckConstraint(condition=Q(container__isnull=True) | Q(container_deposit__gt=0),
                                   name="offer_container_has_deposit"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def countable(self) -> bool:
        """Counted in whole units (pieces, bunches, dozens), not weighed or measured."""
        return self.unit in COUNTABLE_UNITS

    @property
    def sold_by_pack(self) -> bool:
        """Sold in packs of several order steps (otherwise loose: no rounding)."""
        return self.pack_size is not None and self.pack_size != self.order_step

    @property
    def effective_pack_size(self) -> Decimal:
        return self.pack_size or self.order_step

    def containers_for(self, quantity: Decimal) -> int:
        """How many returnable containers ``quantity`` comes in (0 without a container)."""
        if self.container_id is None:
            return 0
        return deposits.containers(quantity, self.order_step, self.containers_per_step)


class Order(models.Model):
    """A household's pre-order in a cycle, shared by the household's members."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.PROTECT, related_name="orders", verbose_name=_("cycle"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="orders", verbose_name=_("household"))
    updated_at = models.DateTimeField(_("last change"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("last changed by"),
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [models.UniqueConstraint(fields=["cycle", "household"], name="order_one_per_household_per_cycle")]

    def __str__(self) -> str:
        return f"{self.household} — {self.cycle}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("offer"))
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    tolerance = models.DecimalField(_("tolerance"), max_digits=12, decimal_places=3, default=Decimal("0"))
    committed = models.DecimalField(
        _("committed by a subscription"), max_digits=12, decimal_places=3, default=Decimal("0"),
        help_text=_("The part of the quantity a subscription put in; the member cannot order less."),
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(committed__lte=F("quantity")), name="order_line_committed_within_quantity"),
            models.UniqueConstraint(fields=["order", "offer"], name="order_line_unique_offer"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(tolerance__gte=0), name="order_line_tolerance_not_negative"),
        ]


class LineChange(models.Model):
    """Each change a household makes to a line, in order: first-come rationing replays them.

    Written by the save_order flow (ordering.services.write_order) beside the line itself; a quantity of 0 is a removal.
    """

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="line_changes")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    tolerance = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["cycle", "at"])]


class Allocation(models.Model):
    """What a household receives of an offer, fixed by the closing; rewritten only when deliveries
    are recorded at reception.

    The household's group is recorded as it was at closing, so lists stay true if it moves later.
    The largest table of a closing carries few indexes: (cycle, household, offer) unique, (cycle,
    group) for the picking lists, and the offer's. Only its offer is checked by the database
    (PostgreSQL checks every foreign key of every row at commit, which was most of a closing's
    commit): the cycle is the offer's, and the closing writes the household and its group from the
    order lines it reads in the same transaction. Django still protects them on delete.
    """

    cycle = models.ForeignKey(
        OrderCycle, on_delete=models.PROTECT, related_name="allocations", db_index=False, db_constraint=False
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="allocations", db_index=False, db_constraint=False
    )
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="allocations", db_index=False, db_constraint=False
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="allocations")
    quantity_ordered = models.DecimalField(max_digits=12, decimal_places=3)
    tolerance = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal("0"))
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    reason = models.CharField(max_length=20, choices=AllocationReason.choices, blank=True)
    amount_incl_vat = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "household", "offer"], name="allocation_unique"),
        ]
        indexes = [models.Index(fields=["cycle", "group"], name="allocation_cycle_group")]


class OfferOutcome(models.Model):
    """What the closing decided for one offer, pooled over the club (see ordering/allocation.py)."""

    offer = models.OneToOneField(Offer, on_delete=models.CASCADE, related_name="outcome")
    status = models.CharField(max_length=20)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)  # pooled requests
    tolerance = models.DecimalField(max_digits=14, decimal_places=3)
    packs = models.PositiveIntegerField()
    ordered = models.DecimalField(max_digits=14, decimal_places=3)
    allocated = models.DecimalField(max_digits=14, decimal_places=3)
    surplus = models.DecimalField(max_digits=14, decimal_places=3)


class OrderSummary(models.Model):
    """A household's amounts for a closed cycle (VAT per rate is derived from its allocations)."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.PROTECT, related_name="summaries")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="order_summaries")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="order_summaries")
    line_count = models.PositiveIntegerField()
    amount_incl_vat = models.DecimalField(max_digits=12, decimal_places=2)
    amount_excl_vat = models.DecimalField(max_digits=12, decimal_places=2)
    vat = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("order summary")
        verbose_name_plural = _("order summaries")
        constraints = [models.UniqueConstraint(fields=["cycle", "household"], name="summary_unique")]


class RecurringCycle(models.Model):
    """A cycle opened again every N weeks (``cabas open-recurring-cycles``, from cron) for some of the club's
    groups, with the products of the last cycle it opened (the first time, of the cycle it was set up from):
    orders open on a weekday at a time for a number of days; each group's distribution is its next planned day
    (its rhythm) after the deadline."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="recurring_cycles", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=150, help_text=_("Each cycle is named after it and its deadline's week."))
    groups = models.ManyToManyField(Group, related_name="recurring_cycles", verbose_name=_("groups"))
    every_weeks = models.PositiveSmallIntegerField(
        _("opens every (weeks)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(26)])
    opens_weekday = models.PositiveSmallIntegerField(_("orders open on"), choices=Weekday.choices)
    opens_time = models.TimeField(_("at"), default=datetime.time(8, 0))
    ordering_days = models.PositiveSmallIntegerField(
        _("orders stay open (days)"), default=4, validators=[MinValueValidator(1), MaxValueValidator(60)])
    next_opens_on = models.DateField(_("next opening"))
    last_cycle = models.ForeignKey(
        OrderCycle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("last cycle"), help_text=_("Its products are offered again."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_message = models.CharField(_("last opening"), max_length=500, blank=True, editable=False,
                                    help_text=_("What the last opening did, or why it could not open the cycle."))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("recurring cycle")
        verbose_name_plural = _("recurring cycles")
        ordering = ["club", "name"]

    def __str__(self) -> str:
        return self.name
