"""`cabas seed-demo`: a realistic demo club around Rennes, with a closed cycle and an open one.

Deterministic (random.Random(2026), dates relative to today), idempotent (a second run creates
nothing and prints the logins again; `--reset` deletes the demo and seeds it anew) and run in one
transaction. Every demo account has the public password `cabas-demo`: never run this on a real
instance.
"""

from __future__ import annotations

import datetime
import random
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone

from cabas.catalog.models import CertificationVisit, Category, CostSheet, PriceChange, Producer, Product, SpecSheet, Unit
from cabas.catalog.steps import default_order_step
from cabas.contracts.models import Contract, Subscription
from cabas.demo.depot_money import seed_depot_money
from cabas.demo.deposits import (
    delete_container_returns, delete_containers, seed_container_returns, seed_containers,
)
from cabas.demo.households import delete_households, seed_households
from cabas.demo.memberships import seed_memberships
from cabas.demo.news import seed_news
from cabas.demo.money import SOLIDARITY_EMAIL, TREASURER_EMAIL, seed_money, seed_solidarity
from cabas.demo.partnerships import PRODUCER_EMAIL, seed_partnerships
from cabas.demo.places import delete_places, seed_places
from cabas.demo.subscriptions import delete_subscription_offers, post_demo_instalments, seed_offers_and_surveys
from cabas.demo.distribution_day import seed_distribution_day
from cabas.demo.reception import seed_reception
from cabas.demo.rhythms import delete_rhythms, seed_rhythms
from cabas.demo.transport import seed_logistics
from cabas.demo.volunteering import delete_volunteering, seed_volunteering
from cabas.demo.vocabulary import seed_words
from cabas.distribution.models import (
    DepotReception, PickingList, Pickup, ProducerSheet, SurplusDisposition, SurplusItem, Uncollected,
)
from cabas.finance.services import delete_money
from cabas.flows import close_cycle, open_cycle, save_order
from cabas.logistics.services import delete_logistics
from cabas.members.models import Club, Depot, Group, Household, Membership, Role, RoleKind, User, Weekday
from cabas.ordering.models import (
    Allocation, CycleStatus, LineChange, Offer, Order, OrderCycle, OrderLine, OrderSummary,
)
from cabas.participation.models import Survey

PASSWORD = "cabas-demo"
SEED = 2026
CLUB_SLUG = "pays-de-rennes"
CLUB_NAME = "Club des Groupements d'Achats du Pays de Rennes"
CLUB_TERRITORY = "Rennes Métropole, pays de Vitré et de Brocéliande (Ille-et-Vilaine)"
CLUB_COORDINATOR_EMAIL = "coordination@example.org"
ADMIN_EMAIL = "admin@example.org"

D = Decimal


# --- the club's groups and depots -----------------------------------------------------------------


@dataclass(frozen=True)
class GroupSpec:
    slug: str  # also the part after "coordination." and "membre." in the e-mails
    name: str
    household_count: int
    depot_name: str
    address: str
    latitude: str
    longitude: str
    weekday: int
    slot: tuple[datetime.time, datetime.time]


GROUPS = [
    GroupSpec(
        "rennes", "GAC de Rennes-Thabor", 17, "Maison de quartier du Thabor",
        "22 rue de Paris, 35000 Rennes", "48.113900", "-1.668200",
        Weekday.THURSDAY, (datetime.time(18, 0), datetime.time(19, 30)),
    ),
    GroupSpec(
        "cesson", "GAC de Cesson-Sévigné", 15, "Salle associative de l'Hôtel de Ville",
        "1 esplanade de l'Hôtel de Ville, 35510 Cesson-Sévigné", "48.121400", "-1.603000",
        Weekday.WEDNESDAY, (datetime.time(18, 30), datetime.time(20, 0)),
    ),
    GroupSpec(
        "vitre", "GAC de Vitré", 15, "Local associatif de la rue Pasteur",
        "8 rue Pasteur, 35500 Vitré", "48.119700", "-1.206500",
        Weekday.FRIDAY, (datetime.time(17, 30), datetime.time(19, 0)),
    ),
    GroupSpec(
        "montfort", "GAC de Montfort-sur-Meu", 13, "Salle polyvalente du boulevard Carnot",
        "2 boulevard Carnot, 35160 Montfort-sur-Meu", "48.138700", "-1.954800",
        Weekday.SATURDAY, (datetime.time(10, 0), datetime.time(12, 0)),
    ),
]

# --- people ---------------------------------------------------------------------------------------

