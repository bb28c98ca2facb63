"""The transport pages: who may see and act (club coordinators only), planning, sharing, choosing and posting from
the page, the driver's sheet (PDF) and the diagram (SVG); and the number of queries of the page and of the
services, the same for 4 and 40 households."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest
from django.urls import reverse

from cabas.core.formatting import format_duration
from cabas.flows import post_transport_shares
from cabas.finance.checks import check_ledger
from cabas.logistics import services
from cabas.logistics.models import LogisticsSettings, PlanningRequest, Round, TransportPlan
from cabas.members.models import Role, RoleKind
from tests.test_logistics import closed_cycle, place_world, plan
from tests.test_query_counts import large_scenario, measure, show, small_scenario

# Pinned counts (SQLite and PostgreSQL alike), whatever the number of households:
COUNTS = {
    # session, user, roles, cycle+club, plans (+ posted transaction), settings, rounds, stops, shares
    "transport-page": 11,  # 9, and the last planning request (being computed? its errors), and who drives the
    # turns of the drivers' rotas on the cycle's distribution days (one query)
    # reading, before the solver: cycle+club, posted plan?, settings, chilled categories, sites, groups+depots,
    # producers, the aggregate of the allocations, household names, vehicles+home; then writing in one transaction:
    # SAVEPOINT, plan FOR UPDATE, INSERT plan (in its own SAVEPOINT: 3), INSERT rounds, INSERT stops, INSERT shares,
    # RELEASE SAVEPOINT
    "plan-households": 19,
    # SAVEPOINT, plan FOR UPDATE+cycle+club, other posted plan?, key taken?, shares, the households' accounts
    # (party_accounts: names, INSERT missing, SELECT), the pool account (INSERT if missing, SELECT), the posting (INSERT
    # sequence, sequence FOR UPDATE, UPDATE sequence, INSERT transaction, INSERT entries), unchoose the others,
    # UPDATE plan, RELEASE SAVEPOINT
    "post-households": 18,
    # the same with the allocations per household of each group read once (+1)
    "post-groups": 19,
}


@pytest.fixture
def placed(world):
    return place_world(world)


def url(name, *args):
    return reverse(name, args=args)


# --- who may see and act ----------------------------------------------------------------------------


def test_only_the_clubs_coordinators_see_the_transport(placed, client):
    cycle = closed_cycle(placed)
    page = url("transport", cycle.pk)
    assert client.get(page).status_code == 302  # to the login page
    client.force_login(placed.member_a1)
    assert client.get(page).status_code == 403
    client.force_login(placed.group_coordinator_a)
    assert client.get(page).status_code == 403
    assert client.post(url("transport-plan", cycle.pk), {"scheme": "direct"}).status_code == 403
    assert not TransportPlan.objects.exists()
    other_club, *_rest = placed.other_club()
    outsider = placed.user("coord-voisin@example.org", None)
    Role.objects.create(user=outsider, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    client.force_login(outsider)
    assert client.get(page).status_code == 404
    assert client.post(url("transport-plan", cycle.pk), {"scheme": "direct"}).status_code == 404
    client.force_login(placed.coordinator)
    response = client.get(page)
    assert response.status_code == 200 and response.context["plans"] == []


def test_a_plan_of_another_cycle_is_not_found(placed, client):
    cycle = closed_cycle(placed)
    result = plan(cycle, "direct")
    other = placed.open_cycle(name="Autre")
    client.force_login(placed.coordinator)
    assert client.get(url("transport-svg", other.pk, result.pk)).status_code == 404
    assert client.post(url("transport-post", other.pk, result.pk)).status_code == 404
    round_ = Round.objects.filter(plan=result).first()
    assert client.get(url("driver-sheet", other.pk, round_.pk)).status_code == 404


# --- the page ---------------------------------------------------------------------------------------


def fast_settings(world):
    LogisticsSettings.objects.filter(club=world.club).update(solver_seconds=D("0.2"), coalition_seconds=D("0.05"))


def test_planning_every_scheme_from_the_page_compares_them(placed, client, run_tasks):
    fast_settings(placed)
    cycle = closed_cycle(placed)
    run_tasks()  # the closing's e-mails
    client.force_login(placed.coordinator)
    started = time.monotonic()
    response = client.post(url("transport-plan", cycle.pk), {"scheme": "all"}, follow=True)
    assert time.monotonic() - started < 2  # the solver has not run: the page answers at once
    assert response.status_code == 200 and not TransportPlan.objects.exists()
    page = response.content.decode()
    assert "being computed" in page or "en cours de calcul" in page
    assert '<meta http-equiv="refresh"' in page
    # a second click while it computes plans nothing more
    client.post(url("transport-plan", cycle.pk), {"scheme": "all"})
    assert PlanningRequest.objects.filter(cycle=cycle).count() == 1
    assert run_tasks() == 1  # the worker plans every scheme
    response = client.get(url("transport", cycle.pk))
    assert '<meta http-equiv="refresh"' not in response.content.decode()
    assert set(TransportPlan.objects.filter(cycle=cycle).values_list("scheme", flat=True)) == {"own", "direct", "hub"}
    page = response.content.decode()
    assert "<svg" in page and "polyline" in page
    assert page.count('href="?plan=') == 3
    direct = TransportPlan.objects.get(cycle=cycle, scheme="direct")
    page = client.get(url("transport", cycle.pk) + f"?plan={direct.pk}").content.decode()
    assert "Porteur frigorifique" in page or "Voiture" in page
    assert "GAC de Rennes" in page and "GAC de Vitré" in page  # the sharing table


def test_bad_input_is_refused_with_a_message(placed, client):
    cycle = closed_cycle(placed)
    client.force_login(placed.coordinator)
    response = client.post(url("transport-plan", cycle.pk), {"scheme": "teleport"}, follow=True)
    assert response.status_code == 200 and not TransportPlan.objects.exists() and not PlanningRequest.objects.exists()
    assert list(response.context["messages"])
    result = plan(cycle, "direct")
    before = list(result.shares.values_list("share", flat=True))
    response = client.post(url("transport-share", cycle.pk, result.pk), {"method": "lottery", "participants": "groups"},
                           follow=True)
    assert response.status_code == 200 and list(response.context["messages"])
    assert list(result.shares.values_list("share", flat=True)) == before
    open_cycle = placed.open_cycle(name="Ouvert")
    response = client.post(url("transport-plan", open_cycle.pk), {"scheme": "direct"}, follow=True)
    assert response.status_code == 200 and not TransportPlan.objects.filter(cycle=open_cycle).exists()
    assert client.get(url("transport", open_cycle.pk)).status_code == 200


def test_sharing_choosing_and_posting_from_the_page(placed, client):
    fast_settings(placed)
    cycle = closed_cycle(placed)
    result = plan(cycle, "hub")
    client.force_login(placed.coordinator)
    response = client.post(url("transport-share", cycle.pk, result.pk), {"method": "shapley", "participants": "producers"})
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.sharing_method == "shapley" and result.participants == "producers"
    assert client.post(url("transport-choose", cycle.pk, result.pk)).status_code == 302
    assert TransportPlan.objects.get(pk=result.pk).chosen
    assert client.post(url("transport-post", cycle.pk, result.pk)).status_code == 302
    assert TransportPlan.objects.get(pk=result.pk).posted
    response = client.post(url("transport-post", cycle.pk, result.pk), follow=True)
    assert response.status_code == 200 and check_ledger() == []
    page = client.get(url("transport", cycle.pk) + f"?plan={result.pk}").content.decode()
    assert 'action="' + url("transport-post", cycle.pk, result.pk) not in page


def test_the_drivers_sheet_is_a_pdf_and_the_diagram_an_svg(placed, client):
    cycle = closed_cycle(placed)
    result = plan(cycle, "hub")
    client.force_login(placed.coordinator)
    for round_ in Round.objects.filter(plan=result):
        response = client.get(url("driver-sheet", cycle.pk, round_.pk))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    response = client.get(url("transport-svg", cycle.pk, result.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == Round.objects.filter(plan=result).count()


# --- queries ----------------------------------------------------------------------------------------


def _coordinates(world):
    """The large scenario's extra producers get coordinates too."""
    from cabas.catalog.models import Producer

    Producer.objects.filter(club=world.club, latitude__isnull=True).update(latitude=D("48.2"), longitude=D("-1.5"))


