from django.contrib import admin
from django.db.models import Q

from cabas.members.admin_scope import ClubScopedAdmin, ClubScopedTabularInline, ReadOnlyAdmin, coordinated_club_ids

from .models import (
    Category, CertificationVisit, CharterPoint, Container, CostSheet, Label, Producer, ProducerAccount, Product, SpecSheet, VisitCheck,
)


class ProductInline(ClubScopedTabularInline):
    model = Product
    fields = ["reference", "name", "category", "unit", "unit_price", "vat_rate", "pack_size", "order_step", "min_total",
              "container", "containers_per_step", "is_active", "is_trial"]
    extra = 0


@admin.register(Producer)
class ProducerAdmin(ClubScopedAdmin):
    club_path = "club"
    list_display = ["name", "club", "kind", "address", "charter_signed_on", "distributes_itself"]
    list_filter = ["club", "kind", "labels", "distributes_itself"]
    search_fields = ["name"]
    filter_horizontal = ["labels"]
    raw_id_fields = ["referent"]
    inlines = [ProductInline]


class OfClubAdmin(ClubScopedAdmin):
    """A club's own rows and the installation's (``club`` empty): a coordinator reads both and changes only the
    club's (added on the catalogue pages); the installation's are the operators'."""

    club_path = "club"

    def scope_queryset(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Q(club__in=coordinated_club_ids(request)) | Q(club__isnull=True))

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser else [*fields, "club"]

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.club_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.club_id is None and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Category)
class CategoryAdmin(OfClubAdmin):
    list_display = ["name", "club", "position"]
    list_filter = ["club"]


@admin.register(Product)
class ProductAdmin(ClubScopedAdmin):
    club_path = "producer__club"
    list_display = ["name", "producer", "category", "unit", "unit_price", "vat_rate", "pack_size", "is_active"]
    list_filter = ["category", "producer__club", "is_active"]
    list_select_related = ["producer", "category"]
    search_fields = ["name", "producer__name"]


@admin.register(Container)
class ContainerAdmin(ClubScopedAdmin):
    """Returnable containers and their deposits; a product carries one per order step (its ``container``)."""

    club_path = "club"
    list_display = ["name", "deposit", "producer", "club"]
    list_filter = ["club"]
    search_fields = ["name"]


@admin.register(Label)
class LabelAdmin(OfClubAdmin):
    list_display = ["name", "club"]
    list_filter = ["club"]
    search_fields = ["name"]


@admin.register(ProducerAccount)
class ProducerAccountAdmin(ClubScopedAdmin):
    club_path = "producer__club"
    list_display = ["user", "producer"]
    raw_id_fields = ["user"]


class ReadOnlyDecisionAdmin(ReadOnlyAdmin):
    """Proposals are made and decided on the producers' and coordination pages; here they are read."""


@admin.register(SpecSheet)
class SpecSheetAdmin(ReadOnlyDecisionAdmin):
    club_path = "product__producer__club"
    list_display = ["product", "version", "status", "proposed_at", "decided_at"]
    list_filter = ["status"]


@admin.register(CostSheet)
class CostSheetAdmin(ReadOnlyDecisionAdmin):
    club_path = "product__producer__club"
    list_display = ["product", "season", "unit_price", "status", "decided_at"]
    list_filter = ["status"]


@admin.register(CharterPoint)
class CharterPointAdmin(ClubScopedAdmin):
    club_path = "club"
    list_display = ["text", "club", "position"]
    list_filter = ["club"]


class VisitCheckInline(ClubScopedTabularInline):
    model = VisitCheck
    extra = 0


@admin.register(CertificationVisit)
class CertificationVisitAdmin(ClubScopedAdmin):
    club_path = "producer__club"
    list_display = ["producer", "visited_on", "decision", "next_visit_on"]
    list_filter = ["decision"]
    inlines = [VisitCheckInline]
