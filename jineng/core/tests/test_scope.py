"""The data scope (core.scope): every role against every scoped model, in scope or not.

Two schools in two towns: school A (新华街道) runs an approved class there, school B (山城镇)
a draft class. A reviewer limited to 新华街道 stands for every town-level bureau account.
Each test asserts the exact set a role sees, and that an object outside the scope answers
exactly like a missing one.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import ID_B, make_user
from jineng.accounts.roles import Role
from jineng.accreditations.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationSuspension,
    ApplicationDocument,
)
from jineng.accreditations.tests import conftest as accreditation_fixtures
from jineng.accreditations.tests.helpers import grant
from jineng.api.tests.helpers import api_client
from jineng.assessment import access as assessment_access
from jineng.assessment.models import AssessmentSession, Candidate, Result
from jineng.attendance.choices import AttendanceMethod
from jineng.attendance.models import Attendance
from jineng.catalogs.choices import CatalogKind, ChangeReason, GroundsKind, VersionStatus
from jineng.catalogs.models import (
    Catalog,
    CatalogAppeal,
    CatalogChange,
    CatalogEntry,
    CatalogVersion,
)
from jineng.certificates import access as certificate_access
from jineng.certificates.models import Certificate
from jineng.certificates.tests.pages_fixtures import certificate
from jineng.core import scope
from jineng.core.errors import NotFound
from jineng.core.models import Job
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.access import get_person_for_user
from jineng.records.models import ShareLink
from jineng.regions.models import Region
from jineng.training import access
from jineng.training.models import (
    ClassSession,
    Enrolment,
    Programme,
    Teacher,
    TrainingClass,
    Venue,
)
from jineng.training.tests import helpers as training

levels = accreditation_fixtures.levels
occupations = accreditation_fixtures.occupations
english = accreditation_fixtures.english

TOWN_A = "220581001"
TOWN_B = "220581100"
ROLES = (
    "bureau_admin",
    "town_reviewer",
    "staff_a",
    "staff_b",
    "evaluator",
    "employer",
    "worker",
    "anonymous",
)


@pytest.fixture
def world(
    city: Any,
    bureau_admin: Any,
    staff_a: Any,
    staff_b: Any,
    worker: Any,
    occupations: Any,
    levels: Any,
) -> dict[str, Any]:
    """Both schools' programmes, classes, sessions, venues, teachers, trainees and licences."""
    school_a, school_b = staff_a.organization, staff_b.organization
    school_a.region = Region.objects.get(code=TOWN_A)
    school_a.save()
    school_b.region = Region.objects.get(code=TOWN_B)
    school_b.save()
    evaluation_body = Organization.objects.create(
        credit_code="12220581MB0000001X",
        name="梅河口市职业技能鉴定中心",
        kind=OrganizationKind.EVALUATION_BODY,
    )
    enterprise = Organization.objects.create(
        credit_code="91220581MA00000018",
        name="梅河口市某公司",
        kind=OrganizationKind.ENTERPRISE,
    )
    users = {
        "bureau_admin": bureau_admin,
        "town_reviewer": make_user(
            "reviewer_town", Role.REVIEWER, region=Region.objects.get(code=TOWN_A)
        ),
        "staff_a": staff_a,
        "staff_b": staff_b,
        "evaluator": make_user("evaluator_s", Role.EVALUATOR, organization=evaluation_body),
        "employer": make_user("employer_s", Role.EMPLOYER, organization=enterprise),
        "worker": worker,
        "anonymous": None,
    }
    from jineng.training import services

    venue_a = services.create_venue("甲教室", "新华街", 30, actor=staff_a, region_code=TOWN_A)
    venue_b = services.create_venue("乙教室", "山城路", 30, actor=staff_b, region_code=TOWN_B)
    teacher_a = services.create_teacher("王老师", actor=staff_a)
    teacher_b = services.create_teacher("赵老师", actor=staff_b)
    prog_a = training.programme(staff_a, subsidised=False)
    prog_b = training.programme(staff_b, subsidised=False)
    # Tomorrow: sessions are scheduled, and classes approved, before they are held.
    start = timezone.localdate() + datetime.timedelta(days=1)
    first = [training.session(start, 8, 12, venue=venue_a, teacher=teacher_a)]
    # School A's licence covers its class, so the school may approve it (it is suspended below).
    day, far = datetime.date(2020, 1, 1), start + datetime.timedelta(days=3650)
    licence_a = grant(staff_a, bureau_admin, occupations["electrician"], levels["level3"], day, far)
    licence_b = grant(staff_b, bureau_admin, occupations["electrician"], levels["level3"], day, day)
    class_a = training.approved_class(
        staff_a, bureau_admin, prog_a, region_code=TOWN_A, start=start, sessions=first
    )
    class_b = training.draft_class(
        staff_b,
        prog_b,
        region_code=TOWN_B,
        start=start,
        sessions=[training.session(start, 8, 12, venue=venue_b)],
    )
    elsewhere = training.person(bureau_admin, ID_B, region="220581100201")
    enrolment_a = Enrolment.objects.create(training_class=class_a, person=worker.person)
    # A trainee of the class in 新华街道 who lives in 山城镇.
    enrolment_x = Enrolment.objects.create(training_class=class_a, person=elsewhere)
    enrolment_b = Enrolment.objects.create(training_class=class_b, person=elsewhere)
    checked = {}
    for key, enrolment in (("a", enrolment_a), ("b", enrolment_b)):
        session = enrolment.training_class.sessions.first()
        checked[key] = Attendance.objects.create(
            enrolment=enrolment,
            session=session,
            checked_in_at=session.starts_at,
            method=AttendanceMethod.MANUAL,
            reason="test",
        )
    documents = {}
    suspensions = {}
    for key, licence in (("a", licence_a), ("b", licence_b)):
        documents[key] = ApplicationDocument.objects.create(
            application=licence.application,
            title="营业执照",
            original_name="x.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0" * 64,
            storage_name=f"doc-{key}",
            uploaded_by=users[f"staff_{key}"],
        )
        suspensions[key] = AccreditationSuspension.objects.create(
            accreditation=licence, starts_on=day, reason="test", suspended_by=bureau_admin
        )
    catalog = Catalog.objects.create(kind=CatalogKind.TRAINING_INSTITUTIONS)
    version = CatalogVersion.objects.create(
        catalog=catalog, number=1, title="2025", status=VersionStatus.PUBLISHED, effective_from=day
    )
    # A draft: only catalog editors see its entries and changes.
    draft = CatalogVersion.objects.create(
        catalog=catalog, number=2, title="2026", status=VersionStatus.DRAFT, based_on=version
    )
    appeals, entries, changes = {}, {}, {}
    for key, school, in_version in [
        ("a", school_a, version),
        ("b", school_b, version),
        ("draft", school_a, draft),
    ]:
        entries[key] = CatalogEntry.objects.create(
            version=in_version, key=school.credit_code, organization=school
        )
        changes[key] = CatalogChange.objects.create(
            version=in_version,
            key=school.credit_code,
            reason=ChangeReason.REMOVED,
            grounds_kind=GroundsKind.INSPECTION,
            organization=school,
        )
    for key, school in (("a", school_a), ("b", school_b)):
        appeals[key] = CatalogAppeal.objects.create(
            change=changes[key], organization=school, grounds="不服"
        )
    jobs = {
        key: Job.objects.create(kind="people.import", owner=users[f"staff_{key}"])
        for key in ("a", "b")
    }
    until = timezone.now() + datetime.timedelta(days=7)
    links = {
        key: ShareLink.objects.create(
            person=someone, token_hash=key * 64, expires_at=until, created_by=worker
        )
        for key, someone in (("a", worker.person), ("b", elsewhere))
    }
    # A certificate issued by school A to the worker, one by school B to someone elsewhere.
    certificates = {
        "a": certificate("S22058100126030090001", worker.person, school_a),
        "b": certificate("S22058100226030090001", elsewhere, school_b),
    }
    # An assessment session of the evaluation body (no region) with the worker as candidate.
    assessment = AssessmentSession.objects.create(
        evaluator=evaluation_body,
        route="skill_level",
        occupation=occupations["electrician"],
        level=levels["level4"],
        title="电工四级认定",
        starts_on=start,
        ends_on=start,
        created_by=users["evaluator"],
    )
    candidate = Candidate.objects.create(
        session=assessment,
        person=worker.person,
        source="application",
        eligibility_reason="test",
        added_by=users["evaluator"],
    )
    result = Result.objects.create(candidate=candidate, passed=True, decided_at=timezone.now())
    objects = {
        AssessmentSession: {"a": [assessment]},
        Candidate: {"a": [candidate]},
        Result: {"a": [result]},
        Certificate: {key: [c] for key, c in certificates.items()},
        Programme: {"a": [prog_a], "b": [prog_b]},
        Venue: {"a": [venue_a], "b": [venue_b]},
        Teacher: {"a": [teacher_a], "b": [teacher_b]},
        TrainingClass: {"a": [class_a], "b": [class_b]},
        ClassSession: {"a": list(class_a.sessions.all()), "b": list(class_b.sessions.all())},
        Enrolment: {"a": [enrolment_a], "x": [enrolment_x], "b": [enrolment_b]},
        Attendance: {"a": [checked["a"]], "b": [checked["b"]]},
        AccreditationApplication: {"a": [licence_a.application], "b": [licence_b.application]},
        Accreditation: {"a": [licence_a], "b": [licence_b]},
        ApplicationDocument: {"a": [documents["a"]], "b": [documents["b"]]},
        AccreditationSuspension: {"a": [suspensions["a"]], "b": [suspensions["b"]]},
        CatalogAppeal: {"a": [appeals["a"]], "b": [appeals["b"]]},
        CatalogEntry: {key: [entry] for key, entry in entries.items()},
        CatalogChange: {key: [change] for key, change in changes.items()},
        Job: {key: [job] for key, job in jobs.items()},
        ShareLink: {key: [link] for key, link in links.items()},
        Organization: {
            "a": [school_a],
            "b": [school_b],
            "evaluator": [evaluation_body],
            "employer": [enterprise],
        },
    }
    return {"users": users, "objects": objects}


