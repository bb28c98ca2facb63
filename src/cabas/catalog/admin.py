from django.contrib import admin

from cabas.core.admin_site import ReadOnlyAdmin

from .models import (
    Category, CertificationVisit, CharterPoint, Container, CostSheet, Label, Producer, ProducerAccount, Product, SpecSheet, VisitCheck,
)


class ProductInline(admin.TabularInline):
    model = Product
    fields = ["reference", "name", "category", "unit", "unit_price", "vat_rate", "pack_size", "order_step", "min_total",
              "container", "containers_per_step", "is_active", "is_trial"]
    extra = 0


@admin.register(Producer)
class ProducerAdmin(admin.ModelAdmin):
    list_display = ["name", "club", "kind", "address", "charter_signed_on", "distributes_itself"]
    list_filter = ["club", "kind", "labels", "distributes_itself"]
    search_fields = ["name"]
    filter_horizontal = ["labels"]
    raw_id_fields = ["referent"]
    inlines = [ProductInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "club", "position"]
    list_filter = ["club"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "producer", "category", "unit", "unit_price", "vat_rate", "pack_size", "is_active"]
    list_filter = ["category", "producer__club", "is_active"]
    list_select_related = ["producer", "category"]
    search_fields = ["name", "producer__name"]


@admin.register(Container)
class ContainerAdmin(admin.ModelAdmin):
    """Returnable containers and their deposits; a product carries one per order step (its ``container``)."""

    list_display = ["name", "deposit", "producer", "club"]
    list_filter = ["club"]
    search_fields = ["name"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "club"]
    list_filter = ["club"]
    search_fields = ["name"]


@admin.register(ProducerAccount)
class ProducerAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "producer"]
    raw_id_fields = ["user"]


class ReadOnlyDecisionAdmin(ReadOnlyAdmin):
    """Proposals are made and decided on the producers' and coordination pages; here they are read."""


@admin.register(SpecSheet)
class SpecSheetAdmin(ReadOnlyDecisionAdmin):
    list_display = ["product", "version", "status", "proposed_at", "decided_at"]
    list_filter = ["status"]


@admin.register(CostSheet)
class CostSheetAdmin(ReadOnlyDecisionAdmin):
    list_display = ["product", "season", "unit_price", "status", "decided_at"]
    list_filter = ["status"]


@admin.register(CharterPoint)
class CharterPointAdmin(admin.ModelAdmin):
    list_display = ["text", "club", "position"]
    list_filter = ["club"]


class VisitCheckInline(admin.TabularInline):
    model = VisitCheck
    extra = 0


@admin.register(CertificationVisit)
class CertificationVisitAdmin(admin.ModelAdmin):
    list_display = ["producer", "visited_on", "decision", "next_visit_on"]
    list_filter = ["decision"]
    inlines = [VisitCheckInline]
