"""The volunteering pages cost the same number of queries with 2 shifts (households, sign-ups, swaps) as with 10.

Counts include the session and the user loaded by the middleware and the roles loaded once by ``access_for``
(the menu). Update EXPECTED deliberately when a page legitimately gains or loses a query."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabas.members.models import Household
from cabas.volunteering.models import Shift, Signup, SwapOffer, TargetAdjustment, TaskCategory, VolunteerTarget
from cabas.volunteering.planning import ensure_kinds

HOUR = datetime.timedelta(hours=1)

EXPECTED = {
    # session, user, roles (menu), household+group+club with its target, its hours, the shifts open to it and their
    # sign-ups with people and households (2), the group's members (swap partners), the swaps I proposed, the swaps
    # proposed to me
    "shifts": 10,
    # session, user, roles, group+club, the group's balances (households, targets ×2, hours), the households'
    # names, the gaps, every coming shift with its count, the shifts to confirm
    "group-volunteering": 12,
    # … and the club's groups, for its coordinators
    "group-volunteering-club": 13,
    # the home page as pinned in test_query_counts (8, an open cycle) and the card: the next shift, the hours
    "home": 10,
    # session, user, roles, shift+club+group+kind, sign-ups+user+household, the suggestions (households, targets ×2,
    # hours, on it, latest sign-ups, households, members), the members to choose from
    "shift-detail": 14,
}


def populate(world, start: int, end: int):
    """Shifts numbered start…end-1 of each kind: the group's coming ones (member A1 on each), the club's coming ones
    (A2 on each, offering it to A1 in exchange… of nothing), past ones of the group to confirm, and households
    of group A with a member and a reduced target."""
    kind = ensure_kinds(world.club)[TaskCategory.DISTRIBUTION]
    now = timezone.now()
    year = timezone.localdate().year
    for i in range(start, end):
        starts = now + HOUR * (72 + i)
        coming = Shift.objects.create(club=world.club, group=world.group_a, kind=kind, title=f"Distribution {i}", starts_at=starts,
                                      ends_at=starts + HOUR, people_needed=3, hours=Decimal("2"))
        Signup.objects.create(shift=coming, user=world.member_a1, household=world.household_a1)
        club = Shift.objects.create(club=world.club, group=None, kind=kind, title=f"Récolte {i}", starts_at=starts,
                                    ends_at=starts + HOUR, people_needed=4, hours=Decimal("3"))
        theirs = Signup.objects.create(shift=club, user=world.member_a2, household=world.household_a2)
        SwapOffer.objects.create(signup=theirs, to_user=world.member_a1)
        past = Shift.objects.create(club=world.club, group=world.group_a, kind=kind, title=f"Passée {i}",
                                    starts_at=now - HOUR * (3 + i), ends_at=now - HOUR * (2 + i), people_needed=2, hours=Decimal("1"))
        Signup.objects.create(shift=past, user=world.member_a1, household=world.household_a1, attended=True)
        Signup.objects.create(shift=past, user=world.member_a2, household=world.household_a2)
        household = Household.objects.create(group=world.group_a, name=f"Foyer {i}")
        world.user(f"membre{i}@example.org", household)
        TargetAdjustment.objects.create(household=household, year=year, hours=Decimal(i))
    return Shift.objects.create(club=world.club, group=world.group_a, kind=kind, title="À pourvoir", starts_at=now + HOUR * 200,
                                ends_at=now + HOUR * 201, people_needed=5, hours=Decimal("2"))


def measure(world, django_assert_num_queries, gap: Shift):
    member, group_coordinator, club_coordinator = Client(), Client(), Client()
    member.force_login(world.member_a1)
    group_coordinator.force_login(world.group_coordinator_a)
    club_coordinator.force_login(world.coordinator)
    pages = [
        ("shifts", member, reverse("shifts")),
        ("group-volunteering", group_coordinator, reverse("group-volunteering", args=[world.group_a.pk])),
        ("group-volunteering-club", club_coordinator, reverse("group-volunteering", args=[world.group_a.pk])),
        ("home", member, reverse("home")),
        ("shift-detail", group_coordinator, reverse("shift-detail", args=[gap.pk])),
    ]
    for name, client, url in pages:
        with django_assert_num_queries(EXPECTED[name]):
            response = client.get(url)
        assert response.status_code == 200, name


def test_the_volunteering_pages_cost_a_constant_number_of_queries(world, django_assert_num_queries):
    VolunteerTarget.objects.create(club=world.club, hours_per_year=Decimal("12"))
    VolunteerTarget.objects.create(club=world.club, group=world.group_a, hours_per_year=Decimal("10"))
    world.open_cycle()
    gap = populate(world, 0, 2)
    measure(world, django_assert_num_queries, gap)
    populate(world, 2, 10)
    assert Shift.objects.count() == 32 and Signup.objects.filter(user=world.member_a1).count() == 20
    measure(world, django_assert_num_queries, gap)
