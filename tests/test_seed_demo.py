"""`cabas seed-demo`: a realistic demo club, created once, with logins that work."""

import datetime
import random
from decimal import Decimal as D
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from cabas.catalog import steps
from cabas.catalog.models import Producer, Product
from cabas.demo.distribution_day import FOOD_BANK
from cabas.distribution.models import DepotReception, Distribution, PickingList, Pickup, ReceptionState, SurplusDisposition
from cabas.distribution.services import ReceivedLine, depot_deliveries
from cabas.finance.checks import check_ledger
from cabas.members.models import Club, Group, Household, Role, RoleKind, User
from cabas.flows import close_cycle, record_deliveries, record_depot_reception
from cabas.logistics.models import Round, RoundStop, TransportPlan
from cabas.news.models import NewsItem
from cabas.news.services import news_for_home
from cabas.ordering.models import Allocation, Offer, OfferOutcome, Order, OrderCycle, OrderLine

SLUGS = ["rennes", "cesson", "vitre", "montfort"]
LOGINS = (
    ["coordination@example.org", "admin@example.org"]
    + [f"coordination.{slug}@example.org" for slug in SLUGS]
    + [f"membre.{slug}@example.org" for slug in SLUGS]
)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args):
    out = StringIO()
    call_command("seed-demo", "--force", *args, stdout=out)  # the tests run with DEBUG off
    return out.getvalue()


def row_counts():
    """Rows per model with a table of its own (django-rq's admin dashboard, with the Redis backend, has none)."""
    return {model._meta.label: model.objects.count() for model in apps.get_models() if model._meta.managed}


def test_seed_demo_builds_a_club_with_two_cycles(db):
    output = seed()

    club = Club.objects.get(slug="pays-de-rennes")
    groups = list(Group.objects.filter(club=club).select_related("depot"))
    assert len(groups) >= 3
    for group in groups:
        depot = group.depot
        assert depot.address and depot.slot_end > depot.slot_start
        assert 47.6 < depot.latitude < 48.8 and -2.3 < depot.longitude < -1.0  # Ille-et-Vilaine
    assert Household.objects.filter(group__club=club).count() == 60
    assert all(1 <= h.members.count() <= 2 for h in Household.objects.filter(group__club=club))

    assert Producer.objects.filter(club=club).count() == 10
    assert Producer.objects.filter(club=club, latitude__isnull=True).count() == 0
    products = Product.objects.filter(producer__club=club)
    assert products.count() >= 80
    categories = set(products.values_list("category__name", flat=True))
    assert {"Lait", "Fromage", "Pain", "Céréales", "Légumes", "Fruits", "Viande"} <= categories

    rennes = next(g for g in groups if g.slug == "rennes")
    now = timezone.now()
    open_cycles = list(OrderCycle.objects.open_at(now).filter(club=club))
    assert len(open_cycles) == 1
    current = open_cycles[0]
    assert Order.objects.filter(cycle=current).count() >= 30
    for slug in SLUGS:  # each group's demo member has something to look at
        assert Order.objects.filter(cycle=current, household__members__email=f"membre.{slug}@example.org").exists()
    for line in OrderLine.objects.filter(order__cycle=current).select_related("offer"):
        assert line.quantity > 0
        if line.offer.countable:
            assert line.quantity == line.quantity.to_integral_value()
    deadline = timezone.localdate(current.closes_at)
    assert all(d.date > deadline for d in Distribution.objects.filter(cycle=current))

    assert OrderCycle.objects.filter(club=club, closed_at__isnull=False).count() == 2
    closed = OrderCycle.objects.filter(club=club, closed_at__isnull=False).latest("closes_at")
    assert closed.closes_at < current.opens_at
    assert Order.objects.filter(cycle=closed).count() >= 40
    lists = PickingList.objects.filter(distribution__cycle=closed).select_related("distribution")
    assert {pl.distribution.group_id for pl in lists} == {g.pk for g in groups}
    assert all(pl.household_count > 0 and pl.amount_incl_vat > 0 for pl in lists)
    assert all(pl.distribution.date < timezone.localdate() for pl in lists)
    assert Offer.objects.filter(cycle=closed).count() == products.count()

    # news: the club's, and two groups' (one scheduled); a member sees the club's and their own group's only
    news = NewsItem.objects.filter(club=club)
    assert news.filter(group=None).count() == 2 and news.filter(group__slug="rennes").count() == 2
    assert news.filter(producer__isnull=False).count() >= 3
    assert {(n.title, n.group.slug if n.group else None) for n in news_for_home(club.pk, rennes.pk)} == {
        (n.title, n.group.slug if n.group else None) for n in news.filter(published_on__lte=timezone.localdate())
        if n.group is None or n.group.slug == "rennes"}
    assert not any(n.group and n.group.slug == "vitre" for n in news_for_home(club.pk, rennes.pk))

    assert "Comptes de démonstration (mot de passe : cabas-demo)" in output
    for email in LOGINS:
        assert email in output
        user = authenticate(username=email, password="cabas-demo")
        assert user is not None, email
        assert user.email == email


