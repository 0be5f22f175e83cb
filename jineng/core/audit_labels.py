"""Say in people's words what each audit event records (审计日志的可读说明).

The audit trail stores stable codes (``people.person.pii_viewed``) and the event's details as
JSON; this module turns them into what an auditor reads: an action's name, each detail under
its field's name with its value formatted, and a link to the object's page. The core knows
no app (docs/adr/0012-app-layers.md): each app registers its own actions, fields and links
from its ``audit_actions`` module, loaded by its AppConfig.ready(). A code nobody registered
is shown as it is.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

Label = str | Promise
# Given the viewer and an event's object id, the object's page, or None where the viewer may
# not open one.
ObjectLink = Callable[[Any, str], str | None]

_actions: dict[str, Label] = {}
_fields: dict[str, Label] = {}
_links: dict[str, ObjectLink] = {}
# (action code prefix, detail key) → names of the key's stored values, such as statuses.
_values: dict[tuple[str, str], Mapping[Any, Label]] = {}
# Given the viewer, the organisations it may filter the audit trail by, as (id, name) pairs.
OrganizationChoices = Callable[[Any], Iterable[tuple[int, str]]]
_organization_choices: list[OrganizationChoices] = []
# Given the viewer, the people (or organisations) it may see: a queryset of the model
# restricted by the app's access layer, which the audit trail narrows its events by.
InScope = Callable[[Any], "QuerySet[Any]"]
_scopes: dict[str, InScope] = {}
PEOPLE = "people"
ORGANIZATIONS = "organizations"
# Given the viewer, a full citizen ID and the stated purpose, the ids of the people in the
# viewer's scope who hold it (the people app's audited, rate-limited lookup).
PersonFinder = Callable[[Any, str, str], list[int]]
_person_finders: list[PersonFinder] = []

# What the generic admin pages write (core.admin.AuditedAdminMixin): "<model>.<verb>".
ADMIN_VERBS: dict[str, Label] = {
    "created": _("Added {model} in the administration pages"),
    "changed": _("Changed {model} in the administration pages"),
    "deleted": _("Deleted {model} in the administration pages"),
}
# The value SENSITIVE_KEYS are stored as (core.audit._mask).
WITHHELD = "***"
_CODE = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_]+$")


def register_actions(actions: Mapping[str, Label]) -> None:
    """Name audit action codes for people: ``{"people.person.created": _("Registered …")}``."""
    for code, label in actions.items():
        if not _CODE.match(code):
            raise ValueError(f"audit action code {code!r} is not app.object.verb")
        _actions[code] = label


def register_fields(fields: Mapping[str, Label]) -> None:
    """Name keys of events' details (``data``): ``{"class": _("Class")}``."""
    _fields.update(fields)


def register_values(key: str, labels: Mapping[Any, Label], *, actions: str = "") -> None:
    """Name a detail's stored values (``{"submitted": _("Submitted")}``), for the actions
    whose code starts with ``actions`` (all when empty): ``choices`` of a TextChoices fit."""
    _values[(actions, key)] = labels


def _value_labels(action: str, key: str) -> Mapping[Any, Label] | None:
    best: tuple[int, Mapping[Any, Label]] | None = None
    for (prefix, name), labels in _values.items():
        if name == key and action.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), labels)
    return best[1] if best else None


def register_object_link(object_type: str, link: ObjectLink) -> None:
    """Give the page of an event's object of one type (``people.person``), viewer permitting."""
    _links[object_type] = link


def register_organization_choices(choices: OrganizationChoices) -> None:
    """Give the organisations a viewer may filter the audit trail by, as (id, name) pairs."""
    _organization_choices[:] = [choices]


def register_scope(kind: str, in_scope: InScope) -> None:
    """Give the people (``PEOPLE``) or organisations (``ORGANIZATIONS``) a viewer may see,
    through the app's access layer: a viewer limited to a region reads only their events."""
    if kind not in (PEOPLE, ORGANIZATIONS):
        raise ValueError(f"unknown audit scope {kind!r}")
    _scopes[kind] = in_scope


def in_scope(kind: str, viewer: Any) -> QuerySet[Any] | None:
    """The people or organisations the viewer may see, or None when no app registered them."""
    found = _scopes.get(kind)
    return found(viewer) if found is not None else None


def register_person_finder(finder: PersonFinder) -> None:
    """Let the audit trail find a person by full citizen ID through the people access layer."""
    _person_finders[:] = [finder]


def find_people(viewer: Any, id_number: str, purpose: str) -> list[int]:
    """The ids of the people the viewer may see who hold a full citizen ID; the lookup is
    audited and limited by the people app (its DomainErrors pass through)."""
    return [pk for finder in _person_finders for pk in finder(viewer, id_number, purpose)]


def registered_actions() -> frozenset[str]:
    """Every code that has a registered name."""
    return frozenset(_actions)


def _admin_label(code: str) -> str | None:
    app_label, model_name, verb = code.split(".")
    template = ADMIN_VERBS.get(verb)
    if template is None:
        return None
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return None
    return str(template).format(model=model._meta.verbose_name)


def action_label(code: str) -> str:
    """The name of an action, in the active language; the code itself when none is known."""
    label = _actions.get(code)
    if label is not None:
        return str(label)
    if _CODE.match(code):
        return _admin_label(code) or code
    return code


def has_label(code: str) -> bool:
    """Tell whether an action code has a name (registered, or an administration page's)."""
    return action_label(code) != code


