"""The money settings are edited here; the ledger, invoices and payments are only read (they change
through the treasury pages, one service per action, and never afterwards)."""

from django.contrib import admin

from cabas.core.admin_site import ReadOnlyAdmin

from .models import Account, Entry, FinanceSettings, Invoice, LedgerTransaction, Payment, TariffCategory


@admin.register(TariffCategory)
class TariffCategoryAdmin(admin.ModelAdmin):
    """The club's tariffs. Which household has which is confidential and is not shown here."""

    list_display = ["name", "club", "discount_rate"]
    list_filter = ["club"]


@admin.register(FinanceSettings)
class FinanceSettingsAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "club", "payment_mode", "reference_scheme"]


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["account", "cents", "currency"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ["number", "club", "date", "journal", "label", "piece"]
    list_filter = ["club", "journal"]
    search_fields = ["label", "piece"]
    inlines = [EntryInline]


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "auxiliary", "name", "kind", "club"]
    list_filter = ["club", "kind"]
    search_fields = ["name", "auxiliary"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "household", "cycle", "issued_on", "amount_incl_vat"]
    list_filter = ["club", "kind"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["date", "household", "producer", "method", "amount"]
    list_filter = ["club", "method"]
