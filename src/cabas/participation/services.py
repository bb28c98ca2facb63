"""Surveys: a household's answer, the results' projection, the coordinators' decision."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Producer, Product, Unit
from cabas.core.errors import ActionError
from cabas.core.numbers import parse_decimal
from cabas.members.models import Household

from . import projection
from .models import (
    Interest, QuestionAnswer, QuestionKind, Survey, SurveyAnswer, SurveyDecision, SurveyKind, SurveyQuestion,
)

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
    quantity_per_month, acceptable_price and comment (a product survey), or ``q-<question id>`` and comment (a
    general survey)."""
    if household.group.club_id != survey.club_id:
        raise ActionError(_("This survey is for another club."))
    survey = Survey.objects.select_for_update().get(pk=survey.pk)  # as it stands now (a decision closes it)
    if not survey.is_open(today):
        raise ActionError(_("This survey is closed."))
    if survey.is_general:
        return _answer_questions(survey, household, values)
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
    if decision not in decisions_for(survey):
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


def decisions_for(survey: Survey) -> list[str]:
    """A general survey records its conclusions; a product survey adopts, tries or drops the product."""
    if survey.is_general:
        return [SurveyDecision.NOTED]
    return [SurveyDecision.ADOPTED, SurveyDecision.TRIAL, SurveyDecision.REJECTED]


MAX_RATING = 5


def _answer_questions(survey: Survey, household: Household, values: Mapping[str, object]) -> SurveyAnswer:
    """A general survey's answer: a rating from 1 to 5 or a few words per question (each may be left empty, not
    all), and a comment."""
    questions = list(survey.questions.all())
    errors: dict[str, str] = {}
    given: dict[int, tuple[int | None, str]] = {}
    for question in questions:
        raw = str(values.get(f"q-{question.pk}") or "").strip()
        if not raw:
            continue
        if question.kind == QuestionKind.RATING:
            if raw not in {str(n) for n in range(1, MAX_RATING + 1)}:
                errors[f"q-{question.pk}"] = _("Choose a rating from 1 to 5.")
            else:
                given[question.pk] = (int(raw), "")
        elif len(raw) > 2000:
            errors[f"q-{question.pk}"] = _("Keep the answer under 2,000 characters.")
        else:
            given[question.pk] = (None, raw)
    comment = str(values.get("comment") or "").strip()
    if len(comment) > 2000:
        errors["comment"] = _("Keep the comment under 2,000 characters.")
    if not errors and not given and not comment:
        raise ActionError(_("Answer at least one question."))
    if errors:
        raise ActionError(_("Your answer was not saved."), field_errors=errors)
    answer, _created = SurveyAnswer.objects.update_or_create(
        survey=survey, household=household,
        defaults={"interest": "", "quantity_per_month": Decimal(0), "acceptable_price": None, "comment": comment,
                  "answered_at": timezone.now()},
    )
    QuestionAnswer.objects.filter(answer=answer).delete()
    QuestionAnswer.objects.bulk_create(QuestionAnswer(answer=answer, question_id=pk, rating=rating, text=text)
                                       for pk, (rating, text) in given.items())
    return answer


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    answers: int
    average: Decimal | None  # a rating's mean, to one decimal
    counts: list[tuple[int, int]]  # (rating, how many) from 1 to 5
    texts: list[str]


def question_results(survey: Survey) -> list[QuestionResult]:
    """Each question of a general survey with its answers: the ratings' mean and spread, the free answers (two
    queries)."""
    questions = list(survey.questions.all())
    ratings: dict[int, list[int]] = {q.pk: [] for q in questions}
    texts: dict[int, list[str]] = {q.pk: [] for q in questions}
    for question_id, rating, text in (QuestionAnswer.objects.filter(answer__survey=survey)
                                      .order_by("answer__answered_at", "pk").values_list("question_id", "rating", "text")):
        if rating is not None:
            ratings[question_id].append(rating)
        if text:
            texts[question_id].append(text)
    results = []
    for question in questions:
        given = ratings[question.pk]
        average = (Decimal(sum(given)) / len(given)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if given else None
        results.append(QuestionResult(
            question=question, answers=len(given) + len(texts[question.pk]), average=average,
            counts=[(n, given.count(n)) for n in range(1, MAX_RATING + 1)], texts=texts[question.pk]))
    return results


@dataclass(frozen=True)
class QuestionInput:
    text: str
    kind: str


SURVEY_FIELDS = ("kind", "product_name", "producer", "description", "unit", "proposed_price", "monthly_threshold",
                 "opens_on", "closes_on")


@transaction.atomic
def save_survey(*, club, survey: Survey | None, values: Mapping[str, object], questions: Iterable[QuestionInput]) -> Survey:
    """Create or change a club's survey. ``values`` as the form cleaned them (SURVEY_FIELDS; producer a Producer or
    None). A product survey needs the product's unit and the viability threshold; a general one, its questions
    (which stay as they are once a household has answered). A decided survey is not changed."""
    errors: dict[str, str] = {}
    messages = []
    if survey is not None and survey.decision:
        raise ActionError(_("This survey has been decided: it is kept as it was."))
    kind = values.get("kind")
    if kind not in SurveyKind.values:
        errors["kind"] = _("Choose the kind of survey.")
    title = str(values.get("product_name") or "").strip()
    if not title:
        errors["product_name"] = _("Required.")
    producer = values.get("producer")
    if producer is not None and (not isinstance(producer, Producer) or producer.club_id != club.pk):
        errors["producer"] = _("Choose a producer of this club.")
    opens_on, closes_on = values.get("opens_on"), values.get("closes_on")
    if isinstance(opens_on, datetime.date) and isinstance(closes_on, datetime.date) and closes_on < opens_on:
        errors["closes_on"] = _("The survey closes after it opens.")
    questions = [QuestionInput(q.text.strip(), q.kind) for q in questions if q.text.strip()]
    answered = survey is not None and survey.answers.exists()
    if kind == SurveyKind.PRODUCT:
        if values.get("unit") not in Unit.values:
            errors["unit"] = _("Choose the unit the product would be sold in.")
        if values.get("monthly_threshold") is None:
            errors["monthly_threshold"] = _("Say what the producer needs per month for the product to be viable.")
    elif kind == SurveyKind.GENERAL and not answered:
        if not questions:
            messages.append(_("Ask at least one question."))
        if any(q.kind not in QuestionKind.values for q in questions):
            messages.append(_("Each question is rated from 1 to 5 or answered freely."))
    if survey is not None and answered and kind != survey.kind:
        errors["kind"] = _("Households have answered: the survey stays of its kind.")
    if errors or messages:
        raise ActionError(*(messages or [_("The survey was not saved.")]), field_errors=errors)
    survey = survey or Survey(club=club)
    survey.kind, survey.product_name, survey.producer = kind, title, producer
    survey.description = str(values.get("description") or "").strip()
    survey.opens_on, survey.closes_on = opens_on, closes_on
    if kind == SurveyKind.PRODUCT:
        survey.unit, survey.monthly_threshold = values["unit"], values["monthly_threshold"]
        survey.proposed_price = values.get("proposed_price")
    else:
        survey.unit, survey.monthly_threshold, survey.proposed_price = "", None, None
    survey.save()
    if kind == SurveyKind.GENERAL and not answered:
        survey.questions.all().delete()
        SurveyQuestion.objects.bulk_create(SurveyQuestion(survey=survey, position=i, text=q.text[:300], kind=q.kind)
                                           for i, q in enumerate(questions, start=1))
    return survey
