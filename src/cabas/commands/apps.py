from django.apps import AppConfig


class CommandsConfig(AppConfig):
    """Management commands that run a workflow of ``cabas.flows`` (what cron runs). A command that needs only
    one domain stays in that domain's app."""

    name = "cabas.commands"
    label = "commands"
    verbose_name = "Commands"
