"""On a 360 px phone: the club's coordinator plans a farm visit from the coordination page; a member signs up for it
(as a shift of the club); on the day the member fills the charter checklist on the phone — a commitment forgotten is
refused with a French message — and records the decision, which then shows on the producer's public page. The pages
never scroll sideways and axe-core finds nothing on them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.catalog.models import CertificationVisit, CharterPoint, ProducerAccount, VisitCheck
from cabas.volunteering import services
from cabas.volunteering.models import Shift, VolunteerTarget

from .conftest import log_in, open_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_farm_visit_is_planned_taken_filled_on_a_phone_and_recorded(world, live_server, phone, screenshot, axe):
    points = [CharterPoint.objects.create(club=world.club, text=text, position=i) for i, text in enumerate(
        ["Pas de pesticides de synthèse", "Des haies autour des parcelles"])]
    day = timezone.localdate() + datetime.timedelta(days=2)

    # the club's coordinator plans the visit
    log_in(phone, live_server.url, world.coordinator, world.password)
    phone.goto(live_server.url + reverse("cycle-list"))
    phone.get_by_role("link", name="Visites de ferme").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == f"Visites de ferme — {world.club.name}"
    axe(phone, name="farm visits")
    no_sideways_scroll(phone)
    phone.get_by_label("Producteur").select_option(label=world.farm.name)
    phone.get_by_label("Date", exact=True).fill(day.isoformat())
    phone.get_by_label("Début", exact=True).fill("14:00")
    phone.get_by_label("Fin", exact=True).fill("17:00")
    phone.get_by_label("Visiteurs nécessaires").fill("3")
    phone.get_by_role("button", name="Prévoir la visite").click()
    phone.wait_for_load_state()
    assert "La visite chez Ferme de la Prée est prévue" in phone.inner_text("main")
    visit = CertificationVisit.objects.get(producer=world.farm)
    shift = Shift.objects.get(visit=visit)
    assert shift.group is None and timezone.localtime(shift.starts_at).time() == datetime.time(14)
    screenshot(phone, "farm-visit-planned")
    axe(phone, name="farm visits, one planned")
    no_sideways_scroll(phone)
    open_menu(phone)
    phone.get_by_role("button", name="Déconnexion").click()
    phone.wait_for_load_state()

    # a member of the club signs up for it (the members' shifts page lists it among the club's shifts)
    services.sign_up(shift.pk, world.member_a1)

    # on the day, the member fills the checklist on the phone
    log_in(phone, live_server.url, world.member_a1, world.password)
    phone.goto(live_server.url + reverse("visit-record", args=[visit.pk]))
    assert phone.get_by_role("heading", level=1).inner_text() == f"Visite de ferme — {world.farm.name}"
    axe(phone, name="visit checklist")
    no_sideways_scroll(phone)
    first, second = (phone.locator(f"#point-{p.pk}") for p in points)
    first.get_by_label("respecté", exact=True).check()
    first.get_by_label("Commentaire").fill("Rien à signaler")
    phone.get_by_label("Compte rendu", exact=True).fill("Ferme accueillante, parcelles bien tenues.")
    phone.get_by_label("approuvé sous conditions").check()
    phone.get_by_label("Conditions", exact=True).fill("Replanter la haie nord avant l’hiver")
    phone.get_by_role("button", name="Enregistrer la visite").click()
    phone.wait_for_load_state()
    main = phone.inner_text("main")
    assert "La visite n’a pas été enregistrée." in main and "Dites si cet engagement est respecté." in main
    assert CertificationVisit.objects.get(pk=visit.pk).recorded_at is None
    axe(phone, name="visit checklist, refused")
    no_sideways_scroll(phone)
    second = phone.locator(f"#point-{points[1].pk}")
    second.get_by_label("non respecté").check()
    second.get_by_label("Commentaire").fill("Haie arrachée au nord")
    phone.get_by_label("Prochaine visite d’ici le").fill((day + datetime.timedelta(days=365)).isoformat())
    screenshot(phone, "farm-visit-checklist")
    phone.get_by_role("button", name="Enregistrer la visite").click()
    phone.wait_for_load_state()
    main = phone.inner_text("main")
    assert "La visite est enregistrée" in main and "Haie arrachée au nord" in main
    assert phone.get_by_role("button", name="Enregistrer la visite").count() == 0  # read-only now
    axe(phone, name="visit recorded")
    no_sideways_scroll(phone)

    visit.refresh_from_db()
    assert (visit.decision, visit.recorded_by, visit.conditions) == ("conditions", world.member_a1,
                                                                      "Replanter la haie nord avant l’hiver")
    assert {(c.point_id, c.satisfied) for c in VisitCheck.objects.filter(visit=visit)} == {
        (points[0].pk, True), (points[1].pk, False)}
    # the decision on the producer's public page
    phone.goto(live_server.url + reverse("producer", args=[world.club.slug, world.farm.pk]))
    assert "approuvé sous conditions" in phone.inner_text("main")


def test_the_clubs_other_volunteering_pages_fit_a_phone(world, live_server, phone, screenshot, axe):
    """The set-up, a group's targets, the rotas, a rota and a producer's call for help: readable at 360 px, with
    errors shown in French, and nothing axe-core objects to."""
    world.open_cycle()
    baker = world.user("fournil@example.org", None)
    ProducerAccount.objects.create(user=baker, producer=world.bakery)
    log_in(phone, live_server.url, world.coordinator, world.password)
    phone.goto(live_server.url + reverse("cycle-list"))
    phone.get_by_role("link", name="Bénévolat", exact=True).click()
    phone.wait_for_load_state()
    phone.get_by_role("button", name="Créer les permanences des prochaines distributions").click()
    phone.wait_for_load_state()
    assert "6 créées, 0 déplacées" in phone.inner_text("main")
    phone.locator("#add-shift").get_by_label("Début", exact=True).fill("18:00")
    phone.locator("#add-shift").get_by_label("Fin", exact=True).fill("17:00")
    phone.get_by_role("button", name="Ajouter la permanence").click()
    phone.wait_for_load_state()
    assert "Ce champ est obligatoire." in phone.inner_text("#add-shift")  # no date
    screenshot(phone, "club-volunteering")
    axe(phone, name="club volunteering, refused")
    no_sideways_scroll(phone)

    VolunteerTarget.objects.create(club=world.club, hours_per_year=10)
    phone.goto(live_server.url + reverse("target-adjust", args=[world.group_a.pk]))
    phone.get_by_label("Foyer").select_option(label=world.household_a1.name)
    phone.get_by_label("Heures cette année").fill("0")
    phone.get_by_label("Motif (confidentiel)").fill("Raison de santé")
    phone.get_by_role("button", name="Enregistrer l’objectif").click()
    phone.wait_for_load_state()
    assert "Raison de santé" in phone.inner_text("main")
    screenshot(phone, "targets")
    axe(phone, name="targets")
    no_sideways_scroll(phone)

    phone.goto(live_server.url + reverse("rotas", args=[world.club.pk]))
    phone.get_by_label("Nom", exact=True).fill("Tournée du vendredi")
    start = timezone.localdate() + datetime.timedelta(days=1)
    phone.get_by_label("Premier jour").fill(start.isoformat())
    phone.get_by_label("Dernier jour").fill((start + datetime.timedelta(days=60)).isoformat())
    phone.get_by_label("Le", exact=True).select_option(str(start.weekday()))
    phone.get_by_label("Départ à").fill("07:30")
    phone.get_by_label("Retour à").fill("11:00")
    phone.get_by_label(f"{baker} ({world.bakery.name})", exact=True).check()
    phone.get_by_label(str(world.member_a1), exact=True).check()
    axe(phone, name="rotas")
    no_sideways_scroll(phone)
    phone.get_by_role("button", name="Créer le roulement").click()
    phone.wait_for_load_state()
    assert "9 tours répartis entre les conducteurs" in phone.inner_text("main")
    screenshot(phone, "rota")
    axe(phone, name="rota")
    no_sideways_scroll(phone)
    open_menu(phone)
    phone.get_by_role("button", name="Déconnexion").click()
    phone.wait_for_load_state()

    log_in(phone, live_server.url, baker, world.password)
    assert "Mes tours de conduite" in phone.inner_text("main")
    axe(phone, name="producer home")
    no_sideways_scroll(phone)
    phone.get_by_role("link", name="Demander un coup de main aux membres").click()
    phone.wait_for_load_state()
    phone.get_by_label("Pour quoi faire").fill("Récolte des pommes")
    phone.get_by_label("Date", exact=True).fill((start + datetime.timedelta(days=5)).isoformat())
    phone.get_by_label("Début", exact=True).fill("09:00")
    phone.get_by_label("Fin", exact=True).fill("12:00")
    phone.get_by_role("button", name="Envoyer l’appel").click()
    phone.wait_for_load_state()
    assert "L’appel est envoyé" in phone.inner_text("main") and "0 personne inscrite sur 4 demandées." in phone.inner_text("main")
    screenshot(phone, "harvest-call")
    axe(phone, name="harvest call")
    no_sideways_scroll(phone)
