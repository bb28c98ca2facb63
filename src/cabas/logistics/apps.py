from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LogisticsConfig(AppConfig):
    name = "cabas.logistics"
    label = "logistics"
    verbose_name = _("Pooled transport")
