from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from cabas.core.rows import Loader, fetch_one, table

from .models import Club, Group, Household

_loaders: tuple[Loader, Loader, Loader, Loader] | None = None


def _user_loaders() -> tuple[Loader, Loader, Loader, Loader]:
    global _loaders
    if _loaders is None:
        _loaders = (Loader(get_user_model(), "u"), Loader(Household, "h"), Loader(Group, "g"), Loader(Club, "c"))
    return _loaders


def user_with_household(user_id):
    """The user, their household, its group and its club (select_related("household__group__club"): the club's
    words on every page) in one plain statement built once: every request of a logged-in member reads it
    (cabas.core.rows)."""
    users, households, groups, clubs = _user_loaders()
    user_model = users.model
    pk = user_model._meta.pk.to_python(user_id)
    row = fetch_one(
        f"SELECT {users.columns}, {households.columns}, {groups.columns}, {clubs.columns} FROM {table(user_model)} u "
        f"LEFT JOIN {table(Household)} h ON h.id = u.household_id LEFT JOIN {table(Group)} g ON g.id = h.group_id "
        f"LEFT JOIN {table(Club)} c ON c.id = g.club_id "
        "WHERE u.id = %s", [pk],
    )
    if row is None:
        return None
    user = users.load(row)
    household = households.load(row, users.width)
    user_model._meta.get_field("household").set_cached_value(user, household)
    if household is not None:
        group = groups.load(row, users.width + households.width)
        Household._meta.get_field("group").set_cached_value(household, group)
        Group._meta.get_field("club").set_cached_value(group, clubs.load(row, users.width + households.width + groups.width))
    return user


class EmailBackend(ModelBackend):
    """Log in by e-mail address, whatever its case. The user of each request comes with their household and its
    group in the same query (most pages and every save need them)."""

    def get_user(self, user_id):
        try:
            user = user_with_household(user_id)
        except (TypeError, ValueError, ValidationError):  # a session holding something that is not an id
            return None
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        if username is None:
            username = email
        if username is not None:
            username = username.strip().lower()
        return super().authenticate(request, username=username, password=password, **kwargs)


class ThrottledBackend(AxesStandaloneBackend):
    """django-axes' check before the password's (cabas.members.throttling). A password checked outside a
    request (a shell, a test) has nothing to throttle: it goes straight to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
