"""Money pages: a household's account and invoices; the treasurer's payments, invoices, bank statements
and exports (journal, balances, FEC, a cycle's money summary)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cabas import flows
from cabas.catalog.models import Producer, ProducerAccount
from cabas.core.errors import ActionError
from cabas.core.ids import parse_id
from cabas.core.money import vat_breakdown
from cabas.core.validators import read_iso_date
from cabas.distribution.containers import holdings
from cabas.distribution.models import Distribution
from cabas.finance import depot, epc, fec, producer_fees, references, services
from cabas.finance.bank import CsvColumns
from cabas.finance.models import (
    BankLine, BankLineStatus, Entry, Invoice, InvoiceKind, LedgerTransaction, Payment, PaymentMethod, StatementUpload,
    from_cents,
)
from cabas.members.models import Club, Household
from cabas.members.permissions import access_for
from cabas.ordering.models import Allocation, OrderCycle

from ..context_processors import use_club
from ..exports import csv_money, csv_response, csv_text, document_filename, pdf_response
from ..feedback import flash_errors


def club_for_money(request, club_id: int) -> Club:
    club = get_object_or_404(Club, pk=club_id)
    if not access_for(request.user).handles_money(club.pk):
        raise PermissionDenied(_("Only the club's treasurers and coordinators handle its money."))
    use_club(request, club)
    return club


def payment_qr(club_settings, amount: Decimal, reference: str) -> str | None:
    """The EPC QR code (SVG) to pay ``amount`` to the club, or None when the club has no valid IBAN."""
    if amount <= 0 or not references.valid_iban(club_settings.iban):
        return None
    try:
        return epc.qr_svg(epc.payload(name=club_settings.legal_name, iban=club_settings.iban, bic=club_settings.bic,
                                      amount=amount, reference=reference))
    except ValueError:
        return None


# --- a household ----------------------------------------------------------------------------------------


@login_required
def account(request):
    if request.user.household_id is None:
        raise Http404
    household = Household.objects.select_related("group__club", "tariff__category", "solidarity_pledge").get(
        pk=request.user.household_id)
    club_settings = services.settings_for(household.group.club)
    rows = services.statement(household)
    balance = rows[-1]["balance"] if rows else Decimal("0.00")
    reference = services.account_reference(club_settings.reference_scheme, household.pk)
    invoices = list(Invoice.objects.filter(household=household).select_related("cycle").order_by("-number")[:50])
    found = holdings([household.pk], club_id=household.group.club_id)
    containers = [{"container": found.containers[c], "count": n, "value": n * found.containers[c].deposit}
                  for (_h, c), n in sorted(found.balances.items(), key=lambda i: found.containers[i[0][1]].name) if n > 0]
    return render(request, "web/finance/account.html", {
        "containers": containers, "containers_brought_back": bool(found.returned),
        "tariff": getattr(household, "tariff", None), "pledge": getattr(household, "solidarity_pledge", None),
        "household": household, "rows": rows[-100:], "balance": balance, "settings": club_settings, "invoices": invoices,
        "reference": reference, "qr": payment_qr(club_settings, -balance, reference) if balance < 0 else None,
    })


@login_required
def invoice_pdf(request, invoice_id: int):
    invoice = Invoice.objects.filter(pk=invoice_id).select_related("household__group__club", "cycle", "corrects").first()
    if invoice is None:
        raise Http404
    access = access_for(request.user)
    # Every invoice, with a fund line or not: refusing only some would tell who is on a solidarity tariff.
    if not (access.owns_household(invoice.household_id)
            or (access.handles_money(invoice.club_id) and access.sees_fund_lines(invoice.club_id))):
        raise Http404
    club_settings = services.settings_for(invoice.household.group.club)
    qr = payment_qr(club_settings, invoice.amount_due, invoice.reference) if invoice.kind == InvoiceKind.INVOICE else None
    reference = invoice.reference
    if reference.startswith("RF"):
        reference = references.format_creditor_reference(reference)
    name = _("credit-note") if invoice.kind == InvoiceKind.CREDIT_NOTE else _("invoice")
    return pdf_response(request, "web/finance/pdf/invoice.html", {
        "invoice": invoice, "settings": club_settings, "qr": qr, "reference": reference,
    }, document_filename(name, invoice.display_number))


# --- the treasurer ---------------------------------------------------------------------------------------


@login_required
def treasury_home(request):
    """The treasury of the (first) club the user handles the money of."""
    access = access_for(request.user)
    clubs = Club.objects.all() if access.is_superuser else Club.objects.filter(
        pk__in=access.treasurer_club_ids | access.coordinated_club_ids)
    club = clubs.order_by("name").first()
    if club is None:
        raise PermissionDenied(_("Only the club's treasurers and coordinators handle its money."))
    return redirect("treasury", club.pk)


@login_required
def treasury(request, club_id: int):
    club = club_for_money(request, club_id)
    balances = services.balances(club)
    club_accounts = [(a, b) for a, b in balances if a.kind not in ("household", "producer")]
    households = sorted(((a, b) for a, b in balances if a.kind == "household" and b), key=lambda r: -r[1])
    producers = sorted(((a, b) for a, b in balances if a.kind == "producer" and b), key=lambda r: r[1])
    cycles = list(OrderCycle.objects.filter(club=club, closed_at__isnull=False).annotate(
        invoiced=Sum("invoices__amount_incl_vat")).order_by("-closes_at")[:10])
    payments = list(Payment.objects.filter(club=club).select_related("household", "producer", "payee", "transaction__reversed_by")[:20])
    pending = list(BankLine.objects.filter(statement__club=club, status=BankLineStatus.SUGGESTED, payment__isnull=True)
                   .select_related("suggested__household")[:50])
    return render(request, "web/finance/treasury.html", {
        "club": club, "club_accounts": club_accounts, "households": households, "producers": producers, "cycles": cycles,
        "payments": payments, "pending": pending, "methods": PaymentMethod.choices, "today": timezone.localdate(),
        "household_choices": Household.objects.filter(group__club=club).order_by("name"),
        "producer_choices": Producer.objects.filter(club=club).order_by("name"),
        "coordinates": access_for(request.user).coordinates_club(club.pk),
        "sees_fund_lines": access_for(request.user).sees_fund_lines(club.pk),
        "cash_counts": depot.club_cash_counts(club, limit=20),
    })


def posted_date(request) -> datetime.date:
    """A payment's date as posted: a date, not in the future (ActionError otherwise)."""
    day = read_iso_date(request.POST.get("date"))
    if day is None or day > timezone.localdate():
        raise ActionError(_("Give the payment's date (not in the future)."))
    return day