def test_demo_logins_have_their_roles(db):
    seed()
    club = Club.objects.get(slug="pays-de-rennes")

    coordinator = User.objects.get(email="coordination@example.org")
    # the club's coordinator works in Cabas' pages: no admin (the operators' alone)
    assert coordinator.household is None and not coordinator.is_staff and not coordinator.is_superuser
    assert Role.objects.filter(user=coordinator, kind=RoleKind.CLUB_COORDINATOR, club=club, group=None).exists()
    assert not coordinator.groups.exists() and not coordinator.user_permissions.exists()
    assert not coordinator.has_perm("members.change_role")

    admin = User.objects.get(email="admin@example.org")
    assert admin.is_superuser and admin.is_staff

    for slug in SLUGS:
        group = Group.objects.get(club=club, slug=slug)
        group_coordinator = User.objects.get(email=f"coordination.{slug}@example.org")
        assert group_coordinator.household.group == group
        assert Role.objects.filter(user=group_coordinator, kind=RoleKind.GROUP_COORDINATOR, group=group).exists()
        member = User.objects.get(email=f"membre.{slug}@example.org")
        assert member.household.group == group and not member.roles.exists() and not member.is_staff


def test_seed_demo_twice_creates_nothing_new(db):
    seed()
    before = row_counts()
    output = seed()
    assert row_counts() == before
    assert "existe déjà" in output
    assert "coordination@example.org" in output


def test_reset_seeds_again_from_scratch(db):
    seed()
    before = row_counts()
    old_club = Club.objects.get(slug="pays-de-rennes").pk
    seed("--reset")
    assert row_counts() == before
    assert Club.objects.get(slug="pays-de-rennes").pk != old_club
    assert authenticate(username="membre.vitre@example.org", password="cabas-demo") is not None


def test_refuses_when_a_demo_address_is_taken(db):
    User.objects.create_user(email="admin@example.org", password="autre-chose")
    with pytest.raises(CommandError, match="admin@example.org"):
        seed()
    assert not Club.objects.filter(slug="pays-de-rennes").exists()  # all or nothing
    seed("--reset")
    assert authenticate(username="admin@example.org", password="cabas-demo").is_superuser


