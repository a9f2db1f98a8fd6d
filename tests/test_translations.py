"""Spanish and English are always complete, compiled, and hold every string of the code."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = {"contactkit": ROOT / "contactkit", "demoshop": ROOT / "site" / "demoshop"}
LANGUAGES = ["es", "en"]


def po_file(app, language):
    return CATALOGS[app] / "locale" / language / "LC_MESSAGES" / "django.po"


def translations(catalog):
    return {
        (entry.msgctxt, entry.msgid): (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))
        for entry in catalog
        if not entry.obsolete
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", CATALOGS)
def test_every_string_is_translated(app, language):
    catalog = polib.pofile(str(po_file(app, language)))
    assert [entry.msgid for entry in catalog.untranslated_entries()] == []
    assert [entry.msgid for entry in catalog.fuzzy_entries()] == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", CATALOGS)
def test_compiled_catalog_matches_the_po_file(app, language):
    po = po_file(app, language)
    compiled = polib.mofile(str(po.with_suffix(".mo")))
    assert translations(compiled) == translations(polib.pofile(str(po)))


@pytest.mark.parametrize("app", CATALOGS)
def test_catalogs_hold_every_string_in_the_code(app, tmp_path):
    if not shutil.which("xgettext"):
        pytest.fail("xgettext is missing: install gettext (python3 dev.py test does it).")
    copy = tmp_path / app
    shutil.copytree(CATALOGS[app], copy, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "es", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "", "PYTHONPATH": ""},
    )
    fresh = {entry.msgid for entry in polib.pofile(str(copy / "locale/es/LC_MESSAGES/django.po"))}
    kept = {entry.msgid for entry in polib.pofile(str(po_file(app, "es")))}
    assert fresh - kept == set(), "run makemessages and translate the new strings"
    assert kept - fresh == set(), "run makemessages --no-obsolete to drop unused strings"
