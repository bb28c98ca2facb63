"""The ledger's accounts and how entries are written: the club's, households' and producers' accounts (created
when missing, in bulk), gapless numbers, one balanced posting, and posting towards a target by difference.
Everything in finance that writes entries goes through ``post``; the rules themselves are in ``ledger.py``."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db import connection
from django.db.models import Q, Sum

from cabas.catalog.models import Producer
from cabas.core.bulk import insert_rows
from cabas.distribution.models import ProducerSheet
from cabas.members.models import Club, Household
from cabas.ordering.models import OrderSummary

from . import ledger
from .models import (
    CLUB_ACCOUNTS, HOUSEHOLD_CODE, PRODUCER_CODE, Account, AccountKind, Entry, FinanceSettings, Journal,
    LedgerTransaction, Sequence, from_cents, to_cents,
)

FUNDS = (AccountKind.SOLIDARITY, AccountKind.GUARANTEE)

# --- accounts ---------------------------------------------------------------------------------------


def settings_for(club: Club) -> FinanceSettings:
    found = FinanceSettings.objects.filter(club=club).first()
    return found or FinanceSettings(club=club, legal_name=club.name)


def locked_fund_accounts(club: Club) -> tuple[Account, Account]:
    """The solidarity and guarantee fund accounts, created if missing, locked until the transaction ends
    (two queries): whatever takes from a fund takes this lock first."""
    Account.objects.bulk_create(
        [Account(club=club, kind=kind, code=CLUB_ACCOUNTS[kind][0], name=CLUB_ACCOUNTS[kind][1]) for kind in FUNDS],
        ignore_conflicts=True,
    )
    codes = [CLUB_ACCOUNTS[kind][0] for kind in FUNDS]
    found = {a.kind: a for a in Account.objects.select_for_update().filter(club=club, code__in=codes, auxiliary="")}
    return found[AccountKind.SOLIDARITY], found[AccountKind.GUARANTEE]


def club_account(club: Club, kind: str) -> Account:
    code, name = CLUB_ACCOUNTS[kind]
    account, _created = Account.objects.get_or_create(club=club, code=code, auxiliary="", defaults={"kind": kind, "name": name})
    return account


PARTY_ACCOUNTS = {  # kind: (owner model, owner field, general account, auxiliary prefix)
    AccountKind.HOUSEHOLD: (Household, "household_id", HOUSEHOLD_CODE, "H"),
    AccountKind.PRODUCER: (Producer, "producer_id", PRODUCER_CODE, "P"),
}


def party_accounts(club: Club, kind: str, owner_ids: Iterable[int]) -> dict[int, Account]:
    """The accounts of households or producers (by id), created for those that have none (three queries
    whatever their number)."""
    model, field, code, prefix = PARTY_ACCOUNTS[kind]
    wanted = set(owner_ids)
    Account.objects.bulk_create(
        (Account(club=club, kind=kind, code=code, auxiliary=f"{prefix}{pk:06d}", name=name, **{field: pk})
         for pk, name in model.objects.filter(pk__in=wanted).values_list("pk", "name")),
        ignore_conflicts=True,
    )
    return {getattr(a, field): a for a in Account.objects.filter(**{f"{field}__in": wanted})}


def household_accounts(club: Club, household_ids: Iterable[int]) -> dict[int, Account]:
    return party_accounts(club, AccountKind.HOUSEHOLD, household_ids)


def producer_accounts(club: Club, producer_ids: Iterable[int]) -> dict[int, Account]:
    return party_accounts(club, AccountKind.PRODUCER, producer_ids)


def cycle_accounts(cycle) -> tuple[dict[int, int], dict[int, int]]:
    """Account ids of every household and producer the cycle's closing documents name (its household
    summaries and producer sheets), the missing ones created by one INSERT … SELECT each (four statements,
    whatever the number of households)."""
    pad = "lpad({}::text, 6, '0')" if connection.vendor == "postgresql" else "printf('%%06d', {})"
    account = Account._meta.db_table
    for kind, code, prefix, table, column, source in (
        (AccountKind.HOUSEHOLD, HOUSEHOLD_CODE, "H", Household._meta.db_table, "household_id",
         f"SELECT household_id FROM {OrderSummary._meta.db_table} WHERE cycle_id = %s"),
        (AccountKind.PRODUCER, PRODUCER_CODE, "P", Producer._meta.db_table, "producer_id",
         f"SELECT producer_id FROM {ProducerSheet._meta.db_table} WHERE cycle_id = %s"),
    ):
        other = "producer_id" if column == "household_id" else "household_id"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {account} (club_id, kind, code, auxiliary, name, {column}, {other}) "
                f"SELECT %s, %s, %s, %s || {pad.format('t.id')}, t.name, t.id, NULL FROM {table} t "
                f"WHERE t.id IN ({source}) AND NOT EXISTS (SELECT 1 FROM {account} a WHERE a.{column} = t.id)",
                [cycle.club_id, kind, code, prefix, cycle.pk],
            )
    households = dict(Account.objects.filter(household__order_summaries__cycle=cycle).values_list("household_id", "pk"))
    producers = dict(Account.objects.filter(producer__sheets__cycle=cycle).values_list("producer_id", "pk"))
    return households, producers


def next_number(club: Club, name: str, count: int = 1) -> int:
    """The first of ``count`` consecutive numbers of the club's sequence, under a row lock (gapless: the
    lock holds until the transaction commits, and a rollback gives the numbers back)."""
    Sequence.objects.bulk_create([Sequence(club=club, name=name)], ignore_conflicts=True)
    sequence = Sequence.objects.select_for_update().get(club=club, name=name)
    first = sequence.last + 1
    Sequence.objects.filter(pk=sequence.pk).update(last=sequence.last + count)
    return first


# --- posting ----------------------------------------------------------------------------------------


def post(
    club: Club, lines: Iterable[tuple[Account, Decimal]], *, journal: str, label: str, date: datetime.date,
    key: str | None = None, piece: str = "", reverses: LedgerTransaction | None = None, by_user=None,
) -> LedgerTransaction:
    """Write one balanced transaction (LedgerError if it is not). Must run inside the caller's transaction."""
    checked = ledger.check(ledger.Line(getattr(account, "pk", account), amount) for account, amount in lines)
    record = LedgerTransaction(
        club=club, number=next_number(club, "ledger"), journal=journal, date=date, label=label[:200], piece=piece[:40],
        key=key, reverses=reverses, created_by=by_user,
    )
    record.save(force_insert=True)
    insert_rows(Entry, ["transaction", "account", "cents", "currency"], ((record.pk, l.account, to_cents(l.amount), "EUR") for l in checked))
    return record


