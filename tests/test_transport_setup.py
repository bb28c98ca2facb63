"""The club's places and transport set-up pages (what the admin did): sites with their windows and hub mode,
vehicles, chilled categories, the transport settings — for the club's coordinators only."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse

from cabas.core.errors import ActionError
from cabas.logistics import setup
from cabas.logistics.models import ChilledCategory, HubMode, LogisticsSettings, Site, SiteKind, Vehicle
from cabas.members.models import Role, RoleKind

SITE = {"kind": "hub", "name": "Plateforme de Cesson", "latitude": "48.11", "longitude": "-1.60", "hub_mode": "cross_dock",
        "opens_at": "06:00", "closes_at": "14:00", "service_minutes": "15", "handling_minutes": "45"}
VEHICLE = {"name": "Camion frigo", "count": "1", "capacity_kg": "800", "capacity_crates": "60", "refrigerated": "on",
           "driver_kind": "volunteer", "cost_per_km": "0.35", "cost_per_hour": "0", "fixed_cost": "5", "co2_g_per_km": "",
           "is_active": "on"}


def hub(world, **kwargs):
    return Site.objects.create(club=world.club, kind=SiteKind.HUB, name=kwargs.pop("name", "Plateforme"),
                               latitude=D("48.1"), longitude=D("-1.6"), hub_mode=HubMode.CROSS_DOCK, **kwargs)


def test_a_coordinator_sets_up_sites_with_windows_and_hub_mode(world, login):
    client = login(world.coordinator)
    setup_url = reverse("transport-setup", args=[world.club.pk])
    assert client.get(setup_url).status_code == 200
    assert setup_url in client.get(reverse("cycle-list")).content.decode()
    assert client.get(reverse("site-create", args=[world.club.pk]) + "?kind=depot").status_code == 200
    response = client.post(reverse("site-create", args=[world.club.pk]), SITE)
    assert response.status_code == 302
    site = Site.objects.get(name="Plateforme de Cesson")
    assert (site.club, site.kind, site.hub_mode, site.handling_minutes, str(site.opens_at)) == (
        world.club, "hub", "cross_dock", 45, "06:00:00")
    # a depot names its group; a hub has a mode, a depot none; windows close after they open
    bad = client.post(reverse("site-create", args=[world.club.pk]), {**SITE, "kind": "depot", "name": "Dépôt"})
    assert bad.status_code == 400 and Site.objects.count() == 1
    late = client.post(reverse("site-create", args=[world.club.pk]), {**SITE, "opens_at": "15:00", "closes_at": "14:00"})
    assert late.status_code == 400 and Site.objects.count() == 1
    depot = client.post(reverse("site-create", args=[world.club.pk]), {
        **SITE, "kind": "depot", "name": "Dépôt de Rennes", "hub_mode": "", "group": world.group_a.pk,
        "opens_at": "16:00", "closes_at": "19:00"})
    assert depot.status_code == 302 and Site.objects.get(name="Dépôt de Rennes").group == world.group_a
    farm = client.post(reverse("site-create", args=[world.club.pk]), {
        **SITE, "kind": "producer", "name": "Cour de la ferme", "hub_mode": "", "producer": world.farm.pk})
    assert farm.status_code == 302
    twice = client.post(reverse("site-create", args=[world.club.pk]), {
        **SITE, "kind": "producer", "name": "Autre cour", "hub_mode": "", "producer": world.farm.pk})
    assert twice.status_code == 400 and Site.objects.filter(producer=world.farm).count() == 1  # one site per producer
    # edit: the hub's mode
    edit = client.post(reverse("site-edit", args=[world.club.pk, site.pk]), {**SITE, "hub_mode": "storage"})
    assert edit.status_code == 302
    site.refresh_from_db()
    assert site.hub_mode == "storage"
    page = client.get(setup_url).content.decode()
    assert "Plateforme de Cesson" in page and "Dépôt de Rennes" in page and "16:00–19:00" in page


def test_another_clubs_things_are_never_offered_nor_reached(world, login):
    other_club, other_group, _household, other_producer, _product = world.other_club()
    theirs = Site.objects.create(club=other_club, kind=SiteKind.HUB, name="Leur plateforme", latitude=D("48"),
                                 longitude=D("-4"), hub_mode=HubMode.PICKUP)
    client = login(world.coordinator)
    form = client.get(reverse("site-create", args=[world.club.pk])).content.decode()
    assert "GAC de Brest" not in form and "Ferme du Bout du Monde" not in form
    depot = client.post(reverse("site-create", args=[world.club.pk]), {
        **SITE, "kind": "depot", "hub_mode": "", "group": other_group.pk})
    assert depot.status_code == 400
    farm = client.post(reverse("site-create", args=[world.club.pk]), {
        **SITE, "kind": "producer", "hub_mode": "", "producer": other_producer.pk})
    assert farm.status_code == 400 and not Site.objects.filter(club=world.club).exists()
    assert client.get(reverse("site-edit", args=[world.club.pk, theirs.pk])).status_code == 404
    assert client.post(reverse("site-delete", args=[world.club.pk, theirs.pk])).status_code == 404
    assert client.get(reverse("transport-setup", args=[other_club.pk])).status_code == 404
    vehicle = client.post(reverse("vehicle-create", args=[world.club.pk]), {**VEHICLE, "home": theirs.pk})
    assert vehicle.status_code == 400 and not Vehicle.objects.exists()
    settings = client.post(reverse("transport-settings", args=[world.club.pk]), {**settings_data(), "hub": theirs.pk})
    assert settings.status_code == 400
    with pytest.raises(ActionError):
        setup.delete_site(theirs, club=world.club)
    assert Site.objects.filter(pk=theirs.pk).exists()


def test_vehicles(world, login):
    client = login(world.coordinator)
    home = hub(world)
    response = client.post(reverse("vehicle-create", args=[world.club.pk]), {**VEHICLE, "home": home.pk})
    assert response.status_code == 302
    vehicle = Vehicle.objects.get()
    assert (vehicle.refrigerated, vehicle.cost_per_km, vehicle.fixed_cost, vehicle.co2_g_per_km, vehicle.home) == (
        True, D("0.350"), D("5.00"), None, home)
    assert client.post(reverse("vehicle-create", args=[world.club.pk]),
                       {**VEHICLE, "home": home.pk, "capacity_kg": "0"}).status_code == 400
    edit = client.post(reverse("vehicle-edit", args=[world.club.pk, vehicle.pk]),
                       {**VEHICLE, "home": home.pk, "refrigerated": "", "is_active": "", "count": "2"})
    assert edit.status_code == 302
    vehicle.refresh_from_db()
    assert (vehicle.refrigerated, vehicle.is_active, vehicle.count) == (False, False, 2)
    # a site vehicles start from is not deleted
    refused = client.post(reverse("site-delete", args=[world.club.pk, home.pk]), follow=True)
    assert "Camion frigo" in refused.content.decode() and Site.objects.filter(pk=home.pk).exists()
    assert client.post(reverse("vehicle-delete", args=[world.club.pk, vehicle.pk])).status_code == 302
    assert not Vehicle.objects.exists()
    assert client.post(reverse("site-delete", args=[world.club.pk, home.pk])).status_code == 302
    assert not Site.objects.exists()


def settings_data(**changes):
    data = {"scheme": "hub", "hub": "", "detour_factor": "1.3", "speed_kmh": "50", "osrm_url": "", "solver_seconds": "5",
            "coalition_seconds": "0.2", "sharing_method": "shapley", "participants": "producers", "shapley_samples": "50",
            "day_starts": "06:00", "day_ends": "20:00", "service_minutes": "10", "own_capacity_kg": "600",
            "own_capacity_crates": "40", "own_cost_per_km": "0.45", "own_cost_per_hour": "18", "own_co2_g_per_km": "220",
            "co2_g_per_km": "220"}
    data.update(changes)
    return data


def test_the_transport_settings_and_hub_mode(world, login):
    client = login(world.coordinator)
    url = reverse("transport-settings", args=[world.club.pk])
    assert client.get(url).status_code == 200  # the defaults, not saved yet
    platform = hub(world)
    response = client.post(url, settings_data(hub=platform.pk, osrm_url="127.0.0.1:5000"))
    assert response.status_code == 302
    saved = LogisticsSettings.objects.get(club=world.club)
    assert (saved.scheme, saved.hub, saved.sharing_method, saved.osrm_url) == (
        "hub", platform, "shapley", "http://127.0.0.1:5000")
    assert client.post(url, settings_data(day_starts="21:00")).status_code == 400  # back after they leave
    assert client.post(url, settings_data(detour_factor="0.5")).status_code == 400
    assert client.post(url, settings_data(participants="households")).status_code == 302
    assert LogisticsSettings.objects.get(club=world.club).participants == "households"
    assert LogisticsSettings.objects.count() == 1
    depot = Site.objects.create(club=world.club, kind=SiteKind.DEPOT, name="Dépôt", latitude=D("48"), longitude=D("-1"),
                                group=world.group_a)
    assert client.post(url, settings_data(hub=depot.pk)).status_code == 400  # a hub, not a depot


def test_chilled_categories(world, login):
    client = login(world.coordinator)
    url = reverse("chilled-categories", args=[world.club.pk])
    assert client.post(url, {"categories": [world.lait.pk, world.legumes.pk]}).status_code == 302
    assert set(ChilledCategory.objects.filter(club=world.club).values_list("category_id", flat=True)) == {
        world.lait.pk, world.legumes.pk}
    client.post(url, {"categories": [world.lait.pk]})
    assert list(ChilledCategory.objects.values_list("category_id", flat=True)) == [world.lait.pk]
    client.post(url, {"categories": ["999999"]})
    assert list(ChilledCategory.objects.values_list("category_id", flat=True)) == [world.lait.pk]
    client.post(url, {})
    assert not ChilledCategory.objects.exists()


@pytest.mark.parametrize("name", ["transport-setup", "transport-settings", "site-create", "vehicle-create"])
def test_only_the_clubs_coordinators(world, login, name):
    url = reverse(name, args=[world.club.pk])
    assert login(world.member_a1).get(url).status_code == 403
    assert login(world.group_coordinator_a).get(url).status_code == 403
    other_club, *_ = world.other_club()
    stranger = world.user("voisin@example.org", None)
    Role.objects.create(user=stranger, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    assert login(stranger).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_a_group_coordinator_changes_nothing(world, login):
    platform = hub(world)
    client = login(world.group_coordinator_a)
    assert client.post(reverse("site-edit", args=[world.club.pk, platform.pk]), {**SITE, "name": "X"}).status_code == 403
    assert client.post(reverse("site-delete", args=[world.club.pk, platform.pk])).status_code == 403
    assert client.post(reverse("chilled-categories", args=[world.club.pk]), {"categories": [world.lait.pk]}).status_code == 403
    platform.refresh_from_db()
    assert platform.name == "Plateforme" and not ChilledCategory.objects.exists()


def test_the_setup_page_costs_a_constant_number_of_queries(world, django_assert_num_queries):
    client = Client()
    client.force_login(world.coordinator)
    url = reverse("transport-setup", args=[world.club.pk])

    def add(start, end):
        for i in range(start, end):
            home = hub(world, name=f"Plateforme {i}")
            Vehicle.objects.create(club=world.club, name=f"Camion {i}", capacity_kg=500, capacity_crates=30, home=home,
                                   driver_kind="volunteer")
            ChilledCategory.objects.get_or_create(club=world.club, category=[world.lait, world.pain, world.legumes][i % 3])

    def measure():
        # session, user, roles, club, chilled, categories, settings, sites (with producer, group), vehicles (with home)
        with django_assert_num_queries(9):
            assert client.get(url).status_code == 200

    add(0, 2)
    measure()
    add(2, 10)
    measure()
