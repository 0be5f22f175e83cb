"""The demo city: every demo account lands on a workspace with something to act on."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from jineng.accounts.models import User
from jineng.training.tests.conftest import levels, occupations
from jineng.workspace.queries import workspace_for

__all__ = ["levels", "occupations"]
pytestmark = pytest.mark.django_db


def test_each_demo_role_sees_what_waits_for_it(city, target_groups, occupations, levels):
    out = io.StringIO()
    call_command("demo", "--people", "60", "--force", stdout=out)
    assert "attendance demo: one flagged check-in in class DEMO-RUN" in out.getvalue()
    users = {u.username: u for u in User.objects.all()}
    with translation.override("en"):
        counts = {
            name: {s.kind: s.count for s in workspace_for(users[name]).sections}
            for name in ("admin", "reviewer", "school1", "worker1", "evaluator1", "examiner1")
        }
    assert counts["admin"]["training.class_to_approve"] == 1
    assert counts["admin"]["attendance.check_in_to_review"] == 1
    assert counts["reviewer"]["attendance.check_in_to_review"] == 1
    assert counts["school1"]["attendance.session_today"] >= 1
    assert counts["worker1"]["training.enrolment"] >= 1
    # The assessment demo files one plan for the bureau's draw and closes one session.
    assert counts["admin"]["assessment.plan_to_receive"] == 1
    assert counts["admin"]["talent.objection"] == 1
    assert counts["admin"]["talent.proposal"] >= 1
    assert "assessment.session_to_file" in counts["evaluator1"]
    client = Client()
    for name in ("admin", "admin2", "reviewer", "auditor", "school1", "evaluator1", "employer1"):
        client.force_login(users[name])
        assert client.get("/").status_code == 200, name
    # Run again: nothing new.
    again = io.StringIO()
    call_command("demo", "--people", "60", "--force", stdout=again)
    assert "attendance demo: flagged check-in already present" in again.getvalue()
