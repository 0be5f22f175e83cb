"""The OpenAPI document and the self-hosted docs page."""

import io
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

OPENAPI_YAML = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"


def test_openapi_json_documents_people_paths_security_and_errors(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/people/{person_id}/record",
        "/api/v1/people/{person_id}/reveal",
        "/api/v1/people/{person_id}/memberships",
        "/api/v1/organizations",
        "/api/v1/organizations/{organization_id}",
    ):
        assert path in paths
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "jn_…",
        "description": schemes["TokenAuth"]["description"],
    }
    assert schemes["SessionAuth"]["in"] == "cookie"
    create = paths["/api/v1/people"]["post"]
    assert create["summary"] == "Register a person"
    assert create["tags"] == ["people"]
    assert {"TokenAuth": []} in create["security"]
    error_ref = "#/components/schemas/ErrorOut"
    for status in ("400", "401", "403", "422"):
        assert create["responses"][status]["content"]["application/json"]["schema"] == {
            "$ref": error_ref
        }
    conflict = create["responses"]["409"]["content"]["application/json"]["schema"]["$ref"]
    assert conflict == "#/components/schemas/PersonExistsOut"
    detail = paths["/api/v1/people/{person_id}"]["get"]["responses"]
    assert detail["404"]["content"]["application/json"]["schema"] == {"$ref": error_ref}
    assert [p["name"] for p in create["parameters"]] == ["Idempotency-Key"]
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {
        "code",
        "detail",
        "field",
        "errors",
    }


def test_every_operation_has_a_summary_and_a_tag(db):
    schema = Client().get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            assert operation.get("tags"), (method, path)


def test_docs_page_is_self_hosted(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    # No absolute URL anywhere (a random CSRF token may spell "cdn", so no word search).
    assert "http://" not in html
    assert "https://" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert "/static/ninja/swagger-ui.css" in assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset


def test_committed_openapi_yaml_is_current(db):
    out = io.StringIO()
    call_command("export_openapi", str(OPENAPI_YAML), "--check", stdout=out, stderr=io.StringIO())
    assert "is current" in out.getvalue()
