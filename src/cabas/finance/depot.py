"""Money at the depot: on a distribution's evening, what each household of the depot owes for the cycle and
its account's balance, the payments taken there (to the club, or to a producer directly), and the cash counted
at the end. Payments go through ``services.record_payment`` (one transaction each); the arithmetic is in the
pure ``till.py``.

What a payment taken at the depot posts (the ledger's sign: debit positive):

- cash to the club: debit 530000 Caisse, credit 411000 the household (journal CA);
- a cheque or a card payment to the club: debit 512000 Banque, credit 411000 the household (journal BQ);
- a cheque made out to a producer, or cash or card handed to a producer who distributes itself: debit
  401000 the producer, credit 411000 the household (journal OD). The household owes the club less and the
  club owes the producer less, by the same amount; no money goes through the club.

A cash count writes nothing in the ledger: it records what was counted beside what the cash payments say the
box holds, for the treasurer to look into a difference."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Producer
from cabas.core.errors import ActionError
from cabas.distribution.models import Distribution
from cabas.members.models import Club, Household
from cabas.members.words import words_for
from cabas.ordering.models import Allocation, OrderSummary

from . import till
from .models import CashCount, Entry, FundShare, Payment, PaymentMethod, from_cents
from .services import record_payment, reverse

ZERO = Decimal("0.00")


@dataclass
class DepotHousehold:
    household: Household
    owed: Decimal | None  # for this cycle, after the funds; None when it received nothing
    balance: Decimal  # its account: positive, it owes the club; negative, it is in credit
    # what it pays producers who distribute themselves, at the depot (full price of what it receives from them)
    direct: list[tuple[Producer, Decimal]] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)  # taken at this distribution


@dataclass
class DepotTill:
    distribution: Distribution
    households: list[DepotHousehold]
    producers: list[Producer]  # the cycle's producers: a cheque may be made out to any of them
    takings: till.Takings  # of the payments not cancelled
    counts: list[CashCount]  # latest first

    @property
    def latest_count(self) -> CashCount | None:
        return self.counts[0] if self.counts else None

    @property
    def self_distributing(self) -> list[Producer]:
        return [p for p in self.producers if p.distributes_itself]


def _depot_households(distribution: Distribution):
    """The depot's households: those that received something in this cycle there, and those still in the group."""
    received = OrderSummary.objects.filter(cycle_id=distribution.cycle_id, group_id=distribution.group_id).values("household_id")
    return Household.objects.filter(Q(group_id=distribution.group_id, left_on__isnull=True) | Q(pk__in=received))


def _taking(payment: Payment) -> till.Taking:
    return till.Taking(method=payment.method, amount=payment.amount, to_producer=payment.payee_id is not None)


def _live(payments) -> list[Payment]:
    """The payments not cancelled by a reversing entry (their transaction and its reversal selected)."""
    return [p for p in payments if getattr(p.transaction, "reversed_by", None) is None]


def depot_till(distribution: Distribution) -> DepotTill:
    """Everything the depot's money page shows, in eight queries whatever the number of households."""
    cycle_id, group_id = distribution.cycle_id, distribution.group_id
    households = list(_depot_households(distribution).order_by("name", "pk"))
    ids = [h.pk for h in households]
    goods = dict(OrderSummary.objects.filter(cycle_id=cycle_id, group_id=group_id).values_list("household_id", "amount_incl_vat"))
    funds = {h: c + g - d for h, c, g, d in FundShare.objects.filter(cycle_id=cycle_id, household_id__in=ids).values_list(
        "household_id", "contribution", "guarantee", "discount")}
    balances = dict(Entry.objects.filter(account__household_id__in=ids).values("account__household_id")
                    .annotate(t=Sum("cents")).values_list("account__household_id", "t").order_by())
    producers = list(Producer.objects.filter(sheets__cycle_id=cycle_id).order_by("name"))
    by_producer = {p.pk: p for p in producers}
    direct = defaultdict(list)
    for household_id, producer_id, amount in (
        Allocation.objects.filter(cycle_id=cycle_id, group_id=group_id, quantity__gt=0, offer__producer__distributes_itself=True)
        .values("household_id", "offer__producer_id").annotate(amount=Sum("amount_incl_vat"))
        .values_list("household_id", "offer__producer_id", "amount").order_by("household_id", "offer__producer__name")
    ):
        if producer_id in by_producer:
            direct[household_id].append((by_producer[producer_id], amount))
    payments = list(Payment.objects.filter(distribution=distribution).select_related("payee", "transaction__reversed_by")
                    .order_by("pk"))
    per_household = defaultdict(list)
    for payment in payments:
        per_household[payment.household_id].append(payment)
    rows = [DepotHousehold(
        household=h, owed=till.owed_for_cycle(goods[h.pk], funds.get(h.pk, ZERO)) if h.pk in goods else None,
        balance=from_cents(balances.get(h.pk)), direct=direct.get(h.pk, []), payments=per_household.get(h.pk, []),
    ) for h in households]
    counts = list(CashCount.objects.filter(distribution=distribution).select_related("by"))
    return DepotTill(distribution=distribution, households=rows, producers=producers,
                     takings=till.takings(_taking(p) for p in _live(payments)), counts=counts)


