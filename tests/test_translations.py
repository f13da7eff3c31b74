"""Latvian and Russian must be complete: every English source string in the code has a real translation."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["lv", "ru"]


def _catalogue(root: Path, language: str) -> polib.POFile:
    return polib.pofile(str(root / "opennrm" / "locale" / language / "LC_MESSAGES" / "django.po"))


def _missing(catalogue: polib.POFile) -> list[str]:
    missing = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            missing.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                missing.append(entry.msgid)
        elif not entry.msgstr:
            missing.append(entry.msgid)
    return missing


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_catalogue_is_complete(language):
    assert _missing(_catalogue(ROOT, language)) == []


@pytest.fixture(scope="module")
def regenerated_catalogues(tmp_path_factory):
    """The catalogues as `makemessages` would write them from today's code, built in a scratch copy."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: install Debian's gettext (scripts/system-deps.sh does).")
    scratch = tmp_path_factory.mktemp("i18n")
    shutil.copytree(ROOT / "opennrm", scratch / "opennrm", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--no-obsolete",
            "--no-location",
            *[f"--locale={language}" for language in LANGUAGES],
        ],
        cwd=scratch / "opennrm",
        check=True,
        capture_output=True,
        env={
            "DJANGO_SETTINGS_MODULE": "opennrm.settings",
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
            "OPENNRM_DATA_DIR": str(scratch / "var"),
        },
    )
    return scratch


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_in_the_code_is_translated(regenerated_catalogues, language):
    """A new or changed English string without its translation fails here."""
    assert _missing(_catalogue(regenerated_catalogues, language)) == []
