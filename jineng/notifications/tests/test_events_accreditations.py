"""An accreditation decision tells the applicant organisation's staff, and nobody else."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.accreditations import services
from jineng.accreditations.tests.helpers import apply, approval
from jineng.core.errors import NotFound
from jineng.notifications.models import Notification
from jineng.regions.models import Region

pytestmark = pytest.mark.django_db


def decisions():
    rows = Notification.objects.filter(kind__startswith="application_").order_by("pk")
    return [(n.recipient.username, n.kind, n.params) for n in rows]


@pytest.fixture
def application(staff_a, school_a, occupations, levels):
    make_user("evaluator_a", Role.EVALUATOR, organization=school_a)
    make_user("gone_a", Role.INSTITUTION_STAFF, organization=school_a, is_active=False)
    return apply(staff_a, occupations["electrician"], levels["level3"])


def test_approval_tells_the_applicants_staff(application, bureau_admin, staff_b, reviewer):
    today = timezone.localdate()
    services.approve_application(
        application.pk,
        approval(today, today + datetime.timedelta(days=365)),
        actor=bureau_admin,
    )
    number = {"number": application.pk}
    assert decisions() == [
        ("staff_a", "application_approved", number),
        ("evaluator_a", "application_approved", number),
    ]
    target = reverse("accreditations:application", kwargs={"application_id": application.pk})
    assert set(Notification.objects.values_list("target", flat=True)) == {target}


def test_rejection_tells_the_applicants_staff(application, bureau_admin, staff_b):
    services.reject_application(application.pk, reasons="材料不全", actor=bureau_admin)
    assert decisions() == [
        ("staff_a", "application_rejected", {"number": application.pk}),
        ("evaluator_a", "application_rejected", {"number": application.pk}),
    ]


def test_a_decision_out_of_scope_tells_nobody(application, school_a, city):
    school_a.region = Region.objects.get(code="220581001")
    school_a.save()
    elsewhere = make_user(
        "admin_elsewhere", Role.BUREAU_ADMIN, region=Region.objects.get(code="220581100")
    )
    with pytest.raises(NotFound):
        services.reject_application(application.pk, reasons="x", actor=elsewhere)
    assert decisions() == []
