"""The club's side of volunteering: its coordinators set the task kinds and yearly targets, add shifts by hand
or from the calendar, plan farm visits and make the drivers' rotas; a household's target is reduced or waived
(confidentially); a producer (or its referent member) calls for help on the farm; whoever visits a farm fills
the charter checklist on a phone and records the decision.

Each view parses its input with a form (its fields are the allow-list), checks the user's right on the object
(out of scope: 404; visible but not theirs to act on: 403), calls one service and renders the page again with
the service's messages when it refuses."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from cabas.catalog.models import CertificationVisit, CharterPoint, Producer, ProducerAccount, VisitCheck, VisitDecision
from cabas.core.errors import ActionError
from cabas.core.validators import validate_date_range
from cabas.members.models import Club, Group, Household, User, Weekday
from cabas.members.permissions import Access, access_for
from cabas.members.words import words_for
from cabas.volunteering import club as club_setup
from cabas.volunteering import planning
from cabas.volunteering.models import DriverRota, Shift, Signup, TargetAdjustment, TaskCategory, TaskKind

from ..access import club_for, refuse
from ..context_processors import use_club
from ..forms import DateInput
from .producer_account import account_of

CALENDAR_WEEKS = 8
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


# --- forms --------------------------------------------------------------------------------------------------

class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def date_field(label, **kwargs):
    return forms.DateField(label=label, widget=DateInput(), input_formats=DATE_FORMATS, validators=[validate_date_range],
                           **kwargs)


def time_field(label, **kwargs):
    return forms.TimeField(label=label, widget=TimeInput(), input_formats=["%H:%M", "%H:%M:%S", "%Hh%M", "%Hh"], **kwargs)


def hours_field(label, *, low, high, **kwargs):
    return forms.DecimalField(label=label, min_value=low, max_value=high, max_digits=6, decimal_places=2, localize=True,
                              widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}), **kwargs)


def people_field(label=gettext_lazy("People needed"), **kwargs):
    return forms.IntegerField(label=label, min_value=1, max_value=50,
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}), **kwargs)


def id_choice(label, choices, **kwargs):
    """A choice among ids the view lists (an allow-list: any other value is refused before the database)."""
    return forms.TypedChoiceField(label=label, choices=choices, coerce=int, **kwargs)


class ServiceErrors:
    """Puts a service's ``ActionError`` on the form: each field error on its field (or on the form when the
    field is not one of it), each message on the form."""

    field_aliases: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels stand alone above their field, as on the other pages
        super().__init__(*args, **kwargs)

    def add_service_error(self, error: ActionError) -> None:
        for message in error.messages:
            self.add_error(None, message)
        for field, message in error.field_errors.items():
            field = self.field_aliases.get(field, field)
            self.add_error(field if field in self.fields else None, message)


class KindForm(ServiceErrors, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    hours = hours_field(gettext_lazy("Hours per person"), low=Decimal("0.25"), high=Decimal("24"))
    people_needed = people_field()


class NewKindForm(KindForm):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=TaskCategory.choices)
    field_order = ["category", "name", "hours", "people_needed"]


class TargetsForm(ServiceErrors, forms.Form):
    club_hours = hours_field(gettext_lazy("The club's target (hours per household and year)"), low=Decimal("0"),
                             high=club_setup.MAX_TARGET, required=False,
                             help_text=gettext_lazy("Empty: no target."))

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = groups
        for group in groups:
            self.fields[f"group-{group.pk}"] = hours_field(
                group.name, low=Decimal("0"), high=club_setup.MAX_TARGET, required=False,
                help_text=gettext_lazy("Empty: the club's target."))

    def group_fields(self):
        return [self[f"group-{g.pk}"] for g in self.groups]

    def group_hours(self):
        return {g.pk: self.cleaned_data[f"group-{g.pk}"] for g in self.groups}


class ShiftForm(ServiceErrors, forms.Form):
    field_aliases = {"ends": "end"}

    kind = id_choice(gettext_lazy("Task"), [])
    group = forms.TypedChoiceField(label=gettext_lazy("For"), coerce=int, empty_value=None, required=False)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False,
                            help_text=gettext_lazy("Empty: the task's name."))
    day = date_field(gettext_lazy("Date"))
    start = time_field(gettext_lazy("Starts at"))
    end = time_field(gettext_lazy("Ends at"))
    place = forms.CharField(label=gettext_lazy("Place"), max_length=300, required=False)
    people_needed = people_field(required=False, help_text=gettext_lazy("Empty: as the task says."))

    def __init__(self, *args, kinds, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.pk, k.name) for k in kinds]
        self.fields["group"].choices = [("", _("The whole club"))] + [(g.pk, g.name) for g in groups]


class AdjustForm(ServiceErrors, forms.Form):
    household = id_choice(gettext_lazy("Household"), [])
    hours = hours_field(gettext_lazy("Hours this year"), low=Decimal("0"), high=club_setup.MAX_TARGET,
                        help_text=gettext_lazy("0: waived for the year."))
    reason = forms.CharField(label=gettext_lazy("Reason (confidential)"), max_length=200, required=False,
                             help_text=gettext_lazy("Seen only on this page, by the group's and the club's "
                                                    "coordinators and the solidarity referents."))

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [(h.pk, h.name) for h in households]


class HarvestForm(ServiceErrors, forms.Form):
    field_aliases = {"ends": "end"}

    title = forms.CharField(label=gettext_lazy("What for"), max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Potato harvest")}))
    details = forms.CharField(label=gettext_lazy("Details"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=gettext_lazy("What to bring, where to meet, a meal shared…"))
    day = date_field(gettext_lazy("Date"))
    start = time_field(gettext_lazy("Starts at"))
    end = time_field(gettext_lazy("Ends at"))
    people_needed = people_field(initial=4)

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day


class ScheduleVisitForm(HarvestForm):
    title = details = None
    producer = id_choice(gettext_lazy("Producer"), [])
    field_order = ["producer", "day", "start", "end", "people_needed"]

    def __init__(self, *args, producers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producer"].choices = [(p.pk, p.name) for p in producers]
        self.fields["people_needed"].initial = 3
        self.fields["people_needed"].label = _("Visitors needed")


MET_CHOICES = [("yes", gettext_lazy("met")), ("no", gettext_lazy("not met"))]


class VisitForm(ServiceErrors, forms.Form):
    """The charter checklist (each commitment: met or not, a comment), the report and the decision. Every field
    may arrive empty: the service says, in the user's language, what is missing."""

    report = forms.CharField(label=gettext_lazy("Report"), max_length=10000, required=False,
                             widget=forms.Textarea(attrs={"rows": 5}))
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=VisitDecision.choices, required=False,
                                 widget=forms.RadioSelect)
    conditions = forms.CharField(label=gettext_lazy("Conditions"), max_length=2000, required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=gettext_lazy("For an approval with conditions: what must change, by when."))
    next_visit_on = date_field(gettext_lazy("Next visit by"), required=False)

    def __init__(self, *args, points, **kwargs):
        super().__init__(*args, **kwargs)
        self.points = points
        for point in points:
            self.fields[f"point-{point.pk}"] = forms.ChoiceField(label=point.text, choices=MET_CHOICES, required=False,
                                                                 widget=forms.RadioSelect)
            self.fields[f"comment-{point.pk}"] = forms.CharField(
                label=_("Comment"), max_length=300, required=False)

    def report_fields(self):
        return [self[name] for name in ("report", "decision", "conditions", "next_visit_on")]

    def checklist(self):
        return [(point, self[f"point-{point.pk}"], self[f"comment-{point.pk}"]) for point in self.points]

    def checks(self) -> dict[int, tuple[bool, str]]:
        """The commitments answered (those left empty are missing, for the service to name)."""
        answers = {}
        for point in self.points:
            answer = self.cleaned_data[f"point-{point.pk}"]
            if answer:
                answers[point.pk] = (answer == "yes", self.cleaned_data[f"comment-{point.pk}"].strip())
        return answers


