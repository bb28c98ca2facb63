"""What each report chart shows, read from the domains for a club (or one of its groups) over a period.

Each function reads its chart's data in a constant number of queries whatever the period, the number of cycles,
producers or households (aggregated with values/annotate; the tests pin the counts), and returns a ``Report``:
the table a page, a CSV, an XLSX and the PDF show, and the ``charts.Chart`` drawn from the same numbers.
Amounts stay Decimal. Totals only: no household is named and no household's amount appears anywhere.

Cycles count in the month of their deadline (``closes_at``, as the contracts' guarantee progress dates them);
only closed cycles count. Fund movements count on their date, shifts on their start, transport plans with
their cycle.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cabas.catalog.models import Unit
from cabas.contracts import guarantee
from cabas.contracts.models import Contract, GuaranteeKind
from cabas.finance.models import AccountKind, CycleFunds, FundMovement, FundMovementKind
from cabas.logistics.models import TransportPlan
from cabas.members.models import ApplicationStatus, Club, Group, Household, MembershipApplication
from cabas.ordering.models import Allocation, OrderSummary
from cabas.volunteering.models import Signup, TargetAdjustment, VolunteerTarget

from . import months as month_math
from .charts import Chart, Series

ZERO = Decimal("0.00")
TEXT, MONEY, NUMBER, INTEGER = "text", "money", "number", "integer"


@dataclass(frozen=True)
class Scope:
    """A club, or one of its groups; the period's first and last day (both included)."""

    club: Club
    group: Group | None
    start: datetime.date
    end: datetime.date

    @property
    def months(self) -> list[datetime.date]:
        return month_math.months(self.start, self.end)

    def window(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as aware date-times: from the first day's midnight to the day after the last."""
        tz = timezone.get_current_timezone()
        return (datetime.datetime.combine(self.start, datetime.time(), tz),
                datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time(), tz))


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT


@dataclass
class Report:
    key: str
    title: str
    description: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def cells(self) -> list[list[tuple[object, str]]]:
        """Each row's values with their column's kind, for a template to format."""
        return [[(value, column.kind) for value, column in zip(row, self.columns)] for row in self.rows]


def _money(value) -> Decimal:
    """A sum of amounts to the cent (SQLite's sums of decimals come back with float noise)."""
    return ZERO if value is None else Decimal(value).quantize(Decimal("0.01"))


def _qty(value) -> Decimal:
    """A sum of quantities to the gram, millilitre or piece, without trailing zeros."""
    if value is None:
        return Decimal(0)
    value = Decimal(value).quantize(Decimal("0.001"))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def month_label(month: datetime.date) -> str:
    return formats.date_format(month, "M Y")


