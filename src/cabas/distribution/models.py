"""Distribution days and the documents a closing prepares for them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Container, Producer
from cabas.members.models import Group, Household
from cabas.ordering.models import Offer, OrderCycle


class Distribution(models.Model):
    """The day a group's households pick up a cycle's goods at its depot."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="distributions", verbose_name=_("cycle"))
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="distributions", verbose_name=_("group"))
    date = models.DateField(_("distribution date"))
    ends_on = models.DateField(
        _("open until"), null=True, blank=True,
        help_text=_("For goods kept at the depot (a freezer) and picked up over several days; empty: one day."),
    )

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["date", "group__name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "group"], name="distribution_one_per_group")]

    def __str__(self) -> str:
        return f"{self.group} — {self.date}"


class PickingList(models.Model):
    """Per depot: what to hand out to each household, to be signed off. Written by the closing."""

    distribution = models.OneToOneField(Distribution, on_delete=models.PROTECT, related_name="picking_list")
    household_count = models.PositiveIntegerField()
    line_count = models.PositiveIntegerField()
    amount_incl_vat = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("picking list")
        verbose_name_plural = _("picking lists")


class ProducerSheet(models.Model):
    """Per producer: the quantities to supply per product and depot, and their totals."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.PROTECT, related_name="producer_sheets")
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="sheets")
    line_count = models.PositiveIntegerField()
    amount_incl_vat = models.DecimalField(max_digits=12, decimal_places=2)
    amount_excl_vat = models.DecimalField(max_digits=12, decimal_places=2)
    vat = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("producer order sheet")
        verbose_name_plural = _("producer order sheets")
        ordering = ["producer__name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "producer"], name="producer_sheet_unique")]


class ReceptionState(models.TextChoices):
    AS_EXPECTED = "as_expected", _("received as expected")
    SHORT = "short", _("less than expected")
    DAMAGED = "damaged", _("damaged")
    MORE = "more", _("more than expected")


class DepotReception(models.Model):
    """What a depot received of one offer, checked by the group's volunteers when the producer (or the transport)
    delivers. Less, or damaged goods, limit what the depot's households receive (the shortfall is shared among
    them alone); more is the depot's surplus. ``received`` is the quantity that can be handed out (empty: as
    expected); ``expected`` is what the depot's households were allocated before this reception, kept up to date
    by every recalculation."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="receptions",
                                     verbose_name=_("distribution"))
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="depot_receptions", verbose_name=_("product"))
    state = models.CharField(_("reception"), max_length=12, choices=ReceptionState.choices, default=ReceptionState.AS_EXPECTED)
    received = models.DecimalField(_("received"), max_digits=12, decimal_places=3, null=True, blank=True)
    expected = models.DecimalField(_("expected"), max_digits=12, decimal_places=3)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("depot reception")
        verbose_name_plural = _("depot receptions")
        constraints = [
            models.UniqueConstraint(fields=["distribution", "offer"], name="depot_reception_unique"),
            models.CheckConstraint(condition=Q(received__isnull=True) | Q(received__gte=0), name="depot_reception_not_negative"),
            models.CheckConstraint(condition=Q(state="as_expected", received__isnull=True)
                                   | (~Q(state="as_expected") & Q(received__isnull=False)),
                                   name="depot_reception_quantity_matches_state"),
        ]

    def __str__(self) -> str:
        return f"{self.distribution} — {self.offer}"

    @property
    def shortfall(self):
        """What the producer owes the depot: expected less what could be handed out (damaged goods included)."""
        if self.received is None:
            return 0
        return max(self.expected - self.received, 0)

    @property
    def extra(self):
        if self.received is None:
            return 0
        return max(self.received - self.expected, 0)
# --- pickup sign-off, stored goods, surplus ------------------------------------------------------------------


class PickupStatus(models.TextChoices):
    COLLECTED = "collected", _("picked up")
    PARTLY = "partly", _("partly picked up")
    ABSENT = "absent", _("absent")


