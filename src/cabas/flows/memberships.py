"""Memberships that touch money or orders: approving an application (the household, its login and its first
year, whose fee is posted), starting or renewing a year (its fee posted to the household's account or paid
by the solidarity fund), and leaving a group (refused while an order is pending); applying to join, with its
e-mails. Each is one transaction."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.finance.services import post_membership_fee
from cabas.members import services as members
from cabas.members.models import Group, Household, Membership
from cabas.notifications.tasks import application_received, place_freed
from cabas.ordering.models import Order


@transaction.atomic
def approve_membership(*, group: Group, application_id: int, by_user=None, paid_by_fund: bool = False,
                       today: datetime.date | None = None) -> Household:
    """The group's coordinator accepts an application; the applicant chooses a password from an e-mail."""
    membership = members.approve(group=group, application_id=application_id, by_user=by_user,
                                 paid_by_fund=paid_by_fund, today=today)
    post_membership_fee(membership, by_user=by_user)
    return membership.household


@transaction.atomic
def start_membership(*, household: Household, group: Group, starts_on: datetime.date, paid_by_fund: bool = False,
                     by_user=None) -> Membership:
    """A year of membership from ``starts_on``, its fee posted."""
    membership = members.start_membership(household=household, group=group, starts_on=starts_on,
                                          paid_by_fund=paid_by_fund)
    post_membership_fee(membership, by_user=by_user)
    return membership


@transaction.atomic
def renew_membership(*, household: Household, by_user=None, paid_by_fund: bool = False,
                     today: datetime.date | None = None) -> Membership:
    """The next year, from the day after the last one ends (or today if it has lapsed), its fee posted."""
    membership = members.renew(household=household, paid_by_fund=paid_by_fund, today=today)
    post_membership_fee(membership, by_user=by_user)
    return membership


@transaction.atomic
def leave_group(*, household: Household, reason: str = "", today: datetime.date | None = None) -> None:
    """The household leaves its group, its history kept; refused while it has an order in a cycle still open
    or awaiting closing."""
    household = Household.objects.select_for_update().get(pk=household.pk)  # one leaving at a time
    if household.left_on is not None:
        return
    pending = Order.objects.filter(household=household, cycle__closed_at__isnull=True).select_related("cycle").first()
    if pending is not None:
        raise ActionError(_("The household has an order in %(cycle)s: remove it, or leave after that cycle closes.") % {
            "cycle": pending.cycle.name})
    members.leave(household=household, reason=reason, today=today)
    place_freed(household.group_id, household.pk)  # the first applicant waiting, if any, and the coordinators


@transaction.atomic
def apply_to_join(*, group: Group, data: dict, now: datetime.datetime | None = None) -> members.Applied:
    """A household asks to join ``group`` (see ``members.services.apply``); once it is recorded, the applicant
    gets an acknowledgement and the group's coordinators are told."""
    applied = members.apply(group=group, data=data, now=now)
    application_received(applied.application.pk)
    return applied
