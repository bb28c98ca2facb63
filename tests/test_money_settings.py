"""The club's money settings (treasurers and coordinators) and its tariffs (solidarity referents) on Cabas'
pages, without the admin."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.finance.models import FinanceSettings, PaymentMode, TariffCategory
from cabas.members.models import Role, RoleKind

SETTINGS = {"legal_name": "Association du Pays de Test", "address": "1 rue de la Gare", "siren": "", "legal_mentions": "",
            "iban": "", "bic": "", "reference_scheme": "rf", "payment_mode": "prepaid", "minimum_balance": "-20,00",
            "suggested_contribution": "2,00", "guarantee_percent": "1,50", "guarantee_per_cycle": "0,00"}


@pytest.fixture
def referent(world):
    user = world.user("solidarite@example.org", None)
    Role.objects.create(user=user, kind=RoleKind.SOLIDARITY, club=world.club)
    return user


def test_a_treasurer_sets_the_club_s_money_settings(world, login):
    treasurer = world.user("tresorerie@example.org", None)
    Role.objects.create(user=treasurer, kind=RoleKind.TREASURER, club=world.club)
    client = login(treasurer)
    url = reverse("money-settings", args=[world.club.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {**SETTINGS, "club": "999"})  # the club is not a field: ignored
    assert response.status_code == 302
    found = FinanceSettings.objects.get(club=world.club)
    assert (found.payment_mode, found.minimum_balance, found.guarantee_percent) == (PaymentMode.PREPAID, D("-20.00"), D("1.50"))
    response = client.post(url, {**SETTINGS, "guarantee_percent": "-1"})
    assert response.status_code == 400 and "Rien n’a été enregistré" in response.content.decode()
    assert FinanceSettings.objects.get(club=world.club).guarantee_percent == D("1.50")


def test_who_sets_the_money(world, login):
    url = reverse("money-settings", args=[world.club.pk])
    assert login(world.coordinator).get(url).status_code == 200  # the club's coordinators handle its money too
    assert login(world.group_coordinator_a).get(url).status_code == 403
    assert login(world.member_a1).post(url, SETTINGS).status_code == 403
    club_b, *_rest = world.other_club()
    other = world.user("voisin@example.org", None)
    Role.objects.create(user=other, kind=RoleKind.CLUB_COORDINATOR, club=club_b)
    assert login(other).post(url, SETTINGS).status_code == 404
    assert not FinanceSettings.objects.filter(club=world.club).exists()


def test_the_solidarity_referent_adds_and_changes_tariffs(world, login, referent):
    url = reverse("tariff-save", args=[world.club.pk])
    client = login(referent)
    assert client.post(url, {"name": "Solidaire −30 %", "discount_rate": "30"}).status_code == 302
    tariff = TariffCategory.objects.get(club=world.club)
    client.post(url, {"tariff": tariff.pk, "name": "Solidaire −40 %", "discount_rate": "40"})
    tariff.refresh_from_db()
    assert (tariff.name, tariff.discount_rate) == ("Solidaire −40 %", D("40"))
    page = client.post(url, {"name": "Solidaire −40 %", "discount_rate": "50"}, follow=True).content.decode()
    assert "Le club a déjà un tarif de ce nom." in page
    page = client.post(url, {"name": "Gratuit", "discount_rate": "100"}, follow=True).content.decode()
    assert "Gratuit" not in page.split("tariff-categories")[-1] and TariffCategory.objects.count() == 1
    page = client.get(reverse("tariffs", args=[world.club.pk])).content.decode()
    assert "<title>Tarifs solidaires · Cabas</title>" in page
    assert page.count('id="tariff-categories"') == 1 and 'value="Solidaire −40 %"' in page


def test_tariffs_stay_with_the_solidarity_referents(world, login, referent):
    url = reverse("tariff-save", args=[world.club.pk])
    for user in (world.coordinator, world.member_a1, world.group_coordinator_a):  # a club coordinator is not enough
        assert login(user).post(url, {"name": "Pris", "discount_rate": "10"}).status_code == 403
    club_b, *_rest = world.other_club()
    other_tariff = TariffCategory.objects.create(club=club_b, name="Voisin", discount_rate=D("20"))
    login(referent).post(url, {"tariff": other_tariff.pk, "name": "Pris", "discount_rate": "10"})
    other_tariff.refresh_from_db()
    assert (other_tariff.name, TariffCategory.objects.filter(club=world.club).count()) == ("Voisin", 0)
