"""Roles and what each may do: the one place that maps roles to capabilities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The kinds of account in DESIGN.md's table of users."""

    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    REVIEWER = "reviewer", _("Reviewer")
    AUDITOR = "auditor", _("Auditor")
    INSTITUTION_STAFF = "institution_staff", _("Institution staff")
    EVALUATOR = "evaluator", _("Evaluation staff")
    EMPLOYER = "employer", _("Enterprise HR")
    WORKER = "worker", _("Worker")
    # Pays approved subsidy claims from the fund (资金拨付) and keeps the budgets; decides no claim.
    FINANCE = "finance", _("Finance officer")
    SYSTEM = "system", _("Other system")


class Capability(models.TextChoices):
    """Named permissions checked by services and views."""

    VIEW_PEOPLE = "view_people", _("View people in scope")
    CREATE_PEOPLE = "create_people", _("Register people")
    IMPORT_PEOPLE = "import_people", _("Import people in bulk")
    EXPORT_PEOPLE = "export_people", _("Export people")
    VIEW_FULL_PII = "view_full_pii", _("See full ID and phone numbers")
    RECORD_MEMBERSHIPS = "record_memberships", _("Record target-group memberships")
    MANAGE_ORGANIZATIONS = "manage_organizations", _("Register organisations")
    MANAGE_REFERENCE_DATA = "manage_reference_data", _("Load reference data")
    VIEW_AUDIT = "view_audit", _("Read the audit trail")
    MANAGE_SECURITY = "manage_security", _("Set security policy")
    EDIT_CATALOGS = "edit_catalogs", _("Edit and submit catalog drafts")
    PUBLISH_CATALOGS = "publish_catalogs", _("Publish catalog versions")
    DECIDE_APPEALS = "decide_appeals", _("Decide appeals against catalog changes")
    FILE_APPEALS = "file_appeals", _("Appeal a catalog change concerning one's organisation")
    APPLY_ACCREDITATION = "apply_accreditation", _("Apply for accreditation")
    VIEW_ACCREDITATIONS = "view_accreditations", _("See every accreditation and application")
    DECIDE_ACCREDITATION = "decide_accreditation", _("Decide, suspend and withdraw accreditations")
    MANAGE_LEARNING_PLATFORMS = (
        "manage_learning_platforms",
        _("Register learning platforms and issue their xAPI credentials"),
    )
    VIEW_ATTENDANCE = "view_attendance", _("See attendance sheets of classes in scope")
    RECORD_ATTENDANCE = "record_attendance", _("Show session codes and record manual check-ins")
    REVIEW_CHECK_INS = "review_check_ins", _("Accept or reject flagged check-ins")
    MANAGE_CLASSES = "manage_classes", _("Run own programmes, classes and trainees")
    APPROVE_CLASSES = "approve_classes", _("Approve or return training classes")
    ENROL_SELF = "enrol_self", _("Enrol oneself in training classes")
    VIEW_STATISTICS = "view_statistics", _("See the city-wide training statistics")
    RUN_ASSESSMENTS = "run_assessments", _("File and run assessment sessions as the evaluator")
    VIEW_ASSESSMENTS = "view_assessments", _("See every assessment session and its scores")
    SUPERVISE_ASSESSMENTS = (
        "supervise_assessments",
        _("Receive assessment plans, assign supervisors and approve score changes"),
    )
    RECORD_SUPERVISION = "record_supervision", _("Record quality-supervision findings")
    MANAGE_EXPERTS = "manage_experts", _("Keep the judge pool and draw examiners")
    MANAGE_CERTIFICATES = (
        "manage_certificates",
        _("Revoke and suspend certificates and rotate the signing keys"),
    )
    MANAGE_TALENT = "manage_talent", _("Run competitions, award rounds and master studios")
    VIEW_TALENT = "view_talent", _("See the high-skill talent pool")
    CLAIM_SUBSIDIES = (
        "claim_subsidies",
        _("Claim training subsidies for one's own trainees, apprentices or oneself"),
    )
    REVIEW_CLAIMS = "review_claims", _("Review subsidy claims and resolve objections")
    APPROVE_CLAIMS = "approve_claims", _("Approve or reject reviewed subsidy claims")
    MANAGE_SUBSIDY_RULES = (
        "manage_subsidy_rules",
        _("Load subsidy standards and rules and simulate changes to them"),
    )
    VIEW_SUBSIDIES = "view_subsidies", _("See every subsidy claim, budget and ledger entry")
    PAY_CLAIMS = "pay_claims", _("Pay approved claims and export payment files")
    MANAGE_FUNDS = "manage_funds", _("Set budgets and record reversals and recoveries")
    WORK_ALERTS = "work_alerts", _("Work fraud alerts to a disposition")
    VIEW_ALERTS = "view_alerts", _("See fraud alerts and their evidence")
    MANAGE_FRAUD_RULES = "manage_fraud_rules", _("Change fraud rules' thresholds and run scans")


