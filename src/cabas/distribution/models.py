"""Distribution days and the documents a closing prepares for them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Container, Producer
from cabas.members.models import Group, Household
from cabas.ordering.models import OrderCycle


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
