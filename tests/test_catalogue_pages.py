"""The club's catalogue in Cabas' pages (web/views/catalogue_manage.py): producers and their logins, products and
their prices (only through the price history), categories and labels per club, the charter, returnable containers.
Who may do what (the club's coordinators everything; a producer's referent member its products and prices; the
club's other people 403; another club's 404), the categories of one club never seen by another, the migration that
gave each club its own categories, and the number of queries of each list page, the same for 2 and 10 rows."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cabas.catalog import rules, services
from cabas.catalog.models import (
    Category, CertificationVisit, CharterPoint, Container, Label, PriceChange, Producer, ProducerAccount, Product, Unit,
    VisitCheck,
)
from cabas.core.errors import ActionError
from cabas.members.models import Role, RoleKind, User
from cabas.ordering.models import Offer

NOW = timezone.now


def url(name, *args):
    return reverse(name, args=args)


def text(response) -> str:
    return response.content.decode()


def neighbour(world):
    """The neighbouring club, with its own category and label, and its coordinator (who has a household there)."""
    club, group, household, producer, product = world.other_club()
    category = Category.objects.create(club=club, name="Beurres de baratte", position=1)
    Product.objects.filter(pk=product.pk).update(category=category)
    label = Label.objects.create(club=club, name="Label du Bout du Monde")
    producer.labels.add(label)
    person = world.user("voisin@example.org", household)
    Role.objects.create(user=person, kind=RoleKind.CLUB_COORDINATOR, club=club)
    return {"club": club, "producer": producer, "product": product, "category": category, "label": label,
            "coordinator": person, "household": household}


def club_pages(world):
    return [url(name, world.club.pk) for name in ("catalogue-manage", "producer-create", "categories-manage",
                                                  "labels-manage", "charter-manage", "containers-manage")]


def producer_pages(world):
    return [url("producer-manage", world.farm.pk), url("producer-edit", world.farm.pk),
            url("product-create", world.farm.pk), url("product-manage", world.carrots.pk)]


@pytest.fixture
def referent(world):
    """A member of group A who is the farm's referent."""
    Producer.objects.filter(pk=world.farm.pk).update(referent=world.member_a1)
    return world.member_a1


# --- who may do what ------------------------------------------------------------------------------------------


def test_the_clubs_coordinators_open_every_page(world, login):
    client = login(world.coordinator)
    for page in club_pages(world) + producer_pages(world):
        assert client.get(page).status_code == 200, page


def test_another_clubs_coordinator_gets_404(world, login):
    client = login(neighbour(world)["coordinator"])
    for page in club_pages(world) + producer_pages(world):
        assert client.get(page).status_code == 404, page
    assert client.post(url("product-manage", world.carrots.pk), {"action": "price", "price-unit_price": "9"}).status_code == 404
    world.carrots.refresh_from_db()
    assert world.carrots.unit_price == D("2.10")


@pytest.mark.parametrize("who", ["member_a2", "member_b1", "group_coordinator_a"])
def test_the_clubs_members_and_group_coordinators_get_403(world, login, who):
    """A group's coordinators keep their group, not the club's catalogue: they read it on the directory and the
    product pages (documented in the view's module)."""
    client = login(getattr(world, who))
    for page in club_pages(world) + producer_pages(world):
        assert client.get(page).status_code == 403, page
    assert client.post(url("categories-manage", world.club.pk), {"action": "add", "new-name": "Œufs"}).status_code == 403
    assert not Category.objects.filter(name="Œufs").exists()


def test_a_producer_login_of_the_club_gets_404_outside_its_own_pages(world, login):
    user = world.user("fournil@example.org", None)
    ProducerAccount.objects.create(user=user, producer=world.bakery)
    client = login(user)
    assert client.get(url("producer-manage", world.bakery.pk)).status_code == 404
    assert client.get(url("catalogue-manage", world.club.pk)).status_code == 404


def test_anonymous_visitors_are_asked_to_log_in(world, client):
    for page in club_pages(world) + producer_pages(world):
        response = client.get(page)
        assert response.status_code == 302 and "/connexion/" in response["Location"], page


