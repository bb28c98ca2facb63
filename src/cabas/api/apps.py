from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cabas.api"
    label = "cabas_api"
