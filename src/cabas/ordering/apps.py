from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrderingConfig(AppConfig):
    name = "cabas.ordering"
    label = "ordering"
    verbose_name = _("Ordering")
