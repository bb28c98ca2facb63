"""Subscription offers (issue 18): the club's coordinators offer a producer's basket for a season; members subscribe
themselves; a subscription's days are its group's real distribution days (a fortnightly group is never offered to
skip a Thursday with no distribution); its instalments are posted to the ledger on their due dates, and over a season
they equal what the closings bill for its baskets."""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cabas.contracts import schedule
from cabas.contracts.models import (
    Subscription, SubscriptionLine, SubscriptionOffer, SubscriptionOfferLine, SubscriptionSkip,
)
from cabas.contracts.services import OfferLineInput, save_subscription_offer, skip_date, subscribe, subscription_plans
from cabas.core.errors import ActionError
from cabas.finance.models import AccountKind, Entry, LedgerTransaction, from_cents
from cabas.finance.subscriptions import committed_amounts
from cabas.flows import close_cycle, open_cycle, post_due_instalments, record_deliveries, save_order
from cabas.members.models import Role, RoleKind
from cabas.ordering.models import Offer, OrderLine, OrderSummary

DAY = datetime.timedelta(days=1)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def thursday_on_or_after(day: datetime.date) -> datetime.date:
    return day + DAY * ((3 - day.weekday()) % 7)


def fortnightly(world, first: datetime.date):
    """Group B (its depot distributes on Thursdays) every two weeks from ``first``."""
    world.group_b.every_weeks, world.group_b.rhythm_from = 2, first
    world.group_b.save(update_fields=["every_weeks", "rhythm_from"])


def open_for(world, thursday: datetime.date, *, name=None):
    """A cycle distributing on a Thursday at group B (on the Tuesday before at group A), open the week before."""
    return open_cycle(club=world.club, name=name or f"Cycle du {thursday}", opens_at=at(thursday - 6 * DAY, 8),
                      closes_at=at(thursday - 2 * DAY, 6), distribution_dates={
                          world.group_a.pk: thursday - 2 * DAY, world.group_b.pk: thursday},
                      product_ids=[p.pk for p in (world.milk, world.carrots, world.bread, world.brioche)])


def basket(world, *, starts_on, ends_on, schedule_="monthly", household=None):
    subscription = Subscription.objects.create(household=household or world.household_b1, producer=world.farm,
                                               season="Hiver", starts_on=starts_on, ends_on=ends_on, max_skips=2,
                                               notice_days=7, payment_schedule=schedule_)
    SubscriptionLine.objects.create(subscription=subscription, product=world.carrots, quantity=D("2"))
    SubscriptionLine.objects.create(subscription=subscription, product=world.milk, quantity=D("1"))
    return subscription


def plan_of(subscription):
    loaded = (Subscription.objects.filter(pk=subscription.pk).select_related("household__group__depot", "producer")
              .prefetch_related("lines__product", "skips").get())
    return subscription_plans([loaded])[loaded.pk]


# --- the season's days -------------------------------------------------------------------------------------------

def test_a_fortnightly_group_sees_only_its_real_distribution_dates(world, login):
    today = timezone.localdate()
    first = thursday_on_or_after(today + 9 * DAY)
    fortnightly(world, first)
    subscription = basket(world, starts_on=today, ends_on=first + 60 * DAY)
    cycle = open_for(world, first)  # the first distribution is opened; the next ones come from the rhythm
    plan = plan_of(subscription)
    assert plan.all_days == [first + 14 * k * DAY for k in range(5)]  # every other Thursday, nothing between
    assert plan.opened == {first}
    assert plan.total == 5 * (D("2") * D("2.10") + D("1.30"))
    assert OrderLine.objects.filter(order__cycle=cycle, order__household=world.household_b1, committed__gt=0).count() == 2
    client = login(world.member_b1)
    page = client.get(reverse("subscriptions")).content.decode()
    options = [line for line in page.splitlines() if "<option" in line]
    offered = {value for line in options for value in [d.isoformat() for d in plan.all_days + [first + 7 * DAY]]
               if f'value="{value}"' in line}
    assert offered == {d.isoformat() for d in plan.all_days}  # never the Thursday between
    # a Thursday with no distribution cannot be skipped, a real one can
    with pytest.raises(ActionError) as refused:
        skip_date(subscription_id=subscription.pk, household_id=world.household_b1.pk, day=first + 7 * DAY, today=today)
    assert "aucune distribution" in str(refused.value) or "no basket distribution" in str(refused.value)
    client.post(reverse("subscription-skip", args=[subscription.pk]), {"date": (first + 14 * DAY).isoformat()})
    assert list(SubscriptionSkip.objects.values_list("date", flat=True)) == [first + 14 * DAY]
    assert plan_of(subscription).days == [first, first + 28 * DAY, first + 42 * DAY, first + 56 * DAY]


