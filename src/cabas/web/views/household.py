"""A household's own people (« Mon foyer », from « Mon compte »): its members see who logs in for it, invite a
person by e-mail (first name, address), cancel an invitation still waiting, or leave the household; the person
invited chooses a password from the e-mailed link and joins (``members.households``). The household also chooses
where it collects its goods: the group's depot or one of the group's other open places.

Each view parses its input with a form (its fields are the allow-list), acts only on the user's own household
(anything else: 404), calls one service or flow and renders the page again with its messages when it refuses."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabas import flows
from cabas.core.errors import ActionError
from cabas.members import households
from cabas.members.models import Household, PickupPlace
from cabas.members.services import choose_pickup_place, pickup_point
from cabas.members.words import words_for

from ..feedback import flash_errors
from .volunteering_club import ServiceErrors

LOGIN_BACKEND = "cabas.members.backends.EmailBackend"


class InviteForm(ServiceErrors, forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "off", "inputmode": "email"}))


class LeaveForm(ServiceErrors, forms.Form):
    confirm = forms.BooleanField(label=gettext_lazy("I leave this household: I will no longer order or volunteer "
                                                    "for it, and its account will no longer be mine to see."))


class AcceptForm(ServiceErrors, forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password = forms.CharField(label=gettext_lazy("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=gettext_lazy("At least 8 characters, not only digits, not a common word."))
    password_again = forms.CharField(label=gettext_lazy("The same password again"), strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class PlaceForm(ServiceErrors, forms.Form):
    """The household's pickup place: "" for the group's depot, or one of the group's open places (the choices)."""

    place = forms.ChoiceField(label=gettext_lazy("Where we collect our goods"), required=False,
                              widget=forms.RadioSelect)

    def __init__(self, *args, household: Household, places: list[PickupPlace], **kwargs):
        super().__init__(*args, **kwargs)
        depot = getattr(household.group, "depot", None)
        choices = [("", _place_label(depot.name if depot else words_for(household.group.club)["the_depot"],
                                     depot.address if depot else ""))]
        choices += [(str(p.pk), _place_label(p.name, p.address)) for p in places]
        self.fields["place"].choices = choices

    def place_id(self) -> int | None:
        value = self.cleaned_data["place"]
        return int(value) if value else None


def _place_label(name: str, address: str) -> str:
    return f"{name} — {address}" if address else name


def own_household(request) -> Household:
    if request.user.household_id is None:
        raise Http404
    return Household.objects.select_related("group__club", "group__depot", "pickup_place").get(pk=request.user.household_id)


def open_places(household: Household) -> list[PickupPlace]:
    return list(PickupPlace.objects.filter(group_id=household.group_id, is_active=True).order_by("name", "pk"))


def page(request, household: Household, *, invite_form=None, leave_form=None, place_form=None, status=200):
    now = timezone.now()
    places = open_places(household)
    point = pickup_point(household)
    if place_form is None:
        place_form = PlaceForm(household=household, places=places,
                               initial={"place": str(point.place.pk) if point and point.place else ""})
    people = list(households.active_members(household.pk).order_by("first_name", "last_name", "pk"))
    waiting = list(households.pending_invitations(household.pk, now).select_related("invited_by").order_by("created_at", "pk"))
    room = households.max_members() - len(people) - len(waiting)
    return render(request, "web/members/invite.html", {
        "household": household, "people": people, "waiting": waiting, "room": max(room, 0),
        "max_members": households.max_members(), "days": households.invitation_days(),
        "invite_form": invite_form or InviteForm(), "leave_form": leave_form or LeaveForm(),
        "may_leave": len(people) > 1, "places": places, "point": point, "place_form": place_form,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def household_members(request):
    """The household's people and its invitations waiting; a POST invites someone."""
    household = own_household(request)
    if request.method != "POST":
        return page(request, household)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = households.invite(household=household, by_user=request.user,
                                           first_name=form.cleaned_data["first_name"], email=form.cleaned_data["email"])
        except ActionError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": invitation.email})
            return redirect("household-members")
    return page(request, household, invite_form=form, status=400)


@login_required
@require_POST
def invitation_cancel(request, invitation_id: int):
    own_household(request)
    try:
        invitation = households.cancel(invitation_id=invitation_id, by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The invitation to %(email)s is cancelled: its link no longer works.") % {
            "email": invitation.email})
    return redirect("household-members")


@login_required
@require_POST
def household_quit(request):
    household = own_household(request)
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            flows.leave_household(user=request.user)
        except ActionError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("You have left %(household)s. Your account stays: a household can invite you "
                                        "again.") % {"household": household.name})
            return redirect("home")
    return page(request, household, leave_form=form, status=400)


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """Public (the link of the e-mail): the person invited chooses a password, joins the household and is
    logged in. A link that no longer works says so, whatever the reason."""
    invitation = households.invitation_for(token)
    if invitation is None:
        return render(request, "web/members/invite_accept.html", {"invitation": None}, status=404)
    form = AcceptForm(request.POST or None, initial={"first_name": invitation.first_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = households.accept(token=token, **form.cleaned_data)
        except ActionError as error:
            form.add_service_error(error)
        else:
            login(request, user, backend=LOGIN_BACKEND)
            messages.success(request, _("Welcome to %(household)s! You order and volunteer with your household from now "
                                        "on.") % {"household": invitation.household.name})
            return redirect("home")
    return render(request, "web/members/invite_accept.html", {"invitation": invitation, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def household_place(request):
    """The household chooses where it collects its goods (its group's depot or one of the group's open places)."""
    household = own_household(request)
    form = PlaceForm(request.POST, household=household, places=open_places(household))
    if form.is_valid():
        try:
            place = choose_pickup_place(household, form.place_id())
        except ActionError as error:
            form.add_service_error(error)
        else:
            depot = getattr(household.group, "depot", None)
            messages.success(request, _("From now on, your household collects its goods at %(place)s.") % {
                "place": place.name if place else (depot.name if depot else words_for(household.group.club)["the_depot"])})
            return redirect(reverse("household-members") + "#place")
    return page(request, household, place_form=form, status=400)
