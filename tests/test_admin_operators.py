"""The Django admin is for the installation's operators (superusers): every model it exposes is refused to a club
coordinator — even one marked staff with every model permission — and to members; a superuser opens each."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from cabas.members.models import User


def admin_pages() -> list[tuple[str, str]]:
    """(model label, URL) of every list, add form (where operators may add) and change form of every model the
    admin exposes."""
    operator = RequestFactory().get("/admin/")
    operator.user = User(is_superuser=True, is_staff=True, is_active=True)
    pages = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        views = ["changelist"] + (["add"] if model_admin.has_add_permission(operator) else [])
        for view in views:
            try:
                pages.append((opts.label, reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}")))
            except NoReverseMatch:  # an admin may leave out a view
                pass
        obj = model._default_manager.first()
        if obj is not None:
            pages.append((opts.label, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])))
    return pages


def make_staff(person):
    """A coordinator as an older installation had them: staff, with every permission of every model."""
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    person.user_permissions.set(Permission.objects.all())
    return User.objects.get(pk=person.pk)


@pytest.fixture
def staff_coordinator(world):
    return make_staff(world.coordinator)


def test_the_admin_exposes_models_and_a_superuser_opens_every_page(world, client):
    world.open_cycle()
    pages = admin_pages()
    assert len({label for label, _url in pages}) >= 30
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))
    for label, url in pages:
        assert client.get(url).status_code == 200, (label, url)


def test_a_club_coordinator_cannot_open_any_admin_page(world, client, staff_coordinator):
    world.open_cycle()
    client.force_login(staff_coordinator)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 302 and reverse("admin:login") in index.url
    for label, url in admin_pages():
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"], (label, url)
        response = client.post(url, {"name": "pris"})
        assert response.status_code == 302 and reverse("admin:login") in response["Location"], (label, url)


def test_a_member_and_a_group_coordinator_are_refused_too(world, client):
    for person in (world.member_a1, world.group_coordinator_a):
        client.force_login(person)
        response = client.get(reverse("admin:members_household_changelist"))
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_the_menu_offers_the_admin_to_superusers_only(world, client, staff_coordinator):
    client.force_login(staff_coordinator)
    assert reverse("admin:index") not in client.get(reverse("cycle-list")).content.decode()
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))
    assert reverse("admin:index") in client.get(reverse("cycle-list")).content.decode()


def test_a_superuser_sets_a_members_password(world, client):
    client.force_login(User.objects.create_superuser(email="root@example.org", password="x"))
    password_url = reverse("admin:auth_user_password_change", args=[world.member_a1.pk])
    response = client.post(password_url, {"password1": "Nouveau-mot-2026", "password2": "Nouveau-mot-2026",
                                          "usable_password": "true"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.member_a1.pk).check_password("Nouveau-mot-2026")
