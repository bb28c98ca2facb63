"""A club's transport set-up, by its coordinators: the transport settings (usual scheme, hub, distances, solver,
cost sharing, the baseline's own vehicle), the sites (farms, hubs with their mode, depots, other places, with
their windows), the vehicles and the chilled categories. One function per action, one transaction each; each
checks what the model's own rules say (``full_clean``) and that everything named belongs to the club, and
raises ``ActionError`` before writing anything."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cabas.catalog.models import Category
from cabas.core.errors import ActionError
from cabas.members.models import Club

from .models import ChilledCategory, LogisticsSettings, Site, SiteKind, Vehicle


def _action_error(error: ValidationError) -> ActionError:
    if not hasattr(error, "error_dict"):
        return ActionError(*error.messages)
    messages, fields = [], {}
    for field, problems in error.message_dict.items():
        text = " ".join(problems)
        if field == NON_FIELD_ERRORS:
            messages.append(text)
        else:
            fields[field] = text
    return ActionError(*messages, field_errors=fields)


def _save(instance, club: Club):
    if instance.club_id != club.pk:
        raise ActionError(_("This belongs to another club."))
    try:
        instance.full_clean()
        with transaction.atomic():
            instance.save()
    except ValidationError as error:
        raise _action_error(error) from None
    except IntegrityError:
        raise ActionError(_("This would break one of the club's rules for places and vehicles (a producer or a group "
                            "has one site).")) from None
    return instance


@transaction.atomic
def save_settings(settings: LogisticsSettings, *, club: Club) -> LogisticsSettings:
    """The club's transport settings, created on the first save. The hub named must be one of the club's hubs."""
    if settings.hub_id is not None and not Site.objects.filter(pk=settings.hub_id, club=club, kind=SiteKind.HUB).exists():
        raise ActionError(field_errors={"hub": _("Choose one of the club's hubs.")})
    existing = LogisticsSettings.objects.filter(club=club).values_list("pk", flat=True).first()
    if settings.pk is None and existing is not None:
        settings.pk = existing
    return _save(settings, club)


@transaction.atomic
def save_site(site: Site, *, club: Club) -> Site:
    """A site, new or changed (its kind decides which links it has: a producer, a group, a hub mode)."""
    if site.pk is not None and not Site.objects.filter(pk=site.pk, club=club).exists():
        raise ActionError(_("This belongs to another club."))
    return _save(site, club)


@transaction.atomic
def delete_site(site: Site, *, club: Club) -> None:
    """A site no vehicle starts from. Plans already made keep their stops (each copied its site's name and
    coordinates)."""
    if site.club_id != club.pk:
        raise ActionError(_("This belongs to another club."))
    vehicles = list(Vehicle.objects.filter(home=site).order_by("name").values_list("name", flat=True))
    if vehicles:
        raise ActionError(_("Vehicles start from this site (%(names)s): give them another home site first.") % {
            "names": ", ".join(vehicles)})
    Site.objects.filter(pk=site.pk).delete()


@transaction.atomic
def save_vehicle(vehicle: Vehicle, *, club: Club) -> Vehicle:
    if vehicle.pk is not None and not Vehicle.objects.filter(pk=vehicle.pk, club=club).exists():
        raise ActionError(_("This belongs to another club."))
    return _save(vehicle, club)


@transaction.atomic
def delete_vehicle(vehicle: Vehicle, *, club: Club) -> None:
    """A vehicle the club no longer has. Plans already made keep its name on their rounds; a vehicle kept for
    later is rather marked not available."""
    if vehicle.club_id != club.pk:
        raise ActionError(_("This belongs to another club."))
    Vehicle.objects.filter(pk=vehicle.pk).delete()


@transaction.atomic
def set_chilled_categories(*, club: Club, category_ids: Iterable[int]) -> list[int]:
    """The categories whose goods travel only in refrigerated vehicles in the club's pooled rounds: exactly
    ``category_ids`` from now on. Returns them, sorted."""
    wanted = set(category_ids)
    known = set(Category.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if known != wanted:
        raise ActionError(_("Choose among the catalogue's categories."))
    ChilledCategory.objects.filter(club=club).exclude(category_id__in=wanted).delete()
    ChilledCategory.objects.bulk_create([ChilledCategory(club=club, category_id=pk) for pk in sorted(wanted)],
                                        ignore_conflicts=True)
    return sorted(wanted)
