"""Export fraud alerts (风险预警导出) as xlsx, as the alert list filters them.

Who may export: the roles that read alerts (``view_alerts``: bureau, reviewers, auditors),
each within its data scope (``access.alerts_for_user``). Everyone else gets PermissionDenied.

One row per alert: the rule (code, name, version), what was found (the alert's summary,
which names people only masked, as the rules write it), how many evidence rows, people and
held claims it has, where it stands and how it was worked. The evidence rows themselves are
not exported: they are shown, masked, on the alert's page, and in full only to roles that
may see personal data, with a purpose that is audited. Times are local. The export refuses
more than EXPORT_MAX_ROWS alerts; its audit event (who, the filters, how many rows) is
committed before the file is handed out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import IO

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import PermissionDenied
from jineng.core.tabular.workbook import ExportTooLarge, SheetSpec, local_time, write_workbook
from jineng.fraud import access
from jineng.fraud.choices import AlertStatus, Subject
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import REGISTRY

ACTION = "fraud.alerts.exported"
# The most alerts one export holds: more must be narrowed by the filters first.
EXPORT_MAX_ROWS = 100_000
# Rows read from the database at a time while the file is written.
CHUNK = 2000
FILTERS = ("rule", "status")

ALERT_FIELDS = (
    "pk",
    "rule_code",
    "rule__version",
    "subject",
    "summary",
    "evidence_count",
    "person_ids",
    "holds",
    "status",
    "created_at",
    "last_seen_at",
    "disposed_by__username",
    "disposed_at",
    "disposition_reason",
)


def headers() -> list[str]:
    """The header row of the alerts sheet."""
    return [
        _("Alert number"),
        _("Rule"),
        _("Rule name"),
        _("Rule version"),
        _("About"),
        _("What was found"),
        _("Evidence rows"),
        _("People concerned"),
        _("Claims held"),
        _("Status"),
        _("Opened at"),
        _("Last seen at"),
        _("Worked by"),
        _("Worked at"),
        _("Reason"),
    ]


def selected_alerts(user: Actor, filters: Mapping[str, str]) -> QuerySet[Alert]:
    """The alerts the list page shows the user with these filters (rule, status)."""
    alerts = access.alerts_for_user(user)
    if filters.get("rule"):
        alerts = alerts.filter(rule_code=filters["rule"])
    if filters.get("status"):
        alerts = alerts.filter(status=filters["status"])
    return alerts.order_by("-created_at", "-pk")


def _rows(alerts: QuerySet[Alert]) -> Iterator[list[object]]:
    subjects, statuses = dict(Subject.choices), dict(AlertStatus.choices)
    for row in alerts.values_list(*ALERT_FIELDS).iterator(chunk_size=CHUNK):
        pk, code, version, subject, summary, evidence, people, holds, status, *worked = row
        spec = REGISTRY.get(code)
        yield [
            pk,
            code,
            str(spec.name) if spec else "",
            version,
            str(subjects.get(subject, subject)),
            summary,
            evidence,
            len(people or []),
            holds,
            str(statuses.get(status, status)),
            local_time(worked[0]),
            local_time(worked[1]),
            worked[2] or "",
            local_time(worked[3]),
            worked[4],
        ]


def export_alerts(
    user: Actor,
    filters: Mapping[str, str],
    *,
    max_rows: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[IO[bytes], int]:
    """Write the alerts the user may read (the list's filters) to xlsx; audit; return the
    file and the number of alerts. Refuses roles without view_alerts and too large exports
    (``max_rows``, EXPORT_MAX_ROWS by default); ``on_progress`` hears of the rows written."""
    if not access.may_view(user):
        raise PermissionDenied(_("Your role may not export fraud alerts."))
    alerts = selected_alerts(user, filters)
    limit = EXPORT_MAX_ROWS if max_rows is None else max_rows
    count = alerts.count()
    if count > limit:
        raise ExportTooLarge(
            _(
                "{count} alerts match, more than the {limit} one export holds. Narrow the "
                "filters first."
            ).format(count=count, limit=limit),
            count=count,
            limit=limit,
        )
    out, written = write_workbook(
        [SheetSpec(_("Fraud alerts"), headers(), _rows(alerts))], on_progress=on_progress
    )
    used = {k: str(v) for k, v in filters.items() if k in FILTERS and v}
    with transaction.atomic(durable=True):
        audit.record(
            user, ACTION, object_type="fraud.alert", data={"rows": written[0], "filters": used}
        )
    return out, written[0]
