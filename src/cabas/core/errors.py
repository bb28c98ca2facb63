"""The error a service raises when a user's action cannot be carried out.

Views catch it and show its messages on the page; nothing has been written when it is raised.
"""

from __future__ import annotations


class ActionError(Exception):
    """`messages` are for the user (already translated); `field_errors` maps a form field to its message."""

    def __init__(self, *messages: str, field_errors: dict[str, str] | None = None):
        self.messages = [str(m) for m in messages]
        self.field_errors = {k: str(v) for k, v in (field_errors or {}).items()}
        super().__init__("; ".join(self.messages + list(self.field_errors.values())))

    @property
    def all_messages(self) -> list[str]:
        return self.messages + list(self.field_errors.values())


class CodedError(ValueError):
    """What a pure module (no Django) raises on input it cannot work on: a stable ``code``, an English
    ``message`` with %(name)s fields, marked for translation, and the ``params`` that fill them. The caller
    shows ``gettext(error.message) % error.params`` in the user's language."""

    def __init__(self, code: str, message: str, **params):
        self.code = code
        self.message = message
        self.params = params
        super().__init__(message % params)


def translatable(message: str) -> str:
    """Marks a message for translation without importing Django: pure modules import it as ``_`` (so
    ``makemessages`` finds their messages), and their caller translates the text with ``gettext``."""
    return message