def _month(value) -> datetime.date:
    """TruncMonth's value (an aware date-time, or a date) as the month's first day."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _closed_cycles(scope: Scope, prefix: str = "cycle__") -> Q:
    start, end = scope.window()
    return Q(**{f"{prefix}club": scope.club, f"{prefix}closed_at__isnull": False, f"{prefix}closes_at__gte": start,
                f"{prefix}closes_at__lt": end})


def _allocations(scope: Scope):
    allocations = Allocation.objects.filter(_closed_cycles(scope))
    if scope.group is not None:
        allocations = allocations.filter(group=scope.group)
    return allocations


def _empty_text() -> str:
    return _("No data for this period.")


# --- volumes and value per chain, per producer ----------------------------------------------------------------


def _by_month_and(scope: Scope, name_field: str, key: str, title: str, description: str, first_column: str) -> Report:
    """Value and volume per month and ``name_field`` (one query); the chart stacks the value."""
    rows = (_allocations(scope).annotate(month=TruncMonth("cycle__closes_at"))
            .values("month", name_field, "offer__unit")
            .annotate(value=Sum("amount_incl_vat"), volume=Sum("quantity")).order_by())
    return _value_report(scope, rows, name_field, key, title, description, first_column)


def _value_report(scope, rows, name_field, key, title, description, first_column) -> Report:
    units = {key: str(label) for key, label in Unit.choices}
    value: dict[tuple[datetime.date, str], Decimal] = defaultdict(lambda: ZERO)
    table = []
    for row in rows:
        month = _month(row["month"])
        value[(month, row[name_field])] += _money(row["value"])
        table.append([month, row[name_field], units.get(row["offer__unit"], row["offer__unit"]), _qty(row["volume"]),
                      _money(row["value"])])
    table.sort(key=lambda r: (r[0], r[1], r[2]))
    names = sorted({name for _m, name in value}, key=lambda n: -sum(v for (_m, x), v in value.items() if x == n))
    chart = Chart(labels=[month_label(m) for m in scope.months], y_label=_("€ incl. VAT"), empty_text=_empty_text(),
                  bars=[Series(name, [value.get((m, name), ZERO) for m in scope.months]) for name in names])
    return Report(key=key, title=title, description=description, chart=chart,
                  columns=[Column(_("Month")), Column(first_column), Column(_("Unit")), Column(_("Volume"), NUMBER),
                           Column(_("Value incl. VAT"), MONEY)],
                  rows=[[month_label(r[0]), *r[1:]] for r in table])


def chains(scope: Scope) -> Report:
    """Volumes and value per chain (the catalogue's category: milk, bread, vegetables…) and month. One query."""
    return _by_month_and(
        scope, "offer__category__name", "chains", _("Volumes and value per chain"),
        _("What the closed cycles sold, month by month, per chain (value incl. VAT stacked; volumes in the table)."),
        _("Chain"))


def producers(scope: Scope) -> Report:
    """Volumes and value per producer and month. One query."""
    return _by_month_and(
        scope, "offer__producer__name", "producers", _("Volumes and value per producer"),
        _("What the closed cycles bought from each producer, month by month (value incl. VAT stacked; volumes in the "
          "table)."), _("Producer"))


# --- each producer's income against its contracts' guarantee -------------------------------------------------


def guarantees(scope: Scope) -> Report:
    """Each producer's income from the club per month against what its contracts in value guarantee for that
    month (a weekly or yearly guarantee spread over the months by its days). Two queries."""
    income: dict[tuple[str, datetime.date], Decimal] = defaultdict(lambda: ZERO)
    for row in (_allocations(scope).annotate(month=TruncMonth("cycle__closes_at"))
                .values("month", "offer__producer_id", "offer__producer__name")
                .annotate(value=Sum("amount_incl_vat")).order_by()):
        income[(row["offer__producer__name"], _month(row["month"]))] += _money(row["value"])
    contracts = list(Contract.objects.filter(club=scope.club, guarantee_kind=GuaranteeKind.VALUE,
                                             starts_on__lte=scope.end, ends_on__gt=scope.start)
                     .values_list("producer__name", "starts_on", "ends_on", "frequency", "guarantee_amount"))
    spans: dict[str, list] = defaultdict(list)
    for name, starts_on, ends_on, frequency, amount in contracts:
        for period in guarantee.periods(starts_on, ends_on, frequency):
            spans[name].append((period.start, period.end, guarantee.owed(amount, period)))
    owed = {name: month_math.spread(rows, scope.start, scope.end) for name, rows in spans.items()}
    names = sorted({name for name, _m in income} | set(owed))
    table = []
    for month in scope.months:
        for name in names:
            got, due = income.get((name, month), ZERO), owed.get(name, {}).get(month) or None
            if got or due:
                table.append([month_label(month), name, got, due])
    labels = [month_label(m) for m in scope.months]
    shown = [name for name in names if name in owed] or names
    bars = [Series(name, [income.get((name, m), ZERO) for m in scope.months]) for name in shown]
    lines = [Series(_("%(producer)s: guarantee") % {"producer": name}, [owed[name].get(m) or None for m in scope.months])
             for name in shown if name in owed]
    notes = [] if owed else [_("No contract with a guarantee in value runs in this period.")]
    return Report(
        key="guarantees", title=_("Producers' income against their contracts' guarantee"),
        description=_("Each producer's income from the club per month (bars) and the purchase guarantee of its contracts "
                      "in value for that month (dashed lines). Guarantees in volume are not drawn."),
        columns=[Column(_("Month")), Column(_("Producer")), Column(_("Income incl. VAT"), MONEY),
                 Column(_("Guarantee"), MONEY)],
        rows=table, notes=notes,
        chart=Chart(labels=labels, bars=bars, lines=lines, stacked=False, dashed_lines=True, y_label=_("€ incl. VAT"),
                    empty_text=_empty_text()))


# --- the solidarity and guarantee funds ----------------------------------------------------------------------


def funds(scope: Scope) -> Report:
    """The solidarity fund and the guarantee fund per month: income by source (members' contributions at the
    closings, donations, grants), discounts given, payouts to producers, fees the fund paid; the cycles whose
    discounts were scaled down. Totals only. Two queries."""
    months = scope.months
    blank = lambda: defaultdict(lambda: ZERO)  # noqa: E731
    cells: dict[datetime.date, dict[str, Decimal]] = defaultdict(blank)
    scaled: dict[datetime.date, list[str]] = defaultdict(list)
    for row in (CycleFunds.objects.filter(_closed_cycles(scope)).annotate(month=TruncMonth("cycle__closes_at"))
                .values("month", "cycle__name", "cycle__closes_at", "factor", "discounts", "contributions", "guarantee")
                .order_by("cycle__closes_at", "cycle_id")):
        month = _month(row["month"])
        cells[month]["contributions"] += _money(row["contributions"])
        cells[month]["discounts"] += _money(row["discounts"])
        cells[month]["guarantee_contributions"] += _money(row["guarantee"])
        if row["factor"] < 1:
            percent = (row["factor"] * 100).quantize(Decimal("0.1"), rounding="ROUND_DOWN")
            scaled[month].append(_("%(cycle)s (%(percent)s %% given)") % {"cycle": row["cycle__name"],
                                                                          "percent": formats.number_format(percent)})
    for row in (FundMovement.objects.filter(club=scope.club, date__gte=scope.start, date__lte=scope.end)
                .annotate(month=TruncMonth("date")).values("month", "fund", "kind").annotate(total=Sum("amount"))
                .order_by()):
        month, total = _month(row["month"]), _money(row["total"])
        prefix = "guarantee_" if row["fund"] == AccountKind.GUARANTEE else ""
        if row["kind"] in (FundMovementKind.DONATION, FundMovementKind.GRANT):
            cells[month][prefix + row["kind"]] += total
        elif row["kind"] == FundMovementKind.PAYOUT:
            cells[month]["payouts"] -= total
        elif row["kind"] == FundMovementKind.FEE:
            cells[month]["fees"] -= total
    keys = ["contributions", "donation", "grant", "discounts", "fees",
            "guarantee_contributions", "guarantee_donation", "guarantee_grant", "payouts"]
    table = [[month_label(m), *[cells[m][k] for k in keys], ", ".join(scaled[m])] for m in months
             if any(cells[m][k] for k in keys) or scaled[m]]
    solidarity_in = [cells[m]["contributions"] + cells[m]["donation"] + cells[m]["grant"] for m in months]
    guarantee_in = [cells[m]["guarantee_contributions"] + cells[m]["guarantee_donation"] + cells[m]["guarantee_grant"]
                    for m in months]
    chart = Chart(labels=[month_label(m) for m in months], stacked=False, y_label="€", empty_text=_empty_text(), bars=[
        Series(_("Solidarity fund: income"), solidarity_in),
        Series(_("Solidarity fund: discounts given"), [cells[m]["discounts"] for m in months]),
        Series(_("Guarantee fund: income"), guarantee_in),
        Series(_("Guarantee fund: payouts"), [cells[m]["payouts"] for m in months]),
    ])
    all_scaled = [name for m in months for name in scaled[m]]
    notes = ([_("Cycles whose discounts were scaled down: %(cycles)s.") % {"cycles": ", ".join(all_scaled)}]
             if all_scaled else [_("No cycle had its discounts scaled down in this period.")])
    return Report(
        key="funds", title=_("Solidarity and guarantee funds"),
        description=_("Per month: what came into each fund by source, the discounts the solidarity fund gave and the "
                      "payouts of the guarantee fund to producers. Totals only."),
        columns=[Column(_("Month")), Column(_("Solidarity: members' contributions"), MONEY),
                 Column(_("Solidarity: donations"), MONEY), Column(_("Solidarity: grants"), MONEY),
                 Column(_("Discounts given"), MONEY), Column(_("Membership fees paid by the fund"), MONEY),
                 Column(_("Guarantee: members' contributions"), MONEY), Column(_("Guarantee: donations"), MONEY),
                 Column(_("Guarantee: grants"), MONEY), Column(_("Payouts to producers"), MONEY),
                 Column(_("Cycles scaled down"))],
        rows=table, chart=chart, notes=notes)


# --- transport -------------------------------------------------------------------------------------------------


def transport(scope: Scope) -> Report:
    """Per month, what the chosen transport plans saved against each producer driving alone: km, € and kg of CO2.
    One query."""
    rows = {(_month(r["month"])): r for r in (
        TransportPlan.objects.filter(_closed_cycles(scope), chosen=True).annotate(month=TruncMonth("cycle__closes_at"))
        .values("month").annotate(cycles=Count("cycle_id", distinct=True), km=Sum("km"), baseline_km=Sum("baseline_km"),
                                  cost=Sum("cost"), baseline_cost=Sum("baseline_cost"), co2=Sum("co2_kg"),
                                  baseline_co2=Sum("baseline_co2_kg")).order_by())}
    table, saved_km, saved_cost, saved_co2 = [], [], [], []
    for month in scope.months:
        row = rows.get(month)
        if row is None:
            saved_km.append(ZERO), saved_cost.append(ZERO), saved_co2.append(ZERO)
            continue
        base_km, plan_km = _money(row["baseline_km"]), _money(row["km"])
        base_cost, plan_cost = _money(row["baseline_cost"]), _money(row["cost"])
        base_co2, plan_co2 = _money(row["baseline_co2"]), _money(row["co2"])
        km, cost, co2 = base_km - plan_km, base_cost - plan_cost, base_co2 - plan_co2
        saved_km.append(km), saved_cost.append(cost), saved_co2.append(co2)
        table.append([month_label(month), row["cycles"], base_km, plan_km, km, base_cost, plan_cost, cost, base_co2,
                      plan_co2, co2])
    return Report(
        key="transport", title=_("Transport: what pooling saved"),
        description=_("Per month, the km, euros and kg of CO2 the chosen transport plans saved against each producer "
                      "driving alone."),
        columns=[Column(_("Month")), Column(_("Cycles planned"), INTEGER), Column(_("km, each producer alone"), NUMBER),
                 Column(_("km, chosen plan"), NUMBER), Column(_("km saved"), NUMBER),
                 Column(_("€, each producer alone"), MONEY), Column(_("€, chosen plan"), MONEY),
                 Column(_("€ saved"), MONEY), Column(_("kg CO2, each producer alone"), NUMBER),
                 Column(_("kg CO2, chosen plan"), NUMBER), Column(_("kg CO2 saved"), NUMBER)],
        rows=table,
        chart=Chart(labels=[month_label(m) for m in scope.months], stacked=False, empty_text=_empty_text(),
                    y_label=_("km · € · kg CO2"), bars=[Series(_("km saved"), saved_km), Series(_("€ saved"), saved_cost),
                                                       Series(_("kg CO2 saved"), saved_co2)]),
        notes=[] if rows else [_("No transport plan was chosen for the cycles of this period.")])


# --- participation ---------------------------------------------------------------------------------------------


def households_ordering(scope: Scope) -> Report:
    """How many households ordered in each closed cycle of the period (its order summaries). One query."""
    summaries = OrderSummary.objects.filter(_closed_cycles(scope))
    if scope.group is not None:
        summaries = summaries.filter(group=scope.group)
    rows = list(summaries.values("cycle_id", "cycle__name", "cycle__closes_at")
                .annotate(households=Count("household_id", distinct=True))
                .order_by("cycle__closes_at", "cycle_id"))
    labels = [f"{r['cycle__name']} ({formats.date_format(timezone.localdate(r['cycle__closes_at']), 'd/m')})"
              for r in rows]
    return Report(
        key="households", title=_("Households ordering per cycle"),
        description=_("How many households ordered in each closed cycle of the period."),
        # no amount: a cycle with one household ordering would tell that household's total
        columns=[Column(_("Cycle")), Column(_("Deadline")), Column(_("Households ordering"), INTEGER)],
        rows=[[r["cycle__name"], formats.date_format(timezone.localdate(r["cycle__closes_at"]), "SHORT_DATE_FORMAT"),
               r["households"]] for r in rows],
        chart=Chart(labels=labels, bars=[Series(_("Households ordering"), [r["households"] for r in rows])],
                    y_label=_("households"), empty_text=_empty_text()))


def volunteering(scope: Scope) -> Report:
    """Volunteer hours done per month (attendance confirmed) against the targets: the current households' yearly
    targets (their group's, else the club's; a household's own adjustment instead) in twelfths. Four queries."""
    households = Household.objects.filter(group__club=scope.club, left_on__isnull=True)
    if scope.group is not None:
        households = households.filter(group=scope.group)
    per_group = dict(households.values("group_id").annotate(n=Count("pk")).values_list("group_id", "n").order_by())
    by_group, by_club = {}, ZERO
    for group_id, hours in VolunteerTarget.objects.filter(club=scope.club).values_list("group_id", "hours_per_year"):
        if group_id is None:
            by_club = hours
        else:
            by_group[group_id] = hours
    base = sum((n * by_group.get(g, by_club) for g, n in per_group.items()), ZERO)
    years = sorted({m.year for m in scope.months})
    yearly = {year: base for year in years}
    for year, group_id, count, hours in (
            TargetAdjustment.objects.filter(household__in=households, year__in=years)
            .values("year", "household__group_id").annotate(n=Count("pk"), hours=Sum("hours"))
            .values_list("year", "household__group_id", "n", "hours").order_by()):
        yearly[year] += _money(hours) - count * by_group.get(group_id, by_club)
    start, end = scope.window()
    signups = Signup.objects.filter(household__in=households, attended=True, shift__cancelled_at__isnull=True,
                                    shift__starts_at__gte=start, shift__starts_at__lt=end)
    done = {_month(r["month"]): _money(r["hours"]) for r in signups.annotate(month=TruncMonth("shift__starts_at"))
            .values("month").annotate(hours=Sum("shift__hours")).order_by()}
    target = {m: (yearly[m.year] / 12).quantize(Decimal("0.1")) for m in scope.months}
    return Report(
        key="volunteering", title=_("Volunteer hours against targets"),
        description=_("Hours given per month (attendance confirmed) against a twelfth of the current households' "
                      "yearly targets."),
        columns=[Column(_("Month")), Column(_("Hours given"), NUMBER), Column(_("Target for the month"), NUMBER)],
        rows=[[month_label(m), done.get(m, ZERO), target[m]] for m in scope.months],
        chart=Chart(labels=[month_label(m) for m in scope.months], y_label=_("hours"), empty_text=_empty_text(),
                    dashed_lines=True, bars=[Series(_("Hours given"), [done.get(m, ZERO) for m in scope.months])],
                    lines=[Series(_("Target"), [target[m] for m in scope.months])]))


def waitlist(scope: Scope) -> Report:
    """How many applications waited at each month's end. One query (the applications that waited at some point of
    the period: each one's dates, no name)."""
    applications = MembershipApplication.objects.filter(group__club=scope.club)
    if scope.group is not None:
        applications = applications.filter(group=scope.group)
    start, end = scope.window()
    rows = applications.filter(applied_at__lt=end).filter(
        Q(status=ApplicationStatus.WAITING) | Q(decided_at__gte=start)).values_list("applied_at", "decided_at")
    dated = [(timezone.localdate(applied), timezone.localdate(decided) if decided else None) for applied, decided in rows]
    counts = month_math.waiting_at_month_ends(dated, scope.start, scope.end, timezone.localdate())
    return Report(
        key="waitlist", title=_("Waiting list"),
        description=_("How many households waited for a place at the end of each month."),
        columns=[Column(_("Month")), Column(_("Households waiting"), INTEGER)],
        rows=[[month_label(m), counts[m]] for m in scope.months],
        chart=Chart(labels=[month_label(m) for m in scope.months], y_label=_("households"), empty_text=_empty_text(),
                    lines=[Series(_("Households waiting"), [counts[m] for m in scope.months])]))


# The reports in the order of the page; those a group's page shows too (the funds, contracts and transport are
# the club's).
CLUB_REPORTS = {"chains": chains, "producers": producers, "guarantees": guarantees, "funds": funds,
                "transport": transport, "households": households_ordering, "volunteering": volunteering,
                "waitlist": waitlist}
GROUP_REPORTS = ("chains", "producers", "households", "volunteering", "waitlist")


def available(scope: Scope) -> list[str]:
    return list(GROUP_REPORTS) if scope.group is not None else list(CLUB_REPORTS)


def report(scope: Scope, key: str) -> Report:
    if key not in available(scope):
        raise KeyError(key)
    return CLUB_REPORTS[key](scope)


def all_reports(scope: Scope) -> list[Report]:
    return [report(scope, key) for key in available(scope)]
