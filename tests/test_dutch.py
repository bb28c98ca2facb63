"""Dutch for Belgian groups: a complete catalogue, a choice remembered on the person's account (pages and e-mails),
and no page shown in Dutch with a string left in English or in French.

The walk opens every named page of a club with everything a season makes (tests/two_clubs.py) as each of its
people, in Dutch, and reads each HTML page's text: a text that is the English original of a message whose Dutch
differs (a string marked for translation but not translated), or the French of a message (a string written in
French in a template or in code), is reported with its page."""

from __future__ import annotations

import gettext
import html.parser
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_noop, ngettext_lazy

import cabas
from cabas.core.i18n import Deferred
from cabas.members import vocabulary
from cabas.members.models import User
from cabas.notifications import services as notifications
from cabas.notifications import tasks as notification_tasks
from cabas.volunteering.models import TaskKind

from .test_two_clubs import ROLES, FakeHTML, urls_of
from .two_clubs import build_club

LOCALE = Path(cabas.__file__).parent / "locale"


def catalogue(language: str) -> dict:
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as compiled:
        return gettext.GNUTranslations(compiled)._catalog


def msgid_of(key) -> str:
    return key[0] if isinstance(key, tuple) else key


def test_the_dutch_catalogue_has_every_message_of_the_french_one():
    french, dutch = catalogue("fr"), catalogue("nl")
    missing = sorted({msgid_of(k) for k in french if k not in dutch and msgid_of(k)})
    empty = sorted({msgid_of(k) for k, v in dutch.items() if msgid_of(k) and not v.strip()})
    assert not missing, f"{len(missing)} messages have no Dutch: " + " | ".join(missing[:20])
    assert not empty, f"{len(empty)} Dutch messages are empty: " + " | ".join(empty[:20])


def test_the_compiled_catalogues_are_those_of_the_po_files():
    """A .po changed without `msgfmt` would leave the pages on the old text."""
    for language in ("fr", "nl"):
        source = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        count = len(re.findall(r'^msgid "', source, flags=re.MULTILINE)) - 1  # the header's empty msgid
        compiled = {msgid_of(k) for k in catalogue(language) if msgid_of(k)}
        assert len(compiled) == count, f"{language}: run msgfmt (the .mo has {len(compiled)} messages, the .po {count})"


def test_a_persons_language_follows_them_from_one_device_to_another(world, login):
    phone = login(world.member_a1)
    phone.post(reverse("set_language"), {"language": "nl", "next": reverse("home")})
    assert User.objects.get(pk=world.member_a1.pk).language == "nl"
    computer = Client()  # another device: no cookie, the account says Dutch
    computer.force_login(world.member_a1)
    page = computer.get(reverse("home"))
    assert page["Content-Language"] == "nl" and "Mijn bestellingen" in page.content.decode()
    assert Client().get(reverse("login"))["Content-Language"] == "fr"  # a visitor: the club's language


def test_an_unknown_language_is_not_kept(world, login):
    client = login(world.member_a1)
    client.post(reverse("set_language"), {"language": "xx", "next": reverse("home")})
    assert User.objects.get(pk=world.member_a1.pk).language == ""


def test_each_person_gets_their_e_mails_in_their_own_language(world):
    User.objects.filter(pk=world.member_a1.pk).update(language="nl")
    User.objects.filter(pk=world.member_a2.pk).update(language="en")
    people = notifications.members_of_groups([world.group_a.pk])
    assert {p.user_id: p.language for p in people}[world.member_a1.pk] == "nl"
    cycle = world.open_cycle()
    mail.outbox.clear()
    notification_tasks.send_cycle_opened.call(cycle.pk)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[world.member_a1.email].startswith("De bestellingen zijn open")
    assert subjects[world.member_a2.email].startswith("Orders are open")
    others = [s for address, s in subjects.items() if address not in (world.member_a1.email, world.member_a2.email)]
    assert others and all(s.startswith("Les commandes") for s in others)


# --- every page in Dutch ---------------------------------------------------------------------------------------

class Texts(html.parser.HTMLParser):
    """The texts a person reads on a page: text between tags (scripts and styles left out) and the attributes
    read aloud or shown (placeholder, title, aria-label, alt, value of buttons)."""

    SHOWN = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0
        self._foreign: list[str] = []  # open elements marked as another language (lang="fr"): said as they are

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "svg", "code", "pre", "textarea"):
            self._hidden += 1
        language = dict(attrs).get("lang")
        if self._foreign and tag not in self.VOID:
            self._foreign.append(tag)
            return
        if language and not language.startswith("nl") and tag != "html":
            if tag not in self.VOID:
                self._foreign.append(tag)
            return
        for name, value in attrs:
            if value and (name in self.SHOWN or (name == "value" and tag == "button")):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "svg", "code", "pre", "textarea") and self._hidden:
            self._hidden -= 1
        if self._foreign and tag in self._foreign:
            while self._foreign and self._foreign.pop() != tag:
                pass

    def handle_data(self, data):
        if not self._hidden and not self._foreign and data.strip():
            self.texts.append(data)


