"""The back office: club coordinators manage member accounts but never hand out rights."""

from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import Permission
from django.urls import reverse

from cabas.members.models import User


def make_staff(world):
    coordinator = world.coordinator
    coordinator.is_staff = True
    coordinator.save()
    group = AuthGroup.objects.create(name="Coordination du club")
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=["members", "catalog"]))
    coordinator.groups.add(group)
    return coordinator


def test_a_staff_coordinator_edits_a_member_but_cannot_grant_rights(world, client):
    client.force_login(make_staff(world))
    url = reverse("admin:members_user_change", args=[world.member_a1.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="is_superuser"' not in page.content and b'name="is_staff"' not in page.content
    response = client.post(url, {
        "email": "a1@example.org", "first_name": "Anne", "last_name": "Le Goff", "household": world.household_a1.pk,
        "is_active": "on", "is_superuser": "on", "is_staff": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
    })
    assert response.status_code == 302
    member = User.objects.get(pk=world.member_a1.pk)
    assert member.first_name == "Anne"
    assert not member.is_superuser and not member.is_staff


def test_a_staff_coordinator_does_not_see_superusers(world, client):
    admin = User.objects.create_superuser(email="root@example.org", password="x")
    client.force_login(make_staff(world))
    assert client.get(reverse("admin:members_user_change", args=[admin.pk])).status_code == 404  # as if it did not exist
    listing = client.get(reverse("admin:members_user_changelist"))
    assert b"root@example.org" not in listing.content


def test_login_by_email_ignores_case(world):
    from django.contrib.auth import authenticate

    assert authenticate(email="A1@Example.org", password=world.password) == world.member_a1
    assert authenticate(username=" A1@EXAMPLE.ORG ", password=world.password) == world.member_a1
