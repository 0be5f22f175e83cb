"""Records filtered by viewer: each role sees exactly its slice, on the page, JSON, API and PDF.

One person, 张三, has facts from four organisations (school A and school B trained him, an
employer employs him, an evaluator assessed him), one ordinary and three sensitive target
groups with their evidence, an expired group, and online learning in and outside a class.
The worker and the bureau see all of it; each organisation sees only its own facts and
today's non-sensitive groups, without evidence (records.policy).
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from typing import Any

import pytest
from django.utils import timezone

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.api.tests.helpers import api_client
from jineng.attendance.models import Attendance
from jineng.attendance.tests.conftest import _occupation, make_class
from jineng.core.models import AuditEvent
from jineng.learning.models import LearningPlatform, Statement
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.choices import AffiliationKind
from jineng.people.models import Affiliation
from jineng.people.services import PersonInput, add_membership, register_person
from jineng.records.tests.test_views import pdf_text
from jineng.regions.models import Region
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment

# The evidence behind each membership: organisations must never see any of it.
EVIDENCE = {
    "unemployed": "失业登记证 第2026-0001号",
    "disabled": "残疾人证 22058119900101123644",
    "community_correction": "社区矫正决定书 (2025)梅矫字第12号",
    "poverty_alleviated": "建档立卡 220581-0042",
    "veteran": "退役证 军退字第777号",
}
SENSITIVE_NAMES = ("残疾人", "脱贫人口", "社区矫正")
ORGS = {
    "school_a": "梅河口市甲职业培训学校",
    "school_b": "梅河口市乙职业培训学校",
    "employer": "梅河口市丙制造有限公司",
    "evaluator": "梅河口市丁职业技能鉴定中心",
}
CURRENT_GROUPS = ["community_correction", "disabled", "poverty_alleviated", "unemployed"]


def _entry_key(entry: dict[str, Any]) -> tuple[str, str]:
    """Name an entry by its kind and the one detail that tells its source apart."""
    details = entry["details"]
    marker = (
        details.get("organization")
        or details.get("group")
        or details.get("class")
        or details.get("class_code")
        or ""
    )
    return entry["kind"], marker


EVERY_ENTRY = {
    ("identity.registered", ""),
    ("target_group.joined", "unemployed"),
    ("target_group.joined", "disabled"),
    ("target_group.joined", "community_correction"),
    ("target_group.joined", "poverty_alleviated"),
    ("target_group.joined", "veteran"),
    ("organization.joined", ORGS["school_a"]),
    ("organization.joined", ORGS["school_b"]),
    ("organization.joined", ORGS["employer"]),
    ("organization.joined", ORGS["evaluator"]),
    ("training.enrolled", "A-2026-001"),
    ("training.completed", "B-2026-001"),
    ("attendance.checked_in", "A-2026-001"),
    ("attendance.checked_in", "B-2026-001"),
    ("learning.online", "A-2026-001"),
    ("learning.online", ""),
}
ENTRIES_BY_ORG = {
    "school_a": {
        ("identity.registered", ""),
        ("organization.joined", ORGS["school_a"]),
        ("training.enrolled", "A-2026-001"),
        ("attendance.checked_in", "A-2026-001"),
        ("learning.online", "A-2026-001"),
    },
    "school_b": {
        ("identity.registered", ""),
        ("organization.joined", ORGS["school_b"]),
        ("training.completed", "B-2026-001"),
        ("attendance.checked_in", "B-2026-001"),
    },
    "employer": {("identity.registered", ""), ("organization.joined", ORGS["employer"])},
    "evaluator": {("identity.registered", ""), ("organization.joined", ORGS["evaluator"])},
}


def _organization(name: str, credit_code: str, kind: str) -> Organization:
    return Organization.objects.create(credit_code=credit_code, name=name, kind=kind)


def _learned(platform: LearningPlatform, person: Any, class_code: str, when: Any) -> None:
    Statement.objects.create(
        statement_id=uuid.uuid4(),
        platform=platform,
        data={"object": {"definition": {"name": {"zh-CN": "安全用电"}}}},
        verb_id="http://adlnet.gov/expapi/verbs/completed",
        activity_id="http://mooc.example.com/lessons/safety",
        agent_key=f"account:{person.pk}",
        stored=when,
        timestamp=when,
        duration_seconds=1800,
        person=person,
        class_code=class_code,
    )


def _train(org: Organization, code: str, person: Any, status: str, occupation: Any) -> None:
    """Enrol the person in a class of the organisation and check them in to one session."""
    training_class = make_class(org, code, occupation)
    enrolment = Enrolment.objects.create(
        training_class=training_class, person=person, status=status
    )
    starts = timezone.make_aware(
        datetime.datetime.combine(training_class.starts_on, datetime.time(9))
    )
    session = ClassSession.objects.create(
        training_class=training_class,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        topic="安全用电 " + code,
    )
    Attendance.objects.create(
        enrolment=enrolment, session=session, checked_in_at=starts, method="code"
    )


@pytest.fixture
def world(person, bureau_admin, target_groups, school_a, school_b, today) -> dict[str, Any]:
    """张三 with facts from four organisations, five memberships and online learning."""
    orgs = {
        "school_a": school_a,
        "school_b": school_b,
        "employer": _organization(
            ORGS["employer"], "91220581MA00000001", OrganizationKind.ENTERPRISE
        ),
        "evaluator": _organization(
            ORGS["evaluator"], "12220581MB00000002", OrganizationKind.EVALUATION_BODY
        ),
    }
    year_ago = today - datetime.timedelta(days=365)
    for code in CURRENT_GROUPS:
        add_membership(
            person,
            target_groups[code],
            source="bureau",
            valid_from=year_ago,
            evidence=EVIDENCE[code],
            actor=bureau_admin,
        )
    add_membership(
        person,
        target_groups["veteran"],
        source="bureau",
        valid_from=datetime.date(2019, 1, 1),
        valid_until=datetime.date(2020, 1, 1),
        evidence=EVIDENCE["veteran"],
        actor=bureau_admin,
    )
    kinds = {
        "school_a": AffiliationKind.TRAINEE,
        "school_b": AffiliationKind.TRAINEE,
        "employer": AffiliationKind.EMPLOYEE,
        "evaluator": AffiliationKind.CANDIDATE,
    }
    for key, org in orgs.items():
        Affiliation.objects.create(
            person=person, organization=org, kind=kinds[key], started_on=year_ago
        )
    occupation = _occupation()
    _train(school_a, "A-2026-001", person, EnrolmentStatus.ENROLLED, occupation)
    _train(school_b, "B-2026-001", person, EnrolmentStatus.COMPLETED, occupation)
    platform = LearningPlatform.objects.create(name="在线学习平台")
    noon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))
    _learned(platform, person, "A-2026-001", noon)
    _learned(platform, person, "", noon - datetime.timedelta(days=1))
    users = {
        "worker": make_user("worker_t", Role.WORKER, person=person),
        "bureau_admin": bureau_admin,
        "town_reviewer": make_user(
            "reviewer_town", Role.REVIEWER, region=Region.objects.get(code="220581001")
        ),
        "school_a": make_user("staff_a", Role.INSTITUTION_STAFF, organization=school_a),
        "school_b": make_user("staff_b", Role.INSTITUTION_STAFF, organization=school_b),
        "employer": make_user("hr_c", Role.EMPLOYER, organization=orgs["employer"]),
        "evaluator": make_user("eval_d", Role.EVALUATOR, organization=orgs["evaluator"]),
    }
    return {"person": person, "users": users, "orgs": orgs}


def _outputs(client: Any, user: Any, person: Any) -> dict[str, Any]:
    """Fetch the record page, JSON download, API document and PDF text as the user sees them."""
    client.force_login(user)
    own = user.person_id == person.pk
    page = client.get("/records/mine/" if own else f"/people/{person.pk}/")
    download = client.get(
        "/records/mine/record.json" if own else f"/records/person/{person.pk}/record.json"
    )
    pdf = client.get(
        "/records/mine/record.pdf" if own else f"/records/person/{person.pk}/record.pdf"
    )
    api = api_client(user).get(f"/api/v1/people/{person.pk}/record")
    for response in (page, download, pdf, api):
        assert response.status_code == 200
    return {
        "page": page,
        "html": page.content.decode(),
        "json": json.loads(download.content),
        "api": api.json(),
        "pdf": pdf_text(pdf.content),
    }


@pytest.mark.parametrize("role", ["worker", "bureau_admin", "town_reviewer"])
def test_worker_and_bureau_see_the_whole_record(client, world, role):
    person = world["person"]
    out = _outputs(client, world["users"][role], person)
    record = out["page"].context["record"]
    assert {_entry_key(e.as_dict()) for e in record.entries} == EVERY_ENTRY
    for document in (out["json"], out["api"]):
        assert {_entry_key(e) for e in document["entries"]} == EVERY_ENTRY
        assert document["person"]["target_groups"] == CURRENT_GROUPS
    assert [g.group.code for g in record.groups] == [
        "community_correction",
        "disabled",
        "poverty_alleviated",
        "unemployed",
        "veteran",
    ]
    assert {a.organization.name for a in record.affiliations} == set(ORGS.values())
    for evidence in EVIDENCE.values():
        assert evidence in out["html"]
    for name in (*SENSITIVE_NAMES, *ORGS.values()):
        assert name in out["html"]
        assert name in out["pdf"]


@pytest.mark.parametrize("org", ["school_a", "school_b", "employer", "evaluator"])
def test_organisation_sees_only_its_own_facts_and_plain_eligibility(client, world, org):
    person = world["person"]
    out = _outputs(client, world["users"][org], person)
    record = out["page"].context["record"]
    expected = ENTRIES_BY_ORG[org]
    assert {_entry_key(e.as_dict()) for e in record.entries} == expected
    for document in (out["json"], out["api"]):
        assert {_entry_key(e) for e in document["entries"]} == expected
        assert document["person"]["target_groups"] == ["unemployed"]
        text = json.dumps(document, ensure_ascii=False)
        for evidence in EVIDENCE.values():
            assert evidence not in text
        for name in SENSITIVE_NAMES:
            assert name not in text
    # Eligibility: the group and until when, never the source, evidence or start.
    [group] = record.groups
    assert (group.group.code, group.valid_from, group.source, group.evidence) == (
        "unemployed",
        None,
        None,
        None,
    )
    assert [a.organization.name for a in record.affiliations] == [ORGS[org]]
    others = [name for key, name in ORGS.items() if key != org]
    for text in (out["html"], out["pdf"]):
        assert "失业人员" in text
        for evidence in EVIDENCE.values():
            assert evidence not in text
        for name in (*SENSITIVE_NAMES, *others, "退役军人"):
            assert name not in text
    assert ORGS[org] in out["pdf"]


def test_town_reviewer_cannot_open_a_record_outside_the_town(client, world, bureau_admin):
    outsider = register_person(
        PersonInput(id_number="220581198506150026", name="李四", region_code="220581100201"),
        actor=bureau_admin,
    )
    reviewer = world["users"]["town_reviewer"]
    client.force_login(reviewer)
    assert client.get(f"/people/{outsider.pk}/").status_code == 404
    assert client.get(f"/records/person/{outsider.pk}/record.json").status_code == 404
    assert client.get(f"/records/person/{outsider.pk}/record.pdf").status_code == 404
    assert api_client(reviewer).get(f"/api/v1/people/{outsider.pk}/record").status_code == 404


def _main(response: Any) -> str:
    """The page's main content (the header carries the URL and a fresh CSRF token)."""
    return re.search(r"<main.*</main>", response.content.decode(), re.S)[0]