def test_the_demo_gives_every_issue_4_page_real_content(db, client):
    from cabas.catalog.models import CostSheet, ProposalStatus
    from cabas.contracts.models import Contract, Subscription
    from cabas.participation.models import Survey

    seed()
    club = Club.objects.get(slug="pays-de-rennes")
    assert CostSheet.objects.filter(product__producer__club=club, status=ProposalStatus.APPROVED).count() >= 5
    assert Contract.objects.filter(club=club).count() >= 2
    assert Subscription.objects.filter(household__group__club=club).count() >= 4
    finished = Survey.objects.get(club=club, decision="trial")
    assert finished.trial_product.is_trial
    current = OrderCycle.objects.filter(club=club, closed_at__isnull=True).get()
    assert OrderLine.objects.filter(order__cycle=current, committed__gt=0).exists()  # baskets in the open cycle
    assert Offer.objects.filter(cycle=current, is_trial=True).exists() or not Offer.objects.filter(cycle=current, product=finished.trial_product).exists()
    milk = Product.objects.get(producer__club=club, name="Lait cru entier")

    def page(url, who):
        client.force_login(User.objects.get(email=who))
        response = client.get(url)
        assert response.status_code == 200, url
        return response.content.decode()

    assert "GAEC du Chêne Vert" in client.get(f"/club/{club.slug}/producteurs/").content.decode()
    member = "membre.rennes@example.org"
    text = page(f"/produits/{milk.pk}/", member)
    assert "Où va mon euro" in text and "Version 2" in text and "Historique des prix" in text
    assert "Hiver 2026-2027" in page("/abonnements/", member)
    assert "Farine de sarrasin" in page("/enquetes/", member)
    assert "dont" in page(f"/cycles/{current.pk}/commande/", member)  # committed by the basket
    coordinator = "coordination@example.org"
    assert "% de la garantie de la période" in page(f"/coordination/clubs/{club.pk}/contrats/", coordinator)
    assert "Blé population" in page(f"/coordination/clubs/{club.pk}/propositions/", coordinator) or \
        "Barbu du Roussillon" in page(f"/coordination/clubs/{club.pk}/propositions/", coordinator)
    assert "Enregistrer la décision" not in page(f"/coordination/enquetes/{finished.pk}/", coordinator)
    assert "Mes cycles" in page("/producteur/", "producteur@example.org")


def test_the_demo_has_a_money_history_that_passes_ledger_check(db):
    from cabas.finance.models import Invoice, LedgerTransaction, Payment

    seed()
    club = Club.objects.get(slug="pays-de-rennes")
    assert Invoice.objects.filter(club=club, kind="invoice").count() >= 80
    assert Invoice.objects.filter(club=club, kind="credit_note").exists()  # the short bread delivery
    assert Payment.objects.filter(club=club, household__isnull=False).count() >= 40
    assert Payment.objects.filter(club=club, producer__isnull=False).exists()
    assert LedgerTransaction.objects.filter(club=club, reverses__isnull=False).count() == 1
    # jars and bottles: frozen in the offers, their deposits charged at both closings, some brought back at one depot
    from cabas.distribution.models import ContainerReturn

    assert Offer.objects.filter(cycle__club=club, container__isnull=False, container_deposit__gt=0).exists()
    charged = LedgerTransaction.objects.filter(club=club, key__startswith="deposits:")
    assert {t.key.split(":")[1] for t in charged} == {str(c.pk) for c in OrderCycle.objects.filter(club=club, closed_at__isnull=False)}
    returned = ContainerReturn.objects.filter(distribution__cycle__club=club)
    assert returned.exists() and len({r.distribution_id for r in returned}) == 1
    assert LedgerTransaction.objects.filter(club=club, key=f"deposit-returns:{returned[0].distribution_id}").exists()
    out = StringIO()
    call_command("ledger-check", stdout=out)
    assert "tout est juste" in out.getvalue()


def test_the_demo_closes_cycles_with_solidarity_households_funded_funds_and_memberships(db, client):
    from cabas.finance.models import CycleFunds, FundShare, HouseholdTariff
    from cabas.finance.services import fund_available
    from cabas.members.models import Membership, MembershipApplication

    seed()
    club = Club.objects.get(slug="pays-de-rennes")
    assert HouseholdTariff.objects.filter(household__group__club=club).count() == 6
    for record in CycleFunds.objects.filter(cycle__club=club):  # both closed cycles helped households
        assert record.households_helped > 0 and record.discounts == record.wanted and record.contributions > 0
    assert FundShare.objects.filter(cycle__club=club, discount__gt=0).exists()
    assert fund_available(club, "solidarity") > 0 and fund_available(club, "guarantee") > 0
    assert Membership.objects.filter(group__club=club).count() == 60
    assert MembershipApplication.objects.filter(group__club=club, status="waiting").count() == 3
    out = StringIO()
    call_command("ledger-check", stdout=out)
    assert "tout est juste" in out.getvalue()
    client.force_login(User.objects.get(email="solidarite@example.org"))
    assert client.get(reverse("tariffs", args=[club.pk])).status_code == 200
    assert client.get(reverse("solidarity-report", args=[club.pk])).status_code == 200


