"""Every audit action the apps write has a name for people (core.audit_labels)."""

from __future__ import annotations

import ast
import datetime
import pathlib
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.utils import translation

from jineng.core import audit_labels
from jineng.core.admin import AuditedAdminMixin

ROOT = pathlib.Path(__file__).resolve().parents[2]
APP_LABELS = sorted(c.label for c in apps.get_app_configs() if c.name.startswith("jineng."))
CODE = re.compile(rf"^({'|'.join(APP_LABELS)})\.[a-z_]+\.[a-z_]+$")


def _sources() -> list[pathlib.Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def _written_codes() -> dict[str, str]:
    """Action-like string constants in the modules that write audit events, with a place."""
    found: dict[str, str] = {}
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if "audit" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE.match(node.value)
                and path.name != "audit_actions.py"
            ):
                found.setdefault(node.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_the_scan_finds_the_actions_written_directly_and_through_constants():
    codes = _written_codes()
    assert "people.person.pii_viewed" in codes
    assert "training.class.submitted" in codes  # through workflow.AUDIT_ACTIONS
    assert "people.person.identity_missed" in codes  # through identity.IDENTITY_MISSED
    # Through attendance.services.REVIEW_ACTIONS, never an f-string the scan cannot read.
    assert {"attendance.attendance.accepted", "attendance.attendance.rejected"} <= set(codes)


def test_every_action_written_anywhere_has_a_name():
    missing = {
        code: where for code, where in _written_codes().items() if not audit_labels.has_label(code)
    }
    assert missing == {}, (
        "Name these audit actions in their app's audit_actions.py (core.audit_labels)"
    )


def test_every_named_action_is_still_written_somewhere():
    written = set(_written_codes()) | {audit_labels.EXPORTED}
    stale = sorted(audit_labels.registered_actions() - written)
    assert stale == [], "Remove the names of actions no code writes any more"


def test_every_admin_page_that_audits_names_its_actions():
    audited = [m for m, a in admin.site._registry.items() if isinstance(a, AuditedAdminMixin)]
    assert audited
    for model in audited:
        for verb in audit_labels.ADMIN_VERBS:
            code = f"{model._meta.label_lower}.{verb}"
            assert audit_labels.has_label(code), code


def test_names_are_translated_and_unknown_codes_show_as_they_are():
    with translation.override("en"):
        assert audit_labels.action_label("people.person.created") == "Registered a person"
        assert audit_labels.action_label("accounts.user.changed") == (
            "Changed user in the administration pages"
        )
        assert audit_labels.action_label("nowhere.thing.done") == "nowhere.thing.done"
        assert audit_labels.action_label("odd") == "odd"


def test_a_code_not_shaped_app_object_verb_is_refused():
    with pytest.raises(ValueError, match="app.object.verb"):
        audit_labels.register_actions({"People Created": "x"})


def test_action_choices_are_grouped_by_app_with_a_choice_of_the_whole_app():
    with translation.override("en"):
        groups = dict(audit_labels.action_choices())
    people = dict(groups["People"])
    assert people["people."] == "All actions: People"
    assert people["people.person.pii_viewed"] == "Viewed a person's full ID and mobile number"


def test_details_are_named_and_their_values_formatted_in_local_time():
    data = {
        "id_number": "***",
        "usable": True,
        "class": "BX-1",
        "starts_at": str(datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC)),
        "valid_from": "2026-03-02",
        "roles": ["a", "b"],
        "unheard_of": 3,
        "reason": "",
    }
    with translation.override("en"):
        shown = {d.key: (d.label, d.value) for d in audit_labels.describe(data)}
    assert shown == {
        "id_number": ("ID number", "(withheld)"),
        "usable": ("Usable", "Yes"),
        "class": ("Class", "BX-1"),
        "starts_at": ("Starts at", "2026-03-02 00:30:00"),
        "valid_from": ("Valid from", "2026-03-02"),
        "roles": ("Roles", "a、b"),
        "unheard_of": ("unheard_of", "3"),
        "reason": ("Reason", "—"),
    }


def test_the_project_keeps_local_time_in_shanghai():
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True


def test_stored_values_are_named_for_the_actions_that_registered_them():
    data = {"from": "draft", "to": "submitted", "code": "BX-1"}
    with translation.override("en"):
        shown = [
            (d.label, d.value) for d in audit_labels.describe(data, "training.class.submitted")
        ]
        elsewhere = [d.value for d in audit_labels.describe(data, "people.person.created")]
    assert shown == [
        ("Code", "BX-1"),
        ("Status before", "Draft (草稿)"),
        ("Status after", "Submitted for approval (申报)"),
    ]
    assert elsewhere == ["BX-1", "draft", "submitted"]