def test_organisation_without_a_tie_gets_404_like_a_missing_person(client, world, school_a):
    person = world["person"]
    Affiliation.objects.filter(person=person, organization=school_a).delete()
    staff = world["users"]["school_a"]
    client.force_login(staff)
    missing = client.get("/records/person/999999/record.json")
    hidden = client.get(f"/records/person/{person.pk}/record.json")
    assert (hidden.status_code, _main(hidden)) == (404, _main(missing))
    api = api_client(staff)
    missing = api.get("/api/v1/people/999999/record")
    hidden = api.get(f"/api/v1/people/{person.pk}/record")
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())


def _share(client: Any, **extra: Any) -> tuple[Any, str]:
    response = client.post("/records/mine/share/", {"days": 7, **extra})
    assert response.status_code == 200
    return response.context["new_link"], response.context["new_token"]


def test_share_link_hides_target_groups_by_default(client, world):
    client.force_login(world["users"]["worker"])
    link, token = _share(client)
    assert link.shows_target_groups is False
    event = AuditEvent.objects.get(action="records.sharelink.created")
    assert event.data["shows_target_groups"] is False
    pdf = pdf_text(client.post("/records/mine/record.pdf", {"token": token}).content)
    client.logout()
    page = client.get(f"/records/shared/{token}/")
    html = page.content.decode()
    record = page.context["record"]
    assert (record.groups, record.hides_groups) == ([], True)
    assert page.context["person"].name == "张三"
    assert not [e for e in record.entries if e.kind.startswith("target_group")]
    # The rest of the record is shared: every organisation's training.
    assert {e.details.get("class") for e in record.entries if e.kind.startswith("training")} == {
        "A-2026-001",
        "B-2026-001",
    }
    assert "选择不在此链接中显示重点群体" in html
    for text in (html, pdf):
        for name in ("失业人员", "退役军人", *SENSITIVE_NAMES):
            assert name not in text
        for evidence in EVIDENCE.values():
            assert evidence not in text
    assert ORGS["school_b"] in pdf


