"""The club's settings for its coordinators: name, territory, yearly membership fee, and the club's words — what
it calls a group, a depot and a subscription (GAC / GASAP / AMAP…), said on every page, e-mail and document
(``members.vocabulary``, ``members.words``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cabas.core.errors import ActionError
from cabas.members.models import Club
from cabas.members.permissions import Access
from cabas.members.services import CLUB_SETTINGS, update_club_settings
from cabas.members.words import words_for

from ..access import club_for


class ClubSettingsForm(forms.ModelForm):
    """An allow-list of the club's settings (never its slug, nor anything else)."""

    class Meta:
        model = Club
        fields = list(CLUB_SETTINGS)

    def add_service_error(self, error: ActionError) -> None:
        for message in error.messages:
            self.add_error(None, message)
        for field, message in error.field_errors.items():
            self.add_error(field if field in self.fields else None, message)


# Sentences shown under the form, in French whatever the page's language: how the words read on the pages.
EXAMPLES = ("Aucun foyer dans %(this_group)s.", "Les autres %(groups)s du club", "Réception %(at_the_depot)s",
            "Les foyers %(of_the_group)s", "Mes %(subscriptions)s", "%(The_subscription)s de votre foyer")


def club_for_settings(request, club_id: int) -> Club:
    """The club, for its coordinators; 403 for the club's other people, 404 for everyone else."""
    return club_for(request, club_id, allowed=Access.coordinates_club,
                    refusal=_("Only the club's coordinators change its settings."))


@login_required
@require_http_methods(["GET", "POST"])
def club_settings(request, club_id: int):
    club = club_for_settings(request, club_id)
    form = ClubSettingsForm(instance=club)
    status = 200
    if request.method == "POST":
        form = ClubSettingsForm(request.POST, instance=Club.objects.get(pk=club.pk))
        if form.is_valid():
            try:
                update_club_settings(club, **{name: form.cleaned_data[name] for name in CLUB_SETTINGS})
            except ActionError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("The club's settings are saved."))
                return redirect("club-settings", club.pk)
        status = 400
    french = words_for(club)
    with translation.override("fr"):
        examples = [sentence % french for sentence in EXAMPLES]
    return render(request, "web/members/club_settings.html", {"club": club, "form": form, "examples": examples},
                  status=status)
