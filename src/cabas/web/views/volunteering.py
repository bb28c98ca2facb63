"""Volunteering on a phone: the member's page (the household's balance this year, their coming shifts with
withdrawal and swaps, the swaps offered to them, the open shifts of their group and club), and the coordinators'
pages of a group (its balance, the gaps, the shifts to confirm) and of one shift (who came, assign, remove).

A group's shift is coordinated by its group's coordinators and the club's; a club-wide shift (no group) by the
club's coordinators only. Members see their group's and their club's shifts: another group's shift answers 404,
a page they see but may not act on answers 403."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cabas.catalog.models import ProducerAccount
from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas.members.models import Group, Household, User
from cabas.members.permissions import Access, access_for
from cabas.members.words import words_for
from cabas.volunteering import services
from cabas.volunteering.models import Shift, Signup, SwapOffer, SwapStatus

from ..context_processors import use_club

WEEKS_AHEAD = 10  # the open shifts shown to members
GAP_WEEKS = 6  # the coming shifts shown to coordinators
MAX_ID = 10**18 - 1


# --- input: explicit fields only (an allow-list) ------------------------------------------------------------

def _id_field(*, required: bool = True, message=None) -> forms.IntegerField:
    errors = {"required": message, "invalid": message, "min_value": message, "max_value": message} if message else {}
    return forms.IntegerField(min_value=1, max_value=MAX_ID, required=required, error_messages=errors)


class SwapOfferForm(forms.Form):
    to_user = _id_field(message=gettext_lazy("Choose a member who can take this shift and is not on it yet."))
    in_exchange = _id_field(required=False, message=gettext_lazy("Choose one of their coming shifts."))


class SwapAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("accept", gettext_lazy("Accept")), ("decline", gettext_lazy("Decline"))],
                               error_messages={"required": gettext_lazy("Accept or decline the swap."),
                                               "invalid_choice": gettext_lazy("Accept or decline the swap.")})


class AttendanceForm(forms.Form):
    signup = _id_field(message=gettext_lazy("This person is no longer on the shift."))
    attended = forms.TypedChoiceField(choices=[("yes", gettext_lazy("came")), ("no", gettext_lazy("did not come"))],
                                      coerce=lambda value: value == "yes",
                                      error_messages={"required": gettext_lazy("Say whether the person came."),
                                                      "invalid_choice": gettext_lazy("Say whether the person came.")})


class AssignForm(forms.Form):
    user = _id_field(message=gettext_lazy("Choose a member."))


class RemoveForm(forms.Form):
    signup = _id_field(message=gettext_lazy("This person is no longer on the shift."))


class YearForm(forms.Form):
    annee = forms.IntegerField(min_value=2000, max_value=2100, required=False)


def _valid(form: forms.Form) -> dict:
    """The form's cleaned data, or an ActionError carrying its errors (shown on the page like a service's)."""
    if not form.is_valid():
        raise ActionError(field_errors={name: errors[0] for name, errors in form.errors.items()})
    return form.cleaned_data


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- loaders: an object the user may see, or 404; 403 when they see it but may not act --------------------

def _household(request) -> Household | None:
    """The user's current household with its group and club, annotated with this year's target."""
    if request.user.household_id is None:
        return None
    year = timezone.localdate().year
    return (services.with_target(Household.objects.filter(pk=request.user.household_id, left_on__isnull=True), year)
            .select_related("group__club").first())


def _shift_for_member(household: Household, shift_id: int) -> Shift:
    """A shift of the member's group or club (another group's or club's is not revealed)."""
    shift = services.shifts_open_to(household).filter(pk=shift_id).first()
    if shift is None:
        raise Http404
    return shift


def may_coordinate(access: Access, shift: Shift) -> bool:
    if shift.group_id is None:
        return access.coordinates_club(shift.club_id)
    return access.coordinates_group(shift.group_id, shift.club_id)


def _own_group(request) -> tuple[int | None, int | None]:
    if request.user.household_id is None:
        return None, None
    row = (Household.objects.filter(pk=request.user.household_id, left_on__isnull=True)
           .values_list("group_id", "group__club_id").first())
    return row or (None, None)


def _shift_for_coordination(request, shift_id: int) -> tuple[Shift, Access]:
    """A shift the user coordinates. One a member sees (their group's, their club's) answers 403; others 404."""
    access = access_for(request.user)
    shift = Shift.objects.filter(pk=shift_id).select_related("club", "group", "kind").first()
    if shift is None:
        raise Http404
    if may_coordinate(access, shift):
        return shift, access
    group_id, club_id = _own_group(request)
    if (shift.group_id is not None and shift.group_id == group_id) or (
            shift.group_id is None and (club_id == shift.club_id or access.sees_club(shift.club_id))):
        raise PermissionDenied(_("Only the shift's coordinators can do this."))
    raise Http404