_ALL = {"a", "b", "x"}
_A = {"a", "x"}
_NONE: set[str] = set()
_ACCREDITATION = {
    "bureau_admin": {"a", "b"},
    "town_reviewer": {"a"},
    "staff_a": {"a"},
    "staff_b": {"b"},
}
# What each role may view of each model's objects: a key of world()["objects"][model].
VIEW_EXPECTED: dict[type, dict[str, set[str]]] = {
    # By evaluator (its staff; the bureau in its region); the candidate sees their own.
    AssessmentSession: {"bureau_admin": {"a"}, "evaluator": {"a"}},
    Candidate: {"bureau_admin": {"a"}, "evaluator": {"a"}, "worker": {"a"}},
    Result: {"bureau_admin": {"a"}, "evaluator": {"a"}, "worker": {"a"}},
    # By issuer (its organisation and region) and by holder; the public reads /verify/ only.
    Certificate: {
        "bureau_admin": {"a", "b"},
        "town_reviewer": {"a"},
        "staff_a": {"a"},
        "staff_b": {"b"},
        "worker": {"a"},
    },
    Programme: {"bureau_admin": _ALL, "town_reviewer": _A, "staff_a": _A, "staff_b": {"b"}},
    Venue: {"bureau_admin": _ALL, "town_reviewer": _A, "staff_a": _A, "staff_b": {"b"}},
    Teacher: {"bureau_admin": _ALL, "town_reviewer": _A, "staff_a": _A, "staff_b": {"b"}},
    TrainingClass: {
        "bureau_admin": _ALL,
        "town_reviewer": _A,
        "staff_a": _A,
        "staff_b": {"b"},
        "worker": {"a"},
        "anonymous": {"a"},
    },
    ClassSession: {
        "bureau_admin": _ALL,
        "town_reviewer": _A,
        "staff_a": _A,
        "staff_b": {"b"},
        "worker": {"a"},
        "anonymous": {"a"},
    },
    Enrolment: {
        "bureau_admin": _ALL,
        "town_reviewer": _A,
        "staff_a": _A,
        "staff_b": {"b"},
        "worker": {"a"},
    },
    Attendance: {
        "bureau_admin": _ALL,
        "town_reviewer": _A,
        "staff_a": _A,
        "staff_b": {"b"},
        "worker": {"a"},
    },
    AccreditationApplication: _ACCREDITATION,
    Accreditation: _ACCREDITATION,
    ApplicationDocument: _ACCREDITATION,
    AccreditationSuspension: _ACCREDITATION,
    # Only the bureau administrator decides appeals; a reviewer sees none.
    CatalogAppeal: {"bureau_admin": {"a", "b"}, "staff_a": {"a"}, "staff_b": {"b"}},
    # A version's entries and changes follow it: published ones are public, drafts are seen
    # only by catalog editors (the bureau administrator), whatever their region.
    CatalogEntry: {
        role: ({"a", "b", "draft"} if role == "bureau_admin" else {"a", "b"}) for role in ROLES
    },
    CatalogChange: {
        role: ({"a", "b", "draft"} if role == "bureau_admin" else {"a", "b"}) for role in ROLES
    },
    # A job is its starter's, a share link its worker's: no role sees another account's.
    Job: {"staff_a": {"a"}, "staff_b": {"b"}},
    ShareLink: {"worker": {"a"}},
    Organization: {
        "bureau_admin": {"a", "b", "evaluator", "employer"},
        "town_reviewer": {"a"},
        "staff_a": {"a"},
        "staff_b": {"b"},
        "evaluator": {"evaluator"},
        "employer": {"employer"},
    },
}
# Change and delete: the same, except that nothing is public (workers change their own).
CHANGE_EXPECTED = {
    model: {
        role: (keys if role not in ("worker", "anonymous") else _NONE)
        for role, keys in expected.items()
    }
    for model, expected in VIEW_EXPECTED.items()
}
CHANGE_EXPECTED[Enrolment]["worker"] = {"a"}
CHANGE_EXPECTED[Attendance]["worker"] = {"a"}
CHANGE_EXPECTED[ShareLink]["worker"] = {"a"}
# The holder's own certificate is in their change scope; what they may change is the
# services' rule (status changes need manage_certificates).
CHANGE_EXPECTED[Certificate]["worker"] = {"a"}
# Only catalog editors change entries and changes; filing an appeal is the change an
# organisation makes to a published removal concerning it (the evaluator's is none of them).
CHANGE_EXPECTED[CatalogEntry] = {"bureau_admin": {"a", "b", "draft"}}
CHANGE_EXPECTED[CatalogChange] = {
    "bureau_admin": {"a", "b", "draft"},
    "staff_a": {"a"},
    "staff_b": {"b"},
}


