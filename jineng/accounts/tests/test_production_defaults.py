"""Production is the default: keys required, secure cookies, HTTPS, CSP, localized errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = ROOT / "jineng" / "settings.py"
TEMPLATE_DIRS = ROOT / "jineng"
SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'DEBUG': s.DEBUG, 'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, "
    "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, 'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT, "
    "'SECURE_HSTS_SECONDS': s.SECURE_HSTS_SECONDS}))"
)


def _production_keys() -> dict[str, str]:
    """A throwaway value for every key the settings read with env_secret()."""
    names = re.findall(r'env_secret\(\s*"([A-Z_]+)"', SETTINGS.read_text(encoding="utf-8"))
    return {name: "k" * 44 for name in names}


def _settings_in_a_fresh_process(
    env: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("JINENG_") and key != "DATABASE_URL"
    }
    clean.update(DJANGO_SETTINGS_MODULE="jineng.settings", JINENG_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        env=clean,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_settings_without_debug_flag_or_keys_refuse_to_load(tmp_path):
    result = _settings_in_a_fresh_process({}, tmp_path)

    assert result.returncode == 1
    assert "ImproperlyConfigured: JINENG_SECRET_KEY (or JINENG_SECRET_KEY_FILE" in result.stderr
    assert "unless JINENG_DEBUG=true" in result.stderr
    # No key was generated behind the operator's back.
    assert list(tmp_path.iterdir()) == []


def test_each_missing_production_key_is_named(tmp_path):
    keys = _production_keys()
    assert {"JINENG_SECRET_KEY", "JINENG_PII_KEY"} <= set(keys)
    for missing in keys:
        present = {name: value for name, value in keys.items() if name != missing}
        result = _settings_in_a_fresh_process(present, tmp_path)
        assert result.returncode == 1
        assert f"ImproperlyConfigured: {missing} (or {missing}_FILE" in result.stderr


def test_settings_with_keys_start_in_production_mode(tmp_path):
    result = _settings_in_a_fresh_process(_production_keys(), tmp_path)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
    }


def test_development_mode_is_explicit(tmp_path):
    result = _settings_in_a_fresh_process({"JINENG_DEBUG": "true"}, tmp_path)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["DEBUG"] is True
    generated = {path.name for path in tmp_path.iterdir()}
    assert {"pii_key", "secret_key"} <= generated


def test_make_sets_development_mode():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nexport JINENG_DEBUG ?= true\n" in makefile


def test_missing_page_is_chinese_by_default_without_the_url_list(client, db):
    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "<h1>页面不存在</h1>" in html
    assert "URLconf" not in html


def test_missing_page_speaks_english_when_asked(client, db):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_server_error_page_needs_no_database_and_follows_the_language():
    # Without the db fixture any query raises: the page renders without the database.
    request = RequestFactory().get("/")
    with translation.override("en"):
        response = server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="en">' in html
    assert "<h1>Something went wrong</h1>" in html


def test_server_error_page_is_chinese_by_default():
    with translation.override("zh-hans"):
        response = server_error(RequestFactory().get("/"))

    assert '<html lang="zh-CN">' in response.content.decode()


EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def test_pages_carry_the_content_security_policy(client, db):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    policy = "; ".join(sorted(response["Content-Security-Policy"].split("; ")))
    assert policy == "; ".join(sorted(EXPECTED_CSP.split("; ")))
    assert "unsafe" not in response["Content-Security-Policy"]


def test_pages_carry_the_permissions_policy(client, db):
    response = client.get("/accounts/login/")

    features = dict(item.split("=", 1) for item in response["Permissions-Policy"].split(", "))
    assert features["geolocation"] == "(self)"
    assert features["camera"] == "()"
    assert features["microphone"] == "()"
    assert features["payment"] == "()"


def test_hsts_is_sent_on_https_as_configured(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get("/accounts/login/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"


def test_plain_http_is_redirected_to_https_except_the_probes(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/accounts/login/")
    probe = client.get("/healthz")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    assert probe.status_code == 200


def _templates() -> list[Path]:
    return [path for path in TEMPLATE_DIRS.rglob("templates/**/*.html")]


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"), "script"),
    (re.compile(r"<style\b"), "style element"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "event handler"),
    (re.compile(r"\sstyle\s*=\s*[\"']"), "style attribute"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


@pytest.mark.parametrize("template", _templates(), ids=lambda path: str(path.relative_to(ROOT)))
def test_templates_have_no_inline_script_or_style(template):
    text = template.read_text(encoding="utf-8")
    found = [label for pattern, label in INLINE_CODE if pattern.search(text)]
    assert found == []


def test_server_error_page_renders_before_the_static_files_are_collected(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    settings.STATIC_ROOT = "/nonexistent"

    with translation.override("en"):
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert 'href="/static/jineng/site.css"' in response.content.decode()


def test_an_expired_form_is_explained_in_the_site_s_own_page(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/accounts/login/", {"username": "a", "password": "b"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>This form has expired</h1>" in html
    assert "CSRF verification failed" not in html


def test_a_request_for_an_unknown_host_gets_the_site_s_own_page(client, db):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 400
    assert "<h1>The request could not be understood</h1>" in html
    assert "ALLOWED_HOSTS" not in html
