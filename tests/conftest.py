"""Shared fixtures: a small club built directly in the database, and logged-in clients."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from cabas.catalog.models import Category, Producer, Product, Unit
from cabas.members.models import Club, Depot, Group, Household, Role, RoleKind, User
from cabas.core.tasks import run_pending, uses_redis
from cabas.flows import open_cycle

PASSWORD = "un-mot-de-passe-solide"


class World:
    """A club with two groups (A, B), two households each, two producers and four products."""

    password = PASSWORD

    def __init__(self):
        self.club = Club.objects.create(name="Club du Pays de Test", slug="test")
        self.group_a = self._group("GAC de Rennes", "rennes", 1)
        self.group_b = self._group("GAC de Vitré", "vitre", 3)
        self.household_a1 = Household.objects.create(group=self.group_a, name="Foyer Le Goff")
        self.household_a2 = Household.objects.create(group=self.group_a, name="Foyer Martin")
        self.household_b1 = Household.objects.create(group=self.group_b, name="Foyer Bernard")
        self.household_b2 = Household.objects.create(group=self.group_b, name="Foyer Petit")
        self.member_a1 = self.user("a1@example.org", self.household_a1)
        self.member_a1_bis = self.user("a1bis@example.org", self.household_a1)
        self.member_a2 = self.user("a2@example.org", self.household_a2)
        self.member_b1 = self.user("b1@example.org", self.household_b1)
        self.coordinator = self.user("coord@example.org", None)
        Role.objects.create(user=self.coordinator, kind=RoleKind.CLUB_COORDINATOR, club=self.club)
        self.group_coordinator_a = self.user("coord-a@example.org", self.household_a2)
        Role.objects.create(user=self.group_coordinator_a, kind=RoleKind.GROUP_COORDINATOR, club=self.club, group=self.group_a)
        self.lait, self.pain = Category.objects.create(name="Lait", position=1), Category.objects.create(name="Pain", position=3)
        self.legumes = Category.objects.create(name="Légumes", position=5)
        self.farm = Producer.objects.create(club=self.club, name="Ferme de la Prée")
        self.bakery = Producer.objects.create(club=self.club, name="Fournil du Bourg")
        self.milk = Product.objects.create(producer=self.farm, category=self.lait, name="Lait cru", unit=Unit.LITRE,
                                           unit_price=Decimal("1.30"), vat_rate=Decimal("5.5"),
                                           order_step=Decimal("0.5"))  # poured into the members' own bottles
        # the carrots take their unit's step (0.1 kg), the bread and the brioche theirs (1)
        self.carrots = Product.objects.create(producer=self.farm, category=self.legumes, name="Carottes", unit=Unit.KILOGRAM,
                                              unit_price=Decimal("2.10"), vat_rate=Decimal("5.5"))
        self.bread = Product.objects.create(producer=self.bakery, category=self.pain, name="Pain de campagne", unit=Unit.PIECE,
                                            unit_price=Decimal("5.20"), vat_rate=Decimal("5.5"))
        self.brioche = Product.objects.create(producer=self.bakery, category=self.pain, name="Brioche", unit=Unit.PIECE,
                                              unit_price=Decimal("6.00"), vat_rate=Decimal("10"))

    def _group(self, name, slug, weekday, club=None):
        group = Group.objects.create(club=club or self.club, name=name, slug=slug)
        Depot.objects.create(group=group, name=f"Dépôt {name}", address="1 rue de la Gare", latitude=Decimal("48.1"),
                             longitude=Decimal("-1.6"), distribution_weekday=weekday,
                             slot_start=datetime.time(18), slot_end=datetime.time(19, 30))
        return group

    def other_club(self):
        """A neighbouring club with one group (and depot), one household, one producer and one product."""
        club = Club.objects.create(name="Club voisin", slug="voisin")
        group = self._group("GAC de Brest", "brest", 2, club=club)
        household = Household.objects.create(group=group, name="Foyer Kerjean")
        producer = Producer.objects.create(club=club, name="Ferme du Bout du Monde")
        product = Product.objects.create(producer=producer, category=self.lait, name="Beurre", unit=Unit.PIECE,
                                         unit_price=Decimal("3.00"), vat_rate=Decimal("5.5"))
        return club, group, household, producer, product

    def user(self, email, household):
        return User.objects.create_user(email=email, password=PASSWORD, household=household, first_name=email.split("@")[0])

    def open_cycle(self, *, opens_at=None, closes_at=None, products=None, name="Semaine 47"):
        now = timezone.now()
        opens_at = opens_at or now - datetime.timedelta(days=1)
        closes_at = closes_at or now + datetime.timedelta(days=3)
        dates = {g.pk: timezone.localdate(closes_at) + datetime.timedelta(days=2) for g in (self.group_a, self.group_b)}
        products = products or [self.milk, self.carrots, self.bread, self.brioche]
        return open_cycle(club=self.club, name=name, opens_at=opens_at, closes_at=closes_at,
                          distribution_dates=dates, product_ids=[p.pk for p in products])


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Test users need no slow hashing: the default PBKDF2 would cost over a second per World."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache (shared pooled totals) starts empty in each test: ids are reused from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


def run_on_commit_callbacks() -> int:
    """Run what waits for the test's transaction to commit (it never does: pytest-django rolls it back), as
    the commit would: tasks enqueued with ``enqueue_on_commit`` reach the queue."""
    ran = 0
    while connection.run_on_commit:
        callbacks, connection.run_on_commit = connection.run_on_commit, []
        for _savepoints, callback, _robust in callbacks:
            callback()
            ran += 1
    return ran


@pytest.fixture
def run_tasks(db):
    """``run_tasks()``: commit-time callbacks, then every task waiting in the queue (database or Redis backend,
    as configured), in this process, until nothing is left; returns how many tasks ran."""

    def _run() -> int:
        total = 0
        while True:
            callbacks = run_on_commit_callbacks()
            ran = run_pending()
            total += ran
            if not callbacks and not ran:
                return total

    return _run


@pytest.fixture(autouse=True)
def empty_redis_queue():
    """With the Redis backend the queue outlives a test's rolled-back transaction: each test starts empty."""
    if not uses_redis():
        yield
        return
    import django_rq
    from rq.registry import FailedJobRegistry

    queue = django_rq.get_queue("default")

    def empty():
        queue.empty()
        failed = FailedJobRegistry(queue=queue)
        for job_id in failed.get_job_ids():
            failed.remove(job_id, delete_job=True)

    empty()
    yield
    empty()
