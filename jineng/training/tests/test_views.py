"""Training pages: console, approvals queue, 找培训, my classes; scope and query counts."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from conftest import ID_B
from jineng.core.models import AuditEvent
from jineng.regions.models import Region, RegionLevel
from jineng.training import queries, services
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass

from .helpers import (
    START,
    approved_class,
    at,
    citizen_id,
    draft_class,
    enrol,
    held,
    member,
    person,
    programme,
    session,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(settings):
    """These tests match messages in their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def open_class(staff_a, bureau_admin, catalog_entry, accredited):
    return approved_class(staff_a, bureau_admin, programme(staff_a), capacity=1)


def test_staff_dashboard_shows_masked_roster(
    client, staff_a, bureau_admin, open_class, target_groups
):
    p = person(bureau_admin, ID_B, name="李四")
    member(bureau_admin, p, target_groups["unemployed"])
    enrol(open_class.pk, p, actor=staff_a)
    client.force_login(staff_a)
    page = client.get(reverse("training:detail", args=[open_class.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "李四" in html
    assert p.id_number_masked in html
    assert ID_B not in html


@pytest.mark.parametrize(
    ("actor_name", "status"),
    # A worker sees the published class on 找培训, not in the console.
    [("staff_a", 200), ("bureau_admin", 200), ("staff_b", 404), ("worker", 302)],
)
def test_dashboard_permission_matrix(request, client, actor_name, status, open_class):
    client.force_login(request.getfixturevalue(actor_name))
    response = client.get(reverse("training:detail", args=[open_class.pk]))
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == reverse("training:find_detail", args=[open_class.pk])


def test_staff_b_cannot_enrol_through_the_page(client, staff_b, bureau_admin, open_class):
    person(bureau_admin, ID_B)
    client.force_login(staff_b)
    response = client.post(reverse("training:enrol", args=[open_class.pk]), {"id_number": ID_B})
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


@pytest.mark.usefixtures("english")
def test_worker_sees_why_they_cannot_enrol(client, worker, open_class):
    client.force_login(worker)
    page = client.get(reverse("training:find_detail", args=[open_class.pk]))
    assert page.status_code == 200
    assert "you are not recognised in any of these groups" in page.content.decode()
    response = client.post(reverse("training:find_enrol", args=[open_class.pk]), follow=True)
    assert "not recognised" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_worker_enrols_from_find_and_sees_my_classes(
    client, worker, person, bureau_admin, target_groups, open_class
):
    member(bureau_admin, person, target_groups["migrant_worker"])
    client.force_login(worker)
    found = client.get(reverse("training:find") + "?occupation=电工&subsidised=1")
    assert open_class.programme.name in found.content.decode()
    response = client.post(reverse("training:find_enrol", args=[open_class.pk]))
    assert response.status_code == 302
    assert Enrolment.objects.get().status == EnrolmentStatus.ENROLLED
    mine = client.get(reverse("training:mine"))
    assert open_class.code in mine.content.decode()


def test_bureau_approves_from_the_queue(client, staff_a, bureau_admin, catalog_entry, accredited):
    c = draft_class(staff_a, programme(staff_a))
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    client.force_login(bureau_admin)
    queue = client.get(reverse("training:approvals"))
    assert c.code in queue.content.decode()
    response = client.post(
        reverse("training:transition", args=[c.pk]),
        {"to": "approved", "note": "同意", "next": "approvals"},
    )
    assert response.status_code == 302
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.APPROVED
    assert AuditEvent.objects.filter(action="training.class.approved").count() == 1


@pytest.mark.usefixtures("english")
def test_queue_shows_a_timetable_too_short_for_the_hours(
    client, staff_a, bureau_admin, catalog_entry, accredited, django_assert_max_num_queries
):
    short = draft_class(staff_a, programme(staff_a), sessions=[session(START, 9, 12)])
    full = draft_class(staff_a, programme(staff_a))
    for c in (short, full):
        services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    client.force_login(bureau_admin)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("training:approvals")).content.decode()
    articles = {
        c.code: re.search(rf"<article>(?:(?!</article>).)*{c.code}.*?</article>", page, re.S).group(
            0
        )
        for c in (short, full)
    }
    problem = (
        "The sessions add up to 3.0 hours; all 90 hours of the programme are taught in person."
    )
    assert problem in articles[short.code]
    assert "check out" not in articles[short.code]
    assert problem not in articles[full.code]
    assert "Accreditation, catalog entry and hours check out." in articles[full.code]


@pytest.mark.usefixtures("english")
def test_approval_refusal_is_shown_in_words(client, staff_a, bureau_admin, catalog_entry):
    c = draft_class(staff_a, programme(staff_a))
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    client.force_login(bureau_admin)
    response = client.post(
        reverse("training:transition", args=[c.pk]), {"to": "approved"}, follow=True
    )
    assert "holds no training accreditation" in response.content.decode()
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.SUBMITTED


def test_staff_creates_programme_and_class(client, staff_a, occupations, levels):
    room = services.create_venue("一号教室", "新华街道1号", 40, actor=staff_a)
    client.force_login(staff_a)
    response = client.post(
        reverse("training:programmes"),
        {
            "name": "焊工培训",
            "occupation_code": "6-18-02-04",
            "skill_level_code": "level5",
            "training_type": "employment",
            "theory_hours": 20,
            "practice_hours": 40,
            "fee_fen": 0,
        },
    )
    assert response.status_code == 302
    prog = staff_a.organization.programmes.get()
    data = {
        "code": "HG-1",
        "capacity": 20,
        "starts_on": START.isoformat(),
        "ends_on": (START + datetime.timedelta(days=18)).isoformat(),
        "mode": "offline",
        "region_code": "220581001",
        "day": START.isoformat(),
        "start": "08:00",
        "end": "12:00",
    }
    # An in-person session is held in a venue: the form asks for it beside the field.
    with translation.override("en"):
        response = client.post(reverse("training:create", args=[prog.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["venue"] == [
        "Choose the venue the session is held in: every session of an in-person or blended "
        "class is held in a registered venue."
    ]
    assert not TrainingClass.objects.exists()
    response = client.post(reverse("training:create", args=[prog.pk]), {**data, "venue": room.pk})
    assert response.status_code == 302
    c = TrainingClass.objects.get(code="HG-1")
    assert list(c.sessions.values_list("venue", flat=True)) == [room.pk]
    assert c.status == ClassStatus.DRAFT


def test_list_pages_have_flat_query_counts(
    client, staff_a, bureau_admin, catalog_entry, accredited, django_assert_max_num_queries
):
    prog = programme(staff_a)
    for _ in range(6):
        c = approved_class(staff_a, bureau_admin, prog)
        with time_machine.travel(at(START, 8), tick=False):
            services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
    client.force_login(bureau_admin)
    for name in ("training:list", "training:running", "training:find"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse(name)).status_code == 200


def test_worker_cannot_probe_draft_classes(client, worker, staff_a, catalog_entry, accredited):
    c = draft_class(staff_a, programme(staff_a))
    client.force_login(worker)
    assert client.get(reverse("training:find_detail", args=[c.pk])).status_code == 404
    assert client.post(reverse("training:find_enrol", args=[c.pk])).status_code == 404
    assert not Enrolment.objects.exists()


def test_staff_transfer_from_the_roster(
    client, staff_a, staff_b, bureau_admin, open_class, target_groups
):
    other = approved_class(staff_a, bureau_admin, open_class.programme, capacity=3)
    p = person(bureau_admin, ID_B)
    member(bureau_admin, p, target_groups["unemployed"])
    e = enrol(open_class.pk, p, actor=staff_a)
    client.force_login(staff_b)
    url = reverse("training:transfer", args=[e.pk])
    assert client.post(url, {"to_class": other.pk}).status_code == 404
    assert Enrolment.objects.get(pk=e.pk).status == EnrolmentStatus.ENROLLED
    client.force_login(staff_a)
    assert (
        other.code in client.get(reverse("training:detail", args=[open_class.pk])).content.decode()
    )
    assert client.post(url, {"to_class": other.pk}).status_code == 302
    assert Enrolment.objects.get(pk=e.pk).status == EnrolmentStatus.TRANSFERRED
    assert Enrolment.objects.get(training_class=other).person == p


def test_staff_edits_a_draft_class_and_keeps_its_sessions(
    client, staff_a, staff_b, occupations, levels
):
    c = draft_class(staff_a, programme(staff_a, subsidised=False))
    data = {
        "code": "NEW-1",
        "capacity": 9,
        "starts_on": START.isoformat(),
        "ends_on": (START + datetime.timedelta(days=3)).isoformat(),
        "mode": "blended",
        "region_code": "220581100",
    }
    client.force_login(staff_b)
    assert client.post(reverse("training:edit", args=[c.pk]), data).status_code == 404
    client.force_login(staff_a)
    assert client.post(reverse("training:edit", args=[c.pk]), data).status_code == 302
    c.refresh_from_db()
    assert (c.code, c.capacity, c.mode, c.region.name) == ("NEW-1", 9, "blended", "山城镇")
    assert c.sessions.count() == 1
    assert AuditEvent.objects.filter(action="training.class.updated").count() == 1


def test_staff_edits_a_programme(client, staff_a, occupations, levels):
    prog = programme(staff_a, subsidised=False)
    client.force_login(staff_a)
    page = client.get(reverse("training:programme_edit", args=[prog.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("training:programme_edit", args=[prog.pk]),
        {
            "name": "电工进阶",
            "occupation_code": "6-31-01-03",
            "skill_level_code": "level4",
            "training_type": "upskilling",
            "theory_hours": 30,
            "practice_hours": 30,
            "fee_fen": 100,
        },
    )
    assert response.status_code == 302
    prog.refresh_from_db()
    assert (prog.name, prog.skill_level.code, prog.required_hours) == ("电工进阶", "level4", 60)


def _row_text(html: str, code: str) -> str:
    """Return the words of the class list's row of one class, tags and spacing removed."""
    [row] = [r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if code in r]
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


@pytest.mark.usefixtures("english")
def test_class_list_counts_the_trainees_of_open_and_finished_classes(
    accredited, client, staff_a, bureau_admin, occupations, levels
):
    # 2 + 3 = 5 required hours = 300 minutes.
    prog = programme(staff_a, subsidised=False, theory=2, practice=3)
    names = "甲乙丙丁戊己庚"
    people = [person(bureau_admin, citizen_id(n), name="学员" + c) for n, c in enumerate(names)]
    open_class = approved_class(staff_a, bureau_admin, prog, capacity=30)
    _, left = (enrol(open_class.pk, p, actor=staff_a) for p in people[:2])
    services.withdraw(left.pk, actor=staff_a)
    finished = approved_class(staff_a, bureau_admin, prog, capacity=4)
    # Four seats and one on the waitlist, whose place lapses when the class closes.
    seated = [enrol(finished.pk, p, actor=staff_a) for p in people[2:]][:4]
    attended = {e.pk: 300 for e in seated[:3]} | {seated[3].pk: 60}
    with (
        held(),
        mock.patch.object(queries, "attended_minutes", lambda ids: {i: attended[i] for i in ids}),
        mock.patch.object(queries, "online_minutes", return_value=0),
    ):
        services.transition(finished.pk, ClassStatus.RUNNING, actor=staff_a)
        services.close_class(finished.pk, actor=staff_a)

    counts = {
        c.code: (c.enrolled_count, c.completed_count, c.waitlisted_count)
        for c in queries.with_counts(TrainingClass.objects.all())
    }
    assert counts == {open_class.code: (1, 0, 0), finished.code: (4, 3, 0)}
    client.force_login(staff_a)
    html = client.get(reverse("training:list")).content.decode()
    assert _row_text(html, open_class.code).endswith("Approved (审批通过) 1 / 30")
    assert _row_text(html, finished.code).endswith("Finished (结业) 4 / 4 · 3 completed")
    # The class page counts the same way as the list.
    for c, seats in (
        (open_class, "Seats 1 / 30 · waitlisted 0"),
        (finished, "Seats 4 / 4 · 3 completed"),
    ):
        page = client.get(reverse("training:detail", args=[c.pk])).content.decode()
        assert seats in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    services.transition(finished.pk, ClassStatus.ARCHIVED, actor=staff_a)
    html = client.get(reverse("training:list")).content.decode()
    assert _row_text(html, finished.code).endswith("Archived (归档) 4 / 4 · 3 completed")


@pytest.mark.usefixtures("english")
def test_find_offers_the_city_townships_and_filters_by_one(
    accredited, client, worker, staff_a, bureau_admin, city, occupations, levels
):
    elsewhere = Region.objects.create(code="220502", name="东昌区", level=RegionLevel.COUNTY)
    Region.objects.create(
        code="220502001", name="老站街道", level=RegionLevel.TOWN, parent=elsewhere
    )
    prog = programme(staff_a, subsidised=False)
    in_xinhua = approved_class(staff_a, bureau_admin, prog)
    in_shancheng = [
        approved_class(staff_a, bureau_admin, prog, region_code="220581100") for _ in range(2)
    ]
    client.force_login(worker)

    page = client.get(reverse("training:find"), {"town": "220581100"})
    select = re.search(r'<select name="town">(.*?)</select>', page.content.decode(), re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1])
    assert options == [
        ("", "", "All townships"),
        ("220581001", "", "新华街道"),
        ("220581100", " selected", "山城镇"),
    ]
    assert [c.code for c in page.context["classes"]] == [c.code for c in in_shancheng]
    page = client.get(reverse("training:find"), {"town": "220581001"})
    assert [c.code for c in page.context["classes"]] == [in_xinhua.code]
    page = client.get(reverse("training:find"), {"town": ""})
    assert len(page.context["classes"]) == 3


def test_page_says_when_a_running_class_can_be_closed(
    accredited, client, english, staff_a, bureau_admin, occupations, levels
):
    c = approved_class(staff_a, bureau_admin, programme(staff_a, subsidised=False))
    wait = f"Class {c.code} can be closed once its last session has ended, at {START} 12:00."
    with time_machine.travel(at(START, 10), tick=False):
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
        client.force_login(staff_a)
        page = client.get(reverse("training:detail", args=[c.pk]))
        assert wait in page.content.decode()
        closing = client.post(
            reverse("training:transition", args=[c.pk]), {"to": "closed"}, follow=True
        )
    assert [str(m) for m in closing.context["messages"]] == [wait]
    assert TrainingClass.objects.get(pk=c.pk).status == ClassStatus.RUNNING
    assert not AuditEvent.objects.filter(action="training.class.closed").exists()
    with held():
        client.force_login(staff_a)
        page = client.get(reverse("training:detail", args=[c.pk]))
    assert "can be closed once" not in page.content.decode()


def test_roster_shows_the_result_in_the_viewers_language(
    accredited, client, staff_a, bureau_admin, worker, occupations, levels
):
    # 2 + 3 = 5 required hours; the class is closed by someone using the English UI.
    c = approved_class(
        staff_a, bureau_admin, programme(staff_a, subsidised=False, theory=2, practice=3)
    )
    enrolment = enrol(c.pk, worker.person, actor=staff_a)
    with (
        held(),
        translation.override("en"),
        mock.patch.object(queries, "attended_minutes", lambda ids: dict.fromkeys(ids, 180)),
        mock.patch.object(queries, "online_minutes", return_value=0),
    ):
        services.transition(c.pk, ClassStatus.RUNNING, actor=staff_a)
        services.close_class(c.pk, actor=staff_a)
    assert Enrolment.objects.get(pk=enrolment.pk).result_note == ""
    client.force_login(staff_a)
    roster = client.get(
        reverse("training:detail", args=[c.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "已修 3.0/5 学时（出勤 180 分钟，线上 0 分钟）" in roster
    client.force_login(worker)
    mine = client.get(reverse("training:mine"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3.0 of 5 hours (180 min attended, 0 min online)" in mine
