"""Pages of issue 4: the producers' directory, producer and product pages, contracts, proposals,
subscriptions and surveys — what they show and who may see them."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.catalog.models import CertificationVisit, CharterPoint, Label, ProposalStatus, SpecSheet, VisitCheck
from cabas.catalog.services import decide_spec_sheet, propose_cost_sheet, propose_spec_sheet
from cabas.flows import decide_cost_sheet
from cabas.contracts.models import Contract, ContractProduct, Subscription, SubscriptionLine, SubscriptionSkip
from cabas.participation.models import Survey, SurveyAnswer

COSTS = {"inputs": "1800", "labour_hours": "600", "hourly_rate": "15", "packaging": "400", "transport": "700",
         "overheads": "500", "depreciation": "900", "income": "2000", "expected_volume": "4000"}


@pytest.fixture
def farms(world):
    organic = Label.objects.create(name="AB")
    world.farm.latitude, world.farm.longitude = D("48.12"), D("-1.68")  # near Rennes
    world.farm.save()
    world.farm.labels.add(organic)
    world.bakery.latitude, world.bakery.longitude = D("47.75"), D("-2.70")  # 90 km away
    world.bakery.save()
    point = CharterPoint.objects.create(club=world.club, text="Pas de pesticides de synthèse")
    visit = CertificationVisit.objects.create(producer=world.farm, visited_on=datetime.date(2026, 6, 3), participants="3 membres",
                                              report="Ferme en bon état.", decision="conditions", conditions="Haies à replanter",
                                              next_visit_on=datetime.date(2027, 6, 1), recorded_at=timezone.now())
    VisitCheck.objects.create(visit=visit, point=point, satisfied=True)
    return organic


def test_the_directory_is_public_and_filters_by_chain_label_and_distance(world, client, farms):
    url = reverse("directory", args=[world.club.slug])
    page = client.get(url).content.decode()
    assert "Ferme de la Prée" in page and "Fournil du Bourg" in page and "Garantie participative" in page
    assert "Fournil du Bourg" not in client.get(url, {"label": farms.pk}).content.decode()
    assert "Ferme de la Prée" not in client.get(url, {"chain": world.pain.pk}).content.decode()
    near = client.get(url, {"depot": world.group_a.depot.pk, "km": 50}).content.decode()
    assert "Ferme de la Prée" in near and "Fournil du Bourg" not in near and "km du lieu de dépôt" in near
    for bad in ({"chain": "999999999999999999999"}, {"depot": "abc"}, {"km": "-5"}, {"label": "1e9"}):
        assert client.get(url, bad).status_code == 200  # ignored, never a 500
    assert client.get(reverse("directory", args=["inconnu"])).status_code == 404


def test_the_producer_page_shows_the_last_visit_and_stays_in_its_club(world, client, farms):
    page = client.get(reverse("producer", args=[world.club.slug, world.farm.pk])).content.decode()
    assert "approuvé sous conditions" in page and "Haies à replanter" in page and "Pas de pesticides" in page
    _, _, _, stranger, _ = world.other_club()
    assert client.get(reverse("producer", args=[world.club.slug, stranger.pk])).status_code == 404


def test_the_product_page_shows_where_the_euro_goes_the_spec_sheet_and_its_history(world, login):
    sheet = propose_cost_sheet(product=world.carrots, season="Hiver 2026", values=COSTS)
    decide_cost_sheet(sheet_id=sheet.pk, agree=True)
    v1 = propose_spec_sheet(product=world.carrots, values={"variety": "Nantaise"})
    decide_spec_sheet(sheet_id=v1.pk, approve=True)
    propose_spec_sheet(product=world.carrots, values={"variety": "Nantaise", "size": "Gros calibre", "change_note": "calibre"})
    page = login(world.member_b1).get(reverse("product", args=[world.carrots.pk])).content.decode()
    assert "Où va mon euro" in page and "Revenu du producteur" in page and "4,04" in page
    assert 'style="width: 55.7%"' in page  # labour's share of the price, as a CSS width (never a decimal comma)
    assert "Nantaise" in page and "Version 2" in page and "proposée" in page
    assert "Historique des prix" in page and "fiche de coûts Hiver 2026" in page


def test_the_product_page_is_for_the_club_only(world, client, login):
    url = reverse("product", args=[world.carrots.pk])
    assert client.get(url).status_code == 302  # to the login page
    _, _, household, _, _ = world.other_club()
    assert login(world.user("brest@example.org", household)).get(url).status_code == 404
    assert login(world.member_a1).get(reverse("product", args=[10**17])).status_code == 404


def test_contracts_and_proposals_are_for_the_club_coordinators(world, login):
    today = timezone.localdate()
    contract = Contract.objects.create(club=world.club, producer=world.bakery, title="Pain toute l'année", frequency="monthly",
                                       guarantee_kind="value", guarantee_amount=D("400"), starts_on=today.replace(day=1),
                                       ends_on=today.replace(day=1) + datetime.timedelta(days=365))
    ContractProduct.objects.create(contract=contract, product=world.bread, agreed_price=D("5.20"))
    sheet = propose_spec_sheet(product=world.bread, values={"variety": "Blé population"})
    for user in (world.member_a1, world.group_coordinator_a):
        client = login(user)
        assert client.get(reverse("contracts", args=[world.club.pk])).status_code == 403
        assert client.post(reverse("decide-proposal", args=[world.club.pk, "fiche", sheet.pk]), {"decision": "approve"}).status_code == 403
    client = login(world.coordinator)
    page = client.get(reverse("contracts", args=[world.club.pk])).content.decode()
    assert "Pain toute l&#x27;année" in page and "0 % de la garantie de la période" in page
    page = client.get(reverse("proposals", args=[world.club.pk])).content.decode()
    assert "Blé population" in page
    other_club, *_ = world.other_club()
    assert client.post(reverse("decide-proposal", args=[other_club.pk, "fiche", sheet.pk]), {"decision": "approve"}).status_code == 403
    assert client.post(reverse("decide-proposal", args=[world.club.pk, "autre", sheet.pk]), {"decision": "approve"}).status_code == 404
    client.post(reverse("decide-proposal", args=[world.club.pk, "fiche", sheet.pk]), {"decision": "maybe"})
    assert SpecSheet.objects.get().status == ProposalStatus.PROPOSED
    response = client.post(reverse("decide-proposal", args=[world.club.pk, "fiche", sheet.pk]), {"decision": "approve"})
    assert response.status_code == 302 and SpecSheet.objects.get().status == ProposalStatus.APPROVED


def test_a_member_sees_the_subscription_and_skips_a_date(world, login):
    today = timezone.localdate()
    subscription = Subscription.objects.create(household=world.household_a1, producer=world.farm, season="Hiver",
                                               starts_on=today, ends_on=today + datetime.timedelta(days=90),
                                               max_skips=1, notice_days=3, payment_schedule="monthly")
    SubscriptionLine.objects.create(subscription=subscription, product=world.carrots, quantity=D("2"))
    client = login(world.member_a1)
    page = client.get(reverse("subscriptions")).content.decode()
    assert "Ferme de la Prée — Hiver" in page and "Échéancier" in page and "2\u00a0kg Carottes" in page
    day = today + datetime.timedelta(days=10)
    day += datetime.timedelta(days=(world.group_a.depot.distribution_weekday - day.weekday()) % 7)  # a distribution day
    client.post(reverse("subscription-skip", args=[subscription.pk]), {"date": (day + datetime.timedelta(days=1)).isoformat()})
    assert not SubscriptionSkip.objects.exists()  # no distribution that day
    client.post(reverse("subscription-skip", args=[subscription.pk]), {"date": "pas une date"})
    assert not SubscriptionSkip.objects.exists()
    client.post(reverse("subscription-skip", args=[subscription.pk]), {"date": day.isoformat()})
    assert SubscriptionSkip.objects.get().date == day
    response = client.post(reverse("subscription-skip", args=[subscription.pk]), {"date": (day + datetime.timedelta(days=7)).isoformat()}, follow=True)
    assert "toutes utilisées" in response.content.decode() and SubscriptionSkip.objects.count() == 1
    other = login(world.member_b1)
    other.post(reverse("subscription-skip", args=[subscription.pk]), {"date": (day + datetime.timedelta(days=14)).isoformat()})
    assert SubscriptionSkip.objects.count() == 1
    assert "Ferme de la Prée" not in other.get(reverse("subscriptions")).content.decode()


def test_members_answer_a_survey_and_coordinators_decide(world, login):
    today = timezone.localdate()
    survey = Survey.objects.create(club=world.club, product_name="Yaourt de brebis", unit="piece", proposed_price=D("1.20"),
                                   monthly_threshold=D("40"), opens_on=today, closes_on=today + datetime.timedelta(days=7))
    client = login(world.member_a1)
    assert "Yaourt de brebis" in client.get(reverse("surveys")).content.decode()
    response = client.post(reverse("survey-answer", args=[survey.pk]), {"interest": "yes", "quantity_per_month": "abc"})
    assert response.status_code == 400 and "Saisissez un nombre" in response.content.decode()
    assert not SurveyAnswer.objects.exists()
    response = client.post(reverse("survey-answer", args=[survey.pk]), {"interest": "yes", "quantity_per_month": "12",
                                                                         "comment": "Enfin !", "household": world.household_b1.pk})
    assert response.status_code == 302
    assert SurveyAnswer.objects.get().household == world.household_a1  # the household comes from the login, never the form
    assert client.get(reverse("survey-results", args=[survey.pk])).status_code == 403
    _, _, household, _, _ = world.other_club()
    assert login(world.user("brest@example.org", household)).get(reverse("survey-answer", args=[survey.pk])).status_code == 404
    coordinator = login(world.coordinator)
    page = coordinator.get(reverse("survey-results", args=[survey.pk])).content.decode()
    assert "1 foyers sur 4 ont répondu" in page and "Enfin !" in page and "48\u00a0pièces" in page
    coordinator.post(reverse("survey-decide", args=[survey.pk]), {"decision": "trial", "note": "Essai", "product": "99999999999999999999"})
    survey.refresh_from_db()
    assert survey.decision == ""
    coordinator.post(reverse("survey-decide", args=[survey.pk]), {"decision": "rejected", "note": "Pas assez de demande"})
    survey.refresh_from_db()
    assert survey.decision == "rejected"


def test_a_producer_sets_its_supply_sees_its_sheets_and_proposes(world, login):
    from cabas.catalog.models import CostSheet, ProducerAccount
    from cabas.ordering.models import Offer
    from cabas.flows import close_cycle, save_order

    farmer = world.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=farmer, producer=world.farm)
    cycle = world.open_cycle()
    carrots, bread = Offer.objects.get(cycle=cycle, product=world.carrots), Offer.objects.get(cycle=cycle, product=world.bread)
    client = login(farmer)
    assert client.get(reverse("home")).url == reverse("producer-home")
    page = client.get(reverse("producer-home")).content.decode()
    assert f'name="supply-{carrots.pk}"' in page and f'name="supply-{bread.pk}"' not in page  # only its own products
    client.post(reverse("producer-supply", args=[cycle.pk]), {f"supply-{carrots.pk}": "25,5"})
    carrots.refresh_from_db()
    assert carrots.supply_cap == D("25.5")
    client.post(reverse("producer-supply", args=[cycle.pk]), {f"supply-{bread.pk}": "3"})  # the bakery's: refused
    client.post(reverse("producer-supply", args=[cycle.pk]), {f"supply-{carrots.pk}": "-2"})
    bread.refresh_from_db(), carrots.refresh_from_db()
    assert bread.supply_cap is None and carrots.supply_cap == D("25.5")
    save_order(cycle=cycle, household=world.household_a1, quantities={carrots.pk: "2"})
    close_cycle(cycle.pk, now=cycle.closes_at)
    assert client.get(reverse("producer-own-sheet", args=[cycle.pk])).status_code == 200
    assert client.get(reverse("producer-own-sheet-file", args=[cycle.pk, "csv"])).status_code == 200
    assert client.get(reverse("producer-sheet", args=[cycle.pk, world.farm.pk])).status_code in (403, 404)  # the coordinators' page
    response = client.post(reverse("producer-propose", args=["prix"]), {"product": world.carrots.pk, "season": "2027", **COSTS})
    assert response.status_code == 302 and CostSheet.objects.get().unit_price == D("4.04")
    client.post(reverse("producer-propose", args=["prix"]), {"product": world.bread.pk, "season": "2027", **COSTS})
    assert CostSheet.objects.count() == 1  # not its product
    assert login(world.member_a1).get(reverse("producer-home")).status_code == 403


def test_a_producer_proposes_a_spec_sheet_and_the_club_decides(world, login):
    from cabas.catalog.models import ProducerAccount

    farmer = world.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=farmer, producer=world.farm)
    client = login(farmer)
    url = reverse("producer-propose", args=["fiche"])
    client.post(url, {"product": world.carrots.pk, "variety": " ", "packaging": ""})  # nothing described
    client.post(url, {"product": world.bread.pk, "variety": "Blé"})  # not its product
    client.post(url, {"product": "99999999999999999999", "variety": "Blé"})
    assert not SpecSheet.objects.exists()
    client.post(url, {"product": world.carrots.pk, "variety": "Nantaise", "returnable_container": "on",
                      "change_note": "Première fiche"})
    sheet = SpecSheet.objects.get()
    assert (sheet.product, sheet.version, sheet.returnable_container, sheet.proposed_by) == (world.carrots, 1, True, farmer)
    assert client.post(reverse("producer-propose", args=["autre"]), {"product": world.carrots.pk}).status_code == 404
    coordinator = login(world.coordinator)
    coordinator.post(reverse("decide-proposal", args=[world.club.pk, "fiche", sheet.pk]), {"decision": "approve"})
    assert "Nantaise" in login(world.member_a1).get(reverse("product", args=[world.carrots.pk])).content.decode()


def test_a_refused_cost_sheet_comes_back_with_what_was_typed_and_the_error_beside_its_field(world, login):
    from cabas.catalog.models import CostSheet, ProducerAccount, Product

    Product.objects.create(producer=world.farm, name="Aaa poireaux", unit=world.carrots.unit, unit_price=D("2"),
                           vat_rate=world.carrots.vat_rate, category=world.carrots.category)
    farmer = world.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=farmer, producer=world.farm)
    client = login(farmer)
    response = client.post(reverse("producer-propose", args=["prix"]),
                           {"product": world.carrots.pk, "season": "Hiver 2027", **COSTS, "transport": "sept cents"})
    assert response.status_code == 400 and not CostSheet.objects.exists()
    page = response.content.decode()
    assert "Rien n’a été enregistré" in page or "Rien n'a été enregistré" in page
    assert 'value="Hiver 2027"' in page and 'name="inputs" inputmode="decimal" value="1800"' in page
    assert 'value="sept cents" aria-invalid="true" aria-describedby="cost-transport-error"' in page
    assert '<span class="errorlist" id="cost-transport-error">Saisissez un nombre' in page
    assert f'<option value="{world.carrots.pk}" selected>' in page  # the product chosen, not the first one
    # the season missing: its own error, the figures kept
    page = client.post(reverse("producer-propose", args=["prix"]), {"product": world.carrots.pk, "season": " ", **COSTS}).content.decode()
    assert 'aria-describedby="season-error"' in page and 'name="labour_hours" inputmode="decimal" value="600"' in page


def test_a_new_spec_sheet_version_starts_from_the_current_one(world, login):
    from cabas.catalog.models import ProducerAccount

    farmer = world.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=farmer, producer=world.farm)
    client = login(farmer)
    first = propose_spec_sheet(product=world.carrots, values={"variety": "Nantaise", "packaging": "Cagette",
                                                             "returnable_container": True, "change_note": "Première"})
    decide_spec_sheet(sheet_id=first.pk, approve=True)
    page = client.get(reverse("producer-home"), {"fiche": world.carrots.pk}).content.decode()
    assert 'name="variety" maxlength="200" value="Nantaise"' in page and 'value="Cagette"' in page
    assert 'name="returnable_container" checked' in page and "Première" not in page  # the note is for the new version
    assert "version 1" in page
    # the producer changes only the size: the new version keeps the rest
    client.post(reverse("producer-propose", args=["fiche"]), {
        "product": world.carrots.pk, "variety": "Nantaise", "packaging": "Cagette", "returnable_container": "on",
        "size": "Calibre moyen", "change_note": "Calibre précisé"})
    second = SpecSheet.objects.get(version=2)
    assert (second.variety, second.packaging, second.returnable_container, second.size) == ("Nantaise", "Cagette", True, "Calibre moyen")
    # refused (nothing described): the form comes back as typed for the same product
    response = client.post(reverse("producer-propose", args=["fiche"]), {"product": world.carrots.pk, "change_note": "Rien"})
    assert response.status_code == 400 and 'name="change_note" rows="2">Rien</textarea>' in response.content.decode()
    assert f'name="product" value="{world.carrots.pk}"' in response.content.decode()


def test_the_producer_page_says_its_description_once(world, client):
    text = "Maraîchage sur sol vivant depuis 2009."
    type(world.farm).objects.filter(pk=world.farm.pk).update(description=text, production_methods=text)
    page = client.get(reverse("producer", args=[world.club.slug, world.farm.pk])).content.decode()
    assert page.count(text) == 1
def test_a_producers_account_opens_its_own_products_pages_and_its_page_links_them(world, client, login):
    from cabas.catalog.models import ProducerAccount

    account = world.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=account, producer=world.farm)
    own, other = reverse("product", args=[world.carrots.pk]), reverse("product", args=[world.bread.pk])
    farm_page = reverse("producer", args=[world.club.slug, world.farm.pk])
    assert f'href="{own}"' not in client.get(farm_page).content.decode()  # the public: names, no links
    client = login(account)
    assert client.get(own).status_code == 200 and "Carottes" in client.get(own).content.decode()
    assert client.get(other).status_code == 404  # another producer's product
    assert f'href="{own}"' in client.get(farm_page).content.decode()
    bakery_page = client.get(reverse("producer", args=[world.club.slug, world.bakery.pk])).content.decode()
    assert f'href="{other}"' not in bakery_page and "Pain de campagne" in bakery_page
