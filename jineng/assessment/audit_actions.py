"""Name assessment's audit actions and link their pages (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.assessment.access import get_session_for_user
from jineng.core.audit_labels import (
    access_link,
    register_actions,
    register_fields,
    register_object_link,
)

register_actions(
    {
        "assessment.session.created": _("Created an assessment session"),
        "assessment.session.filed": _("Filed an assessment plan"),
        "assessment.session.supervisor_assigned": _("Assigned a quality supervisor"),
        "assessment.session.examiners_drawn": _("Drew the examiners of a session"),
        "assessment.session.scoring_started": _("Started scoring a session"),
        "assessment.session.closed": _("Closed a session and locked its scores"),
        "assessment.result.decided": _("Decided a candidate's result"),
        "assessment.session.certified": _("Issued the certificates of a session"),
        "assessment.candidate.added": _("Added a candidate to a session"),
        "assessment.score.entered": _("Entered a score"),
        "assessment.score_change.requested": _("Asked to change a locked score"),
        "assessment.score_change.approved": _("Approved a score change"),
        "assessment.score_change.rejected": _("Rejected a score change"),
        "assessment.finding.recorded": _("Recorded a supervision finding"),
        "assessment.rules.loaded": _("Loaded the assessment rules"),
    }
)
register_fields(
    {
        "route": _("Route"),
        "candidate": _("Candidate"),
        "component": _("Component"),
        "old_value": _("Old score"),
        "new_value": _("New score"),
        "severity": _("Severity"),
        "passed": _("Passed"),
        "failed": _("Failed"),
        "scores": _("Scores"),
    }
)
register_object_link(
    "assessment.assessmentsession",
    access_link(get_session_for_user, "assessment:session", "session_id"),
)
