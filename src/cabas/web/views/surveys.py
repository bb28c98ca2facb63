"""Surveys: the club's coordinators create them (about a proposed product, or general: questions rated from 1 to 5
or answered freely, e.g. a producer's quarterly evaluation), members answer, coordinators read the results and
record the decision."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabas.catalog.models import Producer, Product, Unit
from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas.members.models import Club, Household
from cabas.members.permissions import access_for
from cabas.participation.models import Interest, QuestionKind, Survey, SurveyAnswer, SurveyDecision, SurveyKind
from cabas.participation.services import (
    QuestionInput, answer_survey, decide_survey, decisions_for, question_results, save_survey, survey_projection,
)

from ..feedback import flash_errors
from .contracts import club_for_coordinators, object_for_coordinators
from .volunteering_club import ServiceErrors, date_field

ANSWER_FIELDS = ("interest", "quantity_per_month", "acceptable_price", "comment")
QUESTION_ROWS = 3  # empty rows offered for new questions
MAX_QUESTIONS = 20


def household_of(request) -> Household:
    if request.user.household_id is None:
        raise Http404
    return Household.objects.select_related("group").get(pk=request.user.household_id)


def survey_for_coordinators(request, survey_id: int) -> Survey:
    """A survey of a club the user coordinates; 403 for someone of its club, 404 for the others."""
    return object_for_coordinators(request, Survey.objects.select_related("trial_product"), survey_id)


# --- the coordinators ---------------------------------------------------------------------------------------

class SurveyForm(ServiceErrors, forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of survey"), choices=SurveyKind.choices, widget=forms.RadioSelect)
    product_name = forms.CharField(label=gettext_lazy("Title, or the product proposed"), max_length=200,
                                   widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Quarterly evaluation")}))
    producer = forms.TypedChoiceField(label=gettext_lazy("Producer concerned"), coerce=int, empty_value=None,
                                      required=False)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    opens_on = date_field(gettext_lazy("Opens on"))
    closes_on = date_field(gettext_lazy("Closes on"))
    unit = forms.ChoiceField(label=gettext_lazy("Unit the product would be sold in"), required=False,
                             choices=[("", "—"), *Unit.choices], help_text=gettext_lazy("A product survey only."))
    proposed_price = forms.DecimalField(label=gettext_lazy("Proposed price incl. VAT"), required=False, min_value=0,
                                        max_value=100000, max_digits=10, decimal_places=2, localize=True,
                                        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7}),
                                        help_text=gettext_lazy("A product survey only."))
    monthly_threshold = forms.DecimalField(label=gettext_lazy("Viability threshold per month"), required=False,
                                           min_value=0, max_value=10000000, max_digits=12, decimal_places=3,
                                           localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7}),
                                           help_text=gettext_lazy("A product survey only: what the producer needs per "
                                                                  "month, in the unit above."))

    def __init__(self, *args, club: Club, rows: int, questions_locked: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.producers = list(Producer.objects.filter(club=club).order_by("name"))
        self.fields["producer"].choices = [("", _("None"))] + [(p.pk, p.name) for p in self.producers]
        self.rows = 0 if questions_locked else rows
        self.questions_locked = questions_locked
        for n in range(1, self.rows + 1):
            self.fields[f"q-text-{n}"] = forms.CharField(label=_("Question %(n)s") % {"n": n}, max_length=300,
                                                         required=False)
            self.fields[f"q-kind-{n}"] = forms.ChoiceField(label=_("Answered with"), choices=QuestionKind.choices,
                                                           required=False, initial=QuestionKind.RATING)

    def main_fields(self):
        return [self[name] for name in ("kind", "product_name", "producer", "description", "opens_on", "closes_on")]

    def product_fields(self):
        return [self[name] for name in ("unit", "proposed_price", "monthly_threshold")]

    def question_rows(self):
        return [(n, self[f"q-text-{n}"], self[f"q-kind-{n}"]) for n in range(1, self.rows + 1)]

    def questions(self) -> list[QuestionInput]:
        return [QuestionInput(self.cleaned_data[f"q-text-{n}"], self.cleaned_data[f"q-kind-{n}"] or QuestionKind.RATING)
                for n in range(1, self.rows + 1) if self.cleaned_data.get(f"q-text-{n}", "").strip()]

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["producer"] = next((p for p in self.producers if p.pk == data.get("producer")), None)
        return data


def survey_initial(survey: Survey, questions) -> dict:
    initial = {name: getattr(survey, name) for name in ("kind", "product_name", "description", "opens_on", "closes_on",
                                                        "unit", "proposed_price", "monthly_threshold")}
    initial["producer"] = survey.producer_id
    for n, question in enumerate(questions, start=1):
        initial.update({f"q-text-{n}": question.text, f"q-kind-{n}": question.kind})
    return initial


@login_required
def club_surveys(request, club_id: int):
    """The club's surveys, open and closed, with their number of answers."""
    club = club_for_coordinators(request, club_id)
    surveys = list(Survey.objects.filter(club=club).select_related("producer").annotate(answered=Count("answers"))
                   .order_by("-opens_on", "-pk")[:60])
    return render(request, "web/participation/club_surveys.html", {
        "club": club, "surveys": surveys, "today": timezone.localdate()})


