"""The demo accredits the demo organisations with variety, and running it twice changes nothing."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from jineng.accreditations.choices import AccreditationStatus, ApplicationStatus
from jineng.accreditations.demo import build_demo
from jineng.accreditations.models import Accreditation, AccreditationApplication
from jineng.occupations.models import Occupation, OccupationLevel
from jineng.organizations.models import Organization, OrganizationKind

K = OrganizationKind
KINDS = [
    K.TECHNICAL_SCHOOL,
    K.VOCATIONAL_SCHOOL,
    K.PUBLIC_TRAINING_BASE,
    K.PRIVATE_TRAINING,
    K.PRIVATE_TRAINING,
    K.EVALUATION_BODY,
    K.SOCIAL_EVALUATION_ORG,
    K.ENTERPRISE,
]


@pytest.fixture
def demo_city(occupations, levels, private_media, bureau_admin) -> list[Organization]:
    small = occupations["small"]
    for code, name in [("4-03-02-01", "中式烹调师"), ("4-10-01-05", "养老护理员")]:
        Occupation.objects.create(
            code=code, name=name, level=OccupationLevel.OCCUPATION, parent=small
        )
    return [
        Organization.objects.create(
            credit_code=f"12220581MB{n:07d}X", name=f"演示机构{n}", kind=kind, is_synthetic=True
        )
        for n, kind in enumerate(KINDS)
    ]


def test_demo_accredits_institutions_and_evaluators_with_variety(demo_city):
    out = io.StringIO()
    build_demo(stdout=out)
    today = timezone.localdate()
    statuses = [
        licence.status_on(today)
        for licence in Accreditation.objects.prefetch_related("suspensions")
    ]
    assert statuses.count(AccreditationStatus.EXPIRED) == 1
    assert statuses.count(AccreditationStatus.SUSPENDED) == 1
    assert statuses.count(AccreditationStatus.ACTIVE) == len(statuses) - 2
    applications = AccreditationApplication.objects.all()
    assert applications.filter(status=ApplicationStatus.SUBMITTED).count() == 1
    rejected = applications.get(status=ApplicationStatus.REJECTED)
    assert rejected.decision_reasons
    assert all(a.documents.count() == 1 for a in applications)
    enterprise = demo_city[-1]
    assert not applications.filter(organization=enterprise).exists()
    evaluation = Accreditation.objects.filter(kind="evaluation")
    assert {licence.organization.kind for licence in evaluation} == {
        K.EVALUATION_BODY,
        K.SOCIAL_EVALUATION_ORG,
    }
    # Names missing from this small classification are reported, not invented.
    assert "育婴员" in out.getvalue()
    assert set(Accreditation.objects.values_list("occupation__name", flat=True)) <= {
        "电工",
        "焊工",
        "中式烹调师",
        "养老护理员",
    }


def test_demo_runs_twice_without_changes(demo_city):
    build_demo(stdout=io.StringIO())
    counts = (AccreditationApplication.objects.count(), Accreditation.objects.count())
    build_demo(stdout=io.StringIO())
    assert (AccreditationApplication.objects.count(), Accreditation.objects.count()) == counts


def test_demo_without_organisations_does_nothing(occupations, levels):
    out = io.StringIO()
    build_demo(stdout=out)
    assert "skipped" in out.getvalue()
    assert AccreditationApplication.objects.count() == 0
