"""The club's words: what a club calls a group, a depot and a subscription (GAC, GASAP, AMAP; point de dépôt, lieu de
distribution; abonnement, panier, contrat AMAP) is said on its pages, e-mails and documents, in correct French
(members.vocabulary, pure); in English a proper name is kept and other words are English's own. The club's
coordinators set them on the club's settings page."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from cabas.flows import apply_to_join, close_cycle, save_order
from cabas.members import vocabulary
from cabas.members.models import Club, Role, RoleKind
from cabas.members.vocabulary import ClubWords, Word, forms, french_plural, is_proper_name
from cabas.members.words import words_for
from cabas.notifications.tasks import send_shift_unfilled
from cabas.ordering.models import Offer
from cabas.volunteering import planning
from cabas.volunteering.models import TaskCategory
from cabas.web.tasks import bundle_bytes

PO = "src/cabas/locale/fr/LC_MESSAGES/django.po"
GASAP = dict(group_label="GASAP", depot_label="lieu de distribution", subscription_label="panier")


def fr(*words: Word) -> dict[str, str]:
    return forms(ClubWords(*words), "fr")


# --- the pure rules -------------------------------------------------------------------------------------------

def test_a_masculine_acronym():
    f = fr(Word("GASAP"), Word("lieu de distribution"), Word("panier"))
    assert (f["group"], f["groups"], f["the_group"], f["of_the_group"], f["to_the_group"], f["this_group"]) == (
        "GASAP", "GASAP", "le GASAP", "du GASAP", "au GASAP", "ce GASAP")
    assert (f["a_group"], f["no_group"], f["its_group"], f["the_groups"], f["of_the_groups"]) == (
        "un GASAP", "aucun GASAP", "son GASAP", "les GASAP", "des GASAP")
    assert (f["The_group"], f["Groups"], f["At_the_depot"]) == ("Le GASAP", "GASAP", "Au lieu de distribution")
    assert (f["depots"], f["at_the_depots"], f["subscriptions"], f["no_subscription"]) == (
        "lieux de distribution", "aux lieux de distribution", "paniers", "aucun panier")


def test_a_feminine_word_elides_before_a_vowel_and_agrees():
    f = fr(Word("AMAP", feminine=True), Word("point de dépôt"), Word("contrat AMAP"))
    assert (f["the_group"], f["of_the_group"], f["to_the_group"], f["this_group"], f["a_group"], f["its_group"]) == (
        "l’AMAP", "de l’AMAP", "à l’AMAP", "cette AMAP", "une AMAP", "son AMAP")
    assert (f["The_group"], f["No_group"], f["of_the_depot"], f["subscriptions"]) == (
        "L’AMAP", "Aucune AMAP", "du point de dépôt", "contrats AMAP")
    ruche = fr(Word("ruche", feminine=True), Word("dépôt"), Word("abonnement"))
    assert (ruche["the_group"], ruche["of_the_group"], ruche["this_group"], ruche["its_group"]) == (
        "la ruche", "de la ruche", "cette ruche", "sa ruche")
    assert (ruche["the_subscription"], ruche["this_subscription"], ruche["of_the_depot"]) == (
        "l’abonnement", "cet abonnement", "du dépôt")


def test_the_defaults_and_their_apostrophe():
    f = forms(vocabulary.DEFAULT_WORDS, "fr")
    assert (f["the_group"], f["groups"], f["of_the_depot"], f["subscription"]) == (
        "le groupe d’achat", "groupes d’achat", "du lieu de dépôt", "abonnement")


@pytest.mark.parametrize("word, plural", [
    ("groupe d'achat", "groupes d'achat"), ("lieu de dépôt", "lieux de dépôt"), ("point de dépôt", "points de dépôt"),
    ("contrat AMAP", "contrats AMAP"), ("panier", "paniers"), ("GAC", "GAC"), ("AMAP", "AMAP"), ("local", "locaux"),
    ("colis", "colis"), ("  lieu   de  distribution ", "lieux de distribution"),
])
def test_plurals(word, plural):
    assert french_plural(word) == plural


def test_proper_names_are_acronyms_in_capitals():
    assert all(is_proper_name(w) for w in ("GAC", "GASAP", "AMAP", "SEL", "AMAP-IDF"))
    assert not any(is_proper_name(w) for w in ("groupe d'achat", "Ruche", "A", "panier", "contrat AMAP", ""))


def test_english_keeps_a_proper_name_and_says_its_own_words():
    f = forms(ClubWords(Word("AMAP", feminine=True), Word("point de dépôt"), Word("contrat AMAP")), "en")
    assert (f["group"], f["a_group"], f["the_group"], f["The_groups"]) == ("AMAP", "an AMAP", "the AMAP", "The AMAP")
    assert (f["depot"], f["at_the_depots"], f["subscriptions"], f["no_subscription"]) == (
        "depot", "at the depots", "subscriptions", "no subscription")
    assert forms(ClubWords(Word("GASAP"), Word("dépôt"), Word("abonnement")), "en")["a_group"] == "a GASAP"
    assert forms(vocabulary.DEFAULT_WORDS, "en")["this_group"] == "this group"


words_text = st.text(alphabet="abcdeéèfghilmnopqrstuvyzABCDGMPS ' -", min_size=1, max_size=30).filter(lambda s: s.strip())


@given(words_text, st.text(alphabet="abcdelnpstux ", max_size=30), st.booleans(), st.sampled_from(["fr", "en", "fr-be"]))
def test_every_form_says_the_word_and_every_language_has_the_same_keys(word, plural, feminine, language):
    club = ClubWords(Word(word, plural, feminine), Word(word, plural, feminine), Word(word, plural, feminine))
    f = forms(club, language)
    assert set(f) == set(vocabulary.FORM_KEYS)  # a message and its translation name the same forms
    for key, value in f.items():
        if key[0].isupper():  # the capitalised key is the same form, capitalised
            lower = f[key[0].lower() + key[1:]]
            assert value == lower[:1].upper() + lower[1:]
        assert value.strip() == value and "  " not in value
    if language.startswith("fr"):
        singular = " ".join(word.split()).replace("'", "’")
        assert f["group"] == singular and f["this_group"].endswith(singular) and f["the_group"].endswith(singular)
        assert f["groups"] == " ".join((plural.strip() or french_plural(word)).split()).replace("'", "’")


def test_the_translations_name_only_forms_that_exist():
    """Every placeholder of a message that looks like one of the words' forms is one (a typo would show empty)."""
    text = open(PO, encoding="utf-8").read()
    names = set(re.findall(r"%\((\w+)\)s", text))
    worded = {n for n in names if re.search(r"(?i)(group|depot|subscription)", n) and n not in ("group", "groups")}
    unknown = sorted(n for n in worded if n not in vocabulary.FORM_KEYS and n not in ("group_word", "Group"))
    assert not unknown, unknown


