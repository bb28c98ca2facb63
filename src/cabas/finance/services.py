"""Every movement of money, as one function in one transaction: posting a cycle, a payment, a reversal,
issuing invoices, importing a bank statement. Each posts balanced entries (ledger.py) and never changes
what was posted."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Container, Producer
from cabas.core.errors import ActionError
from cabas.core.formatting import format_money
from cabas.core.money import line_amount, vat_breakdown
from cabas.core.numbers import parse_decimal
from cabas.distribution.models import Distribution
from cabas.core.rows import Loader, fetch_one, table
from cabas.members.models import Club, Household
from cabas.ordering import deposits
from cabas.ordering.containers import charged_lines
from cabas.ordering.models import Allocation, OrderCycle, OrderLine, OrderSummary

from . import bank, ledger, references
from .accounts import (
    FUNDS, club_account, cycle_accounts, cycle_key, household_accounts, locked_fund_accounts, next_number, post,
    post_to_target, producer_accounts, settings_for,
)
from .funds import post_cycle_funds
from .subscriptions import advances_account, split_cycle_target
from .models import (
    CLUB_ACCOUNTS, Account, AccountKind, BankLine, BankLineStatus, BankStatement, CashCount, ContributionMode, CycleFunds, Entry, FinanceSettings,
    FundMovement, FundMovementKind, FundShare, HouseholdTariff, Invoice, InvoiceKind, Journal, LedgerTransaction, Payment,
    PaymentMethod, PaymentMode, Sequence, SolidarityPledge, TariffCategory, from_cents,
)

MAX_PAYMENT = Decimal("100000")


def post_cycle(cycle, households: Mapping[int, Decimal], producers: Mapping[int, Decimal], *, date: datetime.date, by_user=None):
    """Bring the ledger to what the cycle's allocation says: each household owes its total (less its subscriptions'
    baskets, billed to the instalments' account: ``subscriptions``), each producer is owed its total; then the cycle's solidarity discounts and fund contributions (``funds.post_cycle_funds``).
    The first call posts the closing; later calls (deliveries recorded at reception) post only the
    difference, as an adjustment; a call that changes nothing posts nothing."""
    club = cycle.club
    accounts_h, accounts_p = cycle_accounts(cycle)
    # a subscription's baskets were called by its instalments: billed to their account, not to the household again
    own, advances = split_cycle_target(cycle, households)
    target = {accounts_h[h]: amount for h, amount in own.items() if amount}
    if advances:
        target[advances_account(club).pk] = advances
    for p, amount in producers.items():
        if amount:
            target[accounts_p[p]] = target.get(accounts_p[p], Decimal(0)) - amount
    names = {"cycle": cycle.name}
    posted = post_to_target(
        club, cycle_key(cycle.pk), target, labels=(_("Closing of %(cycle)s") % names, _("Reception adjustment, %(cycle)s") % names),
        piece=f"C{cycle.pk}", date=date, by_user=by_user,
    )
    post_cycle_funds(cycle, households, accounts_h, date=date, by_user=by_user)
    return posted


def _amount(raw: object, field: str = "amount") -> Decimal:
    value = parse_decimal(raw, grouped=True) if not isinstance(raw, Decimal) else raw
    if value is None:
        raise ActionError(field_errors={field: _("Enter an amount, e.g. 25,50.")})
    if value <= 0:
        raise ActionError(field_errors={field: _("An amount must be more than 0.")})
    if value > MAX_PAYMENT or value != value.quantize(Decimal("0.01")):
        raise ActionError(field_errors={field: _("Enter an amount to the cent, below 100 000 €.")})
    return value


@transaction.atomic
def record_payment(
    *, club: Club, amount: object, method: str, date: datetime.date, household: Household | None = None,
    producer: Producer | None = None, cheque_number: str = "", note: str = "", by_user=None, bank_line: BankLine | None = None,
    payee: Producer | None = None, cash_on: datetime.date | None = None, distribution: Distribution | None = None,
) -> Payment:
    """Money received from a household (its account is credited) or paid to a producer (its account is
    debited), through the bank or the cash box. A household's cheque made out to a producer (``payee``,
    the AMAP habit) goes straight from the household's account to the producer's, without the bank: the
    household owes the club less and the club owes the producer less, by the same amount. A household may
    pay a producer who distributes itself that way too, in cash or by card at the depot. ``distribution``:
    the depot's distribution where the payment was taken."""
    value = _amount(amount)
    if method not in PaymentMethod.values:
        raise ActionError(field_errors={"method": _("Choose how it was paid.")})
    if (household is None) == (producer is None):
        raise ActionError(_("A payment comes from one household or goes to one producer."))
    party_club = household.group.club_id if household is not None else producer.club_id
    if party_club != club.pk or (payee is not None and payee.club_id != club.pk):
        raise ActionError(_("This household or producer belongs to another club."))
    if payee is not None and (household is None or (method != PaymentMethod.CHEQUE and not payee.distributes_itself)):
        raise ActionError(_("Only a household's cheque can be made out to a producer."))
    if payee is not None and method == PaymentMethod.TRANSFER:
        raise ActionError(_("A transfer reaches the club's bank: it cannot be paid to a producer directly."))
    if distribution is not None and distribution.cycle.club_id != club.pk:
        raise ActionError(_("This distribution belongs to another club."))
    money = club_account(club, AccountKind.CASH if method == PaymentMethod.CASH else AccountKind.BANK)
    if household is not None and payee is not None:
        party = household_accounts(club, [household.pk])[household.pk]
        lines = [(producer_accounts(club, [payee.pk])[payee.pk], value), (party, -value)]
        names = {"name": household.name, "producer": payee.name}
        label = (_("Cheque from %(name)s to %(producer)s") if method == PaymentMethod.CHEQUE
                 else _("Paid by %(name)s to %(producer)s at the depot")) % names
    elif household is not None:
        party = household_accounts(club, [household.pk])[household.pk]
        lines = [(money, value), (party, -value)]
        label = _("Payment from %(name)s") % {"name": household.name}
    else:
        party = producer_accounts(club, [producer.pk])[producer.pk]
        lines = [(party, value), (money, -value)]
        label = _("Payment to %(name)s") % {"name": producer.name}
    journal = Journal.MISC if payee is not None else (Journal.CASH if method == PaymentMethod.CASH else Journal.BANK)
    record = post(club, lines, journal=journal, label=label, date=date,
                  piece=(cheque_number or "")[:40], by_user=by_user)
    payment = Payment.objects.create(
        club=club, household=household, producer=producer, method=method, amount=value, date=date,
        cheque_number=cheque_number[:30], note=note[:200], transaction=record, created_by=by_user, payee=payee, cash_on=cash_on,
        distribution=distribution,
    )
    if bank_line is not None:
        BankLine.objects.filter(pk=bank_line.pk).update(payment=payment, status=BankLineStatus.MATCHED)
    return payment


