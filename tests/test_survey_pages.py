"""Surveys on Cabas' pages (issue 18): the club's coordinators create them — about a proposed product, or general
(questions rated from 1 to 5 or answered freely, e.g. a producer's quarterly evaluation) —, members answer, the
coordinators read the results and record the decision."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cabas.core.errors import ActionError
from cabas.members.models import Household, Role, RoleKind
from cabas.participation.models import QuestionAnswer, Survey, SurveyAnswer, SurveyQuestion
from cabas.participation.services import QuestionInput, answer_survey, decide_survey, question_results, save_survey

DAY = datetime.timedelta(days=1)


def survey_post(world, **changes):
    today = timezone.localdate()
    data = {
        "kind": "general", "product_name": "Évaluation trimestrielle", "producer": str(world.farm.pk),
        "description": "Comment se passe le partenariat ?", "opens_on": today.isoformat(),
        "closes_on": (today + 14 * DAY).isoformat(), "unit": "", "proposed_price": "", "monthly_threshold": "",
        "q-text-1": "La qualité des produits", "q-kind-1": "rating",
        "q-text-2": "Les livraisons à l'heure", "q-kind-2": "rating",
        "q-text-3": "Que faudrait-il changer ?", "q-kind-3": "text",
    }
    data.update(changes)
    return data


def test_only_the_club_coordinators_create_surveys(world, client, login):
    url = reverse("survey-create", args=[world.club.pk])
    assert client.get(url).status_code == 302
    for user in (world.member_a1, world.group_coordinator_a):
        assert login(user).post(url, survey_post(world)).status_code == 403
        assert login(user).get(reverse("club-surveys", args=[world.club.pk])).status_code == 403
    club, *_ = world.other_club()
    other = world.user("coord-brest@example.org", None)
    Role.objects.create(user=other, kind=RoleKind.CLUB_COORDINATOR, club=club)
    assert login(other).post(url, survey_post(world)).status_code == 404
    assert not Survey.objects.exists()


def test_a_coordinator_creates_a_general_survey_members_answer_and_the_conclusions_are_recorded(world, login):
    coordinator = login(world.coordinator)
    url = reverse("survey-create", args=[world.club.pk])
    # refused: no question at all; a product survey without its unit and threshold — nothing written
    empty = {f"q-text-{n}": "" for n in (1, 2, 3)}
    assert coordinator.post(url, survey_post(world, **empty)).status_code == 400
    assert coordinator.post(url, survey_post(world, kind="product")).status_code == 400
    assert not Survey.objects.exists()
    assert coordinator.post(url, survey_post(world, club=999)).status_code == 302
    survey = Survey.objects.get()
    assert (survey.club, survey.kind, survey.producer, survey.monthly_threshold) == (world.club, "general", world.farm, None)
    questions = list(survey.questions.all())
    assert [(q.text, q.kind) for q in questions] == [
        ("La qualité des produits", "rating"), ("Les livraisons à l'heure", "rating"), ("Que faudrait-il changer ?", "text")]
    quality, delivery, change = questions

    member = login(world.member_a1)
    assert "Évaluation trimestrielle" in member.get(reverse("surveys")).content.decode()
    answer_url = reverse("survey-answer", args=[survey.pk])
    page = member.get(answer_url).content.decode()
    assert "La qualité des produits" in page and 'name="interest"' not in page
    response = member.post(answer_url, {f"q-{quality.pk}": "7"})
    assert response.status_code == 400 and not SurveyAnswer.objects.exists()
    response = member.post(answer_url, {f"q-{quality.pk}": "4", f"q-{delivery.pk}": "5",
                                        f"q-{change.pk}": "Des paniers plus petits", "household": world.household_b1.pk})
    assert response.status_code == 302
    answer = SurveyAnswer.objects.get()
    assert answer.household == world.household_a1
    member.post(answer_url, {f"q-{quality.pk}": "5", f"q-{delivery.pk}": "5", "comment": "Merci !"})  # replaces
    answer_survey(survey=survey, household=world.household_b1, values={f"q-{quality.pk}": "2", f"q-{change.pk}": "Rien"})
    assert QuestionAnswer.objects.count() == 4
    results = {r.question.pk: r for r in question_results(survey)}
    assert results[quality.pk].average == D("3.5") and results[quality.pk].counts[1] == (2, 1)
    assert results[delivery.pk].average == D("5.0") and results[delivery.pk].answers == 1
    assert results[change.pk].texts == ["Rien"]

    assert login(world.member_a1).get(reverse("survey-results", args=[survey.pk])).status_code == 403
    coordinator = login(world.coordinator)  # one test client: logged in again as the coordinator
    page = coordinator.get(reverse("survey-results", args=[survey.pk])).content.decode()
    assert "3,5" in page and "Rien" in page and "Merci !" in page
    # the questions stay as they are once answered
    coordinator.post(reverse("survey-edit", args=[survey.pk]), survey_post(world, product_name="Évaluation d'hiver",
                                                                            **{"q-text-1": "Autre"}))
    survey.refresh_from_db()
    assert survey.product_name == "Évaluation d'hiver"
    assert list(survey.questions.values_list("text", flat=True))[0] == "La qualité des produits"
    # a general survey records its conclusions, not a product's adoption
    coordinator.post(reverse("survey-decide", args=[survey.pk]), {"decision": "adopted", "note": "Oui"})
    survey.refresh_from_db()
    assert survey.decision == ""
    coordinator.post(reverse("survey-decide", args=[survey.pk]), {"decision": "noted", "note": "On continue ensemble."})
    survey.refresh_from_db()
    assert survey.decision == "noted" and survey.decision_note == "On continue ensemble."
    with pytest.raises(ActionError):  # decided: closed
        answer_survey(survey=survey, household=world.household_a2, values={f"q-{quality.pk}": "3"})
    assert coordinator.get(reverse("survey-edit", args=[survey.pk])).status_code == 302  # kept as decided


def test_a_coordinator_creates_a_product_survey_on_the_page(world, login):
    coordinator = login(world.coordinator)
    response = coordinator.post(reverse("survey-create", args=[world.club.pk]), survey_post(
        world, kind="product", product_name="Yaourt de brebis", unit="piece", proposed_price="1,20",
        monthly_threshold="40", **{f"q-text-{n}": "" for n in (1, 2, 3)}))
    assert response.status_code == 302
    survey = Survey.objects.get()
    assert (survey.kind, survey.unit, survey.proposed_price, survey.monthly_threshold) == ("product", "piece", D("1.20"), D("40"))
    assert not survey.questions.exists()
    member = login(world.member_a1)
    assert member.post(reverse("survey-answer", args=[survey.pk]), {"interest": "yes", "quantity_per_month": "8"}).status_code == 302
    decide_survey(survey_id=survey.pk, decision="rejected", note="Pas assez de demande")
    assert "Pas assez de demande" in member.get(reverse("surveys")).content.decode()


def general_survey(world, n) -> Survey:
    today = timezone.localdate()
    return save_survey(club=world.club, survey=None, questions=[QuestionInput("Qualité", "rating"), QuestionInput("Idées", "text")],
                       values={"kind": "general", "product_name": f"Évaluation {n}", "producer": None,
                               "opens_on": today, "closes_on": today + 10 * DAY})


@pytest.mark.parametrize("count", [2, 10])
def test_the_survey_pages_cost_the_same_for_2_and_10(world, login, count):
    surveys = [general_survey(world, n) for n in range(count)]
    households = [Household.objects.create(group=world.group_a, name=f"Foyer {n}") for n in range(count)]
    questions = list(SurveyQuestion.objects.filter(survey=surveys[0]))
    for household in households:
        answer_survey(survey=surveys[0], household=household, values={f"q-{questions[0].pk}": "4",
                                                                      f"q-{questions[1].pk}": "Plus de pain",
                                                                      "comment": "Bravo"})
    coordinator = login(world.coordinator)
    for name, url, expected in (
        # session, user, club, roles, surveys+producer with their answers counted
        ("club-surveys", reverse("club-surveys", args=[world.club.pk]), 5),
        # session, user, survey+producer+product+club, roles, comments, questions, their answers, answers counted,
        # households of the club counted
        ("survey-results", reverse("survey-results", args=[surveys[0].pk]), 9),
    ):
        coordinator.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert coordinator.get(url).status_code == 200
        assert len(ctx.captured_queries) == expected, (name, "\n".join(q["sql"][:100] for q in ctx.captured_queries))
    member = login(world.member_a1)
    member.get(reverse("surveys"))
    with CaptureQueriesContext(connection) as ctx:
        assert member.get(reverse("surveys")).status_code == 200
    # session, user, household+group, surveys+producer, the household's answers, roles
    assert len(ctx.captured_queries) == 6