def test_words_follow_the_language_active_when_read(world):
    Club.objects.filter(pk=world.club.pk).update(**GASAP)
    words = words_for(Club.objects.get(pk=world.club.pk))
    with translation.override("fr"):
        assert words["at_the_depot"] == "au lieu de distribution"
        assert "%(the_group)s et %(subscriptions)s" % words == "le GASAP et paniers"
    with translation.override("en"):
        assert (words["at_the_depot"], words["the_group"], words["subscriptions"]) == ("at the depot", "the GASAP", "subscriptions")


# --- a GASAP club's pages, e-mails and documents ----------------------------------------------------------------

@pytest.fixture
def gasap(world):
    Club.objects.filter(pk=world.club.pk).update(**GASAP)
    world.club.refresh_from_db()
    return world


@pytest.fixture
def closed(gasap):
    world = gasap
    cycle = world.open_cycle(name="Semaine 46")
    offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
    save_order(cycle=cycle, household=world.household_a1, quantities={offers[world.bread.pk]: "1"})
    save_order(cycle=cycle, household=world.household_b1, quantities={offers[world.milk.pk]: "2"})
    close_cycle(cycle.pk)
    return cycle


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_members_pages_say_the_clubs_words(gasap, login):
    client = login(gasap.member_a1)
    home = page(client, reverse("home"))
    assert ">Paniers</a>" in home and ">Abonnements<" not in home
    subscriptions = page(client, reverse("subscriptions"))
    assert "Mes paniers" in subscriptions and "Votre foyer n’a aucun panier." in subscriptions
    assert "Ceux de votre GASAP et de tout le club" in page(client, reverse("shifts"))
    assert "votre foyer, son GASAP et son club" in page(client, reverse("personal-data"))


