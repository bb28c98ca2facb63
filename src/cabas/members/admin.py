from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group as PermissionGroup
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .admin_scope import (
    SUPERUSERS_ONLY, ClubScopedAdmin, ClubScopedStackedInline, ClubScopedTabularInline, ClubScopeMixin,
)

from .models import Club, Depot, Group, Household, Role, User


@admin.register(Club)
class ClubAdmin(ClubScopedAdmin):
    club_path = "pk"
    list_display = ["name", "territory", "group_label"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def has_add_permission(self, request):  # a new club has no coordinator yet: the operators create it
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class DepotInline(ClubScopedStackedInline):
    model = Depot
    extra = 1
    max_num = 1


@admin.register(Group)
class GroupAdmin(ClubScopedAdmin):
    club_path = "club"
    list_display = ["name", "club"]
    list_filter = ["club"]
    list_select_related = ["club"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    inlines = [DepotInline]


@admin.register(Depot)
class DepotAdmin(ClubScopedAdmin):
    club_path = "group__club"
    list_display = ["name", "group", "address", "distribution_weekday", "slot_start", "slot_end"]
    list_select_related = ["group"]
    search_fields = ["name", "address"]


class MemberInline(ClubScopedTabularInline):
    model = User
    fields = ["email", "first_name", "last_name", "is_active"]
    extra = 0
    show_change_link = True


@admin.register(Household)
class HouseholdAdmin(ClubScopedAdmin):
    club_path = "group__club"
    list_display = ["name", "group"]
    list_filter = ["group__club", "group"]
    list_select_related = ["group"]
    search_fields = ["name", "members__email"]
    inlines = [MemberInline]


class RoleInline(ClubScopedTabularInline):
    model = Role
    superusers_only = True  # roles are rights: the operators hand them out
    fk_name = "user"
    extra = 0


@admin.register(User)
class UserAdmin(ClubScopeMixin, BaseUserAdmin):
    club_path = "household__group__club"
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

    # Staff who are not superusers (club coordinators) manage their clubs' member accounts, never rights nor
    # passwords: they do not see the permission fields, roles or password, and cannot open an account that
    # carries rights (staff, superuser, a role, a producer account) nor one of another club.
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        return [(name, {**options, "fields": [f for f in options["fields"] if f in self.MEMBER_FIELDS]})
                for name, options in fieldsets]

    MEMBER_FIELDS = {"email", "first_name", "last_name", "household", "is_active", "last_login", "date_joined"}

    def get_inlines(self, request, obj):
        return self.inlines if request.user.is_superuser else []

    def get_readonly_fields(self, request, obj=None):
        # A new address, then "forgotten password", would change the person's password: the operators' alone.
        fields = super().get_readonly_fields(request, obj)
        return fields if request.user.is_superuser or obj is None else [*fields, "email"]

    def scope_queryset(self, request, queryset):
        queryset = super().scope_queryset(request, queryset)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(is_superuser=False, is_staff=False, roles__isnull=True, producer_account__isnull=True)

    def user_change_password(self, request, id, form_url=""):
        """Only the operators set someone's password; a member resets their own from the login page."""
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


# Permission groups hand out rights: the operators' business only.
admin.site.unregister(PermissionGroup)


@admin.register(PermissionGroup)
class PermissionGroupAdmin(ClubScopeMixin, BaseGroupAdmin):
    club_path = SUPERUSERS_ONLY


@admin.register(AccessAttempt)
class LoginAttemptAdmin(ClubScopedAdmin):
    """Failed logins counted by the throttling (django-axes): addresses and account names, for the installation's
    operators only. Deleting an attempt lifts its lock (or `cabas axes_reset`)."""

    club_path = SUPERUSERS_ONLY
    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    search_fields = ["username", "ip_address"]
    readonly_fields = ["username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time"]
    exclude = ["get_data", "post_data", "http_accept"]

    def has_add_permission(self, request):
        return False
