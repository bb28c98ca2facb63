"""News: a club's coordinators post the club's news, a group's coordinators the group's; members read them on
their home page (web/views/member.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.catalog.models import Producer
from cabas.core.errors import ActionError
from cabas.members.models import Club, Group
from cabas.members.permissions import Access, access_for
from cabas.news.models import NewsItem
from cabas.news.services import FIELDS, delete_news, post_news, update_news

from ..access import own_group, relates_to_club
from ..context_processors import page_words

LIST_COUNT = 30


def submitted(post) -> dict[str, str]:
    return {name: post.get(name, "") for name in FIELDS}  # an allow-list: any other field is ignored


def may_edit(access: Access, item: NewsItem) -> bool:
    if item.group_id is None:
        return access.coordinates_club(item.club_id)
    return access.coordinates_group(item.group_id, item.club_id)


def refuse(request, access: Access, *, club_id: int, group_id: int | None):
    """403 when the user sees these news (the club's, or their own group's) but may not post or change them;
    404 otherwise (another group's or another club's are not revealed)."""
    if group_id is None:
        if relates_to_club(request, access, club_id):
            raise PermissionDenied(_("Only the club's coordinators post the club's news."))
    elif own_group(request)[0] == group_id:
        raise PermissionDenied(_("Only the coordinators %(of_the_group)s post its news.") % page_words(request))
    raise Http404


def item_for_editing(request, news_id: int) -> NewsItem:
    """A news item the user may change (the club's: its coordinators; a group's: that group's and the club's)."""
    access = access_for(request.user)
    item = NewsItem.objects.filter(pk=news_id).select_related("club", "group").first()
    if item is None:
        raise Http404
    if not may_edit(access, item):
        refuse(request, access, club_id=item.club_id, group_id=item.group_id)
    return item


def scope_url(item: NewsItem) -> str:
    if item.group_id is None:
        return reverse("club-news", args=[item.club_id])
    return reverse("group-news", args=[item.group_id])


@login_required
def news_home(request):
    """The clubs and groups whose news the user posts; straight to the page when there is only one."""
    access = access_for(request.user)
    if not access.is_coordinator:
        raise PermissionDenied(_("Only coordinators post news."))
    if access.is_superuser:
        clubs, groups = list(Club.objects.all()), []
    else:
        clubs = list(Club.objects.filter(pk__in=access.coordinated_club_ids))
        groups = list(Group.objects.filter(Q(pk__in=access.coordinated_group_ids) | Q(club_id__in=access.coordinated_club_ids))
                      .select_related("club").order_by("club__name", "name"))
    if len(clubs) + len(groups) == 1:
        return redirect("club-news", clubs[0].pk) if clubs else redirect("group-news", groups[0].pk)
    return render(request, "web/news/home.html", {"clubs": clubs, "groups": groups})


def scope_page(request, *, club: Club, group: Group | None):
    error, values = None, {"published_on": timezone.localdate().isoformat()}
    if request.method == "POST":
        values = submitted(request.POST)
        try:
            post_news(club=club, group=group, author=request.user, values=values)
        except ActionError as e:
            error = e
        else:
            messages.success(request, _("The news is posted."))
            return redirect(request.path)
    items = NewsItem.objects.filter(club=club).select_related("producer").order_by("-published_on", "-pk")
    items = items.filter(group=group) if group is not None else items.filter(group__isnull=True)
    producers = list(Producer.objects.filter(club=club).order_by("name").values_list("pk", "name"))
    return render(request, "web/news/scope.html", {
        "club": club, "group": group, "items": list(items[:LIST_COUNT]), "producers": producers,
        "values": values, "error": error, "today": timezone.localdate(),
    }, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def club_news(request, club_id: int):
    access = access_for(request.user)
    club = Club.objects.filter(pk=club_id).first()
    if club is None:
        raise Http404
    if not access.coordinates_club(club.pk):
        refuse(request, access, club_id=club.pk, group_id=None)
    return scope_page(request, club=club, group=None)


@login_required
@require_http_methods(["GET", "POST"])
def group_news(request, group_id: int):
    access = access_for(request.user)
    group = Group.objects.filter(pk=group_id).select_related("club").first()
    if group is None:
        raise Http404
    if not access.coordinates_group(group.pk, group.club_id):
        refuse(request, access, club_id=group.club_id, group_id=group.pk)
    return scope_page(request, club=group.club, group=group)


@login_required
@require_http_methods(["GET", "POST"])
def news_edit(request, news_id: int):
    item = item_for_editing(request, news_id)
    error = None
    values = {"title": item.title, "body": item.body, "producer": str(item.producer_id or ""),
              "published_on": item.published_on.isoformat()}
    if request.method == "POST":
        values = submitted(request.POST)
        try:
            update_news(item, values)
        except ActionError as e:
            error = e
        else:
            messages.success(request, _("The news is saved."))
            return redirect(scope_url(item))
    producers = list(Producer.objects.filter(club_id=item.club_id).order_by("name").values_list("pk", "name"))
    return render(request, "web/news/edit.html", {
        "item": item, "values": values, "error": error, "producers": producers, "back": scope_url(item),
    }, status=400 if error else 200)


@login_required
@require_POST
def news_delete(request, news_id: int):
    item = item_for_editing(request, news_id)
    back = scope_url(item)
    delete_news(item)
    messages.success(request, _("The news is deleted."))
    return redirect(back)
