"""Admin pieces shared by the apps (here in members, the lowest layer that knows who coordinates which club).

Every admin class scopes what a staff user who is not a superuser (a club coordinator) sees and edits to
the clubs they coordinate: the lists, the objects opened, and the choices offered in foreign keys. Each
class declares how its model reaches its club with ``club_path`` (a lookup such as ``"group__club"``, or
``"pk"`` for the club itself), or ``SHARED`` (vocabulary shared by every club: read, never edited, by
non-superusers) or ``SUPERUSERS_ONLY`` (rights and what outlives a club). A test fails when a registered
admin does not declare it. Superusers, the installation's operators, see everything.
"""

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404

from .permissions import access_for

# club_path values that are not lookups
UNDECLARED = None
SHARED = "<shared by every club>"
SUPERUSERS_ONLY = "<superusers only>"


def coordinated_club_ids(request) -> frozenset[int]:
    return access_for(request.user).coordinated_club_ids


def _is_operator(request) -> bool:
    return bool(getattr(request.user, "is_superuser", False))


def scoped_choices(admin_site, request, db_field, queryset, related_club_paths):
    """The choices of a foreign key (or many-to-many) field for a non-superuser: the related model's own
    scope when its admin declares one, else the path declared on the form's admin, else none (deny by
    default)."""
    related_admin = admin_site._registry.get(db_field.remote_field.model)
    if isinstance(related_admin, ClubScopeMixin) and related_admin.club_path is not UNDECLARED:
        return related_admin.scope_queryset(request, queryset)
    path = related_club_paths.get(db_field.name)
    if path == SHARED:
        return queryset
    if path and path != SUPERUSERS_ONLY:
        return queryset.filter(**{f"{path}__in": coordinated_club_ids(request)})
    return queryset.none()


class _ChoicesScoped:
    # Paths to the club for foreign keys to models that have no admin of their own: {"field": "path"}.
    related_club_paths: dict[str, str] = {}

    def _scope_choices(self, db_field, request, kwargs):
        if _is_operator(request) or "queryset" in kwargs:
            return kwargs
        queryset = self.get_field_queryset(None, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.all()
        kwargs["queryset"] = scoped_choices(self.admin_site, request, db_field, queryset, self.related_club_paths)
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self._scope_choices(db_field, request, kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self._scope_choices(db_field, request, kwargs))


class ClubScopeMixin(_ChoicesScoped):
    """For a ModelAdmin (put it first among the bases): the lists, objects and choices of the clubs the
    staff user coordinates."""

    club_path: str | None = UNDECLARED

    def club_ids(self, request) -> frozenset[int]:
        return coordinated_club_ids(request)

    def scope_queryset(self, request, queryset):
        if _is_operator(request):
            return queryset
        if self.club_path == SHARED:
            return queryset
        if self.club_path in (UNDECLARED, SUPERUSERS_ONLY):
            return queryset.none()
        return queryset.filter(**{f"{self.club_path}__in": self.club_ids(request)})

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        """An object outside the user's clubs answers 404, like one that does not exist (the admin would
        otherwise redirect to its index)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None and not _is_operator(request):
            raise Http404
        return obj

    def get_list_filter(self, request):
        """Filters on a relation offer only the values present in the user's clubs, not every club's."""
        filters = super().get_list_filter(request)
        if _is_operator(request):
            return filters
        scoped = []
        for item in filters:
            if isinstance(item, str):
                try:
                    if get_fields_from_path(self.model, item)[-1].is_relation:
                        item = (item, admin.RelatedOnlyFieldListFilter)
                except FieldDoesNotExist:
                    pass
            scoped.append(item)
        return scoped

    def _operators_only(self, request) -> bool:
        return self.club_path in (UNDECLARED, SUPERUSERS_ONLY) and not _is_operator(request)

    def _read_only(self, request) -> bool:
        return not _is_operator(request) and (self.club_path == SHARED or not self.club_ids(request))

    def has_module_permission(self, request):
        return not self._operators_only(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return not self._operators_only(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return not self._operators_only(request) and not self._read_only(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return (not self._operators_only(request) and not self._read_only(request)
                and super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return (not self._operators_only(request) and not self._read_only(request)
                and super().has_delete_permission(request, obj))


class ClubScopedAdmin(ClubScopeMixin, admin.ModelAdmin):
    """A ModelAdmin scoped to the staff user's clubs; subclasses declare ``club_path``."""


class ClubScopedInlineMixin(_ChoicesScoped):
    """For an inline: its rows belong to the parent object (already scoped); its foreign-key choices are
    scoped like the admin's, and the rows of a model whose admin narrows further (member accounts) too.
    ``superusers_only`` inlines are shown to superusers alone."""

    superusers_only = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        own_admin = self.admin_site._registry.get(self.model)
        if isinstance(own_admin, ClubScopeMixin):
            queryset = own_admin.scope_queryset(request, queryset)
        return queryset

    def _hidden(self, request) -> bool:
        return self.superusers_only and not _is_operator(request)

    def has_view_permission(self, request, obj=None):
        return not self._hidden(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return not self._hidden(request) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._hidden(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._hidden(request) and super().has_delete_permission(request, obj)


class ClubScopedTabularInline(ClubScopedInlineMixin, admin.TabularInline):
    pass


class ClubScopedStackedInline(ClubScopedInlineMixin, admin.StackedInline):
    pass


class ReadOnlyAdmin(ClubScopedAdmin):
    """Shown, never edited here: what changes through a service (one action, one transaction)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
