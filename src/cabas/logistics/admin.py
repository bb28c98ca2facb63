"""Club coordinators edit the transport settings, sites, vehicles and chilled categories here; plans are
computed, chosen and posted on the cycle's transport page, and only read here."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.core.admin_site import ReadOnlyAdmin

from .models import ChilledCategory, CostShare, LogisticsSettings, Round, RoundStop, Site, TransportPlan, Vehicle


@admin.register(LogisticsSettings)
class LogisticsSettingsAdmin(admin.ModelAdmin):
    list_display = ["club", "scheme", "sharing_method", "participants", "osrm_url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "http"}}  # a local OSRM is usually plain http
    fieldsets = [
        (None, {"fields": ["club", "scheme", "hub"]}),
        (_("Distances"), {"fields": ["detour_factor", "speed_kmh", "osrm_url", "osrm_fallback"]}),
        (_("Solver"), {"fields": ["solver_seconds", "coalition_seconds", "day_starts", "day_ends", "service_minutes"]}),
        (_("Cost sharing"), {"fields": ["sharing_method", "participants", "shapley_samples"]}),
        (_("Own vehicle (baseline) and CO2"), {"fields": [
            "own_capacity_kg", "own_capacity_crates", "own_cost_per_km", "own_cost_per_hour", "own_co2_g_per_km", "co2_g_per_km",
        ]}),
    ]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "club", "opens_at", "closes_at", "service_minutes", "hub_mode"]
    list_filter = ["club", "kind"]
    search_fields = ["name"]
    list_select_related = ["club"]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["name", "club", "count", "capacity_kg", "capacity_crates", "refrigerated", "cost_per_km", "cost_per_hour",
                    "fixed_cost", "driver_kind", "is_active"]
    list_filter = ["club", "driver_kind", "refrigerated", "is_active"]
    list_select_related = ["club"]


@admin.register(ChilledCategory)
class ChilledCategoryAdmin(admin.ModelAdmin):
    list_display = ["category", "club"]
    list_filter = ["club"]


class RoundInline(admin.TabularInline):
    model = Round
    fields = ["position", "echelon", "vehicle_name", "km", "minutes", "cost", "co2_kg", "trips"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CostShareInline(admin.TabularInline):
    model = CostShare
    fields = ["name", "key", "share", "stand_alone", "saving", "method", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TransportPlan)
class TransportPlanAdmin(ReadOnlyAdmin):
    list_display = ["cycle", "scheme", "km", "hours", "cost", "co2_kg", "baseline_cost", "feasible", "chosen", "computed_at"]
    list_filter = ["scheme", "chosen", "feasible"]
    list_select_related = ["cycle"]
    inlines = [RoundInline, CostShareInline]


@admin.register(RoundStop)
class RoundStopAdmin(ReadOnlyAdmin):
    list_display = ["round", "sequence", "action", "name", "arrival", "departure"]
    list_select_related = ["round"]