@transaction.atomic
def reverse(*, transaction_id: int, club: Club, by_user=None, date: datetime.date | None = None) -> LedgerTransaction:
    """Cancel a transaction by posting its entries negated (once; a reversal itself is not reversed)."""
    original = LedgerTransaction.objects.select_for_update().filter(pk=transaction_id, club=club).first()
    if original is None:
        raise ActionError(_("This transaction does not exist in this club."))
    if original.reverses_id is not None:
        raise ActionError(_("A reversal cannot itself be reversed: post a new transaction."))
    if LedgerTransaction.objects.filter(reverses=original).exists():
        raise ActionError(_("This transaction has already been reversed."))
    if original.key and original.key.startswith("cycle:"):
        raise ActionError(_("A cycle's posting follows its allocation: record the deliveries instead."))
    entries = list(Entry.objects.filter(transaction=original).select_related("account"))
    return post(club, [(e.account, -e.amount) for e in entries], journal=original.journal,
                label=_("Reversal of %(label)s") % {"label": original.label}, date=date or timezone.localdate(),
                piece=original.piece, reverses=original, by_user=by_user)


# --- balances -----------------------------------------------------------------------------------------


def balances(club: Club) -> list[tuple[Account, Decimal]]:
    totals = dict(Entry.objects.filter(account__club=club).values("account_id").annotate(t=Sum("cents")).values_list("account_id", "t"))
    return [(a, from_cents(totals.get(a.pk))) for a in Account.objects.filter(club=club)]


