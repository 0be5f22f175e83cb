"""Journey of issue 5: a subsidised class from submission to completion, in the browser.

Institution staff submit a subsidised class with a session about to begin; the bureau
approves it from its queue before it begins; a worker on a phone finds it on 找培训 and
enrols; staff start the class and show the session's QR screen, and the worker's phone opens
the code's link and checks in at the venue; a learning platform posts xAPI statements, one
on each day of the class as it comes, that add the missing hours; staff close the class, the
roster shows the worker completed, and 我的档案 shows it all.

Staff and bureau run on both viewports (the ``device`` fixture); the worker is always on a
phone with location permission granted at the venue.
"""

from __future__ import annotations

import base64
import datetime
import json
import re
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import segno
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from jineng.attendance import tokens
from jineng.attendance.models import Attendance
from jineng.catalogs.choices import TrainingType
from jineng.core.models import AuditEvent
from jineng.learning import services as learning_services
from jineng.learning.linking import class_extension_iri
from jineng.learning.queries import online_minutes
from jineng.people.queries import EVERYTHING
from jineng.records.queries import get_record
from jineng.training import services as training_services
from jineng.training.choices import ClassMode, ClassStatus, EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment, Programme, TrainingClass
from jineng.training.tests import conftest as training_fixtures
from jineng.training.tests.helpers import ENTRY_KEY, member
from tests.e2e.browser import PHONE, UI

# Reference data of the training tests, built the same way (accreditation through services).
levels = training_fixtures.levels
occupations = training_fixtures.occupations
catalog_entry = training_fixtures.catalog_entry
accredited = training_fixtures.accredited

CLASS_CODE = "MHK-DG-2026-01"
VENUE = {"latitude": 42.530512, "longitude": 125.710341}
XAPI_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


@pytest.fixture
def venue(staff_a: Any) -> Any:
    """school_a's classroom, registered through the service, with its position on the map."""
    created = training_services.create_venue(
        "实训楼101教室", "梅河口市新华街道实训楼", 60, actor=staff_a, region_code="220581001"
    )
    type(created).objects.filter(pk=created.pk).update(**VENUE)
    created.refresh_from_db()
    return created


@pytest.fixture
def open_phone(open_ui: Callable[..., UI], browser: Any, monkeypatch: Any) -> Callable[[], UI]:
    """Open a harness-managed tab on a phone, sharing its location at the venue.

    The harness opens every tab on the journey's viewport; the worker is always on a phone, so
    the tab's context is created with the phone's options and a granted geolocation.
    """

    def factory() -> UI:
        original = browser.new_context

        def phone_context(**options: Any) -> Any:
            options.update(PHONE.context_options)
            options.update(geolocation={**VENUE, "accuracy": 20}, permissions=["geolocation"])
            return original(**options)

        with monkeypatch.context() as patch:
            patch.setattr(browser, "new_context", phone_context)
            tab = open_ui()
        tab.device = PHONE
        return tab

    return factory


def _statement(
    statement_id: str, person: Any, minutes: int, at: datetime.datetime
) -> dict[str, Any]:
    """A platform's "completed" statement of `minutes` of online theory in the class."""
    return {
        "id": statement_id,
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": settings.JINENG_XAPI_ACCOUNT_HOMEPAGE, "name": str(person.pk)},
        },
        "verb": {"id": XAPI_COMPLETED, "display": {"en-US": "completed"}},
        "object": {
            "objectType": "Activity",
            "id": "https://learn.example.cn/courses/electrician-theory",
            "definition": {"name": {"zh-CN": "电工理论在线课程"}},
        },
        "result": {"completion": True, "duration": f"PT{minutes}M"},
        "context": {"extensions": {class_extension_iri(): CLASS_CODE}},
        "timestamp": at.isoformat(),
    }


