"""A news item of a club (for all its groups) or of one of its groups."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.catalog.models import Producer
from cabas.members.models import Club, Group

TITLE_MAX = 200
BODY_MAX = 5000


class NewsItem(models.Model):
    """Shown on the home page of the club's members (club news, group empty) or of the group's members only,
    from its publication date."""

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="news", verbose_name=_("club"))
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="news", verbose_name=_("group"),
        help_text=_("Empty: news of the whole club."),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    producer = models.ForeignKey(
        Producer, on_delete=models.SET_NULL, null=True, blank=True, related_name="news", verbose_name=_("producer"),
    )
    published_on = models.DateField(_("publication date"), default=timezone.localdate)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")
        ordering = ["-published_on", "-pk"]
        indexes = [models.Index(fields=["club", "group", "published_on"], name="news_scope_date")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_club_news(self) -> bool:
        return self.group_id is None


def visible_to_group(club_id: int, group_id: int | None):
    """The club's own news and the news of this one group (never another group's)."""
    scope = Q(group__isnull=True) if group_id is None else (Q(group__isnull=True) | Q(group_id=group_id))
    return NewsItem.objects.filter(scope, club_id=club_id)
