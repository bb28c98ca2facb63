from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cabas.core"
    label = "core"