def test_the_demos_offers_have_steps_people_can_hand_out_even_after_a_short_delivery(db):
    """No offer of the demo is sold "by the gram" (0.001), and rationing a short delivery of any of them hands every
    household a whole number of steps (the issue "Distribution day": « 1,334 kg » of carrots, « 7,75 l » of milk)."""
    seed()
    club = Club.objects.get(slug="pays-de-rennes")
    sellable = {D(1), D(2), D("0.5"), D("0.25"), D("0.2"), D("0.1"), D("0.05")}
    offers = list(Offer.objects.filter(cycle__club=club))
    assert offers and {o.order_step for o in offers} <= sellable, {(o.name, o.order_step) for o in offers} - sellable
    for offer in offers:
        assert steps.step_problem(offer.unit, offer.order_step, offer.pack_size) is None, offer.name
    assert {o.order_step for o in offers if o.unit == "kg"} == {D("0.1"), D("0.05")}  # 100 g, 50 g for cheese at the cut
    assert {o.order_step for o in offers if o.unit == "l"} == {D(1)}  # bottles of a litre

    current = OrderCycle.objects.get(club=club, closed_at__isnull=True)
    close_cycle(current.pk, now=current.closes_at + datetime.timedelta(minutes=3))
    rng = random.Random(20261202)
    outcomes = list(OfferOutcome.objects.filter(offer__cycle=current, allocated__gt=0).select_related("offer"))
    short = rng.sample(outcomes, min(15, len(outcomes)))
    delivered = {}
    for outcome in short:  # from nothing at all to one step short, in whole steps
        step = outcome.offer.order_step
        delivered[outcome.offer_id] = step * rng.randrange(0, int(outcome.allocated / step))
    record_deliveries(current.pk, delivered)
    assert any(o.unit == "kg" for o in (s.offer for s in short))
    for cycle in OrderCycle.objects.filter(club=club):  # the past ones too (the bakery's short delivery)
        for quantity, step, name in Allocation.objects.filter(cycle=cycle).values_list("quantity", "offer__order_step", "offer__name"):
            assert quantity % step == 0, (cycle.name, name, quantity, step)
    given = dict(Allocation.objects.filter(cycle=current, offer_id__in=delivered).values("offer_id")
                 .annotate(total=Sum("quantity")).values_list("offer_id", "total"))
    assert all(given.get(pk, 0) <= quantity for pk, quantity in delivered.items())
    # then one depot receives less of a random sample of what it expected: only its households are cut, in whole
    # steps, and every offer's households' amounts still add up exactly to its quantity × price
    distribution = rng.choice([d for d in Distribution.objects.filter(cycle=current).select_related("group")
                               if Allocation.objects.filter(cycle=current, group=d.group, quantity__gt=0).exists()])
    others_before = {(a.household_id, a.offer_id): a.quantity
                     for a in Allocation.objects.filter(cycle=current).exclude(group=distribution.group)}
    at_depot = list(depot_deliveries(distribution))
    lines = {}
    for offer, expected, _reception in rng.sample(at_depot, min(10, len(at_depot))):
        if expected >= offer.order_step:
            lines[offer.pk] = ReceivedLine(ReceptionState.SHORT, offer.order_step * rng.randrange(0, int(expected / offer.order_step)))
    assert record_depot_reception(distribution, lines)
    assert others_before == {(a.household_id, a.offer_id): a.quantity
                             for a in Allocation.objects.filter(cycle=current).exclude(group=distribution.group)}
    for offer in Offer.objects.filter(cycle=current):
        rows = list(Allocation.objects.filter(cycle=current, offer=offer))
        assert all(r.quantity % offer.order_step == 0 for r in rows), offer.name
        total = sum((r.quantity for r in rows), D(0))
        assert sum((r.amount_incl_vat for r in rows), D(0)) == (total * offer.unit_price).quantize(D("0.01")), offer.name
    for offer_id, line in lines.items():
        got = Allocation.objects.filter(cycle=current, group=distribution.group, offer_id=offer_id).aggregate(t=Sum("quantity"))["t"]
        assert got == line.received
    assert check_ledger() == []