@login_required
@require_POST
def payment_create(request, club_id: int):
    club = club_for_money(request, club_id)
    party = request.POST.get("party", "")  # "h-<id>" or "p-<id>": an allow-list of two prefixes
    household = producer = None
    if party.startswith("h-") and parse_id(party[2:]):
        household = Household.objects.filter(pk=parse_id(party[2:]), group__club=club).select_related("group").first()
    elif party.startswith("p-") and parse_id(party[2:]):
        producer = Producer.objects.filter(pk=parse_id(party[2:]), club=club).first()
    payee_id = parse_id(request.POST.get("payee", "")) if request.POST.get("payee") else None
    payee = Producer.objects.filter(pk=payee_id, club=club).first() if payee_id else None
    try:
        cash_on = read_iso_date(request.POST.get("cash_on"))
        if request.POST.get("payee") and payee is None:
            raise ActionError(_("Choose a producer of this club."))
        if request.POST.get("cash_on") and cash_on is None:
            raise ActionError(_("Give the date the cheque may be cashed on, or leave it empty."))
        if household is None and producer is None:
            raise ActionError(_("Choose the household or the producer."))
        day = posted_date(request)
        services.record_payment(club=club, household=household, producer=producer, amount=request.POST.get("amount", ""),
                                method=request.POST.get("method", ""), date=day, cheque_number=request.POST.get("cheque_number", ""),
                                note=request.POST.get("note", ""), by_user=request.user, payee=payee, cash_on=cash_on)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The payment is recorded."))
    return redirect("treasury", club.pk)


