from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`cabas seed-demo` and each domain's demo data: the top layer, it may use every other."""

    name = "cabas.demo"
    label = "demo"
    verbose_name = "Demo"