def household_balance(household_id: int) -> Decimal:
    """What the household owes (positive) or has in credit (negative)."""
    return from_cents(Entry.objects.filter(account__household_id=household_id).aggregate(t=Sum("cents"))["t"])


def statement(household: Household) -> list[dict]:
    """The household's account, entry by entry with its running balance (as the member reads it: what it
    has in credit is positive)."""
    rows, running = [], Decimal("0.00")
    for entry in Entry.objects.filter(account__household=household).select_related("transaction").order_by("transaction__date", "transaction__number"):
        running -= entry.amount
        rows.append({"date": entry.transaction.date, "label": entry.transaction.label, "amount": -entry.amount, "balance": running})
    return rows


def open_orders_total(club_id: int, household_id: int) -> Decimal:
    """What the household has ordered in the club's cycles not yet closed (one query), its subscriptions' baskets
    left out: their instalments are on the account already."""
    rows = OrderLine.objects.filter(
        order__household_id=household_id, order__cycle__closed_at__isnull=True, order__cycle__club_id=club_id,
    ).values_list("quantity", "committed", "offer__unit_price")
    return sum((line_amount(q - c, p) for q, c, p in rows), Decimal("0.00"))


_SETTINGS = Loader(FinanceSettings, "f", fields=("id", "club", "payment_mode", "minimum_balance"))


def prepaid_room(club_id: int, household_id: int) -> Decimal | None:
    """In a prepaid club, what the household may still have on order (its credit above the club's
    minimum); None when the club's households pay at the distribution (one query then)."""
    club_settings = _SETTINGS.load(fetch_one(  # one plain statement: every save reads it (cabas.core.rows)
        f"SELECT {_SETTINGS.columns} FROM {table(FinanceSettings)} f WHERE f.club_id = %s", [club_id]) or (None,))
    if club_settings is None or club_settings.payment_mode != PaymentMode.PREPAID:
        return None
    return -household_balance(household_id) - club_settings.minimum_balance


def check_prepaid(*, club_id: int, household_id: int, room: Decimal | None, before: Decimal) -> None:
    """Refuse an order that raises the household's open orders above what its account holds."""
    if room is None:
        return
    after = open_orders_total(club_id, household_id)
    if after > before and after > room:
        raise ActionError(_("Your account holds %(room)s for your orders and they would come to %(total)s: "
                            "top up your account or order less.") % {
            "room": format_money(max(room, Decimal(0))), "total": format_money(after)})


# --- invoices -------------------------------------------------------------------------------------------


def _invoice_lines(cycle, household_ids) -> dict[int, list[dict]]:
    lines: dict[int, list[dict]] = defaultdict(list)
    for a in (Allocation.objects.filter(cycle=cycle, household_id__in=household_ids, quantity__gt=0)
              .select_related("offer__producer").order_by("household_id", "offer__producer__name", "offer__name")):
        lines[a.household_id].append({
            "name": a.offer.name, "producer": a.offer.producer.name, "quantity": str(a.quantity), "unit": a.offer.unit,
            "unit_price": str(a.offer.unit_price), "vat_rate": str(a.offer.vat_rate), "amount": str(a.amount_incl_vat),
        })
    return lines


def _fund_lines(cycle) -> dict[int, list[dict]]:
    """Per household, what the funds change in what it pays for the cycle (outside VAT)."""
    lines: dict[int, list[dict]] = {}
    for share in FundShare.objects.filter(cycle=cycle).order_by("household_id"):
        rows = []
        if share.discount:
            rows.append({"label": _("Solidarity discount, paid by the solidarity fund"), "amount": str(-share.discount)})
        if share.contribution:
            rows.append({"label": _("Solidarity contribution"), "amount": str(share.contribution)})
        if share.guarantee:
            rows.append({"label": _("Contribution to the guarantee fund"), "amount": str(share.guarantee)})
        if rows:
            lines[share.household_id] = rows
    return lines