def test_a_basket_goes_in_once_when_two_cycles_distribute_the_same_day(world):
    today = timezone.localdate()
    thursday = thursday_on_or_after(today + 9 * DAY)
    basket(world, starts_on=today, ends_on=thursday + 30 * DAY)
    first = open_for(world, thursday)
    second = open_for(world, thursday, name="Le même jeudi")
    assert OrderLine.objects.filter(order__cycle=first, committed__gt=0).count() == 2
    assert not OrderLine.objects.filter(order__cycle=second, committed__gt=0).exists()


# --- instalments on the ledger ---------------------------------------------------------------------------------

def household_entries(world, prefix):
    return from_cents(Entry.objects.filter(account__household=world.household_b1, transaction__key__startswith=prefix)
                      .aggregate(t=Sum("cents"))["t"])


def advances_balance(world):
    return from_cents(Entry.objects.filter(account__club=world.club, account__kind=AccountKind.ADVANCES)
                      .aggregate(t=Sum("cents"))["t"])


def run_season(world, subscription, days, *, extra=True):
    """Open and close a cycle for each distribution day (the household orders a carrot and a bread more)."""
    cycles = []
    for day in days:
        cycle = open_for(world, day)
        if extra:
            offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=cycle)}
            save_order(cycle=cycle, household=world.household_b1, quantities={
                offers[world.carrots.pk]: "3", offers[world.bread.pk]: "1"}, now=cycle.opens_at + DAY)
        close_cycle(cycle.pk, now=cycle.closes_at + datetime.timedelta(minutes=1))
        cycles.append(cycle)
    return cycles


def test_over_a_season_the_instalments_equal_what_the_closings_bill_for_the_baskets(world):
    today = timezone.localdate()
    first = thursday_on_or_after(today - 90 * DAY)
    fortnightly(world, first)
    subscription = basket(world, starts_on=first - 3 * DAY, ends_on=first + 56 * DAY)
    plan = plan_of(subscription)
    assert len(plan.days) == 5 and plan.total == D("27.50")  # 5 × (2 kg of carrots at 2.10 + 1 l of milk at 1.30)
    # the first instalment is due on the season's first day, before any cycle is opened
    assert post_due_instalments(today=subscription.starts_on).instalments == 1
    cycles = run_season(world, subscription, plan.days)
    for instalment in plan.instalments:
        post_due_instalments(today=instalment.due_on)
    outcome = post_due_instalments(today=subscription.ends_on + DAY)
    assert outcome.settlements == 0  # nothing left to settle: the instalments called exactly what was billed
    posted = household_entries(world, "subscription-instalment:")
    billed = sum(committed_amounts(cycle_ids=[c.pk for c in cycles], household_ids=[world.household_b1.pk]).values(), D(0))
    assert posted == billed == plan.total == sum(i.amount for i in plan.instalments)
    keys = set(LedgerTransaction.objects.filter(key__startswith="subscription-instalment:").values_list("key", flat=True))
    assert keys == {f"subscription-instalment:{subscription.pk}:{i.due_on.isoformat()}" for i in plan.instalments}
    assert advances_balance(world) == 0  # what the instalments called, the closings billed against
    # the household's account: its instalments and what it ordered beyond its baskets, never a basket twice
    goods = OrderSummary.objects.filter(household=world.household_b1).aggregate(t=Sum("amount_incl_vat"))["t"]
    assert goods == D("64.00")  # 5 × (baskets 5.50 + a carrot 2.10 + a bread 5.20)
    assert household_entries(world, "") == goods
    # posting again posts nothing
    count = LedgerTransaction.objects.count()
    assert post_due_instalments(today=subscription.ends_on + 2 * DAY).instalments == 0
    out = StringIO()
    call_command("post-instalments", stdout=out)
    assert LedgerTransaction.objects.count() == count and "0 instalment(s) posted" in out.getvalue()


