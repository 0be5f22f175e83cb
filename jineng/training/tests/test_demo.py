"""The training demo needs the demo accounts and does nothing without them."""

from __future__ import annotations

import io

import pytest

from jineng.training.demo import build_demo
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db


def test_demo_without_accounts_does_nothing():
    out = io.StringIO()
    build_demo(stdout=out)
    assert out.getvalue() == "training demo: skipped (no school1 or admin account)\n"
    assert not TrainingClass.objects.exists()


def test_demo_classes_load_under_the_delivery_rules(city, target_groups, occupations, levels):
    """The whole demo, accreditations and catalogs first, opens its classes inside scope."""
    from django.core.management import call_command

    from jineng.training.models import Enrolment

    call_command("demo", "--people", "60", "--force", stdout=io.StringIO())
    classes = {c.code: c for c in TrainingClass.objects.filter(code__startswith="DEMO-")}
    assert {code: c.status for code, c in classes.items()} == {
        "DEMO-DONE": "closed",
        "DEMO-RUN": "running",
        "DEMO-SUB": "approved",
        "DEMO-SUB2": "submitted",
    }
    done = Enrolment.objects.filter(training_class=classes["DEMO-DONE"])
    assert (
        sorted(done.values_list("status", flat=True)) == ["completed"] * 4 + ["not_completed"] * 2
    )
    # The finished class's trainees hold a place in the running class of the same programme.
    assert (
        Enrolment.objects.filter(
            training_class=classes["DEMO-RUN"], person__in=done.values("person")
        ).count()
        == 6
    )
    assert Enrolment.objects.filter(training_class=classes["DEMO-SUB"]).count() > 0