def session_window() -> tuple[datetime.date, datetime.time, datetime.time]:
    """A session on today's local date beginning in ten minutes, so it can be scheduled and
    approved before it begins and checked in to on time now (within the day's bounds)."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = min(now + datetime.timedelta(minutes=10), midnight + datetime.timedelta(minutes=1438))
    end = min(now + datetime.timedelta(minutes=90), midnight + datetime.timedelta(minutes=1439))
    return (
        now.date(),
        start.time().replace(second=0, microsecond=0),
        end.time().replace(second=0, microsecond=0),
    )


def qr_path(svg: str) -> str:
    """Return the path data of a QR code's SVG (segno draws the modules as one path)."""
    match = re.search(r'<path[^>]*\sd="([^"]+)"', svg)
    assert match, "no QR path in the SVG"
    return match.group(1)


def scanned_url(ui: UI, session: ClassSession) -> str:
    """Return the link the session's QR code on the screen encodes, as a phone's camera would.

    The screen shows only the QR image; it encodes the check-in URL of the code of the
    current 30-second step. The code is signed in this process with the server's settings and
    the image compared module by module, so the link is the one on the screen.
    """
    shown = qr_path(ui.page.locator("#code [role=img] svg").evaluate("svg => svg.outerHTML"))
    now = timezone.now()
    for at in (now, now - datetime.timedelta(seconds=30)):
        code = tokens.make_code(session.pk, at)
        url = ui.url(reverse("attendance:check_in", args=[code]))
        if qr_path(segno.make(url, error="m").svg_inline(scale=8, border=2)) == shown:
            return url
    raise AssertionError("the QR code on the screen encodes no current check-in link")


