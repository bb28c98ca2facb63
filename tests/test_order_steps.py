"""Order steps people can hand out: the unit's default, the validation of a product's step, the migration of the
steps "by the gram", and reception refusing a delivered quantity that is not a whole number of steps."""

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import timezone

from cabas.catalog import steps
from cabas.catalog.models import Product, Unit
from cabas.catalog.units import format_step
from cabas.core.errors import ActionError
from cabas.flows import close_cycle, record_deliveries, save_order
from cabas.ordering.models import Allocation, Offer


# --- the rule (pure) --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit, pack, expected", [
    ("piece", None, D(1)), ("bunch", None, D(1)), ("dozen", D(2), D(1)), ("piece", D(6), D(1)),
    ("kg", None, D("0.1")), ("kg", D(10), D("0.1")), ("kg", D("2.5"), D("0.1")),
    ("kg", D("0.05"), D("0.05")), ("l", D("0.75"), D("0.75")),  # a pack smaller than the default: handed out whole
    ("kg", D("0.25"), D("0.05")),
    ("kg", D("0.15"), D("0.05")),  # larger than the default, which does not divide it: the largest usual step that does
    ("g", None, D(100)), ("g", D(250), D(50)), ("g", D(50), D(50)), ("g", D(1250), D(50)),
    ("l", None, D(1)), ("l", D(6), D(1)), ("l", D("0.75"), D("0.75")), ("l", D("1.5"), D("0.5")),
    ("kg", D("1.005"), None),  # nothing usual divides it: the step must be given
    ("piece", D("1.5"), None),
])
def test_the_units_default_step(unit, pack, expected):
    assert steps.default_order_step(unit, pack) == expected


@pytest.mark.parametrize("unit, step, pack, problem", [
    ("kg", D("0.001"), None, steps.TOO_FINE), ("l", D("0.005"), None, steps.TOO_FINE), ("g", D(1), None, steps.TOO_FINE),
    ("kg", D("0.01"), None, None), ("g", D(10), None, None), ("l", D("0.25"), D(1), None),
    ("piece", D("0.5"), None, steps.NOT_WHOLE), ("kg", D("0.3"), D(1), steps.NOT_A_DIVISOR),
    ("kg", D(0), None, steps.NOT_POSITIVE), ("piece", D(2), D(6), None),
])
def test_what_is_wrong_with_a_step(unit, step, pack, problem):
    assert steps.step_problem(unit, step, pack) == problem


def test_steps_are_written_as_they_are_handed_out():
    assert format_step(D("0.1"), Unit.KILOGRAM) == "100\u00a0g"
    assert format_step(D("0.05"), Unit.KILOGRAM) == "50\u00a0g"
    assert format_step(D("0.25"), Unit.LITRE) == "25\u00a0cl"
    assert format_step(D(1), Unit.LITRE) == "1\u00a0l"
    assert format_step(D("1.5"), Unit.KILOGRAM) == "1,5\u00a0kg"


# --- a product's step ---------------------------------------------------------------------------------------------


def test_a_product_without_a_step_gets_its_units(world):
    assert world.carrots.order_step == D("0.1") and world.bread.order_step == 1
    product = Product.objects.create(producer=world.farm, category=world.legumes, name="Huile", unit=Unit.LITRE,
                                     unit_price=D("7.50"), pack_size=D(6))
    product.refresh_from_db()
    assert product.order_step == 1 and product.effective_order_step == 1


ProductForm = modelform_factory(Product, fields=["producer", "category", "name", "unit", "unit_price", "vat_rate",
                                                 "pack_size", "order_step", "is_active"])


def product_form(world, **values):
    data = {"producer": world.farm.pk, "category": world.legumes.pk, "name": "Poireaux", "unit": "kg",
            "unit_price": "3.20", "vat_rate": "5.5", "pack_size": "", "order_step": "", "is_active": "on"}
    data.update(values)
    return ProductForm(data)


@pytest.mark.parametrize("values, message", [
    ({"order_step": "0.001"}, "au moins 10\u00a0g"),
    ({"order_step": "0.005", "unit": "l"}, "au moins 1\u00a0cl"),
    ({"order_step": "0.5", "unit": "piece"}, "nombre entier"),
    ({"order_step": "0.3", "pack_size": "1"}, "diviser la taille du colis"),
    ({"pack_size": "1.005"}, "aucun des pas habituels"),
])
def test_the_product_form_refuses_a_step_no_one_can_hand_out(world, values, message):
    form = product_form(world, **values)
    assert not form.is_valid()
    assert any(message in error for error in form.errors["order_step"]), form.errors


