"""Each role's home page: exactly the work waiting for it, in scope, newest first, with counts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.workspace.queries import workspace_for


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def kinds(user):
    return [s.kind for s in workspace_for(user).sections]


def section(user, kind):
    (found,) = [s for s in workspace_for(user).sections if s.kind == kind]
    return found


def links(found):
    return [item.link for item in found.items]


def test_bureau_sees_every_queue_it_decides_and_not_its_own_draft(world, bureau_admin):
    assert kinds(bureau_admin) == [
        "training.class_to_approve",
        "catalogs.version_to_publish",
        "accreditations.application_to_decide",
        "attendance.check_in_to_review",
        "catalogs.appeal_to_decide",
        "core.job",
        "assessment.plan_to_receive",
        "assessment.score_change",
        "assessment.session_to_supervise",
        "talent.proposal",
        "talent.nomination",
        "talent.objection",
        "subsidies.claim_to_approve",
        "fraud.alert_to_work",
    ]
    approve = section(bureau_admin, "training.class_to_approve")
    assert approve.count == 2
    assert sorted(links(approve)) == sorted(
        reverse("training:detail", args=[world.classes[c].pk]) for c in ("A-SUB", "B-SUB")
    )
    # Four eyes: the version the admin prepared is not offered to them for publishing.
    publish = section(bureau_admin, "catalogs.version_to_publish")
    assert (publish.count, links(publish)) == (
        1,
        [reverse("catalogs:workbench", args=[world.version_by_other.pk])],
    )
    assert publish.items[0].title == (
        "Version 2 of Subsidised training catalog (政府补贴培训目录) awaits your countersignature"
    )
    decide = section(bureau_admin, "accreditations.application_to_decide")
    assert (decide.count, links(decide)) == (
        1,
        [reverse("accreditations:application", args=[world.application.pk])],
    )
    review = section(bureau_admin, "attendance.check_in_to_review")
    assert review.count == 2
    assert section(bureau_admin, "catalogs.appeal_to_decide").count == 0


def test_reviewer_sees_only_what_its_role_decides(world, reviewer):
    assert kinds(reviewer) == [
        "attendance.check_in_to_review",
        "assessment.session_to_supervise",
        "subsidies.claim_to_review",
        "fraud.alert_to_work",
    ]
    review = section(reviewer, "attendance.check_in_to_review")
    assert review.count == 2
    assert set(links(review)) == {
        reverse("attendance:review", args=[world.check_ins[k].pk]) for k in ("A", "B")
    }
    assert review.items[0].title.startswith("Check-in of ")
    assert review.items[0].title.endswith("was flagged: No location given")
    offers = [offer.label for offer in workspace_for(reviewer).can_do]
    assert "Read the audit trail" in offers
    assert "Read accreditations and applications" in offers


def test_auditor_has_nothing_to_decide_and_is_told_what_it_may_read(world, auditor):
    ws = workspace_for(auditor)
    assert (ws.sections, ws.waiting) == ([], 0)
    assert [o.label for o in ws.can_do] == [
        "Look up people in your scope",
        "Read accreditations and applications",
        "Read the audit trail",
        "The auditor's view: claims, ledger, alerts and the audit trail, with exports",
        "See the training statistics",
        "Read assessment sessions and results",
        "See the high-skill talent pool",
        "See subsidy claims",
        "See budgets and the ledger",
        "See fraud alerts",
    ]


def test_institution_staff_see_their_own_returned_classes_and_sessions_today(
    world, staff_a, staff_b
):
    assert kinds(staff_a) == [
        "training.class_returned",
        "attendance.session_today",
        "core.job",
        "accreditations.own_application",
        "catalogs.own_appeal",
    ]
    returned = section(staff_a, "training.class_returned")
    assert (returned.count, links(returned)) == (
        1,
        [reverse("training:detail", args=[world.classes["A-RET"].pk])],
    )
    assert returned.items[0].detail == "缺少师资证明"
    today = section(staff_a, "attendance.session_today")
    assert (today.count, links(today)) == (
        1,
        [reverse("attendance:screen", args=[world.sessions["A-RUN"].pk])],
    )
    assert today.items[0].title == "Session 安全用电 of class A-RUN, 09:00–11:00"
    assert section(staff_a, "accreditations.own_application").count == 1
    # The other school sees only its own.
    assert links(section(staff_b, "training.class_returned")) == [
        reverse("training:detail", args=[world.classes["B-RET"].pk])
    ]
    assert links(section(staff_b, "attendance.session_today")) == [
        reverse("attendance:screen", args=[world.sessions["B-RUN"].pk])
    ]
    assert section(staff_b, "accreditations.own_application").count == 0


def test_evaluator_and_employer_see_their_own_work_and_what_they_can_do(world, school_b):
    evaluator = make_user("eval_t", Role.EVALUATOR, organization=school_b)
    employer = make_user("hr_t", Role.EMPLOYER, organization=school_b)
    assert kinds(evaluator) == [
        "accreditations.own_application",
        "catalogs.own_appeal",
        "assessment.session_to_file",
        "assessment.session_to_certify",
    ]
    assert section(evaluator, "catalogs.own_appeal").empty == (
        "No appeals. Changes you may appeal: 0."
    )
    assert kinds(employer) == [
        "assessment.session_to_file",
        "assessment.session_to_certify",
        "people.person",
    ]
    assert [o.label for o in workspace_for(employer).can_do] == [
        "Look up people in your scope",
        "Register a person",
        "File and run assessment sessions",
        "Claim subsidies",
    ]


def test_worker_sees_next_session_places_and_waitlist_and_a_link_to_the_record(world, worker):
    ws = workspace_for(worker)
    assert kinds(worker) == [
        "training.next_session",
        "training.enrolment",
        "training.waitlisted",
        "subsidies.line_to_confirm",
        "certificates.own",
    ]
    nxt = section(worker, "training.next_session")
    assert nxt.items[0].title == "电工培训 A-RUN: 安全用电"
    assert nxt.items[0].link == reverse("training:find_detail", args=[world.classes["A-RUN"].pk])
    assert section(worker, "training.enrolment").count == 1
    assert links(section(worker, "training.waitlisted")) == [
        reverse("training:find_detail", args=[world.classes["A-FULL"].pk])
    ]
    assert ws.can_do[0].link == reverse("records:mine")


def test_the_home_page_renders_each_roles_items_and_the_anonymous_are_sent_to_log_in(
    world, client, bureau_admin, reviewer, staff_a, worker
):
    response = client.get("/")
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    for user, expected, absent in [
        (bureau_admin, "Classes to approve", "Returned classes"),
        (reviewer, "Flagged check-ins to review", "Classes to approve"),
        (staff_a, "Sessions today", "Flagged check-ins to review"),
        (worker, "Your next session", "Classes to approve"),
    ]:
        client.force_login(user)
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        text = page.content.decode()
        assert expected in text
        assert absent not in text
    # Staff of school A never see school B's classes named.
    client.force_login(staff_a)
    assert "B-RET" not in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_accreditation_queue_tells_only_deciders_that_applications_wait(
    world, client, reviewer, bureau_admin
):
    url = reverse("accreditations:applications")
    client.force_login(reviewer)
    assert "awaits a decision" not in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(bureau_admin)
    assert (
        "1 application awaits a decision"
        in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


def test_the_nav_starts_with_the_workspace_and_offers_flagged_check_ins_only_to_reviewers(
    client, bureau_admin, reviewer, auditor, staff_a
):
    for user, offered in [
        (bureau_admin, True),
        (reviewer, True),
        (auditor, False),
        (staff_a, False),
    ]:
        client.force_login(user)
        html = client.get(reverse("accounts:security"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        nav = html.split('<nav class="container site-nav"', 1)[1].split("</nav>", 1)[0]
        first = nav.split("<li>", 2)[1]
        assert 'href="/"' in first
        assert ('href="/attendance/flagged/"' in nav) is offered
