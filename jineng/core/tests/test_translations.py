"""Every message of the Chinese catalog is translated and none is a fuzzy guess.

A fuzzy entry (makemessages' guess from a similar old message) is ignored when the catalog
is compiled, so the page shows English: a reviewer must confirm or rewrite each one.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries(*flags: str) -> list[str]:
    """The msgids msgattrib selects with these flags (the catalog header excluded)."""
    output = subprocess.run(
        ["msgattrib", *flags, "--no-wrap", str(CATALOG)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        line.removeprefix("msgid ")
        for line in output.splitlines()
        if line.startswith("msgid ") and line != 'msgid ""'
    ]


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="needs gettext (msgattrib)")
def test_the_chinese_catalog_has_no_untranslated_or_fuzzy_message():
    assert entries("--untranslated") == []
    assert entries("--only-fuzzy") == []