def _group_name(app_label: str) -> str:
    try:
        return str(apps.get_app_config(app_label).verbose_name)
    except LookupError:
        return app_label


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The named actions grouped by app, for a select: [(app, [(code, name), …]), …].

    Each group starts with a choice of all its app's actions (the code prefix ``app.``).
    """
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in _actions:
        groups.setdefault(code.split(".", 1)[0], []).append((code, action_label(code)))
    result = []
    for app_label, choices in groups.items():
        name = _group_name(app_label)
        everything = (f"{app_label}.", gettext("All actions: {app}").format(app=name))
        result.append((name, [everything, *sorted(choices, key=lambda c: c[1])]))
    return sorted(result, key=lambda group: group[0])


def organization_choices(viewer: Any) -> list[tuple[int, str]]:
    """The organisations the viewer may filter by, as the organisations app gives them."""
    return [pair for choices in _organization_choices for pair in choices(viewer)]


def field_label(key: str) -> str:
    """The name of a detail's key; the key itself when none is known."""
    label = _fields.get(key)
    return str(label) if label is not None else key


def format_value(value: Any) -> str:
    """Write a detail's value for people: yes/no, local times, lists joined, hidden numbers."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value == WITHHELD:
        return gettext("(withheld)")
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return "、".join(format_value(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(str(k))}：{format_value(v)}" for k, v in value.items())
    if isinstance(value, str):
        return _format_text(value)
    return str(value)


def _format_text(value: str) -> str:
    if len(value) >= 19 and value[4:5] == "-" and value[10:11] in ("T", " "):
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is not None and timezone.is_aware(moment):
            return date_format(timezone.localtime(moment), "Y-m-d H:i:s")
    if len(value) == 10 and value[4:5] == "-":
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if isinstance(day, datetime.date):
            return date_format(day, "Y-m-d")
    return value


@dataclass(frozen=True, slots=True)
class Detail:
    """One detail of an event, as shown: the field's name and the value's text."""

    key: str
    label: str
    value: str


def _detail(action: str, key: str, value: Any) -> Detail:
    labels = _value_labels(action, key)
    if labels is not None and isinstance(value, str | int) and value in labels:
        return Detail(key, field_label(key), str(labels[value]))
    return Detail(key, field_label(key), format_value(value))


def describe(data: Mapping[str, Any] | None, action: str = "") -> list[Detail]:
    """An event's details (its ``data``) as named fields with formatted values, in key order.

    Values registered for the action (register_values) are shown by their names.
    """
    if not isinstance(data, Mapping):
        return []
    return [_detail(action, str(k), v) for k, v in sorted(data.items())]


def object_link(viewer: Any, object_type: str, object_id: str) -> str | None:
    """The page of an event's object where one exists and the viewer may open it."""
    link = _links.get(object_type)
    if link is None or not object_id:
        return None
    return link(viewer, object_id)


def int_id(object_id: str) -> int | None:
    """An event's object id as a number, or None when it is not one (a list of ids, a key)."""
    return int(object_id) if object_id.isdigit() else None


# The core's own action, and the names of the details many apps share.
EXPORTED = "core.audit.exported"
register_actions({EXPORTED: _("Exported the audit trail")})
register_fields(
    {
        "via": _("Done through"),
        "fields": _("Fields changed"),
        "filters": _("Filters"),
        "rows": _("Rows"),
        "reason": _("Reason"),
        "reasons": _("Reasons"),
        "status": _("Status"),
        "from": _("Status before"),
        "to": _("Status after"),
        "before": _("Before"),
        "after": _("After"),
        "name": _("Name"),
        "code": _("Code"),
        "kind": _("Kind"),
        "note": _("Note"),
        "purpose": _("Purpose"),
        "where": _("Where"),
        "id_number": _("ID number"),
        "phone": _("Mobile number"),
        "organization": _("Organisation"),
        "organization_id": _("Organisation"),
        "region": _("Region"),
        "user": _("Account"),
        "username": _("User name"),
        "role": _("Role"),
        "roles": _("Roles"),
        "file": _("File"),
        "file_name": _("File name"),
        "format": _("Format"),
        "size": _("Size (bytes)"),
        "sha256": _("SHA-256 digest"),
        "digest": _("Digest"),
        "job": _("Job"),
        "created": _("Created"),
        "changed": _("Changed"),
        "removed": _("Removed"),
        "skipped": _("Skipped"),
        "found": _("Found"),
        "failures": _("Failures"),
        "title": _("Title"),
        "number": _("Number"),
        "method": _("Method"),
        "ip_address": _("IP address"),
        "seed": _("Random seed"),
        "until": _("Until"),
        "valid_from": _("Valid from"),
        "valid_until": _("Valid until"),
        "expires_at": _("Expires at"),
        "source": _("Source"),
        "group": _("Target group"),
        "key": _("Key"),
        "by": _("By"),
        "action": _("Action"),
        "person": _("Person"),
        "actor": _("Actor"),
        "date_from": _("From date"),
        "date_to": _("To date"),
    }
)


def access_link(getter: Callable[..., Any], url_name: str, kwarg: str = "pk") -> ObjectLink:
    """An ObjectLink through an app's access layer: the page only when ``getter`` finds it.

    ``getter(viewer, pk)`` is the app's ``get_<object>_for_user``; missing and out-of-scope
    objects get no link alike.
    """
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from django.urls import reverse

    from jineng.core.errors import DomainError

    def link(viewer: Any, object_id: str) -> str | None:
        pk = int_id(object_id)
        if pk is None:
            return None
        try:
            getter(viewer, pk)
        except (DomainError, Http404, PermissionDenied):
            return None
        return reverse(url_name, kwargs={kwarg: pk})

    return link
