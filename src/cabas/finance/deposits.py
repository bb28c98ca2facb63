"""Deposits on returnable containers in the ledger: each household is charged, at the closing (and again at
reception, by difference), the deposit of the containers it receives, against the club's account of deposits
held (419600); the containers it brings back to its depot are refunded the same way, one posting per count
saved. The arithmetic is in ``ordering/deposits.py``."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.utils.translation import gettext as _

from cabas.ordering import deposits
from cabas.ordering.containers import charged_lines

from .accounts import club_account, household_accounts, post_to_target
from .models import Account, AccountKind, Journal, LedgerTransaction


def deposits_key(cycle_id: int) -> str:
    return f"deposits:{cycle_id}"


def returns_key(distribution_id: int) -> str:
    return f"deposit-returns:{distribution_id}"


def _target(club, per_household: Mapping[int, Decimal], sign: int) -> dict[int, Decimal]:
    """Account id -> balance: each household ``sign`` × its amount, the deposits account the opposite of their sum
    (two queries, three more the first time the club's deposits account is needed; none without amounts)."""
    if not per_household:
        return {}
    accounts = dict(Account.objects.filter(household_id__in=list(per_household)).values_list("household_id", "pk"))
    missing = set(per_household) - set(accounts)
    if missing:
        accounts.update({h: a.pk for h, a in household_accounts(club, missing).items()})
    held = club_account(club, AccountKind.DEPOSITS)
    target = {accounts[h]: sign * amount for h, amount in per_household.items()}
    target[held.pk] = -sign * sum(per_household.values(), Decimal("0.00"))
    return target


def post_cycle_deposits(cycle, *, date: datetime.date, by_user=None) -> LedgerTransaction | None:
    """Charge each household of the cycle the deposit of the containers its allocations come in (the offers'
    frozen containers and deposits): the closing posts it whole, reception the difference, and a call that
    changes nothing posts nothing (two queries then, whatever the cycle's size)."""
    charges = deposits.charges(charged_lines(cycle_id=cycle.pk))
    names = {"cycle": cycle.name}
    return post_to_target(
        cycle.club, deposits_key(cycle.pk), _target(cycle.club, charges, 1),
        labels=(_("Container deposits, %(cycle)s") % names, _("Container deposits adjusted at reception, %(cycle)s") % names),
        piece=f"C{cycle.pk}", date=date, by_user=by_user,
    )


def post_container_returns(distribution, refunds: Mapping[int, Decimal], *, date: datetime.date,
                           by_user=None) -> LedgerTransaction | None:
    """Refund the households the deposits of the containers counted back at a distribution (household id ->
    total refund there): the first count posts it whole, a correction the difference, the same count again
    nothing."""
    club = distribution.cycle.club
    names = {"group": distribution.group.name, "cycle": distribution.cycle.name}
    return post_to_target(
        club, returns_key(distribution.pk), _target(club, refunds, -1),
        labels=(_("Containers returned, %(group)s, %(cycle)s") % names,
                _("Containers returned (corrected count), %(group)s, %(cycle)s") % names),
        piece=f"C{distribution.cycle_id}", date=date, by_user=by_user, first_journal=Journal.MISC,
    )
