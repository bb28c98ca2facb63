"""Surveys: a household's answer, the results' projection, the coordinators' decision."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Product
from cabas.core.errors import ActionError
from cabas.core.numbers import parse_decimal
from cabas.members.models import Household

from . import projection
from .models import Interest, Survey, SurveyAnswer, SurveyDecision

MAX_QUANTITY = Decimal("10000")


def _decimal(raw: object, field: str, errors: dict, *, required: bool) -> Decimal | None:
    if str(raw if raw is not None else "").strip() == "":
        if required:
            errors[field] = _("Required.")
        return None
    value = parse_decimal(raw, grouped=True)
    if value is None:
        errors[field] = _("Enter a number, e.g. 2,5.")
        return None
    if value < 0:
        errors[field] = _("This cannot be negative.")
    elif value > MAX_QUANTITY:
        errors[field] = _("This is more than %(max)s.") % {"max": MAX_QUANTITY}
    return value


@transaction.atomic
def answer_survey(*, survey: Survey, household: Household, values: Mapping[str, object], today=None) -> SurveyAnswer:
    """Record (or replace) a household's answer while the survey is open. Reads only interest,
    quantity_per_month, acceptable_price and comment."""
    if household.group.club_id != survey.club_id:
        raise ActionError(_("This survey is for another club."))
    survey = Survey.objects.select_for_update().get(pk=survey.pk)  # as it stands now (a decision closes it)
    if not survey.is_open(today):
        raise ActionError(_("This survey is closed."))
    errors: dict[str, str] = {}
    interest = str(values.get("interest") or "")
    if interest not in Interest.values:
        errors["interest"] = _("Say whether you would buy this product.")
    quantity = _decimal(values.get("quantity_per_month"), "quantity_per_month", errors, required=interest == Interest.YES)
    price = _decimal(values.get("acceptable_price"), "acceptable_price", errors, required=False)
    comment = str(values.get("comment") or "").strip()
    if len(comment) > 2000:
        errors["comment"] = _("Keep the comment under 2,000 characters.")
    if errors:
        raise ActionError(_("Your answer was not saved."), field_errors=errors)
    answer, _created = SurveyAnswer.objects.update_or_create(
        survey=survey, household=household,
        defaults={"interest": interest, "quantity_per_month": quantity or Decimal(0) if interest != Interest.NO else Decimal(0),
                  "acceptable_price": price, "comment": comment, "answered_at": timezone.now()},
    )
    return answer


def survey_projection(survey: Survey) -> projection.Projection:
    """The survey's answers projected against the threshold (two queries)."""
    answers = [
        projection.Answer(interest, quantity, price)
        for interest, quantity, price in survey.answers.values_list("interest", "quantity_per_month", "acceptable_price")
    ]
    households = Household.objects.filter(group__club_id=survey.club_id).count()
    return projection.project(answers, households=households, threshold=survey.monthly_threshold,
                              proposed_price=survey.proposed_price)


@transaction.atomic
def decide_survey(*, survey_id: int, decision: str, note: str, trial_product_id: int | None = None, by_user=None) -> Survey:
    """Record what the club decided. A trial names the product (of the club's catalogue) that will be
    offered, marked as a trial in the cycles that offer it."""
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    if survey.decision:
        raise ActionError(_("This survey has already been decided."))
    if decision not in SurveyDecision.values:
        raise ActionError(_("Choose a decision."))
    note = (note or "").strip()
    if not note:
        raise ActionError(_("Say why: the members will read it."), field_errors={"note": _("Required.")})
    product = None
    if decision in (SurveyDecision.TRIAL, SurveyDecision.ADOPTED) and trial_product_id is not None:
        product = Product.objects.filter(pk=trial_product_id, producer__club_id=survey.club_id).first()
        if product is None:
            raise ActionError(_("Choose a product of this club's catalogue."))
    if decision == SurveyDecision.TRIAL and product is None:
        raise ActionError(_("Choose the product to offer for a trial."))
    if product is not None:
        Product.objects.filter(pk=product.pk).update(is_trial=decision == SurveyDecision.TRIAL, is_active=True)
    survey.decision, survey.decision_note, survey.trial_product = decision, note, product
    survey.decided_at, survey.decided_by = timezone.now(), by_user
    survey.save(update_fields=["decision", "decision_note", "trial_product", "decided_at", "decided_by"])
    return survey
