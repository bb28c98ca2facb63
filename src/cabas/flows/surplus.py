"""Sell part of a depot's surplus to a member present: the disposition is recorded (distribution) and its price
posted to the ledger (finance), in one transaction.

The buyer — a household of the club — is debited the cycle's price (offer's unit price × quantity, to the cent).
The seller's side: for a pack or delivery surplus the producer is credited (it is paid for what is sold); for a
no-show's goods the absent household is credited (it paid for them at the closing, and gets back what they
fetched). Each sale is posted once under its own key (``surplus-sale:<disposition id>``)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.errors import ActionError
from cabas.core.formatting import format_quantity
from cabas.core.money import line_amount
from cabas.distribution.models import Distribution, DispositionKind, SurplusDisposition, SurplusSource
from cabas.distribution.pickup import lock_distribution
from cabas.distribution.surplus import add_disposition, checked_quantity, lock_surplus_item
from cabas.finance.accounts import household_accounts, post, producer_accounts
from cabas.finance.models import Journal
from cabas.members.models import Household


def sale_key(disposition_id: int) -> str:
    return f"surplus-sale:{disposition_id}"


def sell_surplus(
    distribution: Distribution, key: str, *, household_id: int | None, quantity: object, by_user=None,
    now: datetime.datetime | None = None,
) -> SurplusDisposition:
    """Record the sale of ``quantity`` (whole steps, no more than is left) of the surplus item ``key`` to the
    household ``household_id`` and post it; refused as a whole with a French message otherwise."""
    now = now or timezone.now()
    with transaction.atomic():
        distribution = lock_distribution(distribution.pk)
        item, available = lock_surplus_item(distribution, key)
        value = checked_quantity(quantity, item, available)
        club = distribution.group.club
        buyer = Household.objects.filter(pk=household_id, group__club_id=club.pk).first() if household_id else None
        if buyer is None:
            raise ActionError(field_errors={"household": _("Choose the household that buys it.")})
        seller_household = item.uncollected.household_id if item.source == SurplusSource.UNCOLLECTED else None
        if seller_household == buyer.pk:
            raise ActionError(field_errors={"household": _(
                "These are this household's own goods: record them as collected on the pickup sheet.")})
        offer = item.offer
        amount = line_amount(value, offer.unit_price)
        disposition = add_disposition(item, DispositionKind.SOLD, value, by_user=by_user, now=now, buyer=buyer, amount=amount)
        if amount:
            if seller_household is not None:
                accounts = household_accounts(club, [buyer.pk, seller_household])
                seller = accounts[seller_household]
            else:
                accounts = household_accounts(club, [buyer.pk])
                seller = producer_accounts(club, [offer.producer_id])[offer.producer_id]
            disposition.ledger_key = sale_key(disposition.pk)
            post(club, [(accounts[buyer.pk], amount), (seller, -amount)], journal=Journal.SALES,
                 label=_("Surplus sold: %(quantity)s %(offer)s to %(household)s") % {
                     "quantity": format_quantity(value), "offer": offer.name, "household": buyer.name},
                 date=timezone.localdate(now), key=disposition.ledger_key, piece=f"S{disposition.pk}", by_user=by_user)
            SurplusDisposition.objects.filter(pk=disposition.pk).update(ledger_key=disposition.ledger_key)
        return disposition
