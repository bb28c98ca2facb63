"""The interface speaks French unless the person chose another language: on their account when they are logged in,
else in a cookie set by the switch at the bottom of each page."""

from django.conf import settings
from django.utils import translation

from cabas.core.i18n import language_codes


class ChosenLanguageMiddleware:
    """Like Django's LocaleMiddleware, but ignores the browser's Accept-Language.

    Members' phones are often set to English while the group lives in French: the club's language
    (LANGUAGE_CODE) is the default; a person's choice is remembered on their account (so it follows them from the
    phone to the depot's computer) and, before they log in, in the language cookie. Placed after the
    authentication middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = language_codes()

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if chosen not in self.languages:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
