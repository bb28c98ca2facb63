"""The pages of issue 4 cost the same number of queries with 2 producers and 1 contract as with 12
producers (labels, visits, products) and 6 contracts."""

import datetime
from decimal import Decimal as D

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cabas.catalog.models import CertificationVisit, Label, Producer, Product, Unit
from cabas.catalog.services import decide_spec_sheet, propose_cost_sheet, propose_spec_sheet
from cabas.flows import decide_cost_sheet
from cabas.contracts.models import Contract, ContractProduct, Subscription, SubscriptionLine

# subscriptions: session, user, household+group+depot+club, subscriptions+producer+offer, lines+product, skips, the
# group's distributions, contracts' agreed prices, the offers open to the group, roles (the menu)
EXPECTED = {"directory": 9, "contracts": 8, "subscriptions": 10, "product": 8}
COSTS = {"inputs": "100", "labour_hours": "10", "hourly_rate": "15", "packaging": "0", "transport": "0", "overheads": "0",
         "depreciation": "0", "income": "50", "expected_volume": "100"}


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def add_contract(world, producer, product, n):
    today = timezone.localdate()
    contract = Contract.objects.create(club=world.club, producer=producer, title=f"Contrat {n}", frequency="monthly",
                                       guarantee_kind="value", guarantee_amount=D("100"), starts_on=today.replace(day=1),
                                       ends_on=today.replace(day=1) + datetime.timedelta(days=300))
    ContractProduct.objects.create(contract=contract, product=product, agreed_price=product.unit_price)


def add_subscription(world, product, n):
    today = timezone.localdate()
    s = Subscription.objects.create(household=world.household_a1, producer=product.producer, season=f"S{n}",
                                    starts_on=today, ends_on=today + datetime.timedelta(days=60))
    SubscriptionLine.objects.create(subscription=s, product=product, quantity=D("1"))


def measure(world, client, coordinator):
    return {
        "directory": count(client, reverse("directory", args=[world.club.slug]) + f"?depot={world.group_a.depot.pk}"),
        "contracts": count(coordinator, reverse("contracts", args=[world.club.pk])),
        "subscriptions": count(client, reverse("subscriptions")),
        "product": count(client, reverse("product", args=[world.carrots.pk])),
    }


def test_issue_4_pages_cost_a_constant_number_of_queries(world, client, django_user_model):
    from django.test import Client

    client.force_login(world.member_a1)
    coordinator = Client()
    coordinator.force_login(world.coordinator)
    add_contract(world, world.farm, world.carrots, 0)
    add_subscription(world, world.carrots, 0)
    sheet = propose_cost_sheet(product=world.carrots, season="2026", values=COSTS)
    decide_cost_sheet(sheet_id=sheet.pk, agree=True)
    spec = propose_spec_sheet(product=world.carrots, values={"variety": "Nantaise"})
    decide_spec_sheet(sheet_id=spec.pk, approve=True)
    small = measure(world, client, coordinator)

    label = Label.objects.create(name="AB")
    for i in range(10):
        producer = Producer.objects.create(club=world.club, name=f"Ferme {i}", latitude=D("48.1"), longitude=D("-1.6"))
        producer.labels.add(label)
        CertificationVisit.objects.create(producer=producer, visited_on=datetime.date(2026, 1, 1), participants="x", report="y",
                                          decision="approved", recorded_at=timezone.now())
        product = Product.objects.create(producer=producer, category=world.legumes, name=f"Produit {i}", unit=Unit.KILOGRAM,
                                         unit_price=D("2"))
        if i < 5:
            add_contract(world, producer, product, i + 1)
            add_subscription(world, product, i + 1)
    for k in range(3):
        sheet = propose_cost_sheet(product=world.carrots, season=f"{2027 + k}", values=COSTS)
        decide_cost_sheet(sheet_id=sheet.pk, agree=True)
        spec = propose_spec_sheet(product=world.carrots, values={"variety": f"V{k}"})
        decide_spec_sheet(sheet_id=spec.pk, approve=k % 2 == 0)
    large = measure(world, client, coordinator)
    assert small == large == EXPECTED, (small, large)
