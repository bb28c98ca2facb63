from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Club, Depot, Group, Household, Role, User


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin):
    list_display = ["name", "territory", "group_label"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class DepotInline(admin.StackedInline):
    model = Depot
    extra = 1
    max_num = 1


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "club"]
    list_filter = ["club"]
    list_select_related = ["club"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [DepotInline]


@admin.register(Depot)
class DepotAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "address", "distribution_weekday", "slot_start", "slot_end"]
    list_select_related = ["group"]
    search_fields = ["name", "address"]


class MemberInline(admin.TabularInline):
    model = User
    fields = ["email", "first_name", "last_name", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["name", "group"]
    list_filter = ["group__club", "group"]
    list_select_related = ["group"]
    search_fields = ["name", "members__email"]
    inlines = [MemberInline]


class RoleInline(admin.TabularInline):
    model = Role
    fk_name = "user"
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "household", "is_staff"]
    list_select_related = ["household"]
    search_fields = ["email", "first_name", "last_name"]
    autocomplete_fields = ["household"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Identity"), {"fields": ["first_name", "last_name", "household"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "household", "password1", "password2"]})]
    inlines = [RoleInline]


@admin.register(AccessAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """Failed logins counted by the throttling (django-axes): addresses and account names, for the installation's
    operators only. Deleting an attempt lifts its lock (or `cabas axes_reset`)."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    search_fields = ["username", "ip_address"]
    readonly_fields = ["username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time"]
    exclude = ["get_data", "post_data", "http_accept"]

    def has_add_permission(self, request):
        return False
