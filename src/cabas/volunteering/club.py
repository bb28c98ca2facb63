"""A club's volunteering set-up, by its coordinators: the task kinds (name, hours, people needed), the yearly
targets of the club and of each group, and a household's target reduced or waived for a year (confidential:
its reason is shown only to those who set it — the group's and club's coordinators and the solidarity referents).

Each writing function is one transaction; a refused change writes nothing and says why (``ActionError``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.core.formatting import format_quantity
from cabas.members.models import Club, Group, Household
from cabas.members.words import words_for

from .models import TargetAdjustment, TaskCategory, TaskKind, VolunteerTarget

MAX_TARGET = Decimal("500")


# --- task kinds ---------------------------------------------------------------------------------------------

@transaction.atomic
def save_kind(club: Club, *, kind_id: int | None, name: str, hours: Decimal, people_needed: int,
              category: str | None = None) -> TaskKind:
    """Add a task kind (``kind_id`` None: its category is required) or change one's name, hours and people
    needed. Shifts already made keep their own hours and number of people."""
    name = name.strip()
    if not name:
        raise ActionError(field_errors={"name": _("Give the task a name.")})
    if not Decimal("0.25") <= hours <= Decimal("24"):
        raise ActionError(field_errors={"hours": _("Give between 0.25 and 24 hours.")})
    if not 1 <= people_needed <= 50:
        raise ActionError(field_errors={"people_needed": _("Give between 1 and 50 people.")})
    if kind_id is None:
        if category not in TaskCategory.values:
            raise ActionError(field_errors={"category": _("Choose a category.")})
        kind = TaskKind(club=club, category=category,
                        position=(TaskKind.objects.filter(club=club).count() + 1))
    else:
        kind = TaskKind.objects.select_for_update().filter(pk=kind_id, club=club).first()
        if kind is None:
            raise ActionError(_("This task no longer exists."))
    if TaskKind.objects.filter(club=club, category=kind.category, name=name).exclude(pk=kind.pk).exists():
        raise ActionError(field_errors={"name": _("The club already has a task of this name.")})
    kind.name, kind.hours, kind.people_needed = name, hours, people_needed
    kind.save()
    return kind


# --- yearly targets -----------------------------------------------------------------------------------------

def _check_hours(hours: Decimal | None, field: str) -> None:
    if hours is not None and not Decimal("0") <= hours <= MAX_TARGET:
        raise ActionError(field_errors={field: _("Give between 0 and 500 hours.")})


@transaction.atomic
def set_targets(club: Club, *, club_hours: Decimal | None, group_hours: dict[int, Decimal | None]) -> None:
    """The club's yearly target per household (None: no target) and each group's own (None: the club's).
    ``group_hours`` names groups of the club only (others are refused)."""
    _check_hours(club_hours, "club_hours")
    for group_id, hours in group_hours.items():
        _check_hours(hours, f"group-{group_id}")
    groups = set(Group.objects.filter(club=club, pk__in=list(group_hours)).values_list("pk", flat=True))
    if groups != set(group_hours):
        raise ActionError(_("Some of these groups are not the club's."))
    if club_hours is None:
        VolunteerTarget.objects.filter(club=club, group__isnull=True).delete()
    else:
        VolunteerTarget.objects.update_or_create(club=club, group=None, defaults={"hours_per_year": club_hours})
    unset = [g for g, hours in group_hours.items() if hours is None]
    if unset:
        VolunteerTarget.objects.filter(group_id__in=unset).delete()
    existing = {t.group_id: t for t in VolunteerTarget.objects.filter(group_id__in=list(group_hours))}
    changed, created = [], []
    for group_id, hours in group_hours.items():
        if hours is None:
            continue
        target = existing.get(group_id)
        if target is None:
            created.append(VolunteerTarget(club=club, group_id=group_id, hours_per_year=hours))
        elif target.hours_per_year != hours:
            target.hours_per_year = hours
            changed.append(target)
    VolunteerTarget.objects.bulk_create(created)
    VolunteerTarget.objects.bulk_update(changed, ["hours_per_year"])


def club_targets(club: Club) -> tuple[Decimal | None, dict[int, Decimal]]:
    """(the club's target or None, each group's own target). One query."""
    club_hours, groups = None, {}
    for group_id, hours in VolunteerTarget.objects.filter(club=club).values_list("group_id", "hours_per_year"):
        if group_id is None:
            club_hours = hours
        else:
            groups[group_id] = hours
    return club_hours, groups


def group_target(group: Group) -> Decimal:
    """The target of the group's households before any adjustment: the group's own, else the club's, else 0.
    One query."""
    rows = dict(VolunteerTarget.objects.filter(Q(club_id=group.club_id, group__isnull=True) | Q(group=group))
                .values_list("group_id", "hours_per_year"))
    return rows.get(group.pk, rows.get(None, Decimal("0")))


# --- a household's own target for a year --------------------------------------------------------------------

@transaction.atomic
def adjust_target(household: Household, *, year: int, hours: Decimal, reason: str, by,
                  now: datetime.datetime | None = None) -> TargetAdjustment:
    """Reduce (or waive: 0) a household's target for ``year``, with a confidential reason. A target is only
    lowered: at most the group's (or club's) target."""
    now = now or timezone.now()
    if not 2000 <= year <= 2100:
        raise ActionError(field_errors={"year": _("Give a year between 2000 and 2100.")})
    if not Household.objects.filter(pk=household.pk, left_on__isnull=True).exists():
        raise ActionError(field_errors={"household": _("This household has left %(the_group)s.")
                                        % words_for(household.group.club)})
    normal = group_target(household.group)
    if normal <= 0:
        raise ActionError(_("%(The_group)s has no target to reduce.") % words_for(household.group.club))
    if hours < 0 or hours > normal:
        raise ActionError(field_errors={"hours": _("A target is only reduced or waived: give between 0 and "
                                                   "%(hours)s hours.") % {"hours": format_quantity(normal)}})
    adjustment, _created = TargetAdjustment.objects.update_or_create(
        household=household, year=year,
        defaults={"hours": hours, "reason": reason.strip()[:200], "set_by": by, "set_at": now})
    return adjustment


@transaction.atomic
def clear_adjustment(household: Household, *, year: int) -> bool:
    """The household's target for ``year`` is its group's again. Whether there was an adjustment."""
    deleted, _rows = TargetAdjustment.objects.filter(household=household, year=year).delete()
    return bool(deleted)
