"""The funds in a cycle: solidarity discounts paid by the solidarity fund, households' solidarity
contributions, and the guarantee fund's contributions; the projection before closing, the posting at
closing (and again at reception, by difference), the record of a scaling and telling the households
concerned. The rules are in the pure ``solidarity.py``."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.formatting import format_money
from cabas.core.mail import queue_email
from cabas.members.models import Household, User

from . import solidarity
from .accounts import club_account, locked_fund_accounts, party_accounts, post_to_target, settings_for
from .models import AccountKind, ContributionMode, CycleFunds, Entry, FundShare, Journal, from_cents

ZERO = Decimal("0.00")


def funds_key(cycle_id: int) -> str:
    return f"funds:{cycle_id}"


def _held_before(cycle_id: int, *account_ids: int) -> list[Decimal]:
    """What each fund account holds, leaving out what this cycle already took or gave (one query). A fund may hold
    less than nothing here when money this cycle brought in has been paid out since."""
    prefix = funds_key(cycle_id)
    entries = Entry.objects.filter(account_id__in=account_ids).exclude(
        Q(transaction__key=prefix) | Q(transaction__key__startswith=prefix + ":"))
    totals = entries.aggregate(**{f"a{pk}": Sum("cents", filter=Q(account_id=pk)) for pk in account_ids})
    return [-from_cents(totals[f"a{pk}"]) for pk in account_ids]


def _fund_before(club, account_id: int, cycle_id: int) -> Decimal:
    """What the solidarity fund holds, leaving out what this cycle already took or gave (one query)."""
    return max(_held_before(cycle_id, account_id)[0], ZERO)


def plan_for(cycle, amounts: Mapping[int, Decimal], *, fund: Decimal) -> tuple[solidarity.Plan, dict]:
    """The solidarity plan and the guarantee contributions for households' amounts at full price (two
    queries: the money settings, and the tariffs and pledges of the club's households)."""
    club_settings = settings_for(cycle.club)
    terms = {h: (rate, mode, percent) for h, rate, mode, percent in Household.objects.filter(
        Q(tariff__isnull=False) | Q(solidarity_pledge__isnull=False), group__club_id=cycle.club_id,
    ).values_list("pk", "tariff__category__discount_rate", "solidarity_pledge__mode", "solidarity_pledge__percent")}
    orders = []
    for household, amount in amounts.items():
        rate, mode, percent = terms.get(household, (None, None, None))
        orders.append(solidarity.HouseholdOrder(
            household, amount, rate or ZERO,
            contribution_percent=percent if mode == ContributionMode.PERCENT else ZERO,
            round_up=mode == ContributionMode.ROUND_UP,
        ))
    result = solidarity.plan(orders, fund=fund)
    guarantee = solidarity.guarantee_contributions(
        amounts, percent=club_settings.guarantee_percent, fixed=club_settings.guarantee_per_cycle,
    )
    return result, guarantee


def project(cycle, amounts: Mapping[int, Decimal]) -> tuple[solidarity.Plan, dict, Decimal]:
    """Before closing: what the cycle's discounts would cost the fund as the orders stand."""
    account = club_account(cycle.club, AccountKind.SOLIDARITY)
    fund = _fund_before(cycle.club, account.pk, cycle.pk)
    result, guarantee = plan_for(cycle, amounts, fund=fund)
    return result, guarantee, fund