def test_the_referent_member_keeps_the_producers_products_and_prices_not_its_logins(world, login, referent):
    client = login(referent)
    for page in producer_pages(world):
        assert client.get(page).status_code == 200, page
    edit = text(client.get(url("producer-edit", world.farm.pk)))
    assert 'name="referent"' not in edit  # who the referent is is the club's coordinators' choice
    manage = text(client.get(url("producer-manage", world.farm.pk)))
    assert "Inviter" not in manage and 'id="logins"' not in manage
    assert client.post(url("producer-manage", world.farm.pk), {"invite-email": "x@example.org"}).status_code == 403
    assert client.get(url("catalogue-manage", world.club.pk)).status_code == 403
    assert client.get(url("producer-manage", world.bakery.pk)).status_code == 403  # another producer of the club
    response = client.post(url("product-manage", world.carrots.pk), {"action": "price", "price-unit_price": "2,40"})
    assert response.status_code == 302
    world.carrots.refresh_from_db()
    assert world.carrots.unit_price == D("2.40")
    # the referent's own home links to the page
    assert url("producer-manage", world.farm.pk) in text(client.get(url("referent-home")))


def test_the_cycle_list_and_the_directory_link_to_the_catalogue(world, login):
    client = login(world.coordinator)
    assert url("catalogue-manage", world.club.pk) in text(client.get(url("cycle-list")))
    assert url("producer-manage", world.farm.pk) in text(client.get(url("producer", world.club.slug, world.farm.pk)))


# --- prices: only through the history ---------------------------------------------------------------------------


def test_a_new_price_goes_into_the_history_and_the_catalogue_together(world, login):
    client = login(world.coordinator)
    cycle = world.open_cycle()  # opened at 2,10 €: keeps it
    response = client.post(url("product-manage", world.carrots.pk), {"action": "price", "price-unit_price": "2,35"})
    assert response.status_code == 302 and response["Location"].endswith("#history")
    world.carrots.refresh_from_db()
    assert world.carrots.unit_price == D("2.35")
    change = PriceChange.objects.get(product=world.carrots)
    assert change.unit_price == D("2.35") and abs(change.since - NOW()) < datetime.timedelta(minutes=1)
    assert Offer.objects.get(cycle=cycle, product=world.carrots).unit_price == D("2.10")
    page = client.get(url("product-manage", world.carrots.pk))
    assert "2,35" in text(page) and cycle.name in text(page)  # the open cycle keeping its price is named
    assert page.context["history"][0][1] == D("2.35")
    # the members' product page shows the history too
    member = Client()
    member.force_login(world.member_a1)
    assert "2,35" in text(member.get(url("product", world.carrots.pk)))
    later = world.open_cycle(name="Semaine 48")
    assert Offer.objects.get(cycle=later, product=world.carrots).unit_price == D("2.35")


