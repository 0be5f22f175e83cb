"""Every message the code and templates show is in the Chinese catalog, translated and not a
fuzzy guess.

A message missing from the catalog, left untranslated, or marked fuzzy (makemessages' guess
from a similar old message, ignored when the catalog is compiled) shows in English on a
Chinese page.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
CATALOG = Path("locale") / "zh_Hans" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.skipif(
    shutil.which("msgattrib") is None or shutil.which("xgettext") is None,
    reason="needs gettext (msgattrib, xgettext)",
)


def unfinished(catalog: Path) -> dict[str, list[str]]:
    """The msgids of a catalog that are untranslated or fuzzy (the header excluded)."""
    found = {}
    for flag in ("--untranslated", "--only-fuzzy"):
        output = subprocess.run(
            ["msgattrib", flag, "--no-wrap", str(catalog)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        found[flag] = [
            line.removeprefix("msgid ")
            for line in output.splitlines()
            if line.startswith("msgid ") and line != 'msgid ""'
        ]
    return found


def test_the_chinese_catalog_has_no_untranslated_or_fuzzy_message():
    assert unfinished(PACKAGE / CATALOG) == {"--untranslated": [], "--only-fuzzy": []}


def test_every_message_in_the_code_is_in_the_chinese_catalog(tmp_path):
    copy = tmp_path / "jineng"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )

    assert unfinished(copy / CATALOG) == {"--untranslated": [], "--only-fuzzy": []}