def _group_for_coordination(request, group_id: int) -> tuple[Group, Access]:
    access = access_for(request.user)
    group = Group.objects.filter(pk=group_id).select_related("club").first()
    if group is None:
        raise Http404
    if access.coordinates_group(group.pk, group.club_id):
        use_club(request, group.club)
        return group, access
    if _own_group(request)[0] == group.pk:
        raise PermissionDenied(_("Only the coordinators %(of_the_group)s see its volunteering.") % words_for(group.club))
    raise Http404


def coordinated_groups(access: Access) -> list[Group]:
    """The groups whose volunteering the user coordinates (one query; none for a member without a role)."""
    if access.is_superuser:
        return list(Group.objects.select_related("club").order_by("club__name", "name"))
    if not (access.coordinated_group_ids or access.coordinated_club_ids):
        return []
    return list(Group.objects.filter(Q(pk__in=access.coordinated_group_ids) | Q(club_id__in=access.coordinated_club_ids))
                .select_related("club").order_by("club__name", "name"))


# --- the member's page --------------------------------------------------------------------------------------

def _member_context(request, household: Household) -> dict:
    """Everything the member's page shows, in a constant number of queries whatever the number of shifts."""
    user, now = request.user, timezone.now()
    year = timezone.localdate(now).year
    balance = services.balance_with_target(household, year)
    horizon = now + datetime.timedelta(weeks=WEEKS_AHEAD)
    mine_anywhen = Signup.objects.filter(user=user).values("shift_id")
    shifts = list(services.with_signups(
        services.shifts_open_to(household).filter(cancelled_at__isnull=True, ends_at__gt=now)
        .filter(Q(starts_at__lt=horizon) | Q(pk__in=mine_anywhen))))
    places = services.places(shifts, user, now)
    # Who may take my place: the active members of my group (``services.swap_partners`` for a sign-up of mine:
    # my group's shift, or the club's shift taken for my household), less those already on the shift.
    group_members = list(User.objects.filter(is_active=True, household__group_id=household.group_id,
                                             household__left_on__isnull=True).exclude(pk=user.pk)
                         .order_by("first_name", "last_name", "pk"))
    member_ids = {m.pk for m in group_members}
    # Their coming shifts I could take in exchange (those I am not on yet).
    exchanges = [(signup, place.shift) for place in places if place.mine is None and place.shift.starts_at > now
                 for signup in place.people if signup.user_id in member_ids]
    sent = {offer.signup_id: offer for offer in SwapOffer.objects.filter(signup__user=user, status=SwapStatus.PENDING)
            .select_related("to_user")}
    mine = []
    for place in places:
        if place.mine is None:
            continue
        on_it = {s.user_id for s in place.people}
        mine.append({"place": place, "started": place.shift.starts_at <= now,
                     "others": [s for s in place.people if s.user_id != user.pk],
                     "deadline": services.withdraw_deadline(place.shift), "offer": sent.get(place.mine.pk),
                     "partners": [m for m in group_members if m.pk not in on_it]})
    return {"household": household, "year": year, "balance": balance, "mine": mine, "exchanges": exchanges,
            "received": services.pending_swaps_for(user), "weeks": WEEKS_AHEAD,
            "open": [p for p in places if p.mine is None]}


def _member_page(request, household: Household | None, *, error: ActionError | None = None, failed: int | None = None):
    access = access_for(request.user)
    context = _member_context(request, household) if household is not None else {"household": None}
    context.update({"error": error, "failed": failed, "coordinated": coordinated_groups(access)})
    return render(request, "web/volunteering/shifts.html", context, status=400 if error else 200)


@login_required
@require_GET
def shifts(request):
    """The member's volunteering page. A coordinator without a household finds the groups they coordinate."""
    household = _household(request)
    if household is None and not access_for(request.user).is_coordinator:
        raise Http404
    return _member_page(request, household)


def _member_action(request, household: Household | None, action, success: str, *, failed: int | None = None):
    """Run a member's action and show the member's page again; a producer's account (no household) acts from
    its own home page, where the outcome is told as a message."""
    try:
        action()
    except ActionError as error:
        if household is None:
            for message in error.all_messages:
                messages.error(request, message)
            return redirect("producer-home")
        return _member_page(request, household, error=error, failed=failed)
    messages.success(request, success)
    return redirect("shifts" if household is not None else "producer-home")