def test_a_skip_lowers_the_next_instalments_and_a_short_delivery_is_settled_at_the_seasons_end(world):
    today = timezone.localdate()
    first = thursday_on_or_after(today - 90 * DAY)
    fortnightly(world, first)
    subscription = basket(world, starts_on=first - 3 * DAY, ends_on=first + 56 * DAY, schedule_="monthly")
    post_due_instalments(today=subscription.starts_on)
    first_instalment = household_entries(world, "subscription-instalment:")
    assert first_instalment == plan_of(subscription).instalments[0].amount
    skip_date(subscription_id=subscription.pk, household_id=world.household_b1.pk, day=first + 28 * DAY,
              today=subscription.starts_on)
    plan = plan_of(subscription)
    assert plan.total == D("22.00")
    cycles = run_season(world, subscription, plan.all_days, extra=False)
    # the carrots of the second distribution came short: 1 kg of the 2 of the basket
    carrots = Offer.objects.get(cycle=cycles[1], product=world.carrots)
    record_deliveries(cycles[1].pk, {carrots.pk: D("1")})
    for instalment in plan.instalments:
        post_due_instalments(today=instalment.due_on)
    assert household_entries(world, "subscription-instalment:") == D("22.00")  # the skipped basket is not called
    assert post_due_instalments(today=subscription.ends_on + DAY).settlements == 1
    assert household_entries(world, "subscription-settlement:") == D("-2.10")  # the kilo not delivered, credited
    assert advances_balance(world) == 0
    goods = OrderSummary.objects.filter(household=world.household_b1).aggregate(t=Sum("amount_incl_vat"))["t"]
    assert household_entries(world, "") == goods == D("19.90")
    assert post_due_instalments(today=subscription.ends_on + 3 * DAY).settlements == 0  # once


@given(st.lists(st.lists(st.integers(-500, 5000), min_size=4, max_size=4), min_size=4, max_size=4))
def test_instalments_posted_on_their_due_dates_follow_the_plan_as_it_changes(plans):
    """The plan may change before each due date (a skip, a price); once a due date's posting has run, what was
    posted is the plan's total so far, and posting again that day posts nothing."""
    days = [datetime.date(2027, 1, 4) + datetime.timedelta(days=30 * k) for k in range(4)]
    posted: dict[datetime.date, D] = {}
    for k, day in enumerate(days):
        plan = [schedule.Instalment(d, D(c) / 100) for d, c in zip(days, plans[k])]
        for instalment in schedule.due_instalments(plan, posted=posted, today=day):
            assert instalment.due_on not in posted and instalment.amount != 0 and instalment.due_on <= day
            posted[instalment.due_on] = instalment.amount
        assert sum(posted.values(), D(0)) == sum((i.amount for i in plan if i.due_on <= day), D(0))
        assert schedule.due_instalments(plan, posted=posted, today=day) == []


# --- the offers' pages -----------------------------------------------------------------------------------------

def offer_post(world, **changes):
    today = timezone.localdate()
    data = {
        "season": "Printemps", "description": "Des légumes de printemps", "starts_on": (today + 20 * DAY).isoformat(),
        "ends_on": (today + 110 * DAY).isoformat(), "signup_opens_on": today.isoformat(),
        "signup_closes_on": (today + 15 * DAY).isoformat(), "max_skips": "2", "notice_days": "7",
        "payment_schedules": ["single", "monthly"], "groups": [str(world.group_b.pk)],
        f"quantity-{world.carrots.pk}": "2", f"min-{world.carrots.pk}": "1", f"max-{world.carrots.pk}": "4",
        f"quantity-{world.milk.pk}": "1", f"min-{world.milk.pk}": "0", f"max-{world.milk.pk}": "2",
    }
    data.update(changes)
    return data


