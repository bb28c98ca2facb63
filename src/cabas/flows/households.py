"""A person leaves their household (``members.households.leave``): their account stays, without household;
their coming shifts for the household are taken off (``volunteering.services.drop_coming_signups``). One
transaction."""

from __future__ import annotations

import datetime

from django.db import transaction

from cabas.members import households
from cabas.members.models import Household
from cabas.volunteering.services import drop_coming_signups


@transaction.atomic
def leave_household(*, user, now: datetime.datetime | None = None) -> Household:
    household = households.leave(user=user)
    drop_coming_signups(user.pk, household.pk, now=now)
    return household
