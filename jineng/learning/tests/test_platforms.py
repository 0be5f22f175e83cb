import base64

import pytest
from django.core.management import call_command

from jineng.core.models import AuditEvent
from jineng.learning import services
from jineng.learning.models import LearningPlatform, PlatformCredential, Statement
from jineng.learning.tests.conftest import VERSION, Lrs, basic, statement


def test_issuing_and_revoking_credentials_is_audited(platform, bureau_admin):
    credential, secret = services.create_credential(platform, actor=bureau_admin)
    assert credential.matches(secret)
    assert secret not in credential.secret_hash
    event = AuditEvent.objects.for_object(credential).get()
    assert event.action == "learning.platformcredential.created"
    assert event.actor == bureau_admin
    assert event.data == {"platform": platform.name, "key": credential.key}
    services.revoke_credential(credential.key, actor=bureau_admin)
    actions = list(AuditEvent.objects.for_object(credential).values_list("action", flat=True))
    assert actions == ["learning.platformcredential.revoked", "learning.platformcredential.created"]
    credential.refresh_from_db()
    assert credential.revoked_at is not None


def test_command_prints_key_and_secret_once(platform, capsys):
    call_command("xapi", "credential", "create", platform.name)
    out = capsys.readouterr()
    key, secret = out.out.strip().split(":")
    credential = PlatformCredential.objects.get(key=key)
    assert credential.matches(secret)
    assert secret not in out.err
    assert Lrs((key, secret)).get("statements").status_code == 200
    call_command("xapi", "credential", "revoke", key)
    assert Lrs((key, secret)).get("statements").status_code == 401


def test_command_registers_platform(db):
    call_command("xapi", "platform", "create", "慕课平台")
    platform = LearningPlatform.objects.get()
    assert platform.name == "慕课平台"
    assert AuditEvent.objects.for_object(platform).get().action == (
        "learning.learningplatform.created"
    )


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer abc",
        "Basic !!!",
        "Basic " + base64.b64encode(b"nocolon").decode(),
        "wrong-secret",
        "unknown-key",
    ],
)
def test_missing_or_wrong_credentials_are_401(pair, client, authorization):
    key, secret = pair
    if authorization == "wrong-secret":
        authorization = basic(key, secret + "x")
    elif authorization == "unknown-key":
        authorization = basic("xk_unknown", secret)
    headers = dict(VERSION)
    if authorization:
        headers["HTTP_AUTHORIZATION"] = authorization
    response = client.post(
        "/xapi/statements", data=statement(), content_type="application/json", **headers
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="xAPI"'
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert not Statement.objects.exists()


def test_revoked_credential_and_inactive_platform_are_401(pair, platform, bureau_admin):
    lrs = Lrs(pair)
    assert lrs.get("statements").status_code == 200
    platform.is_active = False
    platform.save()
    assert lrs.get("statements").status_code == 401
    platform.is_active = True
    platform.save()
    services.revoke_credential(pair[0], actor=bureau_admin)
    assert lrs.post("statements", statement()).status_code == 401
    assert not Statement.objects.exists()


def test_bureau_page_registers_platform_and_shows_secret_once(client, bureau_admin):
    client.force_login(bureau_admin)
    response = client.post("/learning/platforms/", {"name": "职教云"})
    assert response.status_code == 302
    platform = LearningPlatform.objects.get(name="职教云")
    response = client.post(f"/learning/platforms/{platform.pk}/credentials/")
    assert response.status_code == 302
    credential = PlatformCredential.objects.get(platform=platform)
    page = client.get("/learning/platforms/").content.decode()
    assert f"{credential.key}:" in page
    again = client.get("/learning/platforms/").content.decode()
    assert f"{credential.key}:" not in again
    client.post(f"/learning/credentials/{credential.key}/revoke/")
    credential.refresh_from_db()
    assert credential.revoked_at is not None


@pytest.mark.parametrize("actor", ["staff_a", "reviewer", "worker"])
def test_others_cannot_manage_platforms(client, request, actor, platform):
    client.force_login(request.getfixturevalue(actor))
    assert client.get("/learning/platforms/").status_code == 403
    assert client.post("/learning/platforms/", {"name": "x"}).status_code == 403
    assert client.post(f"/learning/platforms/{platform.pk}/credentials/").status_code == 403
    assert LearningPlatform.objects.count() == 1
    assert not PlatformCredential.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/learning/platforms/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
