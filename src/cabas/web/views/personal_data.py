"""Personal data: "Mes données" (what Cabas stores about me, as a JSON download; erasing my account) and a
club coordinator's erasure of a member who left."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cabas.core.errors import ActionError
from cabas.core.formatting import format_money
from cabas.finance.services import household_balance
from cabas.flows import personal_data
from cabas.members.models import Club, Household, User
from cabas.members.permissions import access_for

from ..access import require_club_coordinator
from ..feedback import flash_errors


@login_required
@require_GET
def personal_data_page(request):
    user = request.user
    access = access_for(user)
    household = None
    owed = None
    if user.household_id is not None:
        household = Household.objects.select_related("group__club").get(pk=user.household_id)
        owed = household_balance(household.pk)
    return render(request, "web/members/personal_data.html", {
        "household": household,
        "owed": owed if owed and owed > 0 else None,
        "last_member": personal_data.is_last_active_member(user),
        "obstacles": personal_data.erasure_obstacles(user),
        "coordinated_clubs": list(Club.objects.filter(pk__in=access.coordinated_club_ids).order_by("name")),
    })


@login_required
@require_GET
@never_cache
def personal_data_download(request):
    data = personal_data.export_member_data(request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cabas-mes-donnees-{timezone.localdate().isoformat()}.json"'
    return response


@login_required
@require_POST
def erase_own_account(request):
    try:
        personal_data.erase_member(user=request.user, by_user=request.user, password=request.POST.get("password", ""))
    except ActionError as error:
        flash_errors(request, error)
        return redirect("personal-data")
    logout(request)
    messages.success(request, _("Your account is erased: you can no longer log in. Your household's orders, account "
                                "and invoices are kept: they are the club's accounting records."))
    return redirect("login")


@login_required
@require_POST
def erase_member(request, club_id: int):
    """A club coordinator erases a member of the club who left, found by their e-mail address."""
    club = get_object_or_404(Club, pk=club_id)
    require_club_coordinator(access_for(request.user), club.pk, _("Only the club's coordinators can erase a member's account."))
    email = request.POST.get("email", "").strip().lower()
    person = User.objects.filter(email=email, household__group__club=club).first() if email else None
    try:
        if person is None:
            raise ActionError(field_errors={"email": _("No member of this club has this e-mail address.")})
        if request.POST.get("confirm") != "yes":
            raise ActionError(field_errors={"confirm": _("Tick the box to confirm the erasure.")})
        erasure = personal_data.erase_member(user=person, by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
        return redirect("personal-data")
    if not erasure.done:
        messages.info(request, _("This account had already been erased."))
        return redirect("personal-data")
    messages.success(request, _("The account of %(email)s is erased. Their household's orders, account and invoices "
                                "are kept.") % {"email": email})
    if erasure.household_anonymised:
        messages.info(request, _("It was the household's last member: the household is now called “%(name)s”.")
                      % {"name": erasure.household_name})
    if erasure.owed:
        messages.warning(request, _("The household still owes %(amount)s: its account is kept for the treasurers.")
                         % {"amount": format_money(erasure.owed)})
    return redirect("personal-data")
