"""Find audit events for an auditor, show them in people's words, and export them as xlsx.

The filters read only columns the hash chain covers (ADR 0002): the person, the stream (an
organisation's accounts write to ``org-<id>``), the object, the actor's name, the action and
the time. A viewer limited to a region (``region_id``) reads only the events about people
and organisations that the apps' access layers let it see (``visible_events``). Dates are
local dates (settings.TIME_ZONE). The page and the export show what the events store:
numbers such as IDs and phones were masked or left out when they were written.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, cast

from django import forms
from django.db import transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.core import audit, audit_labels
from jineng.core.audit import AuditActor
from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent
from jineng.core.tabular import xlsx_row

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The most events one export holds: more must be narrowed by the filters first.
EXPORT_MAX_ROWS = 100_000
# Events read from the database at a time while the export is written.
EXPORT_CHUNK = 2000
# The actor name of the system's own events (core.audit._actor_label).
SYSTEM_ACTOR = "system"


def _action_choices() -> list[tuple[str, Any]]:
    return [("", _("All actions")), *audit_labels.action_choices()]


class AuditFilterForm(forms.Form):
    """The audit trail's filters: person, organisation, actor, action and local dates.

    The organisations offered are those the viewer may see; another is refused like an
    organisation that does not exist.
    """

    action = forms.ChoiceField(label=_("Action"), required=False, choices=_action_choices)
    organization = forms.TypedChoiceField(
        label=_("Organisation"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[],
        help_text=_("Events by the organisation's accounts, and events about the organisation."),
    )
    actor = forms.CharField(
        label=_("Actor (user name)"),
        required=False,
        max_length=150,
        help_text=_("The account's user name; “system” for the platform's own actions."),
    )
    person = forms.IntegerField(
        label=_("Person number"),
        required=False,
        min_value=1,
        help_text=_("Open the person's page and follow “Audit events about this person”."),
    )
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, viewer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        organization = cast(forms.TypedChoiceField, self.fields["organization"])
        organization.choices = [
            ("", gettext("All organisations")),
            *audit_labels.organization_choices(viewer),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The filters given, as plain values (for the export's audit event)."""
        if not self.is_valid():
            return {}
        return {
            key: value.isoformat() if isinstance(value, datetime.date) else value
            for key, value in self.cleaned_data.items()
            if value not in (None, "")
        }


class _NotEchoed(forms.TextInput):
    """A text box that never writes its value back into the page (a full ID stays unsaid)."""

    def format_value(self, value: Any) -> str | None:
        return None


