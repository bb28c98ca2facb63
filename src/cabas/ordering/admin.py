from django.contrib import admin

from cabas.core.admin_site import ReadOnlyAdmin

from .models import OrderCycle


@admin.register(OrderCycle)
class OrderCycleAdmin(ReadOnlyAdmin):
    """Read-only here: cycles are opened and closed from the coordination pages (frozen prices, one transaction)."""


    list_display = ["name", "club", "opens_at", "closes_at", "closed_at"]
    list_filter = ["club"]
