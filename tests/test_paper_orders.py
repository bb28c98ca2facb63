"""The paper path: printable order forms per household, and a group coordinator keying in paper orders, one row
per household, through the same rules as members' orders, in one transaction."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.flows import save_order
from cabas.members.models import Household
from cabas.ordering.models import LineChange, Offer, Order, OrderLine


@pytest.fixture
def cycle(world):
    return world.open_cycle()


def offers_of(cycle):
    return {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}


def test_order_forms_print_one_page_per_household(world, cycle, client):
    client.force_login(world.group_coordinator_a)
    response = client.get(reverse("paper-order-forms", args=[cycle.pk, world.group_a.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert 'filename="bons-de-commande-papier-' in response["Content-Disposition"]


def test_a_coordinator_keys_in_paper_orders_for_the_groups_households(world, cycle, client):
    offers = offers_of(cycle)
    milk, bread = offers[world.milk.pk], offers[world.bread.pk]
    save_order(cycle=cycle, household=world.household_a2, quantities={bread: "1"})  # ordered online already
    client.force_login(world.group_coordinator_a)
    url = reverse("paper-orders", args=[cycle.pk, world.group_a.pk])
    page = client.get(url).content.decode()
    assert f'name="q-{world.household_a1.pk}-{milk}"' in page
    assert f'name="q-{world.household_a2.pk}-{bread}" value="1"' in page  # what is ordered shows
    assert str(world.household_b1.name) not in page  # another group's household is not on this page
    response = client.post(url, {
        f"q-{world.household_a1.pk}-{milk}": "3", f"q-{world.household_a1.pk}-{bread}": "",
        f"q-{world.household_a2.pk}-{bread}": "1",  # unchanged: not saved again
    })
    assert response.status_code == 302
    assert dict(OrderLine.objects.filter(order__household=world.household_a1, order__cycle=cycle)
                .values_list("offer_id", "quantity")) == {milk: D("3")}
    assert OrderLine.objects.get(order__household=world.household_a2, order__cycle=cycle).quantity == D("1")
    assert LineChange.objects.filter(household=world.household_a2).count() == 1  # only the member's own save
    assert Order.objects.get(household=world.household_a1, cycle=cycle).updated_by == world.group_coordinator_a


def test_one_wrong_box_refuses_the_whole_page_with_the_message_at_its_place(world, cycle, client):
    offers = offers_of(cycle)
    milk, bread = offers[world.milk.pk], offers[world.bread.pk]
    client.force_login(world.group_coordinator_a)
    url = reverse("paper-orders", args=[cycle.pk, world.group_a.pk])
    response = client.post(url, {f"q-{world.household_a1.pk}-{milk}": "2", f"q-{world.household_a2.pk}-{bread}": "1,5"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'aria-invalid="true"' in page and "nombre entier" in page
    assert f'value="1,5"' in page  # what was typed is shown again to be corrected
    assert not OrderLine.objects.filter(order__cycle=cycle).exists()  # nothing half-written


def test_a_row_of_another_group_or_an_unknown_product_is_refused(world, cycle, client):
    offers = offers_of(cycle)
    client.force_login(world.group_coordinator_a)
    url = reverse("paper-orders", args=[cycle.pk, world.group_a.pk])
    assert client.post(url, {f"q-{world.household_b1.pk}-{offers[world.milk.pk]}": "2"}).status_code == 404
    assert client.post(url, {f"q-{world.household_a1.pk}-999999": "2"}).status_code == 404
    assert not OrderLine.objects.exists()


def test_paper_orders_are_for_the_groups_coordinators(world, cycle, client):
    url = reverse("paper-orders", args=[cycle.pk, world.group_b.pk])
    client.force_login(world.group_coordinator_a)  # coordinates group A only
    assert client.get(url).status_code == 404
    client.force_login(world.member_a1)
    assert client.get(url).status_code == 403
    client.force_login(world.coordinator)  # the club's coordinators too
    assert client.get(url).status_code == 200


def test_the_page_costs_a_constant_number_of_queries(world, cycle, client, django_assert_num_queries):
    client.force_login(world.group_coordinator_a)
    url = reverse("paper-orders", args=[cycle.pk, world.group_a.pk])
    # session, user, roles, cycle+club, group+depot, offers+producer+category, households, lines
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    for k in range(6):
        Household.objects.create(group=world.group_a, name=f"Foyer papier {k}")
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
