from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteeringConfig(AppConfig):
    """The members' time: task kinds, shifts and sign-ups, yearly targets shared fairly, harvest calls, farm
    visits of the participatory guarantee, the drivers' rota and the calendars.

    It sits above the domains built on a cycle (it makes shifts from distributions, rounds and farm visits) and
    below the notifications (which remind people of their shifts)."""

    name = "cabas.volunteering"
    label = "volunteering"
    verbose_name = _("Volunteering")
