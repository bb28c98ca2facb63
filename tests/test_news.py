"""News per club and per group: who posts, who sees (never another group's), bad input, the digest, queries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from cabas.members.models import Role, RoleKind
from cabas.news.models import NewsItem
from cabas.news.services import news_for_digest, news_for_home, post_news

from .test_query_counts import EXPECTED, measure

DAY = datetime.timedelta(days=1)


def item(world, title, group=None, days_ago=0, producer=None, created_at=None):
    return NewsItem.objects.create(
        club=world.club, group=group, title=title, body=f"Texte de {title}", producer=producer,
        published_on=timezone.localdate() - days_ago * DAY, created_at=created_at or timezone.now(),
    )


def test_members_see_their_club_and_their_own_group_news_never_another_group(world, login):
    item(world, "Nouvelle du club")
    item(world, "Nouvelle de Rennes", group=world.group_a, producer=world.farm)
    item(world, "Nouvelle de Vitré", group=world.group_b)
    item(world, "Pas encore", group=world.group_a, days_ago=-2)  # published in two days
    other_club, other_group, *_ = world.other_club()
    NewsItem.objects.create(club=other_club, title="Nouvelle voisine", body="x")
    NewsItem.objects.create(club=other_club, group=other_group, title="Nouvelle de Brest", body="x")

    page = login(world.member_a1).get(reverse("home")).content.decode()
    assert "Nouvelle du club" in page and "Nouvelle de Rennes" in page and world.farm.name in page
    assert "Nouvelle de Vitré" not in page and "Pas encore" not in page
    assert "Nouvelle voisine" not in page and "Nouvelle de Brest" not in page

    page = login(world.member_b1).get(reverse("home")).content.decode()
    assert "Nouvelle du club" in page and "Nouvelle de Vitré" in page
    assert "Nouvelle de Rennes" not in page


def test_a_group_coordinator_posts_edits_and_deletes_the_group_news(world, login):
    client = login(world.group_coordinator_a)
    url = reverse("group-news", args=[world.group_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Arrivage de fraises", "body": "Les premières gariguettes.",
                                 "producer": str(world.farm.pk), "published_on": timezone.localdate().isoformat(),
                                 "club": "999", "group": str(world.group_b.pk), "author": "1"})  # extra fields ignored
    assert response.status_code == 302
    news = NewsItem.objects.get()
    assert (news.club, news.group, news.producer, news.author) == (world.club, world.group_a, world.farm, world.group_coordinator_a)

    edit = reverse("news-edit", args=[news.pk])
    assert client.post(edit, {"title": "Arrivage de fraises (suite)", "body": "Encore.", "producer": "",
                              "published_on": ""}).status_code == 302
    news.refresh_from_db()
    assert (news.title, news.producer, news.published_on) == ("Arrivage de fraises (suite)", None, timezone.localdate())
    assert client.post(reverse("news-delete", args=[news.pk])).status_code == 302
    assert not NewsItem.objects.exists()


def test_the_club_coordinator_posts_club_news(world, login):
    client = login(world.coordinator)
    response = client.post(reverse("club-news", args=[world.club.pk]), {"title": "Visite de la ferme", "body": "Samedi."})
    assert response.status_code == 302
    news = NewsItem.objects.get()
    assert news.group is None and news.club == world.club
    # …and may post any group's news of the club
    assert client.get(reverse("group-news", args=[world.group_b.pk])).status_code == 200
    # the news page of a coordinator of one club goes straight to it when there is nothing else
    assert client.get(reverse("news-home")).status_code == 200


def test_who_may_not_post_or_change_news(world, login):
    club_news = item(world, "Nouvelle du club")
    vitre = item(world, "Nouvelle de Vitré", group=world.group_b)
    rennes = item(world, "Nouvelle de Rennes", group=world.group_a)
    coordinator_a = login(world.group_coordinator_a)
    # another group's page and items: 404 (not revealed)
    assert coordinator_a.get(reverse("group-news", args=[world.group_b.pk])).status_code == 404
    assert coordinator_a.get(reverse("news-edit", args=[vitre.pk])).status_code == 404
    assert coordinator_a.post(reverse("news-delete", args=[vitre.pk])).status_code == 404
    # the club's news: visible to a group coordinator, not theirs to change (403)
    assert coordinator_a.get(reverse("club-news", args=[world.club.pk])).status_code == 403
    assert coordinator_a.post(reverse("news-delete", args=[club_news.pk])).status_code == 403
    # a member: sees the club's and the own group's news (403 to change them), not another group's (404)
    member = login(world.member_a1)
    assert member.get(reverse("news-home")).status_code == 403
    assert member.get(reverse("group-news", args=[world.group_a.pk])).status_code == 403
    assert member.get(reverse("group-news", args=[world.group_b.pk])).status_code == 404
    assert member.post(reverse("news-delete", args=[rennes.pk])).status_code == 403
    assert member.post(reverse("news-delete", args=[club_news.pk])).status_code == 403
    assert member.post(reverse("news-edit", args=[vitre.pk]), {"title": "x", "body": "x"}).status_code == 404
    # another club's coordinator
    other_club, *_ = world.other_club()
    stranger = world.user("coord-voisin@example.org", None)
    Role.objects.create(user=stranger, kind=RoleKind.CLUB_COORDINATOR, club=other_club)
    client = login(stranger)
    assert client.get(reverse("club-news", args=[world.club.pk])).status_code == 404
    assert client.get(reverse("group-news", args=[world.group_a.pk])).status_code == 404
    assert client.post(reverse("news-delete", args=[club_news.pk])).status_code == 404
    assert NewsItem.objects.count() == 3


@pytest.mark.parametrize("values, field, message", [
    ({"title": "", "body": "x"}, "title", "Donnez un titre à la nouvelle."),
    ({"title": "x" * 201, "body": "x"}, "title", "Le titre est trop long (200 caractères au plus)."),
    ({"title": "x", "body": "  "}, "body", "Écrivez le texte de la nouvelle."),
    ({"title": "x", "body": "x", "producer": "abc"}, "producer", "Choisissez un producteur dans la liste."),
    ({"title": "x", "body": "x", "producer": "99999999999999999999"}, "producer", "Choisissez un producteur dans la liste."),
    ({"title": "x", "body": "x", "published_on": "14/03/2026"}, "published_on", "Indiquez la date de publication"),
    ({"title": "x", "body": "x", "published_on": "2062-01-01"}, "published_on", "à moins d’un an d’aujourd’hui"),
])
def test_bad_input_is_refused_in_french_and_nothing_is_written(world, login, values, field, message):
    response = login(world.group_coordinator_a).post(reverse("group-news", args=[world.group_a.pk]), values)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not NewsItem.objects.exists()


def test_a_producer_of_another_club_is_refused(world, login):
    _, _, _, their_producer, _ = world.other_club()
    response = login(world.coordinator).post(reverse("club-news", args=[world.club.pk]),
                                             {"title": "x", "body": "x", "producer": str(their_producer.pk)})
    assert response.status_code == 400 and not NewsItem.objects.exists()


def test_the_digest_has_what_became_visible_since_the_last_one(world):
    now = timezone.now()
    last_digest = now - 7 * DAY
    item(world, "Ancienne", days_ago=10)
    item(world, "Le jour même, avant", days_ago=7, created_at=last_digest - datetime.timedelta(hours=1))
    item(world, "Le jour même, après", group=world.group_a, days_ago=7, created_at=last_digest + datetime.timedelta(minutes=1))
    item(world, "Cette semaine", days_ago=2)
    item(world, "Vitré cette semaine", group=world.group_b, days_ago=1)
    item(world, "Demain", days_ago=-1)
    titles = [n.title for n in news_for_digest(world.club, world.group_a, last_digest, now=now)]
    assert titles == ["Cette semaine", "Le jour même, après"]
    assert [n.title for n in news_for_digest(world.club.pk, world.group_b.pk, last_digest, now=now)] == [
        "Vitré cette semaine", "Cette semaine"]
    assert [n.title for n in news_for_digest(world.club, None, timezone.localdate(last_digest), now=now)] == ["Cette semaine"]
    assert len(news_for_digest(world.club, world.group_a, None, now=now)) == 4


def test_post_news_refuses_a_group_of_another_club(world):
    _, their_group, *_ = world.other_club()
    with pytest.raises(Exception):
        post_news(club=world.club, group=their_group, author=None, values={"title": "x", "body": "x"})
    assert not NewsItem.objects.exists()


def test_home_news_in_constant_queries(world, client):
    """The home page's news cost one query whatever their number (pinned with the page in test_query_counts)."""
    world.open_cycle()
    client.force_login(world.member_a1)
    item(world, "Une", producer=world.farm)
    small, _, response = measure(lambda: client.get(reverse("home")))
    assert response.status_code == 200
    for n in range(12):
        item(world, f"Club {n}", producer=world.bakery)
        item(world, f"Rennes {n}", group=world.group_a, producer=world.farm)
        item(world, f"Vitré {n}", group=world.group_b)
    large, _, response = measure(lambda: client.get(reverse("home")))
    assert small == large == EXPECTED[connection.vendor]["home"]
    assert len(news_for_home(world.club.pk, world.group_a.pk)) == 5


def test_the_news_page_of_a_group_in_constant_queries(world, client):
    """session, user, roles, group+club, the group's items+producer, the club's producers (for the form)."""
    client.force_login(world.group_coordinator_a)
    url = reverse("group-news", args=[world.group_a.pk])
    item(world, "Une", group=world.group_a, producer=world.farm)
    small, _, response = measure(lambda: client.get(url))
    assert response.status_code == 200
    for n in range(15):
        item(world, f"Rennes {n}", group=world.group_a, producer=world.bakery)
    large, _, response = measure(lambda: client.get(url))
    assert small == large == 6
