"""Member surveys, e.g. before a new product enters the catalogue."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Producer, Product, Unit
from cabas.members.models import Club, Household


class Interest(models.TextChoices):
    YES = "yes", _("yes, I would buy it")
    MAYBE = "maybe", _("maybe")
    NO = "no", _("no")


class SurveyDecision(models.TextChoices):
    ADOPTED = "adopted", _("adopted")
    TRIAL = "trial", _("offered for a trial cycle")
    REJECTED = "rejected", _("not taken further")


class Survey(models.Model):
    """A consultation of the club's households about a proposed product: interest, expected quantity per
    month, acceptable price, comments. The results project the monthly volume against the producer's
    viability threshold; the coordinators record the decision."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("club"))
    product_name = models.CharField(_("proposed product"), max_length=200)
    producer = models.ForeignKey(
        Producer, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys", verbose_name=_("producer")
    )
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    proposed_price = models.DecimalField(
        _("proposed price incl. VAT"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    monthly_threshold = models.DecimalField(
        _("viability threshold per month"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    decision = models.CharField(_("decision"), max_length=10, choices=SurveyDecision.choices, blank=True)
    decision_note = models.TextField(_("why"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trial_product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys", verbose_name=_("product tried"),
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["club", "-opens_on"]
        constraints = [models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="survey_closes_after_opening")]

    def __str__(self) -> str:
        return self.product_name

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on and not self.decision


class SurveyAnswer(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="survey_answers")
    interest = models.CharField(_("interest"), max_length=5, choices=Interest.choices)
    quantity_per_month = models.DecimalField(
        _("quantity per month"), max_digits=10, decimal_places=3, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    acceptable_price = models.DecimalField(
        _("highest price you find fair"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["survey", "household"], name="survey_answer_one_per_household"),
            models.CheckConstraint(condition=Q(quantity_per_month__gte=0), name="survey_answer_quantity_not_negative"),
        ]
