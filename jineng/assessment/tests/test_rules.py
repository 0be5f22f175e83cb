"""The rules as data: the load-rules command, components per level, eligibility reasons."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from jineng.assessment import rules
from jineng.assessment.models import ComponentRule, EligibilityRule

pytestmark = pytest.mark.django_db


def test_load_rules_command(levels: Any, electrician: Any) -> None:
    out = io.StringIO()
    call_command("assessment", "load-rules", stdout=out)
    assert "unconfirmed" in out.getvalue()
    assert not ComponentRule.objects.filter(confirmed=True).exists()
    assert not EligibilityRule.objects.filter(confirmed=True).exists()
    keys = [r.key for r in rules.components_for("skill_level", electrician, levels["level2"])]
    assert keys == ["theory", "practical", "review"]
    keys = [r.key for r in rules.components_for("skill_level", electrician, levels["level4"])]
    assert keys == ["theory", "practical"]
    assert [r.key for r in rules.components_for("special_ability", electrician, None)] == [
        "practical"
    ]


def test_eligibility_reasons(rules: None, levels: Any, electrician: Any, person: Any) -> None:
    from jineng.assessment.rules import Declaration, check_eligibility

    ok = check_eligibility(person, electrician, levels["level4"], Declaration(6, ""))
    assert ok.eligible
    assert "6年" in ok.reason
    no = check_eligibility(person, electrician, levels["level3"], Declaration(10, ""))
    assert not no.eligible  # no 四级 certificate held
    school = check_eligibility(
        person, electrician, levels["level4"], Declaration(0, "secondary_vocational")
    )
    assert school.eligible
