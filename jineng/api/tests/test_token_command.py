"""`jineng token create|revoke|list`: the printed token works as a bearer token; all audited."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jineng.accounts.models import ApiToken
from jineng.api.tests.helpers import ApiClient
from jineng.core.models import AuditEvent


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_a_token_that_works_as_bearer(bureau_admin):
    out, err = _run("create", bureau_admin.username, "--name", "社保接口", "--days", "30")
    raw = out.strip()
    assert raw.startswith("jn_")
    assert "\n" not in raw
    token = ApiToken.objects.get()
    assert raw not in err
    assert token.prefix in err
    assert (token.user, token.name, token.prefix) == (bureau_admin, "社保接口", raw[:10])
    assert token.token_hash != raw
    expected = timezone.now() + datetime.timedelta(days=30)
    assert abs(token.expires_at - expected) < datetime.timedelta(minutes=1)
    assert ApiClient(raw).get("/api/v1/people").status_code == 200
    event = AuditEvent.objects.get(action="accounts.apitoken.created")
    assert (event.actor_id, event.actor_label, event.object_id) == (None, "system", str(token.pk))
    assert event.data["user"] == bureau_admin.username
    assert event.data["prefix"] == token.prefix
    assert raw not in str(event.data)


def test_create_without_days_never_expires(bureau_admin):
    _run("create", bureau_admin.username)
    assert ApiToken.objects.get().expires_at is None


def test_revoke_stops_the_token_and_audits(bureau_admin):
    raw = _run("create", bureau_admin.username)[0].strip()
    out, _err = _run("revoke", raw[:10])
    assert "Revoked" in out
    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    assert ApiClient(raw).get("/api/v1/people").status_code == 401
    event = AuditEvent.objects.get(action="accounts.apitoken.revoked")
    assert (event.object_id, event.data["prefix"]) == (str(token.pk), token.prefix)


def test_list_shows_prefixes_and_status_never_secrets(bureau_admin):
    first = _run("create", bureau_admin.username, "--name", "one")[0].strip()
    second = _run("create", bureau_admin.username, "--name", "two")[0].strip()
    _run("revoke", first[:10])
    out, _err = _run("list", bureau_admin.username)
    lines = out.splitlines()
    assert len(lines) == 3
    assert lines[1].split()[:2] == [first[:10], "revoked"]
    assert lines[2].split()[:2] == [second[:10], "active"]
    assert first not in out
    assert second not in out


@pytest.mark.parametrize(
    "args",
    [
        ("create", "nobody"),
        ("create", "admin_t", "--days", "0"),
        ("revoke", "jn_missing"),
        ("list", "nobody"),
    ],
)
def test_bad_arguments_fail_clearly_and_write_nothing(bureau_admin, args):
    with pytest.raises(CommandError):
        _run(*args)
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()


def test_revoking_twice_fails(bureau_admin):
    raw = _run("create", bureau_admin.username)[0].strip()
    _run("revoke", raw[:10])
    with pytest.raises(CommandError):
        _run("revoke", raw[:10])
    assert AuditEvent.objects.filter(action="accounts.apitoken.revoked").count() == 1
