"""The ledger's invariants, checked against the database (what `cabas ledger-check` runs)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Max, Sum

from .models import Entry, Invoice, LedgerTransaction


@dataclass(frozen=True)
class Problem:
    rule: str
    ids: tuple

    def __str__(self) -> str:
        shown = ", ".join(str(i) for i in self.ids[:20]) + (" …" if len(self.ids) > 20 else "")
        return f"{self.rule}: {shown}"


def _gaps(numbers_by_club: dict[int, list[int]]) -> list[tuple[int, int]]:
    """(club, missing number) for every hole in 1..max of each club's numbers (and duplicates)."""
    result = []
    for club, numbers in numbers_by_club.items():
        seen = set(numbers)
        result += [(club, n) for n in range(1, max(numbers) + 1) if n not in seen]
    return result


def check_ledger() -> list[Problem]:
    problems = []
    unbalanced = list(LedgerTransaction.objects.annotate(total=Sum("entries__cents"), lines=Count("entries"))
                      .exclude(total=0).values_list("pk", flat=True))
    empty = list(LedgerTransaction.objects.annotate(lines=Count("entries")).filter(lines=0).values_list("pk", flat=True))
    if unbalanced or empty:
        problems.append(Problem("transactions not balanced or without entries", tuple(sorted(set(unbalanced) | set(empty)))))
    orphans = list(Entry.objects.filter(transaction__isnull=True).values_list("pk", flat=True))
    if orphans:
        problems.append(Problem("entries without a transaction", tuple(orphans)))
    foreign = list(Entry.objects.exclude(account__club_id=F("transaction__club_id")).values_list("pk", flat=True))
    if foreign:
        problems.append(Problem("entries on an account of another club", tuple(foreign)))
    # Balances: the database's sums against the entries added one by one.
    by_sql = dict(Entry.objects.values("account_id").annotate(t=Sum("cents")).values_list("account_id", "t"))
    by_hand: dict[int, int] = defaultdict(int)
    for account_id, amount in Entry.objects.values_list("account_id", "cents").iterator(chunk_size=5000):
        by_hand[account_id] += amount
    wrong = [a for a in set(by_sql) | set(by_hand) if by_sql.get(a, 0) != by_hand.get(a, 0)]
    if wrong:
        problems.append(Problem("accounts whose balance is not the sum of their entries", tuple(sorted(wrong))))
    # A reversal is its original negated, account by account.
    originals = dict(LedgerTransaction.objects.filter(reverses__isnull=False).values_list("pk", "reverses_id"))
    sums: dict[tuple[int, int], int] = defaultdict(int)
    for tx, account, amount in Entry.objects.filter(transaction_id__in=[*originals, *originals.values()]).values_list(
            "transaction_id", "account_id", "cents"):
        sums[(tx, account)] += amount
    bad_reversals = [r for r, o in originals.items()
                     if {a: -t for (tx, a), t in sums.items() if tx == o} != {a: t for (tx, a), t in sums.items() if tx == r}]
    if bad_reversals:
        problems.append(Problem("reversals that are not their original negated", tuple(sorted(bad_reversals))))
    for model, rule in ((Invoice, "invoice numbers missing (club, number)"), (LedgerTransaction, "transaction numbers missing (club, number)")):
        numbers: dict[int, list[int]] = defaultdict(list)
        for club, number in model.objects.values_list("club_id", "number"):
            numbers[club].append(number)
        gaps = _gaps(numbers)
        if gaps:
            problems.append(Problem(rule, tuple(gaps)))
    return problems


def summary() -> dict:
    return {
        "transactions": LedgerTransaction.objects.count(), "entries": Entry.objects.count(),
        "invoices": Invoice.objects.aggregate(n=Count("pk"), last=Max("number")),
    }
