"""Two clubs on one installation, each with everything a season makes (for tests/test_two_clubs.py).

Every name of a club's objects carries the club's marker — its name, its groups', households', depots', producers',
products', people's (first and last names, e-mail addresses), news, shifts, contracts, surveys, vehicles, sites…
— so that a page, a file, an API answer or an e-mail naming anything of the other club shows that club's marker.
Each club's categories and labels are its own (``Category.club``, ``Label.club``); its category carries a second
marker (``category_marker``), looked for as well."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cabas.catalog.models import (
    CatalogueImport, Category, CharterPoint, Container, CostSheet, Label, Producer, ProducerAccount, Product, SpecSheet,
    Unit,
)
from cabas.contracts.models import Contract, ContractProduct, Subscription, SubscriptionLine, SubscriptionOffer
from cabas.distribution.models import DocumentBundle
from cabas.finance import services as finance
from cabas.finance.models import (
    BankLine, BankLineStatus, BankStatement, FinanceSettings, Invoice, Payment, StatementUpload, TariffCategory,
)
from cabas.flows import apply_to_join, close_cycle, open_cycle, save_order
from cabas.logistics import services as logistics
from cabas.logistics.models import (
    DriverKind, HubMode, LogisticsSettings, Participants, Scheme, SharingMethod, Site, SiteKind, Vehicle,
)
from cabas.members import households as households_service
from cabas.members import services as members
from cabas.members.models import Club, Depot, Group, Household, Membership, Role, RoleKind, User
from cabas.news.services import post_news
from cabas.notifications.services import unsubscribe_token
from cabas.ordering.models import Offer, Order
from cabas.ordering.services import RecurringValues, save_recurring_cycle
from cabas.participation.models import Survey, SurveyAnswer
from cabas.volunteering import planning
from cabas.volunteering import services as volunteering
from cabas.volunteering.calendars import feeds_for
from cabas.volunteering.models import Shift, TaskCategory, VolunteerTarget
from cabas.web.tasks import build_document_bundle

D = Decimal
DAY = datetime.timedelta(days=1)
PASSWORD = "un-mot-de-passe-solide"


@dataclass
class ClubWorld:
    """One club and everything in it, with the ids its pages are reached by."""

    marker: str
    category_marker: str
    club: Club = None
    groups: list[Group] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)  # by role: coordinator, group_coordinator, member…
    objects: dict[str, list] = field(default_factory=dict)  # URL keyword → the values to try


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def build_club(marker: str, category_marker: str, *, slug: str, latitude: str, longitude: str) -> ClubWorld:
    """A club whose every name carries ``marker``: two groups with their depots, households and members, a club
    coordinator, a group coordinator, a treasurer, a solidarity referent, two producers (one distributes itself,
    one has a login and a referent member), products, a closed cycle with orders, invoices and payments, an open
    cycle, news, shifts, a harvest call, a farm visit, a drivers' rota, a contract, a subscription, a survey,
    proposals, a bank statement, a transport plan."""
    m = marker
    w = ClubWorld(marker=m, category_marker=category_marker)
    today = timezone.localdate()
    now = timezone.now()
    club = w.club = Club.objects.create(name=f"Club {m}", slug=slug, territory=f"Pays {m}", group_label="GAC")
    FinanceSettings.objects.create(club=club, legal_name=f"Association {m}", address=f"1 place {m}",
                                   iban="FR7630006000011234567890189", bic="AGRIFRPP")

    lat, lon = D(latitude), D(longitude)
    for index, (name, weekday) in enumerate([("Nord", 3), ("Sud", 4)]):
        group = Group.objects.create(club=club, name=f"GAC {m} {name}", slug=f"{slug}-{name.lower()}", capacity=3)
        Depot.objects.create(group=group, name=f"Salle {m} {name}", address=f"{index + 2} rue {m}",
                             latitude=lat + D("0.01") * index, longitude=lon, distribution_weekday=weekday,
                             slot_start=datetime.time(18), slot_end=datetime.time(19, 30))
        w.groups.append(group)
    north, south = w.groups

    def person(role: str, household: Household | None, first: str) -> User:
        user = User.objects.create_user(email=f"{role}@{m.lower()}.example.org", password=PASSWORD, household=household,
                                        first_name=f"{first}{m}", last_name=f"{m}ec")
        w.users[role] = user
        return user

    households = []
    for group, names in ((north, ("Le Goff", "Martin")), (south, ("Bernard", "Petit")), (north, ("Kervella",))):
        for name in names:
            households.append(Household.objects.create(group=group, name=f"Foyer {name}-{m}"))
    member = person("member", households[0], "Anne")
    person("member_bis", households[0], "Paul")
    group_coordinator = person("group_coordinator", households[1], "Jeanne")
    Role.objects.create(user=group_coordinator, kind=RoleKind.GROUP_COORDINATOR, club=club, group=north)
    south_member = person("south_member", households[2], "Louis")
    person("south_member_bis", households[3], "Marie")
    coordinator = person("coordinator", None, "Yves")
    Role.objects.create(user=coordinator, kind=RoleKind.CLUB_COORDINATOR, club=club)
    treasurer = person("treasurer", None, "Rose")
    Role.objects.create(user=treasurer, kind=RoleKind.TREASURER, club=club)
    solidarity = person("solidarity", None, "Hélène")
    Role.objects.create(user=solidarity, kind=RoleKind.SOLIDARITY, club=club)
    for household in households:
        members.start_membership(household=household, group=household.group, starts_on=today - 300 * DAY)
    # the north group's other pickup place (issue 18), chosen by the member's household: the picking list, the
    # pickup sheet, the home page, the e-mail of the eve and the calendar name it
    place = members.save_pickup_place(north, members.PlaceValues(
        name=f"Chapelle {m}", address=f"5 chemin {m}", latitude=None, longitude=None, day_offset=0,
        slot_start=datetime.time(18), slot_end=datetime.time(19), notes=f"Code {m}"))
    members.choose_pickup_place(households[0], place.pk)

    # The catalogue: the club's own category and label.
    category = Category.objects.create(club=club, name=f"Rayon {category_marker}", position=1)
    label = Label.objects.create(club=club, name=f"Label {m}")
    farm = Producer.objects.create(club=club, name=f"Ferme {m}", description=f"La ferme {m}", address=f"Lieu-dit {m}",
                                   latitude=lat, longitude=lon + D("0.05"), email=f"ferme@{m.lower()}.example.org",
                                   referent=group_coordinator)
    farm.labels.add(label)
    bakery = Producer.objects.create(club=club, name=f"Fournil {m}", address=f"Bourg {m}", latitude=lat + D("0.02"),
                                     longitude=lon, email=f"fournil@{m.lower()}.example.org", distributes_itself=True)
    farmer = person("producer", None, "Yann")
    ProducerAccount.objects.create(user=farmer, producer=farm)
    container = Container.objects.create(club=club, name=f"Bocal {m}", deposit=D("0.50"), producer=farm)
    milk = Product.objects.create(producer=farm, category=category, name=f"Lait {m}", unit=Unit.LITRE,
                                  unit_price=D("1.30"), vat_rate=D("5.5"), container=container)
    cheese = Product.objects.create(producer=farm, category=category, name=f"Tomme {m}", unit=Unit.PIECE,
                                    unit_price=D("6.50"), vat_rate=D("5.5"))
    bread = Product.objects.create(producer=bakery, category=category, name=f"Pain {m}", unit=Unit.PIECE,
                                   unit_price=D("4.20"), vat_rate=D("5.5"))
    spec = SpecSheet.objects.create(product=cheese, version=1, variety=f"Race {m}", proposed_by=farmer)
    cost = CostSheet.objects.create(product=cheese, season=f"Saison {m}", inputs=D("100"), labour_hours=D("10"),
                                    hourly_rate=D("15"), packaging=D("10"), transport=D("10"), overheads=D("10"),
                                    depreciation=D("10"), income=D("100"), expected_volume=D("100"), vat_rate=D("5.5"),
                                    unit_price=D("4.00"), proposed_by=farmer)
    point = CharterPoint.objects.create(club=club, text=f"Charte {m}", position=1)
    imported = CatalogueImport.objects.create(producer=farm, filename=f"catalogue-{m}.csv", data=b"", format="csv",
                                              uploaded_by=coordinator)

    # A contract, a subscription (taken in by the cycles), a survey.
    Contract.objects.create(club=club, producer=farm, title=f"Contrat {m}", frequency="weekly",
                            guarantee_kind="value", guarantee_amount=D("100"), starts_on=today - 60 * DAY,
                            ends_on=today + 300 * DAY)
    ContractProduct.objects.create(contract=Contract.objects.get(club=club), product=cheese, agreed_price=D("6.50"))
    subscription = Subscription.objects.create(household=households[0], producer=farm, season=f"Saison {m}",
                                               starts_on=today - 30 * DAY, ends_on=today + 90 * DAY)
    SubscriptionLine.objects.create(subscription=subscription, product=cheese, quantity=D("1"))
    survey = Survey.objects.create(club=club, product_name=f"Yaourt {m}", producer=farm, unit=Unit.PIECE,
                                   monthly_threshold=D("10"), opens_on=today - 5 * DAY, closes_on=today + 10 * DAY,
                                   description=f"Un yaourt {m}")
    SurveyAnswer.objects.create(survey=survey, household=households[0], interest="yes", quantity_per_month=D("4"),
                                comment=f"Oui pour {m}")

    # Solidarity: a tariff, a pledge, a donation.
    tariff = TariffCategory.objects.create(club=club, name=f"Solidaire {m}", discount_rate=D("30"))
    finance.assign_tariff(club=club, household_id=households[3].pk, category_id=tariff.pk,
                          review_on=today + 200 * DAY, by_user=solidarity)
    finance.set_pledge(household=households[0], mode="percent", percent="2")
    finance.receive_for_fund(club=club, fund="solidarity", amount="50", method="transfer", source=f"Don {m}",
                             date=today - 20 * DAY, by_user=treasurer)

    # The closed cycle: orders, closing, invoices, payments.
    products = [milk.pk, cheese.pk, bread.pk]
    closed = open_cycle(club=club, name=f"Semaine {m} passée", opens_at=now - 20 * DAY, closes_at=now - 10 * DAY,
                        distribution_dates={north.pk: today - 8 * DAY, south.pk: today - 7 * DAY},
                        product_ids=products)
    offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=closed)}
    for household in households:
        save_order(cycle=closed, household=household, quantities={offers[milk.pk]: "2", offers[bread.pk]: "1"},
                   now=now - 15 * DAY)
    close_cycle(closed.pk, by_user=coordinator, now=now - 10 * DAY + datetime.timedelta(minutes=3))
    finance.issue_invoices(closed, date=today - 9 * DAY)
    invoice = Invoice.objects.filter(cycle=closed, household=households[0]).first()
    payment = finance.record_payment(club=club, household=households[0], amount=invoice.amount_due, method="cheque",
                                     date=today - 5 * DAY, cheque_number="1234567", by_user=treasurer)
    finance.record_payment(club=club, producer=farm, amount=D("5.00"), method="transfer", date=today - 4 * DAY,
                           by_user=treasurer)
    statement = BankStatement.objects.create(club=club, fingerprint=f"fp-{m}", filename=f"releve-{m}.csv",
                                             imported_by=treasurer)
    BankLine.objects.create(statement=statement, index=1, date=today - 3 * DAY, amount=D("12.00"),
                            name=f"Virement {m}", text=f"Foyer Bernard-{m}", status=BankLineStatus.UNMATCHED)
    upload = StatementUpload.objects.create(club=club, filename=f"releve-{m}.csv", uploaded_by=treasurer,
                                            done_at=now, statement=statement)
    bundle = DocumentBundle.objects.create(cycle=closed, requested_by=coordinator)
    build_document_bundle.call(bundle.pk)  # every sheet and list of the cycle, PDF (see FakeHTML) and CSV, in a ZIP

    # Transport: sites, a vehicle, a plan of the closed cycle.
    sites = [Site(club=club, kind=SiteKind.PRODUCER, name=f"Cour {p.name}", latitude=p.latitude, longitude=p.longitude,
                  producer=p) for p in (farm, bakery)]
    sites += [Site(club=club, kind=SiteKind.DEPOT, name=g.depot.name, latitude=g.depot.latitude,
                   longitude=g.depot.longitude, group=g) for g in (north, south)]
    hub = Site(club=club, kind=SiteKind.HUB, name=f"Plateforme {m}", latitude=lat, longitude=lon - D("0.03"),
               hub_mode=HubMode.CROSS_DOCK)
    Site.objects.bulk_create([*sites, hub])
    Vehicle.objects.create(club=club, name=f"Camionnette {m}", count=1, capacity_kg=800, capacity_crates=50,
                           cost_per_km=D("0.40"), cost_per_hour=D("15"), fixed_cost=D("0"), home=hub,
                           driver_kind=DriverKind.VOLUNTEER)
    LogisticsSettings.objects.create(club=club, scheme=Scheme.DIRECT, hub=hub, sharing_method=SharingMethod.WEIGHT,
                                     participants=Participants.GROUPS)
    plan = logistics.plan_cycle(closed, Scheme.DIRECT, seconds=5, max_iterations=20, coalition_seconds=5,
                                coalition_iterations=5)
    logistics.choose_plan(plan)

    # The open cycle (the subscription puts its basket in the household's order).
    opened = open_cycle(club=club, name=f"Semaine {m} ouverte", opens_at=now - DAY, closes_at=now + 3 * DAY,
                        distribution_dates={north.pk: today + 5 * DAY, south.pk: today + 6 * DAY}, product_ids=products)
    open_offers = {o.product_id: o.pk for o in Offer.objects.filter(cycle=opened)}
    save_order(cycle=opened, household=households[0], quantities={open_offers[milk.pk]: "1"}, now=now)
    save_order(cycle=opened, household=households[1], quantities={open_offers[bread.pk]: "2"}, now=now)

    # News: the club's and a group's.
    news = post_news(club=club, group=None, author=coordinator,
                     values={"title": f"Nouvelles {m}", "body": f"Le club {m} vous salue.", "producer": str(farm.pk),
                             "published_on": ""})
    post_news(club=club, group=north, author=group_coordinator,
              values={"title": f"Nouvelles {m} Nord", "body": f"Le groupe {m} Nord.", "producer": "", "published_on": ""})

    # Volunteering: targets, the distributions' shifts, a hand-made one, a harvest call, a farm visit, a rota.
    VolunteerTarget.objects.create(club=club, hours_per_year=D("6"))
    kinds = planning.ensure_kinds(club)
    planning.make_calendar_shifts(club, since=today - 10 * DAY, until=today + 14 * DAY)
    own = planning.add_shift(club, kind=kinds[TaskCategory.ACCOUNTING], group=north, title=f"Inventaire {m}",
                             day=today + 4 * DAY, start=datetime.time(10), end=datetime.time(12), place=f"Local {m}",
                             people_needed=2)
    signup = volunteering.sign_up(own.pk, member, now=now)
    distribution_shift = (Shift.objects.filter(club=club, group=north, distribution__isnull=False, starts_at__gt=now)
                          .order_by("starts_at").first())
    swapped = volunteering.sign_up(distribution_shift.pk, group_coordinator, now=now)
    swap = volunteering.offer_swap(swapped.pk, group_coordinator, member.pk, now=now)
    call = planning.call_for_harvest(farm, title=f"Récolte {m}", details=f"Chez {m}", day=today + 9 * DAY,
                                     start=datetime.time(9), end=datetime.time(12), people_needed=3, by=coordinator)
    visit = planning.schedule_visit(farm, day=today + 12 * DAY, start=datetime.time(14), end=datetime.time(16),
                                    people_needed=2)
    rota = planning.create_rota(club, name=f"Tournée {m}", days=[today + 7 * DAY, today + 14 * DAY],
                                start=datetime.time(7), end=datetime.time(11), place=f"Départ {m}",
                                drivers=[(farmer.pk, farm.pk), (member.pk, None)], now=now)

    # A household asking to join (the north group is full, three households: it waits).
    applied = apply_to_join(group=north, data={"household_name": f"Foyer Candidat-{m}", "first_name": f"Zoé{m}",
                                               "last_name": f"{m}ec", "email": f"candidat@{m.lower()}.example.org",
                                               "phone": "", "message": f"Bonjour {m}"})

    # Issue 18's pages: a household's invitation, a subscription offer, a recurring cycle, the transport set-up.
    invitation = households_service.invite(household=households[0], by_user=member, first_name=f"Invité{m}",
                                           email=f"invite@{m.lower()}.example.org", now=now)
    subscription_offer = SubscriptionOffer.objects.create(
        club=club, producer=farm, season=f"Hiver {m}", starts_on=today + 10 * DAY, ends_on=today + 100 * DAY,
        signup_opens_on=today - DAY, signup_closes_on=today + 8 * DAY)
    recurring = save_recurring_cycle(club=club, values=RecurringValues(
        name=f"Régulier {m}", group_ids=frozenset({north.pk}), every_weeks=2, opens_weekday=0,
        opens_time=datetime.time(8), ordering_days=4, starts_on=today + 7 * DAY))
    vehicle = Vehicle.objects.get(club=club)

    own_feed, group_feeds = feeds_for(member, [north])
    closed_orders = list(Order.objects.filter(cycle=closed, household__in=[households[0], households[1]]))
    open_orders = list(Order.objects.filter(cycle=opened, household__in=[households[0], households[1]]))
    w.objects = {
        "club_id": [club.pk], "club_slug": [club.slug],
        "group_id": [north.pk, south.pk], "group_slug": [north.slug],
        "cycle_id": [closed.pk, opened.pk], "order_id": [o.pk for o in closed_orders + open_orders],
        "producer_id": [farm.pk, bakery.pk], "product_id": [cheese.pk],
        "news_id": [news.pk], "application_id": [applied.application.pk],
        "invoice_id": [invoice.pk], "payment_id": [payment.pk], "upload_id": [upload.pk],
        "statement_id": [statement.pk], "shift_id": [own.pk], "signup_id": [signup.pk],
        "offer_id": [swap.pk, subscription_offer.pk], "subscription_id": [subscription.pk], "survey_id": [survey.pk],
        "sheet_id": [spec.pk, cost.pk], "import_id": [imported.pk], "plan_id": [plan.pk],
        "round_id": list(plan.rounds.values_list("pk", flat=True)[:1]), "visit_id": [visit.pk], "rota_id": [rota.pk],
        "invitation_id": [invitation.pk], "contract_id": [Contract.objects.get(club=club).pk],
        "recurring_id": [recurring.pk], "site_id": [hub.pk], "vehicle_id": [vehicle.pk],
        "account_id": [ProducerAccount.objects.get(user=farmer).pk],
        "year": [today.year], "token": [own_feed.token, group_feeds[north.pk].token,
                                       unsubscribe_token(member.pk, "cycle_opened")],
        "uidb64": [urlsafe_base64_encode(force_bytes(member.pk))],
        "place_id": [place.pk],
    }
    w.password_token = default_token_generator.make_token(member)
    w.closed, w.opened, w.households, w.producers = closed, opened, households, [farm, bakery]
    w.call, w.point, w.bundle = call, point, bundle
    assert Membership.objects.filter(household__group__club=club).count() == 5
    assert not Payment.objects.filter(club=club).exclude(household__group__club=club).exclude(household=None).exists()
    return w
