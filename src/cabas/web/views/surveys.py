"""Surveys: members answer; coordinators read the projection and record the decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.catalog.models import Product
from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas.members.models import Household
from cabas.members.permissions import access_for
from cabas.participation.models import Interest, Survey, SurveyAnswer, SurveyDecision
from cabas.participation.services import answer_survey, decide_survey, survey_projection

from ..access import require_club_coordinator
from ..feedback import flash_errors

ANSWER_FIELDS = ("interest", "quantity_per_month", "acceptable_price", "comment")


def household_of(request) -> Household:
    if request.user.household_id is None:
        raise Http404
    return Household.objects.select_related("group").get(pk=request.user.household_id)


@login_required
def survey_list(request):
    household = household_of(request)
    surveys = list(Survey.objects.filter(club_id=household.group.club_id).select_related("producer").order_by("-opens_on")[:50])
    answered = set(SurveyAnswer.objects.filter(household=household, survey__in=surveys).values_list("survey_id", flat=True))
    today = timezone.localdate()
    return render(request, "web/participation/surveys.html", {
        "rows": [(s, s.is_open(today), s.pk in answered) for s in surveys],
        "coordinates": access_for(request.user).coordinates_club(household.group.club_id),
    })


@login_required
@require_http_methods(["GET", "POST"])
def survey_answer(request, survey_id: int):
    household = household_of(request)
    survey = Survey.objects.filter(pk=survey_id, club_id=household.group.club_id).select_related("producer").first()
    if survey is None:
        raise Http404
    answer = SurveyAnswer.objects.filter(survey=survey, household=household).first()
    error = None
    values = {name: getattr(answer, name) if answer else "" for name in ANSWER_FIELDS}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in ANSWER_FIELDS}  # an allow-list
        try:
            answer_survey(survey=survey, household=household, values=values)
        except ActionError as e:
            error = e
        else:
            messages.success(request, _("Thank you, your answer is saved. You can change it until the survey closes."))
            return redirect("surveys")
    return render(request, "web/participation/survey_answer.html", {
        "survey": survey, "values": values, "error": error, "interests": Interest.choices,
        "is_open": survey.is_open(),
    }, status=400 if error else 200)


@login_required
def survey_results(request, survey_id: int):
    survey = Survey.objects.filter(pk=survey_id).select_related("producer", "trial_product", "club").first()
    if survey is None:
        raise Http404
    require_club_coordinator(access_for(request.user), survey.club_id)
    comments = list(survey.answers.exclude(comment="").values_list("interest", "comment"))
    products = list(Product.objects.filter(producer__club_id=survey.club_id).select_related("producer").order_by("producer__name", "name"))
    return render(request, "web/participation/survey_results.html", {
        "survey": survey, "p": survey_projection(survey), "comments": comments, "decisions": SurveyDecision.choices,
        "products": products,
    })


@login_required
@require_POST
def survey_decide(request, survey_id: int):
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        raise Http404
    require_club_coordinator(access_for(request.user), survey.club_id)
    raw_product = request.POST.get("product", "")
    product_id = parse_id(raw_product) if raw_product else None
    try:
        if raw_product and product_id is None:
            raise ActionError(_("Choose a product of this club's catalogue."))
        decide_survey(survey_id=survey.pk, decision=request.POST.get("decision", ""), note=request.POST.get("note", ""),
                      trial_product_id=product_id, by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The decision is recorded."))
    return redirect("survey-results", survey.pk)
