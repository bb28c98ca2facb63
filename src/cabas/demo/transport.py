"""The demo club's pooled transport (called by `cabas seed-demo` once its cycles are closed): settings, the
producers' pick-up points and the depots' reception windows, a hub (a Marché d'Intérêt Local south-east of
Rennes, cross-docking), three vehicles (the producers' rota van, a volunteer's car, a paid refrigerated
carrier), the products' weights, chilled categories, and a plan in each scheme for the last closed cycle
(the pooled one chosen, its shares not posted: the coordinator can post them from the page).

Everything goes through the same services as the pages. The solver runs on small budgets here so that seeding
stays quick; `benchmarks/pooling.py` gives the figures with the usual budget."""

from __future__ import annotations

import datetime
from decimal import Decimal


from cabas.catalog.models import Category, Producer, Product, Unit
from cabas.members.models import Club, Group
from cabas.ordering.models import OrderCycle

from cabas.logistics import services
from cabas.logistics.models import (
    ChilledCategory, DriverKind, HubMode, LogisticsSettings, Participants, Scheme, SharingMethod, Site, SiteKind, Vehicle,
)

D = Decimal
T = datetime.time

HUB = ("Marché d'Intérêt Local — plateforme Rennes Sud-Est", "48.087500", "-1.628000")
VOLUNTEER_HOME = ("Domicile d'une bénévole (Rennes, Maurepas)", "48.127800", "-1.656200")
# What the drivers' sheets say of the places that are neither a farm nor a depot: address, contact, phone, access.
HUB_CONTACT = ("12 rue de la Frébardière, 35135 Chantepie", "Accueil fret de la plateforme", "02 99 00 30 00",
               "Quai 3, à droite après la barrière ; sonner à l'accueil fret.")
HOME_CONTACT = ("5 rue de Maurepas, 35700 Rennes", "Claire Morvan (bénévole)", "06 00 00 40 01",
                "Garage au fond de la cour, clé chez la gardienne.")
# The depots' reception on delivery day: a phone and where to unload; the contact is the group's coordination.
DEPOT_RECEPTION = ("06 00 00 20 0{n}", "Décharger par l'entrée de service ; les caisses froides au réfrigérateur de la salle.")
ROTA_HOME = "Moulin de la Vilaine"  # the rota van is kept at the mill, halfway between the farms of the south

# Pick-up windows (from, until, minutes per stop) by producer; the others: 7:00–12:00, 10 minutes.
PICKUP_WINDOWS = {
    "Le Fournil de Brocéliande": (T(6, 0), T(11, 0), 10),  # bread out of the oven early
    "GAEC du Chêne Vert": (T(7, 0), T(11, 30), 15),  # after milking; the cold room to empty
    "Ferme de la Haute-Touche": (T(8, 0), T(12, 0), 15),
    "Le Rucher des Landes": (T(8, 0), T(17, 0), 5),
}
CHILLED = ["Lait", "Fromage", "Viande"]

# What one unit weighs (kg, packaging included) and the part of a crate it takes, by product name; products not
# listed weigh what their unit says (1 kg per kg or litre, 0.5 kg a piece…) and take a crate per 10 kg.
WEIGHTS = {
    "Lait cru entier": ("1.03", "0.0834"), "Lait demi-écrémé pasteurisé": ("1.03", "0.0834"), "Lait ribot": ("1.03", "0.0834"),
    "Yaourts nature": ("0.20", "0.04"), "Yaourts aux fruits": ("0.20", "0.04"), "Fromage blanc en faisselle": ("0.55", "0.1"),
    "Crème fraîche crue": ("0.30", "0.05"), "Beurre demi-sel baratté": ("0.26", "0.04"), "Riz au lait": ("0.22", "0.04"),
    "Pavé de la Haute-Forêt": ("0.27", "0.05"), "Fromage frais de chèvre": ("0.13", "0.03"), "Crottin de chèvre affiné": ("0.09", "0.02"),
    "Bûche de chèvre cendrée": ("0.21", "0.04"),
    "Pain de campagne au levain": ("1.00", "0.125"), "Pain complet": ("1.00", "0.125"), "Pain de petit épeautre": ("0.75", "0.1"),
    "Pain aux graines": ("0.75", "0.1"), "Pain de seigle": ("0.75", "0.1"), "Pain au blé noir": ("0.75", "0.1"),
    "Brioche au beurre": ("0.50", "0.1"), "Far breton aux pruneaux": ("0.85", "0.125"), "Gâteau breton": ("0.42", "0.0625"),
    "Farine de blé T80 (sac de 5 kg)": ("5.00", "0.5"), "Huile de colza vierge": ("1.35", "0.0834"),
    "Salade": ("0.40", "0.1"), "Mâche": ("0.16", "0.05"), "Chou vert frisé": ("1.00", "0.125"), "Chou-fleur": ("1.00", "0.125"),
    "Blettes": ("0.80", "0.1"), "Persil plat": ("0.10", "0.02"), "Ail": ("0.06", "0.01"),
    "Jus de pomme": ("1.60", "0.0834"), "Compote de pommes": ("0.95", "0.0834"), "Cidre brut fermier": ("1.30", "0.0834"),
    "Poiré": ("1.30", "0.0834"),
    "Steaks hachés de bœuf": ("0.13", "0.02"), "Lardons fumés": ("0.21", "0.03"), "Pâté de campagne": ("0.30", "0.04"),
    "Bœuf carottes cuisiné": ("0.65", "0.1"),
    "Œufs plein air": ("0.75", "0.1"), "Œufs (boîte de 6)": ("0.40", "0.05"),
    "Miel de fleurs": ("0.72", "0.0834"), "Miel de sarrasin": ("0.72", "0.0834"), "Pain d'épices au miel": ("0.42", "0.05"),
}
WEIGHTS_BY_UNIT = {Unit.KILOGRAM: ("1.00", "0.08"), Unit.LITRE: ("1.05", "0.0834")}  # vegetables, cheese by the kilo…


