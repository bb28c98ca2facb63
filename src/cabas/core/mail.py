"""E-mails go out through the task queue, after the transaction that decided them commits.

``queue_email`` enqueues one plain message (subject, text, recipients: plain values the queue can store);
the ``send_email`` task sends it. One task per message, so a retried task sends at most its own message
again; a mail server that refuses fails the task, which the operators see (and may retry), while the
action that decided it stands. E-mails that carry a secret (a password link) or need rendering (PDFs) have
their own task that computes them in the worker (``members.tasks``, ``web.tasks``); notifications to
members have theirs, with a record of what was sent (``notifications``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django_tasks import task

from .tasks import enqueue_on_commit


def queue_email(subject: str, body: str, to: Iterable[str]) -> None:
    recipients = [address for address in to if address]
    if recipients:
        enqueue_on_commit(send_email, str(subject), str(body), recipients)


@task()
def send_email(subject: str, body: str, to: list[str]) -> int:
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to).send()
