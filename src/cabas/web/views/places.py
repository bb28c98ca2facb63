"""A group's other pickup places: its coordinators (and the club's) add, change, close and reopen the places where
some of its households collect their goods instead of the depot (the goods still arrive at the depot; the picking
list says what to carry to each place). Linked from the group's rhythm page.

A group the user neither coordinates nor belongs to answers 404; a member of the group who does not coordinate it,
403. Each view parses its input with a form (its fields are the allow-list), calls one service and renders."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cabas.core.errors import ActionError
from cabas.members.models import Group, PickupPlace
from cabas.members.permissions import access_for
from cabas.members.rhythm import MAX_PICKUP_OFFSET
from cabas.members.services import PlaceValues, save_pickup_place, set_pickup_place_active
from cabas.members.words import words_for

from ..context_processors import use_club
from ..forms import TimeInput
from .volunteering_club import ServiceErrors


def offset_choices(words):
    choices = [(0, _("The same day as %(at_the_depot)s") % words)]
    choices += [(n, ngettext("%(count)s day later", "%(count)s days later", n) % {"count": n})
                for n in range(1, MAX_PICKUP_OFFSET + 1)]
    return choices


class PlaceForm(ServiceErrors, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300)
    day_offset = forms.TypedChoiceField(label=gettext_lazy("Pick-up day"), coerce=int, choices=())
    slot_start = forms.TimeField(label=gettext_lazy("Pick-up starts"), widget=TimeInput())
    slot_end = forms.TimeField(label=gettext_lazy("Pick-up ends"), widget=TimeInput())
    notes = forms.CharField(label=gettext_lazy("Notes for members"), max_length=500, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=gettext_lazy("E.g. the door code, where to ring."))
    latitude = forms.DecimalField(label=gettext_lazy("Latitude (optional)"), max_digits=9, decimal_places=6,
                                  min_value=-90, max_value=90, required=False, localize=True,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    longitude = forms.DecimalField(label=gettext_lazy("Longitude (optional)"), max_digits=9, decimal_places=6,
                                   min_value=-180, max_value=180, required=False, localize=True,
                                   widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def __init__(self, *args, words, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["day_offset"].choices = offset_choices(words)
        self.fields["notes"].help_text = _("E.g. the door code, where to ring. Only the members %(of_the_group)s see it.") % words

    def values(self) -> PlaceValues:
        data = self.cleaned_data
        return PlaceValues(name=data["name"], address=data["address"], latitude=data["latitude"],
                           longitude=data["longitude"], day_offset=data["day_offset"], slot_start=data["slot_start"],
                           slot_end=data["slot_end"], notes=data["notes"])


def initial_for(place: PickupPlace) -> dict:
    return {"name": place.name, "address": place.address, "day_offset": place.day_offset, "slot_start": place.slot_start,
            "slot_end": place.slot_end, "notes": place.notes, "latitude": place.latitude, "longitude": place.longitude}


def managed_group(request, group: Group | None) -> Group:
    """The group whose places the user manages: its coordinators and the club's. A member of the group: 403;
    anyone else: 404."""
    access = access_for(request.user)
    if group is None:
        raise Http404
    if not access.coordinates_group(group.pk, group.club_id):
        if request.user.household_id is not None and request.user.household.group_id == group.pk:
            raise PermissionDenied(_("Only the coordinators %(of_the_group)s change its pickup places.")
                                   % words_for(group.club))
        raise Http404
    use_club(request, group.club)
    return group


@login_required
@require_http_methods(["GET", "POST"])
def group_places(request, group_id: int):
    """The group's depot and its other places (with how many households collect at each), and a form to add one."""
    group = managed_group(request, Group.objects.filter(pk=group_id).select_related("club", "depot").first())
    status = 200
    if request.method == "POST":
        form = PlaceForm(request.POST, words=words_for(group.club))
        if form.is_valid():
            try:
                place = save_pickup_place(group, form.values())
            except ActionError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("“%(place)s” is added: the households %(of_the_group)s may choose it on « My "
                                            "household ».") % words_for(group.club).with_(place=place.name))
                return redirect("group-places", group_id=group.pk)
        status = 400
    else:
        form = PlaceForm(words=words_for(group.club), initial={"day_offset": 0, "slot_start": getattr(getattr(group, "depot", None), "slot_start", None),
                                  "slot_end": getattr(getattr(group, "depot", None), "slot_end", None)})
    places = list(PickupPlace.objects.filter(group=group).annotate(household_count=Count("households"))
                  .order_by("-is_active", "name", "pk"))
    at_depot = group.households.filter(left_on__isnull=True).exclude(
        pickup_place__is_active=True, pickup_place__group=group).count()
    return render(request, "web/places/group_places.html", {
        "group": group, "club": group.club, "depot": getattr(group, "depot", None), "places": places,
        "at_depot": at_depot, "form": form}, status=status)


def managed_place(request, place_id: int) -> PickupPlace:
    place = PickupPlace.objects.filter(pk=place_id).select_related("group__club", "group__depot").first()
    managed_group(request, place.group if place is not None else None)
    return place


@login_required
@require_http_methods(["GET", "POST"])
def pickup_place(request, place_id: int):
    """Change one of the group's places."""
    place = managed_place(request, place_id)
    status = 200
    if request.method == "POST":
        form = PlaceForm(request.POST, words=words_for(place.group.club))
        if form.is_valid():
            try:
                save_pickup_place(place.group, form.values(), place)
            except ActionError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("“%(place)s” is saved.") % {"place": place.name})
                return redirect("group-places", group_id=place.group_id)
        status = 400
    else:
        form = PlaceForm(words=words_for(place.group.club), initial=initial_for(place))
    return render(request, "web/places/pickup_place.html", {
        "place": place, "group": place.group, "club": place.group.club, "form": form}, status=status)


@login_required
@require_POST
def pickup_place_active(request, place_id: int):
    """Close a place (its households go back to the depot) or reopen it."""
    place = managed_place(request, place_id)
    active = request.POST.get("active") == "1"
    moved = set_pickup_place_active(place, active)
    if active:
        messages.success(request, _("“%(place)s” is open again: households may choose it.") % {"place": place.name})
    else:
        messages.success(request, ngettext(
            "“%(place)s” is closed: %(count)s household collects %(at_the_depot)s again.",
            "“%(place)s” is closed: %(count)s households collect %(at_the_depot)s again.", moved)
            % words_for(place.group.club).with_(place=place.name, count=moved))
    return redirect("group-places", group_id=place.group_id)
