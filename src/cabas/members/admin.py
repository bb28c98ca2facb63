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

    # Staff who are not superusers (club coordinators) manage member accounts, never rights: they do
    # not see the permission fields or roles, and cannot open a superuser's account.
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        return [(name, {**options, "fields": [f for f in options["fields"] if f in self.MEMBER_FIELDS]})
                for name, options in fieldsets]

    MEMBER_FIELDS = {"email", "password", "first_name", "last_name", "household", "is_active", "last_login", "date_joined"}

    def get_inlines(self, request, obj):
        return self.inlines if request.user.is_superuser else []

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False, is_staff=False)
