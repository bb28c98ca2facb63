"""The demo club's subscription offers, a general survey and the subscriptions' instalments (called by `cabas
seed-demo`): the winter basket the featured households took is an offer whose sign-up has closed; a spring basket
and a dairy box are open for sign-up now (the dairy's to two groups); the producers' quarterly evaluation is open
with a few answers; once the cycles are closed, the instalments due are posted as cron's `post-instalments` would.

Everything goes through the same services as the pages."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from cabas.catalog.models import Producer, Product
from cabas.contracts.models import Subscription, SubscriptionOffer
from cabas.contracts.services import OfferLineInput, save_subscription_offer, subscribe
from cabas.flows import post_due_instalments
from cabas.members.models import Club, Group, Household
from cabas.participation.models import QuestionKind, SurveyKind
from cabas.participation.services import QuestionInput, answer_survey, save_survey

D = Decimal
DAY = datetime.timedelta(days=1)

EVALUATION = [
    ("La qualité des produits vous convient-elle ?", QuestionKind.RATING),
    ("Les quantités livrées correspondent-elles aux commandes ?", QuestionKind.RATING),
    ("Le prix vous paraît-il juste pour le travail fourni ?", QuestionKind.RATING),
    ("Que souhaiteriez-vous voir évoluer ?", QuestionKind.TEXT),
]


def _lines(products: dict[str, Product], spec) -> list[OfferLineInput]:
    return [OfferLineInput(products[name].pk, D(q), D(low), D(high)) for name, q, low, high in spec]


def seed_offers_and_surveys(*, club: Club, households: list[Household], featured: list[Household],
                            rng: random.Random, today: datetime.date) -> dict:
    """Before the cycles open (the subscriptions taken now go into them)."""
    producers = {p.name: p for p in Producer.objects.filter(club=club)}
    flume = next(p for name, p in producers.items() if "Flume" in name)
    dairy = next(p for name, p in producers.items() if "Chêne Vert" in name)
    products = {p.name: p for p in Product.objects.filter(producer__club=club)}
    values = {"producer": flume, "description": "", "max_skips": 3, "notice_days": 7}
    winter = save_subscription_offer(
        club=club, offer=None, schedules=["single", "monthly", "quarterly"], group_ids=[],
        values={**values, "season": "Hiver 2026-2027", "starts_on": today - 40 * DAY, "ends_on": today + 140 * DAY,
                "signup_opens_on": today - 75 * DAY, "signup_closes_on": today - 41 * DAY,
                "description": "Un panier de légumes d'hiver chaque semaine de distribution."},
        lines=_lines(products, [("Céleri-rave", "1", "0", "2"), ("Panais", "1", "0", "2"), ("Blettes", "1", "0", "2")]))
    # the winter subscriptions of the featured households (partnerships) were taken from this offer
    Subscription.objects.filter(producer=flume, season=winter.season, offer__isnull=True).update(offer=winter)
    spring = save_subscription_offer(
        club=club, offer=None, schedules=["single", "monthly"], group_ids=[],
        values={**values, "season": "Printemps 2027", "starts_on": today + 141 * DAY, "ends_on": today + 230 * DAY,
                "signup_opens_on": today - 5 * DAY, "signup_closes_on": today + 120 * DAY,
                "description": "Les premiers légumes de printemps : choux, navets, persil et ail nouveau."},
        lines=_lines(products, [("Chou vert frisé", "1", "0", "2"), ("Navets", "1", "0.5", "2"),
                                ("Persil plat", "1", "0", "1"), ("Ail", "2", "0", "3")]))
    groups = list(Group.objects.filter(club=club).order_by("name"))[:2]
    dairy_box = save_subscription_offer(
        club=club, offer=None, schedules=["monthly", "quarterly"], group_ids=[g.pk for g in groups],
        values={**values, "producer": dairy, "season": "Crèmerie de saison", "starts_on": today + 14 * DAY,
                "ends_on": today + 120 * DAY, "signup_opens_on": today - 2 * DAY, "signup_closes_on": today + 10 * DAY,
                "max_skips": 2, "description": "Yaourts et beurre de la ferme, pour les deux premiers groupes."},
        lines=_lines(products, [("Yaourts nature", "4", "4", "12"), ("Beurre demi-sel baratté", "1", "0", "2")]))
    # a few households already took the spring basket
    for household in rng.sample([h for h in households if h not in featured], 5):
        subscribe(offer_id=spring.pk, household=household, quantities={line.pk: str(line.quantity) for line in spring.lines.all()},
                  payment_schedule=rng.choice(["single", "monthly"]), today=today)

    # the producers' quarterly evaluation, open
    evaluation = save_survey(club=club, survey=None, questions=[QuestionInput(text, kind) for text, kind in EVALUATION],
                             values={"kind": SurveyKind.GENERAL, "product_name": "Évaluation trimestrielle — Potager de la Flume",
                                     "producer": flume, "opens_on": today - 4 * DAY, "closes_on": today + 20 * DAY,
                                     "description": "Comme chaque trimestre, dites-nous comment se passe le partenariat."})
    questions = list(evaluation.questions.all())
    remarks = ["Plus de variété en hiver", "", "Des paniers plus petits pour les personnes seules", "Rien, c'est parfait !"]
    for household in rng.sample([h for h in households if h not in featured], 11):
        answer = {f"q-{q.pk}": str(rng.choice([3, 4, 4, 5, 5])) for q in questions if q.kind == QuestionKind.RATING}
        answer.update({f"q-{q.pk}": rng.choice(remarks) for q in questions if q.kind == QuestionKind.TEXT})
        answer_survey(survey=evaluation, household=household, values=answer, today=today)
    return {"winter": winter, "spring": spring, "dairy": dairy_box, "evaluation": evaluation}


def post_demo_instalments(today: datetime.date) -> int:
    """After the cycles closed: the instalments due by today, as cron's `cabas post-instalments`."""
    return post_due_instalments(today=today).instalments


def delete_subscription_offers(club: Club) -> None:
    """After the subscriptions (which hold their offer)."""
    SubscriptionOffer.objects.filter(club=club).delete()
