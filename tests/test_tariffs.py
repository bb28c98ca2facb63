"""Solidarity tariffs are assigned by the club's designated referents only, with a review date, and stay
confidential: not on picking lists, not seen by other members nor by coordinators who are not referents."""

import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.core.errors import ActionError
from cabas.finance import services
from cabas.finance.models import HouseholdTariff, TariffCategory
from cabas.members.models import Role, RoleKind
from cabas.ordering.models import Offer
from cabas.flows import close_cycle, save_order


@pytest.fixture
def referent(world):
    user = world.user("solidarite@example.org", None)
    Role.objects.create(user=user, kind=RoleKind.SOLIDARITY, club=world.club)
    return user


@pytest.fixture
def half(world):
    return TariffCategory.objects.create(club=world.club, name="Solidaire −50 %", discount_rate=D("50"))


def test_only_referents_assign_and_see_tariffs(world, login, referent, half):
    url = reverse("tariffs", args=[world.club.pk])
    review = (timezone.localdate() + datetime.timedelta(days=180)).isoformat()
    for user in (world.member_a1, world.group_coordinator_a, world.coordinator):  # a club coordinator is not enough
        client = login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"household": world.household_a1.pk, "category": half.pk, "review_on": review}).status_code == 403
    assert not HouseholdTariff.objects.exists()
    client = login(referent)
    client.post(url, {"household": world.household_a1.pk, "category": half.pk, "review_on": review})
    tariff = HouseholdTariff.objects.get()
    assert tariff.category == half and tariff.assigned_by == referent
    assert "Foyer Le Goff" in client.get(url).content.decode()
    client.post(url, {"household": world.household_a1.pk, "category": "", "review_on": ""})  # back to standard
    assert not HouseholdTariff.objects.exists()


def test_bad_assignments_change_nothing(world, half):
    other_club, _group, stranger, *_ = world.other_club()
    today = timezone.localdate()
    for kwargs in ({"household_id": stranger.pk, "category_id": half.pk, "review_on": today + datetime.timedelta(days=30)},
                   {"household_id": world.household_a1.pk, "category_id": half.pk, "review_on": today},
                   {"household_id": world.household_a1.pk, "category_id": half.pk, "review_on": None},
                   {"household_id": world.household_a1.pk, "category_id": 10**17, "review_on": today + datetime.timedelta(days=30)}):
        with pytest.raises(ActionError):
            services.assign_tariff(club=world.club, **kwargs)
    assert not HouseholdTariff.objects.exists()


def test_the_tariff_never_shows_on_lists_or_to_other_members(world, login, half):
    services.assign_tariff(club=world.club, household_id=world.household_a1.pk, category_id=half.pk,
                           review_on=timezone.localdate() + datetime.timedelta(days=90))
    cycle = world.open_cycle()
    bread = Offer.objects.get(cycle=cycle, product=world.bread)
    save_order(cycle=cycle, household=world.household_a1, quantities={bread.pk: "1"})
    close_cycle(cycle.pk, now=cycle.closes_at)
    coordinator = login(world.coordinator)
    for url in (reverse("picking-list", args=[cycle.pk, world.group_a.pk]),
                reverse("picking-list-file", args=[cycle.pk, world.group_a.pk, "csv"]),
                reverse("group-orders", args=[cycle.pk, world.group_a.pk])):
        text = coordinator.get(url).content.decode("utf-8", "ignore")
        assert "Solidaire" not in text and "50 %" not in text
    for page in (reverse("home"), reverse("order", args=[cycle.pk])):
        assert "Solidaire" not in login(world.member_a2).get(page).content.decode()


def test_the_solidarity_menu_leads_referents_to_their_club(world, login, referent):
    client = login(referent)
    assert client.get(reverse("tariffs-home")).url == reverse("tariffs", args=[world.club.pk])
    assert "Solidarité" in client.get(reverse("tariffs", args=[world.club.pk])).content.decode()
    assert login(world.coordinator).get(reverse("tariffs-home")).status_code == 403