def test_a_coordinators_pages_say_the_clubs_words(gasap, closed, login):
    client = login(gasap.coordinator)
    detail = page(client, reverse("cycle-detail", args=[closed.pk]))
    assert "<h2>GASAP</h2>" in detail and "<th>GASAP</th>" in detail
    group = page(client, reverse("group-orders", args=[closed.pk, gasap.group_a.pk]))
    assert "Réception au lieu de distribution" in group and "Encaissements au lieu de distribution" in group
    assert "Ce que reçoit le lieu de distribution" in page(client, reverse("picking-list", args=[closed.pk, gasap.group_a.pk]))
    assert "Pas encore" not in page(client, reverse("club-volunteering", args=[gasap.club.pk]))
    targets = page(client, reverse("target-adjust", args=[gasap.group_a.pk]))
    assert "Le GASAP n’a pas encore d’objectif" in targets and "Chaque foyer du GASAP" in targets


def test_the_public_join_pages_say_the_clubs_words(gasap, client):
    text = page(client, reverse("join-groups", args=[gasap.club.slug]))
    assert "Choisissez parmi les GASAP proches de chez vous" in text and "à son lieu de distribution" in text
    assert "Seuls les membres ont accès aux prix du GASAP" in page(
        client, reverse("join", args=[gasap.club.slug, gasap.group_a.slug]))
    assert "Distance du lieu de distribution de" in page(client, reverse("directory", args=[gasap.club.slug]))


def test_a_document_says_the_clubs_words_whoever_prints_it(gasap, closed, login, monkeypatch):
    printed = []

    class HTML:  # WeasyPrint, replaced: the PDF's text is the HTML it prints
        def __init__(self, string, base_url=None):
            printed.append(string)

        def write_pdf(self):
            return b"%PDF"

    monkeypatch.setattr("weasyprint.HTML", HTML)
    client = login(gasap.coordinator)
    assert client.get(reverse("picking-list-file", args=[closed.pk, gasap.group_a.pk, "pdf"])).status_code == 200
    assert "Ce que reçoit le lieu de distribution" in printed[-1]
    bundle_bytes(closed)  # the ZIP of every document, made by the worker (no request)
    assert any("Ce que reçoit le lieu de distribution" in html for html in printed[1:])


