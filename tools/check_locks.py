"""Fail if ``select_for_update`` is used outside a ``locks.py`` module (ADR 0006, ADR 0012).

Every row lock of the product takes its timeout and its place in the lock order in one
module per app, ``locks.py``; a service calls it and never locks rows itself. Tests may lock
rows (they hold locks to show a race), so ``tests/`` folders are not checked. Usage:
``python tools/check_locks.py [PATH ...]`` (default: ``jineng``); exits 1 and lists the uses.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

NAME = "select_for_update"


def offending_lines(source: str) -> Iterator[int]:
    """Yield the lines of a module that use ``select_for_update`` (an attribute or a name)."""
    for node in ast.walk(ast.parse(source)):
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if name == NAME and isinstance(node, ast.Attribute | ast.Name):
            yield node.lineno


def checked_files(roots: list[Path]) -> Iterator[Path]:
    """Yield the product modules under the roots: not locks.py, not tests, not migrations."""
    for root in roots:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            parts = set(path.parts)
            if path.name == "locks.py" or "tests" in parts or "migrations" in parts:
                continue
            yield path


def main(argv: list[str]) -> int:
    """Print every use outside locks.py; return 1 if there is one."""
    roots = [Path(arg) for arg in argv] or [Path("jineng")]
    found = [
        f"{path}:{line}: select_for_update outside locks.py (lock rows in the app's locks.py)"
        for path in checked_files(roots)
        for line in offending_lines(path.read_text(encoding="utf-8"))
    ]
    for message in found:
        print(message, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