def post_statement(base_url: str, key: str, secret: str, statement: dict[str, Any]) -> Any:
    """POST one statement to /xapi/statements as a learning platform does (HTTP Basic)."""
    request = urllib.request.Request(
        base_url.rstrip("/") + "/xapi/statements",
        data=json.dumps(statement).encode(),
        method="POST",
        headers={
            "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
            "Content-Type": "application/json",
            "X-Experience-API-Version": "1.0.3",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers["X-Experience-API-Version"].startswith("1.0")
        return json.loads(response.read())


def zh(text: Any) -> str:
    """The text as the Chinese UI shows it."""
    with translation.override("zh-hans"):
        return str(text)


# The journey jumps hours ahead to the session's end; staff stay signed in across it.
@override_settings(JINENG_STAFF_IDLE_MINUTES=24 * 60)
def test_subsidised_class_from_submission_to_completion(
    ui: UI,
    open_ui: Callable[..., UI],
    open_phone: Callable[[], UI],
    live_server: Any,
    staff_a: Any,
    bureau_admin: Any,
    worker: Any,
    person: Any,
    target_groups: Any,
    catalog_entry: Any,
    accredited: Any,
    venue: Any,
) -> None:
    member(bureau_admin, person, target_groups["unemployed"])

    # 1. Staff add a subsidised programme of theory, blended: its hours may be learned online,
    # so one session about to begin is enough to submit a class.
    ui.login(staff_a)
    ui.goto("/training/programmes/")
    form = ui.page.locator("main form[method=post]")
    form.locator("input[name=name]").fill("电工初级培训")
    form.locator("input[name=occupation_code]").fill("6-31-01-03")
    form.locator("select[name=skill_level_code]").select_option(label="五级/初级工")
    form.locator("select[name=training_type]").select_option(TrainingType.EMPLOYMENT.value)
    form.locator("input[name=theory_hours]").fill("80")
    form.locator("input[name=practice_hours]").fill("0")
    form.locator("input[name=fee_fen]").fill("0.00")
    form.locator("input[name=catalog_entry_key]").fill(ENTRY_KEY)
    ui.follow(form.locator("button[type=submit]"))
    programme = Programme.objects.get(organization=staff_a.organization)
    assert (programme.catalog_entry_key, programme.required_hours) == (ENTRY_KEY, 80)

    ui.follow(ui.page.locator(f"main a[href$='/training/programmes/{programme.pk}/classes/new/']"))
    day, start, end = session_window()
    form = ui.page.locator("main form[method=post]")
    form.locator("input[name=code]").fill(CLASS_CODE)
    form.locator("input[name=capacity]").fill("30")
    # The class runs four days from today: its 80 hours are mostly learned online on its days.
    form.locator("input[name=starts_on]").fill(day.isoformat())
    form.locator("input[name=ends_on]").fill((day + datetime.timedelta(days=3)).isoformat())
    form.locator("select[name=mode]").select_option(ClassMode.BLENDED.value)
    form.locator("input[name=region_code]").fill("220581001")
    form.locator("input[name=day]").fill(day.isoformat())
    form.locator("input[name=start]").fill(start.strftime("%H:%M"))
    form.locator("input[name=end]").fill(end.strftime("%H:%M"))
    form.locator("select[name=venue]").select_option(str(venue.pk))
    ui.follow(form.locator("button[type=submit]"))
    training_class = TrainingClass.objects.get(code=CLASS_CODE)
    session = training_class.sessions.get()
    assert ui.path == f"/training/classes/{training_class.pk}/"
    assert timezone.localtime(session.starts_at).time() == start
    assert session.venue_id == venue.pk

    detail_path = ui.path
    transition = "main form[action$='/transition/']:has(input[name=to][value='{}']) button"
    ui.follow(ui.page.locator(transition.format(ClassStatus.SUBMITTED)))
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="training.class.submitted", actor_id=staff_a.pk)

    # 2. The bureau opens its approvals queue and approves the class.
    bureau = open_ui()
    bureau.login(bureau_admin)
    bureau.goto("/training/")
    bureau.follow(bureau.page.locator("main a[href$='/training/approvals/']"))
    item = bureau.page.locator("main article", has_text=CLASS_CODE)
    expect(item).to_have_count(1)
    approve = item.locator("form:has(input[name=to][value=approved])")
    approve.locator("input[name=note]").fill("认定与目录核验通过")
    bureau.follow(approve.locator("button[type=submit]"))
    assert bureau.path == "/training/approvals/"
    expect(bureau.page.locator("main article", has_text=CLASS_CODE)).to_have_count(0)
    training_class.refresh_from_db()
    assert (training_class.status, training_class.decided_by_id) == (
        ClassStatus.APPROVED,
        bureau_admin.pk,
    )
    assert training_class.catalog_entry_id == catalog_entry.pk
    assert AuditEvent.objects.filter(action="training.class.approved", actor_id=bureau_admin.pk)

    # 3. The worker, on a phone, finds the class on 找培训, enrols and sees it in 我的课程.
    phone = open_phone()
    phone.login(worker)
    phone.goto("/training/find/")
    search = phone.page.locator("main form[method=get]")
    search.locator("input[name=occupation]").fill("电工")
    search.locator("select[name=subsidised]").select_option("1")
    phone.follow(search.locator("button[type=submit]"))
    phone.follow(phone.page.locator(f"main a[href$='/training/find/{training_class.pk}/']"))
    expect(phone.page.locator("main")).to_contain_text(CLASS_CODE)
    phone.follow(
        phone.page.locator(f"main form[action$='/find/{training_class.pk}/enrol/'] button")
    )
    assert phone.path == "/training/mine/"
    expect(phone.page.locator("main article", has_text=CLASS_CODE)).to_contain_text(
        zh(EnrolmentStatus.ENROLLED.label)
    )
    enrolment = Enrolment.objects.get(training_class=training_class, person=person)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert AuditEvent.objects.filter(
        action="training.enrolment.created", actor_id=worker.pk, person_id=person.pk
    )

    # 4. Staff start the class and show the session's code; the worker's phone scans it.
    ui.goto(detail_path)
    ui.follow(ui.page.locator(transition.format(ClassStatus.RUNNING)))
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.RUNNING
    ui.follow(ui.page.locator(f"main a[href$='/attendance/classes/{training_class.pk}/']"))
    ui.follow(ui.page.locator(f"main a[href$='/attendance/sessions/{session.pk}/screen/']"))
    check_in_url = scanned_url(ui, session)

    phone.goto(check_in_url)
    expect(phone.page.locator("main")).to_contain_text(CLASS_CODE)
    phone.follow(phone.page.locator("#check-in-button"))
    assert phone.path == "/attendance/"
    attendance = Attendance.objects.get(enrolment=enrolment, session=session)
    assert attendance.method == "qr"
    assert not attendance.is_flagged, attendance.flags
    assert (float(attendance.latitude), float(attendance.longitude)) == (
        VENUE["latitude"],
        VENUE["longitude"],
    )
    assert attendance.distance_m == 0
    assert attendance.device_id
    assert attendance.user_agent
    assert AuditEvent.objects.filter(
        action="attendance.attendance.created", actor_id=worker.pk, person_id=person.pk
    )
    expect(phone.page.locator("main")).to_contain_text(training_class.programme.name)

    # 5. An online platform reports the rest of the programme's hours over xAPI.
    attended = int((session.ends_at - session.starts_at).total_seconds() // 60)
    missing = programme.required_hours * 60 - attended
    # The bureau registers the platform for the institution's classes (ADR 0011).
    platform = learning_services.create_platform(
        "吉林职业技能在线",
        registrations=learning_services.Registrations(
            institutions=(training_class.programme.organization,)
        ),
        actor=bureau_admin,
    )
    credential, secret = learning_services.create_credential(platform, actor=bureau_admin)
    # One statement on each day of the class, posted that day, none over a day's hours (what
    # one day can count).
    parts = [min(24 * 60, missing - 24 * 60 * i) for i in range(-(-missing // (24 * 60)))]
    for ahead, minutes in enumerate(parts):
        statement_id = str(uuid.uuid4())
        at = timezone.now() + datetime.timedelta(days=ahead)
        with time_machine.travel(at):
            stored = post_statement(
                live_server.url,
                credential.key,
                secret,
                _statement(statement_id, person, minutes, timezone.now()),
            )
        assert stored == [statement_id]
    assert online_minutes(person.pk, CLASS_CODE) == missing

    # 6. While the session runs the class cannot be closed yet; once it has ended, staff close
    # the class and the roster shows the worker completed.
    ui.goto(detail_path)
    wait = ui.page.locator("main [role=status]", has_text=CLASS_CODE)
    expect(wait).to_contain_text(timezone.localtime(session.ends_at).strftime("%Y-%m-%d %H:%M"))
    with time_machine.travel(session.ends_at + datetime.timedelta(minutes=1)):
        ui.goto(detail_path)
        expect(wait).to_have_count(0)
        close = ui.page.locator("main form:has(input[name=to][value=closed])")
        close.locator("textarea[name=note]").fill("考勤与线上学时合格")
        ui.follow(close.locator("button[type=submit]"))
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.attended_minutes, enrolment.online_minutes) == (
        EnrolmentStatus.COMPLETED,
        attended,
        missing,
    )
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.CLOSED
    closed = AuditEvent.objects.get(action="training.class.closed", actor_id=staff_a.pk)
    assert closed.data["completed"] == 1
    row = ui.page.locator("main table tbody tr", has_text=person.name)
    expect(row).to_contain_text(zh(EnrolmentStatus.COMPLETED.label))
    expect(row).to_contain_text(person.id_number_masked)

    # ... and the worker's 我的档案 shows the class, the check-in and the online learning.
    phone.goto("/records/mine/")
    with translation.override("zh-hans"):
        entries = {e.kind: str(e.title) for e in get_record(person, EVERYTHING).entries}
    timeline = phone.page.locator("main ol.timeline")
    for kind in ("training.completed", "attendance.checked_in", "learning.online"):
        assert kind in entries, f"no {kind} entry in the record: {sorted(entries)}"
        expect(timeline).to_contain_text(entries[kind])