def post_cycle_funds(cycle, amounts: Mapping[int, Decimal], household_accounts: Mapping[int, int], *,
                     date: datetime.date, by_user=None):
    """Post the cycle's discounts and contributions (by difference with what was posted before), record
    them per household and for the cycle, and tell the households whose discount had to be scaled down.
    Runs inside the closing's (or the reception's) transaction."""
    club = cycle.club
    # One closing, reception or payout at a time against the funds, so they never go negative.
    solidarity_account, guarantee_account = locked_fund_accounts(club)
    solidarity_before, guarantee_before = _held_before(cycle.pk, solidarity_account.pk, guarantee_account.pk)
    fund = max(solidarity_before, ZERO)
    result, guarantee = plan_for(cycle, amounts, fund=fund)
    if guarantee_before + sum(guarantee.values(), ZERO) < 0:
        # Reception lowered this cycle's contributions, but the guarantee fund has paid out what they brought in:
        # what was paid out is not given back, the contributions stay as they were posted.
        guarantee = {h: g for h, g in FundShare.objects.filter(cycle=cycle).values_list("household_id", "guarantee") if g}
        missing = [h for h in guarantee if h not in household_accounts]  # a household that now receives nothing
        if missing:
            household_accounts = {**household_accounts, **{h: a.pk for h, a in party_accounts(
                club, AccountKind.HOUSEHOLD, missing).items()}}
    target: dict[int, Decimal] = {}
    households = set(result.discounts) | set(result.contributions) | set(guarantee)
    for h in households:
        net = result.contributions.get(h, ZERO) + guarantee.get(h, ZERO) - result.discounts.get(h, ZERO)
        if net:
            target[household_accounts[h]] = net
    target[solidarity_account.pk] = result.total_discounts - result.total_contributions
    target[guarantee_account.pk] = -sum(guarantee.values(), ZERO)
    names = {"cycle": cycle.name}
    post_to_target(
        club, funds_key(cycle.pk), target,
        labels=(_("Solidarity and guarantee funds, %(cycle)s") % names, _("Funds adjustment, %(cycle)s") % names),
        piece=f"C{cycle.pk}", date=date, by_user=by_user, first_journal=Journal.MISC,
    )
    scaled = {h for h, d in result.discounts.items() if d < result.wanted[h]}
    if scaled:  # tell only those whose discount changed since the last computation
        previous = dict(FundShare.objects.filter(cycle=cycle, household_id__in=scaled).values_list("household_id", "discount"))
        scaled = {h for h in scaled if previous.get(h) != result.discounts[h]}
    FundShare.objects.filter(cycle=cycle).delete()
    FundShare.objects.bulk_create(
        FundShare(cycle=cycle, household_id=h, discount_rate=result.rates.get(h, ZERO), wanted=result.wanted.get(h, ZERO),
                  discount=result.discounts.get(h, ZERO), contribution=result.contributions.get(h, ZERO),
                  guarantee=guarantee.get(h, ZERO))
        for h in sorted(households)
    )
    fields = {
        "fund_before": fund, "wanted": sum(result.wanted.values(), ZERO), "discounts": result.total_discounts,
        "contributions": result.total_contributions, "guarantee": sum(guarantee.values(), ZERO),
        "factor": min(result.factor, Decimal(1)).quantize(Decimal("0.000001"), rounding=ROUND_DOWN),
        "households_helped": sum(1 for d in result.discounts.values() if d), "computed_at": timezone.now(),
    }
    CycleFunds.objects.bulk_create([CycleFunds(cycle=cycle, **fields)], update_conflicts=True, unique_fields=["cycle"],
                                   update_fields=list(fields))
    if scaled:
        tell_scaled(cycle, {h: (result.wanted[h], result.discounts[h]) for h in scaled})
    return result


def tell_scaled(cycle, discounts: Mapping[int, tuple[Decimal, Decimal]]) -> int:
    """E-mail the members of each household whose solidarity discount was scaled down (one query), through the
    task queue: sent once the closing commits, and a mail failure never undoes the closing. Each member is
    told only their own household's discount."""
    queued = 0
    for email, household_id in User.objects.filter(household_id__in=list(discounts), is_active=True).values_list(
            "email", "household_id"):
        wanted, given = discounts[household_id]
        queue_email(
            _("Your solidarity discount for %(cycle)s") % {"cycle": cycle.name},
            _("Hello,\n\nThe solidarity fund could not cover every discount of %(cycle)s in full this time: "
              "every household on a solidarity tariff receives the same share of its discount. Yours is "
              "%(given)s instead of %(wanted)s. The producers are paid in full.\n\nThe coordination team") % {
                "cycle": cycle.name, "given": format_money(given), "wanted": format_money(wanted)},
            [email])
        queued += 1
    return queued
