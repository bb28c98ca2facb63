"""A season of volunteering in the demo club: the year's shifts at each depot done and confirmed, the coming
distributions' shifts partly filled (one with no one yet), a swap waiting for the member of the Rennes group, a
household whose target is waived and one reduced, a harvest call, a farm visit planned with its sign-ups (the
dairy's farmer among them) beside an overdue one, and the drivers' rota of the Tuesday round."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from cabas.catalog.models import Producer
from cabas.members.models import Club, Group, Household, User
from cabas.volunteering import planning, services
from cabas.volunteering.models import (
    DriverRota, HarvestCall, Shift, Signup, TargetAdjustment, TaskCategory, TaskKind, VolunteerTarget,
)

CLUB_TARGET = Decimal("12")
GROUP_TARGETS = {"montfort": Decimal("8")}  # a small group with an older membership asks less


def delete_volunteering(club: Club) -> None:
    Shift.objects.filter(club=club).delete()  # with their sign-ups and swaps
    HarvestCall.objects.filter(producer__club=club).delete()
    DriverRota.objects.filter(club=club).delete()
    TaskKind.objects.filter(club=club).delete()
    VolunteerTarget.objects.filter(club=club).delete()
    TargetAdjustment.objects.filter(household__group__club=club).delete()


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def seed_volunteering(*, club: Club, coordinator: User, farmer: User, rng: random.Random, today: datetime.date) -> None:
    now = timezone.now()
    groups = {g.slug: g for g in Group.objects.filter(club=club).select_related("depot")}
    VolunteerTarget.objects.create(club=club, hours_per_year=CLUB_TARGET)
    VolunteerTarget.objects.bulk_create(VolunteerTarget(club=club, group=groups[slug], hours_per_year=hours)
                                        for slug, hours in GROUP_TARGETS.items() if slug in groups)
    kinds = planning.ensure_kinds(club)
    people: dict[int, list[User]] = {}
    for user in User.objects.filter(household__group__club=club, is_active=True).order_by("pk"):
        people.setdefault(user.household_id, []).append(user)
    households = {g.pk: [h for h in Household.objects.filter(group=g).order_by("pk") if h.pk in people] for g in groups.values()}

    # Waived for health, reduced for a household on a solidarity tariff: confidential reasons.
    rennes = households[groups["rennes"].pk]
    TargetAdjustment.objects.create(household=rennes[-1], year=today.year, hours=Decimal("0"),
                                    reason="Raisons de santé (vu avec la coordination)", set_by=coordinator)
    TargetAdjustment.objects.create(household=rennes[-2], year=today.year, hours=Decimal("4"),
                                    reason="Parent seul avec trois enfants", set_by=coordinator)

    # The year so far: a distribution every two weeks at each depot, three people each, confirmed. Some
    # households come often, some rarely: the balance pages have someone furthest below target to show.
    distribution = kinds[TaskCategory.DISTRIBUTION]
    history, signups = [], []
    day = datetime.date(today.year, 1, 8)
    while day < today - datetime.timedelta(days=35):
        for group in groups.values():
            depot = group.depot
            start = _at(day + datetime.timedelta(days=(depot.distribution_weekday - day.weekday()) % 7), depot.slot_start.hour,
                        depot.slot_start.minute)
            history.append(Shift(club=club, group=group, kind=distribution, title=f"{distribution.name} — {group.name}",
                                 starts_at=start, ends_at=start + datetime.timedelta(hours=2), place=f"{depot.name}, {depot.address}",
                                 people_needed=3, hours=distribution.hours, confirmed_at=start + datetime.timedelta(hours=3),
                                 confirmed_by=coordinator, created_at=start - datetime.timedelta(days=20)))
        day += datetime.timedelta(weeks=2)
    Shift.objects.bulk_create(history)
    adjusted = {rennes[-1].pk, rennes[-2].pk}
    for shift in history:
        pool = [h for h in households[shift.group_id] if h.pk not in adjusted]
        weights = [1 + (i % 4) for i in range(len(pool))]  # some come four times as often as others
        chosen = set()
        while len(chosen) < min(3, len(pool)):
            chosen.add(rng.choices(range(len(pool)), weights=weights)[0])
        for index in sorted(chosen):
            household = pool[index]
            signups.append(Signup(shift=shift, user=rng.choice(people[household.pk]), household=household,
                                  attended=rng.random() > 0.06, created_at=shift.created_at + datetime.timedelta(days=2)))
    Signup.objects.bulk_create(signups)

    # The depots' shifts of the last cycles and the coming ones, from the calendar.
    planning.make_calendar_shifts(club, since=today - datetime.timedelta(days=35), until=today + datetime.timedelta(days=56))
    calendar = list(Shift.objects.filter(club=club, distribution__isnull=False).select_related("distribution").order_by("starts_at", "pk"))
    past = [s for s in calendar if s.ends_at <= now]
    coming = [s for s in calendar if s.starts_at > now]
    past_signups = []
    # the Rennes depot's last evening is not confirmed yet: its coordinator has it to do
    last_evening = max((timezone.localdate(s.starts_at) for s in past if s.group_id == groups["rennes"].pk), default=None)
    to_confirm = {s.pk for s in past if s.group_id == groups["rennes"].pk and timezone.localdate(s.starts_at) == last_evening}
    for shift in past:
        pool = households[shift.group_id]
        for household in rng.sample(pool, min(shift.people_needed, len(pool))):
            unconfirmed = shift.pk in to_confirm
            past_signups.append(Signup(shift=shift, user=people[household.pk][0], household=household,
                                       attended=None if unconfirmed else rng.random() > 0.08,
                                       created_at=shift.starts_at - datetime.timedelta(days=6)))
    Signup.objects.bulk_create(past_signups)
    confirmed = [s.pk for s in past if s.pk not in to_confirm]
    Shift.objects.filter(pk__in=confirmed).update(confirmed_by=coordinator)
    for shift in Shift.objects.filter(pk__in=confirmed):
        Shift.objects.filter(pk=shift.pk).update(confirmed_at=shift.ends_at + datetime.timedelta(hours=1))

    # Coming shifts: signed up through the service, some left short; the first reception at Cesson empty.
    featured = {g.pk: User.objects.filter(email=f"membre.{slug}@example.org").first() for slug, g in groups.items()}
    left_empty = next((s for s in coming if s.group_id == groups["cesson"].pk and s.kind.category == TaskCategory.RECEPTION), None)
    rennes_member = featured.get(groups["rennes"].pk)
    rennes_first = next((s for s in coming if s.group_id == groups["rennes"].pk
                         and s.kind.category == TaskCategory.DISTRIBUTION), None)
    if rennes_member and rennes_first:
        services.sign_up(rennes_first.pk, rennes_member, now=now)
    for index, shift in enumerate(coming):
        if shift == left_empty:
            continue
        pool = [h for h in households[shift.group_id] if people[h.pk][0] != featured.get(shift.group_id)]
        wanted = shift.people_needed - (1 if index % 3 == 0 else 0) - (1 if shift == rennes_first else 0)
        for household in rng.sample(pool, min(max(wanted, 0), len(pool))):
            services.sign_up(shift.pk, people[household.pk][0], now=now)
    if rennes_member:
        # another member of the group asks the demo member to take their place on a coming shift
        asking = (Signup.objects.filter(shift__in=[s for s in coming if s.group_id == groups["rennes"].pk])
                  .exclude(shift__signups__user=rennes_member).select_related("user").order_by("shift__starts_at", "pk").first())
        if asking is not None:
            services.offer_swap(asking.pk, asking.user, rennes_member.pk, now=now)

    # The club's accounts close in January: a hand-made shift for the whole club.
    planning.add_shift(club, kind=kinds[TaskCategory.ACCOUNTING], group=None, title="Clôture des comptes du club",
                       day=today + datetime.timedelta(days=24), start=datetime.time(14), end=datetime.time(17),
                       place="Maison des associations, Rennes", people_needed=2)

    producers = list(Producer.objects.filter(club=club).order_by("pk"))
    # A harvest call at the market gardener's, two already signed up.
    garden = producers[4]
    call = planning.call_for_harvest(garden, title="Plantation des poireaux", details="Prévoir des bottes et des gants ; "
                                     "pique-nique partagé à midi.", day=today + datetime.timedelta(days=9),
                                     start=datetime.time(9), end=datetime.time(13), people_needed=6, by=coordinator)
    harvest = call.shifts.get()
    for household in rng.sample(households[groups["vitre"].pk], 2):
        services.sign_up(harvest.pk, people[household.pk][0], now=now)

    # A farm visit planned at the mill, whose last visit set conditions (the other overdue one stays flagged).
    mill = producers[3]
    visit = planning.schedule_visit(mill, day=today + datetime.timedelta(days=12), start=datetime.time(14),
                                    end=datetime.time(17), people_needed=4)
    visit_shift = visit.shifts.get()
    services.sign_up(visit_shift.pk, farmer, now=now)
    for slug in ("rennes", "montfort"):
        member = featured.get(groups[slug].pk)
        if member:
            services.sign_up(visit_shift.pk, member, now=now)

    # The Wednesday round (the first distribution day of the week), driven in turn by the dairy's farmer and three
    # members, from two months ago to spring: the transport page of each cycle says who drives.
    start = today - datetime.timedelta(weeks=8)
    start += datetime.timedelta(days=(2 - start.weekday()) % 7)
    days = [start + datetime.timedelta(weeks=w) for w in range(26)]
    drivers = [(farmer.pk, producers[0].pk)] + [(u.pk, None) for u in (
        people[households[groups["vitre"].pk][0].pk][0], people[households[groups["montfort"].pk][1].pk][0],
        people[households[groups["cesson"].pk][2].pk][0])]
    # shared out as on the day it was made, before the season started
    rota = planning.create_rota(club, name="Tournée du mercredi", days=days, start=datetime.time(7, 30),
                                end=datetime.time(12), place=f"Départ : {producers[0].name}", drivers=drivers,
                                now=_at(start - datetime.timedelta(days=1), 0))
    done = Signup.objects.filter(shift__rota=rota, shift__ends_at__lte=now)
    done.update(attended=True)
    Shift.objects.filter(rota=rota, ends_at__lte=now).update(confirmed_by=coordinator, confirmed_at=now)
