"""The installation operators' view of volunteering (coordinators work in Cabas' own pages)."""

from django.contrib import admin


from .models import DriverRota, HarvestCall, Shift, TaskKind, VolunteerTarget


@admin.register(TaskKind)
class TaskKindAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "hours", "people_needed", "club"]
    list_filter = ["club", "category"]


@admin.register(VolunteerTarget)
class VolunteerTargetAdmin(admin.ModelAdmin):
    list_display = ["club", "group", "hours_per_year"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "group", "kind", "people_needed", "confirmed_at", "cancelled_at"]
    list_filter = ["club", "kind__category"]
    date_hierarchy = "starts_at"
    search_fields = ["title"]
    raw_id_fields = ["distribution", "harvest_call", "visit", "rota"]


@admin.register(HarvestCall)
class HarvestCallAdmin(admin.ModelAdmin):
    list_display = ["title", "producer", "created_at"]


@admin.register(DriverRota)
class DriverRotaAdmin(admin.ModelAdmin):
    list_display = ["name", "club", "starts_on", "ends_on"]
