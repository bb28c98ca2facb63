"""The demo's households and producers' fees: the club asks its producers a yearly fee, posted for this year to
each producer's account (it shows on the treasurer's page of producers' fees and on the producers' statements),
and a featured household has invited a second person, whose invitation waits on « Mon foyer »."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.utils import timezone

from cabas.catalog.models import Producer
from cabas.finance.producer_fees import post_producer_fees
from cabas.members.models import Club, Household, HouseholdInvitation, User
from cabas.members.services import set_producer_fee

PRODUCER_FEE = Decimal("20.00")
INVITED = ("Jeanne", "jeanne.invitee@example.org")


def seed_households(*, club: Club, featured: list[Household], coordinator, today: datetime.date) -> None:
    set_producer_fee(club=club, amount=PRODUCER_FEE)
    post_producer_fees(club=club, year=today.year, producer_ids=list(Producer.objects.filter(club=club).values_list("pk", flat=True)),
                       by_user=coordinator, today=today)
    household = featured[0]
    inviter = User.objects.filter(household=household).order_by("pk").first()
    now = timezone.now()
    HouseholdInvitation.objects.create(  # no e-mail: the demo's addresses receive none
        household=household, invited_by=inviter, first_name=INVITED[0], email=INVITED[1], key=secrets.token_urlsafe(24),
        created_at=now - datetime.timedelta(days=1), expires_at=now + datetime.timedelta(days=6))


def delete_households(club: Club) -> None:
    """The demo's invitations (the fees go with the club's ledger, ``finance.services.delete_money``)."""
    HouseholdInvitation.objects.filter(household__group__club=club).delete()
