"""The club's words (pure: no Django): what a club calls a group, a depot and a subscription, and the forms a
sentence needs — « le GAC », « de l’AMAP », « cette AMAP », « au point de dépôt ».

A club writes its words in French (``Club.group_label``…: « GASAP », « point de dépôt », « contrat AMAP »), with
their plural and gender. French pages, e-mails and documents say the club's words. Pages in another language say
their own word (« group », « depot », « subscription ») unless the club's word is a proper name — an acronym
written in capitals such as GAC, GASAP or AMAP, which stays as it is in every language.

``forms(words, language)`` gives every form of the three words for one language, by key:

    group, groups, a_group, no_group, the_group, of_the_group, from_the_group, to_the_group, at_the_group, this_group,
    its_group, the_groups, of_the_groups, to_the_groups, at_the_groups

and the same with ``depot`` and ``subscription`` (``depots``, ``the_depot``…); each also capitalised, for a
sentence that starts with it (``The_group``: « Le GAC », « L’AMAP »). The keys mean the same in both languages so
that a message and its translation name the same ones: « to the » and « at the » are both « au » / « à la » in
French, « of the » and « from the » are « du » / « de la »."""

from __future__ import annotations

import re
from dataclasses import dataclass

# French elides « le », « la », « de la », « ce » before a vowel sound. An acronym is read as a word (« l’AMAP »,
# « le GASAP »); an initial h is taken as aspirated (no elision), the common case for these words.
_VOWELS = "aàâäeéèêëiîïoôöuùûüyÿœæ"
_PROPER_NAME = re.compile(r"^[A-ZÀ-ÖØ-Þ0-9][A-ZÀ-ÖØ-Þ0-9&\-. ]*[A-ZÀ-ÖØ-Þ0-9]$")
ENGLISH_WORDS = {"group": ("group", "groups"), "depot": ("depot", "depots"),
                 "subscription": ("subscription", "subscriptions")}
# Dutch: the word, its plural, and whether it takes « het » (a neuter noun) rather than « de »
DUTCH_WORDS = {"group": ("groep", "groepen", False), "depot": ("afhaalpunt", "afhaalpunten", True),
               "subscription": ("abonnement", "abonnementen", True)}
FRENCH_DEFAULTS = {"group": ("groupe d'achat", "groupes d'achat"), "depot": ("lieu de dépôt", "lieux de dépôt"),
                   "subscription": ("abonnement", "abonnements")}
NOUNS = tuple(ENGLISH_WORDS)
MAX_LENGTH = 60


@dataclass(frozen=True)
class Word:
    """One of the club's words in French: singular, plural (empty: made by ``french_plural``), gender."""

    singular: str
    plural: str = ""
    feminine: bool = False

    @property
    def plural_form(self) -> str:
        return self.plural.strip() or french_plural(self.singular)


@dataclass(frozen=True)
class ClubWords:
    group: Word
    depot: Word
    subscription: Word

    def word(self, noun: str) -> Word:
        return getattr(self, noun)


DEFAULT_WORDS = ClubWords(**{noun: Word(singular, plural) for noun, (singular, plural) in FRENCH_DEFAULTS.items()})


def is_proper_name(word: str) -> bool:
    """An acronym in capitals (GAC, GASAP, AMAP, SEL): said as it is in every language."""
    word = word.strip()
    return len(word) >= 2 and bool(_PROPER_NAME.match(word)) and any(c.isalpha() for c in word)


def _plural_of(word: str) -> str:
    lower = word.lower()
    if lower.endswith(("s", "x", "z")):
        return word
    if lower.endswith(("au", "eau", "eu")) and lower not in ("pneu", "bleu"):
        return word + "x"
    if lower.endswith("al") and lower not in ("bal", "festival", "carnaval", "récital", "chacal", "régal"):
        return word[:-2] + "aux"
    return word + "s"


def french_plural(word: str) -> str:
    """The plural of a French noun or noun phrase, for a club that gives none: an acronym stays as it is
    (« les GAC »); otherwise the first word takes the plural (« groupes d'achat », « lieux de dépôt », « points de
    dépôt », « contrats AMAP », « paniers »)."""
    word = " ".join(word.split())
    if not word or is_proper_name(word):
        return word
    first, _, rest = word.partition(" ")
    return f"{_plural_of(first)} {rest}".rstrip()


def _elides(word: str) -> bool:
    return bool(word) and word[0].lower() in _VOWELS


def _typeset(text: str) -> str:
    """Spaces tidied and the typographic apostrophe (« groupe d’achat »), as the rest of the French pages."""
    return " ".join(text.split()).replace("'", "’")


