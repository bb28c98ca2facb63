"""Languages of people: the interface and e-mails speak the language a person chose, else the club's (French).

E-mails are written by the task worker for many people at once, each in their own language: a subject is kept as a
``Deferred`` message (the English msgid and its parameters) and translated when the e-mail is built for its
recipient, under ``translation.override(language_of(...))``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


def language_of(code: str | None) -> str:
    """The language to speak to someone who chose ``code`` (blank or unknown: the installation's)."""
    return code if code in language_codes() else settings.LANGUAGE_CODE


class Deferred:
    """A message translated when it is shown, not when it is written: ``Deferred(gettext_noop("Hi %(name)s"),
    {"name": ...})``, or with plural forms ``Deferred(ngettext_lazy("%(count)s line", "%(count)s lines", "count"),
    {"count": n})``; ``str()`` translates it into the active language."""

    __slots__ = ("message", "params")

    def __init__(self, message: str, params: dict | None = None):
        self.message = message
        self.params = params

    def __str__(self) -> str:
        if not isinstance(self.message, str):  # a lazy message (ngettext_lazy): it picks its plural form from params
            return str(self.message % self.params) if self.params is not None else str(self.message)
        text = gettext(self.message)
        return text % self.params if self.params is not None else text

    def __repr__(self) -> str:
        return f"Deferred({self.message!r})"