@login_required
def producer_statement(request, cycle_id: int, producer_id: int):
    """What the club owes a producer for a cycle, product by product with the VAT per rate, and what it has
    paid the producer so far: for the treasurer, the club's coordinators and the producer's own account."""
    cycle = OrderCycle.objects.filter(pk=cycle_id, closed_at__isnull=False).select_related("club").first()
    producer = Producer.objects.filter(pk=producer_id, club_id=cycle.club_id).first() if cycle else None
    if producer is None:
        raise Http404
    if not (access_for(request.user).handles_money(cycle.club_id)
            or ProducerAccount.objects.filter(user=request.user, producer=producer).exists()):
        raise Http404
    rows = list(Allocation.objects.filter(cycle=cycle, offer__producer=producer, quantity__gt=0)
                .values("offer__name", "offer__unit", "offer__unit_price", "offer__vat_rate")
                .annotate(quantity=Sum("quantity"), amount=Sum("amount_incl_vat")).order_by("offer__name"))
    breakdown = vat_breakdown((r["offer__vat_rate"], r["amount"]) for r in rows)
    paid = Payment.objects.filter(club_id=cycle.club_id, producer=producer, transaction__reversed_by__isnull=True).aggregate(
        t=Sum("amount"))["t"] or Decimal("0.00")
    context = {"cycle": cycle, "producer": producer, "rows": rows, "breakdown": breakdown, "paid": paid,
               "settings": services.settings_for(cycle.club),
               "fees": producer_fees.fees_of_producer(cycle.club_id, producer.pk)}
    return pdf_response(request, "web/finance/pdf/producer_statement.html", context,
                        document_filename(_("statement"), producer.name, cycle.name))


@login_required
@require_POST
def payment_reverse(request, club_id: int, payment_id: int):
    club = club_for_money(request, club_id)
    payment = Payment.objects.filter(pk=payment_id, club=club).first()
    if payment is None:
        raise Http404
    try:
        services.reverse(transaction_id=payment.transaction_id, club=club, by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The payment is cancelled by a reversing entry."))
    return redirect("treasury", club.pk)


@login_required
@require_POST
def invoices_issue(request, club_id: int, cycle_id: int):
    club = club_for_money(request, club_id)
    cycle = OrderCycle.objects.filter(pk=cycle_id, club=club).first()
    if cycle is None:
        raise Http404
    try:
        count = services.issue_invoices(cycle)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, ngettext("%(count)s invoice or credit note issued.",
                                           "%(count)s invoices and credit notes issued.", count) % {"count": count} if count
                         else _("Every invoice of this cycle is up to date."))
    return redirect("treasury", club.pk)


@login_required
@require_http_methods(["GET", "POST"])
def bank_import(request, club_id: int):
    club = club_for_money(request, club_id)
    context = {"club": club, "columns": CsvColumns()}
    if request.method == "POST":
        upload = request.FILES.get("file")
        columns = CsvColumns(**{name: (request.POST.get(name) or getattr(CsvColumns(), name))[:60]
                                for name in ("date", "amount", "name", "text", "date_format")})
        try:
            if upload is None:
                raise ActionError(_("Choose a file."))
            if upload.size > 5 * 1024 * 1024:
                raise ActionError(_("The file is larger than 5 MB."))
            sent = flows.queue_bank_statement(club=club, data=upload.read(), filename=upload.name, columns=columns,
                                              by_user=request.user)
        except ActionError as error:
            context["error"] = error
            return render(request, "web/finance/bank_import.html", context, status=400)
        return redirect("bank-upload", club.pk, sent.pk)
    return render(request, "web/finance/bank_import.html", context)