EVERY_CHOICES = [(1, gettext_lazy("every week")), (2, gettext_lazy("every 2 weeks")), (3, gettext_lazy("every 3 weeks")),
                 (4, gettext_lazy("every 4 weeks"))]
MAX_TURNS = 60


class RotaForm(ServiceErrors, forms.Form):
    field_aliases = {"ends": "end"}

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200,
                           widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Friday vegetable round")}))
    first_day = date_field(gettext_lazy("First day"))
    last_day = date_field(gettext_lazy("Last day"))
    weekday = forms.TypedChoiceField(label=gettext_lazy("On"), choices=Weekday.choices, coerce=int)
    every = forms.TypedChoiceField(label=gettext_lazy("How often"), choices=EVERY_CHOICES, coerce=int, initial=1)
    start = time_field(gettext_lazy("Leaves at"))
    end = time_field(gettext_lazy("Back at"))
    place = forms.CharField(label=gettext_lazy("Meeting place"), max_length=300, required=False)

    def __init__(self, *args, candidates, **kwargs):
        """``candidates``: (user, producer or None) who may drive: the club's producers' accounts, then its members.
        Only the boxes ticked are sent (a club's hundreds of members stay far below Django's limit of fields)."""
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        for user, producer in candidates:
            name = f"{user} ({producer.name})" if producer is not None else str(user)
            self.fields[f"driver-{user.pk}"] = forms.BooleanField(label=name, required=False)

    def season_fields(self):
        return [self[name] for name in ("name", "first_day", "last_day", "weekday", "every", "start", "end", "place")]

    def driver_fields(self):
        return [self[f"driver-{user.pk}"] for user, _producer in self.candidates]

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", _("The last day comes after the first."))
            elif (last - first).days > 366:
                self.add_error("last_day", _("A rota lasts a season: at most a year."))
            elif "weekday" in data and "every" in data:
                data["days"] = rota_days(first, last, data["weekday"], data["every"])
                if not data["days"]:
                    self.add_error("weekday", _("No such day between the first and the last day."))
                elif len(data["days"]) > MAX_TURNS:
                    self.add_error("every", _("At most %(count)s turns in a rota.") % {"count": MAX_TURNS})
        return data

    def drivers(self) -> list[tuple[int, int | None]]:
        """The drivers ticked, in the order listed: producers' accounts first (among equals, the first turns go to
        the first listed)."""
        return [(user.pk, producer.pk if producer else None) for user, producer in self.candidates
                if self.cleaned_data.get(f"driver-{user.pk}")]