def _acting_household(request) -> Household | None:
    """The member's household; None for a producer's account (it takes the club's shifts: farm visits, harvest
    days, rota turns); 404 for anyone else."""
    household = _household(request)
    if household is None and not ProducerAccount.objects.filter(user_id=request.user.pk).exists():
        raise Http404
    return household


def _shift_for_taker(request, household: Household | None, shift_id: int) -> Shift:
    if household is not None:
        return _shift_for_member(household, shift_id)
    shift = Shift.objects.filter(pk=shift_id, group__isnull=True,
                                 club__producers__accounts__user_id=request.user.pk).first()
    if shift is None:
        raise Http404
    return shift


@login_required
@require_POST
def shift_signup(request, shift_id: int):
    household = _acting_household(request)
    shift = _shift_for_taker(request, household, shift_id)
    return _member_action(request, household, lambda: services.sign_up(shift.pk, request.user),
                          _("You are on the shift “%(shift)s”. Thank you!") % {"shift": shift.title})


def _own_signup(request, signup_id: int) -> Signup:
    signup = Signup.objects.filter(pk=signup_id, user=request.user).select_related("shift").first()
    if signup is None:
        raise Http404
    return signup


@login_required
@require_POST
def shift_withdraw(request, signup_id: int):
    household = _acting_household(request)
    signup = _own_signup(request, signup_id)
    return _member_action(request, household, lambda: services.withdraw(signup.pk, request.user),
                          _("You are no longer on the shift “%(shift)s”.") % {"shift": signup.shift.title},
                          failed=signup.pk)


@login_required
@require_POST
def swap_offer(request, signup_id: int):
    household = _acting_household(request)
    signup = _own_signup(request, signup_id)

    def offer():
        data = _valid(SwapOfferForm(request.POST))
        return services.offer_swap(signup.pk, request.user, data["to_user"], in_exchange_id=data["in_exchange"])

    return _member_action(request, household, offer,
                          _("Swap proposed: nothing changes until the other member accepts."), failed=signup.pk)


@login_required
@require_POST
def swap_answer(request, offer_id: int):
    household = _acting_household(request)
    offer = SwapOffer.objects.filter(pk=offer_id, to_user=request.user).first()
    if offer is None:
        raise Http404
    form = SwapAnswerForm(request.POST)
    accept = form.is_valid() and form.cleaned_data["answer"] == "accept"

    def answer():
        _valid(form)
        return services.answer_swap(offer.pk, request.user, accept=accept)

    return _member_action(request, household, answer,
                          _("Swap accepted: the shift is yours.") if accept else _("Swap declined."))


def home_card(household: Household, user, now: datetime.datetime) -> dict:
    """The home page's volunteering card: the user's next shift and the household's balance this year (the
    household loaded through ``services.with_target``). Two queries."""
    upcoming = (Signup.objects.filter(user=user, shift__cancelled_at__isnull=True, shift__ends_at__gt=now)
                .select_related("shift").order_by("shift__starts_at", "shift__pk").first())
    return {"next": upcoming.shift if upcoming else None,
            "balance": services.balance_with_target(household, timezone.localdate(now).year)}


# --- a group's coordinators ---------------------------------------------------------------------------------

@login_required
@require_GET
def group_volunteering(request, group_id: int):
    """The group's balance for a year (those who did least first), the coming shifts lacking people (the group's
    and the club's), the shifts whose attendance is still to be confirmed, and every coming shift."""
    group, access = _group_for_coordination(request, group_id)
    now = timezone.now()
    form = YearForm(request.GET)
    year = timezone.localdate(now).year
    if form.is_valid() and form.cleaned_data["annee"]:
        year = form.cleaned_data["annee"]
    balances = services.group_balances(group.pk, year)
    names = dict(Household.objects.filter(pk__in=[b.household_id for b in balances]).values_list("pk", "name"))
    open_to_group = Shift.objects.filter(Q(group=group) | Q(group__isnull=True, club_id=group.club_id))
    club_too = access.coordinates_club(group.club_id)
    gaps = [{"shift": shift, "coordinated": shift.group_id is not None or club_too}
            for shift in services.gaps(open_to_group, now, weeks=GAP_WEEKS)]
    coming = [{"shift": shift, "coordinated": shift.group_id is not None or club_too}
              for shift in open_to_group.filter(cancelled_at__isnull=True, ends_at__gt=now,
                                                starts_at__lt=now + datetime.timedelta(weeks=GAP_WEEKS))
              .annotate(taken=Count("signups")).select_related("kind", "group").order_by("starts_at", "pk")]
    confirmable = open_to_group if club_too else Shift.objects.filter(group=group)
    to_confirm = list(services.to_confirm(confirmable, now).select_related("kind", "group").order_by("starts_at", "pk"))
    groups = list(Group.objects.filter(club_id=group.club_id).order_by("name")) if club_too else []
    this_year = timezone.localdate(now).year
    return render(request, "web/volunteering/group.html", {
        "group": group, "year": year, "years": sorted({*range(this_year - 3, this_year + 2), year}), "coming": coming,
        "weeks": GAP_WEEKS,
        "rows": [{"balance": b, "name": names.get(b.household_id, "")} for b in balances],
        "gaps": gaps, "to_confirm": to_confirm, "groups": groups,
    })


