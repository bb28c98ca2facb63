"""The catalogue's e-mails, sent by the task queue after the commit: a producer's login invited (the person
chooses a password from a link the task computes itself: the secret is never stored in the queue)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from cabas.core.i18n import language_of
from cabas.members.services import password_link

from .models import ProducerAccount


@task()
def send_producer_invitation(user_id: int, producer_id: int) -> int:
    """The invitation to log in for a producer: a link to choose a password (valid as long as a password reset
    link), or, for a person who has one already, word that the login now acts for the producer too."""
    account = (ProducerAccount.objects.filter(user_id=user_id, producer_id=producer_id, user__is_active=True)
               .select_related("user", "producer__club").first())
    if account is None:  # removed before the e-mail left
        return 0
    user, producer = account.user, account.producer
    with translation.override(language_of(user.language)):  # in the language they chose
        names = {"name": user.first_name or user.email, "producer": producer.name, "club": producer.club.name}
        if user.has_usable_password():
            body = _("Hello %(name)s,\n\n%(club)s has given your Cabas login access to the pages of %(producer)s: its "
                     "cycles, order sheets and supply, and its proposals to the club. Log in as usual:\n%(link)s\n\n"
                     "The coordination team") % {**names, "link": settings.SITE_URL + "/"}
        else:
            body = _("Hello %(name)s,\n\n%(club)s invites you to Cabas for %(producer)s: you will see its cycles, order "
                     "sheets and supply, and make its proposals to the club. Choose your password here within three "
                     "days:\n%(link)s\n\nAfter that, ask the club's coordinators for a new invitation, or ask for a new "
                     "password on the login page.\n\nThe coordination team") % {
                **names, "link": settings.SITE_URL + password_link(user)}
        return send_mail(_("Your Cabas login for %(producer)s") % names, body, settings.DEFAULT_FROM_EMAIL, [user.email])
