"""Solidarity purchase contracts (club × producer) and AMAP-style subscriptions (household × basket)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Producer, Product, Unit
from cabas.catalog.steps import is_whole_steps
from cabas.catalog.units import format_step
from cabas.members.models import Club, Group, Household


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")
    YEARLY = "yearly", _("yearly")


class GuaranteeKind(models.TextChoices):
    VALUE = "value", _("value (€ incl. VAT)")
    VOLUME = "volume", _("volume")


class Contract(models.Model):
    """A solidarity purchase contract: the club commits to buy at least a volume or a value per period,
    at prices agreed from the producer's costs, so that the producer can plan."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("club"))
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("producer"))
    title = models.CharField(_("title"), max_length=200)
    frequency = models.CharField(_("pre-order frequency"), max_length=10, choices=Frequency.choices)
    guarantee_kind = models.CharField(_("purchase guarantee in"), max_length=10, choices=GuaranteeKind.choices)
    guarantee_amount = models.DecimalField(
        _("guarantee per period"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    guarantee_unit = models.CharField(
        _("unit of a volume guarantee"), max_length=10, choices=Unit.choices, blank=True,
        help_text=_("Only the contract's products sold in this unit count towards a volume guarantee."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    tacit_renewal = models.BooleanField(_("renewed unless cancelled"), default=False)
    signed_by_club_on = models.DateField(_("signed by the club on"), null=True, blank=True)
    signed_by_producer_on = models.DateField(_("signed by the producer on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("solidarity purchase contract")
        verbose_name_plural = _("solidarity purchase contracts")
        ordering = ["club", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")), name="contract_ends_after_start"),
            models.CheckConstraint(condition=Q(guarantee_amount__gt=0), name="contract_guarantee_positive"),
            models.CheckConstraint(
                condition=Q(guarantee_kind="value") | ~Q(guarantee_unit=""), name="contract_volume_has_unit"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ContractProduct(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="products", verbose_name=_("contract"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    agreed_price = models.DecimalField(
        _("agreed price incl. VAT"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("product under contract")
        verbose_name_plural = _("products under contract")
        constraints = [models.UniqueConstraint(fields=["contract", "product"], name="contract_product_unique")]


class PaymentSchedule(models.TextChoices):
    SINGLE = "single", _("one payment")
    MONTHLY = "monthly", _("monthly instalments")
    QUARTERLY = "quarterly", _("quarterly instalments")


class SubscriptionOffer(models.Model):
    """What a club offers its households to subscribe to for a season: a producer's basket (each line with the
    quantities a household may choose), the skips and notice allowed, the payment schedules, when sign-up is
    open and to which groups. Members subscribe themselves (``services.subscribe``)."""

    club = models.ForeignKey(Club, on_delete=models.PROTECT, related_name="subscription_offers", verbose_name=_("club"))
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="subscription_offers",
                                 verbose_name=_("producer"))
    season = models.CharField(_("season"), max_length=60)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    starts_on = models.DateField(_("first distribution on or after"))
    ends_on = models.DateField(_("last distribution on or before"))
    max_skips = models.PositiveSmallIntegerField(_("dates that may be skipped"), default=2)
    notice_days = models.PositiveSmallIntegerField(_("notice to skip (days)"), default=7)
    payment_schedules = models.CharField(
        _("payment schedules allowed"), max_length=40, default=PaymentSchedule.SINGLE,
        help_text=_("Comma-separated: single, monthly, quarterly."),
    )
    signup_opens_on = models.DateField(_("sign-up opens on"))
    signup_closes_on = models.DateField(_("sign-up closes on"))
    groups = models.ManyToManyField(Group, blank=True, related_name="subscription_offers", verbose_name=_("open to"),
                                    help_text=_("None chosen: every group of the club."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("subscription offer")
        verbose_name_plural = _("subscription offers")
        ordering = ["club", "-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="subscription_offer_ends_after_start"),
            models.CheckConstraint(condition=Q(signup_closes_on__gte=F("signup_opens_on")),
                                   name="subscription_offer_signup_closes_after_opening"),
            models.CheckConstraint(condition=~Q(payment_schedules=""), name="subscription_offer_has_a_schedule"),
        ]

    def __str__(self) -> str:
        return f"{self.producer} — {self.season}" if self.producer_id else self.season

    @property
    def schedules(self) -> list[str]:
        """The payment schedules a household may choose, in the order of ``PaymentSchedule``."""
        chosen = set(self.payment_schedules.split(","))
        return [value for value in PaymentSchedule.values if value in chosen]

    def schedule_choices(self) -> list[tuple[str, str]]:
        labels = dict(PaymentSchedule.choices)
        return [(value, labels[value]) for value in self.schedules]

    def signup_open(self, today) -> bool:
        return self.signup_opens_on <= today <= self.signup_closes_on and today <= self.ends_on


class SubscriptionOfferLine(models.Model):
    """A line of an offered basket: the quantity proposed, and the lowest and highest a household may choose
    (0 as the lowest: the line is optional)."""

    offer = models.ForeignKey(SubscriptionOffer, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    quantity = models.DecimalField(_("quantity proposed"), max_digits=10, decimal_places=3,
                                   validators=[MinValueValidator(Decimal("0.001"))])
    min_quantity = models.DecimalField(_("at least"), max_digits=10, decimal_places=3, default=Decimal("0"),
                                       validators=[MinValueValidator(Decimal("0"))])
    max_quantity = models.DecimalField(_("at most"), max_digits=10, decimal_places=3,
                                       validators=[MinValueValidator(Decimal("0.001"))])

    class Meta:
        verbose_name = _("offered basket line")
        verbose_name_plural = _("offered basket lines")
        ordering = ["offer", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "product"], name="subscription_offer_line_unique"),
            models.CheckConstraint(condition=Q(min_quantity__gte=0) & Q(min_quantity__lte=F("quantity"))
                                   & Q(quantity__lte=F("max_quantity")), name="subscription_offer_line_limits"),
        ]


class Subscription(models.Model):
    """A household's AMAP-style commitment to a basket of one producer at every distribution of a season.

    Each cycle whose distribution falls in the season (and is not skipped) gets the basket's lines in the
    household's order, as committed quantities the member cannot lower."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("household"))
    producer = models.ForeignKey(Producer, on_delete=models.PROTECT, related_name="subscriptions", verbose_name=_("producer"))
    season = models.CharField(_("season"), max_length=60)
    starts_on = models.DateField(_("first distribution on or after"))
    ends_on = models.DateField(_("last distribution on or before"))
    max_skips = models.PositiveSmallIntegerField(_("dates that may be skipped"), default=2)
    notice_days = models.PositiveSmallIntegerField(_("notice to skip (days)"), default=7)
    payment_schedule = models.CharField(
        _("payment schedule"), max_length=10, choices=PaymentSchedule.choices, default=PaymentSchedule.SINGLE
    )
    created_at = models.DateTimeField(default=timezone.now)
    offer = models.ForeignKey(SubscriptionOffer, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="subscriptions", verbose_name=_("subscribed from"))

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["household", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="subscription_ends_after_start"),
            models.UniqueConstraint(fields=["offer", "household"], condition=Q(offer__isnull=False),
                                    name="subscription_once_per_offer"),
        ]

    def __str__(self) -> str:
        return f"{self.household} — {self.producer} ({self.season})"


class SubscriptionLine(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product"))
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))])

    def clean(self):
        super().clean()
        product = self.product if self.product_id else None
        if product is not None and self.quantity is not None and not is_whole_steps(self.quantity, product.effective_order_step):
            raise ValidationError({"quantity": _("%(product)s is ordered in steps of %(step)s.") % {
                "product": product.name, "step": format_step(product.effective_order_step, product.unit)}})

    class Meta:
        verbose_name = _("basket line")
        verbose_name_plural = _("basket lines")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "product"], name="subscription_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="subscription_line_positive"),
        ]


class SubscriptionSkip(models.Model):
    """A distribution date the household will not take its basket (within the allowed number and notice)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="skips")
    date = models.DateField(_("date"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("skipped date")
        verbose_name_plural = _("skipped dates")
        constraints = [models.UniqueConstraint(fields=["subscription", "date"], name="subscription_skip_unique")]
