import base64
import datetime
import io
import json
import re
import zlib

import pytest
import time_machine
from django.utils import timezone

from conftest import ID_A
from jineng.core.models import AuditEvent
from jineng.people.services import PersonInput, register_person
from jineng.records.models import ShareLink, hash_share_token

MINE = "/records/mine/"
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(operand: bytes) -> bytes:
    """Undo PDF string-literal escapes: \\ddd octal, \\n and friends, \\( \\) \\\\."""

    def replace(match: re.Match[bytes]) -> bytes:
        escaped = match[1]
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8)])
        return _PDF_ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", replace, operand, flags=re.S)


def _streams(data: bytes) -> list[bytes]:
    found = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = raw.strip()
        try:
            raw = base64.a85decode(raw.removesuffix(b"~>")) if raw.endswith(b"~>") else raw
            found.append(zlib.decompress(raw))
        except (ValueError, zlib.error):
            continue
    return found


def pdf_text(data: bytes) -> str:
    """Return the text a PDF shows: via pypdf when installed, else from its content streams."""
    try:
        import pypdf
    except ImportError:
        pypdf = None
    if pypdf is not None:
        return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    shown = []
    for content in _streams(data):
        # reportlab writes CID-font text as UTF-16BE bytes in (...) operands of Tj.
        for operand in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S):
            raw = _unescape(operand)
            try:
                shown.append(raw.decode("utf-16-be"))
            except UnicodeDecodeError:
                shown.append(raw.decode("latin-1"))
    return "\n".join(shown)


def _share(client, days=7):
    response = client.post("/records/mine/share/", {"days": days})
    assert response.status_code == 200
    return response.context["new_link"], response.context["new_token"]


