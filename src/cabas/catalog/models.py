"""Producers and what they offer the club."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cabas.members.models import Club


class Unit(models.TextChoices):
    """The unit a product is counted and priced in; every quantity carries one."""

    KILOGRAM = "kg", _("kg")
    GRAM = "g", _("g")
    LITRE = "l", _("l")
    PIECE = "piece", _("piece")
    BUNCH = "bunch", _("bunch")
    DOZEN = "dozen", _("dozen")


COUNTABLE_UNITS = frozenset({Unit.PIECE, Unit.BUNCH, Unit.DOZEN})


class Producer(models.Model):
    """A farm or small processor in partnership with a club."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="producers", verbose_name=_("club"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A staple chain or shelf of the catalogue: lait, fromage, pain, légumes…"""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """What a producer offers. Editing a product never changes a cycle already opened (see Offer)."""

    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="products", verbose_name=_("producer"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    unit_price = models.DecimalField(
        _("unit price incl. VAT"), max_digits=10, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=4, decimal_places=2, default=Decimal("5.50"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    pack_size = models.DecimalField(
        _("pack size"), max_digits=10, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("How many units the producer sells together (a case of 6, a 10 kg bag). Empty: sold loose."),
    )
    order_step = models.DecimalField(
        _("order step"), max_digits=10, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("The smallest quantity a household can add (1 piece, 0.5 kg); it must divide the pack size. "
                    "Empty: 1 for what is counted, 0.001 for what is weighed or measured."),
    )
    min_total = models.DecimalField(
        _("viability threshold"), max_digits=12, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The minimum total, in units, below which the producer does not deliver this product in a cycle."),
    )
    is_active = models.BooleanField(_("available"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(pack_size__isnull=True) | Q(pack_size__gt=0), name="product_pack_size_positive"
            ),
            models.CheckConstraint(condition=Q(order_step__gt=0), name="product_order_step_positive"),
            models.CheckConstraint(condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=100), name="product_vat_rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.producer})"

    @property
    def countable(self) -> bool:
        """Counted in whole units (pieces, bunches, dozens), not weighed or measured."""
        return self.unit in COUNTABLE_UNITS

    @property
    def effective_order_step(self) -> Decimal:
        return self.order_step or (Decimal(1) if self.countable else Decimal("0.001"))

    def clean(self):
        super().clean()
        if self.pack_size and (self.pack_size / self.effective_order_step) % 1:
            raise ValidationError({"order_step": _("The order step must divide the pack size.")})
