from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Log in by e-mail address, whatever its case."""

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
