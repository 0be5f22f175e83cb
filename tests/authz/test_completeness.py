"""Every endpoint parameter is classified: a new endpoint cannot escape the matrix.

Each path parameter of the OpenAPI document and each keyword of a console URL must carry a
model the data-scope registry names (``url_params``) or be listed, with its reason, in
``PUBLIC_PARAMETERS`` (tests/authz/matrix.py). Parameters still in ``NOT_YET_REGISTERED``
are tested by the matrix but fail here (strictly expected) until the registry names them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.authz import matrix
from tests.authz.test_api_matrix import OPERATIONS
from tests.authz.test_console_matrix import PATTERNS


def _parameters() -> list[Any]:
    found: dict[str, tuple[str, str | None]] = {}
    for operation in OPERATIONS:
        for name in operation["names"]:
            found.setdefault(f"{operation['id']}/{name}", (name, None))
    for pattern in PATTERNS:
        for name in pattern["names"]:
            found.setdefault(f"{pattern['name']}/{name}", (name, pattern["name"]))
    cases = []
    for where, (name, url_name) in sorted(found.items()):
        param = matrix.classify(name, url_name)
        marks = []
        if param is not None and not param.registered:
            reason = (
                f"issue 9: {param.key} carries a {param.label} but its registry entry does "
                "not name it (url_params)"
            )
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        cases.append(pytest.param(name, url_name, id=where, marks=marks))
    return cases


@pytest.mark.parametrize(("name", "url_name"), _parameters())
def test_parameter_is_classified(name: str, url_name: str | None) -> None:
    param = matrix.classify(name, url_name)
    where = url_name or "the API"
    assert param is not None, matrix.unclassified_message(name, where, url_name)
    assert param.registered, (
        f"{where}: parameter {name!r} ({param.key}) carries a {param.label}: name it in the "
        f"url_params of its scope.register(...) and remove it from NOT_YET_REGISTERED in "
        "tests/authz/matrix.py"
    )


def test_pending_parameters_exist() -> None:
    """A pending entry that no endpoint has any more must go (it would hide nothing)."""
    spelled = {f"{p['name']}/{n}" for p in PATTERNS for n in p["names"]}
    spelled |= {n for o in OPERATIONS for n in o["names"]}
    spelled |= {n for p in PATTERNS for n in p["names"]}
    stale = sorted(set(matrix.NOT_YET_REGISTERED) - spelled)
    assert not stale, f"remove from NOT_YET_REGISTERED (no endpoint has them): {stale}"
    stale = sorted(set(matrix.PUBLIC_PARAMETERS) - spelled)
    assert not stale, f"remove from PUBLIC_PARAMETERS (no endpoint has them): {stale}"