def texts_of(page: str) -> list[str]:
    parser = Texts()
    parser.feed(page)
    return [" ".join(t.split()) for t in parser.texts]


def giveaways() -> dict[str, str]:
    """Text → what it gives away: an English original whose Dutch differs, or a French translation (words of four
    letters or more: « Total », « OK », « Note » read the same in several languages)."""
    french, dutch = catalogue("fr"), catalogue("nl")
    tells = {}
    for key, translated in dutch.items():
        msgid = msgid_of(key)
        if not msgid or "%" in msgid or "{" in msgid:
            continue
        english, nl = " ".join(msgid.split()), " ".join(translated.split())
        if english != nl and len(english) >= 4:
            tells[english] = f"English « {english} »"
        fr = " ".join(french.get(key, "").split())
        if fr and fr != nl and fr != english and len(fr) >= 4:
            tells.setdefault(fr, f"French « {fr} »")
    for same in {" ".join(v.split()) for v in dutch.values()}:  # a Dutch text that happens to be another's original
        tells.pop(same, None)
    return tells


@pytest.fixture
def club(db, monkeypatch):
    monkeypatch.setattr("weasyprint.HTML", FakeHTML)
    return build_club("Alzirak", "Kestrel", slug="alzirak", latitude="48.11", longitude="-1.68")


def test_no_page_in_dutch_shows_a_string_left_in_english_or_french(club):
    tells = giveaways()
    # the club's own names (its task kinds, written in French by the club like its products) are data, not interface
    names = {" ".join(n.split()) for n in TaskKind.objects.values_list("name", flat=True)}
    found, read = [], 0
    urls = urls_of(club)
    for role in ROLES:
        client = Client(raise_request_exception=False)
        client.cookies["django_language"] = "nl"
        if role is not None:
            client.force_login(club.users[role])
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            read += 1
            assert response["Content-Language"] == "nl", url
            for text in texts_of(response.content.decode()):
                if text in tells and text not in names:
                    found.append(f"{role or 'visitor'} {url}: {tells[text]}")
    assert read > 150, "the walk reads the club's pages in Dutch"
    assert not found, f"{len(found)} texts not in Dutch:\n" + "\n".join(sorted(set(found))[:80])


def test_the_clubs_words_in_dutch():
    """Dutch says its own words with their article (« de groep », « het afhaalpunt »); a club's acronym stays."""
    defaults = vocabulary.forms(vocabulary.DEFAULT_WORDS, "nl")
    assert (defaults["the_group"], defaults["this_depot"], defaults["of_the_groups"]) == (
        "de groep", "dit afhaalpunt", "van de groepen")
    gasap = vocabulary.ClubWords(vocabulary.Word("GASAP"), vocabulary.Word("point de dépôt"),
                                 vocabulary.Word("contrat AMAP"))
    forms = vocabulary.forms(gasap, "nl")
    assert (forms["The_group"], forms["at_the_depot"], forms["a_subscription"]) == (
        "De GASAP", "bij het afhaalpunt", "een abonnement")
    assert set(forms) == set(vocabulary.FORM_KEYS)


def test_each_language_is_offered_in_its_own_name(world, login):
    """« English » and « Nederlands » on a French page (each marked with its lang), never « Anglais »."""
    page = login(world.member_a1).get(reverse("home")).content.decode()
    assert 'lang="en">English</button>' in page and 'lang="nl">Nederlands</button>' in page


def test_a_deferred_subject_takes_the_language_and_the_plural_form_of_when_it_is_read():
    one = Deferred(ngettext_lazy("%(count)s bank line to match", "%(count)s bank lines to match", "count"), {"count": 1})
    three = Deferred(ngettext_lazy("%(count)s bank line to match", "%(count)s bank lines to match", "count"), {"count": 3})
    with translation.override("nl"):
        assert (str(one), str(three)) == ("1 bankregel te koppelen", "3 bankregels te koppelen")
    with translation.override("en"):
        assert str(three) == "3 bank lines to match"
    with translation.override("fr"):
        assert str(Deferred(gettext_noop("Orders are open: %(cycle)s"), {"cycle": "S47"})).startswith("Les commandes")