def test_the_product_form_fills_in_the_units_step_and_keeps_a_sellable_one(world):
    form = product_form(world)
    assert form.is_valid(), form.errors
    assert form.save().order_step == D("0.1")
    form = product_form(world, name="Tomme", order_step="0.05", pack_size="")
    assert form.is_valid(), form.errors
    assert form.save().order_step == D("0.05")
    form = product_form(world, name="Lait", unit="l", pack_size="6", order_step="")
    assert form.is_valid(), form.errors
    assert form.save().order_step == 1


def test_the_admin_refuses_a_step_by_the_gram(world, client):
    client.force_login(world.coordinator)
    world.coordinator.is_staff = True
    world.coordinator.is_superuser = True
    world.coordinator.save()
    product = world.carrots
    response = client.post(f"/admin/catalog/product/{product.pk}/change/", {
        "producer": product.producer_id, "category": product.category_id, "name": "Carottes", "unit": "kg",
        "unit_price": "2.10", "vat_rate": "5.5", "pack_size": "", "order_step": "0.001", "is_active": "on",
    })
    assert response.status_code == 200 and "order_step" in response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.order_step == D("0.1")


# --- reception ------------------------------------------------------------------------------------------------


def closed_with_carrots(world):
    cycle = world.open_cycle()
    carrots = Offer.objects.get(cycle=cycle, product=world.carrots)
    assert carrots.order_step == D("0.1")
    save_order(cycle=cycle, household=world.household_a1, quantities={carrots.pk: "2"})
    save_order(cycle=cycle, household=world.household_a2, quantities={carrots.pk: "1.5"})
    save_order(cycle=cycle, household=world.household_b1, quantities={carrots.pk: "0.5"})
    close_cycle(cycle.pk)
    return cycle, carrots


def test_reception_refuses_a_delivered_quantity_off_the_step(world):
    cycle, carrots = closed_with_carrots(world)
    before = sorted(Allocation.objects.filter(cycle=cycle, offer=carrots).values_list("quantity", flat=True))
    with pytest.raises(ActionError) as error:
        record_deliveries(cycle.pk, {carrots.pk: D("3.25")})
    assert error.value.all_messages == ["Carottes : la quantité livrée doit être un multiple de 100\u00a0g."]
    carrots.refresh_from_db()
    assert carrots.delivered is None
    assert sorted(Allocation.objects.filter(cycle=cycle, offer=carrots).values_list("quantity", flat=True)) == before


def test_a_short_delivery_in_whole_steps_gives_each_household_whole_steps(world):
    cycle, carrots = closed_with_carrots(world)
    record_deliveries(cycle.pk, {carrots.pk: D("3.1")})  # 4 kg ordered, 31 steps of 100 g delivered
    given = list(Allocation.objects.filter(cycle=cycle, offer=carrots).values_list("quantity", flat=True))
    assert sum(given) == D("3.1")
    assert all(q % D("0.1") == 0 for q in given), given


def test_the_reception_page_shows_the_refusal(world, login):
    cycle, carrots = closed_with_carrots(world)
    data = {f"delivered-{o.pk}": "" for o in Offer.objects.filter(cycle=cycle)}
    data[f"delivered-{carrots.pk}"] = "3,333"
    response = login(world.coordinator).post(reverse("cycle-preview", args=[cycle.pk]), data)
    assert response.status_code == 400
    assert "Carottes : la quantité livrée doit être un multiple de 100\u00a0g." in response.content.decode()


# --- the migration ----------------------------------------------------------------------------------------------