def test_the_demo_has_a_distribution_day_with_surplus_sold_and_given(db, client):
    seed()
    pickups = list(Pickup.objects.select_related("distribution__cycle", "distribution__group"))
    assert len(pickups) >= 2 and [p.status for p in pickups].count("absent") == 1
    distribution = pickups[0].distribution
    kinds = {d.kind for d in SurplusDisposition.objects.filter(item__distribution=distribution)}
    assert kinds == {"sold", "given"}
    assert SurplusDisposition.objects.filter(kind="given", partner=FOOD_BANK).exists()
    # the same depot checked its delivery first: one product short, shared among its households only
    short = DepotReception.objects.get(distribution=distribution, state=ReceptionState.SHORT)
    assert short.received < short.expected and short.note
    assert check_ledger() == []
    coordinator = Role.objects.filter(kind=RoleKind.GROUP_COORDINATOR, group=distribution.group).first().user
    client.force_login(coordinator)
    cycle, group = distribution.cycle, distribution.group
    for name in ("pickup", "surplus", "group-surplus-report"):
        assert client.get(reverse(name, args=[cycle.pk, group.pk])).status_code == 200
    client.force_login(User.objects.get(email="coordination@example.org"))
    report = client.get(reverse("surplus-report", args=[cycle.pk]))
    assert report.status_code == 200 and FOOD_BANK in report.content.decode()


def test_the_demo_takes_money_at_a_depot_where_a_producer_distributes_itself(db, client):
    from cabas.finance.checks import check_ledger
    from cabas.finance.models import CashCount, Payment

    seed()
    club = Club.objects.get(slug="pays-de-rennes")
    dairy = Producer.objects.get(club=club, distributes_itself=True)
    taken = Payment.objects.filter(club=club, distribution__isnull=False)
    assert {"cash", "card"} <= set(taken.values_list("method", flat=True))
    assert taken.filter(method="cheque", payee__isnull=False, payee__distributes_itself=False).exists()
    assert taken.filter(payee=dairy).exists()
    count = CashCount.objects.get(distribution__cycle__club=club)
    assert count.difference == D("-0.50") and not check_ledger()
    distribution = count.distribution
    client.force_login(User.objects.get(email=f"coordination.{distribution.group.slug}@example.org"))
    page = client.get(reverse("depot-money", args=[distribution.cycle_id, distribution.group_id]))
    assert page.status_code == 200 and "-0,50" in page.content.decode()
    client.force_login(User.objects.get(email="producteur@example.org"))
    home = client.get(reverse("producer-home")).content.decode()
    list_url = reverse("producer-depot-list", args=[distribution.cycle_id, distribution.group_id, dairy.pk])
    assert list_url in home and client.get(list_url).status_code == 200


