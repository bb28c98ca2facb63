"""The club's side of volunteering (web/views/volunteering_club.py): task kinds, targets and shifts added by hand
or from the calendar; a household's target reduced or waived, confidentially; harvest calls; farm visits planned,
overdue, filled on a phone and recorded; the drivers' rotas, balanced, on the transport page and the driver's
sheet; the producer's home (club shifts to sign up for, its turns to swap). Who may do what (another club's
coordinators: 404, the club's members: 403), French messages, and the number of queries of each page, the same
for 2 and 10 rows."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.http import HttpResponse
from django.test import Client
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cabas.catalog.models import CertificationVisit, CharterPoint, Producer, ProducerAccount, VisitCheck
from cabas.core.errors import ActionError
from cabas.members.models import Household, Role, RoleKind
from cabas.volunteering import planning, services
from cabas.volunteering.models import (
    DriverRota, HarvestCall, RotaDriver, Shift, Signup, SwapStatus, TargetAdjustment, TaskKind, VolunteerTarget,
)
from cabas.web.views import logistics as logistics_views
from tests.test_logistics import closed_cycle, place_world, plan

DAY = datetime.timedelta(days=1)
T = datetime.time


def url(name, *args):
    return reverse(name, args=args)


def text(response) -> str:
    return response.content.decode()


def stranger(world):
    """A coordinator of the neighbouring club (who has a household there too)."""
    club, _group, household, *_ = world.other_club()
    person = world.user("voisin@example.org", household)
    Role.objects.create(user=person, kind=RoleKind.CLUB_COORDINATOR, club=club)
    return person


def farmer(world, producer=None, email="fournil@example.org"):
    user = world.user(email, None)
    ProducerAccount.objects.create(user=user, producer=producer or world.bakery)
    return user


@pytest.fixture
def charter(world):
    return [CharterPoint.objects.create(club=world.club, text=text_, position=i) for i, text_ in enumerate(
        ["Pas de pesticides de synthèse", "Des haies autour des parcelles", "Un revenu juste pour qui travaille"])]


def later(days=3):
    return timezone.localdate() + days * DAY


# --- who may see what ---------------------------------------------------------------------------------------


def test_only_the_clubs_coordinators_see_its_volunteering_pages(world, login):
    outsider = stranger(world)
    pages = [url("club-volunteering", world.club.pk), url("farm-visits", world.club.pk), url("rotas", world.club.pk)]
    for page in pages:
        assert Client().get(page).status_code == 302  # to the login page
        assert login(world.coordinator).get(page).status_code == 200
        assert login(world.group_coordinator_a).get(page).status_code == 403
        assert login(world.member_a1).get(page).status_code == 403
        assert login(outsider).get(page).status_code == 404  # another club's coordinator: not revealed
    assert login(world.coordinator).get(url("club-volunteering", 999999)).status_code == 404
    rota = planning.create_rota(world.club, name="Tournée", days=[later()], start=T(8), end=T(12), place="",
                                drivers=[(world.member_a1.pk, None), (world.member_b1.pk, None)])
    assert login(world.coordinator).get(url("rota-detail", rota.pk)).status_code == 200
    assert login(world.member_a1).get(url("rota-detail", rota.pk)).status_code == 403
    assert login(outsider).get(url("rota-detail", rota.pk)).status_code == 404
    # the coordination page links to the three
    page = text(login(world.coordinator).get(url("cycle-list")))
    assert all(f'href="{p}"' in page for p in pages)
    assert "Bénévolat" in page and "Visites de ferme" in page and "Tours de conduite" in page


# --- the club's set-up --------------------------------------------------------------------------------------


def test_the_coordinator_edits_tasks_and_targets_and_adds_a_shift(world, login):
    client = login(world.coordinator)
    page = url("club-volunteering", world.club.pk)
    response = client.get(page)
    assert response.status_code == 200
    kinds = {k.name: k for k in TaskKind.objects.filter(club=world.club)}
    assert "Distribution" in kinds and "Visite de ferme" in kinds  # the usual kinds, made the first time
    distribution = kinds["Distribution"]
    assert client.post(page, {"action": "kind", "kind": distribution.pk, f"kind-{distribution.pk}-name": "Distribution du soir",
                              f"kind-{distribution.pk}-hours": "2,5", f"kind-{distribution.pk}-people_needed": "4",
                              f"kind-{distribution.pk}-club": "999"}).status_code == 302
    distribution.refresh_from_db()
    assert (distribution.name, distribution.hours, distribution.people_needed, distribution.club) == \
        ("Distribution du soir", D("2.5"), 4, world.club)
    # a kind of another club is not found
    other_club, their_group, *_ = world.other_club()
    theirs = TaskKind.objects.create(club=other_club, category="cash", name="Caisse", hours=D("1"), people_needed=1)
    assert client.post(page, {"action": "kind", "kind": theirs.pk, f"kind-{theirs.pk}-name": "X",
                              f"kind-{theirs.pk}-hours": "1", f"kind-{theirs.pk}-people_needed": "1"}).status_code == 404
    # a new kind; the same name twice is refused in French
    new = {"action": "new-kind", "new-category": "accounting", "new-name": "Envoi des commandes", "new-hours": "1",
           "new-people_needed": "1"}
    assert client.post(page, new).status_code == 302
    response = client.post(page, new)
    assert response.status_code == 400 and "Le club a déjà une tâche de ce nom." in text(response)
    assert TaskKind.objects.filter(club=world.club, name="Envoi des commandes").count() == 1
    response = client.post(page, {**new, "new-name": "Autre", "new-hours": "30"})
    assert response.status_code == 400 and not TaskKind.objects.filter(name="Autre").exists()

    # targets: the club's, group A's own, group B the club's
    assert client.post(page, {"action": "targets", "targets-club_hours": "10", f"targets-group-{world.group_a.pk}": "6",
                              f"targets-group-{world.group_b.pk}": ""}).status_code == 302
    assert dict(VolunteerTarget.objects.values_list("group_id", "hours_per_year")) == {None: D("10"), world.group_a.pk: D("6")}
    year = timezone.localdate().year
    assert services.household_balance(world.household_a1, year).target == D("6")
    assert services.household_balance(world.household_b1, year).target == D("10")
    assert client.post(page, {"action": "targets", "targets-club_hours": "12",
                              f"targets-group-{world.group_a.pk}": ""}).status_code == 302
    assert dict(VolunteerTarget.objects.values_list("group_id", "hours_per_year")) == {None: D("12")}

    # a shift by hand, for group A; the end before the start is refused in French
    shift = {"action": "shift", "shift-kind": kinds["Caisse"].pk, "shift-group": world.group_a.pk, "shift-day": later().isoformat(),
             "shift-start": "18:00", "shift-end": "17:00", "shift-place": "Dépôt", "shift-people_needed": ""}
    response = client.post(page, shift)
    assert response.status_code == 400 and "La fin doit venir après le début." in text(response)
    assert not Shift.objects.exists()
    assert client.post(page, {**shift, "shift-end": "20:00"}).status_code == 302
    made = Shift.objects.get()
    assert (made.group, made.kind, made.title, made.people_needed, made.hours) == (world.group_a, kinds["Caisse"], "Caisse", 1, D("2"))
    # the whole club; a group of another club is refused
    response = client.post(page, {**shift, "shift-end": "20:00", "shift-group": their_group.pk})
    assert response.status_code == 400 and Shift.objects.count() == 1
    assert client.post(page, {**shift, "shift-end": "20:00", "shift-group": "", "shift-title": "Inventaire"}).status_code == 302
    assert Shift.objects.filter(group__isnull=True, title="Inventaire").exists()


def test_the_shifts_of_the_coming_distributions_are_made_once(world, login):
    world.open_cycle()  # a distribution for each group in five days
    client = login(world.coordinator)
    page = url("club-volunteering", world.club.pk)
    response = client.post(page, {"action": "calendar"}, follow=True)
    assert "6 créées, 0 déplacées" in text(response)  # reception, distribution and cash at each of the 2 depots
    assert Shift.objects.filter(distribution__isnull=False).count() == 6
    response = client.post(page, {"action": "calendar"}, follow=True)
    assert "0 créées, 0 déplacées" in text(response)


# --- targets reduced or waived ------------------------------------------------------------------------------


def test_a_households_target_is_reduced_confidentially(world, login):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=D("10"))
    year = timezone.localdate().year
    page = url("target-adjust", world.group_a.pk)
    solidarity = world.user("solidarite@example.org", None)
    Role.objects.create(user=solidarity, kind=RoleKind.SOLIDARITY, club=world.club)
    balance = url("group-volunteering", world.group_a.pk)
    for who in (world.group_coordinator_a, world.coordinator, solidarity):
        response = login(who).get(page)
        assert response.status_code == 200
        # the group's volunteering page is linked for who may open it: its coordinators, not the solidarity referent
        assert (f'href="{balance}"' in text(response)) == (who != solidarity)
        assert login(who).get(balance).status_code == (404 if who == solidarity else 200)
    assert login(world.member_a1).get(page).status_code == 403  # their own group's page: known, not theirs
    assert login(world.member_b1).get(page).status_code == 404  # another group's
    assert login(world.group_coordinator_a).get(url("target-adjust", world.group_b.pk)).status_code == 404
    assert login(stranger(world)).get(page).status_code == 404

    client = login(world.group_coordinator_a)
    response = client.post(page, {"action": "adjust", "year": year, "household": world.household_a1.pk, "hours": "12",
                                  "reason": "Raison de santé"})
    assert response.status_code == 400 and "Un objectif ne peut qu’être réduit ou supprimé" in text(response)
    response = client.post(page, {"action": "adjust", "year": year, "household": world.household_b1.pk, "hours": "2"})
    assert response.status_code == 400  # a household of another group is not a choice
    assert not TargetAdjustment.objects.exists()
    assert client.post(page, {"action": "adjust", "year": year, "household": world.household_a1.pk, "hours": "4",
                              "reason": "Raison de santé"}).status_code == 302
    assert client.post(page, {"action": "adjust", "year": year, "household": world.household_a2.pk, "hours": "0",
                              "reason": ""}).status_code == 302
    assert services.household_balance(world.household_a1, year).target == D("4")
    assert services.household_balance(world.household_a2, year).exempt
    assert services.household_balance(world.household_a1, year + 1).target == D("10")  # for this year only
    page_text = text(client.get(page))
    assert "Raison de santé" in page_text and "supprimé" in page_text
    # the reason is shown nowhere else to coordinators
    assert "Raison de santé" not in text(login(world.coordinator).get(url("club-volunteering", world.club.pk)))
    # back to the group's target
    assert client.post(page, {"action": "clear", "year": year, "household": world.household_a1.pk}).status_code == 302
    assert services.household_balance(world.household_a1, year).target == D("10")


def test_a_group_without_a_target_has_none_to_reduce(world, login):
    page = url("target-adjust", world.group_a.pk)
    client = login(world.group_coordinator_a)
    assert "Le groupe d’achat n’a pas encore d’objectif" in text(client.get(page))
    response = client.post(page, {"action": "adjust", "year": timezone.localdate().year,
                                  "household": world.household_a1.pk, "hours": "0"})
    assert response.status_code == 400 and "Le groupe d’achat n’a pas d’objectif à réduire." in text(response)
    assert not TargetAdjustment.objects.exists()


# --- harvest calls ------------------------------------------------------------------------------------------


def test_a_producer_calls_for_help_and_a_club_wide_shift_is_made(world, login):
    baker = farmer(world)
    client = login(baker)
    page = url("harvest-call")
    assert client.get(page).status_code == 200
    call = {"title": "Récolte des pommes", "details": "Apportez des gants.", "day": later(6).isoformat(), "start": "09:00",
            "end": "13:00", "people_needed": "5", "producer": world.farm.pk}
    response = client.post(page, {**call, "day": (timezone.localdate() - DAY).isoformat()})
    assert response.status_code == 400 and "Choisissez aujourd’hui ou un jour suivant." in text(response)
    assert client.post(page, call).status_code == 302
    harvest = HarvestCall.objects.get()
    assert (harvest.producer, harvest.created_by) == (world.bakery, baker)  # its own producer, whatever is posted
    shift = Shift.objects.get(harvest_call=harvest)
    assert (shift.group, shift.club, shift.people_needed, shift.hours) == (None, world.club, 5, D("4"))
    # any member of the club may take it, and the call shows how many signed up
    assert shift in services.upcoming_for(world.household_b1, timezone.now())
    services.sign_up(shift.pk, world.member_b1)
    assert "1 personne inscrite sur 5 demandées." in text(client.get(page))
    assert login(world.member_a1).get(page).status_code == 403  # not a producer

    # the referent member calls for the farm
    world.farm.referent = world.member_a1
    world.farm.save()
    page = url("harvest-call-for", world.farm.pk)
    assert login(world.member_a1).post(page, {**call, "title": "Plantation"}).status_code == 302
    assert HarvestCall.objects.get(title="Plantation").producer == world.farm
    assert login(world.member_b1).get(page).status_code == 403
    assert login(stranger(world)).get(page).status_code == 404
    assert login(world.coordinator).get(page).status_code == 200
    assert f'href="{page}"' in text(login(world.member_a1).get(url("referent-home")))


# --- farm visits --------------------------------------------------------------------------------------------


def test_an_overdue_visit_is_flagged_until_one_is_planned(world, login):
    today = timezone.localdate()
    CertificationVisit.objects.create(producer=world.farm, visited_on=today - 400 * DAY, decision="approved",
                                      next_visit_on=today - 30 * DAY, recorded_at=timezone.now())
    CertificationVisit.objects.create(producer=world.bakery, visited_on=today - 100 * DAY, decision="approved",
                                      next_visit_on=today + 200 * DAY, recorded_at=timezone.now())
    client = login(world.coordinator)
    page = url("farm-visits", world.club.pk)
    response = client.get(page)
    rows = {r["producer"]: r for r in response.context["rows"]}
    assert rows[world.farm]["overdue"] and not rows[world.bakery]["overdue"]
    assert "EN RETARD" in text(response) and "1 producteur doit être visité : la date est passée." in text(response)
    # the visit planned: no longer overdue; its shift is the club's
    form = {"producer": world.farm.pk, "day": later(10).isoformat(), "start": "14:00", "end": "17:00", "people_needed": "3"}
    response = client.post(page, {**form, "end": "13:00"})
    assert response.status_code == 400 and "La fin doit venir après le début." in text(response)
    _, _, _, their_producer, _ = world.other_club()
    assert client.post(page, {**form, "producer": their_producer.pk}).status_code == 400
    assert client.post(page, form).status_code == 302
    visit = CertificationVisit.objects.get(recorded_at__isnull=True)
    shift = Shift.objects.get(visit=visit)
    assert (shift.group, shift.people_needed, shift.hours, visit.visited_on) == (None, 3, D("3"), later(10))
    services.sign_up(shift.pk, world.member_b1)
    response = client.get(page)
    assert not {r["producer"]: r for r in response.context["rows"]}[world.farm]["overdue"]
    assert "EN RETARD" not in text(response) and world.member_b1.get_short_name() in text(response)
    assert f'href="{url("visit-record", visit.pk)}"' in text(response)


def test_a_visit_whose_day_passed_unrecorded_is_listed_to_record(world, login, charter):
    """Core fix: a visit planned for yesterday and not recorded yet was in neither the planned nor the latest
    column of the overview, so nobody could reach its checklist any more."""
    visit = planning.schedule_visit(world.farm, day=later(), start=T(9), end=T(12), people_needed=2)
    CertificationVisit.objects.filter(pk=visit.pk).update(visited_on=timezone.localdate() - DAY)
    row = next(r for r in planning.visits_overview(world.club, timezone.localdate()) if r["producer"] == world.farm)
    assert (row["planned"], [v.pk for v in row["to_record"]]) == (None, [visit.pk])
    body = text(login(world.coordinator).get(url("farm-visits", world.club.pk)))
    assert "pas encore enregistrée" in body and f'href="{url("visit-record", visit.pk)}"' in body
    # once recorded, the service refuses to record it again (the page shows it read-only)
    checks = {p.pk: (True, "") for p in charter}
    planning.record_visit(visit.pk, checks=checks, report="", decision="approved", conditions="", next_visit_on=None,
                          by=world.coordinator)
    with pytest.raises(ActionError, match="déjà enregistrée"):
        planning.record_visit(visit.pk, checks=checks, report="", decision="refused", conditions="", next_visit_on=None,
                              by=world.coordinator)
    assert CertificationVisit.objects.get(pk=visit.pk).decision == "approved"


def test_the_visit_checklist_is_filled_on_a_phone_and_recorded(world, login, charter, client):
    visit = planning.schedule_visit(world.farm, day=later(), start=T(14), end=T(17), people_needed=3)
    shift = Shift.objects.get(visit=visit)
    baker = farmer(world)
    services.sign_up(shift.pk, world.member_a1)
    services.sign_up(shift.pk, baker)  # a producer of the club visits too
    page = url("visit-record", visit.pk)
    assert login(world.member_a1).get(page).status_code == 200
    assert login(baker).get(page).status_code == 200
    assert login(world.coordinator).get(page).status_code == 200
    assert login(world.member_b1).get(page).status_code == 403  # of the club, not signed up
    assert login(stranger(world)).get(page).status_code == 404

    client = login(world.member_a1)
    answers = {f"point-{charter[0].pk}": "yes", f"comment-{charter[0].pk}": "Rien à signaler",
               f"point-{charter[1].pk}": "no", f"comment-{charter[1].pk}": "Haie arrachée au nord",
               "report": "Belle ferme, accueil chaleureux.", "decision": "conditions", "conditions": "",
               "next_visit_on": later(365).isoformat()}
    response = client.post(page, answers)  # one commitment not answered, conditions not said
    assert response.status_code == 400
    body = text(response)
    assert "Dites si cet engagement est respecté." in body and "Dites lesquelles." in body
    assert "La visite n’a pas été enregistrée." in body
    visit.refresh_from_db()
    assert visit.recorded_at is None and not VisitCheck.objects.exists()
    response = client.post(page, {**answers, f"point-{charter[2].pk}": "maybe"})  # not a choice
    assert response.status_code == 400 and CertificationVisit.objects.get(pk=visit.pk).recorded_at is None

    answers.update({f"point-{charter[2].pk}": "yes", "conditions": "Replanter la haie avant l’hiver"})
    response = client.post(page, answers, follow=True)
    assert "La visite est enregistrée" in text(response)
    visit.refresh_from_db()
    assert (visit.decision, visit.conditions, visit.recorded_by, visit.next_visit_on) == \
        ("conditions", "Replanter la haie avant l’hiver", world.member_a1, later(365))
    assert world.member_a1.get_full_name() in visit.participants
    assert {(c.point_id, c.satisfied, c.comment) for c in VisitCheck.objects.filter(visit=visit)} == {
        (charter[0].pk, True, "Rien à signaler"), (charter[1].pk, False, "Haie arrachée au nord"), (charter[2].pk, True, "")}
    # read-only from now on
    body = text(client.get(page))
    assert "Haie arrachée au nord" in body and "<form method=\"post\" novalidate id=\"record\">" not in body
    response = client.post(page, {**answers, "decision": "refused"}, follow=True)
    assert "Cette visite est déjà enregistrée." in text(response)
    assert CertificationVisit.objects.get(pk=visit.pk).decision == "conditions"
    # the producer's latest visit on its public page
    response = client.get(url("producer", world.club.slug, world.farm.pk))
    assert response.context["visit"] == visit and "Replanter la haie" in text(response)


# --- the drivers' rotas -------------------------------------------------------------------------------------


def test_a_rota_made_on_the_page_shares_the_turns_evenly(world, login):
    baker = farmer(world)
    client = login(world.coordinator)
    page = url("rotas", world.club.pk)
    start = timezone.localdate() + DAY
    form = {"name": "Tournée du vendredi", "first_day": start.isoformat(), "last_day": (start + 69 * DAY).isoformat(),
            "weekday": str(start.weekday()), "every": "1", "start": "07:30", "end": "11:00", "place": "MIL Rennes",
            f"driver-{baker.pk}": "on", f"driver-{world.member_a1.pk}": "on", f"driver-{world.member_b1.pk}": "on",
            f"driver-{world.member_a2.pk}": "", "club": "999"}
    response = client.post(page, {k: v for k, v in form.items() if not k.startswith("driver-") or k.endswith(str(baker.pk))})
    assert response.status_code == 400 and "Un roulement demande au moins deux conducteurs." in text(response)
    response = client.post(page, {**form, "last_day": (start - DAY).isoformat()})
    assert response.status_code == 400 and not DriverRota.objects.exists()
    response = client.post(page, form, follow=True)
    rota = DriverRota.objects.get()
    assert "10 tours répartis entre les conducteurs" in text(response)
    assert (rota.club, list(RotaDriver.objects.filter(rota=rota).values_list("user_id", "producer_id"))) == (world.club, [
        (baker.pk, world.bakery.pk), (world.member_a1.pk, None), (world.member_b1.pk, None)])  # producers first
    turns = Shift.objects.filter(rota=rota)
    assert turns.count() == 10 and all(timezone.localdate(t.starts_at).weekday() == start.weekday() for t in turns)
    counts = [Signup.objects.filter(shift__rota=rota, user=u).count() for u in (baker, world.member_a1, world.member_b1)]
    assert counts == [4, 3, 3]  # each driver's turns differ by one at most; the first listed takes the extra one
    # an open turn is given again to one who drove least
    first = turns.order_by("starts_at").last()
    Signup.objects.filter(shift=first).delete()
    detail = url("rota-detail", rota.pk)
    assert "le tour libre" in text(client.get(detail)).lower()
    response = client.post(detail, {"action": "balance"}, follow=True)
    assert "1 tour libre donné à un conducteur." in text(response)
    assert Signup.objects.filter(shift=first).count() == 1
    counts = [Signup.objects.filter(shift__rota=rota, user=u).count() for u in (world.member_a1, baker, world.member_b1)]
    assert max(counts) - min(counts) <= 1
    assert "Aucun tour libre à donner." in text(client.post(detail, {"action": "balance"}, follow=True))


def test_a_driver_swaps_a_turn_with_another_driver_of_the_rota(world):
    baker = farmer(world)
    other = farmer(world, world.farm, "ferme@example.org")
    rota = planning.create_rota(world.club, name="Tournée", days=[later(3), later(10)], start=T(8), end=T(12), place="",
                                drivers=[(baker.pk, world.bakery.pk), (other.pk, world.farm.pk)])
    mine = Signup.objects.get(shift__rota=rota, user=baker)
    # those asked are the rota's other drivers, producers' accounts as well as members
    assert services.swap_partners(mine) == [other]
    offer = services.offer_swap(mine.pk, baker, other.pk)
    services.answer_swap(offer.pk, other, accept=True)
    mine.refresh_from_db(), offer.refresh_from_db()
    assert mine.user == other and offer.status == SwapStatus.ACCEPTED
    assert Signup.objects.filter(shift__rota=rota, user=other).count() == 2


def test_the_transport_page_and_the_drivers_sheet_show_who_drives(world, login, monkeypatch):
    cycle = world.open_cycle()
    day = cycle.distributions.first().date
    world.bakery.phone = "02 99 00 00 00"
    world.bakery.save()
    baker = farmer(world)
    rota = planning.create_rota(world.club, name="Tournée du vendredi", days=[day, day + 7 * DAY], start=T(7), end=T(11),
                                place="MIL", drivers=[(baker.pk, world.bakery.pk), (world.member_a1.pk, None)])
    on_the_day = Signup.objects.get(shift__rota=rota, shift__starts_at__date=day)
    assert on_the_day.user == baker
    body = text(login(world.coordinator).get(url("transport", cycle.pk)))
    assert "Tournée du vendredi" in body and "02 99 00 00 00" in body and world.bakery.name in body
    turns = planning.rota_turns_with_drivers(world.club.pk, [day])
    assert [(t["user_id"], t["phone"]) for t in turns] == [(baker.pk, "02 99 00 00 00")]
    # an open turn shows without a driver
    Signup.objects.filter(pk=on_the_day.pk).delete()
    assert [t["user_id"] for t in planning.rota_turns_with_drivers(world.club.pk, [day])] == [None]
    assert "pas encore de conducteur" in text(login(world.coordinator).get(url("transport", cycle.pk)))

    # the driver's sheet (its HTML, before the PDF)
    place_world(world)
    closed = closed_cycle(world)
    planning.create_rota(world.club, name="Roulement du mois", days=[closed.distributions.first().date], start=T(6),
                         end=T(9), place="", drivers=[(baker.pk, world.bakery.pk), (world.member_b1.pk, None)])
    result = plan(closed, "direct")
    captured = {}

    def html(request, template, context, filename):
        captured["html"] = render_to_string(template, context, request=request)
        return HttpResponse(captured["html"])

    monkeypatch.setattr(logistics_views, "pdf_response", html)
    round_ = result.rounds.first()
    assert login(world.coordinator).get(url("driver-sheet", closed.pk, round_.pk)).status_code == 200
    assert "Roulement du mois" in captured["html"] and "02 99 00 00 00" in captured["html"]


# --- the producer's home ------------------------------------------------------------------------------------


def test_the_producers_home_lists_club_shifts_and_its_turns(world, login):
    baker = farmer(world)
    other = farmer(world, world.farm, "ferme@example.org")
    visit = planning.schedule_visit(world.farm, day=later(4), start=T(14), end=T(17), people_needed=2)
    own_visit = planning.schedule_visit(world.bakery, day=later(5), start=T(14), end=T(17), people_needed=2)
    harvest = planning.call_for_harvest(world.farm, title="Récolte des pommes", details="", day=later(6), start=T(9),
                                        end=T(12), people_needed=4)
    planning.add_shift(world.club, kind=planning.kind_for(world.club, "cash"), group=None, title="Caisse du marché",
                       day=later(2), start=T(9), end=T(12), place="")
    rota = planning.create_rota(world.club, name="Tournée", days=[later(3), later(10)], start=T(8), end=T(12), place="",
                                drivers=[(baker.pk, world.bakery.pk), (other.pk, world.farm.pk)])
    body = text(login(baker).get(url("producer-home")))
    visit_shift, harvest_shift = Shift.objects.get(visit=visit), Shift.objects.get(harvest_call=harvest)
    assert f'action="{url("shift-signup", visit_shift.pk)}"' in body
    assert f'action="{url("shift-signup", harvest_shift.pk)}"' in body
    assert f'action="{url("shift-signup", Shift.objects.get(visit=own_visit).pk)}"' not in body  # not its own farm
    assert "Caisse du marché" not in body
    assert f'href="{url("harvest-call")}"' in body
    mine = Signup.objects.get(shift__rota=rota, user=baker)
    assert f'action="{url("swap-offer", mine.pk)}"' in body and f'<option value="{other.pk}">' in body
    # a swap offered to the producer is answered from its home
    theirs = Signup.objects.get(shift__rota=rota, user=other)
    offer = services.offer_swap(theirs.pk, other, baker.pk)
    assert f'action="{url("swap-answer", offer.pk)}"' in text(login(baker).get(url("producer-home")))
    response = login(baker).post(url("swap-answer", offer.pk), {"answer": "accept"})
    assert response.status_code == 302 and response.url == url("producer-home")
    assert Signup.objects.get(pk=theirs.pk).user_id == baker.pk
    # signing up from the producer's home; a group's shift stays out of reach (404)
    response = login(baker).post(url("shift-signup", visit_shift.pk))
    assert response.status_code == 302 and response.url == url("producer-home")
    group_shift = planning.add_shift(world.club, kind=planning.kind_for(world.club, "cash"), group=world.group_a,
                                     title="Caisse", day=later(2), start=T(9), end=T(12), place="")
    assert login(baker).post(url("shift-signup", group_shift.pk)).status_code == 404
    body = text(login(baker).get(url("producer-home")))
    assert f'action="{url("shift-signup", visit_shift.pk)}"' not in body and "Vous y êtes inscrit" in body


# --- queries ------------------------------------------------------------------------------------------------


def _households(world, n):
    for i in range(n):
        household = Household.objects.create(group=world.group_a, name=f"Foyer n°{i}")
        world.user(f"membre{i}@example.org", household)


def _pages_count(django_assert_num_queries, client, page, count, grow):
    """The page costs ``count`` queries with the data as it is, and again once ``grow()`` has added rows."""
    for step in range(2):
        with django_assert_num_queries(count):
            response = client.get(page)
        assert response.status_code == 200
        if step == 0:
            size = len(response.content)
            grow()
    assert len(response.content) > size


def test_the_club_pages_cost_the_same_for_2_and_10_rows(world, login, django_assert_num_queries, charter):
    client = login(world.coordinator)
    # session, user, roles, club, kinds exist?, kinds (ensure_kinds), kinds, groups, targets
    planning.ensure_kinds(world.club)
    TaskKind.objects.filter(name__in=["Comptabilité", "Tournée", "Caisse", "Aide à la récolte", "Visite de ferme"]).delete()

    def more_kinds():
        for i in range(8):
            TaskKind.objects.create(club=world.club, category="other", name=f"Tâche {i}", hours=D("1"), people_needed=1)
        for i in range(8):
            group = world._group(f"GAC {i}", f"gac-{i}", 2)
            VolunteerTarget.objects.create(club=world.club, group=group, hours_per_year=D("5"))

    _pages_count(django_assert_num_queries, client, url("club-volunteering", world.club.pk), 9, more_kinds)

    # the targets of a group: session, user, roles, group+club, households, own group target, adjustments
    _pages_count(django_assert_num_queries, client, url("target-adjust", world.group_a.pk), 7, lambda: _households(world, 8))

    # farm visits: session, user, roles, club, producers, visits, visit shifts, their sign-ups+user
    def more_visits():
        for i in range(8):
            producer = Producer.objects.create(club=world.club, name=f"Ferme {i}")
            CertificationVisit.objects.create(producer=producer, visited_on=later(-400), decision="approved",
                                              next_visit_on=later(-3), recorded_at=timezone.now())
            shift = Shift.objects.get(visit=planning.schedule_visit(producer, day=later(9), start=T(9), end=T(12),
                                                                    people_needed=2))
            services.sign_up(shift.pk, world.member_a1)

    planning.schedule_visit(world.farm, day=later(9), start=T(9), end=T(12), people_needed=2)
    _pages_count(django_assert_num_queries, client, url("farm-visits", world.club.pk), 8, more_visits)

    # a visit's checklist: session, user, roles, visit+producer+club, shift, sign-ups+user, charter points
    visit = planning.schedule_visit(world.farm, day=later(9), start=T(9), end=T(12), people_needed=2)

    def more_points():
        for i in range(8):
            CharterPoint.objects.create(club=world.club, text=f"Engagement {i}", position=10 + i)

    _pages_count(django_assert_num_queries, client, url("visit-record", visit.pk), 7, more_points)


def test_the_rota_and_harvest_pages_cost_the_same_for_2_and_10_rows(world, login, django_assert_num_queries):
    client = login(world.coordinator)
    baker = farmer(world)

    def rota(n, name="Tournée"):
        return planning.create_rota(world.club, name=name, days=[later(1 + 7 * i) for i in range(n)], start=T(8), end=T(12),
                                    place="", drivers=[(baker.pk, world.bakery.pk), (world.member_a1.pk, None)])

    rota(2)
    # the rotas: session, user, roles, club, producers' accounts, members, rotas with their counts
    _pages_count(django_assert_num_queries, client, url("rotas", world.club.pk), 7,
                 lambda: [rota(2, f"Tournée {i}") for i in range(8)] + [_households(world, 8)])

    # a rota: session, user, roles, rota+club, turns, sign-ups, their users, drivers+user+producer
    long = rota(2, "Longue")

    def more_turns():
        RotaDriver.objects.create(rota=long, user=world.member_b1, position=5)
        for i in range(8):
            planning.add_shift(world.club, kind=planning.kind_for(world.club, "driving"), group=None, title=f"Tour {i}",
                               day=later(30 + 7 * i), start=T(8), end=T(12), place="")
        Shift.objects.filter(title__startswith="Tour ").update(rota=long)
        planning.balance_rota(long)

    _pages_count(django_assert_num_queries, client, url("rota-detail", long.pk), 8, more_turns)

    # a producer's calls: session, user, roles, producer account+producer+club, calls with their counts
    def call(i):
        planning.call_for_harvest(world.bakery, title=f"Appel {i}", details="", day=later(3 + i), start=T(9), end=T(12),
                                  people_needed=3)

    call(0), call(1)
    _pages_count(django_assert_num_queries, login(baker), url("harvest-call"), 5, lambda: [call(i) for i in range(2, 10)])