SURNAMES = [
    "Le Goff", "Le Gall", "Tanguy", "Guillou", "Le Roux", "Morvan", "Hamon", "Jégou", "Rault", "Gicquel",
    "Le Bihan", "Lebreton", "Riou", "Cadiou", "Le Floch", "Le Corre", "Le Meur", "Quéré", "Boucher", "Martin",
    "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
    "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "Fontaine", "Rousseau", "Blanchard", "Guérin",
    "Chevalier", "Gautier", "Perrin", "Renaud", "Lemoine", "Brunet", "Collet", "Hervé", "Pichon", "Nicolas",
]
PARTNER_SURNAMES = [
    "Le Bris", "Lucas", "Marchand", "Masson", "Caron", "Picard", "Royer", "Aubert", "Barbier", "Boyer",
    "Carré", "Colin", "Denis", "Hubert", "Joly", "Lacroix", "Leclerc", "Lemaire", "Meunier", "Prigent",
]
FIRST_NAMES = [
    "Marie", "Jeanne", "Anne", "Claire", "Camille", "Léa", "Manon", "Chloé", "Sophie", "Julie",
    "Nathalie", "Isabelle", "Sandrine", "Élodie", "Gaëlle", "Maëlle", "Soizic", "Nolwenn", "Morgane", "Aurélie",
    "Pauline", "Lucie", "Émilie", "Hélène", "Céline", "Catherine", "Françoise", "Armelle", "Annaïg", "Enora",
    "Jean", "Pierre", "Paul", "Louis", "Yann", "Erwan", "Loïc", "Gwenaël", "Ronan", "Tanguy",
    "Nicolas", "Julien", "Thomas", "Mathieu", "Antoine", "François", "Olivier", "Sébastien", "Guillaume", "Hugo",
    "Maxime", "Benoît", "Christophe", "Damien", "Éric", "Jérôme", "Laurent", "Vincent", "Yves", "Hervé",
]

# --- the catalogue --------------------------------------------------------------------------------

CATEGORIES = [
    ("Lait", 1), ("Fromage", 2), ("Pain", 3), ("Céréales", 4), ("Légumes", 5),
    ("Fruits", 6), ("Viande", 7), ("Œufs", 8), ("Épicerie", 9),
]


@dataclass(frozen=True)
class ProductSpec:
    name: str
    category: str
    unit: str
    price: str
    description: str
    quantities: tuple[str, ...]  # what a household typically orders, picked at random
    popularity: int = 2  # relative chance of being in an order
    pack: str = "1"
    vat: str = "5.50"
    step: str | None = None  # the order step; None: the unit's (1 piece, 1 l bottle, 100 g: ``cabas.catalog.steps``)


@dataclass(frozen=True)
class ProducerSpec:
    name: str
    address: str
    latitude: str
    longitude: str
    description: str
    email: str
    phone: str
    products: list[ProductSpec] = field(default_factory=list)


P = ProductSpec
KG, L, PIECE, BUNCH, DOZEN = Unit.KILOGRAM, Unit.LITRE, Unit.PIECE, Unit.BUNCH, Unit.DOZEN

