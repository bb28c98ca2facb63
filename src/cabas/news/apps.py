from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    """News that a club's or a group's coordinators post for its members (arrivals, recipes, a producer's visit).

    Its own small app, in the layer of `ordering` (above members and catalog, which it reads): every domain built
    on a cycle, the flows and the notifications (the cycle-opened digest calls `news_for_digest`) may import it,
    which they could not if it sat among the siblings (participation) they must not import."""

    name = "cabas.news"
    label = "news"
    verbose_name = _("News")
