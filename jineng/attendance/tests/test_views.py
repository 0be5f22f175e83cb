"""Pages: the worker's scan-and-confirm check-in, staff's code screen, manual form and sheet."""

from __future__ import annotations

import datetime
import io
import shutil
from types import SimpleNamespace

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jineng.attendance import services, tokens, views
from jineng.attendance.models import Attendance
from jineng.core.models import AuditEvent

from .conftest import START, VENUE_LAT, VENUE_LNG

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PHONE = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)", **EN}


def check_in_url(session, at=START):
    return reverse("attendance:check_in", args=[tokens.make_code(session.pk, at)])


def scan_and_confirm(client, url, **location):
    page = client.get(url, **PHONE)
    assert page.status_code == 200
    ticket = page.context["form"].initial["ticket"]
    return client.post(url, {"ticket": ticket, **location}, **PHONE)


def test_worker_scans_and_checks_in_with_location(client, worker, enrolment, sessions, at_start):
    client.force_login(worker)
    url = check_in_url(sessions[0])
    page = client.get(url, **PHONE)
    assert "share your location" in page.content.decode()
    device_id = page.cookies["jineng_device"].value
    at_start.move_to(START + datetime.timedelta(seconds=75))  # answering the location prompt
    response = client.post(
        url,
        {
            "ticket": page.context["form"].initial["ticket"],
            "latitude": str(VENUE_LAT),
            "longitude": str(VENUE_LNG),
            "accuracy": "15",
        },
        **PHONE,
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("attendance:mine")
    attendance = Attendance.objects.get()
    assert attendance.enrolment == enrolment
    assert attendance.checked_in_at == START  # the moment of the scan, which the ticket signs
    assert attendance.device_id == device_id
    assert attendance.user_agent.startswith("Mozilla/5.0 (iPhone")
    assert (attendance.accuracy_m, attendance.distance_m, attendance.flags) == (15, 0, [])
    history = client.get(reverse("attendance:mine"), **EN).content.decode()
    assert "Checked in." in history
    assert "安全用电" in history


def test_check_in_without_location_is_flagged(client, worker, enrolment, sessions, at_start):
    client.force_login(worker)
    response = scan_and_confirm(client, check_in_url(sessions[0]))
    assert response.status_code == 302
    assert Attendance.objects.get().flags == ["no_location"]
    assert "No location given" in client.get(response["Location"], **EN).content.decode()


def test_expired_code_is_refused_on_the_page(client, worker, enrolment, sessions, at_start):
    client.force_login(worker)
    url = check_in_url(sessions[0], START - datetime.timedelta(minutes=2))
    response = client.get(url, **EN)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert not Attendance.objects.exists()


def test_forged_code_is_refused_on_the_page(client, worker, enrolment, sessions, at_start):
    client.force_login(worker)
    code = tokens.make_code(sessions[0].pk, START)
    forged = reverse("attendance:check_in", args=[code[:-3] + "xyz"])
    response = client.post(forged, {"ticket": "x"}, **EN)
    assert response.status_code == 400
    assert "not genuine" in response.content.decode()
    assert not Attendance.objects.exists()


def test_page_ticket_expires_and_belongs_to_its_user(
    client, worker, staff_a, enrolment, sessions, at_start
):
    client.force_login(worker)
    url = check_in_url(sessions[0])
    ticket = client.get(url).context["form"].initial["ticket"]
    at_start.move_to(START + datetime.timedelta(minutes=4))
    response = client.post(url.replace(url, url), {"ticket": ticket}, **EN)
    # The code itself has expired four minutes on: refused before the ticket is read.
    assert response.status_code == 400
    at_start.move_to(START)
    client.force_login(staff_a)
    response = client.post(url, {"ticket": ticket}, **EN)
    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert not Attendance.objects.exists()


def test_not_enrolled_worker_is_refused_clearly(client, worker, training_class, sessions, at_start):
    client.force_login(worker)
    response = scan_and_confirm(client, check_in_url(sessions[0]))
    assert response.status_code == 403
    assert "not enrolled in class A-2026-001" in response.content.decode()
    assert not Attendance.objects.exists()


def test_second_scan_is_a_no_op_with_a_message(client, worker, enrolment, sessions, at_start):
    client.force_login(worker)
    url = check_in_url(sessions[0])
    # Two tabs opened on the code: the second is confirmed after the first checked in.
    ticket = client.get(url, **PHONE).context["form"].initial["ticket"]
    scan_and_confirm(client, url)
    response = client.post(url, {"ticket": ticket}, **PHONE)
    assert response.status_code == 302
    assert "already checked in" in client.get(response["Location"], **EN).content.decode()
    assert Attendance.objects.count() == 1


def test_reopened_link_says_the_worker_already_checked_in(
    client, worker, enrolment, sessions, at_start
):
    client.force_login(worker)
    url = check_in_url(sessions[0])
    scan_and_confirm(client, url)
    at_start.move_to(START + datetime.timedelta(seconds=20))
    page = client.get(url, **EN)
    body = page.content.decode()
    assert page.status_code == 200
    assert "You checked in to this session at Mar 2, 09:00." in body
    assert 'id="check-in-button"' not in body
    assert "form" not in page.context
    assert Attendance.objects.count() == 1


def test_page_before_the_window_says_when_check_in_opens(
    client, worker, enrolment, sessions, at_start
):
    client.force_login(worker)
    # The afternoon session (14:00) opens for check-in at 13:00.
    response = client.get(check_in_url(sessions[1]), **EN)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Check-in for this session has not opened yet: it opens at Mar 2, 13:00." in body
    assert "closed" not in body
    assert 'id="check-in-button"' not in body


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext to compile Chinese")
def test_page_before_the_window_says_when_check_in_opens_in_chinese(
    client, worker, enrolment, sessions, at_start
):
    client.force_login(worker)
    response = client.get(check_in_url(sessions[1]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "本课次签到尚未开始，签到将于 3月2日 13:00 开始。" in response.content.decode()


def test_page_after_the_window_says_check_in_is_closed(
    client, worker, enrolment, sessions, at_start
):
    client.force_login(worker)
    late = sessions[0].ends_at + datetime.timedelta(minutes=31)
    at_start.move_to(late)
    response = client.get(check_in_url(sessions[0], late), **EN)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Check-in for this session is closed." in body
    assert 'id="check-in-button"' not in body


def test_confirming_before_the_window_says_when_check_in_opens(
    client, worker, enrolment, sessions, at_start
):
    client.force_login(worker)
    code = tokens.make_code(sessions[1].pk, START)
    url = reverse("attendance:check_in", args=[code])
    # A page opened in time for the button, confirmed now: the service says when it opens.
    ticket = views._ticket(SimpleNamespace(user=worker), code, START)
    response = client.post(url, {"ticket": ticket}, **EN)
    assert response.status_code == 400
    assert "it opens at Mar 2, 13:00." in response.content.decode()
    assert not Attendance.objects.exists()


def test_scanning_needs_login(client, sessions, at_start):
    response = client.get(check_in_url(sessions[0]))
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


def test_session_screen_shows_a_scannable_code(client, staff_a, sessions, at_start):
    client.force_login(staff_a)
    response = client.get(reverse("attendance:screen", args=[sessions[0].pk]), **EN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body
    assert 'hx-trigger="every 10s"' in body
    url = response.context["url"]
    assert url.startswith("http://testserver/attendance/check-in/")
    code = url.rsplit("/", 2)[1]
    assert tokens.read_code(code, START) == sessions[0].pk
    fragment = client.get(reverse("attendance:code", args=[sessions[0].pk]), **EN)
    assert "<svg" in fragment.content.decode()
    assert "0 trainees checked in" in fragment.content.decode()


def test_session_screen_outside_its_window_shows_no_code(client, staff_a, sessions, at_start):
    client.force_login(staff_a)
    response = client.get(reverse("attendance:screen", args=[sessions[1].pk]), **EN)
    assert "<svg" not in response.content.decode()
    assert "not open now" in response.content.decode()


# Another school does not see the session (404); the bureau and a worker see the running class
# but never show its check-in code (403).
@pytest.mark.parametrize(
    ("who", "status"), [("staff_b", 404), ("worker", 403), ("bureau_admin", 403)]
)
def test_session_screen_is_hidden_from_others(client, request, who, status, sessions, at_start):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("attendance:screen", args=[sessions[0].pk])).status_code == status
    assert client.get(reverse("attendance:code", args=[sessions[0].pk])).status_code == status


def test_manual_form_requires_a_reason(client, staff_a, enrolment, sessions, at_start):
    client.force_login(staff_a)
    url = reverse("attendance:manual", args=[sessions[0].pk])
    response = client.post(url, {"enrolment": enrolment.pk, "reason": ""}, **EN)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Attendance.objects.exists()


def test_manual_form_records_a_marked_entry(client, staff_a, enrolment, sessions, at_start):
    client.force_login(staff_a)
    url = reverse("attendance:manual", args=[sessions[0].pk])
    assert "张三" in client.get(url).content.decode()
    response = client.post(url, {"enrolment": enrolment.pk, "reason": "手机没电"}, **EN)
    assert response.status_code == 302
    attendance = Attendance.objects.get()
    assert (attendance.method, attendance.reason, attendance.recorded_by) == (
        "manual",
        "手机没电",
        staff_a,
    )
    sheet = client.get(response["Location"], **EN).content.decode()
    assert "Manual check-in recorded." in sheet
    assert "✓ 09:00 M" in sheet


def test_manual_form_is_hidden_from_other_institutions(
    client, staff_b, enrolment, sessions, at_start
):
    client.force_login(staff_b)
    url = reverse("attendance:manual", args=[sessions[0].pk])
    response = client.post(url, {"enrolment": enrolment.pk, "reason": "x"})
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_sheet_shows_masked_ids_flags_and_hours(
    client, staff_a, worker, enrolment, sessions, at_start
):
    services.check_in(tokens.make_code(sessions[0].pk, START), actor=worker)
    client.force_login(staff_a)
    body = client.get(reverse("attendance:sheet", args=[enrolment.training_class.pk]), **EN)
    text = body.content.decode()
    assert "220581**********36" in text
    assert "220581199001011236" not in text
    assert "No location given" in text
    assert "<td>2.0</td>" in text


# Another school does not see the class (404); a worker sees the published class but not
# its attendance sheet (403).
@pytest.mark.parametrize(("who", "status"), [("staff_b", 404), ("worker", 403)])
def test_sheet_of_another_institution_is_404(client, request, who, status, enrolment, sessions):
    client.force_login(request.getfixturevalue(who))
    class_id = enrolment.training_class.pk
    assert client.get(reverse("attendance:sheet", args=[class_id])).status_code == status
    assert client.get(reverse("attendance:sheet_xlsx", args=[class_id])).status_code == status
    assert not AuditEvent.objects.filter(action="attendance.sheet.exported").exists()


def test_bureau_reads_any_sheet(client, bureau_admin, enrolment, sessions):
    client.force_login(bureau_admin)
    url = reverse("attendance:sheet", args=[enrolment.training_class.pk])
    response = client.get(url, **EN)
    assert response.status_code == 200
    assert "Code screen" not in response.content.decode()


def test_xlsx_sheet_contents(client, staff_a, worker, enrolment, sessions, at_start):
    services.check_in(
        tokens.make_code(sessions[0].pk, START),
        actor=worker,
        location=services.Location(latitude=VENUE_LAT, longitude=VENUE_LNG),
    )
    at_start.move_to(START + datetime.timedelta(hours=9))
    services.record_manual_check_in(sessions[1].pk, enrolment.pk, reason="=补签", actor=staff_a)
    client.force_login(staff_a)
    response = client.get(
        reverse("attendance:sheet_xlsx", args=[enrolment.training_class.pk]), **EN
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="attendance-A-2026-001.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows == [
        (
            "Name",
            "ID number",
            "03-02 09:00 安全用电",
            "03-02 14:00 照明线路",
            "Attended hours",
            "Of which flagged",
        ),
        (
            "张三",
            "220581**********36",
            "09:00",
            "18:00 (manual: =补签) [flagged: Outside the session's time window]",
            5.5,
            3.5,
        ),
    ]
    event = AuditEvent.objects.get(action="attendance.sheet.exported")
    assert (event.actor, event.data) == (staff_a, {"rows": 1, "sessions": 2})


def test_xlsx_sheet_shows_a_name_that_looks_like_a_formula_as_typed(client, staff_a, enrolment):
    person = enrolment.person
    person.name = '=HYPERLINK("http://example.com","x")'
    person.save(update_fields=["name"])
    client.force_login(staff_a)

    response = client.get(
        reverse("attendance:sheet_xlsx", args=[enrolment.training_class.pk]), **EN
    )

    cell = load_workbook(io.BytesIO(response.content)).active["A2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com","x")', "s")


def test_admin_lists_check_ins_read_only(client, worker, enrolment, sessions, at_start):
    from conftest import make_user

    services.check_in(tokens.make_code(sessions[0].pk, START), actor=worker)
    superuser = make_user("root_t", "bureau_admin", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    listing = client.get(reverse("admin:attendance_attendance_changelist"))
    assert listing.status_code == 200
    assert "A-2026-001" in listing.content.decode()
    assert client.get(reverse("admin:attendance_attendance_add")).status_code == 403
