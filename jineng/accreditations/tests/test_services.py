"""Apply, decide, suspend, lift and withdraw: state, rules and the audit row of each."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from jineng.accreditations import services
from jineng.accreditations.choices import AccreditationKind, ApplicationStatus, EvaluationKind
from jineng.accreditations.errors import ApplicationPending, LicenceNumberTaken
from jineng.accreditations.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationSuspension,
)
from jineng.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent

from .helpers import apply, approval, grant

START = datetime.date(2025, 1, 1)
UNTIL = datetime.date(2027, 12, 31)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def application(staff_a, occupations, levels) -> AccreditationApplication:
    return apply(staff_a, occupations["electrician"], levels["level3"], statement="实训室 2 间")


def test_apply_files_a_pending_application_for_own_organisation(
    application, staff_a, school_a, occupations, levels
):
    application.refresh_from_db()
    assert application.organization == school_a
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.occupation == occupations["electrician"]
    assert application.max_level == levels["level3"]
    assert application.submitted_by == staff_a
    (event,) = events("accreditations.application.submitted")
    assert event.actor == staff_a
    assert event.object_id == str(application.pk)
    assert event.data == {
        "organization": school_a.pk,
        "kind": "training",
        "occupation": "6-31-01-03",
        "max_level": "level3",
        "evaluation_kind": "",
    }


def test_audit_names_the_application_by_organisation_scope_and_level(application, bureau_admin):
    with translation.override("en"):
        services.reject_application(application.pk, reasons="缺少实训设备", actor=bureau_admin)
    label = (
        f"#{application.pk} 梅河口市甲职业培训学校 · Training (培训机构) · "
        "6-31-01-03 电工 · 三级/高级工"
    )
    assert [event.object_repr for event in events("accreditations.application.submitted")] == [
        label
    ]
    assert [event.object_repr for event in events("accreditations.application.rejected")] == [label]


def test_application_label_of_an_evaluation_scope_needs_no_query(
    evaluator, occupations, levels, django_assert_num_queries
):
    application = apply(
        evaluator,
        occupations["welder"],
        levels["level5"],
        kind=AccreditationKind.EVALUATION,
        evaluation_kind=EvaluationKind.SKILL_LEVEL,
    )
    loaded = AccreditationApplication.objects.select_related(
        "organization", "occupation", "max_level"
    ).get(pk=application.pk)
    with django_assert_num_queries(0), translation.override("en"):
        label = str(loaded)
    assert label == (
        f"#{application.pk} 梅河口市职业技能鉴定中心 · Evaluation (鉴定评价机构) · "
        "6-18-02-04 焊工 · 五级/初级工"
    )


@pytest.mark.parametrize("who", ["bureau_admin", "reviewer", "auditor", "worker"])
def test_apply_refused_for_roles_without_an_applying_organisation(
    who, request, occupations, levels
):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        apply(user, occupations["electrician"], levels["level3"])
    assert AccreditationApplication.objects.count() == 0
    assert events("accreditations.application.submitted") == []


def test_apply_refuses_a_second_pending_application_for_the_same_scope(
    application, staff_a, occupations, levels
):
    with pytest.raises(ApplicationPending):
        apply(staff_a, occupations["electrician"], levels["level4"])
    assert AccreditationApplication.objects.count() == 1


def test_apply_checks_kind_evaluation_kind_and_codes(staff_a, evaluator, occupations, levels):
    with pytest.raises(ValidationFailed) as error:
        apply(evaluator, occupations["welder"], levels["level3"], kind=AccreditationKind.EVALUATION)
    assert error.value.field == "evaluation_kind"
    with pytest.raises(ValidationFailed) as error:
        apply(
            staff_a,
            occupations["welder"],
            levels["level3"],
            evaluation_kind=EvaluationKind.SKILL_LEVEL,
        )
    assert error.value.field == "evaluation_kind"
    with pytest.raises(ValidationFailed) as error:
        services.apply_for_accreditation(
            services.ApplicationInput(
                kind="training", occupation_code="9-99-99-99", max_level_code="level3"
            ),
            actor=staff_a,
        )
    assert error.value.field == "occupation_code"
    with pytest.raises(ValidationFailed) as error:
        services.apply_for_accreditation(
            services.ApplicationInput(
                kind="training", occupation_code="6-18-02-04", max_level_code="level9"
            ),
            actor=staff_a,
        )
    assert error.value.field == "max_level_code"
    assert AccreditationApplication.objects.count() == 0


def test_approve_grants_the_licence_and_records_the_decision(
    application, bureau_admin, school_a, levels
):
    licence = services.approve_application(
        application.pk,
        approval(START, UNTIL, licence_number="MHK-PX-2025-001", max_level_code="level4"),
        actor=bureau_admin,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.decided_by == bureau_admin
    assert application.decided_at is not None
    assert licence.organization == school_a
    assert licence.application == application
    assert licence.max_level == levels["level4"]
    assert (licence.valid_from, licence.valid_until) == (START, UNTIL)
    assert licence.licence_number == "MHK-PX-2025-001"
    (approved,) = events("accreditations.application.approved")
    assert approved.object_id == str(application.pk)
    (granted,) = events("accreditations.accreditation.granted")
    assert granted.actor == bureau_admin
    assert granted.data["licence_number"] == "MHK-PX-2025-001"
    assert granted.data["max_level"] == "level4"
    assert granted.data["valid_until"] == "2027-12-31"


@pytest.mark.parametrize("who", ["staff_a", "staff_b", "reviewer", "auditor", "evaluator"])
def test_only_the_bureau_decides(who, request, application):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.approve_application(application.pk, approval(START, UNTIL), actor=user)
    with pytest.raises(PermissionDenied):
        services.reject_application(application.pk, reasons="no", actor=user)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert Accreditation.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="accreditations.application.").count() == 1


def test_a_decided_application_cannot_be_decided_again(application, bureau_admin, second_admin):
    services.approve_application(application.pk, approval(START, UNTIL), actor=bureau_admin)
    with pytest.raises(InvalidTransition):
        services.approve_application(application.pk, approval(START, UNTIL), actor=second_admin)
    with pytest.raises(InvalidTransition):
        services.reject_application(application.pk, reasons="场地不足", actor=second_admin)
    assert Accreditation.objects.count() == 1
    application.refresh_from_db()
    assert application.decided_by == bureau_admin
    assert events("accreditations.application.rejected") == []


def test_approval_cannot_grant_more_than_applied_for(application, bureau_admin):
    with pytest.raises(ValidationFailed) as error:
        services.approve_application(
            application.pk, approval(START, UNTIL, max_level_code="level2"), actor=bureau_admin
        )
    assert error.value.field == "max_level_code"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert Accreditation.objects.count() == 0
    assert events("accreditations.application.approved") == []


def test_approval_needs_a_valid_range_and_a_free_licence_number(
    application, staff_b, bureau_admin, occupations, levels
):
    with pytest.raises(ValidationFailed) as error:
        services.approve_application(application.pk, approval(UNTIL, START), actor=bureau_admin)
    assert error.value.field == "valid_until"
    grant(
        staff_b,
        bureau_admin,
        occupations["welder"],
        levels["level5"],
        START,
        UNTIL,
    )
    taken = Accreditation.objects.get().licence_number
    with pytest.raises(LicenceNumberTaken):
        services.approve_application(
            application.pk, approval(START, UNTIL, licence_number=taken), actor=bureau_admin
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_reject_requires_reasons_and_records_them(application, bureau_admin):
    with pytest.raises(ValidationFailed) as error:
        services.reject_application(application.pk, reasons="   ", actor=bureau_admin)
    assert error.value.field == "reasons"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    services.reject_application(application.pk, reasons="实训场地面积不足", actor=bureau_admin)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reasons == "实训场地面积不足"
    (event,) = events("accreditations.application.rejected")
    assert event.data == {"reasons": "实训场地面积不足"}
    assert Accreditation.objects.count() == 0


def test_a_rejected_organisation_may_apply_again(
    application, bureau_admin, staff_a, occupations, levels
):
    services.reject_application(application.pk, reasons="材料不全", actor=bureau_admin)
    again = apply(staff_a, occupations["electrician"], levels["level3"])
    assert again.status == ApplicationStatus.SUBMITTED


@pytest.fixture
def licence(application, bureau_admin) -> Accreditation:
    today = timezone.localdate()
    return services.approve_application(
        application.pk,
        approval(today - datetime.timedelta(days=30), today + datetime.timedelta(days=365)),
        actor=bureau_admin,
    )


def test_suspend_and_lift_are_audited_with_reasons(licence, bureau_admin):
    today = timezone.localdate()
    suspension = services.suspend_accreditation(licence.pk, reason="群众投诉", actor=bureau_admin)
    assert (suspension.starts_on, suspension.ends_on) == (today, None)
    assert licence.status_on(today) == "suspended"
    with pytest.raises(InvalidTransition):
        services.suspend_accreditation(licence.pk, reason="again", actor=bureau_admin)
    services.lift_suspension(licence.pk, reason="整改到位", actor=bureau_admin)
    suspension.refresh_from_db()
    assert (suspension.ends_on, suspension.lift_reason, suspension.lifted_by) == (
        today,
        "整改到位",
        bureau_admin,
    )
    with pytest.raises(InvalidTransition):
        services.lift_suspension(licence.pk, reason="again", actor=bureau_admin)
    (suspended,) = events("accreditations.accreditation.suspended")
    assert suspended.data["reason"] == "群众投诉"
    (lifted,) = events("accreditations.suspension.lifted")
    assert lifted.data["reason"] == "整改到位"


def test_suspension_and_withdrawal_need_reasons_and_the_bureau(licence, bureau_admin, staff_a):
    with pytest.raises(ValidationFailed):
        services.suspend_accreditation(licence.pk, reason="", actor=bureau_admin)
    with pytest.raises(PermissionDenied):
        services.suspend_accreditation(licence.pk, reason="x", actor=staff_a)
    with pytest.raises(PermissionDenied):
        services.withdraw_accreditation(licence.pk, reason="x", actor=staff_a)
    with pytest.raises(ValidationFailed):
        services.withdraw_accreditation(licence.pk, reason=" ", actor=bureau_admin)
    assert AccreditationSuspension.objects.count() == 0
    licence.refresh_from_db()
    assert licence.withdrawn_on is None


def test_withdraw_is_dated_today_or_later_and_final(licence, bureau_admin):
    today = timezone.localdate()
    with pytest.raises(ValidationFailed) as error:
        services.withdraw_accreditation(
            licence.pk,
            reason="违规",
            effective_on=today - datetime.timedelta(days=1),
            actor=bureau_admin,
        )
    assert error.value.field == "effective_on"
    services.withdraw_accreditation(licence.pk, reason="违规套取补贴", actor=bureau_admin)
    licence.refresh_from_db()
    assert (licence.withdrawn_on, licence.withdrawal_reason) == (today, "违规套取补贴")
    assert licence.status_on(today) == "withdrawn"
    with pytest.raises(InvalidTransition):
        services.withdraw_accreditation(licence.pk, reason="again", actor=bureau_admin)
    with pytest.raises(InvalidTransition):
        services.suspend_accreditation(licence.pk, reason="again", actor=bureau_admin)
    (event,) = events("accreditations.accreditation.withdrawn")
    assert event.data == {"withdrawn_on": today.isoformat(), "reason": "违规套取补贴"}


def test_an_expired_licence_cannot_be_suspended_or_withdrawn(
    staff_b, bureau_admin, occupations, levels
):
    expired = grant(
        staff_b,
        bureau_admin,
        occupations["welder"],
        levels["level5"],
        datetime.date(2020, 1, 1),
        datetime.date(2022, 12, 31),
    )
    with pytest.raises(InvalidTransition):
        services.suspend_accreditation(expired.pk, reason="x", actor=bureau_admin)
    with pytest.raises(InvalidTransition):
        services.withdraw_accreditation(expired.pk, reason="x", actor=bureau_admin)
