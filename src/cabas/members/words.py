"""The club's words for pages, e-mails and documents: ``words_for(club)`` is read like a dictionary of the forms
of ``members.vocabulary`` (``words["the_group"]``, ``{{ words.this_depot }}``, ``_("…%(the_group)s…") % words``),
each in the language active when it is read — French: the club's words; another language: its own words, or
the club's proper names (GAC, GASAP, AMAP)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import get_language

from . import vocabulary
from .vocabulary import ClubWords, Word


def club_words(club) -> ClubWords:
    """A club's three words (its settings; the defaults without a club)."""
    if club is None:
        return vocabulary.DEFAULT_WORDS
    return ClubWords(
        group=Word(club.group_label, club.group_label_plural, club.group_label_feminine),
        depot=Word(club.depot_label, club.depot_label_plural, club.depot_label_feminine),
        subscription=Word(club.subscription_label, club.subscription_label_plural, club.subscription_label_feminine),
    )


class Words(Mapping):
    """The forms of a club's words, in the language active when read."""

    def __init__(self, words: ClubWords):
        self._words = words
        self._by_language: dict[str, dict[str, str]] = {}

    def _forms(self) -> dict[str, str]:
        language = get_language() or "fr"
        found = self._by_language.get(language)
        if found is None:
            found = self._by_language[language] = vocabulary.forms(self._words, language)
        return found

    def __getitem__(self, key: str) -> str:
        return self._forms()[key]

    def __iter__(self):
        return iter(vocabulary.FORM_KEYS)

    def __len__(self) -> int:
        return len(vocabulary.FORM_KEYS)

    def with_(self, **values) -> dict[str, object]:
        """The forms and other values, for a message: ``_("%(name)s left %(the_group)s.") % words.with_(name=…)``."""
        return {**self._forms(), **values}


def words_for(club) -> Words:
    """The words of ``club`` (None: the defaults), for a page, an e-mail or a document."""
    return Words(club_words(club))


DEFAULT = Words(vocabulary.DEFAULT_WORDS)
