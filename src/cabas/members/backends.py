from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Log in by e-mail address, whatever its case."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        if username is None:
            username = email
        if username is not None:
            username = username.strip().lower()
        return super().authenticate(request, username=username, password=password, **kwargs)