def _deposit_lines(cycle) -> dict[int, list[dict]]:
    """Per household, the deposits of the containers it receives in the cycle, one line per container and deposit
    (outside VAT; two queries)."""
    counts: dict[tuple[int, int, Decimal], int] = defaultdict(int)
    for line in charged_lines(cycle_id=cycle.pk):
        counts[(line.household_id, line.container_id, line.deposit)] += deposits.containers(
            line.quantity, line.order_step, line.containers_per_step)
    names = dict(Container.objects.filter(pk__in={c for _h, c, _d in counts}).values_list("pk", "name"))
    lines: dict[int, list[dict]] = defaultdict(list)
    for (household_id, container_id, deposit), count in sorted(counts.items(), key=lambda i: (i[0][0], names[i[0][1]])):
        if count:
            lines[household_id].append({
                "label": _("Deposit: %(count)s × %(container)s at %(deposit)s") % {
                    "count": count, "container": names[container_id], "deposit": format_money(deposit)},
                "amount": str((count * deposit).quantize(Decimal("0.01"))), "kind": "deposit",
            })
    return lines


def _totals(lines: list[dict], sign: int = 1):
    per_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        per_rate[Decimal(line["vat_rate"])] += Decimal(line["amount"]) * sign
    breakdown = vat_breakdown(per_rate.items())
    return breakdown, [[str(r.rate), str(r.amount_excl_vat), str(r.vat), str(r.amount_incl_vat)] for r in breakdown.rows]


@transaction.atomic
def issue_invoices(cycle, *, date: datetime.date | None = None) -> int:
    """One invoice per household of a closed cycle, from its allocations; run again after deliveries
    changed amounts, it cancels each changed invoice by a credit note and issues a new one. Returns the
    number of documents issued (0 when nothing changed)."""
    cycle = OrderCycle.objects.select_for_update().select_related("club").get(pk=cycle.pk)
    if cycle.closed_at is None:
        raise ActionError(_("Invoices are issued once the cycle is closed."))
    date = date or timezone.localdate()
    club = cycle.club
    scheme = settings_for(club).reference_scheme
    totals = dict(OrderSummary.objects.filter(cycle=cycle).values_list("household_id", "amount_incl_vat"))
    fund_lines = _fund_lines(cycle)
    for household_id, rows in _deposit_lines(cycle).items():
        fund_lines[household_id] = [*fund_lines.get(household_id, []), *rows]
    current: dict[int, Invoice] = {}
    for invoice in Invoice.objects.filter(cycle=cycle, kind=InvoiceKind.INVOICE, corrected_by__isnull=True):
        current[invoice.household_id] = invoice
    changed = [h for h, total in totals.items() if total and (
        h not in current or current[h].amount_incl_vat != total or current[h].fund_lines != fund_lines.get(h, []))]
    gone = [h for h, inv in current.items() if not totals.get(h)]
    if not changed and not gone:
        return 0
    lines = _invoice_lines(cycle, changed)
    cancelled = [current[h] for h in [*changed, *gone] if h in current]
    count = len(cancelled) + len(changed)
    number = next_number(club, "invoice", count)
    documents = []
    for old in cancelled:
        documents.append(Invoice(
            club=club, number=number, kind=InvoiceKind.CREDIT_NOTE, household_id=old.household_id, cycle=cycle, issued_on=date,
            lines=old.lines, amount_incl_vat=-old.amount_incl_vat, amount_excl_vat=-old.amount_excl_vat,
            fund_lines=[{**line, "amount": str(-Decimal(line["amount"]))} for line in old.fund_lines],
            vat=[[r, f"-{e}", f"-{v}", f"-{i}"] for r, e, v, i in old.vat], reference=old.reference, corrects=old,
        ))
        number += 1
    for household_id in sorted(changed):
        breakdown, vat_rows = _totals(lines[household_id])
        documents.append(Invoice(
            club=club, number=number, household_id=household_id, cycle=cycle, issued_on=date, lines=lines[household_id],
            amount_incl_vat=breakdown.amount_incl_vat, amount_excl_vat=breakdown.amount_excl_vat, vat=vat_rows,
            fund_lines=fund_lines.get(household_id, []),
            reference=references.reference_for(scheme, int(f"{date.year % 100:02d}{number:06d}")),
        ))
        number += 1
    Invoice.objects.bulk_create(documents)
    return len(documents)