def _pks(objects: dict[str, list[Any]], keys: set[str]) -> set[int]:
    return {o.pk for key in keys for o in objects.get(key, [])}


def _user(world: dict[str, Any], role: str) -> Any:
    from django.contrib.auth.models import AnonymousUser

    return world["users"][role] or AnonymousUser()


def test_every_model_an_organisation_or_person_owns_is_registered() -> None:
    labels = {entry.label for entry in scope.registry()}
    # A notification is its recipient's alone: tests/authz's world proves it for every role.
    assert {model._meta.label_lower for model in VIEW_EXPECTED} | {
        "catalogs.catalogversion",
        "notifications.notification",
        "people.person",
        # A session's components, examiners, scores, changes and findings follow its scope
        # (examiners and supervisors included): jineng/assessment/tests/test_scope_rules.py.
        "assessment.sessioncomponent",
        "assessment.sessionexaminer",
        "assessment.score",
        "assessment.scorechange",
        "assessment.supervisionfinding",
        # Talent is city-wide (view_talent to view, manage_talent to change): the roles' sets
        # are proven in jineng/talent/tests/test_scope_rules.py.
        "talent.awardround",
        "talent.nomination",
        "talent.objection",
        "talent.masterstudio",
        "talent.studioapprenticeship",
        "talent.competition",
        "talent.promotionproposal",
        # The judge pool: keepers (manage_experts) city-wide, readers (view_assessments) read,
        # an expert their own rows: jineng/experts/tests/test_scope_rules.py.
        "experts.expert",
        "experts.expertoccupation",
        "experts.expertqualification",
        "experts.expertrelation",
        "experts.draw",
        "experts.drawpick",
        # Subsidy claims: the claimant organisation, the worker's own line, city-wide roles
        # (view_subsidies); rule sets in force are public: jineng/subsidies/tests/test_access.py.
        "subsidies.claim",
        "subsidies.claimline",
        "subsidies.claimhold",
        "subsidies.objection",
        "subsidies.ruleset",
        "subsidies.ruleamount",
        # The city's ledger, owned by no organisation or person (view_subsidies reads):
        # jineng/funds/tests.
        "funds.budget",
        "funds.commitment",
        "funds.ledgertransaction",
        "funds.payment",
        "funds.paymentbatch",
        "funds.recoveryorder",
        # Fraud alerts and rule versions (view_alerts reads, work_alerts disposes):
        # jineng/fraud/tests/test_scope_and_reasons.py and test_views.py.
        "fraud.alert",
        "fraud.alertperson",
        "fraud.fraudrule",
    } == labels


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", list(VIEW_EXPECTED), ids=lambda m: m.__name__)
def test_visible_to_answers_exactly_the_role_scope(world: Any, model: Any, role: str) -> None:
    objects = world["objects"][model]
    user = _user(world, role)
    expected = _pks(objects, VIEW_EXPECTED[model].get(role, _NONE))
    assert set(model.objects.visible_to(user).values_list("pk", flat=True)) == expected
    entry = scope.entry_for(model)
    assert set(entry.visible(user).values_list("pk", flat=True)) == expected


