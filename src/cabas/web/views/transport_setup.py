"""The club's places and transport set-up, for its coordinators (what the Django admin did): the transport
settings (usual scheme, hub, distances, solver, cost sharing, the baseline's own vehicle), the sites — farms,
hubs with their mode, depots, other places — with their windows, the vehicles, and the categories that travel
chilled. The cycle's transport page plans with them.

Each view parses its input with a form whose fields are the allow-list (the club is never one of them: it is
the page's), offers only the club's producers, groups and sites, checks the user's right (another club's page:
404; a member or group coordinator of the club: 403), calls one service of ``logistics.setup`` and renders the
form again with the service's messages when it refuses."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabas.catalog.models import Category, Producer
from cabas.core.errors import ActionError
from cabas.members.models import Club, Group
from cabas.members.permissions import Access
from cabas.logistics import setup
from cabas.logistics.models import ChilledCategory, LogisticsSettings, Site, SiteKind, Vehicle
from cabas.logistics.services import settings_for

from ..access import club_for
from ..feedback import flash_errors
from .volunteering_club import ServiceErrors, TimeInput

SETTINGS_FIELDSETS = [
    (gettext_lazy("Scheme"), ["scheme", "hub"]),
    (gettext_lazy("Distances"), ["detour_factor", "speed_kmh", "osrm_url", "osrm_fallback"]),
    (gettext_lazy("Rounds and solver"), ["day_starts", "day_ends", "service_minutes", "solver_seconds", "coalition_seconds"]),
    (gettext_lazy("Cost sharing"), ["sharing_method", "participants", "shapley_samples"]),
    (gettext_lazy("Own vehicle (baseline) and CO2"), ["own_capacity_kg", "own_capacity_crates", "own_cost_per_km",
                                                      "own_cost_per_hour", "own_co2_g_per_km", "co2_g_per_km"]),
]
SITE_FIELDS = ["kind", "name", "address", "latitude", "longitude", "producer", "group", "hub_mode", "opens_at", "closes_at",
               "service_minutes", "handling_minutes", "contact_name", "phone", "access_notes"]
VEHICLE_FIELDS = ["name", "count", "capacity_kg", "capacity_crates", "refrigerated", "home", "driver_kind", "cost_per_km",
                  "cost_per_hour", "fixed_cost", "co2_g_per_km", "is_active"]


# --- forms --------------------------------------------------------------------------------------------------

class SetupForm(ServiceErrors, forms.ModelForm):
    """A model form of the club's: its fields are declared (never the club), its time fields are time inputs."""

    def __init__(self, *args, club: Club, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.club = club
        for field in self.fields.values():
            if isinstance(field, forms.TimeField):
                field.widget = TimeInput()
                field.input_formats = ["%H:%M", "%H:%M:%S", "%Hh%M", "%Hh"]


class SettingsForm(SetupForm):
    osrm_url = forms.URLField(  # a local OSRM is usually plain http
        label=LogisticsSettings._meta.get_field("osrm_url").verbose_name, required=False, assume_scheme="http",
        help_text=LogisticsSettings._meta.get_field("osrm_url").help_text, max_length=200)

    class Meta:
        model = LogisticsSettings
        fields = [name for _title, names in SETTINGS_FIELDSETS for name in names]

    def __init__(self, *args, club: Club, **kwargs):
        super().__init__(*args, club=club, **kwargs)
        self.fields["hub"].queryset = Site.objects.filter(club=club, kind=SiteKind.HUB).order_by("name")

    def fieldsets(self):
        return [(title, [self[name] for name in names]) for title, names in SETTINGS_FIELDSETS]


class SiteForm(SetupForm):
    class Meta:
        model = Site
        fields = SITE_FIELDS

    def __init__(self, *args, club: Club, **kwargs):
        super().__init__(*args, club=club, **kwargs)
        self.fields["producer"].queryset = Producer.objects.filter(club=club).order_by("name")
        self.fields["group"].queryset = Group.objects.filter(club=club).order_by("name")
        self.fields["producer"].help_text = _("For a farm: the producer it is.")
        self.fields["hub_mode"].help_text = _("For a hub: how it works.")
        self.fields["phone"].widget = forms.TextInput(attrs={"type": "tel", "maxlength": 40})


class VehicleForm(SetupForm):
    class Meta:
        model = Vehicle
        fields = VEHICLE_FIELDS

    def __init__(self, *args, club: Club, **kwargs):
        super().__init__(*args, club=club, **kwargs)
        self.fields["home"].queryset = Site.objects.filter(club=club).order_by("kind", "name")


class ChilledForm(ServiceErrors, forms.Form):
    categories = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Categories that travel chilled"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Their goods travel only in refrigerated vehicles in the pooled rounds."))

    def __init__(self, *args, categories, **kwargs):
        """``categories``: the catalogue's categories, listed (the allow-list of ids)."""
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [(c.pk, c.name) for c in categories]


# --- who may see what ---------------------------------------------------------------------------------------

def club_for_setup(request, club_id: int) -> Club:
    """The club, for its coordinators; a member, a treasurer or a group's coordinator of the club: 403; anyone else
    (another club): 404."""
    return club_for(request, club_id, allowed=Access.coordinates_club,
                    refusal=_("Only the club's coordinators set up its places and transport."))


def _categories(club_id: int):
    """The club's categories and the installation's (never another club's)."""
    return Category.objects.of_club(club_id).order_by("position", "name")


# --- pages --------------------------------------------------------------------------------------------------