def test_the_demo_has_a_season_of_volunteering(db, client):
    from cabas.catalog.models import CertificationVisit, VisitCheck
    from cabas.volunteering import planning, services
    from cabas.volunteering.models import DriverRota, HarvestCall, Shift, Signup, SwapOffer, SwapStatus, TargetAdjustment

    seed()
    club = Club.objects.get(slug="pays-de-rennes")
    now = timezone.now()
    assert Signup.objects.filter(shift__club=club, attended=True, shift__confirmed_at__isnull=False).count() > 100
    assert Signup.objects.filter(shift__club=club, shift__starts_at__lt=now, attended__isnull=True).exists()  # to confirm
    assert services.gaps(Shift.objects.filter(club=club), now).exists()  # coming shifts lacking people
    member = User.objects.get(email="membre.rennes@example.org")
    assert SwapOffer.objects.filter(to_user=member, status=SwapStatus.PENDING).exists()
    year = timezone.localdate().year
    balances = services.club_balances(club.pk, year)
    assert any(b.due > 0 for b in balances) and any(b.exempt for b in balances)
    assert TargetAdjustment.objects.filter(household__group__club=club, hours=0).exists()
    assert HarvestCall.objects.get(producer__club=club).shifts.get().signups.count() == 2
    planned = CertificationVisit.objects.get(producer__club=club, recorded_at__isnull=True)
    assert planned.shifts.get().signups.count() == 3
    assert VisitCheck.objects.filter(visit__producer__club=club).exists()
    assert any(row["overdue"] for row in planning.visits_overview(club, timezone.localdate()))
    rota = DriverRota.objects.get(club=club)
    _turns, counts = planning.rota_table(rota)
    assert max(c["turns"] for c in counts) - min(c["turns"] for c in counts) <= 1

    # every volunteering page has something real to show to the demo's logins
    def page(email, name, *args):
        client.force_login(User.objects.get(email=email))
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, (email, name)
        return response.content.decode()

    body = page("membre.rennes@example.org", "shifts")
    assert "accept" in body and "Permanences" in body  # the swap waiting for an answer, the open shifts
    assert "Ma prochaine permanence" in page("membre.rennes@example.org", "home")
    rennes = Group.objects.get(club=club, slug="rennes")
    body = page("coordination.rennes@example.org", "group-volunteering", rennes.pk)
    assert "Qui est venu" in body and "Rien à confirmer" not in body  # the last evening is to confirm
    assert "en retard" in page("coordination@example.org", "farm-visits", club.pk).lower()
    assert "Tournée du mercredi" in page("coordination@example.org", "rota-detail", rota.pk)
    assert "Plantation des poireaux" in page("producteur@example.org", "producer-home")
    past = OrderCycle.objects.filter(club=club, closed_at__isnull=False).order_by("-closes_at").first()
    assert "Tournée du mercredi" in page("coordination@example.org", "transport", past.pk)
    # the drivers have addresses, phones to call and map links at every stop of the chosen plan's rounds
    chosen = TransportPlan.objects.get(cycle=past, chosen=True)
    for round_ in Round.objects.filter(plan=chosen):
        body = page("coordination@example.org", "transport-round", past.pk, round_.pk)
        stops = RoundStop.objects.filter(round=round_).count()
        assert body.count('href="geo:') == stops and body.count("openstreetmap.org/?mlat=") == stops
        assert 'href="tel:' in body and "Pas d’adresse" not in body


def test_the_demo_has_a_bank_statement_to_match(db, client):
    from cabas.finance.models import BankLine, BankLineStatus, BankStatement

    seed()
    club = Club.objects.get(slug="pays-de-rennes")
    statement = BankStatement.objects.get(club=club)
    statuses = sorted(BankLine.objects.filter(statement=statement).values_list("status", flat=True))
    assert statuses.count(BankLineStatus.MATCHED) == 2 and BankLineStatus.SUGGESTED in statuses
    assert BankLineStatus.UNMATCHED in statuses and BankLine.objects.filter(statement=statement, amount__lt=0).exists()
    client.force_login(User.objects.get(email="tresorerie@example.org"))
    page = client.get(reverse("treasury", args=[club.pk])).content.decode()
    assert reverse("bank-lines", args=[club.pk, statement.pk]) in page
    lines = client.get(reverse("bank-lines", args=[club.pk, statement.pk])).content.decode()
    assert "Frais de tenue de compte" in lines and "Don pour la caisse de solidarité" in lines
