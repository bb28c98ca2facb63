"""The back office with two clubs: a club coordinator who is staff sees and edits only their club's objects,
never a password, a role, an account that carries rights, nor anything of the neighbouring club."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group as PermissionGroup
from django.contrib.auth.models import Permission
from django.urls import reverse

from cabas.catalog.models import Product
from cabas.members.models import Household, Role, RoleKind, User

CABAS_APPS = ["members", "catalog", "ordering", "contracts", "participation", "finance", "logistics", "auth"]


def make_staff(user, name="Coordination"):
    """Staff with every model permission of the apps: only the club scope holds them back."""
    user.is_staff = True
    user.save()
    group, _created = PermissionGroup.objects.get_or_create(name=name)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=CABAS_APPS))
    user.groups.add(group)
    return user


@pytest.fixture
def two_clubs(world):
    club_b, group_b, household_b, producer_b, product_b = world.other_club()
    member_b = world.user("kerjean@example.org", household_b)
    coordinator_b = world.user("voisin@example.org", None)
    Role.objects.create(user=coordinator_b, kind=RoleKind.CLUB_COORDINATOR, club=club_b)
    make_staff(world.coordinator)
    make_staff(coordinator_b)
    return {"club": club_b, "group": group_b, "household": household_b, "producer": producer_b, "product": product_b,
            "member": member_b, "coordinator": coordinator_b}


def url(name, *args):
    return reverse(f"admin:{name}", args=args)


# --- passwords -------------------------------------------------------------------------------------------


def test_a_coordinator_cannot_open_or_post_anyones_password_form(world, two_clubs, client):
    client.force_login(world.coordinator)
    for user in (world.member_a1, two_clubs["member"], world.coordinator):
        password_url = url("auth_user_password_change", user.pk)
        assert client.get(password_url).status_code in (403, 404)
        response = client.post(password_url, {"password1": "pris-en-otage-42", "password2": "pris-en-otage-42",
                                               "usable_password": "true"})
        assert response.status_code in (403, 404)
        user.refresh_from_db()
        assert user.check_password(world.password)


def test_a_coordinator_sees_no_password_field_nor_link(world, two_clubs, client):
    client.force_login(world.coordinator)
    page = client.get(url("members_user_change", world.member_a1.pk))
    assert page.status_code == 200
    assert b"password/" not in page.content and b'name="password"' not in page.content


def test_a_superuser_still_sets_a_password(world, two_clubs, client):
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))
    password_url = url("auth_user_password_change", two_clubs["member"].pk)
    assert client.get(password_url).status_code == 200
    response = client.post(password_url, {"password1": "Nouveau-mot-2026", "password2": "Nouveau-mot-2026",
                                          "usable_password": "true"})
    assert response.status_code == 302
    two_clubs["member"].refresh_from_db()
    assert two_clubs["member"].check_password("Nouveau-mot-2026")


# --- the other club's objects ---------------------------------------------------------------------------


@pytest.mark.parametrize("changelist, own, other", [
    ("members_user_changelist", "a1@example.org", "kerjean@example.org"),
    ("members_household_changelist", "Foyer Le Goff", "Foyer Kerjean"),
    ("members_group_changelist", "GAC de Rennes", "GAC de Brest"),
    ("members_club_changelist", "Club du Pays de Test", "Club voisin"),
    ("catalog_producer_changelist", "Ferme de la Pr", "Ferme du Bout du Monde"),
    ("catalog_product_changelist", "Lait cru", "Beurre"),
])
def test_a_changelist_lists_only_the_coordinators_club(world, two_clubs, client, changelist, own, other):
    client.force_login(world.coordinator)
    page = client.get(url(changelist)).content.decode()
    assert own in page and other not in page


def test_the_other_clubs_objects_are_hidden(world, two_clubs, client):
    client.force_login(world.coordinator)
    for name, obj in (("members_user_change", two_clubs["member"]), ("members_household_change", two_clubs["household"]),
                      ("members_group_change", two_clubs["group"]), ("members_club_change", two_clubs["club"]),
                      ("members_depot_change", two_clubs["group"].depot),
                      ("catalog_producer_change", two_clubs["producer"]), ("catalog_product_change", two_clubs["product"]),
                      ("members_user_delete", two_clubs["member"]), ("catalog_product_history", two_clubs["product"])):
        assert client.get(url(name, obj.pk)).status_code == 404, name


def test_posting_to_the_other_clubs_product_changes_nothing(world, two_clubs, client):
    client.force_login(world.coordinator)
    product = two_clubs["product"]
    response = client.post(url("catalog_product_change", product.pk), {
        "producer": product.producer_id, "category": product.category_id, "name": "Beurre", "unit": product.unit,
        "unit_price": "0.01", "vat_rate": "5.5", "pack_size": "1", "order_step": "1", "is_active": "on",
    })
    assert response.status_code == 404
    product.refresh_from_db()
    assert product.unit_price == Decimal("3.00")


def test_posting_to_the_other_clubs_user_changes_nothing(world, two_clubs, client):
    client.force_login(world.coordinator)
    member = two_clubs["member"]
    response = client.post(url("members_user_change", member.pk), {
        "email": "moi@example.org", "first_name": "x", "last_name": "y", "household": world.household_a1.pk,
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
    })
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.email == "kerjean@example.org" and member.household_id == two_clubs["household"].pk


def test_a_member_cannot_be_moved_into_the_other_clubs_household(world, two_clubs, client):
    client.force_login(world.coordinator)
    response = client.post(url("members_user_change", world.member_a1.pk), {
        "email": "a1@example.org", "first_name": "a1", "last_name": "", "household": two_clubs["household"].pk,
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
    })
    assert response.status_code == 200  # the form again, with an error
    assert response.context["adminform"].form.errors["household"]
    assert User.objects.get(pk=world.member_a1.pk).household_id == world.household_a1.pk


def test_a_household_cannot_be_moved_into_the_other_clubs_group(world, two_clubs, client):
    client.force_login(world.coordinator)
    response = client.post(url("members_household_change", world.household_a1.pk), {
        "name": "Foyer Le Goff", "group": two_clubs["group"].pk, "created_at_0": "2026-01-01", "created_at_1": "10:00:00",
        "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["group"]
    assert Household.objects.get(pk=world.household_a1.pk).group_id == world.group_a.pk


def choices(response, field):
    return {value for value, _label in response.context["adminform"].form.fields[field].choices if value != ""}


def test_foreign_key_choices_hold_only_the_coordinators_club(world, two_clubs, client):
    client.force_login(world.coordinator)
    household_form = client.get(url("members_household_add"))
    assert {int(str(v)) for v in choices(household_form, "group")} == {world.group_a.pk, world.group_b.pk}
    product_form = client.get(url("catalog_product_add"))
    assert {int(str(v)) for v in choices(product_form, "producer")} == {world.farm.pk, world.bakery.pk}
    assert len(choices(product_form, "category")) == 3  # categories are shared by every club
    producer_form = client.get(url("catalog_producer_add"))
    assert {int(str(v)) for v in choices(producer_form, "club")} == {world.club.pk}
    user_form = client.get(url("members_user_change", world.member_a1.pk))
    queryset = user_form.context["adminform"].form.fields["household"].queryset
    assert two_clubs["household"].pk not in set(queryset.values_list("pk", flat=True))
    assert world.household_a1.pk in set(queryset.values_list("pk", flat=True))


def test_the_household_autocomplete_offers_only_the_coordinators_club(world, two_clubs, client):
    client.force_login(world.coordinator)
    response = client.get(reverse("admin:autocomplete"), {"term": "Foyer", "app_label": "members", "model_name": "user",
                                                           "field_name": "household"})
    names = {row["text"] for row in response.json()["results"]}
    assert "Foyer Kerjean" not in names and "Foyer Le Goff" in names


# --- rights ----------------------------------------------------------------------------------------------


def test_roles_and_permission_groups_are_the_superusers(world, two_clubs, client):
    client.force_login(world.coordinator)
    page = client.get(url("members_user_change", world.member_a1.pk)).content.decode()
    assert "roles-TOTAL_FORMS" not in page
    assert client.get(url("auth_group_changelist")).status_code == 403
    assert client.get(url("auth_group_add")).status_code == 403


def test_accounts_that_carry_rights_are_hidden_from_a_coordinator(world, two_clubs, client):
    client.force_login(world.coordinator)
    # a group coordinator of the coordinator's own club: their e-mail would let anyone reset their password
    assert client.get(url("members_user_change", world.group_coordinator_a.pk)).status_code == 404
    assert client.get(url("members_user_change", two_clubs["coordinator"].pk)).status_code == 404
    household_page = client.get(url("members_household_change", world.household_a2.pk)).content.decode()
    assert "a2@example.org" in household_page and "coord-a@example.org" not in household_page


def test_shared_vocabulary_is_read_not_edited_by_a_coordinator(world, two_clubs, client):
    client.force_login(world.coordinator)
    assert client.get(url("catalog_category_changelist")).status_code == 200
    assert client.get(url("catalog_category_add")).status_code == 403
    client.post(url("catalog_category_change", world.lait.pk), {"name": "Lait renommé", "position": "1"})
    world.lait.refresh_from_db()
    assert world.lait.name == "Lait"


def test_a_superuser_sees_both_clubs(world, two_clubs, client):
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))
    page = client.get(url("catalog_product_changelist")).content.decode()
    assert "Lait cru" in page and "Beurre" in page
    assert client.get(url("catalog_product_change", two_clubs["product"].pk)).status_code == 200


# --- every admin declares its scope ----------------------------------------------------------------------


def test_every_registered_admin_declares_its_club_scope():
    from cabas.members.admin_scope import UNDECLARED, ClubScopedInlineMixin, ClubScopeMixin

    undeclared = [f"{model._meta.label}: {type(model_admin).__name__}" for model, model_admin in admin.site._registry.items()
                  if not isinstance(model_admin, ClubScopeMixin) or model_admin.club_path is UNDECLARED]
    assert undeclared == []
    unscoped_inlines = [f"{type(model_admin).__name__}.{inline.__name__}" for model_admin in admin.site._registry.values()
                        for inline in model_admin.inlines if not issubclass(inline, ClubScopedInlineMixin)]
    assert unscoped_inlines == []


def test_every_club_path_is_a_lookup_to_a_club():
    from django.contrib.admin.utils import get_fields_from_path

    from cabas.members.admin_scope import SHARED, SUPERUSERS_ONLY
    from cabas.members.models import Club

    for model, model_admin in admin.site._registry.items():
        path = model_admin.club_path
        if path in (SHARED, SUPERUSERS_ONLY):
            continue
        if path == "pk":
            assert model is Club
            continue
        assert get_fields_from_path(model, path)[-1].related_model is Club, model


def test_product_prices_stay_with_the_superuser(world, two_clubs, client):
    """The neighbouring club's coordinator cannot set this club's price to one cent through the admin."""
    client.force_login(two_clubs["coordinator"])
    client.post(url("catalog_product_change", world.milk.pk), {
        "producer": world.farm.pk, "category": world.lait.pk, "name": "Lait cru", "unit": world.milk.unit,
        "unit_price": "0.01", "vat_rate": "5.5", "pack_size": "1", "order_step": "1", "is_active": "on",
    })
    assert Product.objects.get(pk=world.milk.pk).unit_price == Decimal("1.30")


def test_every_admin_page_answers_for_a_coordinator_and_a_superuser(world, two_clubs, client):
    """Each changelist (with its filters) and add form renders, or is refused, for both; none fails."""
    root = User.objects.create_superuser(email="root@example.org", password="x")
    for user, allowed in ((world.coordinator, {200, 403}), (root, {200, 403})):
        client.force_login(user)
        for model, model_admin in admin.site._registry.items():
            info = (model._meta.app_label, model._meta.model_name)
            assert client.get(reverse("admin:%s_%s_changelist" % info)).status_code in allowed, (user, info)
            assert client.get(reverse("admin:%s_%s_add" % info)).status_code in allowed, (user, info)


def test_a_coordinator_cannot_redirect_a_members_password_reset_to_themselves(world, two_clubs, client):
    """Changing someone's e-mail address, then asking for a password reset, would change their password."""
    client.force_login(world.coordinator)
    response = client.post(url("members_user_change", world.member_a1.pk), {
        "email": "coord+prise@example.org", "first_name": "Anne", "last_name": "", "household": world.household_a1.pk,
        "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
    })
    assert response.status_code == 302
    member = User.objects.get(pk=world.member_a1.pk)
    assert member.email == "a1@example.org" and member.first_name == "Anne"