@login_required
@require_GET
def transport_setup(request, club_id: int):
    """The club's places and transport: its settings, sites, vehicles and chilled categories (a constant number
    of queries)."""
    club = club_for_setup(request, club_id)
    chilled = set(ChilledCategory.objects.filter(club=club).values_list("category_id", flat=True))
    categories = list(_categories(club.pk))
    return render(request, "web/logistics/setup.html", {
        "club": club,
        "settings": LogisticsSettings.objects.filter(club=club).select_related("hub").first() or LogisticsSettings(club=club),
        "sites": list(Site.objects.filter(club=club).select_related("producer", "group").order_by("kind", "name")),
        "vehicles": list(Vehicle.objects.filter(club=club).select_related("home").order_by("-is_active", "name")),
        "chilled": [c for c in categories if c.pk in chilled],
        "chilled_form": ChilledForm(categories=categories, initial={"categories": list(chilled)}),
        "kinds": SiteKind.choices,
    })


def _form_page(request, club, form, *, title, back, delete_url=None, status=200):
    return render(request, "web/logistics/setup_form.html", {
        "club": club, "form": form, "title": title, "back": back, "delete_url": delete_url,
        "fieldsets": form.fieldsets() if hasattr(form, "fieldsets") else None,
    }, status=status)


def _saved(request, club, form, save, message) -> bool:
    if not form.is_valid():
        return False
    try:
        save(form.instance, club=club)
    except ActionError as error:
        form.add_service_error(error)
        return False
    messages.success(request, message)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def transport_settings(request, club_id: int):
    club = club_for_setup(request, club_id)
    form = SettingsForm(request.POST or None, instance=settings_for(club), club=club)
    if request.method == "POST":
        if _saved(request, club, form, setup.save_settings, _("The transport settings are saved.")):
            return redirect("transport-setup", club.pk)
        return _form_page(request, club, form, title=_("Transport settings"), back=club.pk, status=400)
    return _form_page(request, club, form, title=_("Transport settings"), back=club.pk)


def _edit(request, club, form, *, save, saved: str, title: str, delete_url=None):
    """A site's or a vehicle's form: saved (back to the set-up page with ``saved``), or shown again with what is
    wrong (400), or shown."""
    if request.method == "POST":
        if _saved(request, club, form, save, saved):
            return redirect("transport-setup", club.pk)
        return _form_page(request, club, form, title=title, back=club.pk, delete_url=delete_url, status=400)
    return _form_page(request, club, form, title=title, back=club.pk, delete_url=delete_url)


def _delete(request, club, obj, *, delete, edit_url: str, deleted: str):
    try:
        delete(obj, club=club)
    except ActionError as error:
        flash_errors(request, error)
        return redirect(edit_url, club.pk, obj.pk)
    messages.success(request, deleted % {"name": obj.name})
    return redirect("transport-setup", club.pk)


def _of_club(model, club, pk):
    obj = model.objects.filter(pk=pk, club=club).first()
    if obj is None:
        raise Http404
    return obj


@login_required
@require_http_methods(["GET", "POST"])
def site_create(request, club_id: int):
    club = club_for_setup(request, club_id)
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in SiteKind.values else {}
    form = SiteForm(request.POST or None, instance=Site(), club=club, initial=initial)
    return _edit(request, club, form, save=setup.save_site, saved=_("The site is added."), title=_("A new site"))


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request, club_id: int, site_id: int):
    club = club_for_setup(request, club_id)
    site = _of_club(Site, club, site_id)
    return _edit(request, club, SiteForm(request.POST or None, instance=site, club=club), save=setup.save_site,
                 saved=_("The site is saved."), title=_("Site: %(name)s") % {"name": site.name},
                 delete_url=("site-delete", site.pk))


@login_required
@require_POST
def site_delete(request, club_id: int, site_id: int):
    club = club_for_setup(request, club_id)
    return _delete(request, club, _of_club(Site, club, site_id), delete=setup.delete_site, edit_url="site-edit",
                   deleted=_("The site %(name)s is deleted."))


@login_required
@require_http_methods(["GET", "POST"])
def vehicle_create(request, club_id: int):
    club = club_for_setup(request, club_id)
    form = VehicleForm(request.POST or None, instance=Vehicle(), club=club)
    return _edit(request, club, form, save=setup.save_vehicle, saved=_("The vehicle is added."), title=_("A new vehicle"))


@login_required
@require_http_methods(["GET", "POST"])
def vehicle_edit(request, club_id: int, vehicle_id: int):
    club = club_for_setup(request, club_id)
    vehicle = _of_club(Vehicle, club, vehicle_id)
    return _edit(request, club, VehicleForm(request.POST or None, instance=vehicle, club=club), save=setup.save_vehicle,
                 saved=_("The vehicle is saved."), title=_("Vehicle: %(name)s") % {"name": vehicle.name},
                 delete_url=("vehicle-delete", vehicle.pk))


@login_required
@require_POST
def vehicle_delete(request, club_id: int, vehicle_id: int):
    club = club_for_setup(request, club_id)
    return _delete(request, club, _of_club(Vehicle, club, vehicle_id), delete=setup.delete_vehicle,
                   edit_url="vehicle-edit", deleted=_("The vehicle %(name)s is deleted."))


@login_required
@require_POST
def chilled_categories(request, club_id: int):
    club = club_for_setup(request, club_id)
    form = ChilledForm(request.POST, categories=list(_categories(club.pk)))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("transport-setup", club.pk)
    try:
        setup.set_chilled_categories(club=club, category_ids=form.cleaned_data["categories"])
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The chilled categories are saved."))
    return redirect("transport-setup", club.pk)
