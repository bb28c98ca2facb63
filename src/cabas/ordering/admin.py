from django.contrib import admin

from .models import OrderCycle


@admin.register(OrderCycle)
class OrderCycleAdmin(admin.ModelAdmin):
    """Read-only here: cycles are opened and closed from the coordination pages (frozen prices, one transaction)."""

    list_display = ["name", "club", "opens_at", "closes_at", "closed_at"]
    list_filter = ["club"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