PRODUCERS = [
    ProducerSpec(
        "GAEC du Chêne Vert", "La Bouëxière, 35150 Janzé", "47.971200", "-1.513600",
        "Élevage de 45 vaches laitières (normandes et prim'holstein) en agriculture biologique ; "
        "lait cru et produits laitiers transformés à la ferme.",
        "gaec.chenevert@example.org", "02 99 00 10 01",
        [
            P("Lait cru entier", "Lait", L, "1.35", "Bouteille en verre consignée d'un litre, traite du matin.",
              ("1", "2", "3", "6"), 5, pack="6"),
            P("Lait demi-écrémé pasteurisé", "Lait", L, "1.25", "Bouteille d'un litre.", ("1", "2", "4", "6"), 3, pack="6"),
            P("Lait ribot", "Lait", L, "1.80", "Lait fermenté à la bretonne, bouteille d'un litre.", ("1", "2"), 2),
            P("Yaourts nature", "Lait", PIECE, "0.60", "Pot en verre de 125 g, au lait entier.", ("4", "8", "12"), 4, pack="4"),
            P("Yaourts aux fruits", "Lait", PIECE, "0.75", "Pot de 125 g : fraise, framboise ou abricot selon la semaine.",
              ("4", "8"), 3, pack="4"),
            P("Fromage blanc en faisselle", "Lait", PIECE, "2.40", "Faisselle de 500 g, égouttée à la louche.", ("1", "2"), 2),
            P("Crème fraîche crue", "Lait", PIECE, "3.20", "Pot de 25 cl, épaisse.", ("1",), 2),
            P("Beurre demi-sel baratté", "Lait", PIECE, "3.60", "Motte de 250 g au sel de Guérande.", ("1", "2"), 4),
            P("Riz au lait", "Lait", PIECE, "1.60", "Pot de 150 g, cuit au lait entier et à la vanille.", ("2", "4"), 2),
        ],
    ),
    ProducerSpec(
        "Fromagerie de la Haute-Forêt", "La Haute Forêt, 35140 Saint-Aubin-du-Cormier", "48.268300", "-1.405200",
        "Fromages fermiers au lait cru de vache et de chèvre, affinés en cave sur la ferme.",
        "fromagerie.hauteforet@example.org", "02 99 00 10 02",
        [
            P("Tomme fermière", "Fromage", KG, "21.50", "Pâte pressée non cuite, affinée 3 mois ; à la coupe.",
              ("0.25", "0.5"), 4, step="0.05"),
            P("Tomme aux orties", "Fromage", KG, "23.00", "Tomme parsemée d'orties du bocage ; à la coupe.", ("0.25",), 2, step="0.05"),
            P("Raclette fermière", "Fromage", KG, "19.80", "Tranchée sur demande, de novembre à mars.", ("0.5", "1"), 2, step="0.05"),
            P("Pavé de la Haute-Forêt", "Fromage", PIECE, "5.80", "Pâte molle à croûte fleurie, 250 g.", ("1",), 3),
            P("Fromage frais de chèvre", "Fromage", PIECE, "2.30", "Palet de 120 g : nature, ail et fines herbes ou poivre.",
              ("1", "2"), 3),
            P("Crottin de chèvre affiné", "Fromage", PIECE, "2.60", "Environ 80 g, affiné 2 à 3 semaines.", ("1", "2", "3"), 2),
            P("Bûche de chèvre cendrée", "Fromage", PIECE, "6.90", "Bûche de 200 g affinée sous la cendre.", ("1",), 1),
            P("Bleu fermier", "Fromage", KG, "24.00", "Pâte persillée au lait cru de vache ; à la coupe.", ("0.2", "0.25"), 1, step="0.05"),
        ],
    ),
    ProducerSpec(
        "Le Fournil de Brocéliande", "La Ville Danet, 35380 Paimpont", "48.016700", "-2.170000",
        "Paysans boulangers : blés anciens cultivés sur la ferme, moulus sur meule de pierre, "
        "pains au levain cuits au feu de bois.",
        "fournil.broceliande@example.org", "02 99 00 10 03",
        [
            P("Pain de campagne au levain", "Pain", PIECE, "5.20", "Miche d'un kilo, farine T80 de blés anciens.", ("1", "2"), 5),
            P("Pain complet", "Pain", PIECE, "5.40", "Miche d'un kilo, farine T150.", ("1",), 3),
            P("Pain de petit épeautre", "Pain", PIECE, "6.50", "Pain de 750 g, 100 % petit épeautre.", ("1",), 2),
            P("Pain aux graines", "Pain", PIECE, "5.90", "Pain de 750 g : lin, tournesol, courge.", ("1",), 3),
            P("Pain de seigle", "Pain", PIECE, "5.60", "Pain de 750 g, seigle et blé.", ("1",), 2),
            P("Pain au blé noir", "Pain", PIECE, "5.80", "Pain de 750 g, farine de blé et de sarrasin.", ("1",), 2),
            P("Brioche au beurre", "Pain", PIECE, "7.20", "Brioche de 500 g au beurre de la ferme du Chêne Vert.", ("1",), 3),
            P("Far breton aux pruneaux", "Pain", PIECE, "9.50", "Part familiale de 800 g.", ("1",), 2),
            P("Gâteau breton", "Pain", PIECE, "8.50", "Pur beurre demi-sel, 400 g.", ("1",), 1),
        ],
    ),
    ProducerSpec(
        "Moulin de la Vilaine", "Pont-Réan, 35580 Guichen", "48.010300", "-1.763100",
        "Paysans meuniers : céréales et légumes secs bio cultivés en rotation, farines moulues à la meule.",
        "moulin.vilaine@example.org", "02 99 00 10 04",
        [
            P("Farine de blé T65", "Céréales", KG, "1.90", "En vrac, sachet papier ; pour la pâtisserie et les pâtes.",
              ("1", "2", "3"), 3),
            P("Farine de blé T80 (sac de 5 kg)", "Céréales", PIECE, "9.50", "Farine bise pour le pain maison.", ("1",), 2),
            P("Farine de blé noir", "Céréales", KG, "3.40", "Sarrasin de Bretagne, pour les galettes.", ("1", "2"), 4),
            P("Farine de seigle T130", "Céréales", KG, "2.60", "Farine de seigle bise.", ("1",), 1),
            P("Flocons d'avoine", "Céréales", KG, "3.20", "Flocons roulés à la ferme.", ("0.5", "1"), 3),
            P("Lentilles vertes", "Céréales", KG, "5.40", "Cultivées en association avec de l'avoine.", ("0.5", "1"), 3),
            P("Haricots blancs", "Céréales", KG, "6.20", "Lingots secs, récolte de l'année.", ("0.5", "1"), 2),
            P("Huile de colza vierge", "Épicerie", L, "7.50", "Première pression à froid, bouteille d'un litre.", ("1",), 2),
        ],
    ),
    ProducerSpec(
        "Les Jardins de la Vilaine", "La Massais, 35170 Bruz", "48.030100", "-1.739400",
        "Maraîchage bio diversifié sur 3 ha : une quarantaine de légumes de saison.",
        "jardins.vilaine@example.org", "02 99 00 10 05",
        [
            P("Carottes", "Légumes", KG, "2.20", "Carottes de plein champ, non lavées.", ("1", "1.5", "2"), 5),
            P("Pommes de terre", "Légumes", KG, "1.80", "Variété Allians, chair ferme.", ("2", "3", "5"), 5),
            P("Poireaux", "Légumes", KG, "3.20", "Poireaux d'hiver.", ("0.5", "1", "1.5"), 4),
            P("Oignons jaunes", "Légumes", KG, "2.60", "Oignons de conservation.", ("0.5", "1"), 3),
            P("Échalotes", "Légumes", KG, "5.50", "Échalotes grises.", ("0.5",), 2),
            P("Courge butternut", "Légumes", KG, "2.80", "Une courge pèse de 1 à 1,5 kg.", ("1", "1.5", "2"), 3),
            P("Potimarron", "Légumes", KG, "2.70", "Potimarron rouge, se cuisine avec la peau.", ("1", "1.5", "2"), 3),
            P("Betteraves rouges", "Légumes", KG, "3.00", "Betteraves crues.", ("0.5", "1"), 2),
            P("Salade", "Légumes", PIECE, "1.40", "Laitue ou feuille de chêne selon la récolte.", ("1", "2"), 4),
            P("Mâche", "Légumes", PIECE, "2.20", "Sachet de 150 g.", ("1", "2"), 2),
            P("Épinards", "Légumes", KG, "6.00", "Jeunes pousses d'épinard.", ("0.5",), 2),
        ],
    ),
    ProducerSpec(
        "EARL Le Potager de la Flume", "La Rivière, 35740 Pacé", "48.152000", "-1.783000",
        "Légumes bio de plein champ et sous abri, variétés anciennes et racines d'hiver.",
        "potager.flume@example.org", "02 99 00 10 06",
        [
            P("Chou vert frisé", "Légumes", PIECE, "2.50", "Chou de Milan, environ 1 kg.", ("1",), 2),
            P("Chou-fleur", "Légumes", PIECE, "2.90", "Chou-fleur de Bretagne.", ("1",), 2),
            P("Céleri-rave", "Légumes", KG, "3.10", "Une boule pèse environ 1 kg.", ("1",), 2),
            P("Panais", "Légumes", KG, "3.80", "Racine douce et parfumée.", ("0.5", "1"), 3),
            P("Navets", "Légumes", KG, "2.90", "Navets violets.", ("0.5", "1"), 2),
            P("Radis noir", "Légumes", KG, "3.20", "Radis noir d'hiver.", ("0.5",), 1),
            P("Blettes", "Légumes", BUNCH, "2.50", "Botte d'environ 800 g.", ("1",), 2),
            P("Persil plat", "Légumes", BUNCH, "1.20", "Petite botte.", ("1",), 2),
            P("Ail", "Légumes", PIECE, "1.00", "Tête d'ail rose.", ("1", "2", "3"), 2),
        ],
    ),
    ProducerSpec(
        "Les Vergers de la Seiche", "La Gaudinais, 35410 Châteaugiron", "48.045500", "-1.512000",
        "Vergers bio hautes et basses tiges : pommes et poires de variétés anciennes, jus et cidre fermiers.",
        "vergers.seiche@example.org", "02 99 00 10 07",
        [
            P("Pommes Reine des reinettes", "Fruits", KG, "2.90", "Acidulée, à croquer ou en tarte.", ("1", "1.5", "2"), 4),
            P("Pommes Belle de Boskoop", "Fruits", KG, "2.70", "Idéale pour les compotes et les pommes au four.",
              ("1", "1.5", "2"), 3),
            P("Pommes Patte de loup", "Fruits", KG, "3.20", "Variété ancienne de l'Ouest, se garde tout l'hiver.",
              ("1", "1.5"), 2),
            P("Poires Conférence", "Fruits", KG, "3.40", "Juteuses, à laisser mûrir quelques jours.", ("1", "1.5"), 3),
            P("Coings", "Fruits", KG, "3.00", "Pour les gelées et pâtes de fruits.", ("1",), 1),
            P("Jus de pomme", "Épicerie", L, "3.10", "Pur jus non filtré, bouteille d'un litre.", ("1", "2", "6"), 4, pack="6"),
            P("Compote de pommes", "Épicerie", PIECE, "4.20", "Bocal de 650 g, sans sucre ajouté.", ("1", "2"), 2),
            P("Cidre brut fermier", "Épicerie", PIECE, "4.80", "Bouteille de 75 cl, 5 % vol.", ("1", "2"), 2, vat="20.00"),
            P("Poiré", "Épicerie", PIECE, "5.60", "Bouteille de 75 cl, 4 % vol.", ("1",), 1, vat="20.00"),
        ],
    ),
    ProducerSpec(
        "Ferme de la Haute-Touche", "La Haute Touche, 35470 Bain-de-Bretagne", "47.851000", "-1.666000",
        "Vaches limousines et porcs plein air nourris aux céréales de la ferme ; découpe et transformation à l'atelier.",
        "ferme.hautetouche@example.org", "02 99 00 10 08",
        [
            P("Steaks hachés de bœuf", "Viande", PIECE, "2.40", "Steak de 125 g, 15 % de matière grasse.", ("2", "4", "6"), 3),
            P("Bœuf à bourguignon", "Viande", KG, "16.50", "Paleron et macreuse en morceaux, à mijoter.", ("0.5", "1"), 2),
            P("Rôti de bœuf", "Viande", KG, "27.00", "Rôti ficelé dans la tende de tranche.", ("0.5", "1"), 1),
            P("Côtes de porc", "Viande", KG, "14.50", "Côtes premières.", ("0.5", "1"), 3),
            P("Saucisses de porc", "Viande", KG, "13.00", "Pur porc, boyau naturel.", ("0.5", "1"), 3),
            P("Lardons fumés", "Viande", PIECE, "3.40", "Barquette de 200 g, fumés au bois de hêtre.", ("1", "2"), 3),
            P("Pâté de campagne", "Viande", PIECE, "4.50", "Bocal de 180 g.", ("1", "2"), 2),
            P("Bœuf carottes cuisiné", "Viande", PIECE, "11.50", "Plat cuisiné à la ferme, barquette de deux parts à réchauffer.",
              ("1",), 1, vat="10.00"),
        ],
    ),
    ProducerSpec(
        "Ferme du Bois-Joli", "Le Bois Joli, 35520 Melesse", "48.223000", "-1.681000",
        "Poules pondeuses et volailles de chair élevées en plein air, nourries aux céréales bio.",
        "ferme.boisjoli@example.org", "02 99 00 10 09",
        [
            P("Œufs plein air", "Œufs", DOZEN, "4.80", "Douzaine d'œufs bio, calibres mélangés.", ("1", "2"), 5),
            P("Œufs (boîte de 6)", "Œufs", PIECE, "2.50", "Six œufs bio plein air.", ("1",), 2),
            P("Poulet fermier", "Viande", KG, "12.50", "Prêt à cuire, de 1,8 à 2,2 kg ; pesé à la livraison.", ("2",), 2),
            P("Cuisses de poulet", "Viande", KG, "13.50", "Cuisses entières.", ("0.5", "1"), 2),
            P("Filets de poulet", "Viande", KG, "24.00", "Sans peau.", ("0.5",), 2),
            P("Pintade fermière", "Viande", KG, "14.90", "Prête à cuire, environ 1,5 kg.", ("1.5",), 1),
        ],
    ),
    ProducerSpec(
        "Le Rucher des Landes", "Les Landes de Cojoux, 35550 Saint-Just", "47.765500", "-1.963600",
        "Apiculteur : miels de Bretagne récoltés sur les landes, le sarrasin et les châtaigniers.",
        "rucher.landes@example.org", "02 99 00 10 10",
        [
            P("Miel de fleurs", "Épicerie", PIECE, "8.50", "Pot de 500 g, miel crémeux de printemps.", ("1",), 2),
            P("Miel de sarrasin", "Épicerie", PIECE, "9.50", "Pot de 500 g, miel corsé de blé noir.", ("1",), 1),
            P("Pain d'épices au miel", "Épicerie", PIECE, "6.80", "Pain d'épices de 400 g, au miel de la ferme.", ("1",), 1),
        ],
    ),
]