_C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.BUREAU_ADMIN: frozenset(
        {
            _C.VIEW_PEOPLE,
            _C.CREATE_PEOPLE,
            _C.IMPORT_PEOPLE,
            _C.EXPORT_PEOPLE,
            _C.VIEW_FULL_PII,
            _C.RECORD_MEMBERSHIPS,
            _C.MANAGE_ORGANIZATIONS,
            _C.MANAGE_REFERENCE_DATA,
            _C.VIEW_AUDIT,
            _C.MANAGE_SECURITY,
            _C.VIEW_ACCREDITATIONS,
            _C.DECIDE_ACCREDITATION,
            _C.EDIT_CATALOGS,
            _C.PUBLISH_CATALOGS,
            _C.DECIDE_APPEALS,
            _C.MANAGE_LEARNING_PLATFORMS,
            _C.APPROVE_CLASSES,
            _C.VIEW_ATTENDANCE,
            _C.REVIEW_CHECK_INS,
            _C.VIEW_STATISTICS,
            _C.VIEW_ASSESSMENTS,
            _C.SUPERVISE_ASSESSMENTS,
            _C.RECORD_SUPERVISION,
            _C.MANAGE_EXPERTS,
            _C.MANAGE_CERTIFICATES,
            _C.MANAGE_TALENT,
            _C.VIEW_TALENT,
            _C.APPROVE_CLAIMS,
            _C.MANAGE_SUBSIDY_RULES,
            _C.VIEW_SUBSIDIES,
            _C.VIEW_ALERTS,
            _C.WORK_ALERTS,
            _C.MANAGE_FRAUD_RULES,
        }
    ),
    # Reviews (subsidy claims in a later issue, flagged check-ins now) and reads; decides
    # nothing else: classes, catalogs, accreditations and appeals stay with the bureau.
    Role.REVIEWER: frozenset(
        {
            _C.VIEW_PEOPLE,
            _C.VIEW_FULL_PII,
            _C.VIEW_AUDIT,
            _C.VIEW_ACCREDITATIONS,
            _C.VIEW_ATTENDANCE,
            _C.REVIEW_CHECK_INS,
            _C.VIEW_STATISTICS,
            # Quality supervisors (质量督导员) are bureau or reviewer accounts.
            _C.VIEW_ASSESSMENTS,
            _C.RECORD_SUPERVISION,
            _C.VIEW_TALENT,
            _C.REVIEW_CLAIMS,
            _C.VIEW_SUBSIDIES,
            _C.VIEW_ALERTS,
            _C.WORK_ALERTS,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            _C.VIEW_PEOPLE,
            _C.VIEW_AUDIT,
            _C.EXPORT_PEOPLE,
            _C.VIEW_ACCREDITATIONS,
            _C.VIEW_ATTENDANCE,
            _C.VIEW_STATISTICS,
            _C.VIEW_ASSESSMENTS,
            _C.VIEW_TALENT,
            _C.VIEW_SUBSIDIES,
            _C.VIEW_ALERTS,
        }
    ),
    Role.INSTITUTION_STAFF: frozenset(
        {
            _C.VIEW_PEOPLE,
            _C.CREATE_PEOPLE,
            _C.IMPORT_PEOPLE,
            _C.EXPORT_PEOPLE,
            _C.APPLY_ACCREDITATION,
            _C.FILE_APPEALS,
            _C.MANAGE_CLASSES,
            # Staff show a session's rotating code; workers check in as themselves.
            _C.VIEW_ATTENDANCE,
            _C.RECORD_ATTENDANCE,
            _C.CLAIM_SUBSIDIES,
        }
    ),
    Role.EVALUATOR: frozenset(
        {_C.VIEW_PEOPLE, _C.APPLY_ACCREDITATION, _C.FILE_APPEALS, _C.RUN_ASSESSMENTS}
    ),
    # Employers on the filed list run 职业技能等级认定 for their own workers.
    # Employers also claim for their apprentices (企业新型学徒制) and in-house training.
    Role.EMPLOYER: frozenset(
        {_C.VIEW_PEOPLE, _C.CREATE_PEOPLE, _C.RUN_ASSESSMENTS, _C.CLAIM_SUBSIDIES}
    ),
    # Workers claim 技能提升补贴 for their own certificates.
    Role.WORKER: frozenset({_C.ENROL_SELF, _C.CLAIM_SUBSIDIES}),
    Role.FINANCE: frozenset({_C.VIEW_SUBSIDIES, _C.PAY_CLAIMS, _C.MANAGE_FUNDS}),
    # Other systems (社保, 民政, 残联 …) report target-group memberships with their evidence.
    Role.SYSTEM: frozenset(
        {_C.VIEW_PEOPLE, _C.CREATE_PEOPLE, _C.IMPORT_PEOPLE, _C.RECORD_MEMBERSHIPS}
    ),
}

# Roles whose data scope is the whole city (or their region subtree), not one organisation.
# The finance officer is not one of them: they read claims and the ledger through their
# capabilities (view_subsidies, pay_claims), never the register of people or classes.
CITY_WIDE_ROLES = frozenset({Role.BUREAU_ADMIN, Role.REVIEWER, Role.AUDITOR, Role.SYSTEM})
# Roles whose data scope is their own organisation.
ORGANIZATION_ROLES = frozenset({Role.INSTITUTION_STAFF, Role.EVALUATOR, Role.EMPLOYER})


def has_capability(user: object, capability: str) -> bool:
    """Tell whether an authenticated user's role grants a capability."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    role = getattr(user, "role", "")
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
