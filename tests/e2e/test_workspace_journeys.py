"""Journeys: each role signs in, lands on its workspace (工作台) and reaches its first waiting
item in one click, on a desktop and on a 390 px phone, without sideways scrolling."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.attendance.models import Attendance
from jineng.occupations.models import Occupation, OccupationLevel
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment, TrainingClass
from tests.e2e.browser import UI
from tests.factories import ClassSessionFactory, TrainingClassFactory


@dataclass
class Waiting:
    submitted: TrainingClass
    session: ClassSession
    check_in: Attendance


def _occupation() -> Occupation:
    parent = None
    for code, level in [
        ("6-00-00-00", OccupationLevel.MAJOR),
        ("6-31-00-00", OccupationLevel.MIDDLE),
        ("6-31-01-00", OccupationLevel.SMALL),
    ]:
        parent = Occupation.objects.create(code=code, name=code, level=level, parent=parent)
    return Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION, parent=parent
    )


@pytest.fixture
def waiting(school_a: Any, worker: Any) -> Waiting:
    """A class school A submitted, and a running one with a session all day today, in which
    the worker has a place and a flagged check-in."""
    occupation = _occupation()
    today = timezone.localdate()
    at = {"programme__organization": school_a, "programme__occupation": occupation}
    submitted = TrainingClassFactory(
        code="A-SUB", status=ClassStatus.SUBMITTED, starts_on=today, **at
    )
    running = TrainingClassFactory(
        code="A-RUN", status=ClassStatus.RUNNING, starts_on=today, programme__name="电工培训", **at
    )
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    session = ClassSessionFactory(
        training_class=running,
        starts_at=midnight + datetime.timedelta(minutes=1),
        ends_at=midnight + datetime.timedelta(hours=23, minutes=59),
        topic="安全用电",
    )
    enrolment = Enrolment.objects.create(
        training_class=running, person=worker.person, status=EnrolmentStatus.ENROLLED
    )
    check_in = Attendance.objects.create(
        enrolment=enrolment,
        session=session,
        checked_in_at=session.starts_at,
        method="qr",
        flags=["no_location"],
        is_flagged=True,
    )
    return Waiting(submitted=submitted, session=session, check_in=check_in)


def _no_sideways_scroll(ui: UI) -> None:
    width = ui.page.evaluate("document.documentElement.scrollWidth")
    assert width <= ui.page.viewport_size["width"], f"{ui.path} scrolls sideways ({width} px)"


def _land_on_workspace(ui: UI, user: Any) -> None:
    ui.login(user)
    assert ui.path == "/"
    expect(ui.page.locator("header nav a[href='/']").first).to_have_attribute(
        "aria-current", "page"
    )
    _no_sideways_scroll(ui)


def _first_item(ui: UI, kind: str) -> Any:
    return ui.page.locator(f"main section[data-kind='{kind}'] li a").first


def test_bureau_reaches_the_class_to_approve(ui: UI, bureau_admin: Any, waiting: Waiting) -> None:
    _land_on_workspace(ui, bureau_admin)
    section = ui.page.locator("main section[data-kind='training.class_to_approve']")
    expect(section.locator(".badge")).to_have_text("1")
    ui.follow(_first_item(ui, "training.class_to_approve"))
    assert ui.path == f"/training/classes/{waiting.submitted.pk}/"
    expect(ui.page.locator("main")).to_contain_text("A-SUB")
    _no_sideways_scroll(ui)


def test_reviewer_rejects_the_flagged_check_in(ui: UI, reviewer: Any, waiting: Waiting) -> None:
    _land_on_workspace(ui, reviewer)
    expect(ui.page.locator("main section[data-kind='training.class_to_approve']")).to_have_count(0)
    ui.follow(_first_item(ui, "attendance.check_in_to_review"))
    assert ui.path == f"/attendance/check-ins/{waiting.check_in.pk}/review/"
    _no_sideways_scroll(ui)
    ui.page.locator("textarea[name=reason]").fill("电话核实本人未到场")
    ui.follow(ui.page.locator("button[name=decision][value=rejected]"))
    assert ui.path == "/attendance/flagged/"
    _no_sideways_scroll(ui)
    assert Attendance.objects.get(pk=waiting.check_in.pk).review == "rejected"


def test_staff_reach_todays_check_in_screen(ui: UI, staff_a: Any, waiting: Waiting) -> None:
    _land_on_workspace(ui, staff_a)
    ui.follow(_first_item(ui, "attendance.session_today"))
    assert ui.path == f"/attendance/sessions/{waiting.session.pk}/screen/"
    _no_sideways_scroll(ui)


def test_worker_reaches_the_next_session_and_keeps_the_record_link(
    ui: UI, worker: Any, waiting: Waiting
) -> None:
    _land_on_workspace(ui, worker)
    expect(ui.page.locator("main a[href='/records/mine/']")).to_have_count(1)
    ui.follow(_first_item(ui, "training.next_session"))
    assert ui.path == f"/training/find/{waiting.session.training_class_id}/"
    _no_sideways_scroll(ui)


def test_employer_is_told_what_it_can_do(ui: UI, school_a: Any, db: Any) -> None:
    employer = make_user("hr_e2e", Role.EMPLOYER, organization=school_a)
    _land_on_workspace(ui, employer)
    can_do = ui.page.locator("main section[aria-labelledby='ws-can-do'] li a")
    expect(can_do.first).to_be_visible()
    ui.follow(can_do.first)
    assert ui.path.startswith("/people/")