def survey_page(request, club: Club, survey: Survey | None):
    questions = list(survey.questions.all()) if survey is not None else []
    locked = survey is not None and survey.answers.exists()
    rows = min(len(questions) + QUESTION_ROWS, MAX_QUESTIONS)
    today = timezone.localdate()
    initial = survey_initial(survey, questions) if survey else {"kind": SurveyKind.GENERAL, "opens_on": today}
    form = SurveyForm(club=club, rows=rows, questions_locked=locked, initial=initial)
    status = 200
    if request.method == "POST":
        form = SurveyForm(request.POST, club=club, rows=rows, questions_locked=locked)
        status = 400
        if form.is_valid():
            try:
                saved = save_survey(club=club, survey=survey, values=form.values(), questions=form.questions())
            except ActionError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("The survey “%(title)s” is saved: the club's households answer it on their "
                                            "surveys page while it is open.") % {"title": saved.product_name})
                return redirect("club-surveys", club.pk)
    return render(request, "web/participation/survey_form.html", {
        "club": club, "survey": survey, "form": form, "questions": questions, "locked": locked,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def survey_create(request, club_id: int):
    club = club_for_coordinators(request, club_id)
    return survey_page(request, club, None)


@login_required
@require_http_methods(["GET", "POST"])
def survey_edit(request, survey_id: int):
    survey = survey_for_coordinators(request, survey_id)
    if survey.decision:
        messages.error(request, _("This survey has been decided: it is kept as it was."))
        return redirect("survey-results", survey.pk)
    return survey_page(request, survey.club, survey)


@login_required
def survey_results(request, survey_id: int):
    survey = survey_for_coordinators(request, survey_id)
    comments = list(survey.answers.exclude(comment="").order_by("answered_at", "pk").values_list("interest", "comment"))
    context = {"survey": survey, "comments": comments, "club": survey.club,
               "decisions": [(v, label) for v, label in SurveyDecision.choices if v in decisions_for(survey)]}
    if survey.is_general:
        context.update({"results": question_results(survey), "answers": survey.answers.count(),
                        "households": Household.objects.filter(group__club_id=survey.club_id).count()})
    else:
        context.update({"p": survey_projection(survey), "products": list(
            Product.objects.filter(producer__club_id=survey.club_id).select_related("producer")
            .order_by("producer__name", "name"))})
    return render(request, "web/participation/survey_results.html", context)


@login_required
@require_POST
def survey_decide(request, survey_id: int):
    survey = survey_for_coordinators(request, survey_id)
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


# --- the members --------------------------------------------------------------------------------------------

@login_required
def survey_list(request):
    household = household_of(request)
    surveys = list(Survey.objects.filter(club_id=household.group.club_id).select_related("producer").order_by("-opens_on")[:50])
    answered = set(SurveyAnswer.objects.filter(household=household, survey__in=surveys).values_list("survey_id", flat=True))
    today = timezone.localdate()
    return render(request, "web/participation/surveys.html", {
        "rows": [(s, s.is_open(today), s.pk in answered) for s in surveys],
        "coordinates": access_for(request.user).coordinates_club(household.group.club_id),
        "club_id": household.group.club_id,
    })


@login_required
@require_http_methods(["GET", "POST"])
def survey_answer(request, survey_id: int):
    household = household_of(request)
    survey = Survey.objects.filter(pk=survey_id, club_id=household.group.club_id).select_related("producer").first()
    if survey is None:
        raise Http404
    answer = SurveyAnswer.objects.filter(survey=survey, household=household).first()
    questions = list(survey.questions.all()) if survey.is_general else []
    fields = ANSWER_FIELDS if not survey.is_general else ("comment", *(f"q-{q.pk}" for q in questions))
    error = None
    values = {name: getattr(answer, name) if answer else "" for name in ANSWER_FIELDS}
    if answer is not None and questions:
        for response in answer.responses.all():
            values[f"q-{response.question_id}"] = str(response.rating) if response.rating is not None else response.text
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in fields}  # an allow-list
        try:
            answer_survey(survey=survey, household=household, values=values)
        except ActionError as e:
            error = e
        else:
            messages.success(request, _("Thank you, your answer is saved. You can change it until the survey closes."))
            return redirect("surveys")
    return render(request, "web/participation/survey_answer.html", {
        "survey": survey, "values": values, "error": error, "interests": Interest.choices,
        "is_open": survey.is_open(), "questions": [(q, values.get(f"q-{q.pk}", "")) for q in questions],
        "ratings": ["1", "2", "3", "4", "5"],
    }, status=400 if error else 200)

