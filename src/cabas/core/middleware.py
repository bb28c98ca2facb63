"""The interface speaks French unless the person chose another language (a cookie set by the switch)."""

from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Like Django's LocaleMiddleware, but ignores the browser's Accept-Language.

    Members' phones are often set to English while the group lives in French: the club's language
    (LANGUAGE_CODE) is the default, and the language switch at the bottom of each page stores a choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
