"""Reports over a period, with charts: a club's (its coordinators and treasurers) and a group's (its coordinators
and the club's). Each chart comes with its table, a CSV and an XLSX of that table; the general assembly's PDF holds
them all. The numbers come from ``cabas.reports.data``, the drawings from ``cabas.reports.charts``."""

from __future__ import annotations

import datetime
import io
import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.core.dates import DateOutOfRange, parse_iso_date
from cabas.core.validators import out_of_range_message
from cabas.members.models import Club, Group
from cabas.members.permissions import access_for
from cabas.members.words import words_for
from cabas.reports import charts, data, months

from ..access import club_for, refuse
from ..context_processors import use_club
from ..exports import csv_money, csv_number, csv_response, csv_text, document_filename, pdf_response

MAX_YEARS = 5
DATE_FORMATS = ("%d/%m/%Y",)


class PeriodError(Exception):
    pass


def _read_date(raw: str, wrong: str) -> datetime.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = parse_iso_date(raw)
    except DateOutOfRange as error:
        raise PeriodError(out_of_range_message(error)) from None
    if day is None:
        for pattern in DATE_FORMATS:
            try:
                day = datetime.datetime.strptime(raw, pattern).date()
            except ValueError:
                continue
            try:
                parse_iso_date(day.isoformat())
            except DateOutOfRange as error:
                raise PeriodError(out_of_range_message(error)) from None
            break
    if day is None:
        raise PeriodError(wrong)
    return day


def read_period(params, today: datetime.date) -> tuple[datetime.date, datetime.date, list[str]]:
    """The period asked in ``debut`` and ``fin`` (ISO dates, or dd/mm/yyyy), by default the last twelve months (from
    the first day of the month eleven months ago to today). With errors: the default period and the messages."""
    errors = []
    start = end = None
    try:
        start = _read_date(params.get("debut", ""), _("The start of the period is not a date: give it as dd/mm/yyyy."))
    except PeriodError as error:
        errors.append(str(error))
    try:
        end = _read_date(params.get("fin", ""), _("The end of the period is not a date: give it as dd/mm/yyyy."))
    except PeriodError as error:
        errors.append(str(error))
    if errors:
        return months.months_back(today, 11), today, errors
    end = end or today
    start = start or months.months_back(end, 11)
    if end < start:
        errors.append(_("The end of the period comes before its start."))
    elif (end.year - start.year) * 12 + end.month - start.month >= MAX_YEARS * 12:
        errors.append(_("Choose a period of at most %(years)s years.") % {"years": MAX_YEARS})
    if errors:
        return months.months_back(today, 11), today, errors
    return start, end, []


# --- who sees which reports ------------------------------------------------------------------------------------


def _club_scope(request, club_id: int) -> tuple[Club, None]:
    club = club_for(request, club_id, allowed=lambda access, pk: access.handles_money(pk),
                    refusal=_("Only the club's coordinators and treasurers see its reports."))
    return club, None


def _group_scope(request, group_id: int) -> tuple[Club, Group]:
    """A group's reports: its coordinators and the club's (others of the club: 403; anyone else: 404)."""
    access = access_for(request.user)
    group = Group.objects.filter(pk=group_id).select_related("club").first()
    if group is None:
        raise Http404
    if not access.coordinates_group(group.pk, group.club_id):
        refuse(request, access, group.club_id, _("Only the coordinators of the group and of the club see its reports."))
    use_club(request, group.club)
    return group.club, group


def _scope(request, club_id: int | None, group_id: int | None):
    club, group = _club_scope(request, club_id) if group_id is None else _group_scope(request, group_id)
    start, end, errors = read_period(request.GET, timezone.localdate())
    return data.Scope(club=club, group=group, start=start, end=end), errors


def _drawn(report: data.Report) -> str:
    return charts.svg(report.chart, chart_id=f"chart-{report.key}", title=report.title, description=report.description)


def _urls_args(scope: data.Scope) -> dict:
    return {"scope_kind": "group" if scope.group else "club", "scope_id": scope.group.pk if scope.group else scope.club.pk}


# --- the page, the downloads, the PDF ----------------------------------------------------------------------------


@login_required
def reports_page(request, club_id: int | None = None, group_id: int | None = None):
    scope, errors = _scope(request, club_id, group_id)
    if errors:
        return render(request, "web/reports/reports.html", {"scope": scope, "errors": errors, "reports": [],
                                                            "params": request.GET, **_urls_args(scope)}, status=400)
    reports = [(report, _drawn(report)) for report in data.all_reports(scope)]
    # the groups' own reports, for those who may open them (the club's coordinators; a treasurer sees the club's)
    groups = (list(Group.objects.filter(club=scope.club).order_by("name"))
              if scope.group is None and access_for(request.user).coordinates_club(scope.club.pk) else [])
    return render(request, "web/reports/reports.html", {
        "scope": scope, "reports": reports, "groups": groups, "errors": [], **_urls_args(scope),
        "query": f"debut={scope.start.isoformat()}&fin={scope.end.isoformat()}",
    })


def _filename(scope: data.Scope, key: str) -> str:
    return document_filename(scope.club.slug, scope.group.slug if scope.group else "", key, scope.start.isoformat(),
                             scope.end.isoformat())


def _csv_cell(value, kind: str) -> str:
    if kind == data.MONEY:
        return "" if value is None else csv_money(value)
    if kind in (data.NUMBER, data.INTEGER):
        return csv_number(value)
    return csv_text(value)


SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


def _xlsx(report: data.Report, filename: str) -> HttpResponse:
    import openpyxl  # loaded when a spreadsheet is asked for
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE_FORBIDDEN.sub(" ", report.title)[:31])
    bold = Font(bold=True)
    header = []
    for column in report.columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    formats = {data.MONEY: "#,##0.00", data.NUMBER: "#,##0.###", data.INTEGER: "0"}
    for row in report.rows:
        cells = []
        for value, column in zip(row, report.columns):
            cell = WriteOnlyCell(sheet, value=value)
            if column.kind in formats and value is not None:
                cell.number_format = formats[column.kind]
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@login_required
def report_download(request, key: str, fmt: str, club_id: int | None = None, group_id: int | None = None):
    scope, errors = _scope(request, club_id, group_id)
    if fmt not in ("csv", "xlsx") or key not in data.available(scope):
        raise Http404
    if errors:
        return HttpResponse("\n".join(errors), status=400, content_type="text/plain; charset=utf-8")
    report = data.report(scope, key)
    filename = _filename(scope, key)
    if fmt == "xlsx":
        return _xlsx(report, filename)
    rows = [[_csv_cell(value, column.kind) for value, column in zip(row, report.columns)] for row in report.rows]
    return csv_response(filename, [column.label for column in report.columns], rows)


@login_required
def report_pdf(request, club_id: int | None = None, group_id: int | None = None):
    """The yearly report for the general assembly: every chart and its table."""
    scope, errors = _scope(request, club_id, group_id)
    if errors:
        return HttpResponse("\n".join(errors), status=400, content_type="text/plain; charset=utf-8")
    reports = [(report, _drawn(report)) for report in data.all_reports(scope)]
    return pdf_response(request, "web/reports/pdf/report.html",
                        {"scope": scope, "reports": reports, "today": timezone.localdate(),
                         "words": words_for(scope.club)}, _filename(scope, "rapport"))