# --- bank statements ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    statement: BankStatement
    matched: int
    suggested: int
    unmatched: int


def account_reference(scheme: str, household_id: int) -> str:
    """The structured reference of a household's account (for top-ups and paying its balance)."""
    return references.reference_for(scheme, 900000000 + household_id)


def open_debtors(club: Club) -> list[bank.Debtor]:
    """Households that owe money, with their invoices' references (three queries)."""
    owed = dict(
        Entry.objects.filter(account__club=club, account__household__isnull=False)
        .values("account__household_id").annotate(t=Sum("cents")).values_list("account__household_id", "t")
    )
    owed = {h: from_cents(t) for h, t in owed.items()}
    refs: dict[int, set[str]] = defaultdict(set)
    for household_id, reference in Invoice.objects.filter(club=club, kind=InvoiceKind.INVOICE).values_list("household_id", "reference"):
        normalised = references.parse_reference(reference)
        if normalised:
            refs[household_id].add(normalised)
    scheme = settings_for(club).reference_scheme
    for household_id in owed:  # a household may also pay with its account's own reference
        refs[household_id].add(references.parse_reference(account_reference(scheme, household_id)))
    names = dict(Household.objects.filter(group__club=club).values_list("pk", "name"))
    return [bank.Debtor(key=h, name=names.get(h, ""), owed=t, references=frozenset(refs[h])) for h, t in owed.items() if t > 0 or refs[h]]


@transaction.atomic
def check_statement(*, club: Club, data: bytes, filename: str, columns: bank.CsvColumns | None = None):
    """A statement read (camt.053 XML or CSV) and its fingerprint, or ActionError: not readable, a date out of
    range, or imported before (two queries at most; nothing written)."""
    name = (filename or "").lower()
    try:
        parsed = bank.parse_camt053(data) if name.endswith(".xml") else bank.parse_csv(data, columns or bank.CsvColumns())
    except bank.StatementError as error:
        raise ActionError(str(error)) from None
    fingerprint = bank.fingerprint(data)
    duplicate = BankStatement.objects.filter(club=club).filter(
        Q(fingerprint=fingerprint) | (Q(source_id=parsed.source_id) if parsed.source_id else Q(pk__in=[]))
    ).first()
    if duplicate is not None:
        raise ActionError(_("This statement was already imported on %(date)s: nothing was changed.") % {
            "date": timezone.localtime(duplicate.imported_at).strftime("%d/%m/%Y")})
    return parsed, fingerprint