def test_the_club_coordinators_offer_a_basket(world, client, login):
    url = reverse("subscription-offer-create", args=[world.club.pk]) + f"?producteur={world.farm.pk}"
    assert client.get(url).status_code == 302
    for user in (world.member_a1, world.group_coordinator_a):
        assert login(user).post(url, offer_post(world)).status_code == 403
    club, _, household, _, _ = world.other_club()
    other = world.user("coord-brest@example.org", None)
    Role.objects.create(user=other, kind=RoleKind.CLUB_COORDINATOR, club=club)
    assert login(other).post(url, offer_post(world)).status_code == 404
    assert not SubscriptionOffer.objects.exists()
    coordinator = login(world.coordinator)
    # refused: no schedule, a quantity out of its limits, off its step (0.5 l of milk) — the form again, nothing saved
    response = coordinator.post(url, offer_post(world, payment_schedules=[], **{f"min-{world.carrots.pk}": "3",
                                                                                f"quantity-{world.milk.pk}": "0,3"}))
    assert response.status_code == 400 and not SubscriptionOffer.objects.exists()
    response = coordinator.post(url, offer_post(world, groups=[str(world.group_b.pk), "999"]))
    assert response.status_code == 400  # a group that is not the club's
    assert coordinator.post(url, offer_post(world)).status_code == 302
    offer = SubscriptionOffer.objects.get()
    assert (offer.club, offer.producer, offer.schedules) == (world.club, world.farm, ["single", "monthly"])
    assert list(offer.groups.all()) == [world.group_b]
    assert {(l.product_id, l.quantity, l.min_quantity, l.max_quantity) for l in offer.lines.all()} == {
        (world.carrots.pk, D("2"), D("1"), D("4")), (world.milk.pk, D("1"), D("0"), D("2"))}
    edit = reverse("subscription-offer-edit", args=[offer.pk])
    assert coordinator.post(edit, offer_post(world, season="Printemps 2027", groups=[], **{
        f"quantity-{world.milk.pk}": ""})).status_code == 302
    offer.refresh_from_db()
    assert offer.season == "Printemps 2027" and not offer.groups.exists()  # open to every group now
    assert list(offer.lines.values_list("product_id", flat=True)) == [world.carrots.pk]
    page = coordinator.get(reverse("subscription-offers", args=[world.club.pk])).content.decode()
    assert "Printemps 2027" in page


def make_offer(world, *, groups=(), season="Printemps", **changes) -> SubscriptionOffer:
    today = timezone.localdate()
    values = {"producer": world.farm, "season": season, "description": "", "starts_on": today + 20 * DAY,
              "ends_on": today + 110 * DAY, "signup_opens_on": today - DAY, "signup_closes_on": today + 15 * DAY,
              "max_skips": 2, "notice_days": 7, **changes}
    return save_subscription_offer(club=world.club, offer=None, values=values, schedules=["single", "quarterly"],
                                   group_ids=[g.pk for g in groups], lines=[
                                       OfferLineInput(world.carrots.pk, D("2"), D("1"), D("4")),
                                       OfferLineInput(world.milk.pk, D("1"), D("0"), D("2"))])


def test_a_member_subscribes_from_an_offer_open_to_the_group(world, login):
    offer = make_offer(world, groups=[world.group_b])
    lines = {l.product_id: l.pk for l in SubscriptionOfferLine.objects.filter(offer=offer)}
    url = reverse("subscription-offer-subscribe", args=[offer.pk])
    a1 = login(world.member_a1)  # group A: not open to it
    assert "Printemps" not in a1.get(reverse("subscriptions")).content.decode()
    assert a1.get(url).status_code == 404
    client = login(world.member_b1)
    assert "Printemps" in client.get(reverse("subscriptions")).content.decode()
    assert client.get(url).status_code == 200
    # refused: more than the line allows, an unknown schedule
    response = client.post(url, {f"line-{lines[world.carrots.pk]}": "5", f"line-{lines[world.milk.pk]}": "1",
                                 "payment_schedule": "quarterly"})
    assert response.status_code == 400 and not Subscription.objects.exists()
    response = client.post(url, {f"line-{lines[world.carrots.pk]}": "2", "payment_schedule": "weekly"})
    assert response.status_code == 400 and not Subscription.objects.exists()
    # the household comes from the login, never the form
    response = client.post(url, {f"line-{lines[world.carrots.pk]}": "3", f"line-{lines[world.milk.pk]}": "",
                                 "payment_schedule": "quarterly", "household": world.household_a1.pk})
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert (subscription.household, subscription.offer, subscription.producer, subscription.payment_schedule) == (
        world.household_b1, offer, world.farm, "quarterly")
    assert (subscription.starts_on, subscription.ends_on, subscription.max_skips) == (offer.starts_on, offer.ends_on, 2)
    assert list(subscription.lines.values_list("product_id", "quantity")) == [(world.carrots.pk, D("3"))]
    with pytest.raises(ActionError):  # once per offer
        subscribe(offer_id=offer.pk, household=world.household_b1, quantities={lines[world.carrots.pk]: "2"},
                  payment_schedule="single")
    assert "Printemps" in client.get(reverse("subscriptions")).content.decode()
    _, _, household, _, _ = world.other_club()
    assert login(world.user("brest@example.org", household)).get(url).status_code == 404


