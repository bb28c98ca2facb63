"""A few news items in the demo club: the club's (a producer's open day, a new producer in the catalogue) and its
groups' (a recipe, the depot's key, one scheduled for next week), posted by their coordinators through the news
service, so that every member's home page shows some, never another group's."""

from __future__ import annotations

import datetime

from cabas.catalog.models import Producer
from cabas.members.models import Club, Group, RoleKind, User
from cabas.news.models import NewsItem
from cabas.news.services import post_news

CLUB_NEWS = [
    # (days from today, title, text, producer's name)
    (-3, "Portes ouvertes au GAEC du Chêne Vert",
     "Samedi prochain de 10 h à 17 h : visite de la stabulation et de la salle de traite, goûter avec les produits "
     "de la ferme. Covoiturage depuis les dépôts : inscrivez-vous auprès de votre coordination.",
     "GAEC du Chêne Vert"),
    (-9, "Le miel du Rucher des Landes arrive au catalogue",
     "Après l'enquête de l'automne, le miel de sarrasin entre au catalogue dès ce cycle. Merci aux 41 foyers qui "
     "ont répondu !", "Le Rucher des Landes"),
]
GROUP_NEWS = {
    "rennes": [
        (-1, "Recette : velouté de potimarron", "Un potimarron, deux pommes de terre, un oignon, un litre de bouillon ; "
         "45 minutes à feu doux, une cuillère de crème fraîche de la ferme pour finir.", "Les Jardins de la Vilaine"),
        (5, "Distribution avancée la semaine prochaine", "Jeudi prochain, la salle ferme à 19 h : la distribution "
         "aura lieu de 17 h 30 à 19 h.", ""),
    ],
    "vitre": [
        (-2, "Rapportez vos bocaux", "La Ferme de la Haute-Touche reprend les bocaux de rillettes propres : un bac "
         "les attend au dépôt.", "Ferme de la Haute-Touche"),
    ],
}


def seed_news(club: Club, coordinator: User, today: datetime.date) -> list[NewsItem]:
    producers = dict(Producer.objects.filter(club=club).values_list("name", "pk"))
    groups = {g.slug: g for g in Group.objects.filter(club=club, slug__in=GROUP_NEWS).select_related("club")}
    items = []
    for days, title, body, producer in CLUB_NEWS:
        items.append(post_news(club=club, group=None, author=coordinator, values=_values(today, days, title, body, producers, producer)))
    for slug, entries in GROUP_NEWS.items():
        group = groups.get(slug)
        if group is None:
            continue
        author = User.objects.filter(roles__kind=RoleKind.GROUP_COORDINATOR, roles__group=group).first() or coordinator
        for days, title, body, producer in entries:
            items.append(post_news(club=club, group=group, author=author, values=_values(today, days, title, body, producers, producer)))
    return items


def _values(today, days, title, body, producers, producer) -> dict[str, str]:
    return {"title": title, "body": body, "producer": str(producers.get(producer, "")),
            "published_on": (today + datetime.timedelta(days=days)).isoformat()}
