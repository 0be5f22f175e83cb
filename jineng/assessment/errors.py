"""Domain errors of assessment, each with a stable code."""

from __future__ import annotations

from jineng.core.errors import Conflict, PermissionDenied, ValidationFailed


class EvaluatorNotAccredited(ValidationFailed):
    """The evaluator holds no accreditation of the route for the occupation and level that day."""

    code = "evaluator_not_accredited"


class AlreadyCandidate(Conflict):
    """The person is already a candidate in this session."""

    code = "already_candidate"


class SessionFull(Conflict):
    """The session has no place left."""

    code = "session_full"


class NotEligible(ValidationFailed):
    """The person does not meet the conditions of application for the level."""

    code = "not_eligible"


class PlanIncomplete(ValidationFailed):
    """The plan lacks a date, a venue, candidates or components."""

    code = "plan_incomplete"


class ScoreOutOfRange(ValidationFailed):
    """A score below zero or above the component's full marks."""

    code = "score_out_of_range"


class ScoresLocked(Conflict):
    """The session is closed: its scores change only through an approved score change."""

    code = "scores_locked"


class NotExaminer(PermissionDenied):
    """The account is not an examiner drawn for this session."""

    code = "not_examiner"


class ScoresMissing(Conflict):
    """Some candidates have no score on some component."""

    code = "scores_missing"


class SecondApproverRequired(PermissionDenied):
    """The person who asked for a score change cannot approve it."""

    code = "second_approver_required"


class NotPassed(Conflict):
    """A certificate is asked for a candidate who did not pass."""

    code = "not_passed"


class AlreadyIssued(Conflict):
    """Every passed candidate of the session already holds a certificate."""

    code = "already_issued"


class StrayDraw(Conflict):
    """A draw the session did not make itself, or one that does not match its plan."""

    code = "stray_draw"


class ExaminerConflict(Conflict):
    """A drawn examiner is tied to the session (evaluator, institution, employer, relation)."""

    code = "examiner_conflict"


class RelatedToCandidate(Conflict):
    """The examiner declared a relation to a candidate whose score they enter."""

    code = "related_to_candidate"