def test_share_link_can_show_todays_groups_without_evidence(client, world):
    client.force_login(world["users"]["worker"])
    link, token = _share(client, show_target_groups="on")
    assert link.shows_target_groups is True
    pdf = pdf_text(client.post("/records/mine/record.pdf", {"token": token}).content)
    client.logout()
    page = client.get(f"/records/shared/{token}/")
    html = page.content.decode()
    record = page.context["record"]
    # Today's groups, sensitive ones included since the worker chose to show them.
    assert [(g.group.code, g.source, g.evidence) for g in record.groups] == [
        (code, None, None) for code in CURRENT_GROUPS
    ]
    assert not [e for e in record.entries if e.kind.startswith("target_group")]
    for text in (html, pdf):
        for name in ("失业人员", "残疾人", "脱贫人口"):
            assert name in text
        assert "退役军人" not in text
        for evidence in EVIDENCE.values():
            assert evidence not in text


def test_worker_sees_each_links_choice_in_the_list(client, world):
    client.force_login(world["users"]["worker"])
    _share(client)
    _share(client, show_target_groups="on")
    page = client.get("/records/mine/")
    assert [link.shows_target_groups for link in page.context["links"]] == [True, False]
    html = page.content.decode()
    assert html.count('<td data-label="重点群体">显示</td>') == 1
    assert html.count('<td data-label="重点群体">隐藏</td>') == 1
