"""A person enrolled by an institution hears of it (本人告知): inbox, or SMS to their record.

A place taken in someone's name without them is how subsidy fraud starts (FRAUD_RULES.md
R33): whoever staff enrol is told at once, by the class's code, programme and institution
only, never by their own name or ID number.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from jineng.core import pii
from jineng.core.models import SmsOutboxMessage
from jineng.notifications.choices import NotificationKind
from jineng.notifications.models import Notification
from jineng.people.services import PersonInput, register_person
from jineng.training import services
from jineng.training.choices import EnrolmentStatus

from .helpers import START, approved_class, enrol, member, programme

pytestmark = pytest.mark.django_db

ID_B = "220581199202020032"
ID_C = "220581200003010013"
RECORD_PHONE = "13812340002"


@pytest.fixture
def open_class(staff_a, bureau_admin, catalog_entry, accredited):
    return approved_class(staff_a, bureau_admin, programme(staff_a), capacity=1)


@pytest.fixture
def unemployed(bureau_admin, target_groups):
    def make(id_number, *, phone=""):
        p = register_person(
            PersonInput(id_number=id_number, name="李四", region_code="220581001001", phone=phone),
            actor=bureau_admin,
        )
        member(bureau_admin, p, target_groups["unemployed"])
        return p

    return make


def _told():
    return Notification.objects.filter(kind=NotificationKind.ENROLMENT_MADE)


def _outbox() -> list[tuple[str, str, str]]:
    return [
        (pii.decrypt(m.phone_encrypted), m.purpose, m.text)
        for m in SmsOutboxMessage.objects.filter(purpose="notification.enrolment_made").order_by(
            "pk"
        )
    ]


def test_a_person_without_an_account_gets_a_text_at_the_phone_on_record(
    staff_a, open_class, unemployed, school_a, django_capture_on_commit_callbacks
):
    someone = unemployed(ID_B, phone=RECORD_PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        enrol(open_class.pk, someone, actor=staff_a)
    [(phone, purpose, text)] = _outbox()
    assert (phone, purpose) == (RECORD_PHONE, "notification.enrolment_made")
    # Written in the site's language (a phone has no session to choose another): it names
    # the institution, the class, its programme and its first day.
    for part in (school_a.name, open_class.code, open_class.programme.name, START.isoformat()):
        assert part in text
    assert someone.name not in text
    assert someone.id_number not in text
    assert not _told().exists()


def test_a_person_with_an_account_reads_it_in_their_inbox(
    staff_a, open_class, person, worker, bureau_admin, target_groups, school_a
):
    member(bureau_admin, person, target_groups["unemployed"])
    enrol(open_class.pk, person, actor=staff_a)
    [note] = _told()
    assert (note.recipient, note.kind, note.target) == (
        worker,
        NotificationKind.ENROLMENT_MADE,
        "/training/mine/",
    )
    assert note.params == {
        "code": open_class.code,
        "name": open_class.programme.name,
        "organization": school_a.name,
        "day": START.isoformat(),
    }


def test_nobody_is_told_of_a_place_they_took_themself_or_a_waitlist_place(
    staff_a,
    open_class,
    person,
    worker,
    bureau_admin,
    target_groups,
    unemployed,
    django_capture_on_commit_callbacks,
):
    member(bureau_admin, person, target_groups["migrant_worker"])
    enrol(open_class.pk, person, actor=worker)
    waiting = unemployed(ID_C, phone=RECORD_PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        placed = enrol(open_class.pk, waiting, actor=staff_a)
    assert placed.status == EnrolmentStatus.WAITLISTED
    assert not _told().exists()
    assert _outbox() == []


def test_a_refused_enrolment_tells_nobody(
    staff_a, open_class, unemployed, django_capture_on_commit_callbacks
):
    first = unemployed(ID_B, phone=RECORD_PHONE)
    enrol(open_class.pk, first, actor=staff_a)
    SmsOutboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.AlreadyEnrolled):
        enrol(open_class.pk, first, actor=staff_a)
    assert _outbox() == []


def test_each_person_of_a_bulk_file_seated_is_told(
    staff_a, open_class, unemployed, django_capture_on_commit_callbacks
):
    seated = unemployed(ID_B, phone=RECORD_PHONE)
    unemployed(ID_C, phone="13812340003")
    book = Workbook()
    for row in (["姓名", "身份证号"], ["李四", ID_B], ["李四", ID_C]):
        book.active.append(row)
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "roster.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        result = services.enrol_bulk(open_class.pk, upload, actor=staff_a)
    # One seat: the second person is waitlisted and hears when a seat frees up.
    assert (result.enrolled, result.waitlisted) == (1, 1)
    assert [phone for phone, _purpose, _text in _outbox()] == [RECORD_PHONE]
    assert open_class.enrolments.get(status=EnrolmentStatus.ENROLLED).person == seated