def rota_days(first: datetime.date, last: datetime.date, weekday: int, every: int) -> list[datetime.date]:
    day = first + datetime.timedelta(days=(weekday - first.weekday()) % 7)
    days = []
    while day <= last:
        days.append(day)
        day += datetime.timedelta(weeks=every)
    return days


# --- who may see what ---------------------------------------------------------------------------------------

def club_for_coordinators(request, club_id: int) -> Club:
    return club_for(request, club_id, allowed=Access.coordinates_club, refusal=_("Only the club's coordinators can do this."))


def optional_url(name: str, *args) -> str | None:
    """The address of a page that may not be installed (another part of the volunteering pages)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def done(request, message: str, url: str | None = None):
    messages.success(request, message)
    return redirect(url or request.path)


# --- the club's volunteering set-up -------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def club_volunteering(request, club_id: int):
    """Task kinds, targets, a shift added by hand, the shifts of the coming distributions."""
    club = club_for_coordinators(request, club_id)
    planning.ensure_kinds(club)  # the usual kinds, the first time
    kinds = list(TaskKind.objects.filter(club=club).order_by("position", "name"))
    groups = list(Group.objects.filter(club=club).order_by("name"))
    club_hours, group_hours = club_setup.club_targets(club)
    kind_forms = {k.pk: KindForm(prefix=f"kind-{k.pk}", initial={"name": k.name, "hours": k.hours,
                                                                  "people_needed": k.people_needed}) for k in kinds}
    new_kind = NewKindForm(prefix="new", initial={"hours": Decimal("2"), "people_needed": 1})
    targets = TargetsForm(prefix="targets", groups=groups, initial={"club_hours": club_hours, **{
        f"group-{g}": hours for g, hours in group_hours.items()}})
    shift_form = ShiftForm(prefix="shift", kinds=kinds, groups=groups)
    failed = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "kind":
                kind = next((k for k in kinds if str(k.pk) == request.POST.get("kind", "")), None)
                if kind is None:
                    raise Http404
                form = kind_forms[kind.pk] = KindForm(request.POST, prefix=f"kind-{kind.pk}")
                failed = form
                if form.is_valid():
                    club_setup.save_kind(club, kind_id=kind.pk, **form.cleaned_data)
                    return done(request, _("The task “%(name)s” is saved.") % {"name": form.cleaned_data["name"]})
            elif action == "new-kind":
                form = new_kind = failed = NewKindForm(request.POST, prefix="new")
                if form.is_valid():
                    club_setup.save_kind(club, kind_id=None, **form.cleaned_data)
                    return done(request, _("The task “%(name)s” is added.") % {"name": form.cleaned_data["name"]})
            elif action == "targets":
                form = targets = failed = TargetsForm(request.POST, prefix="targets", groups=groups)
                if form.is_valid():
                    club_setup.set_targets(club, club_hours=form.cleaned_data["club_hours"], group_hours=form.group_hours())
                    return done(request, _("The targets are saved."))
            elif action == "shift":
                form = shift_form = failed = ShiftForm(request.POST, prefix="shift", kinds=kinds, groups=groups)
                if form.is_valid():
                    data = form.cleaned_data
                    kind = next(k for k in kinds if k.pk == data["kind"])
                    group = next((g for g in groups if g.pk == data["group"]), None)
                    shift = planning.add_shift(club, kind=kind, group=group, title=data["title"].strip(), day=data["day"],
                                               start=data["start"], end=data["end"], place=data["place"].strip(),
                                               people_needed=data["people_needed"])
                    return done(request, _("The shift “%(title)s” is added.") % {"title": shift.title})
            elif action == "calendar":
                today = timezone.localdate()
                created, moved = planning.make_calendar_shifts(
                    club, since=today, until=today + datetime.timedelta(weeks=CALENDAR_WEEKS))
                return done(request, _("Shifts of the coming distributions: %(created)s made, %(moved)s moved to "
                                       "their new date.") % {"created": created, "moved": moved})
            else:
                raise Http404
        except ActionError as error:
            failed.add_service_error(error)
    return render(request, "web/volunteering_club/club.html", {
        "club": club, "kinds": [(k, kind_forms[k.pk]) for k in kinds], "new_kind": new_kind, "targets": targets,
        "shift_form": shift_form, "weeks": CALENDAR_WEEKS, "failed": failed,
        "groups": [(g, optional_url("group-volunteering", g.pk)) for g in groups],
    }, status=400 if failed is not None else 200)


# --- a household's target reduced or waived ----------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def target_adjust(request, group_id: int):
    """The group's households and their target for a year; reduce or waive one, with a confidential reason."""
    access = access_for(request.user)
    group = Group.objects.filter(pk=group_id).select_related("club").first()
    if group is None:
        raise Http404
    use_club(request, group.club)
    if not (access.coordinates_group(group.pk, group.club_id) or access.assigns_tariffs(group.club_id)):
        own = request.user.household_id is not None and \
            Household.objects.filter(pk=request.user.household_id, group=group).exists()
        if own:
            raise PermissionDenied(_("Only the coordinators %(of_the_group)s and the club's solidarity referents "
                                     "adjust a household's target.") % words_for(group.club))
        raise Http404
    year = year_of(request.POST.get("year") if request.method == "POST" else request.GET.get("annee"))
    households = list(Household.objects.filter(group=group, left_on__isnull=True).order_by("name"))
    form = AdjustForm(households=households)
    failed = False
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "clear":
            household = next((h for h in households if str(h.pk) == request.POST.get("household", "")), None)
            if household is None:
                raise Http404
            club_setup.clear_adjustment(household, year=year)
            return done(request, _("%(household)s has the target %(of_the_group)s again for %(year)s.")
                        % words_for(group.club).with_(household=household.name, year=year), f"{request.path}?annee={year}")
        if action != "adjust":
            raise Http404
        form = AdjustForm(request.POST, households=households)
        failed = True
        if form.is_valid():
            household = next(h for h in households if h.pk == form.cleaned_data["household"])
            household.group = group
            try:
                club_setup.adjust_target(household, year=year, hours=form.cleaned_data["hours"],
                                         reason=form.cleaned_data["reason"], by=request.user)
            except ActionError as error:
                form.add_service_error(error)
            else:
                return done(request, _("The target of %(household)s for %(year)s is saved.")
                            % {"household": household.name, "year": year}, f"{request.path}?annee={year}")
    normal = club_setup.group_target(group)
    adjusted = {a.household_id: a for a in TargetAdjustment.objects.filter(household__in=households, year=year)
                .select_related("set_by")}
    rows = [{"household": h, "adjustment": adjusted.get(h.pk),
             "target": adjusted[h.pk].hours if h.pk in adjusted else normal} for h in households]
    return render(request, "web/volunteering_club/targets.html", {
        "group": group, "year": year, "normal": normal, "rows": rows, "form": form,
        # the group's volunteering page is its coordinators' (a solidarity referent adjusts targets but does not see it)
        "years": [year - 1, year + 1],
        "balance_url": optional_url("group-volunteering", group.pk) if access.coordinates_group(group.pk, group.club_id) else None,
    }, status=400 if failed else 200)