def cycle_key(cycle_id: int) -> str:
    return f"cycle:{cycle_id}"


def post_to_target(club: Club, prefix: str, target: Mapping[int, Decimal], *, labels: tuple[str, str], piece: str,
                   date: datetime.date, by_user=None, first_journal: str = Journal.SALES) -> LedgerTransaction | None:
    """Bring the entries posted under the key ``prefix`` (and its adjustments ``prefix:n``) to ``target``
    (account id -> balance): the first call posts it whole (``labels[0]``, in ``first_journal``), later calls post
    only the difference (``labels[1]``, miscellaneous journal), a call that changes nothing posts nothing."""
    posted_rows = (
        Entry.objects.filter(transaction__club=club).filter(Q(transaction__key=prefix) | Q(transaction__key__startswith=prefix + ":"))
        .values("account_id").annotate(total=Sum("cents")).order_by()
    )
    posted = {row["account_id"]: from_cents(row["total"]) for row in posted_rows}
    lines = ledger.difference(posted, {a: amount for a, amount in target.items() if amount})
    if not lines:
        return None
    first = not posted
    count = 0 if first else LedgerTransaction.objects.filter(club=club, key__startswith=prefix + ":").count()
    return post(
        club, [(l.account, l.amount) for l in lines], journal=first_journal if first else Journal.MISC,
        label=labels[0] if first else labels[1], date=date, key=prefix if first else f"{prefix}:{count + 1}",
        piece=piece, by_user=by_user,
    )
