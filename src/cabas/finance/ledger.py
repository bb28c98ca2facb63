"""The double-entry rules, as plain Python (no Django import).

A transaction is a list of lines, each an account and an amount in euros to the cent: positive is a
debit, negative a credit. Every transaction sums to zero and has no zero line; nothing is ever
changed afterwards: a correction is a new transaction, a reversal the same lines negated. An
account's balance is the sum of its lines (a household's positive balance is what it owes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class LedgerError(ValueError):
    pass


@dataclass(frozen=True)
class Line:
    account: Hashable
    amount: Decimal  # debit > 0, credit < 0


def check(lines: Iterable[Line]) -> list[Line]:
    """The lines, if they make a valid transaction; LedgerError otherwise."""
    lines = list(lines)
    if not lines:
        raise LedgerError("a transaction needs lines")
    for line in lines:
        if not isinstance(line.amount, Decimal):
            raise LedgerError(f"amounts are Decimal, not {type(line.amount).__name__}")
        if not line.amount.is_finite() or line.amount != line.amount.quantize(CENT):
            raise LedgerError(f"{line.amount} is not an amount to the cent")
        if line.amount == 0:
            raise LedgerError("a line of 0 means nothing")
    total = sum((line.amount for line in lines), ZERO)
    if total != 0:
        raise LedgerError(f"the transaction is not balanced (it sums to {total})")
    return lines


def merged(lines: Iterable[Line]) -> list[Line]:
    """One line per account (in first-seen order), zero sums dropped."""
    sums: dict[Hashable, Decimal] = {}
    for line in lines:
        sums[line.account] = sums.get(line.account, ZERO) + line.amount
    return [Line(account, amount) for account, amount in sums.items() if amount]


def reversal(lines: Iterable[Line]) -> list[Line]:
    return [Line(line.account, -line.amount) for line in lines]


def difference(posted: Mapping[Hashable, Decimal], target: Mapping[Hashable, Decimal]) -> list[Line]:
    """The lines that bring what was posted to the target (an adjustment), balanced if both are."""
    accounts = list(dict.fromkeys([*posted, *target]))
    return [Line(a, target.get(a, ZERO) - posted.get(a, ZERO)) for a in accounts if target.get(a, ZERO) != posted.get(a, ZERO)]


def balances(transactions: Iterable[Iterable[Line]]) -> dict[Hashable, Decimal]:
    result: dict[Hashable, Decimal] = defaultdict(lambda: ZERO)
    for lines in transactions:
        for line in lines:
            result[line.account] += line.amount
    return dict(result)
