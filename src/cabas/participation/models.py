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
    NOTED = "noted", _("conclusions recorded")  # a general survey's decision


class SurveyKind(models.TextChoices):
    PRODUCT = "product", _("about a proposed product")
    GENERAL = "general", _("general (questions rated or answered freely)")


class QuestionKind(models.TextChoices):
    RATING = "rating", _("a rating from 1 to 5")
    TEXT = "text", _("a free answer")


class Survey(models.Model):
    """A consultation of the club's households about a proposed product: interest, expected quantity per
    month, acceptable price, comments. The results project the monthly volume against the producer's
    viability threshold; the coordinators record the decision."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("club"))
    kind = models.CharField(_("kind of survey"), max_length=10, choices=SurveyKind.choices, default=SurveyKind.PRODUCT)
    # a product survey's proposed product; a general survey's title (e.g. « Évaluation trimestrielle »)
    product_name = models.CharField(_("proposed product or title"), max_length=200)
    producer = models.ForeignKey(
        Producer, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys", verbose_name=_("producer")
    )
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, blank=True)
    proposed_price = models.DecimalField(
        _("proposed price incl. VAT"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    monthly_threshold = models.DecimalField(
        _("viability threshold per month"), max_digits=12, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
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
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="survey_closes_after_opening"),
            models.CheckConstraint(
                condition=Q(kind="general") | (~Q(unit="") & Q(monthly_threshold__isnull=False)),
                name="survey_product_has_unit_and_threshold",
            ),
        ]

    def __str__(self) -> str:
        return self.product_name

    @property
    def is_general(self) -> bool:
        return self.kind == SurveyKind.GENERAL

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on and not self.decision


class SurveyAnswer(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="survey_answers")
    interest = models.CharField(_("interest"), max_length=5, choices=Interest.choices, blank=True)  # blank: general
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


class SurveyQuestion(models.Model):
    """A question of a general survey: rated from 1 to 5, or answered in a few words."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("answered with"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.RATING)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class QuestionAnswer(models.Model):
    """A household's answer to one question (part of its ``SurveyAnswer``)."""

    answer = models.ForeignKey(SurveyAnswer, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("answer to a question")
        verbose_name_plural = _("answers to questions")
        constraints = [
            models.UniqueConstraint(fields=["answer", "question"], name="question_answer_unique"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="question_answer_rating_1_to_5"),
        ]