def test_the_transport_page_costs_the_same_for_4_and_40_households(world, client):
    place_world(world, participants="households")
    client.force_login(world.coordinator)

    def page(scenario):
        _coordinates(world)
        result = plan(scenario.cycle, "direct")
        post_transport_shares(result)
        count, ctx, response = measure(lambda: client.get(url("transport", scenario.cycle.pk)))
        assert response.status_code == 200
        return count, ctx

    small = page(small_scenario(world, closed=True))
    large = page(large_scenario(world, closed=True))
    _pin("transport-page", small, large)


def _pin(key, small, large):
    """small and large are (count, captured queries): equal, and equal to the pinned count."""
    (n_small, ctx_small), (n_large, ctx_large) = small, large
    assert n_small == n_large, f"{key}: {n_small} queries for 4 households, {n_large} for 40\n{show(ctx_small)}\n---\n{show(ctx_large)}"
    assert n_small == COUNTS[key], f"{key}: {n_small} queries, pinned {COUNTS[key]}\n{show(ctx_small)}"


@pytest.mark.parametrize("participants", ["households", "groups"])
def test_planning_and_posting_cost_the_same_for_4_and_40_households(world, monkeypatch, participants):
    place_world(world, participants=participants)
    monkeypatch.setattr(services, "MAX_COALITIONS", 0)  # no coalition planned again: only the queries matter here

    def run(scenario):
        _coordinates(world)
        planned = measure(lambda: plan(scenario.cycle, "direct"))
        assert planned[2].shares.count() == len({h.pk for h in scenario.households}) if participants == "households" \
            else planned[2].shares.count() >= 2
        posted = measure(lambda: post_transport_shares(planned[2]))
        assert posted[2] is not None
        return planned[:2], posted[:2]

    small = run(small_scenario(world, closed=True))
    large = run(large_scenario(world, closed=True))
    if participants == "households":
        _pin("plan-households", small[0], large[0])
    else:
        assert small[0][0] == large[0][0] - 0  # planning among groups: no household name query
    _pin(f"post-{participants}", small[1], large[1])
    assert check_ledger() == []


def test_the_transport_page_writes_hours_as_hours_and_a_rounds_minutes_as_minutes(placed, client, run_tasks):
    """Plans count hours, rounds minutes: both read « 8 h 05 », never hours taken for minutes."""
    fast_settings(placed)
    cycle = closed_cycle(placed)
    run_tasks()
    client.force_login(placed.coordinator)
    client.post(url("transport-plan", cycle.pk), {"scheme": "all"})
    run_tasks()
    page = client.get(url("transport", cycle.pk)).content.decode()
    for plan in TransportPlan.objects.filter(cycle=cycle):
        assert format_duration(plan.hours) in page  # e.g. 1.5 hours: « 1 h 30 », not « 2 min »
        shown = client.get(url("transport", cycle.pk) + f"?plan={plan.pk}").content.decode()
        for round_ in plan.rounds.all():
            assert f'href="{url("transport-round", cycle.pk, round_.pk)}"' in shown  # each round opens its driver's page
            round_page = client.get(url("transport-round", cycle.pk, round_.pk)).content.decode()
            assert format_duration(minutes=int(round(round_.minutes))) in round_page