def test_a_price_from_an_earlier_time_is_recorded_so(world, login):
    client = login(world.coordinator)
    since = timezone.localtime() - datetime.timedelta(days=2)
    response = client.post(url("product-manage", world.carrots.pk), {
        "action": "price", "price-unit_price": "2.20", "price-since": since.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    change = PriceChange.objects.get(product=world.carrots)
    assert change.since == since.replace(second=0, microsecond=0)


@pytest.mark.parametrize("values, field, message", [
    ({"price-unit_price": "2,10"}, "unit_price", "déjà le prix"),
    ({"price-unit_price": "2,105"}, "unit_price", "2 chiffres"),
    ({"price-unit_price": "-1"}, "unit_price", None),
    ({"price-unit_price": "deux"}, "unit_price", "nombre"),
    ({"price-unit_price": "3", "price-since": "2099-01-01T10:00"}, "since", "jamais d'une heure plus tardive"),
])
def test_a_price_the_rules_refuse_is_said_on_its_field(world, login, values, field, message):
    response = login(world.coordinator).post(url("product-manage", world.carrots.pk), {"action": "price", **values})
    assert response.status_code == 400
    errors = response.context["price"].errors
    assert field in errors
    if message:
        assert message in " ".join(errors[field])
    world.carrots.refresh_from_db()
    assert world.carrots.unit_price == D("2.10") and not PriceChange.objects.exists()


def test_a_price_before_the_last_change_is_refused(world):
    services.change_price(product_id=world.carrots.pk, unit_price=D("2.20"))
    with pytest.raises(ActionError) as error:
        services.change_price(product_id=world.carrots.pk, unit_price=D("2.30"), since=NOW() - datetime.timedelta(days=3))
    assert "since" in error.value.field_errors
    assert Product.objects.get(pk=world.carrots.pk).unit_price == D("2.20")


def test_the_details_form_has_no_price_and_ignores_one_sent(world, login):
    client = login(world.coordinator)
    page = client.get(url("product-manage", world.carrots.pk))
    assert "product-unit_price" not in text(page)
    data = {f"product-{k}": v for k, v in {
        "name": "Carottes des sables", "category": world.legumes.pk, "unit": "kg", "vat_rate": "5,5", "order_step": "0,5",
        "containers_per_step": "1", "is_active": "on", "unit_price": "99"}.items()}
    response = client.post(url("product-manage", world.carrots.pk), {"action": "product", **data})
    assert response.status_code == 302
    world.carrots.refresh_from_db()
    assert world.carrots.name == "Carottes des sables" and world.carrots.order_step == D("0.5")
    assert world.carrots.unit_price == D("2.10") and not PriceChange.objects.exists()


def test_a_new_product_starts_its_price_history(world, login):
    client = login(world.coordinator)
    response = client.post(url("product-create", world.farm.pk), {
        "name": "Beurre doux", "category": world.lait.pk, "unit": "piece", "unit_price": "3,20", "vat_rate": "5,5",
        "pack_size": "", "order_step": "", "containers_per_step": "1", "is_active": "on"})
    assert response.status_code == 302
    product = Product.objects.get(name="Beurre doux")
    assert product.producer == world.farm and product.unit_price == D("3.20") and product.order_step == D(1)
    assert list(PriceChange.objects.filter(product=product).values_list("unit_price", flat=True)) == [D("3.20")]


def test_the_model_rules_are_said_on_the_fields(world, login):
    response = login(world.coordinator).post(url("product-create", world.farm.pk), {
        "name": "Œufs", "category": world.lait.pk, "unit": "dozen", "unit_price": "4", "vat_rate": "5,5",
        "pack_size": "6", "order_step": "0,5", "containers_per_step": "1"})
    assert response.status_code == 400
    assert "order_step" in response.context["form"].errors  # counted: ordered whole
    assert not Product.objects.filter(name="Œufs").exists()


def test_another_clubs_category_or_container_is_refused(world, login):
    other = neighbour(world)
    jar = Container.objects.create(club=other["club"], name="Pot", deposit=D("0.50"))
    client = login(world.coordinator)
    base = {"name": "Beurre", "unit": "piece", "unit_price": "3", "vat_rate": "5,5", "containers_per_step": "1"}
    response = client.post(url("product-create", world.farm.pk), {**base, "category": other["category"].pk})
    assert response.status_code == 400 and "category" in response.context["form"].errors  # not among the choices
    with pytest.raises(ActionError):
        services.create_product(producer=world.farm, values={"name": "Beurre", "unit": "piece", "vat_rate": D("5.5"),
                                                             "category": other["category"].pk}, unit_price=D(3))
    with pytest.raises(ActionError):
        services.create_product(producer=world.farm, values={"name": "Beurre", "unit": "piece", "vat_rate": D("5.5"),
                                                             "category": world.lait.pk, "container": jar.pk},
                                unit_price=D(3))
    assert not Product.objects.filter(producer=world.farm, name="Beurre").exists()


# --- categories per club ----------------------------------------------------------------------------------------


def test_categories_are_added_renamed_moved_and_removed(world, login):
    client = login(world.coordinator)
    page = url("categories-manage", world.club.pk)
    for name in ("Fromages", "Œufs", "Miel"):
        assert client.post(page, {"action": "add", "new-name": name}).status_code == 302
    own = list(Category.objects.filter(club=world.club).order_by("position", "name"))
    assert [c.name for c in own] == ["Fromages", "Œufs", "Miel"]
    duplicate = client.post(page, {"action": "add", "new-name": "fromages"})
    assert duplicate.status_code == 400 and "déjà" in text(duplicate)
    shared_name = client.post(page, {"action": "add", "new-name": "Lait"})  # the installation's: taken too
    assert shared_name.status_code == 400
    honey = own[2]
    assert client.post(page, {"action": "rename", "id": honey.pk, f"row-{honey.pk}-name": "Miels"}).status_code == 302
    assert client.post(page, {"action": "move", "id": honey.pk, "direction": "up"}).status_code == 302
    assert [c.name for c in Category.objects.filter(club=world.club).order_by("position", "name")] == [
        "Fromages", "Miels", "Œufs"]
    assert client.post(page, {"action": "delete", "id": honey.pk}).status_code == 302
    assert not Category.objects.filter(pk=honey.pk).exists()
    # one with products stays; the installation's is not the club's to rename
    Product.objects.filter(pk=world.carrots.pk).update(category=own[0])
    client.post(page, {"action": "delete", "id": own[0].pk}, follow=True)
    assert Category.objects.filter(pk=own[0].pk).exists()
    response = client.post(page, {"action": "rename", "id": world.lait.pk, f"row-{world.lait.pk}-name": "Laitages"})
    assert response.status_code == 400
    assert Category.objects.get(pk=world.lait.pk).name == "Lait"


def test_a_club_never_sees_another_clubs_categories_or_labels(world, login):
    other = neighbour(world)
    Category.objects.create(club=world.club, name="Fromages", position=7)
    client = login(world.coordinator)
    pages = [url("categories-manage", world.club.pk), url("labels-manage", world.club.pk),
             url("product-create", world.farm.pk), url("product-manage", world.carrots.pk),
             url("producer-edit", world.farm.pk), url("producer-create", world.club.pk),
             url("directory", world.club.slug)]
    for page in pages:
        body = text(client.get(page))
        assert other["category"].name not in body and other["label"].name not in body, page
    categories = text(client.get(pages[0]))
    assert "Fromages" in categories and "Lait" in categories
    choices = dict(client.get(pages[2]).context["form"].fields["category"].choices)
    assert other["category"].pk not in choices and world.lait.pk in choices
    # and the other club's coordinator sees its own, not this club's
    Label.objects.create(club=world.club, name="Charte du Pays de Test")
    theirs = Client()
    theirs.force_login(other["coordinator"])
    body = text(theirs.get(url("categories-manage", other["club"].pk)))
    assert other["category"].name in body and "Fromages" not in body
    assert "Charte du Pays de Test" not in text(theirs.get(url("labels-manage", other["club"].pk)))


def test_a_category_or_label_of_another_club_cannot_be_changed_by_id(world, login):
    other = neighbour(world)
    client = login(world.coordinator)
    client.post(url("categories-manage", world.club.pk), {
        "action": "rename", "id": other["category"].pk, f"row-{other['category'].pk}-name": "Pris"})
    client.post(url("categories-manage", world.club.pk), {"action": "delete", "id": other["category"].pk})
    client.post(url("labels-manage", world.club.pk), {"action": "delete", "id": other["label"].pk})
    assert Category.objects.get(pk=other["category"].pk).name == "Beurres de baratte"
    assert Label.objects.filter(pk=other["label"].pk).exists()
    with pytest.raises(ActionError):
        services.save_producer(club=world.club, producer_id=world.farm.pk, values={}, label_ids=[other["label"].pk])


def test_an_import_makes_its_new_categories_in_the_producers_club(world):
    other = neighbour(world)
    data = "reference;name;category;unit;unit_price\nB1;Beurre;Beurres de baratte;piece;3,50\nL1;Lait ribot;Lait;l;1,80\n"
    services.apply_import(world.farm, data.encode(), "catalogue.csv")
    butter = Product.objects.get(producer=world.farm, reference="B1")
    assert butter.category.club == world.club and butter.category != other["category"]
    assert Product.objects.get(producer=world.farm, reference="L1").category == world.lait  # the installation's


def test_a_product_in_another_clubs_category_fails_the_models_check(world):
    other = neighbour(world)
    product = Product(producer=world.farm, category=other["category"], name="X", unit=Unit.PIECE, unit_price=D(1))
    with pytest.raises(Exception, match="catégorie"):
        product.full_clean()


# --- labels, charter, containers --------------------------------------------------------------------------------


def test_labels_are_added_renamed_and_removed_when_unused(world, login):
    client = login(world.coordinator)
    page = url("labels-manage", world.club.pk)
    assert client.post(page, {"action": "add", "new-name": "Nature & Progrès"}).status_code == 302
    label = Label.objects.get(club=world.club)
    assert client.post(page, {"action": "rename", "id": label.pk, f"row-{label.pk}-name": "Nature et Progrès"}).status_code == 302
    world.farm.labels.add(label)
    client.post(page, {"action": "delete", "id": label.pk})
    assert Label.objects.get(pk=label.pk).name == "Nature et Progrès"
    world.farm.labels.clear()
    client.post(page, {"action": "delete", "id": label.pk})
    assert not Label.objects.filter(pk=label.pk).exists()


def test_the_charter_is_added_reworded_reordered_and_kept_where_visits_checked_it(world, login):
    client = login(world.coordinator)
    page = url("charter-manage", world.club.pk)
    for text_ in ("Pas de pesticides", "Des haies", "Un revenu juste"):
        assert client.post(page, {"action": "add", "new-text": text_}).status_code == 302
    points = list(CharterPoint.objects.filter(club=world.club).order_by("position", "pk"))
    assert client.post(page, {"action": "move", "id": points[2].pk, "direction": "up"}).status_code == 302
    assert client.post(page, {"action": "move", "id": points[2].pk, "direction": "up"}).status_code == 302
    assert list(CharterPoint.objects.filter(club=world.club).order_by("position", "pk").values_list("text", flat=True)) == [
        "Un revenu juste", "Pas de pesticides", "Des haies"]
    assert client.post(page, {"action": "rename", "id": points[1].pk, f"row-{points[1].pk}-text": "Des haies vives"}).status_code == 302
    visit = CertificationVisit.objects.create(producer=world.farm, visited_on=timezone.localdate(), decision="approved",
                                              recorded_at=NOW())
    VisitCheck.objects.create(visit=visit, point=points[0], satisfied=True)
    client.post(page, {"action": "delete", "id": points[0].pk})
    assert CharterPoint.objects.filter(pk=points[0].pk).exists()
    client.post(page, {"action": "delete", "id": points[1].pk})
    assert not CharterPoint.objects.filter(pk=points[1].pk).exists()
    assert client.post(page, {"action": "move", "id": points[0].pk, "direction": "sideways"}).status_code == 404


def test_containers_are_added_and_changed(world, login):
    client = login(world.coordinator)
    page = url("containers-manage", world.club.pk)
    response = client.post(page, {"new-name": "Pot de yaourt", "new-deposit": "0,50", "new-producer": world.farm.pk})
    assert response.status_code == 302
    jar = Container.objects.get(club=world.club)
    assert jar.deposit == D("0.50") and jar.producer == world.farm
    assert client.post(page, {"id": jar.pk, f"row-{jar.pk}-name": "Pot", f"row-{jar.pk}-deposit": "0"}).status_code == 400
    assert client.post(page, {"id": jar.pk, f"row-{jar.pk}-name": "Pot", f"row-{jar.pk}-deposit": "0,60"}).status_code == 302
    jar.refresh_from_db()
    assert (jar.name, jar.deposit, jar.producer) == ("Pot", D("0.60"), None)


# --- producers and their logins ---------------------------------------------------------------------------------


def test_a_producer_is_added_with_its_labels_and_referent(world, login):
    label = Label.objects.create(club=world.club, name="Agriculture biologique")
    client = login(world.coordinator)
    response = client.post(url("producer-create", world.club.pk), {
        "name": "Rucher des Landes", "kind": "farm", "address": "Lieu-dit Kerbriand", "latitude": "48,05",
        "longitude": "-1,72", "email": "rucher@example.org", "charter_signed_on": "2026-03-01", "labels": [label.pk],
        "referent": world.member_b1.pk, "distributes_itself": "on"})
    assert response.status_code == 302
    producer = Producer.objects.get(name="Rucher des Landes")
    assert producer.club == world.club and producer.latitude == D("48.05") and producer.distributes_itself
    assert list(producer.labels.all()) == [label] and producer.referent == world.member_b1
    assert response["Location"] == url("producer-manage", producer.pk)
    again = client.post(url("producer-create", world.club.pk), {"name": "rucher des landes", "kind": "farm"})
    assert again.status_code == 400


def test_the_referent_is_a_member_of_the_club(world, login):
    other = neighbour(world)
    stranger = world.user("loin@example.org", other["household"])
    response = login(world.coordinator).post(url("producer-edit", world.farm.pk), {
        "name": "Ferme de la Prée", "kind": "farm", "referent": stranger.pk})
    assert response.status_code == 400  # not among the choices
    with pytest.raises(ActionError):
        services.save_producer(club=world.club, producer_id=world.farm.pk, values={"referent": stranger.pk})
    assert Producer.objects.get(pk=world.farm.pk).referent is None


def test_a_producers_login_is_invited_chooses_a_password_and_is_removed(world, login, client, run_tasks):
    coordinator = login(world.coordinator)
    page = url("producer-manage", world.farm.pk)
    response = coordinator.post(page, {"invite-email": "Yann@Example.org", "invite-first_name": "Yann"})
    assert response.status_code == 302
    user = User.objects.get(email="yann@example.org")
    account = ProducerAccount.objects.get(user=user)
    assert account.producer == world.farm and not user.has_usable_password() and user.household is None
    assert run_tasks() == 1
    message = mail.outbox[-1]
    assert message.to == ["yann@example.org"] and world.farm.name in message.subject
    link = next(line for line in message.body.splitlines() if "/mot-de-passe/" in line)
    assert "invited, no password yet" in text(coordinator.get(page)) or "pas encore de mot de passe" in text(coordinator.get(page))
    # the invitation again
    assert coordinator.post(url("producer-login", world.farm.pk, account.pk), {"action": "resend"}).status_code == 302
    assert run_tasks() == 1
    person = Client()
    form = person.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert "new_password1" in text(form)
    person.post(form.redirect_chain[-1][0], {"new_password1": "un-nouveau-mot-2026", "new_password2": "un-nouveau-mot-2026"})
    assert person.login(username="yann@example.org", password="un-nouveau-mot-2026")
    assert person.get(url("producer-home")).status_code == 200
    # removed: it can no longer log in
    assert coordinator.post(url("producer-login", world.farm.pk, account.pk), {"action": "remove"}).status_code == 302
    user.refresh_from_db()
    assert not ProducerAccount.objects.filter(pk=account.pk).exists() and not user.is_active
    assert not Client().login(username="yann@example.org", password="un-nouveau-mot-2026")
    # invited again later: the same account, active again, a new password to choose
    assert coordinator.post(page, {"invite-email": "yann@example.org"}).status_code == 302
    user.refresh_from_db()
    assert user.is_active and ProducerAccount.objects.get(user=user).producer == world.farm


def test_a_member_of_the_club_keeps_their_login_and_password(world, login, run_tasks):
    response = login(world.coordinator).post(url("producer-manage", world.bakery.pk), {"invite-email": "b1@example.org"})
    assert response.status_code == 302
    assert ProducerAccount.objects.get(user=world.member_b1).producer == world.bakery
    run_tasks()
    assert "/mot-de-passe/" not in mail.outbox[-1].body
    # removing the login leaves the member's account as it was
    account = ProducerAccount.objects.get(user=world.member_b1)
    services.remove_producer_login(producer=world.bakery, account_id=account.pk)
    world.member_b1.refresh_from_db()
    assert world.member_b1.is_active and world.member_b1.has_usable_password()


@pytest.mark.parametrize("email", ["voisin@example.org", "efface-3@cabas.invalid", "pas-une-adresse"])
def test_an_address_used_elsewhere_is_refused(world, login, email):
    neighbour(world)
    User.objects.create_superuser(email="root@example.org", password="x")
    response = login(world.coordinator).post(url("producer-manage", world.farm.pk), {"invite-email": email})
    assert response.status_code == 400
    assert not ProducerAccount.objects.exists()


def test_the_superusers_account_cannot_be_taken(world, login):
    User.objects.create_superuser(email="root@example.org", password="x")
    response = login(world.coordinator).post(url("producer-manage", world.farm.pk), {"invite-email": "root@example.org"})
    assert response.status_code == 400 and not ProducerAccount.objects.exists()


def test_a_login_of_another_producer_is_not_removed_by_id(world, login):
    other = neighbour(world)
    account = ProducerAccount.objects.create(user=world.user("ferme@example.org", None), producer=other["producer"])
    response = login(world.coordinator).post(url("producer-login", world.farm.pk, account.pk), {"action": "remove"})
    assert response.status_code == 302
    assert ProducerAccount.objects.filter(pk=account.pk).exists()


# --- the queries of each page ------------------------------------------------------------------------------------


def grow(world, n):
    """n producers (the farm among them) with a product, a login and a label each; n categories, labels, charter
    commitments and containers; n prices in the carrots' history."""
    club = world.club
    for i in range(n - 2):
        producer = Producer.objects.create(club=club, name=f"Ferme {i}", referent=world.member_a1)
        Product.objects.create(producer=producer, category=world.legumes, name=f"Produit {i}", unit=Unit.PIECE,
                               unit_price=D(1))
    for i in range(n):
        category = Category.objects.create(club=club, name=f"Rayon {i}", position=i)
        Product.objects.create(producer=world.farm, category=category, name=f"Article {i}", unit=Unit.KILOGRAM,
                               unit_price=D(2))
        label = Label.objects.create(club=club, name=f"Label {i}")
        world.farm.labels.add(label)
        CharterPoint.objects.create(club=club, text=f"Engagement {i}", position=i)
        Container.objects.create(club=club, name=f"Bocal {i}", deposit=D("0.50"), producer=world.farm)
        ProducerAccount.objects.create(user=world.user(f"compte{i}@example.org", None), producer=world.farm)
        PriceChange.objects.create(product=world.carrots, unit_price=D(2) + i, since=NOW() - datetime.timedelta(days=n - i))
        world.user(f"membre{i}@example.org", world.household_b2)  # referent choices


PAGES = {
    "catalogue-manage": lambda w: url("catalogue-manage", w.club.pk),
    "producer-manage": lambda w: url("producer-manage", w.farm.pk),
    "producer-edit": lambda w: url("producer-edit", w.farm.pk),
    "product-create": lambda w: url("product-create", w.farm.pk),
    "product-manage": lambda w: url("product-manage", w.carrots.pk),
    "categories-manage": lambda w: url("categories-manage", w.club.pk),
    "labels-manage": lambda w: url("labels-manage", w.club.pk),
    "charter-manage": lambda w: url("charter-manage", w.club.pk),
    "containers-manage": lambda w: url("containers-manage", w.club.pk),
}
# the session, the user, its roles and referred producers (one query), then each page's own: the club or the
# producer (or the product, with its producer and club), and one query per list shown or choice offered
EXPECTED = {"catalogue-manage": 5, "producer-manage": 6, "producer-edit": 7, "product-create": 6, "product-manage": 8,
            "categories-manage": 5, "labels-manage": 5, "charter-manage": 6, "containers-manage": 6}


@pytest.mark.parametrize("rows", [2, 10])
def test_each_page_costs_the_same_queries_for_2_and_10_rows(world, login, django_assert_num_queries, rows):
    grow(world, rows)
    client = login(world.coordinator)
    for name, page in PAGES.items():
        with django_assert_num_queries(EXPECTED[name]):
            assert client.get(page(world)).status_code == 200, name


# --- the migration: each club its own categories and labels -----------------------------------------------------

BEFORE = [("catalog", "0011_planned_farm_visits")]
AFTER = [("catalog", "0014_club_categories_and_labels_unique")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_club_its_own_categories_and_labels():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        _check_the_category_migration()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _check_the_category_migration():
    executor = MigrationExecutor(connection)
    old = executor.loader.project_state(BEFORE + [n for n in executor.loader.applied_migrations
                                                  if n[0] != "catalog"]).apps
    Club, Producer, Category, Product, Label = (
        old.get_model(app, name) for app, name in (("members", "Club"), ("catalog", "Producer"), ("catalog", "Category"),
                                                   ("catalog", "Product"), ("catalog", "Label")))
    OrderCycle, Offer = old.get_model("ordering", "OrderCycle"), old.get_model("ordering", "Offer")
    Chilled = old.get_model("logistics", "ChilledCategory")
    one, two = Club.objects.create(name="Un", slug="un"), Club.objects.create(name="Deux", slug="deux")
    milk, bread, unused = (Category.objects.create(name=n, position=i) for i, n in enumerate(["Lait", "Pain", "Miel"]))
    organic, unused_label = Label.objects.create(name="AB"), Label.objects.create(name="AOP")
    farms = {club.pk: Producer.objects.create(club=club, name=f"Ferme {club.name}") for club in (one, two)}
    for farm in farms.values():
        farm.labels.add(organic)
    products = {club_id: Product.objects.create(producer=farm, category=milk, name="Lait", unit="l", unit_price=D(1),
                                                order_step=D(1)) for club_id, farm in farms.items()}
    Product.objects.create(producer=farms[one.pk], category=bread, name="Pain", unit="piece", unit_price=D(2),
                           order_step=D(1))
    now = timezone.now()
    cycle = OrderCycle.objects.create(club=two, name="S1", opens_at=now, closes_at=now + datetime.timedelta(days=1))
    offer = Offer.objects.create(cycle=cycle, product=products[two.pk], producer=farms[two.pk], category=milk, name="Lait",
                                 unit="l", unit_price=D(1), vat_rate=D("5.5"))
    chilled = Chilled.objects.create(club=two, category=milk)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER + [n for n in executor.loader.applied_migrations
                                                 if n[0] != "catalog"]).apps
    NewCategory, NewProduct, NewLabel = (new.get_model("catalog", n) for n in ("Category", "Product", "Label"))
    NewOffer, NewChilled, NewProducer = (new.get_model("ordering", "Offer"), new.get_model("logistics", "ChilledCategory"),
                                         new.get_model("catalog", "Producer"))
    assert sorted(NewCategory.objects.values_list("name", "club_id")) == [
        ("Lait", one.pk), ("Lait", two.pk), ("Miel", None), ("Pain", one.pk)]
    for club_id, product in products.items():
        category = NewProduct.objects.get(pk=product.pk).category
        assert category.club_id == club_id and category.name == "Lait" and category.position == 0
    copy = NewCategory.objects.get(name="Lait", club_id=two.pk)
    assert NewOffer.objects.get(pk=offer.pk).category_id == copy.pk
    assert NewChilled.objects.get(pk=chilled.pk).category_id == copy.pk
    assert NewCategory.objects.get(pk=milk.pk).club_id == one.pk  # the first club keeps the row (and its id)
    assert NewCategory.objects.get(pk=unused.pk).club_id is None  # two clubs: the installation's
    assert sorted(NewLabel.objects.values_list("name", "club_id")) == [("AB", one.pk), ("AB", two.pk), ("AOP", None)]
    for club_id, farm in farms.items():
        assert [(label.name, label.club_id) for label in NewProducer.objects.get(pk=farm.pk).labels.all()] == [
            ("AB", club_id)]
    # and back: one category per name again
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE + [n for n in executor.loader.applied_migrations
                                                   if n[0] != "catalog"]).apps
    assert sorted(back.get_model("catalog", "Category").objects.values_list("name", flat=True)) == ["Lait", "Miel", "Pain"]
    assert back.get_model("ordering", "Offer").objects.get(pk=offer.pk).category_id == milk.pk


# --- the pure rules -------------------------------------------------------------------------------------------


@given(st.lists(st.integers(min_value=0, max_value=40000), min_size=1, max_size=12), st.data())
def test_a_moved_row_lands_where_asked_and_the_others_keep_their_order(positions, data):
    ids = list(range(1, len(positions) + 1))
    rows = list(zip(ids, positions))
    item = data.draw(st.sampled_from(ids))
    offset = data.draw(st.sampled_from([-1, 1]))
    changes = rules.new_positions(rows, item, offset)
    after = {row_id: changes.get(row_id, position) for row_id, position in rows}
    order = sorted(ids, key=lambda row_id: (after[row_id], ids.index(row_id)))
    assert order == rules.moved(ids, item, offset)
    assert len(set(after.values())) == len(ids)  # strictly ordered: no tie left to the names
    assert all(0 <= value <= rules.MAX_POSITION for value in after.values())
    assert [row_id for row_id in order if row_id != item] == [row_id for row_id in ids if row_id != item]


def test_the_first_row_does_not_move_up():
    assert rules.moved([1, 2, 3], 1, -1) == [1, 2, 3] and rules.moved([1, 2, 3], 3, 1) == [1, 2, 3]
    assert rules.new_positions([(1, 5), (2, 5), (3, 5)], 1, -1) == {2: 6, 3: 7}  # ties made strict


@given(st.decimals(min_value=D("-5"), max_value=D("1000"), places=3, allow_nan=False),
       st.integers(min_value=-3000, max_value=3000))
def test_the_price_rules(price, minutes):
    now = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)
    since = now + datetime.timedelta(minutes=minutes)
    last = now - datetime.timedelta(days=1)
    problem = rules.price_change_problem(price=price, current=D("2.10"), since=since, now=now, last_since=last)
    expected = ("negative" if price < 0 else "cents" if price != price.quantize(D("0.01")) else
                "same" if price == D("2.10") else "future" if since > now + rules.CLOCK_SLACK else
                "before_last" if since < last else None)
    assert (problem.code if problem else None) == expected
