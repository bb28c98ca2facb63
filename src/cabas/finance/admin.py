"""The money settings are edited here; the ledger, invoices and payments are only read (they change
through the treasury pages, one service per action, and never afterwards)."""

from django.contrib import admin

from cabas.members.admin_scope import ClubScopedAdmin, ClubScopedTabularInline, ReadOnlyAdmin
from cabas.members.permissions import access_for

from .models import Account, Entry, FinanceSettings, Invoice, LedgerTransaction, Payment, TariffCategory


@admin.register(TariffCategory)
class TariffCategoryAdmin(ClubScopedAdmin):
    """The club's tariffs. Which household has which is confidential and is not shown here."""

    club_path = "club"

    list_display = ["name", "club", "discount_rate"]
    list_filter = ["club"]


@admin.register(FinanceSettings)
class FinanceSettingsAdmin(ClubScopedAdmin):
    club_path = "club"
    list_display = ["legal_name", "club", "payment_mode", "reference_scheme"]


class BooksAdmin(ReadOnlyAdmin):
    """The ledger, accounts, invoices and payments name what the funds pay per household (who is on a solidarity
    tariff): a staff coordinator reads them only for the clubs where they are also treasurer or solidarity
    referent, as on the treasury pages."""

    def club_ids(self, request):
        access = access_for(request.user)
        return frozenset(c for c in access.coordinated_club_ids if access.sees_fund_lines(c))


class EntryInline(ClubScopedTabularInline):
    model = Entry
    fields = ["account", "cents", "currency"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(BooksAdmin):
    club_path = "club"
    list_display = ["number", "club", "date", "journal", "label", "piece"]
    list_filter = ["club", "journal"]
    search_fields = ["label", "piece"]
    inlines = [EntryInline]


@admin.register(Account)
class AccountAdmin(BooksAdmin):
    club_path = "club"
    list_display = ["code", "auxiliary", "name", "kind", "club"]
    list_filter = ["club", "kind"]
    search_fields = ["name", "auxiliary"]


@admin.register(Invoice)
class InvoiceAdmin(BooksAdmin):
    club_path = "club"
    list_display = ["number", "kind", "household", "cycle", "issued_on", "amount_incl_vat"]
    list_filter = ["club", "kind"]


@admin.register(Payment)
class PaymentAdmin(BooksAdmin):
    club_path = "club"
    list_display = ["date", "household", "producer", "method", "amount"]
    list_filter = ["club", "method"]