def _shift_page(request, shift: Shift, *, error: ActionError | None = None, failed: int | None = None):
    """A coordinator's page of one shift: who is on it and whether they came; assigning (suggestions first)."""
    now = timezone.now()
    signups = list(Signup.objects.filter(shift=shift).select_related("user", "household").order_by("created_at", "pk"))
    started = shift.starts_at <= now
    free = max(0, shift.people_needed - len(signups))
    can_assign = not started and shift.cancelled_at is None and free > 0
    suggestions, candidates, producers = [], [], []
    if can_assign:
        on_it = {s.user_id for s in signups}
        suggestions = [(balance, household, [m for m in members if m.pk not in on_it])
                       for balance, household, members in services.suggestions(shift, timezone.localtime(shift.starts_at).year)]
        suggestions = [row for row in suggestions if row[2]]
        people = User.objects.filter(is_active=True, household__isnull=False, household__left_on__isnull=True)
        if shift.group_id is not None:
            people = people.filter(household__group_id=shift.group_id)
        else:
            people = people.filter(household__group__club_id=shift.club_id)
            producers = list(ProducerAccount.objects.filter(producer__club_id=shift.club_id, user__is_active=True)
                             .exclude(user_id__in=on_it).select_related("user", "producer").order_by("producer__name", "pk"))
        candidates = list(people.exclude(pk__in=on_it).select_related("household__group")
                          .order_by("household__group__name", "household__name", "first_name", "pk"))
    back_group = shift.group if shift.group_id is not None else None
    return render(request, "web/volunteering/shift.html", {
        "shift": shift, "signups": signups, "started": started, "free": free, "can_assign": can_assign,
        "can_remove": not started and shift.confirmed_at is None, "suggestions": suggestions,
        "candidates": candidates, "producers": producers, "error": error, "failed": failed, "back_group": back_group,
    }, status=400 if error else 200)


@login_required
@require_GET
def shift_detail(request, shift_id: int):
    shift, _access = _shift_for_coordination(request, shift_id)
    return _shift_page(request, shift)


@login_required
@require_POST
def shift_confirm(request, shift_id: int):
    """One tap per person after the shift started: came, or did not come. With htmx only the person's row is
    swapped; without JS the page comes back."""
    shift, _access = _shift_for_coordination(request, shift_id)
    try:
        data = _valid(AttendanceForm(request.POST))
        signup = services.confirm(data["signup"], shift, attended=data["attended"], by=request.user)
    except ActionError as error:
        if _is_htmx(request):
            for message in error.all_messages:
                messages.error(request, message)
            response = HttpResponse("")
            response["HX-Redirect"] = reverse("shift-detail", args=[shift.pk])
            return response
        return _shift_page(request, shift, error=error, failed=parse_id(request.POST.get("signup", "")))
    if _is_htmx(request):
        signup = Signup.objects.select_related("user", "household").get(pk=signup.pk)
        shift.refresh_from_db(fields=["confirmed_at"])
        return render(request, "web/volunteering/_attendance_row.html", {
            "shift": shift, "signup": signup, "started": True, "can_remove": False, "just_saved": True})
    messages.success(request, _("Attendance recorded."))
    return redirect(reverse("shift-detail", args=[shift.pk]) + f"#signup-{signup.pk}")


@login_required
@require_POST
def shift_assign(request, shift_id: int):
    shift, _access = _shift_for_coordination(request, shift_id)
    try:
        data = _valid(AssignForm(request.POST))
        signup = services.assign(shift.pk, data["user"], by=request.user)
    except ActionError as error:
        return _shift_page(request, shift, error=error)
    messages.success(request, _("%(name)s is on the shift.") % {"name": signup.user})
    return redirect("shift-detail", shift.pk)


@login_required
@require_POST
def shift_remove(request, shift_id: int):
    shift, _access = _shift_for_coordination(request, shift_id)
    try:
        data = _valid(RemoveForm(request.POST))
        services.remove(data["signup"], shift)
    except ActionError as error:
        return _shift_page(request, shift, error=error)
    messages.success(request, _("The person is no longer on the shift."))
    return redirect("shift-detail", shift.pk)
