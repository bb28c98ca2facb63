"""Volunteering services: sign-up, withdraw, swaps, assignment, confirmation, balances and targets; the shifts
made from the calendar, harvest calls, farm visits and the drivers' rota."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cabas.catalog.models import CharterPoint, ProducerAccount, VisitDecision
from cabas.core.errors import ActionError
from cabas.distribution.models import Distribution
from cabas.volunteering import planning, services
from cabas.volunteering.models import Shift, Signup, SwapOffer, SwapStatus, TargetAdjustment, TaskCategory, VolunteerTarget


def make_shift(world, *, group=None, days=5, people=2, hours="2", club_wide=False):
    kind = planning.kind_for(world.club, TaskCategory.DISTRIBUTION)
    start = timezone.now() + datetime.timedelta(days=days)
    return Shift.objects.create(club=world.club, group=None if club_wide else (group or world.group_a), kind=kind,
                                title="Distribution", starts_at=start, ends_at=start + datetime.timedelta(hours=2),
                                people_needed=people, hours=Decimal(hours))


@pytest.fixture
def shift(world):
    return make_shift(world)


def test_a_member_signs_up_and_sees_who_else_is_on_it(world, shift):
    services.sign_up(shift.pk, world.member_a1)
    services.sign_up(shift.pk, world.member_a2)
    [place] = services.places([services.with_signups(Shift.objects.filter(pk=shift.pk)).get()], world.member_a1, timezone.now())
    assert [s.user_id for s in place.people] == [world.member_a1.pk, world.member_a2.pk]
    assert place.mine is not None and place.free == 0 and not place.can_sign_up


def test_a_full_shift_another_group_s_shift_and_twice_are_refused(world, shift):
    services.sign_up(shift.pk, world.member_a1)
    with pytest.raises(ActionError, match="déjà inscrit"):
        services.sign_up(shift.pk, world.member_a1)
    with pytest.raises(ActionError, match="pas ouverte"):
        services.sign_up(shift.pk, world.member_b1)
    services.sign_up(shift.pk, world.member_a2)
    with pytest.raises(ActionError, match="complète"):
        services.sign_up(shift.pk, world.member_a1_bis)
    assert Signup.objects.filter(shift=shift).count() == 2


def test_a_club_wide_shift_is_open_to_every_group_and_to_the_club_s_producers(world):
    shift = make_shift(world, club_wide=True, people=3)
    services.sign_up(shift.pk, world.member_b1)
    farmer = world.user("farmer@example.org", None)
    ProducerAccount.objects.create(user=farmer, producer=world.farm)
    signup = services.sign_up(shift.pk, farmer)
    assert signup.household_id is None
    with pytest.raises(ActionError):  # a group's shift is not for a producer's account
        services.sign_up(make_shift(world).pk, farmer)


def test_withdrawing_is_allowed_until_the_deadline(world, settings):
    settings.CABAS_SHIFT_WITHDRAW_HOURS = 48
    later, soon = make_shift(world, days=5), make_shift(world, days=1)
    mine = services.sign_up(later.pk, world.member_a1)
    services.withdraw(mine.pk, world.member_a1)
    assert not Signup.objects.filter(shift=later).exists()
    close = services.sign_up(soon.pk, world.member_a1)
    with pytest.raises(ActionError, match="trop tard"):
        services.withdraw(close.pk, world.member_a1)
    with pytest.raises(ActionError):  # not someone else's
        services.withdraw(close.pk, world.member_a2)


def test_a_swap_moves_the_place_only_once_accepted(world, shift):
    mine = services.sign_up(shift.pk, world.member_a1)
    assert world.member_a2 in services.swap_partners(mine) and world.member_b1 not in services.swap_partners(mine)
    offer = services.offer_swap(mine.pk, world.member_a1, world.member_a2.pk)
    assert Signup.objects.get(pk=mine.pk).user_id == world.member_a1.pk
    assert services.pending_swaps_for(world.member_a2) == [offer]
    with pytest.raises(ActionError):  # only the person asked answers
        services.answer_swap(offer.pk, world.member_a1_bis, accept=True)
    services.answer_swap(offer.pk, world.member_a2, accept=True)
    moved = Signup.objects.get(pk=mine.pk)
    assert (moved.user_id, moved.household_id) == (world.member_a2.pk, world.household_a2.pk)
    with pytest.raises(ActionError, match="n.attend plus"):
        services.answer_swap(offer.pk, world.member_a2, accept=True)


def test_a_swap_in_exchange_trades_both_places_and_a_decline_moves_nothing(world, shift):
    other = make_shift(world, days=9)
    mine = services.sign_up(shift.pk, world.member_a1)
    theirs = services.sign_up(other.pk, world.member_a2)
    declined = services.offer_swap(mine.pk, world.member_a1, world.member_a2.pk, in_exchange_id=theirs.pk)
    services.answer_swap(declined.pk, world.member_a2, accept=False)
    assert SwapOffer.objects.get(pk=declined.pk).status == SwapStatus.DECLINED
    assert Signup.objects.get(pk=mine.pk).user_id == world.member_a1.pk
    offer = services.offer_swap(mine.pk, world.member_a1, world.member_a2.pk, in_exchange_id=theirs.pk)
    services.answer_swap(offer.pk, world.member_a2, accept=True)
    assert Signup.objects.get(pk=mine.pk).user_id == world.member_a2.pk
    assert Signup.objects.get(pk=theirs.pk).user_id == world.member_a1.pk


def test_hours_count_once_confirmed_and_a_no_show_counts_nothing(world, shift):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=Decimal("12"))
    a1 = services.sign_up(shift.pk, world.member_a1)
    a2 = services.sign_up(shift.pk, world.member_a2)
    year = timezone.localdate(shift.starts_at).year
    balance = services.household_balance(world.household_a1, year)
    assert (balance.target, balance.done, balance.planned, balance.due) == (Decimal("12"), 0, Decimal("2"), Decimal("10"))
    with pytest.raises(ActionError, match="commencée"):
        services.confirm(a1.pk, shift, attended=True, by=world.group_coordinator_a)
    Shift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=3),
                                             ends_at=timezone.now() - datetime.timedelta(hours=1))
    services.confirm(a1.pk, shift, attended=True, by=world.group_coordinator_a)
    assert Shift.objects.get(pk=shift.pk).confirmed_at is None  # a2 not confirmed yet
    services.confirm(a2.pk, shift, attended=False, by=world.group_coordinator_a)
    assert Shift.objects.get(pk=shift.pk).confirmed_at is not None
    year = timezone.localdate(Shift.objects.get(pk=shift.pk).starts_at).year
    b1, b2 = services.household_balance(world.household_a1, year), services.household_balance(world.household_a2, year)
    assert (b1.done, b1.planned, b1.due) == (Decimal("2"), 0, Decimal("10"))
    assert (b2.done, b2.planned) == (0, 0)


def test_targets_come_from_the_adjustment_then_the_group_then_the_club(world):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=Decimal("12"))
    VolunteerTarget.objects.create(club=world.club, group=world.group_b, hours_per_year=Decimal("8"))
    TargetAdjustment.objects.create(household=world.household_a2, year=2027, hours=Decimal("0"), reason="santé")
    rows = {b.household_id: b for b in services.club_balances(world.club.pk, 2027)}
    assert rows[world.household_a1.pk].target == 12 and rows[world.household_b1.pk].target == 8
    assert rows[world.household_a2.pk].exempt
    assert services.club_balances(world.club.pk, 2028)[0].target == 12  # the adjustment was for 2027


def test_suggestions_propose_households_below_target_not_on_the_shift(world, shift):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=Decimal("6"))
    services.sign_up(shift.pk, world.member_a1)
    suggested = services.suggestions(shift, timezone.localdate(shift.starts_at).year)
    assert [household.pk for _b, household, _members in suggested] == [world.household_a2.pk]
    assert world.member_a2 in suggested[0][2]


def test_gaps_and_shifts_to_confirm(world, shift):
    full = make_shift(world, people=1, days=3)
    services.sign_up(full.pk, world.member_a1)
    assert list(services.gaps(Shift.objects.all(), timezone.now())) == [shift]
    services.sign_up(shift.pk, world.member_a2)
    Shift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=2),
                                             ends_at=timezone.now() - datetime.timedelta(hours=1))
    assert list(services.to_confirm(Shift.objects.all(), timezone.now())) == [shift]


def test_calendar_shifts_are_made_once_and_moved_with_their_distribution(world):
    cycle = world.open_cycle()
    today = timezone.localdate()
    created, moved = planning.make_calendar_shifts(world.club, since=today, until=today + datetime.timedelta(days=30))
    assert (created, moved) == (6, 0)  # reception, distribution and cash at both depots
    assert planning.make_calendar_shifts(world.club, since=today, until=today + datetime.timedelta(days=30)) == (0, 0)
    distribution = Distribution.objects.get(cycle=cycle, group=world.group_a)
    reception = Shift.objects.get(distribution=distribution, kind__category=TaskCategory.RECEPTION)
    assert timezone.localtime(reception.ends_at).time() == datetime.time(18)  # until the distribution opens
    Distribution.objects.filter(pk=distribution.pk).update(date=distribution.date + datetime.timedelta(days=1))
    assert planning.make_calendar_shifts(world.club, since=today, until=today + datetime.timedelta(days=30)) == (0, 3)
    reception.refresh_from_db()
    assert reception.sequence == 1 and timezone.localdate(reception.starts_at) == distribution.date + datetime.timedelta(days=1)


def test_a_harvest_call_makes_a_club_wide_shift_at_the_farm(world):
    day = timezone.localdate() + datetime.timedelta(days=10)
    call = planning.call_for_harvest(world.farm, title="Récolte des pommes de terre", details="Bottes", day=day,
                                     start=datetime.time(9), end=datetime.time(12, 30), people_needed=6)
    shift = call.shifts.get()
    assert shift.group is None and shift.hours == Decimal("3.50") and shift.kind.category == TaskCategory.HARVEST
    with pytest.raises(ActionError):
        planning.call_for_harvest(world.farm, title="x", details="", day=day, start=datetime.time(12),
                                  end=datetime.time(9), people_needed=2)


def test_a_farm_visit_is_planned_then_recorded_with_its_checklist(world):
    points = [CharterPoint.objects.create(club=world.club, text=t, position=i) for i, t in enumerate(["Sol vivant", "Prix juste"])]
    day = timezone.localdate() + datetime.timedelta(days=3)
    visit = planning.schedule_visit(world.farm, day=day, start=datetime.time(14), end=datetime.time(17), people_needed=3)
    services.sign_up(visit.shifts.get().pk, world.member_b1)
    rows = {r["producer"].pk: r for r in planning.visits_overview(world.club, timezone.localdate())}
    assert rows[world.farm.pk]["planned"] == visit and rows[world.farm.pk]["latest"] is None
    with pytest.raises(ActionError) as refused:
        planning.record_visit(visit.pk, checks={points[0].pk: (True, "")}, report="", decision="conditions",
                              conditions="", next_visit_on=None, by=world.coordinator)
    assert set(refused.value.field_errors) == {f"point-{points[1].pk}", "conditions"}
    planning.record_visit(visit.pk, checks={points[0].pk: (True, ""), points[1].pk: (False, "à revoir")}, report="Bien",
                          decision=VisitDecision.CONDITIONS, conditions="Revoir les prix",
                          next_visit_on=day + datetime.timedelta(days=180), by=world.coordinator)
    visit.refresh_from_db()
    assert visit.recorded_at and visit.participants == "b1" and visit.checks.filter(satisfied=False).count() == 1
    later = day + datetime.timedelta(days=200)
    assert {r["producer"].pk: r["overdue"] for r in planning.visits_overview(world.club, later)}[world.farm.pk] is True


def test_a_rota_shares_the_season_s_turns_evenly(world):
    drivers = [world.user(f"driver{i}@example.org", None) for i in range(3)]
    for d in drivers:
        ProducerAccount.objects.create(user=d, producer=world.farm)
    start = timezone.localdate() + datetime.timedelta(days=7)
    days = [start + datetime.timedelta(weeks=w) for w in range(10)]
    rota = planning.create_rota(world.club, name="Tournée du mardi", days=days, start=datetime.time(7), end=datetime.time(12),
                                place="Ferme de la Prée", drivers=[(d.pk, world.farm.pk) for d in drivers])
    turns, counts = planning.rota_table(rota)
    assert len(turns) == 10 and sorted(c["turns"] for c in counts) == [3, 3, 4]
    assert planning.balance_rota(rota) == 0  # every turn is taken
    [first] = planning.rota_turns_with_drivers(world.club.pk, [days[0]])
    assert first["shift_id"] == turns[0].pk and first["user_id"] == drivers[0].pk and first["producer"] == world.farm.name
    with pytest.raises(ActionError):
        planning.create_rota(world.club, name="x", days=days, start=datetime.time(7), end=datetime.time(12), place="",
                             drivers=[(drivers[0].pk, None)])
