"""Every message Cabas can show has its French translation: the msgids Django's own extraction finds
(``makemessages`` run on a copy of the code, Python and templates) are all in the fr catalogue, translated
(a non-empty msgstr, not fuzzy)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import cabas

ROOT = Path(cabas.__file__).parent
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="makemessages needs GNU gettext")
def test_every_extracted_message_has_a_french_translation(tmp_path):
    copy = tmp_path / "cabas"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("__pycache__", "*.po", "*.mo", "static"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cabas.settings", "DEBUG": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT.parent), os.environ.get("PYTHONPATH", "")])}
    django_admin = Path(sys.executable).with_name("django-admin")
    subprocess.run([str(django_admin), "makemessages", "-l", "fr", "--no-location"], cwd=copy, env=env, check=True,
                   capture_output=True)
    extracted = polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    ours = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    missing = []
    for entry in extracted:
        key = (entry.msgctxt, entry.msgid)
        found = ours.get(key) or ours.get((entry.msgctxt, entry.msgid.replace("%%", "%")))  # a template's « % »
        translated = found is not None and "fuzzy" not in found.flags and (
            all(found.msgstr_plural.values()) if found.msgid_plural else found.msgstr)
        if not translated:
            missing.append(entry.msgid)
    assert missing == []