def year_of(raw) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(str(raw or "").strip()[:4])
    except ValueError:
        return this_year
    return year if 2000 <= year <= 2100 else this_year


# --- harvest calls ------------------------------------------------------------------------------------------

def harvest_page(request, producer: Producer, *, for_referent: bool):
    form = HarvestForm()
    status = 200
    if request.method == "POST":
        form = HarvestForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                planning.call_for_harvest(producer, title=data["title"].strip(), details=data["details"].strip(),
                                          day=data["day"], start=data["start"], end=data["end"],
                                          people_needed=data["people_needed"], by=request.user)
            except ActionError as error:
                form.add_service_error(error)
            else:
                return done(request, _("The call is sent: the club's members see it among their shifts and can "
                                       "sign up."))
    calls = list(Shift.objects.filter(harvest_call__producer=producer).select_related("harvest_call")
                 .annotate(taken=Count("signups")).order_by("-starts_at")[:30])
    return render(request, "web/volunteering_club/harvest.html", {
        "producer": producer, "form": form, "calls": calls, "for_referent": for_referent, "now": timezone.now(),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def harvest_call(request):
    """A producer's account asks the club's members for a hand on the farm."""
    account = account_of(request)
    return harvest_page(request, account.producer, for_referent=False)


@login_required
@require_http_methods(["GET", "POST"])
def harvest_call_for(request, producer_id: int):
    """The producer's referent member (or a club coordinator) calls for help on the producer's behalf."""
    access = access_for(request.user)
    producer = Producer.objects.filter(pk=producer_id).select_related("club").first()
    if producer is None:
        raise Http404
    if not (access.refers_producer(producer.pk) or access.coordinates_club(producer.club_id)):
        refuse(request, access, producer.club_id, _("Only the producer's referent member calls for help on its "
                                                    "behalf."))
    return harvest_page(request, producer, for_referent=True)


# --- farm visits --------------------------------------------------------------------------------------------

def visit_shifts(visit_ids) -> dict[int, Shift]:
    """The shift of each visit with who signed up (two queries)."""
    shifts = Shift.objects.filter(visit_id__in=list(visit_ids)).prefetch_related(
        Prefetch("signups", queryset=Signup.objects.select_related("user").order_by("created_at", "pk")))
    return {s.visit_id: s for s in shifts}


@login_required
@require_http_methods(["GET", "POST"])
def farm_visits(request, club_id: int):
    """Each producer's latest visit and decision, the next one due (overdue ones first), the planned visits with
    who signed up; a form to plan a visit, which members and producers then take as a shift of the club."""
    club = club_for_coordinators(request, club_id)
    today = timezone.localdate()
    rows = planning.visits_overview(club, today)
    producers = [r["producer"] for r in rows]
    form = ScheduleVisitForm(producers=producers)
    status = 200
    if request.method == "POST":
        form = ScheduleVisitForm(request.POST, producers=producers)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            producer = next(p for p in producers if p.pk == data["producer"])
            try:
                planning.schedule_visit(producer, day=data["day"], start=data["start"], end=data["end"],
                                        people_needed=data["people_needed"])
            except ActionError as error:
                form.add_service_error(error)
            else:
                return done(request, _("The visit to %(producer)s is planned: members and producers can now sign up "
                                       "for it.") % {"producer": producer.name})
    shifts = visit_shifts([r["planned"].pk for r in rows if r["planned"]] + [v.pk for r in rows for v in r["to_record"]])
    for row in rows:
        row["planned_shift"] = shifts.get(row["planned"].pk) if row["planned"] else None
        row["to_record"] = [(v, shifts.get(v.pk)) for v in row["to_record"]]
    rows.sort(key=lambda r: (not r["overdue"], r["producer"].name.lower()))
    return render(request, "web/volunteering_club/visits.html", {
        "club": club, "rows": rows, "form": form, "today": today,
        "overdue": sum(1 for r in rows if r["overdue"]),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def visit_record(request, visit_id: int):
    """The charter checklist, the report and the decision, filled on a phone during the visit: by the club's
    coordinators and whoever signed up for the visit. Once recorded, the visit is shown as it was decided."""
    access = access_for(request.user)
    visit = CertificationVisit.objects.filter(pk=visit_id).select_related("producer__club", "recorded_by").first()
    if visit is None:
        raise Http404
    club = visit.producer.club
    shift = visit_shifts([visit.pk]).get(visit.pk)
    people = list(shift.signups.all()) if shift else []
    if not (access.coordinates_club(club.pk) or any(s.user_id == request.user.pk for s in people)):
        refuse(request, access, club.pk, _("Only the club's coordinators and those who signed up for the visit fill "
                                           "its checklist."))
    context = {"visit": visit, "producer": visit.producer, "club": club, "shift": shift, "people": people,
               "is_coordinator": access.coordinates_club(club.pk)}
    if visit.recorded_at is not None:
        if request.method == "POST":
            messages.error(request, _("This visit is already recorded."))
            return redirect(request.path)
        context["checks"] = list(VisitCheck.objects.filter(visit=visit).select_related("point")
                                 .order_by("point__position", "point_id"))
        return render(request, "web/volunteering_club/visit.html", context)
    points = list(CharterPoint.objects.filter(club=club).order_by("position", "pk"))
    form = VisitForm(points=points)
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST, points=points)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                planning.record_visit(visit.pk, checks=form.checks(), report=data["report"], decision=data["decision"],
                                      conditions=data["conditions"], next_visit_on=data["next_visit_on"], by=request.user)
            except ActionError as error:
                form.add_service_error(error)
            else:
                return done(request, _("The visit is recorded: its decision shows on the producer's page."))
    context["form"] = form
    return render(request, "web/volunteering_club/visit.html", context, status=status)


# --- the drivers' rotas -------------------------------------------------------------------------------------

def rota_candidates(club: Club) -> list[tuple[User, Producer | None]]:
    """Who may drive: the accounts of the club's producers, then its members (two queries)."""
    accounts = [(a.user, a.producer) for a in ProducerAccount.objects.filter(producer__club=club, user__is_active=True)
                .select_related("user", "producer").order_by("producer__name", "user__first_name", "pk")]
    members = [(u, None) for u in User.objects.filter(is_active=True, household__group__club=club,
                                                       household__left_on__isnull=True)
               .order_by("first_name", "last_name", "pk")]
    return accounts + members


@login_required
@require_http_methods(["GET", "POST"])
def rotas(request, club_id: int):
    """The club's rotas; a new one: its days, times, place and drivers in order (turns shared out at once)."""
    club = club_for_coordinators(request, club_id)
    candidates = rota_candidates(club)
    form = RotaForm(candidates=candidates, initial={"every": 1})
    status = 200
    if request.method == "POST":
        form = RotaForm(request.POST, candidates=candidates)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                rota = planning.create_rota(club, name=data["name"].strip(), days=data["days"], start=data["start"],
                                            end=data["end"], place=data["place"].strip(), drivers=form.drivers())
            except ActionError as error:
                form.add_service_error(error)
            else:
                return done(request, ngettext("The rota is made: %(count)s turn shared among the drivers.",
                                              "The rota is made: %(count)s turns shared among the drivers.",
                                              len(data["days"])) % {"count": len(data["days"])},
                            reverse("rota-detail", args=[rota.pk]))
    listed = list(DriverRota.objects.filter(club=club).annotate(
        turn_count=Count("turns", filter=Q(turns__cancelled_at__isnull=True), distinct=True),
        driver_count=Count("drivers", distinct=True)).order_by("-starts_on", "-pk"))
    return render(request, "web/volunteering_club/rotas.html", {
        "club": club, "rotas": listed, "form": form,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rota_detail(request, rota_id: int):
    """A rota's turns and who drives each, each driver's number of turns; give the open turns."""
    access = access_for(request.user)
    rota = DriverRota.objects.filter(pk=rota_id).select_related("club").first()
    if rota is None:
        raise Http404
    if not access.coordinates_club(rota.club_id):
        refuse(request, access, rota.club_id, _("Only the club's coordinators can do this."))
    if request.method == "POST":
        if request.POST.get("action") != "balance":
            raise Http404
        given = planning.balance_rota(rota)
        return done(request, ngettext("%(count)s open turn given to a driver.", "%(count)s open turns given to drivers.",
                                      given) % {"count": given} if given else _("No open turn to give."))
    turns, drivers = planning.rota_table(rota)
    now = timezone.now()
    rows = [{"shift": t, "drivers": [s.user for s in t.signups.all()], "past": t.starts_at <= now,
             "url": optional_url("shift-detail", t.pk)} for t in turns]
    return render(request, "web/volunteering_club/rota.html", {
        "rota": rota, "club": rota.club, "rows": rows, "drivers": drivers,
        "open": sum(1 for r in rows if not r["drivers"] and not r["past"]),
    })