def test_my_record_shows_masked_identity_groups_and_timeline(client, worker):
    client.force_login(worker)
    response = client.get(MINE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "张三" in html
    assert "220581**********36" in html
    assert "138******78" in html
    assert ID_A not in html
    assert "13812345678" not in html
    assert [e.kind for e in response.context["record"].entries] == ["identity.registered"]


def test_worker_reveals_own_numbers_with_an_audit_row(client, worker, person):
    client.force_login(worker)
    response = client.post("/records/mine/reveal/")
    html = response.content.decode()
    assert ID_A in html
    assert "13812345678" in html
    event = AuditEvent.objects.get(action="people.person.pii_viewed")
    assert (event.actor_id, event.person_id) == (worker.pk, person.pk)


def test_account_without_a_person_has_no_record(client, bureau_admin):
    client.force_login(bureau_admin)
    assert client.get(MINE).status_code == 404
    assert client.get("/records/mine/record.json").status_code == 404


def test_json_download_is_the_record_document(client, worker, person):
    client.force_login(worker)
    response = client.get("/records/mine/record.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="record-')
    document = json.loads(response.content)
    assert document["schema"] == "jineng.training-record/1"
    assert document["person"]["name"] == "张三"
    assert document["person"]["id_number"] == "220581**********36"
    assert ID_A not in response.content.decode()
    assert [e["kind"] for e in document["entries"]] == ["identity.registered"]


def test_pdf_download_is_a_pdf_with_the_record_in_it(client, worker):
    client.force_login(worker)
    response = client.get("/records/mine/record.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"/STSong-Light" in response.content
    text = pdf_text(response.content)
    assert "终身职业技能培训电子档案" in text
    assert "张三" in text
    assert "220581**********36" in text
    assert ID_A not in text


def test_pdf_carries_generation_time_and_page_number(client, worker, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(worker)
    with time_machine.travel(START, tick=False):
        response = client.get("/records/mine/record.pdf")
    text = pdf_text(response.content)
    assert "Generated 2026-03-02 16:00" in text
    assert "Page 1" in text


def test_pdf_with_a_new_link_carries_its_address(client, worker):
    client.force_login(worker)
    _link, token = _share(client)
    response = client.post("/records/mine/record.pdf", {"token": token})
    assert response.status_code == 200
    assert f"/records/shared/{token}/" in pdf_text(response.content)


def test_pdf_refuses_a_token_of_someone_else(client, worker, bureau_admin, city):
    other = register_person(
        PersonInput(id_number="220581198506150026", name="李四", region_code="220581001001"),
        actor=bureau_admin,
    )
    token = ShareLink.new_token()
    ShareLink.objects.create(
        person=other,
        token_hash=hash_share_token(token),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    client.force_login(worker)
    assert client.post("/records/mine/record.pdf", {"token": token}).status_code == 404


def test_share_link_is_created_listed_and_opens_without_login(client, worker, person):
    client.force_login(worker)
    with time_machine.travel(START, tick=False):
        link, token = _share(client, days=3)
        assert link.expires_at == START + datetime.timedelta(days=3)
        page = client.get(MINE)
        assert list(page.context["links"]) == [link]
        event = AuditEvent.objects.get(action="records.sharelink.created")
        assert (event.actor_id, event.person_id) == (worker.pk, person.pk)
        client.logout()
        shared = client.get(f"/records/shared/{token}/")
    html = shared.content.decode()
    assert shared.status_code == 200
    assert "张三" in html
    assert "220581**********36" in html
    assert ID_A not in html
    assert shared["Cache-Control"] == "no-store"
    link.refresh_from_db()
    assert link.view_count == 1
    assert AuditEvent.objects.filter(action="records.sharelink.opened").count() == 1


@pytest.mark.parametrize("days", ["0", "91", "abc"])
def test_share_link_days_must_be_1_to_90(client, worker, days):
    client.force_login(worker)
    response = client.post("/records/mine/share/", {"days": days})
    assert response.status_code == 400
    assert response.context["share_form"].errors["days"]
    assert not ShareLink.objects.exists()


def test_share_link_stops_working_when_it_expires(client, worker):
    client.force_login(worker)
    with time_machine.travel(START, tick=False):
        _link, token = _share(client, days=1)
    with time_machine.travel(START + datetime.timedelta(hours=23), tick=False):
        assert client.get(f"/records/shared/{token}/").status_code == 200
    with time_machine.travel(START + datetime.timedelta(days=1, seconds=1), tick=False):
        gone = client.get(f"/records/shared/{token}/")
        assert list(client.get(MINE).context["links"]) == []
    assert gone.status_code == 404
    assert "records/shared_gone.html" in [t.name for t in gone.templates]


def test_revoked_link_is_gone(client, worker):
    client.force_login(worker)
    link, token = _share(client)
    response = client.post(f"/records/mine/share/{link.pk}/revoke/")
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert AuditEvent.objects.filter(action="records.sharelink.revoked").count() == 1
    client.logout()
    assert client.get(f"/records/shared/{token}/").status_code == 404


def test_unknown_token_is_404_with_a_clear_page(client, db):
    response = client.get("/records/shared/not-a-token/")
    assert response.status_code == 404
    assert "records/shared_gone.html" in [t.name for t in response.templates]


def test_worker_cannot_revoke_another_workers_link(client, worker, bureau_admin, city):
    other = register_person(
        PersonInput(id_number="220581198506150026", name="李四", region_code="220581001001"),
        actor=bureau_admin,
    )
    link = ShareLink.objects.create(
        person=other, token_hash="y" * 64, expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    client.force_login(worker)
    assert client.post(f"/records/mine/share/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_bureau_downloads_a_persons_record(client, bureau_admin, person):
    client.force_login(bureau_admin)
    as_json = client.get(f"/records/person/{person.pk}/record.json")
    as_pdf = client.get(f"/records/person/{person.pk}/record.pdf")
    assert json.loads(as_json.content)["person"]["id"] == person.pk
    assert as_pdf.content.startswith(b"%PDF")
    assert "张三" in pdf_text(as_pdf.content)
    downloads = AuditEvent.objects.filter(action="records.record.downloaded", person_id=person.pk)
    assert [(e.actor, e.data["format"]) for e in downloads.order_by("id")] == [
        (bureau_admin, "json"),
        (bureau_admin, "pdf"),
    ]


def test_record_download_outside_scope_is_404(client, staff_b, person):
    client.force_login(staff_b)
    assert client.get(f"/records/person/{person.pk}/record.json").status_code == 404
    assert client.get(f"/records/person/{person.pk}/record.pdf").status_code == 404
    assert not AuditEvent.objects.filter(action="records.record.downloaded").exists()
