from django.contrib import admin

from cabas.core.admin_site import ReadOnlyAdmin

from .models import OrderCycle, RecurringCycle


@admin.register(OrderCycle)
class OrderCycleAdmin(ReadOnlyAdmin):
    """Read-only here: cycles are opened and closed from the coordination pages (frozen prices, one transaction)."""

    list_display = ["name", "club", "opens_at", "closes_at", "closed_at"]
    list_filter = ["club"]


@admin.register(RecurringCycle)
class RecurringCycleAdmin(ReadOnlyAdmin):
    """Read-only here: set up on the coordinators' page (groups checked against the club, the next opening)."""

    list_display = ["name", "club", "every_weeks", "next_opens_on", "is_active"]
    list_filter = ["club", "is_active"]
