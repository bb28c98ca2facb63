"""Subscriptions' baskets in the ledger: the instalments the households are called for, and the baskets the closings
bill against them.

A subscription's baskets are paid by its instalments, not by each closing. On its due date an instalment is posted
(``post_instalment``): the household's account debited, the club's account 419100 « Abonnements : acomptes reçus »
credited. At each closing, the part of a household's goods that its subscriptions committed (the committed
quantities of its order lines, ``committed_amounts``) is billed to 419100 instead of the household's account; the
producer is credited for the whole, as before. Over a season, what the instalments called and what the closings
billed to 419100 for the subscription meet; what is left (a basket not delivered, a price corrected at reception) is
settled once the season's cycles are closed (``docs/subscriptions.md``)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery, Sum

from cabas.core.money import line_amount
from cabas.members.models import Club
from cabas.ordering.models import Allocation, OrderLine

from .accounts import club_account, household_accounts, post
from .models import AccountKind, Entry, Journal, LedgerTransaction, from_cents

INSTALMENT_KEY = "subscription-instalment"
SETTLEMENT_KEY = "subscription-settlement"


def committed_amounts(*, cycle_ids: Iterable[int], household_ids: Iterable[int] | None = None,
                      product_ids: Iterable[int] | None = None) -> dict[tuple[int, int, int], Decimal]:
    """(cycle id, household id, product id) -> what the closing bills of the quantity a subscription committed: the
    household's whole allocation of the offer when it is no more than the committed quantity, otherwise the
    committed quantity at the offer's price (one query whatever the number of lines)."""
    allocation = Allocation.objects.filter(cycle_id=OuterRef("order__cycle_id"), household_id=OuterRef("order__household_id"),
                                           offer_id=OuterRef("offer_id"))
    lines = OrderLine.objects.filter(order__cycle_id__in=list(cycle_ids), committed__gt=0)
    if household_ids is not None:
        lines = lines.filter(order__household_id__in=list(household_ids))
    if product_ids is not None:
        lines = lines.filter(offer__product_id__in=list(product_ids))
    rows = lines.annotate(
        allocated=Subquery(allocation.values("quantity")[:1]), amount=Subquery(allocation.values("amount_incl_vat")[:1]),
    ).values_list("order__cycle_id", "order__household_id", "offer__product_id", "committed", "offer__unit_price",
                  "allocated", "amount")
    result = {}
    for cycle_id, household_id, product_id, committed, price, allocated, amount in rows:
        if not allocated or not amount:
            continue
        billed = amount if allocated <= committed else min(line_amount(committed, price), amount)
        result[(cycle_id, household_id, product_id)] = billed
    return result


def split_cycle_target(cycle, households: Mapping[int, Decimal]) -> tuple[dict[int, Decimal], Decimal]:
    """What each household is billed at the closing once its subscriptions' baskets are taken out (billed to the
    instalments' account), and the total taken out (one query)."""
    baskets: dict[int, Decimal] = defaultdict(Decimal)
    for (_cycle, household_id, _product), amount in committed_amounts(cycle_ids=[cycle.pk]).items():
        baskets[household_id] += amount
    own, advances = {}, Decimal("0.00")
    for household_id, amount in households.items():
        part = min(baskets.get(household_id, Decimal(0)), amount) if amount > 0 else Decimal(0)
        own[household_id] = amount - part
        advances += part
    return own, advances


def advances_account(club: Club):
    return club_account(club, AccountKind.ADVANCES)


def instalment_key(subscription_id: int, due_on: datetime.date) -> str:
    return f"{INSTALMENT_KEY}:{subscription_id}:{due_on.isoformat()}"


def settlement_key(subscription_id: int) -> str:
    return f"{SETTLEMENT_KEY}:{subscription_id}"


def posted_for_subscriptions(club: Club, subscription_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    """Subscription id -> {key: amount debited to the household} for its instalments and settlement posted so far
    (one query over the club's instalments)."""
    ids = set(subscription_ids)
    if not ids:
        return {}
    rows = (Entry.objects.filter(transaction__club=club, account__kind=AccountKind.HOUSEHOLD)
            .filter(Q(transaction__key__startswith=f"{INSTALMENT_KEY}:") | Q(transaction__key__startswith=f"{SETTLEMENT_KEY}:"))
            .values("transaction__key").annotate(total=Sum("cents")).order_by())
    result: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        key = row["transaction__key"]
        subscription_id = int(key.split(":")[1])
        if subscription_id in ids:
            result[subscription_id][key] = from_cents(row["total"])
    return result


def post_to_household(club: Club, *, household_id: int, amount: Decimal, key: str, label: str, date: datetime.date,
                      piece: str = "") -> LedgerTransaction | None:
    """Debit (or credit, when negative) a household against the instalments' account, once per key (a key already
    posted posts nothing). Runs inside the caller's transaction."""
    if not amount or LedgerTransaction.objects.filter(club=club, key=key).exists():
        return None
    household = household_accounts(club, [household_id])[household_id]
    return post(club, [(household, amount), (advances_account(club), -amount)], journal=Journal.SALES, label=label,
                date=date, key=key, piece=piece)