class Pickup(models.Model):
    """One tick on the pickup sheet: how a household picked up its goods at a distribution. Never changed: a
    later tick is another row, and the latest (highest id) is the household's current one (the history stays)."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="pickups")
    household = models.ForeignKey("members.Household", on_delete=models.PROTECT, related_name="pickups")
    status = models.CharField(_("pickup"), max_length=10, choices=PickupStatus.choices)
    collected_by_household = models.ForeignKey(
        "members.Household", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("collected by (household)"),
    )
    collected_by_name = models.CharField(_("collected by (name)"), max_length=120, blank=True)
    # what was not collected when the tick was recorded: [[offer id, "quantity"], …] (the history of "partly")
    missing = models.JSONField(default=list, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("pickup")
        verbose_name_plural = _("pickups")
        indexes = [models.Index(fields=["distribution", "household"], name="pickup_household")]


class UncollectedState(models.TextChoices):
    STORED = "stored", _("stored at the depot")
    SURPLUS = "surplus", _("turned into surplus")
    COLLECTED = "collected", _("collected later")


class Uncollected(models.Model):
    """What a household did not collect of an offer at a distribution (an absence, or "partly"): it stays stored
    at the depot until collected later, or the volunteer turns it into surplus."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="uncollected")
    household = models.ForeignKey("members.Household", on_delete=models.PROTECT, related_name="+")
    offer = models.ForeignKey("ordering.Offer", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    state = models.CharField(max_length=10, choices=UncollectedState.choices, default=UncollectedState.STORED)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("goods not collected")
        verbose_name_plural = _("goods not collected")
        constraints = [
            models.UniqueConstraint(fields=["distribution", "household", "offer"], name="uncollected_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="uncollected_quantity_positive"),
        ]


class SurplusSource(models.TextChoices):
    PACK = "pack", _("pack surplus")
    DELIVERY = "delivery", _("delivered beyond the allocation")
    UNCOLLECTED = "uncollected", _("not collected")


class SurplusItem(models.Model):
    """Goods at a depot that no household is to receive: what the volunteers sell, give or record as lost.

    A pack surplus row is written when its first disposition is recorded (its quantity follows the closing's
    outcome, see ``distribution.surplus``); delivery surplus comes from reception; a no-show's goods from the
    pickup sheet (``uncollected`` names them, and the household the sale credits)."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="surplus_items")
    offer = models.ForeignKey("ordering.Offer", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    source = models.CharField(max_length=12, choices=SurplusSource.choices)
    uncollected = models.OneToOneField(Uncollected, on_delete=models.PROTECT, null=True, blank=True, related_name="surplus")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("surplus")
        verbose_name_plural = _("surplus")
        constraints = [
            models.UniqueConstraint(fields=["distribution", "offer", "source"], condition=Q(uncollected__isnull=True),
                                    name="surplus_one_per_offer_and_source"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="surplus_quantity_not_negative"),
            models.CheckConstraint(condition=Q(source="uncollected", uncollected__isnull=False)
                                   | (~Q(source="uncollected") & Q(uncollected__isnull=True)), name="surplus_source_matches"),
        ]


class DispositionKind(models.TextChoices):
    SOLD = "sold", _("sold to a member")
    GIVEN = "given", _("given to a partner")
    LOST = "lost", _("lost")


class SurplusDisposition(models.Model):
    """What became of part of a surplus item. A sale names the household that bought it and the amount posted to
    the ledger (under ``ledger_key``); a gift the partner and the value; a loss its reason."""

    item = models.ForeignKey(SurplusItem, on_delete=models.PROTECT, related_name="dispositions")
    kind = models.CharField(max_length=6, choices=DispositionKind.choices)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    buyer = models.ForeignKey("members.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)  # a sale's price, or a gift's value
    partner = models.CharField(max_length=160, blank=True)
    reason = models.CharField(max_length=160, blank=True)
    ledger_key = models.CharField(max_length=80, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("surplus disposition")
        verbose_name_plural = _("surplus dispositions")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="disposition_quantity_positive")]


class ContainerReturn(models.Model):
    """How many containers of a kind a household brought back at a distribution, as last counted there; the
    deposit refunded for each is the container's when the count was first written (a correction keeps it)."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="container_returns")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="container_returns")
    container = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="returns")
    quantity = models.PositiveIntegerField(_("containers returned"))
    deposit = models.DecimalField(_("deposit per container (€)"), max_digits=8, decimal_places=2)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("containers returned")
        verbose_name_plural = _("containers returned")
        constraints = [
            models.UniqueConstraint(fields=["distribution", "household", "container"], name="container_return_unique"),
            models.CheckConstraint(condition=Q(deposit__gt=0), name="container_return_deposit_positive"),
        ]
        indexes = [models.Index(fields=["household", "container"], name="container_return_household")]


class DocumentBundle(models.Model):
    """Every order sheet and picking list of a closed cycle in one ZIP, prepared by the task queue's worker
    (rendering dozens of PDFs takes longer than a request should); the latest one of a cycle is kept."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="document_bundles")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    file_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("documents bundle")
        verbose_name_plural = _("documents bundles")
