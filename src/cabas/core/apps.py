from django.apps import AppConfig
from django.utils import translation

from . import formatting


class CoreConfig(AppConfig):
    name = "cabas.core"
    label = "core"

    def ready(self):
        formatting.active_language = translation.get_language  # the formatters follow the reader's language