def expected_cash(distribution: Distribution) -> Decimal:
    """The cash the depot's box should hold: the cash payments to the club taken at this distribution, less
    those cancelled (one query)."""
    payments = Payment.objects.filter(distribution=distribution, method=PaymentMethod.CASH, payee__isnull=True,
                                      transaction__reversed_by__isnull=True)
    return payments.aggregate(t=Sum("amount"))["t"] or ZERO


@transaction.atomic
def record_depot_payment(*, distribution: Distribution, household_id: int | None, amount: object, method: str,
                         payee_id: int | None = None, cheque_number: str = "", by_user=None,
                         date: datetime.date | None = None) -> Payment:
    """A payment taken at the depot from one of its households: cash, a cheque (to the club, or made out to
    one of the cycle's producers) or a card; to a producer who distributes itself, in any of the three. The
    caller has checked that the user handles this depot's money."""
    club: Club = distribution.cycle.club
    household = _depot_households(distribution).filter(pk=household_id).select_related("group").first() if household_id else None
    if household is None:
        raise ActionError(field_errors={"household": _("Choose a household %(of_the_depot)s.") % words_for(club)})
    if method not in till.DEPOT_METHODS:
        raise ActionError(field_errors={"method": _("Choose cash, cheque or card.")})
    payee = None
    if payee_id is not None:
        payee = Producer.objects.filter(pk=payee_id, club=club, sheets__cycle_id=distribution.cycle_id).first()
        if payee is None:
            raise ActionError(field_errors={"payee": _("Choose the club or one of this cycle's producers.")})
        if method != PaymentMethod.CHEQUE and not payee.distributes_itself:
            raise ActionError(field_errors={"payee": _(
                "%(producer)s does not take payments at the depot: cash and card go to the club, only a cheque "
                "can be made out to it.") % {"producer": payee.name}})
    number = " ".join(str(cheque_number or "").split())
    if method == PaymentMethod.CHEQUE and not number:
        raise ActionError(field_errors={"cheque_number": _("Give the cheque's number.")})
    if len(number) > 30:
        raise ActionError(field_errors={"cheque_number": _("A cheque's number has at most 30 characters.")})
    return record_payment(club=club, household=household, amount=amount, method=method,
                          date=date or timezone.localdate(), cheque_number=number if method == PaymentMethod.CHEQUE else "",
                          by_user=by_user, payee=payee, distribution=distribution)


@transaction.atomic
def cancel_depot_payment(*, distribution: Distribution, payment_id: int | None, by_user=None):
    """Cancel a payment taken at this distribution (a mistake at the depot) by a reversing entry."""
    payment = Payment.objects.filter(pk=payment_id, distribution=distribution).first() if payment_id else None
    if payment is None:
        raise ActionError(_("This payment was not taken at this distribution."))
    return reverse(transaction_id=payment.transaction_id, club=distribution.cycle.club, by_user=by_user)


@transaction.atomic
def record_cash_count(*, distribution: Distribution, counted: object, note: str = "", by_user=None) -> CashCount:
    """The cash counted in the depot's box at the end of the distribution, beside what it should hold. A
    recount is recorded as another count; the latest is the one that counts."""
    value = till.read_counted(counted)
    if value is None:
        raise ActionError(field_errors={"counted": _("Enter the cash counted, e.g. 182,50 (0 or more, to the cent).")})
    note = " ".join(str(note or "").split())[:200]
    return CashCount.objects.create(distribution=distribution, counted=value, expected=expected_cash(distribution),
                                    note=note, by=by_user, at=timezone.now())


def club_cash_counts(club: Club, *, cycle_id: int | None = None, limit: int = 30) -> list[CashCount]:
    """The club's latest cash counts (of one cycle's distributions if ``cycle_id``), with their depot (one query)."""
    counts = CashCount.objects.filter(distribution__cycle__club=club)
    if cycle_id is not None:
        counts = counts.filter(distribution__cycle_id=cycle_id)
    return list(counts.select_related("distribution__group", "distribution__cycle", "by")[:limit])