def _french(noun: str, word: Word) -> dict[str, str]:
    singular, plural = _typeset(word.singular), _typeset(word.plural_form)
    vowel = _elides(singular)
    if vowel:
        the, of_the, to_the = f"l’{singular}", f"de l’{singular}", f"à l’{singular}"
    elif word.feminine:
        the, of_the, to_the = f"la {singular}", f"de la {singular}", f"à la {singular}"
    else:
        the, of_the, to_the = f"le {singular}", f"du {singular}", f"au {singular}"
    this = f"cette {singular}" if word.feminine else f"cet {singular}" if vowel else f"ce {singular}"
    its = f"sa {singular}" if word.feminine and not vowel else f"son {singular}"
    article, none = ("une", "aucune") if word.feminine else ("un", "aucun")
    return {
        noun: singular, f"{noun}s": plural, f"a_{noun}": f"{article} {singular}", f"no_{noun}": f"{none} {singular}",
        f"the_{noun}": the,
        f"of_the_{noun}": of_the, f"from_the_{noun}": of_the, f"to_the_{noun}": to_the, f"at_the_{noun}": to_the,
        f"this_{noun}": this, f"its_{noun}": its, f"the_{noun}s": f"les {plural}", f"of_the_{noun}s": f"des {plural}",
        f"to_the_{noun}s": f"aux {plural}", f"at_the_{noun}s": f"aux {plural}",
    }


def _english(noun: str, word: Word) -> dict[str, str]:
    if is_proper_name(word.singular):
        singular, plural = _typeset(word.singular), _typeset(word.plural_form)
    else:
        singular, plural = ENGLISH_WORDS[noun]
    article = "an" if singular[:1].lower() in "aeio" else "a"  # « an AMAP », « a GASAP », « a group »
    return {
        noun: singular, f"{noun}s": plural, f"a_{noun}": f"{article} {singular}", f"no_{noun}": f"no {singular}",
        f"the_{noun}": f"the {singular}",
        f"of_the_{noun}": f"of the {singular}", f"from_the_{noun}": f"from the {singular}",
        f"to_the_{noun}": f"to the {singular}", f"at_the_{noun}": f"at the {singular}",
        f"this_{noun}": f"this {singular}", f"its_{noun}": f"its {singular}", f"the_{noun}s": f"the {plural}",
        f"of_the_{noun}s": f"of the {plural}", f"to_the_{noun}s": f"to the {plural}", f"at_the_{noun}s": f"at the {plural}",
    }


def forms(words: ClubWords, language: str | None) -> dict[str, str]:
    """Every form of the club's three words in ``language`` (French: the club's words; Dutch or English: its own
    words, or the club's proper names)."""
    french = (language or "fr").lower().startswith("fr")
    result: dict[str, str] = {}
    for noun in NOUNS:
        word = words.word(noun)
        if not word.singular.strip():
            word = DEFAULT_WORDS.word(noun)
        if french:
            result.update(_french(noun, word))
        elif (language or "").lower().startswith("nl"):
            result.update(_dutch(noun, word))
        else:
            result.update(_english(noun, word))
    result.update({key[0].upper() + key[1:]: value[:1].upper() + value[1:] for key, value in result.items()})
    return result


FORM_KEYS = tuple(forms(DEFAULT_WORDS, "fr"))


def _dutch(noun: str, word: Word) -> dict[str, str]:
    """Dutch forms: « de groep », « het afhaalpunt », « dit afhaalpunt »; a proper name (GASAP, AMAP) takes « de »."""
    if is_proper_name(word.singular):
        singular, plural, neuter = _typeset(word.singular), _typeset(word.plural_form), False
    else:
        singular, plural, neuter = DUTCH_WORDS[noun]
    the = f"het {singular}" if neuter else f"de {singular}"
    this = f"dit {singular}" if neuter else f"deze {singular}"
    return {
        noun: singular, f"{noun}s": plural, f"a_{noun}": f"een {singular}", f"no_{noun}": f"geen {singular}",
        f"the_{noun}": the,
        f"of_the_{noun}": f"van {the}", f"from_the_{noun}": f"van {the}",
        f"to_the_{noun}": f"naar {the}", f"at_the_{noun}": f"bij {the}",
        f"this_{noun}": this, f"its_{noun}": f"zijn {singular}", f"the_{noun}s": f"de {plural}",
        f"of_the_{noun}s": f"van de {plural}", f"to_the_{noun}s": f"naar de {plural}", f"at_the_{noun}s": f"bij de {plural}",
    }