def import_statement(*, club: Club, data: bytes, filename: str, columns: bank.CsvColumns | None = None, by_user=None) -> ImportOutcome:
    """Read a bank statement (camt.053 XML or CSV), refuse it if it was imported before, record its lines
    and the payments its structured references prove; lines matched by amount and name wait for the
    treasurer's confirmation."""
    parsed, fingerprint = check_statement(club=club, data=data, filename=filename, columns=columns)
    try:
        with transaction.atomic():
            record = BankStatement.objects.create(club=club, fingerprint=fingerprint, source_id=parsed.source_id[:140],
                                                  filename=filename[:200], imported_by=by_user)
    except IntegrityError:
        raise ActionError(_("This statement was already imported: nothing was changed.")) from None
    matches = bank.match(parsed.lines, open_debtors(club))
    households = {h.pk: h for h in Household.objects.filter(pk__in={m.debtor.key for m in matches if m.debtor}).select_related("group")}
    accounts = household_accounts(club, households)
    counts = defaultdict(int)
    for m in matches:
        status = BankLineStatus.MATCHED if m.certain else (BankLineStatus.SUGGESTED if m.debtor else BankLineStatus.UNMATCHED)
        line = BankLine.objects.create(
            statement=record, index=m.line.index, date=m.line.date, amount=m.line.amount, name=m.line.name[:200],
            text=m.line.text[:500], reference=m.line.reference, bank_ref=m.line.bank_ref[:100], status=status,
            suggested=accounts[m.debtor.key] if m.debtor else None,
        )
        if m.certain:
            record_payment(club=club, amount=m.line.amount, method=PaymentMethod.TRANSFER, date=m.line.date,
                           household=households[m.debtor.key], note=m.line.text[:200], by_user=by_user, bank_line=line)
        counts[status] += 1
    return ImportOutcome(record, counts[BankLineStatus.MATCHED], counts[BankLineStatus.SUGGESTED], counts[BankLineStatus.UNMATCHED])


@transaction.atomic
def confirm_bank_line(*, club: Club, line_id: int, household_id: int, by_user=None) -> Payment:
    line = BankLine.objects.select_for_update().filter(pk=line_id, statement__club=club).first()
    if line is None:
        raise ActionError(_("This bank line does not exist in this club."))
    if line.payment_id is not None:
        raise ActionError(_("This bank line is already matched."))
    if line.amount <= 0:
        raise ActionError(_("Only money received can be matched to a household."))
    household = Household.objects.filter(pk=household_id, group__club=club).select_related("group").first()
    if household is None:
        raise ActionError(_("Choose a household of this club."))
    return record_payment(club=club, amount=line.amount, method=PaymentMethod.TRANSFER, date=line.date, household=household,
                          note=line.text[:200], by_user=by_user, bank_line=line)


