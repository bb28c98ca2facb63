"""Telling the user what happened after an action that redirects (Django's messages framework)."""

from django.contrib import messages

from cabas.core.errors import ActionError


def flash_errors(request, error: ActionError) -> None:
    """Each of an action's error messages, shown on the page the user is sent back to."""
    for message in error.all_messages:
        messages.error(request, message)