@login_required
def bank_upload(request, club_id: int, upload_id: int):
    """A statement being matched by the worker: the page refreshes until it is done, then shows its lines."""
    club = club_for_money(request, club_id)
    upload = StatementUpload.objects.filter(pk=upload_id, club=club).defer("data").first()
    if upload is None:
        raise Http404
    if upload.done_at and upload.statement_id:
        messages.success(request, _("Statement imported: %(matched)s, %(suggested)s, %(unmatched)s.") % {
            "matched": ngettext("%(count)s payment recorded by its reference", "%(count)s payments recorded by their "
                                "reference", upload.matched) % {"count": upload.matched},
            "suggested": ngettext("%(count)s to confirm", "%(count)s to confirm", upload.suggested) % {"count": upload.suggested},
            "unmatched": ngettext("%(count)s unmatched", "%(count)s unmatched", upload.unmatched) % {"count": upload.unmatched}})
        return redirect("bank-lines", club.pk, upload.statement_id)
    return render(request, "web/finance/bank_upload.html", {"club": club, "upload": upload})


@login_required
@require_http_methods(["GET", "POST"])
def bank_lines(request, club_id: int, statement_id: int):
    club = club_for_money(request, club_id)
    lines = list(BankLine.objects.filter(statement_id=statement_id, statement__club=club)
                 .select_related("suggested__household", "payment__household"))
    if not lines:
        raise Http404
    if request.method == "POST":
        line_id, household_id = parse_id(request.POST.get("line", "")), parse_id(request.POST.get("household", ""))
        try:
            if not line_id or not household_id:
                raise ActionError(_("Choose a household of this club."))
            services.confirm_bank_line(club=club, line_id=line_id, household_id=household_id, by_user=request.user)
        except ActionError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The payment is recorded."))
        return redirect("bank-lines", club.pk, statement_id)
    return render(request, "web/finance/bank_lines.html", {
        "club": club, "lines": lines, "households": Household.objects.filter(group__club=club).order_by("name"),
    })


# --- exports -------------------------------------------------------------------------------------------------


def club_for_books(request, club_id: int) -> Club:
    """The journal and the FEC are the books, entry by entry: their household entries of the funds tell who is
    on a solidarity tariff, and an aggregated copy would no longer be the books. They are the treasurers'."""
    club = club_for_money(request, club_id)
    if not access_for(request.user).sees_fund_lines(club.pk):
        raise PermissionDenied(_("The journal and the FEC name what the solidarity fund pays for each household: "
                                 "only the club's treasurers export them."))
    return club


def _journal_rows(club: Club, year: int | None = None):
    entries = Entry.objects.filter(transaction__club=club).select_related("transaction", "account").order_by(
        "transaction__number", "pk")
    if year:
        entries = entries.filter(transaction__date__year=year)
    return entries


def _xlsx_response(filename: str, header: list[str], rows) -> HttpResponse:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


@login_required
def export(request, club_id: int, what: str, fmt: str):
    club = club_for_money(request, club_id)
    if fmt not in ("csv", "xlsx") or what not in ("journal", "balances"):
        raise Http404
    if what == "journal":
        club_for_books(request, club.pk)
    if what == "journal":
        header = [_("Number"), _("Date"), _("Journal"), _("Voucher"), _("Label"), _("Account"), _("Auxiliary"), _("Account name"),
                  _("Debit"), _("Credit")]
        data = [[e.transaction.number, e.transaction.date, e.transaction.journal, e.transaction.piece, e.transaction.label,
                 e.account.code, e.account.auxiliary, e.account.name, max(e.amount, Decimal(0)), max(-e.amount, Decimal(0))]
                for e in _journal_rows(club).iterator(chunk_size=2000)]
    else:
        header = [_("Account"), _("Auxiliary"), _("Account name"), _("Balance (debit +)")]
        data = [[a.code, a.auxiliary, a.name, b] for a, b in services.balances(club)]
    filename = document_filename(_("journal") if what == "journal" else _("balances"), club.name)
    if fmt == "xlsx":
        return _xlsx_response(filename, header, data)
    text = lambda v: csv_money(v) if isinstance(v, Decimal) else (v.strftime("%d/%m/%Y") if isinstance(v, datetime.date) else csv_text(v))  # noqa: E731
    return csv_response(filename, header, ([text(v) for v in row] for row in data))


