"""Producers' yearly membership fee, where the club asks one (``Club.producer_fee``): posted once a year to each
producer's account (401, debited: the club pays the producer that much less) against the club's fees (756),
like households' fees. Posting is idempotent per producer and year: the transaction is keyed
``producer-fee:<producer>:<year>``; a fee cancelled by a reversal (the treasurer's mistake) may be posted again,
under ``producer-fee:<producer>:<year>:<n>``.

A constant number of queries to read; posting costs a few statements per producer posted (a treasurer's
action once a year)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Producer
from cabas.core.errors import ActionError
from cabas.members.models import Club

from .accounts import club_account, post, producer_accounts
from .models import AccountKind, Entry, Journal, LedgerTransaction, from_cents

PREFIX = "producer-fee"


def fee_key(producer_id: int, year: int) -> str:
    return f"{PREFIX}:{producer_id}:{year}"


def years_offered(today: datetime.date) -> list[int]:
    """The years a treasurer may post: this one, and the last (a fee forgotten at the turn of the year)."""
    return [today.year, today.year - 1]


@dataclass(frozen=True)
class PostedFee:
    producer_id: int
    year: int
    amount: Decimal
    date: datetime.date
    transaction_id: int


def _key_filter(year: int, producer_ids) -> Q:
    keys = Q()
    for pk in producer_ids:
        keys |= Q(key=fee_key(pk, year)) | Q(key__startswith=fee_key(pk, year) + ":")
    return keys


def _parse(key: str) -> tuple[int, int] | None:
    parts = key.split(":")
    if len(parts) < 3 or parts[0] != PREFIX:
        return None
    try:
        return int(parts[1]), int(parts[2])
    except ValueError:
        return None


def posted_fees(club: Club, year: int) -> dict[int, PostedFee]:
    """The fees of ``year`` standing in the ledger (not reversed), by producer. One query."""
    found = {}
    rows = (Entry.objects.filter(transaction__club=club, account__producer__isnull=False,
                                 transaction__reversed_by__isnull=True)
            .filter(transaction__key__startswith=f"{PREFIX}:")
            .values_list("transaction__key", "transaction_id", "transaction__date", "cents", "account__producer_id"))
    for key, transaction_id, date, cents, producer_id in rows:
        parsed = _parse(key)
        if parsed is None or parsed[1] != year or parsed[0] != producer_id:
            continue
        found[producer_id] = PostedFee(producer_id, year, from_cents(cents), date, transaction_id)
    return found


def fees_of_producer(club_id: int, producer_id: int) -> list[PostedFee]:
    """A producer's fees standing in the ledger, every year, oldest first (for its statement). One query."""
    rows = (Entry.objects.filter(transaction__club_id=club_id, account__producer_id=producer_id,
                                 transaction__reversed_by__isnull=True, transaction__key__startswith=f"{PREFIX}:")
            .values_list("transaction__key", "transaction_id", "transaction__date", "cents")
            .order_by("transaction__date", "transaction__number"))
    fees = []
    for key, transaction_id, date, cents in rows:
        parsed = _parse(key)
        if parsed is not None and parsed[0] == producer_id:
            fees.append(PostedFee(producer_id, parsed[1], from_cents(cents), date, transaction_id))
    return fees


@transaction.atomic
def post_producer_fees(*, club: Club, year: int, producer_ids, by_user=None,
                       today: datetime.date | None = None) -> list[PostedFee]:
    """Post the year's fee to each producer of ``producer_ids`` (of the club) that has none standing for that
    year; the others are left as they are (posting twice posts nothing the second time). Returns what was
    posted."""
    today = today or timezone.localdate()
    club = Club.objects.select_for_update().get(pk=club.pk)  # one posting of the club's fees at a time
    amount = club.producer_fee
    if amount is None or amount <= 0:
        raise ActionError(_("The club asks its producers no membership fee: set the amount first."))
    if year not in years_offered(today):
        raise ActionError(_("Fees are posted for this year or the last."))
    wanted = set(producer_ids)
    producers = {p.pk: p for p in Producer.objects.filter(club=club, pk__in=wanted)}
    if not producers:
        raise ActionError(_("Choose the producers whose fee to post."))
    if len(producers) != len(wanted):
        raise ActionError(_("These producers are not all the club's."))
    standing = posted_fees(club, year)
    missing = [p for pk, p in sorted(producers.items(), key=lambda i: i[1].name) if pk not in standing]
    if not missing:
        return []
    accounts = producer_accounts(club, [p.pk for p in missing])
    fees = club_account(club, AccountKind.FEES)
    used_keys = set(LedgerTransaction.objects.filter(club=club).filter(_key_filter(year, [p.pk for p in missing]))
                    .values_list("key", flat=True))
    date = today if year == today.year else datetime.date(year, 12, 31)
    posted = []
    for producer in missing:
        key, n = fee_key(producer.pk, year), 1
        while key in used_keys:  # a fee of this year reversed before: the next key
            n += 1
            key = f"{fee_key(producer.pk, year)}:{n}"
        record = post(club, [(accounts[producer.pk], amount), (fees, -amount)], journal=Journal.MISC,
                      label=_("Producer's membership fee %(year)s, %(producer)s") % {"year": year, "producer": producer.name},
                      date=date, key=key, piece=f"PF{year}", by_user=by_user)
        posted.append(PostedFee(producer.pk, year, amount, date, record.pk))
    return posted
