"""The audit trail in people's words: names, local times, filters, and the auditors' export."""

from __future__ import annotations

import datetime
import io
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from conftest import ID_A
from jineng.core import audit
from jineng.core.models import AuditEvent

AUDIT = "/accounts/audit/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
UTC = datetime.UTC

pytestmark = pytest.mark.django_db


def _event(
    actor: Any,
    action: str,
    *,
    at: datetime.datetime | None = None,
    obj: Any = None,
    object_type: str = "t",
    object_id: str = "1",
    person_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    moment = at or timezone.now()
    with transaction.atomic(), mock.patch("jineng.core.audit.timezone.now", return_value=moment):
        if obj is not None:
            return audit.record(actor, action, obj, person_id=person_id, data=data)
        return audit.record(
            actor,
            action,
            object_type=object_type,
            object_id=object_id,
            person_id=person_id,
            data=data,
        )


def _ids(response: Any) -> list[int]:
    return [row.event.pk for row in response.context["rows"]]


@pytest.mark.parametrize("fixture", ["bureau_admin", "reviewer", "auditor"])
def test_roles_that_read_the_audit_trail_see_events_named_in_their_words(client, request, fixture):
    _event(None, "people.person.created", data={"name": "张三"})
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(AUDIT, **EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Registered a person" in html
    assert "<dt>Name</dt><dd>张三</dd>" in html
    assert "System" in html


@pytest.mark.parametrize("fixture", ["staff_a", "worker"])
def test_other_roles_are_refused_the_page_and_the_export(client, request, fixture):
    _event(None, "people.person.created")
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(AUDIT).status_code == 403
    assert client.post(AUDIT, {"export": "xlsx"}).status_code == 403
    assert not AuditEvent.objects.filter(action="core.audit.exported").exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.post(AUDIT, {"export": "xlsx"})
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_times_are_shown_in_local_time(client, auditor):
    _event(None, "people.person.created", at=datetime.datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    client.force_login(auditor)
    html = client.get(AUDIT, **EN).content.decode()
    assert "2026-03-02 00:30:00" in html
    assert 'datetime="2026-03-02T00:30:00+08:00"' in html
    assert "Asia/Shanghai" in html


def test_unknown_codes_show_as_they_are(client, auditor):
    _event(None, "core.test.written")
    client.force_login(auditor)
    assert "core.test.written" in client.get(AUDIT, **EN).content.decode()


def test_the_actor_is_named_by_full_name_and_user_name(client, auditor, bureau_admin):
    bureau_admin.first_name = "李四"
    bureau_admin.save()
    _event(bureau_admin, "people.person.created")
    client.force_login(auditor)
    assert [r.actor for r in client.get(AUDIT).context["rows"]] == ["李四（admin_t）"]


def test_the_object_links_to_its_page_for_a_viewer_who_may_open_it(client, auditor, person):
    client.force_login(auditor)
    rows = client.get(AUDIT, {"person": person.pk}).context["rows"]
    assert [(r.event.action, r.object, r.link) for r in rows] == [
        ("people.person.created", "张三", f"/people/{person.pk}/")
    ]


def test_filter_by_person_finds_events_about_them_by_column_or_object(client, auditor):
    about = _event(None, "people.person.pii_viewed", person_id=7)
    by_object = _event(None, "people.person.looked_up", object_type="people.person", object_id="7")
    _event(None, "people.person.pii_viewed", person_id=8)
    _event(None, "people.person.looked_up", object_type="people.person", object_id="7,8")
    client.force_login(auditor)
    assert _ids(client.get(AUDIT, {"person": "7"})) == [by_object.pk, about.pk]


def test_filter_by_organisation_finds_its_accounts_events_and_events_about_it(
    client, auditor, staff_a, staff_b, school_a, bureau_admin
):
    by_staff = _event(staff_a, "training.class.created")
    about = _event(bureau_admin, "organizations.organization.created", obj=school_a)
    _event(staff_b, "training.class.created")
    _event(bureau_admin, "training.class.approved")
    client.force_login(auditor)
    response = client.get(AUDIT, {"organization": school_a.pk})
    assert _ids(response) == [about.pk, by_staff.pk]


def test_filter_by_actor_action_and_app(client, auditor, bureau_admin, reviewer):
    created = _event(bureau_admin, "people.person.created")
    viewed = _event(bureau_admin, "people.person.pii_viewed")
    _event(reviewer, "people.person.pii_viewed")
    shared = _event(bureau_admin, "records.sharelink.created")
    client.force_login(auditor)
    assert _ids(client.get(AUDIT, {"actor": "admin_t"})) == [shared.pk, viewed.pk, created.pk]
    assert _ids(client.get(AUDIT, {"actor": "admin_t", "action": "people."})) == [
        viewed.pk,
        created.pk,
    ]
    assert _ids(client.get(AUDIT, {"actor": "admin_t", "action": "people.person.pii_viewed"})) == [
        viewed.pk
    ]


def test_filter_by_local_dates(client, auditor):
    # 2026-03-01 16:30 UTC is 00:30 on 2 March in Shanghai; 15:59 UTC is still 1 March.
    first = _event(
        None, "people.person.created", at=datetime.datetime(2026, 3, 1, 15, 59, tzinfo=UTC)
    )
    second = _event(
        None, "people.person.created", at=datetime.datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    )
    third = _event(
        None, "people.person.created", at=datetime.datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
    )
    client.force_login(auditor)
    assert _ids(client.get(AUDIT, {"date_from": "2026-03-02"})) == [third.pk, second.pk]
    assert _ids(client.get(AUDIT, {"date_to": "2026-03-01"})) == [first.pk]
    assert _ids(client.get(AUDIT, {"date_from": "2026-03-02", "date_to": "2026-03-02"})) == [
        second.pk
    ]


def test_a_wrong_filter_is_refused_and_lists_nothing(client, auditor):
    _event(None, "people.person.created")
    client.force_login(auditor)
    for bad in (
        {"action": "people.person.madeup"},
        {"date_from": "2026-03-02", "date_to": "2026-03-01"},
    ):
        response = client.get(AUDIT, bad)
        assert response.status_code == 400
        assert _ids(response) == []
        assert client.post(AUDIT, {**bad, "export": "xlsx"}).status_code == 400
    assert not AuditEvent.objects.filter(action="core.audit.exported").exists()


def test_pages_keep_the_filters_and_stay_in_order(client, auditor):
    events = [_event(None, "people.person.created") for _ in range(51)]
    _event(None, "records.sharelink.created")
    client.force_login(auditor)
    first = client.get(AUDIT, {"action": "people.person.created"})
    second = client.get(AUDIT, {"action": "people.person.created", "page": 2})
    assert _ids(first) + _ids(second) == [e.pk for e in reversed(events)]
    assert "action=people.person.created&amp;page=2" in first.content.decode()


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    content = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


def test_the_export_holds_the_filtered_events_in_named_columns_and_is_audited(
    client, auditor, bureau_admin
):
    at = datetime.datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    viewed = _event(
        bureau_admin, "people.person.pii_viewed", at=at, person_id=7, data={"purpose": "核查"}
    )
    _event(bureau_admin, "people.person.created", person_id=8)
    client.force_login(auditor)
    response = client.post(AUDIT, {"action": "people.person.pii_viewed", "export": "xlsx"}, **EN)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = _sheet(response)
    assert rows[0][:10] == (
        "Event number",
        "Time",
        "Action",
        "Action code",
        "Actor",
        "Object",
        "Object type",
        "Object number",
        "Person number",
        "Details",
    )
    assert [r[:10] for r in rows[1:]] == [
        (
            viewed.pk,
            "2026-03-02 00:30:00",
            "Viewed a person's full ID and mobile number",
            "people.person.pii_viewed",
            "admin_t",
            "t #1",
            "t",
            "1",
            7,
            "Purpose：核查",
        )
    ]
    assert rows[1][10:] == (viewed.stream, viewed.seq, viewed.hash)
    exported = AuditEvent.objects.get(action="core.audit.exported")
    assert (exported.actor_id, exported.data) == (
        auditor.pk,
        {"rows": 1, "filters": {"action": "people.person.pii_viewed"}},
    )
    assert audit.verify() is None


def test_neither_the_page_nor_the_export_shows_a_full_id_or_phone(client, bureau_admin, person):
    from jineng.people.identity import reveal_personal_data

    reveal_personal_data(person, actor=bureau_admin, purpose="核对身份")
    client.force_login(bureau_admin)
    html = client.get(AUDIT).content.decode()
    cells = repr(_sheet(client.post(AUDIT, {"export": "xlsx"})))
    assert "pii_viewed" in cells
    for text in (html, cells):
        assert ID_A not in text
        assert "13812345678" not in text
    assert ID_A not in repr(list(AuditEvent.objects.values_list("data", "object_repr")))


def test_an_export_past_its_limit_is_refused(client, auditor, monkeypatch):
    from jineng.core import audit_search

    monkeypatch.setattr(audit_search, "EXPORT_MAX_ROWS", 1)
    _event(None, "people.person.created")
    _event(None, "people.person.created")
    client.force_login(auditor)
    response = client.post(AUDIT, {"export": "xlsx"}, **EN)
    assert response.status_code == 400
    assert "Narrow the filters" in response.content.decode()
    assert not AuditEvent.objects.filter(action="core.audit.exported").exists()


def test_the_export_is_written_in_chunks(client, auditor, monkeypatch):
    from jineng.core import audit_search

    monkeypatch.setattr(audit_search, "EXPORT_CHUNK", 2)
    events = [_event(None, "people.person.created") for _ in range(5)]
    client.force_login(auditor)
    rows = _sheet(client.post(AUDIT, {"export": "xlsx"}))
    assert [r[0] for r in rows[1:]] == [e.pk for e in reversed(events)]


def test_a_person_is_found_by_citizen_id_sent_in_the_body_and_the_lookup_is_audited(
    client, auditor, person
):
    client.force_login(auditor)
    response = client.post(AUDIT, {"find_person": "1", "id_number": ID_A, "purpose": "核查投诉"})
    assert response.status_code == 302
    assert response["Location"] == f"{AUDIT}?person={person.pk}"
    lookup = AuditEvent.objects.get(action="people.person.looked_up")
    assert (lookup.actor_id, lookup.person_id, lookup.data) == (
        auditor.pk,
        person.pk,
        {"purpose": "核查投诉", "by": "id_number", "found": 1},
    )
    assert ID_A not in repr(lookup.data)


def test_a_citizen_id_that_nobody_holds_finds_nothing_and_no_purpose_is_refused(
    client, auditor, person
):
    client.force_login(auditor)
    nobody = client.post(
        AUDIT, {"find_person": "1", "id_number": "110101199003071233", "purpose": "核查"}, **EN
    )
    assert nobody.status_code == 200
    assert "Nobody you may see holds this citizen ID." in nobody.content.decode()
    unstated = client.post(AUDIT, {"find_person": "1", "id_number": ID_A, "purpose": ""})
    assert unstated.status_code == 400
    assert ID_A not in unstated.content.decode()
    assert AuditEvent.objects.filter(action="people.person.looked_up").count() == 1
    assert "110101199003071233" not in nobody.content.decode()


def test_other_roles_cannot_search_by_citizen_id(client, staff_a, person):
    client.force_login(staff_a)
    response = client.post(AUDIT, {"find_person": "1", "id_number": ID_A, "purpose": "x"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="people.person.looked_up").exists()
