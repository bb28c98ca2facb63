from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Log in by e-mail address, whatever its case. The user of each request comes with their household and its
    group in the same query (most pages and every save need them)."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("household__group").filter(pk=user_id).first()
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
