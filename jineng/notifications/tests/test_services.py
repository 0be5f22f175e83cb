"""notify(), the recipient helpers, text messages and marking read, through the services."""

from __future__ import annotations

import pytest
from django.utils import translation

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.core.errors import NotFound
from jineng.core.models import SmsOutboxMessage
from jineng.notifications import queries, services
from jineng.notifications.choices import NotificationKind
from jineng.notifications.models import Notification

from .helpers import PHONE, confirm_phone, note

pytestmark = pytest.mark.django_db


def test_notify_writes_one_row_per_active_recipient(staff_a, staff_b, bureau_admin):
    staff_b.is_active = False
    staff_b.save()
    rows = services.notify(
        [staff_a, staff_a, staff_b],
        NotificationKind.CLASS_RETURNED,
        params={"code": "C00001"},
        target="/training/classes/1/",
    )
    assert [n.recipient for n in rows] == [staff_a]
    stored = Notification.objects.get()
    assert (stored.recipient, stored.kind, stored.params, stored.target, stored.read_at) == (
        staff_a,
        "class_returned",
        {"code": "C00001"},
        "/training/classes/1/",
        None,
    )


def test_text_is_written_when_read_in_the_readers_language(staff_a):
    [row] = services.notify([staff_a], NotificationKind.CLASS_APPROVED, params={"code": "C7"})
    with translation.override("en"):
        assert row.title == "Class C7 was approved"
        assert "training class C7" in row.body
    with translation.override("zh-hans"):
        assert "C7" in row.title
    # No sentence is stored: only the kind and its parameters.
    assert Notification.objects.filter(params={"code": "C7"}).count() == 1


def test_a_missing_parameter_shows_as_a_dash(staff_a):
    [row] = services.notify([staff_a], NotificationKind.CLASS_APPROVED)
    with translation.override("en"):
        assert row.title == "Class — was approved"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "training/"])
def test_a_target_off_the_site_is_refused(staff_a, target):
    with pytest.raises(ValueError, match="not a local path"):
        services.notify([staff_a], NotificationKind.CLASS_APPROVED, target=target)
    assert not Notification.objects.exists()


def test_parameters_are_codes_and_counts_only(staff_a):
    with pytest.raises(TypeError):
        services.notify([staff_a], NotificationKind.CLASS_APPROVED, params={"x": ["a"]})  # type: ignore[dict-item]


def test_text_message_goes_after_commit_to_a_confirmed_phone(
    worker, django_capture_on_commit_callbacks
):
    confirm_phone(worker)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify(
            [worker], NotificationKind.ENROLMENT_PROMOTED, params={"code": "C9"}, sms=True
        )
        assert not SmsOutboxMessage.objects.exists()  # nothing before the commit
    assert len(callbacks) == 1
    message = SmsOutboxMessage.objects.get()
    assert (message.purpose, message.user_id) == ("notification.enrolment_promoted", worker.pk)
    assert "C9" in message.text
    assert PHONE not in message.text
    assert message.phone_masked != PHONE


def test_no_text_message_without_a_confirmed_phone(worker, django_capture_on_commit_callbacks):
    confirm_phone(worker)
    worker.phone_confirmed_at = None
    worker.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify([worker], NotificationKind.ENROLMENT_PROMOTED, sms=True)
    assert callbacks == []
    assert not SmsOutboxMessage.objects.exists()
    assert Notification.objects.filter(recipient=worker).count() == 1


def test_no_text_message_unless_asked(worker, django_capture_on_commit_callbacks):
    confirm_phone(worker)
    with django_capture_on_commit_callbacks(execute=True):
        services.notify([worker], NotificationKind.CLASS_APPROVED)
    assert not SmsOutboxMessage.objects.exists()


def test_organization_staff_are_the_active_staff_of_that_organisation(staff_a, staff_b, school_a):
    evaluator = make_user("evaluator_n", Role.EVALUATOR, organization=school_a)
    gone = make_user("gone_n", Role.INSTITUTION_STAFF, organization=school_a, is_active=False)
    assert list(services.organization_staff(school_a.pk)) == [staff_a, evaluator]
    assert gone not in services.organization_staff(school_a.pk)
    assert list(services.organization_staff(None)) == []


def test_users_with_a_capability(bureau_admin, reviewer, auditor, staff_a):
    assert services.users_with("approve_classes") == [bureau_admin]
    assert set(services.users_with("view_attendance")) == {bureau_admin, reviewer, auditor, staff_a}


def test_mark_read_is_the_owners_alone(staff_a, staff_b):
    own, other = note(staff_a), note(staff_b)
    read = services.mark_read(own.pk, actor=staff_a)
    assert read.read_at is not None
    with pytest.raises(NotFound) as foreign:
        services.mark_read(other.pk, actor=staff_a)
    with pytest.raises(NotFound) as missing:
        services.mark_read(other.pk + 1000, actor=staff_a)
    assert str(foreign.value.detail) == str(missing.value.detail)
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_read_twice_keeps_the_first_time(staff_a):
    own = note(staff_a)
    first = services.mark_read(own.pk, actor=staff_a).read_at
    assert services.mark_read(own.pk, actor=staff_a).read_at == first


def test_mark_all_read_marks_only_the_actors(staff_a, staff_b):
    note(staff_a), note(staff_a), note(staff_a, read=True), note(staff_b)
    assert services.mark_all_read(actor=staff_a) == 2
    assert queries.unread_count(staff_a) == 0
    assert queries.unread_count(staff_b) == 1


def test_inbox_lists_unread_first_then_newest(staff_a, staff_b):
    old_unread = note(staff_a, "A")
    read = note(staff_a, "B", read=True)
    new_unread = note(staff_a, "C")
    note(staff_b, "D")
    assert list(queries.inbox(staff_a)) == [new_unread, old_unread, read]