@login_required
def export_fec(request, club_id: int, year: int):
    club = club_for_books(request, club_id)
    if not 2000 <= year <= 2100:
        raise Http404
    settings = services.settings_for(club)
    journals = dict(LedgerTransaction._meta.get_field("journal").choices)
    entries = (fec.FecEntry(
        journal_code=e.transaction.journal, journal_label=str(journals.get(e.transaction.journal, "")), number=str(e.transaction.number),
        date=e.transaction.date, account=e.account.code, account_label=e.account.name if not e.account.auxiliary else
        ("Clients" if e.account.code.startswith("411") else "Fournisseurs"), auxiliary=e.account.auxiliary,
        auxiliary_label=e.account.name if e.account.auxiliary else "", piece=e.transaction.piece or str(e.transaction.number),
        piece_date=e.transaction.date, label=e.transaction.label, amount=e.amount,
        validated=timezone.localdate(e.transaction.created_at),
    ) for e in _journal_rows(club, year).iterator(chunk_size=2000))
    response = HttpResponse(fec.text(entries), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{fec.filename(settings.siren, datetime.date(year, 12, 31))}"'
    return response


@login_required
def cycle_money(request, club_id: int, cycle_id: int):
    """A cycle's money: what each household owes for it, what each producer is owed, what has been invoiced."""
    club = club_for_money(request, club_id)
    cycle = OrderCycle.objects.filter(pk=cycle_id, club=club, closed_at__isnull=False).first()
    if cycle is None:
        raise Http404
    prefix = services.cycle_key(cycle.pk)
    rows = (Entry.objects.filter(transaction__club=club, transaction__key__startswith=prefix)
            .filter(transaction__key__regex=rf"^{prefix}(:\d+)?$")
            .values("account__kind", "account__name").annotate(total=Sum("cents")).order_by("account__kind", "account__name"))
    households = [(r["account__name"], from_cents(r["total"])) for r in rows if r["account__kind"] == "household" and r["total"]]
    producers = [(r["account__name"], -from_cents(r["total"])) for r in rows if r["account__kind"] == "producer" and r["total"]]
    invoiced = Invoice.objects.filter(cycle=cycle).aggregate(t=Sum("amount_incl_vat"))["t"] or Decimal("0.00")
    return render(request, "web/finance/cycle_money.html", {
        "club": club, "cycle": cycle, "households": households, "producers": producers, "invoiced": invoiced,
        "households_total": sum((t for _n, t in households), Decimal("0.00")),
        "producers_total": sum((t for _n, t in producers), Decimal("0.00")),
        "cash_counts": depot.club_cash_counts(club, cycle_id=cycle.pk, limit=200),
        "distributions": Distribution.objects.filter(cycle=cycle).select_related("group").order_by("group__name"),
    })


@login_required
@require_POST
def fund_receive(request, club_id: int):
    """A donation or grant for a fund (treasurers and coordinators)."""
    club = club_for_money(request, club_id)
    try:
        day = posted_date(request)
        services.receive_for_fund(club=club, fund=request.POST.get("fund", ""), amount=request.POST.get("amount", ""),
                                  method=request.POST.get("method", ""), source=request.POST.get("source", ""), date=day,
                                  origin=request.POST.get("origin", "donation"), by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The money is recorded in the fund."))
    return redirect("treasury", club.pk)


@login_required
@require_POST
def guarantee_payout(request, club_id: int):
    """Support for a producer from the guarantee fund: decided by the club's coordinators, with a reason."""
    club = get_object_or_404(Club, pk=club_id)
    if not access_for(request.user).coordinates_club(club.pk):
        raise PermissionDenied(_("A payout from the guarantee fund is decided by the club's coordinators."))
    producer_id = parse_id(request.POST.get("producer", ""))
    producer = Producer.objects.filter(pk=producer_id, club=club).first() if producer_id else None
    try:
        if producer is None:
            raise ActionError(_("Choose a producer of this club."))
        day = posted_date(request)
        services.guarantee_payout(club=club, producer=producer, amount=request.POST.get("amount", ""),
                                  reason=request.POST.get("reason", ""), date=day, by_user=request.user)
    except ActionError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The payout is recorded: the producer's account is credited."))
    return redirect("treasury", club.pk)