def delete_money(club: Club) -> None:
    """Delete a club's whole ledger, invoices, payments and statements: only for removing a club that never
    really existed (the demo). Must run inside the caller's transaction; on PostgreSQL it lifts the
    database's guard for that transaction only."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cabas.ledger_maintenance = 'on'")
    FundMovement.objects.filter(club=club).delete()
    CashCount.objects.filter(distribution__cycle__club=club).delete()
    FundShare.objects.filter(cycle__club=club).delete()
    CycleFunds.objects.filter(cycle__club=club).delete()
    BankLine.objects.filter(statement__club=club).delete()
    BankStatement.objects.filter(club=club).delete()
    Payment.objects.filter(club=club).delete()
    Invoice.objects.filter(club=club, corrects__isnull=False).delete()
    Invoice.objects.filter(club=club).delete()
    Entry.objects.filter(transaction__club=club).delete()
    LedgerTransaction.objects.filter(club=club, reverses__isnull=False).delete()
    LedgerTransaction.objects.filter(club=club).delete()
    Account.objects.filter(club=club).delete()
    Sequence.objects.filter(club=club).delete()
    FinanceSettings.objects.filter(club=club).delete()


# --- solidarity tariffs -------------------------------------------------------------------------------


@transaction.atomic
def assign_tariff(*, club: Club, household_id: int, category_id: int | None, review_on: datetime.date | None,
                  by_user=None, today: datetime.date | None = None):
    """Give a household of the club a solidarity tariff until its review date, or take it back to the
    standard tariff (``category_id`` None). The caller checks that the user is a solidarity referent."""
    today = today or timezone.localdate()
    household = Household.objects.filter(pk=household_id, group__club=club).first()
    if household is None:
        raise ActionError(_("Choose a household of this club."))
    if category_id is None:
        HouseholdTariff.objects.filter(household=household).delete()
        return None
    category = TariffCategory.objects.filter(pk=category_id, club=club).first()
    if category is None:
        raise ActionError(_("Choose one of the club's tariffs."))
    if review_on is None or review_on <= today or review_on > today + datetime.timedelta(days=2 * 366):
        raise ActionError(field_errors={"review_on": _("Give a review date within the next two years.")})
    tariff, _created = HouseholdTariff.objects.update_or_create(
        household=household, defaults={"category": category, "review_on": review_on, "assigned_by": by_user,
                                       "assigned_at": timezone.now()},
    )
    return tariff


# --- the funds -----------------------------------------------------------------------------------------

def fund_available(club: Club, kind: str) -> Decimal:
    """What a fund holds (its account is credited by what comes in, so the balance is negated)."""
    account = club_account(club, kind)
    return -from_cents(Entry.objects.filter(account=account).aggregate(t=Sum("cents"))["t"])


@transaction.atomic
def receive_for_fund(*, club: Club, fund: str, amount: object, method: str, source: str, date: datetime.date,
                     origin: str = "donation", by_user=None):
    """A donation or a grant (``origin``) received for the solidarity or the guarantee fund, through the
    bank or the cash box; recorded as a fund movement for the yearly report."""
    if fund not in FUNDS:
        raise ActionError(_("Choose the solidarity fund or the guarantee fund."))
    if origin not in (FundMovementKind.DONATION, FundMovementKind.GRANT):
        raise ActionError(field_errors={"origin": _("Say whether it is a donation or a grant.")})
    value = _amount(amount)
    if method not in PaymentMethod.values:
        raise ActionError(field_errors={"method": _("Choose how it was paid.")})
    source = " ".join(str(source or "").split())[:120]
    if not source:
        raise ActionError(field_errors={"source": _("Say where the money comes from (a donor, a grant…).")})
    money = club_account(club, AccountKind.CASH if method == PaymentMethod.CASH else AccountKind.BANK)
    label = _("%(fund)s: %(source)s") % {"fund": AccountKind(fund).label, "source": source}
    record = post(club, [(money, value), (club_account(club, fund), -value)],
                  journal=Journal.CASH if method == PaymentMethod.CASH else Journal.BANK, label=label, date=date,
                  by_user=by_user)
    FundMovement.objects.create(club=club, fund=fund, kind=origin, amount=value, date=date, label=source, transaction=record)
    return record


@transaction.atomic
def guarantee_payout(*, club: Club, producer: Producer, amount: object, reason: str, date: datetime.date, by_user=None):
    """Support for a producer after a documented bad harvest (or a contract's shortfall), decided by the
    club's coordinators: the guarantee fund pays, the producer's account is credited (then paid as usual).
    The fund never goes negative."""
    value = _amount(amount)
    reason = " ".join(str(reason or "").split())[:160]
    if not reason:
        raise ActionError(field_errors={"reason": _("Give the reason: the members will read it in the report.")})
    if producer.club_id != club.pk:
        raise ActionError(_("This household or producer belongs to another club."))
    _solidarity, fund = locked_fund_accounts(club)  # one payout at a time against the fund
    available = fund_available(club, AccountKind.GUARANTEE)
    if value > available:
        raise ActionError(_("The guarantee fund holds %(available)s: it cannot pay %(amount)s.") % {
            "available": format_money(available), "amount": format_money(value)})
    party = producer_accounts(club, [producer.pk])[producer.pk]
    record = post(club, [(fund, value), (party, -value)], journal=Journal.MISC,
                  label=_("Guarantee fund to %(producer)s: %(reason)s") % {"producer": producer.name, "reason": reason},
                  date=date, by_user=by_user)
    FundMovement.objects.create(club=club, fund=AccountKind.GUARANTEE, kind=FundMovementKind.PAYOUT, amount=-value,
                                date=date, label=reason, producer=producer, transaction=record)
    return record


@transaction.atomic
def set_pledge(*, household: Household, mode: str, percent: object = None):
    """A household's choice of solidarity contribution: none (``mode`` empty), a percentage of its orders
    (0.5 to 20 %), or rounding each cycle's total up to the euro. Applies from the next closing."""
    if not mode:
        SolidarityPledge.objects.filter(household=household).delete()
        return None
    if mode not in ContributionMode.values:
        raise ActionError(field_errors={"mode": _("Choose how you wish to contribute.")})
    value = Decimal("0.00")
    if mode == ContributionMode.PERCENT:
        value = parse_decimal(percent) if not isinstance(percent, Decimal) else percent
        if value is None or not Decimal("0.5") <= value <= Decimal("20") or value != value.quantize(Decimal("0.01")):
            raise ActionError(field_errors={"percent": _("Give a percentage between 0,5 and 20.")})
    pledge, _created = SolidarityPledge.objects.update_or_create(household=household, defaults={"mode": mode, "percent": value})
    return pledge


def post_membership_fee(membership, *, by_user=None):
    """A year's membership fee: owed by the household, or paid by the solidarity fund (never beyond what it
    holds). Runs inside the caller's transaction; a fee of 0 posts nothing."""
    if not membership.fee:
        return None
    club = membership.group.club
    fees = club_account(club, AccountKind.FEES)
    names = {"household": membership.household.name, "year": membership.starts_on.year}
    if not membership.paid_by_fund:
        account = household_accounts(club, [membership.household_id])[membership.household_id]
        return post(club, [(account, membership.fee), (fees, -membership.fee)], journal=Journal.MISC,
                    label=_("Membership fee %(year)s, %(household)s") % names, date=membership.starts_on,
                    key=f"membership:{membership.pk}", by_user=by_user)
    fund, _guarantee = locked_fund_accounts(club)
    available = fund_available(club, AccountKind.SOLIDARITY)
    if membership.fee > available:
        raise ActionError(_("The solidarity fund holds %(available)s: it cannot pay this fee of %(amount)s.") % {
            "available": format_money(available), "amount": format_money(membership.fee)})
    record = post(club, [(fund, membership.fee), (fees, -membership.fee)], journal=Journal.MISC,
                  label=_("Membership fee %(year)s paid by the solidarity fund") % names, date=membership.starts_on,
                  key=f"membership:{membership.pk}", by_user=by_user)
    FundMovement.objects.create(club=club, fund=AccountKind.SOLIDARITY, kind=FundMovementKind.FEE, amount=-membership.fee,
                                date=membership.starts_on, label=_("Membership fee %(year)s") % names, transaction=record)
    return record


def post_pooled_cost(club: Club, *, pool: str, total: Decimal, debits: Mapping[tuple[str, int], Decimal], label: str,
                     date: datetime.date, key: str, piece: str, by_user=None) -> LedgerTransaction:
    """Post a pooled cost shared among parties: the club's ``pool`` account (e.g. transport) is credited
    ``total``, each party's account — keyed ("household" | "producer", id) — debited its share. Refused when
    an entry with this key exists (a cost is posted once). Runs inside the caller's transaction."""
    if LedgerTransaction.objects.filter(club=club, key=key).exists():
        raise ActionError(_("These shares are already in the ledger."))
    household_ids = [pk for (what, pk) in debits if what == "household"]
    producer_ids = [pk for (what, pk) in debits if what == "producer"]
    accounts = {}
    if household_ids:
        accounts.update({("household", pk): a for pk, a in household_accounts(club, household_ids).items()})
    if producer_ids:
        accounts.update({("producer", pk): a for pk, a in producer_accounts(club, producer_ids).items()})
    # the pool, created if missing: two statements either way
    code, name = CLUB_ACCOUNTS[pool]
    Account.objects.bulk_create([Account(club=club, kind=pool, code=code, name=name)], ignore_conflicts=True)
    pool_account = Account.objects.get(club=club, code=code, auxiliary="")
    lines = ledger.merged(
        [ledger.Line(pool_account.pk, -total)] + [ledger.Line(accounts[party].pk, amount) for party, amount in debits.items()]
    )
    return post(club, [(line.account, line.amount) for line in lines], journal=Journal.MISC, label=label, date=date,
                key=key, piece=piece, by_user=by_user)
