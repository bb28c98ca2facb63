"""On a phone (360 px), without the Django admin: the club's coordinator writes a solidarity contract with an agreed
price and a subscription offer; a member subscribes to it; the coordinator creates a survey that a member answers and
reads its results. Every page passes axe (WCAG 2.1 A/AA) and fits the screen."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.contracts.models import Contract, Subscription, SubscriptionOffer
from cabas.participation.models import QuestionAnswer, Survey

from .conftest import log_in, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = datetime.timedelta(days=1)


def fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def submit(page, name):
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()


def log_out(page):
    open_menu(page)
    page.get_by_role("button", name="Déconnexion").click()
    page.wait_for_load_state()


def test_a_season_of_contracts_subscriptions_and_surveys_on_a_phone(world, live_server, phone, screenshot, axe):
    today = timezone.localdate()
    base = live_server.url
    log_in(phone, base, world.coordinator, world.password)

    # a solidarity contract with the bakery, the bread at an agreed price
    phone.goto(base + reverse("contracts", args=[world.club.pk]))
    axe(phone, name="contracts")
    phone.get_by_role("link", name="Nouveau contrat").click()
    phone.wait_for_load_state()
    phone.get_by_label("Producteur").select_option(label=world.bakery.name)
    axe(phone, name="contract: producer")
    submit(phone, "Continuer")
    phone.get_by_label("Titre").fill("Pain de l'année")
    phone.get_by_label("Garantie par période").fill("300")
    phone.get_by_label("Commence le").fill((today - 5 * DAY).isoformat())
    phone.get_by_label("Se termine le (exclu)").fill((today + 360 * DAY).isoformat())
    phone.get_by_label("Pain de campagne — prix convenu par pièce").fill("4,90")
    axe(phone, name="contract form")
    fits(phone)
    screenshot(phone, "contract-form")
    submit(phone, "Enregistrer le contrat")
    assert "est enregistré" in phone.inner_text("main")
    contract = Contract.objects.get()
    assert contract.products.get().agreed_price == Decimal("4.90")
    axe(phone, name="contracts with one")
    fits(phone)

    # a subscription offer of the farm's vegetables, open now to every group
    phone.get_by_role("link", name="Offres d'abonnement").first.click()
    phone.wait_for_load_state()
    axe(phone, name="offers")
    phone.get_by_role("link", name="Nouvelle offre d'abonnement").click()
    phone.wait_for_load_state()
    phone.get_by_label("Producteur").select_option(label=world.farm.name)
    submit(phone, "Continuer")
    phone.get_by_label("Saison").fill("Printemps")
    phone.get_by_label("Première distribution à partir du").fill((today + 20 * DAY).isoformat())
    phone.get_by_label("Dernière distribution au plus tard le").fill((today + 100 * DAY).isoformat())
    phone.get_by_label("Inscriptions jusqu'au").fill((today + 15 * DAY).isoformat())
    phone.get_by_label("Carottes — quantité proposée (kg)").fill("2")
    phone.locator(f"#id_min-{world.carrots.pk}").fill("1")
    phone.locator(f"#id_max-{world.carrots.pk}").fill("4")
    axe(phone, name="offer form")
    fits(phone)
    screenshot(phone, "offer-form")
    submit(phone, "Enregistrer l'offre")
    assert "est enregistrée" in phone.inner_text("main")
    offer = SubscriptionOffer.objects.get()
    assert list(offer.lines.values_list("product__name", "min_quantity", "max_quantity")) == [
        ("Carottes", Decimal("1"), Decimal("4"))]
    axe(phone, name="offers with one")

    # a general survey: the farm's quarterly evaluation
    phone.get_by_role("link", name="Enquêtes").last.click()
    phone.wait_for_load_state()
    axe(phone, name="club surveys")
    phone.get_by_role("link", name="Nouvelle enquête").click()
    phone.wait_for_load_state()
    phone.get_by_label("Titre, ou le produit proposé").fill("Évaluation trimestrielle")
    phone.get_by_label("Producteur concerné").select_option(label=world.farm.name)
    phone.get_by_label("Fermée le").fill((today + 14 * DAY).isoformat())
    phone.get_by_label("Question 1").fill("La qualité des légumes")
    phone.get_by_label("Question 2").fill("Une idée pour la suite ?")
    phone.locator("#id_q-kind-2").select_option("text")
    axe(phone, name="survey form")
    fits(phone)
    submit(phone, "Enregistrer l'enquête")
    assert "est enregistrée" in phone.inner_text("main")
    survey = Survey.objects.get()
    assert survey.questions.count() == 2
    log_out(phone)

    # a member subscribes and answers
    log_in(phone, base, world.member_b1, world.password)
    phone.goto(base + reverse("subscriptions"))
    axe(phone, name="subscriptions with an offer")
    phone.get_by_role("link", name=f"{world.farm.name} — Printemps").click()
    phone.wait_for_load_state()
    phone.get_by_label("Carottes (kg)").fill("3")
    phone.get_by_label("mensualités").check()
    axe(phone, name="subscribe")
    fits(phone)
    screenshot(phone, "subscribe")
    submit(phone, "S'abonner")
    assert "Votre foyer est abonné" in phone.inner_text("main")
    subscription = Subscription.objects.get()
    assert (subscription.household, subscription.payment_schedule) == (world.household_b1, "monthly")
    assert subscription.lines.get().quantity == Decimal("3")
    axe(phone, name="subscriptions")
    fits(phone)

    open_menu(phone)  # the header menu's « Enquêtes »
    phone.get_by_role("link", name="Enquêtes").first.click()
    phone.wait_for_load_state()
    phone.get_by_role("link", name="Évaluation trimestrielle").click()
    phone.wait_for_load_state()
    phone.get_by_label("4", exact=True).check()
    phone.get_by_label("Une idée pour la suite ?").fill("Plus de poireaux")
    axe(phone, name="survey answer")
    fits(phone)
    submit(phone, "Envoyer ma réponse")
    assert QuestionAnswer.objects.count() == 2
    log_out(phone)

    log_in(phone, base, world.coordinator, world.password)
    phone.goto(base + reverse("survey-results", args=[survey.pk]))
    text = phone.inner_text("main")
    assert "Moyenne : 4 / 5" in text and "Plus de poireaux" in text
    axe(phone, name="survey results")
    fits(phone)
    screenshot(phone, "survey-results")
