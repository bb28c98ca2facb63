"""Posting, editing and deleting news; what a group's members see and what goes out in the cycle-opened digest.

Views check who may act on which club or group (web/access.py); these functions read and validate the values
of an allow-listed form and write in one transaction, or raise ActionError with French messages and write
nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Producer
from cabas.core.errors import ActionError

from .models import BODY_MAX, TITLE_MAX, NewsItem, visible_to_group

FIELDS = ("title", "body", "producer", "published_on")  # what a news form may set, nothing else
HOME_COUNT = 5  # news items on a member's home page
DIGEST_MAX = 20
# A publication date further than this is refused (a typo such as 2062 instead of 2026).
FURTHEST = datetime.timedelta(days=366)


def _id(value):
    return getattr(value, "pk", value)


def clean(club_id: int, values: dict[str, str], today: datetime.date | None = None) -> dict:
    """The form's values, checked: a title and a text within their lengths, an optional producer of this club,
    a publication date (empty: today) neither far in the past nor far ahead."""
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    title = (values.get("title") or "").strip()
    body = (values.get("body") or "").strip()
    if not title:
        errors["title"] = _("Give the news a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title is too long (%(max)d characters at most).") % {"max": TITLE_MAX}
    if not body:
        errors["body"] = _("Write the text of the news.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("The text is too long (%(max)d characters at most).") % {"max": BODY_MAX}
    producer = None
    producer_raw = (values.get("producer") or "").strip()
    if producer_raw:
        if not producer_raw.isdigit() or len(producer_raw) > 18:
            errors["producer"] = _("Choose a producer from the list.")
        else:
            producer = Producer.objects.filter(pk=int(producer_raw), club_id=club_id).first()
            if producer is None:
                errors["producer"] = _("Choose a producer from the list.")
    date_raw = (values.get("published_on") or "").strip()
    published_on = today
    if date_raw:
        try:
            published_on = datetime.date.fromisoformat(date_raw)
        except ValueError:
            errors["published_on"] = _("Give the publication date as a date (e.g. 2026-03-14).")
        else:
            if abs(published_on - today) > FURTHEST:
                errors["published_on"] = _("The publication date must be within a year of today.")
    if errors:
        raise ActionError(field_errors=errors)
    return {"title": title, "body": body, "producer": producer, "published_on": published_on}


@transaction.atomic
def post_news(*, club, group, author, values: dict[str, str]) -> NewsItem:
    """A news item of the club (group None) or of one of its groups."""
    club_id = _id(club)
    if group is not None and group.club_id != club_id:
        raise ActionError(_("This group is not in this club."))
    cleaned = clean(club_id, values)
    return NewsItem.objects.create(club_id=club_id, group=group, author=author, **cleaned)


@transaction.atomic
def update_news(item: NewsItem, values: dict[str, str]) -> NewsItem:
    cleaned = clean(item.club_id, values)
    for name, value in cleaned.items():
        setattr(item, name, value)
    item.updated_at = timezone.now()
    item.save(update_fields=[*cleaned, "updated_at"])
    return item


@transaction.atomic
def delete_news(item: NewsItem) -> None:
    item.delete()


def news_for_home(club_id: int, group_id: int | None, today: datetime.date | None = None) -> list[NewsItem]:
    """The newest news a member of this group sees: the club's and its own group's, published (one query)."""
    today = today or timezone.localdate()
    return list(
        visible_to_group(club_id, group_id).filter(published_on__lte=today)
        .select_related("producer", "group").order_by("-published_on", "-pk")[:HOME_COUNT]
    )


def news_for_digest(club, group, since: datetime.datetime | datetime.date | None,
                    now: datetime.datetime | None = None) -> list[NewsItem]:
    """The news to put in the cycle-opened e-mail of a member of `group` (a Group, its id, or None for the club's
    news only): the club's and that group's items that became visible after `since` (the previous digest) and
    are visible now, newest first, at most DIGEST_MAX. One query.

    An item becomes visible at the start of its publication day, or when it was posted if later: an item posted
    the day of the previous digest but after it is in the next one; one already visible then is not sent again.
    `since` None: every item visible now (still at most DIGEST_MAX)."""
    return news_digests(club, [_id(group)], since, now)[_id(group)]


def news_digests(club, group_ids: Iterable[int | None], since: datetime.datetime | datetime.date | None,
                 now: datetime.datetime | None = None) -> dict[int | None, list[NewsItem]]:
    """``news_for_digest`` for several groups of the club at once (group id -> its digest), in one query."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    group_ids = list(group_ids)
    scope = Q(group__isnull=True) | Q(group_id__in=[g for g in group_ids if g is not None])
    items = NewsItem.objects.filter(scope, club_id=_id(club), published_on__lte=today)
    if since is not None:
        if isinstance(since, datetime.datetime):
            since_day = timezone.localdate(since) if timezone.is_aware(since) else since.date()
            items = items.filter(Q(published_on__gt=since_day) | Q(published_on=since_day, created_at__gt=since))
        else:
            items = items.filter(published_on__gt=since)
    items = list(items.select_related("producer", "group").order_by("-published_on", "-pk"))
    return {g: [i for i in items if i.group_id is None or i.group_id == g][:DIGEST_MAX] for g in group_ids}