class PersonSearchForm(forms.Form):
    """Find a person's events by full citizen ID, sent in the body and never in a URL."""

    id_number = forms.CharField(
        label=_("Citizen ID (all 18 characters)"),
        max_length=18,
        widget=_NotEchoed(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    purpose = forms.CharField(
        label=_("Why you are looking"),
        max_length=200,
        help_text=_("Recorded in the audit trail, e.g. “checking a complaint”."),
    )

    def clean_id_number(self) -> str:
        return str(self.cleaned_data["id_number"]).strip().upper()


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filter_events(events: Any, filters: Mapping[str, Any]) -> Any:
    """Narrow a queryset of AuditEvent by the cleaned filters of AuditFilterForm."""
    if person := filters.get("person"):
        events = events.filter(
            Q(person_id=person) | Q(object_type="people.person", object_id=str(person))
        )
    if organization := filters.get("organization"):
        events = events.filter(
            Q(stream=f"org-{organization}")
            | Q(object_type="organizations.organization", object_id=str(organization))
        )
    if actor := (filters.get("actor") or "").strip():
        events = events.filter(actor_label=actor)
    if action := filters.get("action"):
        if action.endswith("."):
            events = events.filter(action__startswith=action)
        else:
            events = events.filter(action=action)
    if start := filters.get("date_from"):
        events = events.filter(created_at__gte=_local_midnight(start))
    if end := filters.get("date_to"):
        events = events.filter(created_at__lt=_local_midnight(end + datetime.timedelta(days=1)))
    return events


def _as_text(queryset: QuerySet[Any], prefix: str = "") -> QuerySet[Any]:
    """The rows' primary keys as text (``object_id`` and ``stream`` are text columns)."""
    key: Any = Cast("pk", CharField())
    if prefix:
        key = Concat(Value(prefix), key, output_field=CharField())
    keys: QuerySet[Any] = queryset.annotate(_audit_key=key).values("_audit_key")
    return keys


def is_limited(viewer: Any) -> bool:
    """Tell whether the viewer is limited to a region (reads only the events in it)."""
    return getattr(viewer, "region_id", None) is not None


def visible_events(viewer: Any) -> QuerySet[AuditEvent]:
    """The events the viewer may read: all of them for an account of the whole city.

    A viewer limited to a region reads an event about people (its ``person_id``, or a
    ``people.person`` object) only when it may see each person named, and any other event
    only when it was written by, or is about, an organisation it may see; events about
    neither (the bureau's settings, the platform's own work) stay with the city's accounts.
    The people and organisations come from their apps' access layers; with none registered,
    such a viewer reads nothing (the scope fails closed).
    """
    events = AuditEvent.objects.all()
    if not is_limited(viewer):
        return events
    people = audit_labels.in_scope(audit_labels.PEOPLE, viewer)
    organizations = audit_labels.in_scope(audit_labels.ORGANIZATIONS, viewer)
    if people is None or organizations is None:
        return events.none()
    about_person = Q(object_type="people.person")
    people_seen = (Q(person_id__isnull=True) | Q(person_id__in=people.values("pk"))) & (
        ~about_person | Q(object_id__in=_as_text(people))
    )
    names_a_person = Q(person_id__isnull=False) | about_person
    organization_seen = Q(stream__in=_as_text(organizations, "org-")) | Q(
        object_type="organizations.organization", object_id__in=_as_text(organizations)
    )
    return events.filter(people_seen & (names_a_person | organization_seen))


def search(form: AuditFilterForm) -> QuerySet[AuditEvent]:
    """The events the form's filters select among those its viewer may read, newest first
    (stable: by id). A person the viewer may not see finds nothing, like a missing one."""
    events = visible_events(form.viewer).order_by("-id")
    if not form.is_bound:
        return events
    if not form.is_valid():
        return events.none()
    person = form.cleaned_data.get("person")
    if person and is_limited(form.viewer):
        people = audit_labels.in_scope(audit_labels.PEOPLE, form.viewer)
        if people is None or not people.filter(pk=person).exists():
            return events.none()
    result: QuerySet[AuditEvent] = filter_events(events, form.cleaned_data)
    return result


def actor_text(event: AuditEvent, names: Mapping[int, str]) -> str:
    """Who acted: the account's name and user name, or the system."""
    if event.actor_id is None and event.actor_label == SYSTEM_ACTOR:
        return gettext("System")
    name = names.get(event.actor_id) if event.actor_id is not None else None
    if name and name != event.actor_label:
        return f"{name}（{event.actor_label}）"
    return event.actor_label


def object_text(event: AuditEvent) -> str:
    """The object named: its name when the event kept one, else its type and number."""
    if event.object_repr:
        return event.object_repr
    kind = _object_kind(event.object_type)
    return f"{kind} #{event.object_id}" if event.object_id else kind


def _object_kind(object_type: str) -> str:
    from django.apps import apps

    if "." in object_type:
        try:
            return str(apps.get_model(object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            pass
    return object_type


@dataclass(frozen=True, slots=True)
class Row:
    """One event as the audit trail shows it."""

    event: AuditEvent
    action: str
    time: datetime.datetime
    actor: str
    object: str
    link: str | None
    details: list[audit_labels.Detail]


def rows(events: Iterable[AuditEvent], viewer: Any, names: Mapping[int, str]) -> list[Row]:
    """The events of one page, named and formatted, with links the viewer may follow."""
    return [
        Row(
            event=event,
            action=audit_labels.action_label(event.action),
            time=timezone.localtime(event.created_at),
            actor=actor_text(event, names),
            object=object_text(event),
            link=audit_labels.object_link(viewer, event.object_type, event.object_id),
            details=audit_labels.describe(event.data, event.action),
        )
        for event in events
    ]


def export_headers() -> list[str]:
    """The export's header row."""
    return [
        gettext("Event number"),
        gettext("Time"),
        gettext("Action"),
        gettext("Action code"),
        gettext("Actor"),
        gettext("Object"),
        gettext("Object type"),
        gettext("Object number"),
        gettext("Person number"),
        gettext("Details"),
        gettext("Stream"),
        gettext("Number in stream"),
        gettext("Hash"),
    ]


def export_cells(event: AuditEvent, names: Mapping[int, str]) -> list[Any]:
    """One event's cells in the export."""
    details = "；".join(
        f"{d.label}：{d.value}" for d in audit_labels.describe(event.data, event.action)
    )
    return [
        event.id,
        timezone.localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        audit_labels.action_label(event.action),
        event.action,
        actor_text(event, names),
        object_text(event),
        _object_kind(event.object_type),
        event.object_id,
        event.person_id,
        details,
        event.stream,
        event.seq,
        event.hash,
    ]


def _chunks(events: Any) -> Iterator[list[AuditEvent]]:
    last_id: int | None = None
    while True:
        page = events if last_id is None else events.filter(id__lt=last_id)
        chunk = list(page[:EXPORT_CHUNK])
        if not chunk:
            return
        yield chunk
        last_id = chunk[-1].id


def export(
    events: Any,
    *,
    actor: AuditActor,
    filters: Mapping[str, Any],
    actor_names: Any,
) -> IO[bytes]:
    """Write the selected events (newest first) to an xlsx file and audit the export.

    ``actor_names(ids)`` gives the accounts' names by id. The workbook is written write-only
    a chunk of events at a time, into a temporary file that the caller streams and closes.
    Refuses (ValidationFailed) more than EXPORT_MAX_ROWS events.
    """
    from openpyxl import Workbook

    events = events.order_by("-id")
    with transaction.atomic(durable=True):
        # Events written while the export runs (its own included) stay out of it.
        top = events.values_list("id", flat=True).first()
        events = events.filter(id__lte=top or 0)
        count = events.count()
        if count > EXPORT_MAX_ROWS:
            raise ValidationFailed(
                gettext(
                    "{count} events match, more than the {limit} one export holds. Narrow the "
                    "filters, for example by date."
                ).format(count=count, limit=EXPORT_MAX_ROWS)
            )
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(gettext("Audit trail"))
        sheet.append(xlsx_row(sheet, export_headers()))
        written = 0
        for chunk in _chunks(events):
            names = actor_names({e.actor_id for e in chunk if e.actor_id is not None})
            for event in chunk:
                sheet.append(xlsx_row(sheet, export_cells(event, names)))
                written += 1
        # Closed by the response that streams it.
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        workbook.save(out)
        audit.record(
            actor,
            audit_labels.EXPORTED,
            object_type="core.auditevent",
            data={"rows": written, "filters": dict(filters)},
        )
    out.seek(0)
    return out
