"""The reads every request makes, in plain statements (cabas.core.rows): the session (cabas.core.sessions) and the
user with their household and group (members.backends.EmailBackend) keep the ORM's values and Django's rules."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cabas.core.sessions import SessionStore
from cabas.members.backends import EmailBackend, user_with_household
from cabas.members.models import User


@pytest.mark.django_db
def test_the_user_comes_with_household_and_group_as_the_orm_reads_them(world):
    orm = User.objects.select_related("household__group").get(pk=world.member_a1.pk)
    with CaptureQueriesContext(connection) as queries:
        user = user_with_household(str(world.member_a1.pk))  # a session holds the id as text
        household, group = user.household, user.household.group
    assert len(queries) == 1
    for field in User._meta.concrete_fields:
        assert getattr(user, field.attname) == getattr(orm, field.attname), field.name
    assert (household.pk, household.name, household.left_on, household.created_at) == (
        orm.household.pk, orm.household.name, orm.household.left_on, orm.household.created_at)
    assert (group.pk, group.club_id, group.name) == (orm.household.group.pk, orm.household.group.club_id, orm.household.group.name)
    assert user._state.adding is False and user._state.db == "default"


@pytest.mark.django_db
def test_a_user_without_household_an_unknown_one_and_an_inactive_one(world):
    staff = User.objects.create_user(email="staff@example.org", password="x" * 12)
    user = user_with_household(staff.pk)
    assert user == staff and user.household is None
    assert user_with_household(10**12) is None
    backend = EmailBackend()
    assert backend.get_user("not an id") is None
    User.objects.filter(pk=staff.pk).update(is_active=False)
    assert backend.get_user(staff.pk) is None


@pytest.mark.django_db
def test_sessions_keep_djangos_rules(world):
    client = Client()
    client.force_login(world.member_a1)
    assert client.get("/api/me").status_code == 200
    key = client.cookies["sessionid"].value
    store = SessionStore(key)
    assert store.load()["_auth_user_id"] == str(world.member_a1.pk)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/api/me").status_code == 401  # expired: no session
    assert SessionStore(key).load() == {}
    client.force_login(world.member_a1)
    cookie = client.cookies["sessionid"].value
    client.logout()
    stale = Client()
    stale.cookies["sessionid"] = cookie
    assert stale.get("/api/me").status_code == 401  # logged out: the session is gone for every worker
    stale.cookies["sessionid"] = "x" * 32
    assert stale.get("/api/me").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("prepared", [True, False])
def test_plain_statements_are_prepared_once_per_connection_on_postgresql(world, settings, prepared):
    """On PostgreSQL the plain statements are bound on the server and prepared on their first run (the next runs send
    only their parameters); CABAS_PREPARED_STATEMENTS=0 (a transaction pooler) sends them unprepared. Either way
    the values are the same and each statement is logged and counted with its text."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL only (SQLite runs them as any other query)")
    settings.CABAS_PREPARED_STATEMENTS = prepared
    connection.ensure_connection()
    connection.connection._prepared.clear()
    with CaptureQueriesContext(connection) as queries:
        first = user_with_household(world.member_a1.pk)
        again = user_with_household(world.member_a1.pk)
    assert (first.pk, first.household.pk, first.household.group.club_id) == (
        again.pk, again.household.pk, again.household.group.club_id) == (
        world.member_a1.pk, world.household_a1.pk, world.household_a1.group.club_id)
    assert len(queries) == 2 and all(q["sql"].startswith("SELECT ") for q in queries.captured_queries)
    assert bool(connection.connection._prepared._names) is prepared
