"""The `jineng` command: the platform's management commands under friendlier names.

jineng import people FILE      jineng export people FILE
jineng audit verify            jineng audit checkpoint
jineng audit report --month M  jineng token create USERNAME
jineng demo                    jineng synth --people N
jineng load-reference          jineng report --month 2026-11
jineng xapi platform create    jineng <any manage.py command>
"""

from __future__ import annotations

import os
import sys

# `import` is a Python keyword, so its management command has another module name.
ALIASES = {"import": "import_data", "export": "export_data", "load-reference": "load_reference"}


def main(argv: list[str] | None = None) -> None:
    """Run a management command, translating the aliases above."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jineng.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jineng", *args])


if __name__ == "__main__":
    main()
