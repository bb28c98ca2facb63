"""The demo club's partnerships (called by `cabas seed-demo`, before its cycles open): labels, charter
and farm visits, spec sheets, cost sheets with their price history, two solidarity contracts,
subscriptions, a producer account, a finished survey whose product is on trial and an open survey.

Everything goes through the same services as the pages, so the demo shows what the code does.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from cabas.catalog.models import (
    CertificationVisit, CharterPoint, Label, PriceChange, Producer, ProducerAccount, ProducerKind, Product,
    VisitCheck,
)
from cabas.catalog.pricing import SeasonCosts
from cabas.catalog.services import decide_spec_sheet, propose_cost_sheet, propose_spec_sheet
from cabas.contracts.models import Contract, ContractProduct, Subscription, SubscriptionLine, SubscriptionSkip
from cabas.flows import decide_cost_sheet
from cabas.members.models import Club, Household, User
from cabas.participation.models import Survey, SurveyAnswer
from cabas.participation.services import decide_survey

D = Decimal
PRODUCER_EMAIL = "producteur@example.org"

LABELS = ["Agriculture biologique (AB)", "Nature & Progrès", "Bienvenue à la ferme", "AOP", "Label Rouge"]
LABELS_BY_PRODUCER = [  # by the producers' order in the demo
    ["Agriculture biologique (AB)"], ["Agriculture biologique (AB)", "Nature & Progrès"], ["Nature & Progrès"],
    ["Agriculture biologique (AB)"], ["Agriculture biologique (AB)"], ["Agriculture biologique (AB)"],
    ["Bienvenue à la ferme"], ["Label Rouge"], ["Agriculture biologique (AB)"], [],
]
CHARTER = [
    "Pas de pesticides ni d'engrais de synthèse",
    "Semences paysannes ou non hybrides quand elles existent",
    "Animaux nourris à l'herbe et aux céréales de la ferme",
    "Emballages réduits, consignés quand c'est possible",
    "Ferme ouverte aux visites des membres",
    "Prix construit à partir des coûts réels, en transparence",
]
VISITS = [  # (producer index, days ago, decision, conditions, unmet commitment index or None)
    (0, 210, "approved", "", None),
    (1, 150, "approved", "", None),
    (3, 400, "conditions", "Replanter 200 m de haies et couvrir les sols l'hiver avant la prochaine visite.", 1),
    (4, 90, "approved", "", None),
    (7, 320, "conditions", "Passer à des emballages consignés pour les volailles découpées.", 3),
]
SPEC_SHEETS = {  # product name -> versions (the last may be a proposal)
    "Lait cru entier": [
        dict(variety="Normande et prim'holstein", production_method="Pâturage 8 mois par an, foin de la ferme l'hiver ; "
             "traite du matin, refroidi à 4 °C.", inputs_allowed="Aucun antibiotique préventif ; minéraux autorisés en AB.",
             packaging="Bouteille en verre d'un litre", returnable_container=True, freshness="Livré le jour de la traite ou le lendemain",
             change_note="Première fiche"),
        dict(variety="Normande et prim'holstein", production_method="Pâturage 9 mois par an, foin et méteil de la ferme l'hiver ; "
             "traite du matin, refroidi à 4 °C.", inputs_allowed="Aucun antibiotique préventif ; minéraux autorisés en AB.",
             packaging="Bouteille en verre d'un litre", returnable_container=True, freshness="Livré le jour de la traite ou le lendemain",
             change_note="Un mois de pâturage de plus, méteil cultivé à la ferme"),
    ],
    "Pain de campagne au levain": [
        dict(variety="Blés de population (Rouge de Bordeaux, Poulard)", production_method="Levain naturel, pétrissage lent, "
             "cuisson au feu de bois", inputs_allowed="Farine du Moulin de la Vilaine, sel de Guérande, eau", packaging="Sac en papier",
             freshness="Cuit la veille de la distribution", size="Miche de 1 kg", change_note="Première fiche"),
    ],
    "Carottes": [
        dict(variety="Nantaise et Touchon", production_method="Plein champ, désherbage mécanique", packaging="En vrac, caisse consignée",
             returnable_container=True, freshness="Récoltées moins de 3 jours avant", size="Calibre 20 à 40 mm", change_note="Première fiche"),
        dict(variety="Nantaise, Touchon et Jaune du Doubs", production_method="Plein champ, désherbage mécanique",
             packaging="En vrac, caisse consignée", returnable_container=True, freshness="Récoltées moins de 3 jours avant",
             size="Calibre 20 à 40 mm", change_note="Ajout d'une variété jaune"),
    ],
    "Tomme fermière": [
        dict(variety="Lait cru de vaches normandes", production_method="Caillé doux, affinage 3 mois en cave", packaging="Papier fromager",
             freshness="Affinée au moins 90 jours", change_note="Première fiche"),
    ],
}
PENDING_SPEC = ("Pain de campagne au levain", dict(
    variety="Blés de population (Rouge de Bordeaux, Poulard, Barbu du Roussillon)", production_method="Levain naturel, "
    "pétrissage lent, cuisson au feu de bois", inputs_allowed="Farine du Moulin de la Vilaine, sel de Guérande, eau",
    packaging="Sac en papier", freshness="Cuit la veille de la distribution", size="Miche de 1 kg",
    change_note="Un troisième blé de population dans le mélange"))
COSTS = {  # product name -> (season, inputs, hours, rate, packaging, transport, overheads, depreciation, income)
    "Lait cru entier": ("2026", 9800, 1900, 15, 5200, 2600, 3100, 6400, 9000),
    "Pain de campagne au levain": ("2026", 7400, 1500, 15, 900, 1600, 2200, 3100, 6000),
    "Carottes": ("Hiver 2026-2027", 1200, 420, 14, 300, 450, 380, 700, 1500),
    "Tomme fermière": ("2026", 6200, 950, 15, 700, 800, 1500, 2600, 4000),
    "Beurre demi-sel baratté": ("2026", 3900, 520, 15, 800, 500, 900, 1200, 1800),
}


def volume_for(costs: SeasonCosts, price: Decimal) -> Decimal:
    """The expected volume that gives about ``price`` (the demo's catalogue price) from these costs."""
    return (costs.season_total() * (100 + costs.vat_rate) / 100 / price).quantize(D(1), rounding=ROUND_HALF_UP)


def seed_partnerships(*, club: Club, producers: list[Producer], households: list[Household], featured: list[Household],
                      coordinator: User, password: str, rng: random.Random) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    products = {p.name: p for p in Product.objects.filter(producer__club=club)}

    # Who the producers are: labels, methods, charter, referent member, farm visits.
    labels = {name: Label.objects.get_or_create(club=club, name=name)[0] for name in LABELS}
    members = list(User.objects.filter(household__in=featured).order_by("pk"))
    for i, producer in enumerate(producers):
        producer.kind = ProducerKind.WORKSHOP if producer.name.startswith(("Le Fournil", "Moulin", "Fromagerie")) else ProducerKind.FARM
        producer.production_methods = producer.description
        producer.charter_signed_on = today - datetime.timedelta(days=300 + 61 * i)
        producer.contact_name = ["Yann", "Nolwenn", "Gaël", "Soizic", "Erwan", "Maëlle", "Loïc", "Anne", "Tanguy", "Rozenn"][i % 10]
        producer.referent = members[i % len(members)]
        producer.labels.set([labels[name] for name in LABELS_BY_PRODUCER[i % len(LABELS_BY_PRODUCER)]])
    Producer.objects.bulk_update(producers, ["kind", "production_methods", "charter_signed_on", "contact_name", "referent"])
    points = CharterPoint.objects.bulk_create(CharterPoint(club=club, text=text, position=i) for i, text in enumerate(CHARTER))
    for index, days_ago, decision, conditions, unmet in VISITS:
        visited = today - datetime.timedelta(days=days_ago)
        visit = CertificationVisit.objects.create(
            producer=producers[index], visited_on=visited, participants="2 producteurs du club, 3 membres de GAC",
            report="Visite de la ferme, des parcelles et du bâtiment ; échanges sur les pratiques et les prix.",
            decision=decision, conditions=conditions, next_visit_on=visited + datetime.timedelta(days=365 if decision == "approved" else 180),
            recorded_at=timezone.now(),
        )
        VisitCheck.objects.bulk_create(
            VisitCheck(visit=visit, point=p, satisfied=i != unmet, comment="À améliorer" if i == unmet else "")
            for i, p in enumerate(points)
        )

    # Spec sheets, approved by the coordinator (the last proposal waits for a decision).
    for name, versions in SPEC_SHEETS.items():
        for k, values in enumerate(versions):
            sheet = propose_spec_sheet(product=products[name], values=values, by_user=members[0],
                                       now=now - datetime.timedelta(days=200 - 90 * k))
            decide_spec_sheet(sheet_id=sheet.pk, approve=True, by_user=coordinator, now=now - datetime.timedelta(days=195 - 90 * k))
    propose_spec_sheet(product=products[PENDING_SPEC[0]], values=PENDING_SPEC[1], by_user=members[0])

    # Cost sheets: last season's (its price, 5 % lower, in the history) and this one's, agreed; one proposal.
    for name, (season, *figures) in COSTS.items():
        product = products[name]
        values = dict(zip(("inputs", "labour_hours", "hourly_rate", "packaging", "transport", "overheads", "depreciation", "income"),
                          (D(v) for v in figures)))
        costs = SeasonCosts(expected_volume=D(1), vat_rate=product.vat_rate, **values)
        for age, price in ((400, (product.unit_price * D("0.95")).quantize(D("0.01"))), (60, product.unit_price)):
            volume = volume_for(costs, price)
            sheet = propose_cost_sheet(product=product, season=season if age == 60 else "2025",
                                       values={**values, "expected_volume": volume}, by_user=members[0],
                                       now=now - datetime.timedelta(days=age + 5))
            decide_cost_sheet(sheet_id=sheet.pk, agree=True, by_user=coordinator, now=now - datetime.timedelta(days=age))
    beurre = products["Beurre demi-sel baratté"]
    propose_cost_sheet(product=beurre, season="2027", values={
        "inputs": "4300", "labour_hours": "540", "hourly_rate": "15.5", "packaging": "850", "transport": "520", "overheads": "950",
        "depreciation": "1200", "income": "1900", "expected_volume": "2900"}, by_user=members[0])
    for product in products.values():  # the catalogue's first price, as history
        if not PriceChange.objects.filter(product=product).exists():
            PriceChange.objects.create(product=product, unit_price=product.unit_price, since=now - datetime.timedelta(days=500))

    # Two solidarity contracts: milk (monthly, in value) and bread (yearly, in pieces).
    month_start = (today - datetime.timedelta(days=10)).replace(day=1)
    dairy, bakery = producers[0], next(p for p in producers if p.name.startswith("Le Fournil"))
    milk = Contract.objects.create(
        club=club, producer=dairy, title="Lait et produits laitiers du Chêne Vert", frequency="monthly",
        guarantee_kind="value", guarantee_amount=D("450"), starts_on=month_start,
        ends_on=month_start.replace(year=month_start.year + 1), tacit_renewal=True,
        signed_by_club_on=month_start - datetime.timedelta(days=20), signed_by_producer_on=month_start - datetime.timedelta(days=18),
        notes="Le club s'engage à acheter au moins 450 € par mois ; le manque éventuel est versé au producteur.",
    )
    bread = Contract.objects.create(
        club=club, producer=bakery, title="Pain au levain de Brocéliande", frequency="yearly", guarantee_kind="volume",
        guarantee_unit="piece", guarantee_amount=D("2400"), starts_on=month_start, ends_on=month_start.replace(year=month_start.year + 1),
        signed_by_club_on=month_start - datetime.timedelta(days=30), signed_by_producer_on=month_start - datetime.timedelta(days=30),
    )
    ContractProduct.objects.bulk_create(
        [ContractProduct(contract=milk, product=p, agreed_price=p.unit_price) for p in Product.objects.filter(producer=dairy)]
        + [ContractProduct(contract=bread, product=p, agreed_price=p.unit_price)
           for p in Product.objects.filter(producer=bakery, unit="piece")]
    )

    # Subscriptions: a vegetable basket from the Potager de la Flume, for the featured households and a few more.
    flume = next(p for p in producers if "Flume" in p.name)
    basket = [("Céleri-rave", D("1")), ("Panais", D("1")), ("Blettes", D("1"))]
    subscribers = featured + rng.sample([h for h in households if h not in featured], 4)
    for k, household in enumerate(subscribers):
        subscription = Subscription.objects.create(
            household=household, producer=flume, season="Hiver 2026-2027", starts_on=today - datetime.timedelta(days=40),
            ends_on=today + datetime.timedelta(days=140), max_skips=3, notice_days=7,
            payment_schedule=["monthly", "quarterly", "single"][k % 3],
        )
        SubscriptionLine.objects.bulk_create(SubscriptionLine(subscription=subscription, product=products[name], quantity=q)
                                             for name, q in basket)
        if k % 2:
            SubscriptionSkip.objects.create(subscription=subscription, date=today + datetime.timedelta(days=30 + k))

    # A producer account for the dairy.
    farmer = User.objects.create(email=PRODUCER_EMAIL, first_name="Yann", last_name="Le Gall", password=password)
    ProducerAccount.objects.create(user=farmer, producer=dairy)

    # A finished survey (its product now on trial) and an open one.
    trial = Product.objects.create(
        producer=dairy, category=products["Yaourts nature"].category, name="Yaourt de brebis", unit="piece",
        unit_price=D("0.95"), vat_rate=D("5.5"), pack_size=D("4"), description="Pot en verre de 125 g, lait de brebis du voisin.",
    )
    finished = Survey.objects.create(
        club=club, product_name="Yaourt au lait de brebis", producer=dairy, unit="piece", proposed_price=D("0.95"),
        monthly_threshold=D("400"), opens_on=today - datetime.timedelta(days=45), closes_on=today - datetime.timedelta(days=20),
        description="Le GAEC pourrait transformer le lait de brebis d'un voisin : combien de pots par mois prendriez-vous ?",
    )
    answering = rng.sample(households, 36)
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(survey=finished, household=h, interest=rng.choice(["yes", "yes", "maybe", "no"]),
                     quantity_per_month=D(rng.choice([4, 8, 8, 12, 16])), acceptable_price=D(rng.choice(["0.80", "0.90", "1.00", "1.10"])),
                     comment=rng.choice(["", "", "Pour les enfants, oui !", "Plutôt en pot de 500 g.", "Si le pot est consigné."]),
                     answered_at=now - datetime.timedelta(days=rng.randint(21, 44)))
        for h in answering
    )
    SurveyAnswer.objects.filter(survey=finished, interest="no").update(quantity_per_month=0)
    decide_survey(survey_id=finished.pk, decision="trial", trial_product_id=trial.pk, by_user=coordinator,
                  note="Le volume projeté atteint le seuil : un mois d'essai, puis nous referons le point.")
    current = Survey.objects.create(
        club=club, product_name="Farine de sarrasin", producer=next(p for p in producers if p.name.startswith("Moulin")),
        unit="kg", proposed_price=D("4.20"), monthly_threshold=D("150"), opens_on=today - datetime.timedelta(days=3),
        closes_on=today + datetime.timedelta(days=18),
        description="Blé noir de Bretagne moulu à la meule de pierre, en sacs de 1 kg.",
    )
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(survey=current, household=h, interest="yes", quantity_per_month=D(rng.choice([1, 2, 2, 3])))
        for h in rng.sample([h for h in households if h not in featured], 9)
    )
    return {"producer_account": farmer, "trial": trial}
