"""Distribution days and the documents a closing prepares for them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Producer
from cabas.members.models import Group
from cabas.ordering.models import Offer, OrderCycle


class Distribution(models.Model):
    """The day a group's households pick up a cycle's goods at its depot."""

    cycle = models.ForeignKey(OrderCycle, on_delete=models.CASCADE, related_name="distributions", verbose_name=_("cycle"))
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="distributions", verbose_name=_("group"))
    date = models.DateField(_("distribution date"))

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