def test_sign_up_is_open_only_in_its_window_and_a_late_subscriber_starts_after_the_cycles_opened(world):
    today = timezone.localdate()
    closed = make_offer(world, signup_opens_on=today - 20 * DAY, signup_closes_on=today - 5 * DAY)
    with pytest.raises(ActionError):
        subscribe(offer_id=closed.pk, household=world.household_a1, quantities={}, payment_schedule="single")
    running = make_offer(world, season="En cours", starts_on=today - 10 * DAY, signup_closes_on=today + 5 * DAY)
    cycle = world.open_cycle()  # its distributions are already planned: the basket starts after them
    line = running.lines.get(product=world.carrots)
    subscription = subscribe(offer_id=running.pk, household=world.household_a1, quantities={line.pk: "2"},
                             payment_schedule="single", today=today)
    day = cycle.distributions.get(group=world.group_a).date
    assert subscription.starts_on == day + DAY


@pytest.mark.parametrize("count", [2, 10])
def test_the_offers_pages_cost_the_same_for_2_and_10_offers(world, login, count):
    for n in range(count):
        offer = make_offer(world, groups=[world.group_b] if n % 2 else [], season=f"Saison {n}")
        subscribe(offer_id=offer.pk, household=world.household_a2 if n % 2 == 0 else world.household_b1,
                  quantities={offer.lines.get(product=world.carrots).pk: "2"}, payment_schedule="single")
    coordinator = login(world.coordinator)
    url = reverse("subscription-offers", args=[world.club.pk])
    coordinator.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert coordinator.get(url).status_code == 200
    # session, user, club, roles, offers+producer with their subscribers counted, their groups, their lines+products
    assert len(ctx.captured_queries) == 7
    member = login(world.member_b1)
    member.get(reverse("subscriptions"))
    with CaptureQueriesContext(connection) as ctx:
        assert member.get(reverse("subscriptions")).status_code == 200
    # session, user, household+group+depot+club, subscriptions+producer+offer, lines+products, skips, the group's
    # distributions, the contracts' agreed prices, the offers open to the group, roles
    assert len(ctx.captured_queries) == 10


def test_the_demo_shows_offers_instalments_contracts_and_the_evaluation(db, client, settings):
    """The demo's coordinator and members have something real on each new page."""
    from cabas.contracts.models import Contract
    from cabas.members.models import Club, User
    from cabas.participation.models import Survey

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed-demo", "--force", stdout=StringIO())
    club = Club.objects.get(slug="pays-de-rennes")

    def page(who, url):
        client.force_login(User.objects.get(email=who))
        response = client.get(url)
        assert response.status_code == 200, url
        return response.content.decode()

    coordinator, member = "coordination@example.org", "membre.rennes@example.org"
    text = page(coordinator, reverse("subscription-offers", args=[club.pk]))
    assert "Hiver 2026-2027" in text and "Printemps 2027" in text and "Crèmerie de saison" in text
    winter = SubscriptionOffer.objects.get(club=club, season="Hiver 2026-2027")
    assert winter.subscriptions.count() >= 4
    assert "Abonnés" in page(coordinator, reverse("subscription-offer-edit", args=[winter.pk]))
    assert "Nouvelle offre d&#x27;abonnement" in page(coordinator, reverse("subscription-offer-create", args=[club.pk]))
    contract = Contract.objects.filter(club=club).first()
    assert "Prix convenu" in page(coordinator, reverse("contract-edit", args=[contract.pk])) or \
        "prix convenu" in page(coordinator, reverse("contract-edit", args=[contract.pk]))
    evaluation = Survey.objects.get(club=club, kind="general")
    assert "Évaluation trimestrielle" in page(coordinator, reverse("club-surveys", args=[club.pk]))
    assert "Moyenne" in page(coordinator, reverse("survey-results", args=[evaluation.pk]))
    text = page(member, reverse("subscriptions"))
    assert "Hiver 2026-2027" in text and "Printemps 2027" in text  # its subscription, and an offer to take
    assert "Évaluation trimestrielle" in page(member, reverse("surveys"))
    # the winter subscriptions' instalments due by today are on the ledger, and the ledger holds together
    assert LedgerTransaction.objects.filter(club=club, key__startswith="subscription-instalment:").exists()
    out = StringIO()
    call_command("ledger-check", stdout=out)
    assert "tout est juste" in out.getvalue()
    assert "Mes contrats solidaires" in page("producteur@example.org", reverse("producer-home"))