# How many households order in each cycle, and how many lines each.
CLOSED_CYCLE_ORDERS = 45
OPEN_CYCLE_ORDERS = 40
LINES_PER_ORDER = (3, 10)


# --- helpers --------------------------------------------------------------------------------------


def ascii_slug(text: str) -> str:
    """The ASCII form of a name for an e-mail address: "Le Goff" → "le-goff", "Gaëlle" → "gaelle"."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "-".join("".join(c if c.isalnum() else " " for c in text).split())


def next_weekday_after(day: datetime.date, weekday: int) -> datetime.date:
    """The first date strictly after `day` falling on `weekday` (0 = Monday)."""
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7 or 7)


def local_datetime(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@dataclass
class PersonPlan:
    email: str
    first_name: str
    last_name: str


@dataclass
class HouseholdPlan:
    group: GroupSpec
    name: str
    members: list[PersonPlan]
    created_days_ago: int


def plan_households(rng: random.Random) -> list[HouseholdPlan]:
    """Who lives where: names and e-mails only, so that --reset knows the addresses before writing."""
    surnames = SURNAMES[:]
    rng.shuffle(surnames)
    emails = {CLUB_COORDINATOR_EMAIL, ADMIN_EMAIL}
    households = []
    for spec in GROUPS:
        for index in range(spec.household_count):
            surname = surnames.pop()
            first_names = rng.sample(FIRST_NAMES, 2)
            people = [(first_names[0], surname)]
            if rng.random() < 0.55:
                partner_surname = rng.choice(PARTNER_SURNAMES) if rng.random() < 0.3 else surname
                people.append((first_names[1], partner_surname))
            members = []
            for position, (first, last) in enumerate(people):
                if position == 0 and index == 0:
                    email = f"coordination.{spec.slug}@example.org"
                elif position == 0 and index == 1:
                    email = f"membre.{spec.slug}@example.org"
                else:
                    email = f"{ascii_slug(first)}.{ascii_slug(last)}@example.org"
                    suffix = 2
                    while email in emails:
                        email = f"{ascii_slug(first)}.{ascii_slug(last)}{suffix}@example.org"
                        suffix += 1
                emails.add(email)
                members.append(PersonPlan(email, first, last))
            households.append(HouseholdPlan(spec, f"Foyer {surname}", members, rng.randint(20, 1100)))
    return households


def login_lines() -> list[tuple[str, str]]:
    lines = [("coordination du club", CLUB_COORDINATOR_EMAIL), ("administration Django (/admin/)", ADMIN_EMAIL),
             ("producteur (GAEC du Chêne Vert)", PRODUCER_EMAIL), ("trésorerie du club", TREASURER_EMAIL),
             ("référente solidarité du club", SOLIDARITY_EMAIL)]
    for spec in GROUPS:
        lines.append((f"coordination {spec.name}", f"coordination.{spec.slug}@example.org"))
    for spec in GROUPS:
        lines.append((f"membre {spec.name}", f"membre.{spec.slug}@example.org"))
    return lines


# --- the command ----------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Crée un club de démonstration autour de Rennes (4 groupes, 60 foyers, 10 producteurs, 80 produits, "
        "un cycle clos et un cycle ouvert avec des commandes). Ne crée rien s'il existe déjà ; --reset le recrée. "
        f"Tous les comptes ont le mot de passe « {PASSWORD} » : jamais sur une instance réelle."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true",
            help="Supprime le club de démonstration, ses comptes et ses cycles, puis le recrée.",
        )
        parser.add_argument(
            "--force", action="store_true",
            help="Crée la démonstration même sans DEBUG (ses comptes, dont un superutilisateur, ont un mot de passe connu).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            # Its accounts, a superuser among them, share a password printed in this file and the README.
            raise CommandError(
                f"DEBUG est désactivé : seed-demo créerait un superutilisateur au mot de passe public « {PASSWORD} ». "
                "Lancez-le en développement (DEBUG=1), ou ajoutez --force si cette instance n'est qu'une démonstration."
            )
        started = time.monotonic()
        rng = random.Random(SEED)
        households = plan_households(rng)
        demo_emails = {CLUB_COORDINATOR_EMAIL, ADMIN_EMAIL, PRODUCER_EMAIL, TREASURER_EMAIL, SOLIDARITY_EMAIL} | {m.email for h in households for m in h.members}
        with transaction.atomic():
            existing = Club.objects.filter(slug=CLUB_SLUG).first()
            if existing is not None and not options["reset"]:
                self.stdout.write(
                    f"Le club de démonstration « {existing.name} » existe déjà : rien n'a été créé "
                    "(--reset pour le recréer)."
                )
                self._summary(existing)
                self._logins()
                return
            if options["reset"]:
                self._delete_demo(existing, demo_emails)
            taken = sorted(User.objects.filter(email__in=demo_emails).values_list("email", flat=True))
            if taken:
                raise CommandError(
                    "Ces adresses de démonstration sont déjà utilisées : " + ", ".join(taken)
                    + ". Relancez avec --reset pour les remplacer."
                )
            club = self._seed(rng, households)
        self._summary(club)
        self._logins()
        elapsed = f"{time.monotonic() - started:.1f}".replace(".", ",")
        self.stdout.write(self.style.SUCCESS(f"Démonstration créée en {elapsed} s."))

    # --- deletion --------------------------------------------------------------------------------

    def _delete_demo(self, club: Club | None, demo_emails: set[str]) -> None:
        users = Q(email__in=demo_emails)
        if club is not None:
            users |= Q(household__group__club=club)  # people who joined a demo household
        try:
            if club is not None:
                delete_logistics(club)  # first: a posted transport plan holds its ledger transaction
                delete_volunteering(club)
                delete_households(club)
                delete_places(club)
                delete_money(club)
                delete_rhythms(club)
                cycles = OrderCycle.objects.filter(club=club)
                PickingList.objects.filter(distribution__cycle__in=cycles).delete()
                DepotReception.objects.filter(distribution__cycle__in=cycles).delete()
                SurplusDisposition.objects.filter(item__distribution__cycle__in=cycles).delete()
                SurplusItem.objects.filter(distribution__cycle__in=cycles).delete()
                Uncollected.objects.filter(distribution__cycle__in=cycles).delete()
                Pickup.objects.filter(distribution__cycle__in=cycles).delete()
                ProducerSheet.objects.filter(cycle__in=cycles).delete()
                Allocation.objects.filter(cycle__in=cycles).delete()
                OrderSummary.objects.filter(cycle__in=cycles).delete()
                OrderLine.objects.filter(order__cycle__in=cycles).delete()
                Order.objects.filter(cycle__in=cycles).delete()
                LineChange.objects.filter(cycle__in=cycles).delete()
                delete_container_returns(cycles)
                cycles.delete()  # with their offers and distributions
                Subscription.objects.filter(producer__club=club).delete()  # with their lines and skipped dates
                delete_subscription_offers(club)
                Contract.objects.filter(club=club).delete()
                Survey.objects.filter(club=club).delete()
                SpecSheet.objects.filter(product__producer__club=club).delete()
                PriceChange.objects.filter(product__producer__club=club).delete()
                CostSheet.objects.filter(product__producer__club=club).delete()
                CertificationVisit.objects.filter(producer__club=club).delete()
                Product.objects.filter(producer__club=club).delete()
                delete_containers(club)
                Producer.objects.filter(club=club).delete()
            User.objects.filter(pk__in=list(User.objects.filter(users).values_list("pk", flat=True))).delete()
            if club is not None:
                Membership.objects.filter(group__club=club).delete()
                Household.objects.filter(group__club=club).delete()
                Group.objects.filter(club=club).delete()  # with their depots and roles
                club.delete()
        except (ProtectedError, RestrictedError) as error:
            raise CommandError(
                f"Impossible de supprimer la démonstration : d'autres données s'y rapportent ({error.args[0]})"
            ) from error
        self.stdout.write("Ancienne démonstration supprimée.")

    # --- creation --------------------------------------------------------------------------------

    def _seed(self, rng: random.Random, plans: list[HouseholdPlan]) -> Club:
        now = timezone.now()
        today = timezone.localdate(now)
        encoded = make_password(PASSWORD)  # hashed once: PBKDF2 a hundred times would take seconds

        club = Club.objects.create(name=CLUB_NAME, slug=CLUB_SLUG, territory=CLUB_TERRITORY, group_label="GAC")
        seed_words(club)  # the club's words on every page (its settings page)
        groups = {}
        for spec in GROUPS:
            groups[spec.slug] = Group.objects.create(club=club, name=spec.name, slug=spec.slug)
        Depot.objects.bulk_create(
            Depot(
                group=groups[spec.slug], name=spec.depot_name, address=spec.address,
                latitude=D(spec.latitude), longitude=D(spec.longitude), distribution_weekday=spec.weekday,
                slot_start=spec.slot[0], slot_end=spec.slot[1],
            )
            for spec in GROUPS
        )

        households = Household.objects.bulk_create(
            Household(
                group=groups[plan.group.slug], name=plan.name,
                created_at=now - datetime.timedelta(days=plan.created_days_ago, hours=rng.randint(0, 10)),
            )
            for plan in plans
        )
        users = []
        for plan, household in zip(plans, households):
            for person in plan.members:
                users.append(User(
                    email=person.email, first_name=person.first_name, last_name=person.last_name,
                    household=household, password=encoded,
                    date_joined=household.created_at + datetime.timedelta(days=rng.randint(0, 15)),
                ))
        coordinator = User(
            email=CLUB_COORDINATOR_EMAIL, first_name="Armelle", last_name="Le Bris",
            password=encoded, date_joined=now - datetime.timedelta(days=1200),
        )
        admin = User(
            email=ADMIN_EMAIL, first_name="Administration", last_name="Cabas", is_staff=True, is_superuser=True,
            password=encoded, date_joined=now - datetime.timedelta(days=1210),
        )
        User.objects.bulk_create([*users, coordinator, admin])  # sets their ids (PostgreSQL, SQLite ≥ 3.35)
        by_email = {u.email: u for u in users}

        Role.objects.bulk_create(
            [Role(user=coordinator, kind=RoleKind.CLUB_COORDINATOR, club=club)]
            + [
                Role(user=by_email[f"coordination.{spec.slug}@example.org"], kind=RoleKind.GROUP_COORDINATOR,
                     club=club, group=groups[spec.slug])
                for spec in GROUPS
            ]
        )

        # The catalogue, with the club's own categories.
        categories = {name: Category.objects.create(club=club, name=name, position=position)
                      for name, position in CATEGORIES}
        producers = Producer.objects.bulk_create(
            Producer(
                club=club, name=spec.name, description=spec.description, address=spec.address,
                latitude=D(spec.latitude), longitude=D(spec.longitude), email=spec.email, phone=spec.phone,
            )
            for spec in PRODUCERS
        )
        Product.objects.bulk_create(
            Product(
                producer=producer, category=categories[p.category], name=p.name, description=p.description,
                unit=p.unit, unit_price=D(p.price), vat_rate=D(p.vat), pack_size=None if p.pack == "1" else D(p.pack),
                order_step=D(p.step) if p.step else default_order_step(p.unit, None if p.pack == "1" else D(p.pack)),
            )
            for producer, spec in zip(producers, PRODUCERS)
            for p in spec.products
        )
        product_specs = {p.name: p for spec in PRODUCERS for p in spec.products}
        # Jars and bottles with a deposit (before the cycles open: their offers freeze them).
        seed_containers(club=club)

        # Households that show something to the demo logins: each group's "membre." household orders.
        featured = [h for plan, h in zip(plans, households) if plan.members[0].email.startswith("membre.")]

        # Labels, farm visits, spec and cost sheets, contracts, subscriptions, surveys (before the cycles open:
        # they freeze the spec sheets and take in the subscriptions).
        seed_partnerships(club=club, producers=producers, households=households, featured=featured,
                          coordinator=coordinator, password=encoded, rng=rng)
        # Subscription offers (the winter one the subscriptions above came from, two open for sign-up) and the
        # producers' quarterly evaluation (its own random draws: the rest of the demo stays as it was).
        seed_offers_and_surveys(club=club, households=households, featured=featured, rng=random.Random(SEED + 18),
                                today=today)
        product_ids = list(Product.objects.filter(producer__club=club).values_list("pk", flat=True))
        # Memberships and their fees, solidarity tariffs and the funds (before the cycles close: the closings
        # apply the discounts and contributions).
        seed_memberships(club=club, households=households, rng=rng, today=today)
        seed_solidarity(club=club, households=households, featured=featured, password=encoded, rng=rng, today=today)

        # Two past cycles, closed, their lists written and their money handled; then the current one, open.
        older_opens = local_datetime(today - datetime.timedelta(days=29), 8)
        older_closes = local_datetime(today - datetime.timedelta(days=22), 20)
        older = self._cycle(club, groups, older_opens, older_closes, product_ids)
        self._orders(rng, older, households, featured, CLOSED_CYCLE_ORDERS - 5, product_specs, older_opens, older_closes)
        close_cycle(older.pk, by_user=coordinator, now=older_closes + datetime.timedelta(minutes=3))
        closed_opens = local_datetime(today - datetime.timedelta(days=15), 8)
        closed_closes = local_datetime(today - datetime.timedelta(days=8), 20)
        past = self._cycle(club, groups, closed_opens, closed_closes, product_ids)
        self._orders(rng, past, households, featured, CLOSED_CYCLE_ORDERS, product_specs, closed_opens, closed_closes)
        close_cycle(past.pk, by_user=coordinator, now=closed_closes + datetime.timedelta(minutes=3))
        seed_money(club=club, older=older, past=past, coordinator=coordinator, password=encoded, rng=rng, today=today)
        # The producers' yearly fee posted, and an invitation waiting in a household.
        seed_households(club=club, featured=featured, coordinator=coordinator, today=today)
        # Vitré's second pickup place, chosen by a few of its households (the member logins' among them)
        seed_places(club, featured)
        seed_depot_money(club=club, cycle=past, coordinator=coordinator, rng=rng, today=today)
        seed_logistics(club, past)  # sites, vehicles and a transport plan in each scheme
        seed_reception(club)  # the delivery checked at one depot, one product short
        seed_distribution_day(club)  # pickups signed off at one depot, a no-show's goods and pack surplus handled
        # At one depot, households bring back part of their jars and bottles (refunded on their accounts).
        seed_container_returns(cycle=past, coordinator=coordinator, rng=rng)
        seed_news(club, coordinator, today)  # the club's news and two groups', one of them scheduled

        open_opens = local_datetime(today - datetime.timedelta(days=1), 8)
        open_closes = local_datetime(today + datetime.timedelta(days=3), 20)
        current = self._cycle(club, groups, open_opens, open_closes, product_ids)
        self._orders(rng, current, households, featured, OPEN_CYCLE_ORDERS, product_specs, open_opens, min(now, open_closes))
        # Montfort distributes every fortnight, two recurring cycles, priority to solidarity tariffs when supply is short.
        seed_rhythms(club, current, today)
        # The year's shifts, the coming ones, a harvest call, a farm visit and the drivers' rota.
        seed_volunteering(club=club, coordinator=coordinator, farmer=User.objects.get(email=PRODUCER_EMAIL),
                          rng=rng, today=today)
        post_demo_instalments(today)  # the subscriptions' instalments due by today, as cron posts them
        return club

    def _cycle(self, club, groups, opens_at, closes_at, product_ids) -> OrderCycle:
        deadline = timezone.localdate(closes_at)
        dates = {groups[spec.slug].pk: next_weekday_after(deadline, spec.weekday) for spec in GROUPS}
        name = f"Semaine {deadline.isocalendar().week}"
        cycle = open_cycle(
            club=club, name=name, opens_at=opens_at, closes_at=closes_at,
            distribution_dates=dates, product_ids=product_ids,
        )
        # As if the coordinator had prepared it the day before it opened.
        OrderCycle.objects.filter(pk=cycle.pk).update(created_at=opens_at - datetime.timedelta(days=1))
        return cycle

    def _orders(self, rng, cycle, households, featured, count, product_specs, window_start, window_end) -> None:
        offers = [o for o in Offer.objects.filter(cycle=cycle).order_by("pk") if o.name in product_specs]
        weights = [product_specs[o.name].popularity for o in offers]
        committed = set(OrderLine.objects.filter(order__cycle=cycle, committed__gt=0).values_list("order__household_id", "offer_id"))
        others = [h for h in households if h not in featured]
        chosen = featured + rng.sample(others, count - len(featured))
        members = {}
        for user in User.objects.filter(household__in=chosen).order_by("pk"):
            members.setdefault(user.household_id, []).append(user)
        span = (window_end - window_start).total_seconds()
        for household in sorted(chosen, key=lambda h: h.pk):
            wanted = rng.randint(*LINES_PER_ORDER)
            picked: dict[int, Offer] = {}
            while len(picked) < wanted:
                offer = rng.choices(offers, weights)[0]
                picked[offer.pk] = offer
            quantities = {pk: D(rng.choice(product_specs[o.name].quantities)) for pk, o in picked.items()
                          if (household.pk, pk) not in committed}  # what a subscription commits stays as it is
            save_order(
                cycle=cycle, household=household, quantities=quantities,
                by_user=rng.choice(members[household.pk]),
                now=window_start + datetime.timedelta(seconds=rng.uniform(0.05, 0.95) * span),
            )

    # --- output ----------------------------------------------------------------------------------

    def _summary(self, club: Club) -> None:
        cycles = list(OrderCycle.objects.filter(club=club).order_by("opens_at"))
        households = Household.objects.filter(group__club=club)
        self.stdout.write(f"Club : {club.name} ({club.territory})")
        self.stdout.write(
            f"  {Group.objects.filter(club=club).count()} groupes avec leur lieu de dépôt, "
            f"{households.count()} foyers, {User.objects.filter(household__group__club=club).count()} membres"
        )
        self.stdout.write(
            f"  {Producer.objects.filter(club=club).count()} producteurs, "
            f"{Product.objects.filter(producer__club=club).count()} produits"
        )
        for cycle in cycles:
            orders = Order.objects.filter(cycle=cycle).count()
            lines = OrderLine.objects.filter(order__cycle=cycle).count()
            status = cycle.status()
            if status == CycleStatus.CLOSED:
                lists = PickingList.objects.filter(distribution__cycle=cycle).count()
                state = f"clos, {lists} listes de préparation"
            elif status == CycleStatus.OPEN:
                state = f"ouvert jusqu'au {timezone.localtime(cycle.closes_at):%d/%m à %H:%M}"
            else:
                state = "pas encore ouvert" if status == CycleStatus.SCHEDULED else "échéance passée, à clore"
            self.stdout.write(f"  cycle « {cycle.name} » ({state}) : {orders} commandes, {lines} lignes")

    def _logins(self) -> None:
        self.stdout.write(f"Comptes de démonstration (mot de passe : {PASSWORD})")
        width = max(len(label) for label, _email in login_lines())
        for label, email in login_lines():
            self.stdout.write(f"  {label.ljust(width)} : {email}")