@pytest.mark.parametrize("action", [scope.CHANGE, scope.DELETE])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", list(VIEW_EXPECTED), ids=lambda m: m.__name__)
def test_change_and_delete_scope_has_nothing_public(
    world: Any, model: Any, role: str, action: str
) -> None:
    objects = world["objects"][model]
    expected = _pks(objects, CHANGE_EXPECTED[model].get(role, _NONE))
    rows = model.objects.visible_to(_user(world, role), action)
    assert set(rows.values_list("pk", flat=True)) == expected


def test_unknown_action_is_refused(world: Any) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        TrainingClass.objects.visible_to(world["users"]["bureau_admin"], "publish")


GETTERS = {
    TrainingClass: access.get_class_for_user,
    Programme: access.get_programme_for_user,
    Venue: access.get_venue_for_user,
    Teacher: access.get_teacher_for_user,
    ClassSession: access.get_session_for_user,
    AssessmentSession: assessment_access.get_session_for_user,
    Certificate: certificate_access.get_certificate_for_user,
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", list(GETTERS), ids=lambda m: m.__name__)
def test_access_functions_answer_out_of_scope_exactly_like_missing(
    world: Any, model: Any, role: str
) -> None:
    get = GETTERS[model]
    user = _user(world, role)
    objects = world["objects"][model]
    visible = _pks(objects, VIEW_EXPECTED[model].get(role, _NONE))
    with pytest.raises(NotFound) as missing:
        get(user, 10**9)
    for pk in _pks(objects, set(objects)):
        if pk in visible:
            assert get(user, pk).pk == pk
        else:
            with pytest.raises(NotFound) as hidden:
                get(user, pk)
            assert hidden.value.as_dict() == missing.value.as_dict()


# The finding of issue 9: a town-level reviewer saw every town's classes, rosters, check-ins.


def test_town_reviewer_lists_only_classes_enrolments_and_check_ins_of_their_town(
    world: Any,
) -> None:
    objects = world["objects"]
    client = api_client(world["users"]["town_reviewer"])
    classes = client.get("/api/v1/training/classes").json()
    assert [c["id"] for c in classes["items"]] == [objects[TrainingClass]["a"][0].pk]
    enrolments = client.get("/api/v1/training/enrolments").json()
    assert {e["id"] for e in enrolments["items"]} == _pks(objects[Enrolment], _A)
    check_ins = client.get("/api/v1/attendance/check-ins").json()
    assert [a["id"] for a in check_ins["items"]] == [objects[Attendance]["a"][0].pk]


def test_town_reviewer_gets_another_towns_class_exactly_like_a_missing_one(world: Any) -> None:
    client = api_client(world["users"]["town_reviewer"])
    other = world["objects"][TrainingClass]["b"][0].pk
    hidden = client.get(f"/api/v1/training/classes/{other}")
    missing = client.get("/api/v1/training/classes/999999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def _page(response: Any, path: str) -> str:
    """A page's body without what differs on every answer: its CSRF token and own address."""
    body = re.sub(
        r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]*', "", response.content.decode()
    )
    return body.replace(path, "PATH")


def test_town_reviewer_console_hides_another_towns_class_like_a_missing_one(world: Any) -> None:
    client = Client()
    client.force_login(world["users"]["town_reviewer"])
    own = world["objects"][TrainingClass]["a"][0]
    other = world["objects"][TrainingClass]["b"][0]
    listing = client.get("/training/")
    assert listing.status_code == 200
    assert list(listing.context["classes"]) == [own]
    hidden = client.get(f"/training/classes/{other.pk}/")
    missing = client.get("/training/classes/999999999/")
    assert hidden.status_code == missing.status_code == 404
    assert _page(hidden, f"/training/classes/{other.pk}/") == _page(
        missing, "/training/classes/999999999/"
    )


def test_town_roster_lists_a_trainee_from_elsewhere_whose_record_stays_hidden(
    world: Any,
) -> None:
    """A class in scope shows its whole roster; the person behind a name is not in scope."""
    reviewer = world["users"]["town_reviewer"]
    client = Client()
    client.force_login(reviewer)
    own = world["objects"][TrainingClass]["a"][0]
    page = client.get(f"/training/classes/{own.pk}/")
    roster = {e.pk for e in page.context["roster"]}
    assert roster == _pks(world["objects"][Enrolment], _A)
    elsewhere = world["objects"][Enrolment]["x"][0].person
    with pytest.raises(NotFound):
        get_person_for_user(reviewer, elsewhere.pk)


def test_town_bureau_admin_cannot_approve_another_towns_class(
    world: Any, bureau_admin: Any
) -> None:
    from jineng.training import services
    from jineng.training.choices import ClassStatus

    bureau_admin.region = Region.objects.get(code=TOWN_A)
    bureau_admin.save()
    other = world["objects"][TrainingClass]["b"][0]
    staff_b = world["users"]["staff_b"]
    prog = Programme.objects.get(pk=other.programme_id)
    prog.catalog_entry_key = "x"
    prog.save()
    TrainingClass.objects.filter(pk=other.pk).update(status=ClassStatus.SUBMITTED)
    with pytest.raises(NotFound):
        services.transition(other.pk, ClassStatus.RETURNED, actor=bureau_admin, note="no")
    assert TrainingClass.objects.get(pk=other.pk).status == ClassStatus.SUBMITTED
    assert staff_b.organization_id == prog.organization_id


def test_running_and_approvals_pages_keep_to_the_town(world: Any, bureau_admin: Any) -> None:
    from jineng.training.choices import ClassStatus

    bureau_admin.region = Region.objects.get(code=TOWN_A)
    bureau_admin.save()
    classes = world["objects"][TrainingClass]
    TrainingClass.objects.update(status=ClassStatus.SUBMITTED)
    client = Client()
    client.force_login(bureau_admin)
    rows = client.get("/training/approvals/").context["rows"]
    assert [c.pk for c, _problems in rows] == [classes["a"][0].pk]
    TrainingClass.objects.update(status=ClassStatus.RUNNING)
    groups = client.get("/training/running/").context["groups"]
    assert [c.pk for _town, found in groups for c in found] == [classes["a"][0].pk]
