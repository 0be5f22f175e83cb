"""Class workflow and waitlist events tell exactly the accounts concerned."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import ID_B, make_user
from jineng.accounts.roles import Role
from jineng.core.models import SmsOutboxMessage
from jineng.notifications.models import Notification
from jineng.regions.models import Region
from jineng.training import services
from jineng.training.choices import ClassStatus
from jineng.training.tests.helpers import approved_class, draft_class, enrol, member, programme
from jineng.training.tests.helpers import person as register

from .helpers import PHONE, confirm_phone, inbox_of

pytestmark = pytest.mark.django_db

CLASS_KINDS = ("class_submitted", "class_approved", "class_returned")


def class_notes():
    """Class workflow notifications as (recipient username, kind, code)."""
    rows = Notification.objects.filter(kind__in=CLASS_KINDS).order_by("pk")
    return [(n.recipient.username, n.kind, n.params["code"]) for n in rows]


@pytest.fixture
def others(school_a, staff_b, reviewer, auditor, worker):
    """Accounts that hear of no class of school A: the town elsewhere, other roles."""
    elsewhere = Region.objects.get(code="220581100")
    return [
        make_user("admin_elsewhere", Role.BUREAU_ADMIN, region=elsewhere),
        staff_b,
        reviewer,
        auditor,
        worker,
    ]


def test_submitted_class_tells_the_bureau_approvers_in_its_scope(
    staff_a, bureau_admin, catalog_entry, accredited, others
):
    town_admin = make_user(
        "admin_town", Role.BUREAU_ADMIN, region=Region.objects.get(code="220581001")
    )
    c = draft_class(staff_a, programme(staff_a))
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    assert class_notes() == [
        ("admin_t", "class_submitted", c.code),
        ("admin_town", "class_submitted", c.code),
    ]
    note = Notification.objects.get(recipient=town_admin)
    assert note.target == reverse("training:detail", kwargs={"class_id": c.pk})
    assert note.params == {"code": c.code, "organization": staff_a.organization.name}


def test_approval_tells_the_institutions_staff(
    staff_a, bureau_admin, catalog_entry, accredited, others, school_a
):
    colleague = make_user("staff_a2", Role.INSTITUTION_STAFF, organization=school_a)
    c = approved_class(staff_a, bureau_admin, programme(staff_a))
    assert class_notes() == [
        ("admin_t", "class_submitted", c.code),
        ("staff_a", "class_approved", c.code),
        ("staff_a2", "class_approved", c.code),
    ]
    assert Notification.objects.get(recipient=colleague, kind="class_approved").target == (
        reverse("training:detail", kwargs={"class_id": c.pk})
    )


def test_return_tells_the_institutions_staff(staff_a, bureau_admin, catalog_entry, accredited):
    c = draft_class(staff_a, programme(staff_a))
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    services.transition(c.pk, ClassStatus.RETURNED, actor=bureau_admin, note="补充课表")
    assert class_notes() == [
        ("admin_t", "class_submitted", c.code),
        ("staff_a", "class_returned", c.code),
    ]
    # The note may name people: it stays on the class page, never in the notification.
    assert "补充课表" not in str(Notification.objects.values_list("params", flat=True))


def test_a_refused_move_tells_nobody(staff_a, bureau_admin, catalog_entry, accredited):
    c = draft_class(staff_a, programme(staff_a))
    services.transition(c.pk, ClassStatus.SUBMITTED, actor=staff_a)
    with pytest.raises(Exception, match="Say why"):
        services.transition(c.pk, ClassStatus.RETURNED, actor=bureau_admin, note="")
    assert [k for _u, k, _c in class_notes()] == ["class_submitted"]


def test_an_institution_approving_its_own_class_tells_nobody(staff_a, accredited):
    approved_class(staff_a, None, programme(staff_a, subsidised=False))
    assert class_notes() == []


@pytest.fixture
def full_class(staff_a, bureau_admin, catalog_entry, accredited, target_groups):
    c = approved_class(staff_a, bureau_admin, programme(staff_a), capacity=1)
    seated = register(bureau_admin, ID_B, name="王五")
    member(bureau_admin, seated, target_groups["unemployed"])
    return c, enrol(c.pk, seated, actor=staff_a)


def test_waitlist_promotion_tells_the_worker_by_inbox_and_text(
    full_class,
    worker,
    person,
    staff_a,
    bureau_admin,
    target_groups,
    django_capture_on_commit_callbacks,
):
    c, seated = full_class
    confirm_phone(worker)
    member(bureau_admin, person, target_groups["unemployed"])
    waiting = enrol(c.pk, person, actor=worker)
    assert waiting.status == "waitlisted"
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(seated.pk, actor=staff_a)
    assert inbox_of(worker) == [("enrolment_promoted", {"code": c.code, "name": c.programme.name})]
    assert Notification.objects.get(recipient=worker).target == reverse("training:mine")
    assert Notification.objects.filter(kind="enrolment_promoted").count() == 1
    message = SmsOutboxMessage.objects.get()
    assert (message.user_id, message.purpose) == (worker.pk, "notification.enrolment_promoted")
    assert c.code in message.text
    assert person.name not in message.text
    assert PHONE not in message.text


def test_promotion_of_a_person_without_an_account_tells_nobody(
    full_class, staff_a, bureau_admin, target_groups, django_capture_on_commit_callbacks
):
    c, seated = full_class
    someone = register(bureau_admin, "220581199503080020", name="赵六")
    member(bureau_admin, someone, target_groups["unemployed"])
    enrol(c.pk, someone, actor=staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(seated.pk, actor=staff_a)
    assert not Notification.objects.filter(kind="enrolment_promoted").exists()
    assert not SmsOutboxMessage.objects.exists()