def test_the_emails_say_the_clubs_words(gasap, run_tasks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    apply_to_join(group=gasap.group_a, data={"household_name": "Foyer Nouveau", "first_name": "Léa", "last_name": "Morvan",
                                             "email": "lea@example.org", "phone": "", "message": ""})
    kind = planning.kind_for(gasap.club, TaskCategory.RECEPTION)
    shift = planning.add_shift(gasap.club, kind=kind, group=gasap.group_a, title="Réception A",
                               day=timezone.localdate() + datetime.timedelta(days=2), start=datetime.time(18),
                               end=datetime.time(20), place="Salle")
    club_wide = planning.add_shift(gasap.club, kind=kind, group=None, title="Inventaire",
                                   day=timezone.localdate() + datetime.timedelta(days=2), start=datetime.time(14),
                                   end=datetime.time(16), place="Local")
    run_tasks()
    send_shift_unfilled.enqueue(shift.pk)
    send_shift_unfilled.enqueue(club_wide.pk)
    run_tasks()
    bodies = "\n".join(m.body for m in mail.outbox)
    assert "La coordination du GASAP vous contactera bientôt." in bodies
    assert "GASAP : GAC de Rennes" in bodies and "Ouvert à l’ensemble des GASAP du club." in bodies


def test_english_pages_keep_the_proper_name_and_say_english_words(gasap, closed, login):
    client = login(gasap.coordinator)
    client.post(reverse("set_language"), {"language": "en"})
    detail = page(client, reverse("cycle-detail", args=[closed.pk]))
    assert "<h2>GASAP</h2>" in detail
    assert "What the depot receives" in page(client, reverse("picking-list", args=[closed.pk, gasap.group_a.pk]))


def test_each_page_says_the_words_of_the_club_it_shows(gasap, closed, login):
    """A coordinator of two clubs reads each club's pages in that club's words."""
    other, group, household, producer, product = gasap.other_club()
    Club.objects.filter(pk=other.pk).update(group_label="AMAP", group_label_feminine=True)
    Role.objects.create(user=gasap.coordinator, kind=RoleKind.CLUB_COORDINATOR, club=other)
    client = login(gasap.coordinator)
    assert "Le GASAP n’a pas encore d’objectif" in page(client, reverse("target-adjust", args=[gasap.group_a.pk]))
    assert "L’AMAP n’a pas encore d’objectif" in page(client, reverse("target-adjust", args=[group.pk]))


# --- the club's settings ----------------------------------------------------------------------------------------

SETTINGS = {"name": "Club du Pays de Test", "territory": "Pays de Rennes", "membership_fee": "5",
            "group_label": "AMAP", "group_label_plural": "", "group_label_feminine": "on",
            "depot_label": "point de dépôt", "depot_label_plural": "", "subscription_label": "contrat AMAP",
            "subscription_label_plural": ""}


def test_a_club_coordinator_sets_the_words_and_the_pages_say_them(world, login):
    client = login(world.coordinator)
    url = reverse("club-settings", args=[world.club.pk])
    assert "Aucun foyer dans ce groupe d’achat." in page(client, url)  # how the words read, in French
    response = client.post(url, {**SETTINGS, "slug": "ailleurs"})
    assert response.status_code == 302
    club = Club.objects.get(pk=world.club.pk)
    assert (club.group_label, club.group_label_feminine, club.subscription_label, club.membership_fee, club.slug) == (
        "AMAP", True, "contrat AMAP", Decimal("5.00"), "test")  # the slug is not a setting
    text = page(client, url)
    assert "Aucun foyer dans cette AMAP." in text and "Mes contrats AMAP" in text
    assert "L’AMAP n’a pas encore d’objectif" in page(client, reverse("target-adjust", args=[world.group_a.pk]))


def test_a_setting_left_empty_is_refused_with_the_form_again(world, login):
    client = login(world.coordinator)
    response = client.post(reverse("club-settings", args=[world.club.pk]), {**SETTINGS, "group_label": "  "})
    assert response.status_code == 400 and 'name="group_label"' in response.content.decode()
    assert Club.objects.get(pk=world.club.pk).group_label == "groupe d'achat"


def test_only_the_clubs_coordinators_open_its_settings(world, login):
    url = reverse("club-settings", args=[world.club.pk])
    for user in (world.member_a1, world.group_coordinator_a):
        assert login(user).get(url).status_code == 403
        assert login(user).post(url, SETTINGS).status_code == 403
    other, group, household, producer, product = world.other_club()
    stranger = world.user("voisin@example.org", None)
    Role.objects.create(user=stranger, kind=RoleKind.CLUB_COORDINATOR, club=other)
    assert login(stranger).get(url).status_code == 404
    assert login(stranger).get(reverse("club-settings", args=[other.pk])).status_code == 200
    assert Client().get(url).status_code == 302  # to the login page
    assert Club.objects.get(pk=world.club.pk).group_label == "groupe d'achat"


def test_the_settings_page_costs_a_constant_number_of_queries(world, login, django_assert_num_queries):
    client = login(world.coordinator)
    url = reverse("club-settings", args=[world.club.pk])
    with django_assert_num_queries(4):  # session, user, roles, club
        client.get(url)
