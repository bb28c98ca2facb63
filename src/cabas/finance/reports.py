"""The yearly solidarity report: households helped, discounts given, the funds' income by source and
their payouts, from the cycles' fund records and the fund movements (a constant number of queries)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from .models import AccountKind, CycleFunds, FundMovement, FundMovementKind, FundShare

ZERO = Decimal("0.00")


@dataclass
class SolidarityReport:
    year: int
    households_helped: int = 0
    discounts_wanted: Decimal = ZERO
    discounts_given: Decimal = ZERO
    cycles: int = 0
    cycles_scaled: list = field(default_factory=list)  # (cycle name, percent given)
    # income and outgoings of each fund, by source: {fund: {source label: amount}}
    solidarity_income: dict = field(default_factory=dict)
    guarantee_income: dict = field(default_factory=dict)
    payouts: list = field(default_factory=list)  # FundMovement rows (payouts to producers)
    fees_paid: Decimal = ZERO

    @property
    def solidarity_income_total(self) -> Decimal:
        return sum(self.solidarity_income.values(), ZERO)

    @property
    def guarantee_income_total(self) -> Decimal:
        return sum(self.guarantee_income.values(), ZERO)

    @property
    def payouts_total(self) -> Decimal:
        return -sum((m.amount for m in self.payouts), ZERO)


def solidarity_report(club, year: int) -> SolidarityReport:
    """What the club's funds did in ``year`` (cycles by their closing date, movements by their date)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    report = SolidarityReport(year=year)
    in_year = Q(cycle__club=club, cycle__closed_at__date__gte=start, cycle__closed_at__date__lte=end)
    totals = CycleFunds.objects.filter(in_year).aggregate(
        n=Count("pk"), wanted=Sum("wanted"), given=Sum("discounts"), contributions=Sum("contributions"),
        guarantee=Sum("guarantee"),
    )
    report.cycles = totals["n"] or 0
    report.discounts_wanted = totals["wanted"] or ZERO
    report.discounts_given = totals["given"] or ZERO
    report.households_helped = (FundShare.objects.filter(in_year, discount__gt=0)
                                .values("household_id").distinct().count())
    report.cycles_scaled = [
        (name, (factor * 100).quantize(Decimal("0.1"), rounding="ROUND_DOWN"))
        for name, factor in CycleFunds.objects.filter(in_year, factor__lt=1).order_by("cycle__closed_at")
        .values_list("cycle__name", "factor")
    ]
    report.solidarity_income = {"contributions": totals["contributions"] or ZERO}
    report.guarantee_income = {"contributions": totals["guarantee"] or ZERO}
    movements = list(FundMovement.objects.filter(club=club, date__gte=start, date__lte=end)
                     .select_related("producer").order_by("date", "pk"))
    for movement in movements:
        if movement.kind in (FundMovementKind.DONATION, FundMovementKind.GRANT):
            income = report.solidarity_income if movement.fund == AccountKind.SOLIDARITY else report.guarantee_income
            income[movement.kind] = income.get(movement.kind, ZERO) + movement.amount
        elif movement.kind == FundMovementKind.PAYOUT:
            report.payouts.append(movement)
        elif movement.kind == FundMovementKind.FEE:
            report.fees_paid -= movement.amount
    return report
