"""Fuzz every API operation with schemathesis: no 5xx, and every response matches the schema.

One test per operation (schemathesis parametrizes at collection): its deterministic coverage
cases (boundaries, missing and mistyped values) and ``MAX_EXAMPLES`` random ones with a fixed
seed, sent in-process with a bureau administrator's bearer token. All of schemathesis' checks
run except ``positive_data_acceptance``: the API validates meaning that JSON Schema cannot
express (ID and credit-code checksums, known region codes), so schema-valid but meaningless
input is rightly refused with 400.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api_fuzz.conftest import OBJECT_PARAMETERS, OPENAPI_PATH, issue_token, wsgi_application

# Loaded through the WSGI app at collection (schemathesis' lazy loader fails on pytest 9).
schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, wsgi_application())
# Random examples per operation: 25, fewer as the API grows, so the whole fuzz run stays within
# a fixed budget of about 600 random requests (plus schemathesis' deterministic coverage cases).
MAX_EXAMPLES = max(5, min(25, 600 // max(1, len(list(schema.get_all_operations())))))
# The token of the test being run; each test has a fresh database, hence a fresh token.
_current_token: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class BureauToken:
    """Send the bearer token as declared auth, so schemathesis never mutates it as input."""

    def get(self, case: Any, context: Any) -> str:
        return _current_token.get("token", "jn_not-issued-yet")

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def bureau_token(bureau_admin: Any) -> Any:
    _current_token["token"] = issue_token(bureau_admin)
    yield
    _current_token.clear()


def anchor_to_real_objects(case: Any, objects: dict[str, Any]) -> None:
    """Point every other generated object id at an object that exists, so 200s get checked."""
    parameters = case.path_parameters or {}
    for name, value in list(parameters.items()):
        if name in OBJECT_PARAMETERS and isinstance(value, int) and value % 2 == 0:
            parameters[name] = objects[OBJECT_PARAMETERS[name]].pk


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(
    case: Any, in_process: None, bureau_token: None, objects_of_a: dict[str, Any]
) -> None:
    anchor_to_real_objects(case, objects_of_a)
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