def seed_logistics(club: Club, cycle: OrderCycle | None = None, *, seconds: float = 60.0,
                   max_iterations: int | None = 120, coalition_iterations: int | None = 25) -> None:
    """The demo club's transport, and a plan of ``cycle`` (by default its last closed cycle) in each scheme.

    The solver stops at ``max_iterations`` (well under a second on a quiet machine), not at a time limit:
    ``seconds`` is only a bound, so that a busy machine seeds the same demo as a quiet one."""
    producers = {p.name: p for p in Producer.objects.filter(club=club)}
    groups = list(Group.objects.filter(club=club).select_related("depot").order_by("name"))

    sites = []
    for name, producer in producers.items():
        opens, closes, minutes = PICKUP_WINDOWS.get(name, (T(7, 0), T(12, 0), 10))
        sites.append(Site(club=club, kind=SiteKind.PRODUCER, name=name, latitude=producer.latitude,
                          longitude=producer.longitude, producer=producer, opens_at=opens, closes_at=closes,
                          service_minutes=minutes))
    for n, group in enumerate(groups, start=1):
        # The delivery day's reception window: the depots keep the goods until their distribution slot. The address
        # is the depot's, the contact its group's coordinators (the sheets read them there).
        depot = group.depot
        sites.append(Site(club=club, kind=SiteKind.DEPOT, name=depot.name, latitude=depot.latitude, longitude=depot.longitude,
                          group=group, opens_at=T(9, 0), closes_at=T(17, 0), service_minutes=10,
                          phone=DEPOT_RECEPTION[0].format(n=n), access_notes=DEPOT_RECEPTION[1]))
    hub = Site(club=club, kind=SiteKind.HUB, name=HUB[0], latitude=D(HUB[1]), longitude=D(HUB[2]), hub_mode=HubMode.CROSS_DOCK,
               opens_at=T(5, 0), closes_at=T(20, 0), service_minutes=15, handling_minutes=30, address=HUB_CONTACT[0],
               contact_name=HUB_CONTACT[1], phone=HUB_CONTACT[2], access_notes=HUB_CONTACT[3])
    home = Site(club=club, kind=SiteKind.OTHER, name=VOLUNTEER_HOME[0], latitude=D(VOLUNTEER_HOME[1]),
                longitude=D(VOLUNTEER_HOME[2]), opens_at=T(6, 0), closes_at=T(21, 0), service_minutes=0,
                address=HOME_CONTACT[0], contact_name=HOME_CONTACT[1], phone=HOME_CONTACT[2], access_notes=HOME_CONTACT[3])
    Site.objects.bulk_create([*sites, hub, home])
    mill = next(site for site in sites if site.name == ROTA_HOME)

    Vehicle.objects.bulk_create([
        Vehicle(club=club, name="Fourgon des producteurs (tour de rôle)", count=1, capacity_kg=800, capacity_crates=50,
                refrigerated=False, cost_per_km=D("0.40"), cost_per_hour=D("15.00"), fixed_cost=D("0"), home=mill,
                driver_kind=DriverKind.ROTA, co2_g_per_km=230),
        Vehicle(club=club, name="Voiture d'une bénévole", count=1, capacity_kg=250, capacity_crates=15, refrigerated=False,
                cost_per_km=D("0.32"), cost_per_hour=D("0"), fixed_cost=D("0"), home=home, driver_kind=DriverKind.VOLUNTEER,
                co2_g_per_km=150),
        Vehicle(club=club, name="Porteur frigorifique (transporteur)", count=1, capacity_kg=1200, capacity_crates=80,
                refrigerated=True, cost_per_km=D("0.55"), cost_per_hour=D("28.00"), fixed_cost=D("35.00"), home=hub,
                driver_kind=DriverKind.CARRIER, co2_g_per_km=280),
    ])
    LogisticsSettings.objects.create(
        club=club, scheme=Scheme.DIRECT, hub=hub, sharing_method=SharingMethod.SHAPLEY, participants=Participants.GROUPS,
        day_starts=T(6, 0), day_ends=T(20, 0),
    )
    ChilledCategory.objects.bulk_create(
        ChilledCategory(club=club, category=category) for category in Category.objects.filter(club=club, name__in=CHILLED)
    )

    products = list(Product.objects.filter(producer__club=club))
    for product in products:
        weight, crates = WEIGHTS.get(product.name) or WEIGHTS_BY_UNIT.get(product.unit, (None, None))
        product.unit_weight_kg = D(weight) if weight else None
        product.crates_per_unit = D(crates) if crates else None
    Product.objects.bulk_update(products, ["unit_weight_kg", "crates_per_unit"])

    cycle = cycle or OrderCycle.objects.filter(club=club, closed_at__isnull=False).order_by("-closes_at").first()
    if cycle is None:
        return
    for scheme in (Scheme.OWN, Scheme.HUB, Scheme.DIRECT):
        plan = services.plan_cycle(cycle, scheme, seconds=seconds, max_iterations=max_iterations,
                                   coalition_seconds=seconds, coalition_iterations=coalition_iterations)
    services.choose_plan(plan)
