"""The Django admin is the installation operators' tool: superusers only.

Coordinators work in Cabas' own pages, scoped to their club or group with the role checks of
``members.permissions``. An account that is staff but not superuser (a coordinator given the admin in an older
installation) is refused by the admin like an anonymous visitor: the admin's login page says the account is not
authorised, and no model, list or form of it opens."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class OperatorsAdminSite(admin.AdminSite):
    site_header = "Cabas — exploitation"
    site_title = "Cabas"

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser


class OperatorsAdminConfig(AdminConfig):
    """Installed in place of ``django.contrib.admin``: the default site is the operators' one."""

    default_site = "cabas.core.admin_site.OperatorsAdminSite"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never edited here: what changes through a service (one action, one transaction)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