BEFORE = [("catalog", "0006_product_weight_crates"), ("ordering", "0006_allocation_unchecked_household")]
AFTER = [("catalog", "0008_product_order_step_required"), ("ordering", "0007_sellable_order_steps")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_products_and_open_offers_a_step_people_can_hand_out():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        _check_the_step_migration(executor)
    finally:  # later migrations of other apps that hang on these (containers) were unapplied: the schema made whole
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _check_the_step_migration(executor):
    executor.loader.build_graph()
    # the other apps as they are, but for what depends on later migrations of these two (unapplied with them)
    others = [node for node in executor.loader.applied_migrations if node[0] not in ("catalog", "ordering")]
    old = executor.loader.project_state(BEFORE + others).apps
    Club, Group, Household = (old.get_model("members", name) for name in ("Club", "Group", "Household"))
    Producer, Category, Product = (old.get_model("catalog", name) for name in ("Producer", "Category", "Product"))
    OrderCycle, Offer, Order, OrderLine = (old.get_model("ordering", n) for n in ("OrderCycle", "Offer", "Order", "OrderLine"))
    club = Club.objects.create(name="Club", slug="club")
    household = Household.objects.create(group=Group.objects.create(club=club, name="G", slug="g"), name="Foyer")
    farm = Producer.objects.create(club=club, name="Ferme")
    category = Category.objects.create(name="Légumes")

    def product(name, unit, step=None, pack=None):
        return Product.objects.create(producer=farm, category=category, name=name, unit=unit, unit_price=D(2),
                                      order_step=step, pack_size=pack)

    carrots = product("Carottes", "kg", D("0.001"))
    milk = product("Lait", "l", None, D(6))
    flour = product("Farine", "g")
    cheese = product("Tomme", "kg", D("0.05"))  # a sellable step, chosen: kept
    eggs = product("Œufs", "dozen")
    now = timezone.now()

    def cycle(name, closed):
        c = OrderCycle.objects.create(club=club, name=name, opens_at=now - datetime.timedelta(days=9),
                                      closes_at=now + datetime.timedelta(days=1), closed_at=now if closed else None)
        return c, {p.name: Offer.objects.create(cycle=c, product=p, producer=farm, category=category, name=p.name,
                                                unit=p.unit, unit_price=p.unit_price, vat_rate=D("5.5"),
                                                pack_size=p.pack_size, order_step=p.order_step or D("0.001"))
                   for p in (carrots, milk, cheese)}

    closed, closed_offers = cycle("Passé", closed=True)
    open_, open_offers = cycle("En cours", closed=False)
    order = Order.objects.create(cycle=open_, household=household)
    OrderLine.objects.create(order=order, offer=open_offers["Carottes"], quantity=D("1.5"))  # 15 steps of 100 g
    OrderLine.objects.create(order=order, offer=open_offers["Lait"], quantity=D("1.25"))  # not whole litres

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER + others).apps
    NewProduct, NewOffer = new.get_model("catalog", "Product"), new.get_model("ordering", "Offer")
    assert dict(NewProduct.objects.values_list("name", "order_step")) == {
        "Carottes": D("0.1"), "Lait": D(1), "Farine": D(100), "Tomme": D("0.05"), "Œufs": D(1)}
    offers = {(o.cycle_id, o.name): o.order_step for o in NewOffer.objects.all()}
    assert offers[(open_.pk, "Carottes")] == D("0.1")  # the line is 15 whole steps
    assert offers[(open_.pk, "Lait")] == D("0.001")  # 1.25 l ordered: the household's order is not changed
    assert offers[(open_.pk, "Tomme")] == D("0.05")
    assert {name: offers[(closed.pk, name)] for name in closed_offers} == {  # history: untouched
        "Carottes": D("0.001"), "Lait": D("0.001"), "Tomme": D("0.05")}


def test_a_basket_line_is_whole_steps_and_goes_into_a_cycle_as_whole_steps(world):
    """A subscription's basket line is checked against its product's step; one written before the step existed
    goes into a cycle as the whole steps it holds, never more, so no order line is off its step."""
    from django.core.exceptions import ValidationError

    from cabas.contracts.models import Subscription, SubscriptionLine
    from cabas.ordering.models import OrderLine

    today = timezone.localdate()
    subscription = Subscription.objects.create(
        household=world.household_a1, producer=world.farm, season="2026", starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=300))
    line = SubscriptionLine(subscription=subscription, product=world.carrots, quantity=D("1.25"))
    with pytest.raises(ValidationError) as refused:
        line.full_clean()
    assert "100" in str(refused.value)
    line.save()  # as if written before steps were checked
    cycle = world.open_cycle()
    carrots = OrderLine.objects.get(order__cycle=cycle, order__household=world.household_a1, offer__product=world.carrots)
    assert carrots.quantity == D("1.2") and carrots.committed == D("1.2")
