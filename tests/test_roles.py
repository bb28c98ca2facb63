"""Every role against every scoped page, in its own group and club and in the others: club coordinator,
group coordinator, treasurer, solidarity referent, producer referent, member, producer account, and a
coordinator of another club. A page either answers (200), refuses an action the user may see (403), or
hides what is out of scope (404); an anonymous visitor is sent to log in (302)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cabas.catalog.models import Producer, ProducerAccount
from cabas.members.models import Role, RoleKind
from cabas.ordering.models import Offer
from cabas.flows import close_cycle, open_cycle, save_order

OK, FORBIDDEN, HIDDEN, LOGIN = 200, 403, 404, 302

ROLES = ["anonymous", "member_a", "group_coordinator_a", "club_coordinator", "treasurer", "solidarity_referent",
         "producer_referent", "producer_account", "other_club_coordinator"]

# page -> expected status per role, in the order of ROLES
MATRIX = {
    "group_members_a":   [LOGIN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN],
    "group_members_b":   [LOGIN, HIDDEN, FORBIDDEN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN],
    "group_orders_b":    [LOGIN, FORBIDDEN, HIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
    "picking_list_a":    [LOGIN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
    "producer_sheet":    [LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, HIDDEN],
    "other_sheet":       [LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
    "cycle_preview":     [LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
    "cycle_funds":       [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "solidarity_report": [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "tariffs":           [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "treasury":          [LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN],
    "referent_home":     [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN],
    "producer_home":     [LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN],
    "join_a":            [OK, OK, OK, OK, OK, OK, OK, OK, OK],
    "reception_a":       [LOGIN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
    "reception_b":       [LOGIN, FORBIDDEN, HIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
    # news: posted by the club's coordinators (the club's) and the group's (a group's); members see them on their
    # home page (403 here), other groups and clubs do not (404); the producer referent lives in group B
    "news_club":         [LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN, HIDDEN],
    "news_group_a":      [LOGIN, FORBIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN],
    "news_group_b":      [LOGIN, HIDDEN, HIDDEN, OK, HIDDEN, HIDDEN, FORBIDDEN, HIDDEN, HIDDEN],
    # each group its own rhythm: a group's rhythm and depot (its coordinators and the club's), opening a cycle (a
    # group's coordinator for their own group), the recurring cycles; a cycle for group A only is run by A's
    # coordinator, and seen by A's households alone (the producer referent lives in group B)
    "group_rhythm_a":    [LOGIN, HIDDEN, OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN],
    "group_rhythm_b":    [LOGIN, HIDDEN, FORBIDDEN, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN],
    "cycle_create":      [LOGIN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
    "recurring_cycles":  [LOGIN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
    "own_cycle_preview": [LOGIN, FORBIDDEN, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
    "own_cycle_order":   [LOGIN, OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN],
}


@pytest.fixture
def scene(world):
    users = {"member_a": world.member_a1, "group_coordinator_a": world.group_coordinator_a,
             "club_coordinator": world.coordinator}
    for key, kind in (("treasurer", RoleKind.TREASURER), ("solidarity_referent", RoleKind.SOLIDARITY)):
        users[key] = world.user(f"{key}@example.org", None)
        Role.objects.create(user=users[key], kind=kind, club=world.club)
    users["producer_referent"] = world.user("referent@example.org", world.household_b2)
    Producer.objects.filter(pk=world.farm.pk).update(referent=users["producer_referent"])
    users["producer_account"] = world.user("ferme@example.org", None)
    ProducerAccount.objects.create(user=users["producer_account"], producer=world.bakery)
    other_club = world.other_club()[0]
    users["other_club_coordinator"] = world.user("voisin@example.org", None)
    Role.objects.create(user=users["other_club_coordinator"], kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    cycle = world.open_cycle()
    offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
    for household in (world.household_a1, world.household_b1):
        save_order(cycle=cycle, household=household, quantities={offers[world.milk.pk]: "2", offers[world.bread.pk]: "1"})
    close_cycle(cycle.pk)
    own = open_cycle(club=world.club, name="Pour Rennes", opens_at=cycle.opens_at, closes_at=cycle.closes_at,
                     distribution_dates={world.group_a.pk: cycle.distributions.first().date}, product_ids=[world.milk.pk])
    urls = {
        "group_members_a": reverse("group-members", args=[world.group_a.pk]),
        "group_members_b": reverse("group-members", args=[world.group_b.pk]),
        "group_orders_b": reverse("group-orders", args=[cycle.pk, world.group_b.pk]),
        "picking_list_a": reverse("picking-list", args=[cycle.pk, world.group_a.pk]),
        "producer_sheet": reverse("producer-sheet", args=[cycle.pk, world.farm.pk]),
        "other_sheet": reverse("producer-sheet", args=[cycle.pk, world.bakery.pk]),
        "cycle_preview": reverse("cycle-preview", args=[cycle.pk]),
        "cycle_funds": reverse("cycle-funds", args=[cycle.pk]),
        "solidarity_report": reverse("solidarity-report", args=[world.club.pk]),
        "tariffs": reverse("tariffs", args=[world.club.pk]),
        "treasury": reverse("treasury", args=[world.club.pk]),
        "referent_home": reverse("referent-home"),
        "producer_home": reverse("producer-home"),
        "join_a": reverse("join", args=[world.club.slug, world.group_a.slug]),
        "reception_a": reverse("depot-reception", args=[cycle.pk, world.group_a.pk]),
        "reception_b": reverse("depot-reception", args=[cycle.pk, world.group_b.pk]),
        "news_club": reverse("club-news", args=[world.club.pk]),
        "news_group_a": reverse("group-news", args=[world.group_a.pk]),
        "news_group_b": reverse("group-news", args=[world.group_b.pk]),
        "group_rhythm_a": reverse("group-rhythm", args=[world.group_a.pk]),
        "group_rhythm_b": reverse("group-rhythm", args=[world.group_b.pk]),
        "cycle_create": reverse("cycle-create") + f"?club={world.club.pk}",
        "recurring_cycles": reverse("recurring-cycles", args=[world.club.pk]),
        "own_cycle_preview": reverse("cycle-preview", args=[own.pk]),
        "own_cycle_order": reverse("order", args=[own.pk]),
    }
    return users, urls


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
def test_each_role_on_each_page(scene, client, role_index, role):
    users, urls = scene
    if role != "anonymous":
        client.force_login(users[role])
    seen = {page: client.get(url).status_code for page, url in urls.items()}
    expected = {page: statuses[role_index] for page, statuses in MATRIX.items()}
    assert seen == expected


def test_the_producer_referent_sees_only_its_producers_sheet_not_the_groups(scene, client):
    users, urls = scene
    client.force_login(users["producer_referent"])
    page = client.get(urls["producer_sheet"]).content.decode()
    assert "Lait cru" in page and "Pain de campagne" not in page
    assert client.get(urls["referent_home"]).content.decode().count("bon de commande") == 1


# The back office (/admin/) with two clubs is the installation operators' (superusers) alone: both clubs'
# coordinators, even marked staff with every model permission, are sent to its login page like a member.
ADMIN_ROLES = ["anonymous", "member_a", "club_coordinator", "other_club_coordinator", "superuser"]
ADMIN_MATRIX = {
    "user_a":            [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "user_a_password":   [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "user_b":            [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "user_b_password":   [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "group_coordinator": [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "household_a":       [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "household_b":       [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "product_a":         [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "producer_b":        [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "club_b":            [LOGIN, LOGIN, LOGIN, LOGIN, OK],
    "permission_groups": [LOGIN, LOGIN, LOGIN, LOGIN, OK],
}


@pytest.fixture
def admin_scene(scene, world):
    from cabas.catalog.models import Producer as ProducerModel
    from cabas.members.models import Household, User

    from .test_admin_operators import make_staff

    users, _urls = scene
    users = {key: users[key] for key in ("member_a", "club_coordinator", "other_club_coordinator")}
    make_staff(users["club_coordinator"])
    make_staff(users["other_club_coordinator"])
    users["superuser"] = User.objects.create_superuser(email="root@example.org", password="x")
    household_b = Household.objects.get(name="Foyer Kerjean")
    member_b = world.user("kerjean@example.org", household_b)
    producer_b = ProducerModel.objects.get(name="Ferme du Bout du Monde")
    admin_url = lambda name, pk: reverse(f"admin:{name}", args=[pk])  # noqa: E731
    urls = {
        "user_a": admin_url("members_user_change", world.member_a1.pk),
        "user_a_password": admin_url("auth_user_password_change", world.member_a1.pk),
        "user_b": admin_url("members_user_change", member_b.pk),
        "user_b_password": admin_url("auth_user_password_change", member_b.pk),
        "group_coordinator": admin_url("members_user_change", world.group_coordinator_a.pk),
        "household_a": admin_url("members_household_change", world.household_a1.pk),
        "household_b": admin_url("members_household_change", household_b.pk),
        "product_a": admin_url("catalog_product_change", world.milk.pk),
        "producer_b": admin_url("catalog_producer_change", producer_b.pk),
        "club_b": admin_url("members_club_change", producer_b.club_id),
        "permission_groups": reverse("admin:auth_group_changelist"),
    }
    return users, urls


@pytest.mark.parametrize("role_index, role", list(enumerate(ADMIN_ROLES)))
def test_each_role_on_each_admin_page(admin_scene, client, role_index, role):
    users, urls = admin_scene
    if role != "anonymous":
        client.force_login(users[role])
    seen = {page: client.get(url).status_code for page, url in urls.items()}
    expected = {page: statuses[role_index] for page, statuses in ADMIN_MATRIX.items()}
    assert seen == expected


NO_HOUSEHOLD = "Votre compte n’est pas encore rattaché à un foyer"


@pytest.mark.parametrize("role, lands_on, shows", [
    ("member_a", "home", "Mes commandes"),
    ("group_coordinator_a", "home", "Mes commandes"),
    ("club_coordinator", "cycle-list", None),
    ("treasurer", "home", "Mes pages"),
    ("solidarity_referent", "home", "Mes pages"),
    ("producer_referent", "home", "Mes autres pages"),  # a member of group B as well: its home, with its producers
    ("producer_account", "producer-home", "Fournil du Bourg"),
    ("other_club_coordinator", "cycle-list", None),
])
def test_each_role_lands_on_a_home_that_fits_it(scene, client, role, lands_on, shows):
    users, _urls = scene
    client.force_login(users[role])
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200 and response.request["PATH_INFO"] == reverse(lands_on)
    page = response.content.decode()
    assert NO_HOUSEHOLD not in page
    if shows:
        assert shows in page


def test_the_treasurer_and_solidarity_referent_homes_list_their_own_pages(scene, client, world):
    users, urls = scene
    client.force_login(users["treasurer"])
    page = client.get(reverse("home")).content.decode()
    for name in ("treasury", "money-settings", "producer-fees", "solidarity-report"):
        assert reverse(name, args=[world.club.pk]) in page
        assert client.get(reverse(name, args=[world.club.pk])).status_code == 200  # each link opens
    assert f'href="{urls["tariffs"]}"' not in page  # confidential: the solidarity referent's
    client.force_login(users["solidarity_referent"])
    page = client.get(reverse("home")).content.decode()
    assert urls["tariffs"] in page and urls["solidarity_report"] in page and urls["treasury"] not in page
    assert client.get(urls["tariffs"]).status_code == 200


def test_a_referent_without_a_household_lands_on_its_producers_and_a_bare_account_is_told_why(scene, client, world):
    users, _urls = scene
    referent = world.user("referent-seul@example.org", None)
    Producer.objects.filter(pk=world.bakery.pk).update(referent=referent)
    client.force_login(referent)
    assert client.get(reverse("home")).url == reverse("referent-home")
    client.force_login(world.user("personne@example.org", None))
    assert NO_HOUSEHOLD in client.get(reverse("home")).content.decode()  # really a member without a household
