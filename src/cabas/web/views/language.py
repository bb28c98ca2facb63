"""The language switch at the bottom of every page: Django's view (cookie, safe redirect), and for a person who is
logged in, the choice kept on their account — the interface and their e-mails follow it."""

from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from cabas.core.i18n import language_codes
from cabas.members.models import User


@require_POST
def set_language(request):
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in language_codes() and request.user.language != language:
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response
