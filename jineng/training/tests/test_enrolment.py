"""Enrolment: eligibility explained, duplicates, waitlist, withdrawal, transfer, bulk, scope."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from openpyxl import Workbook

from conftest import ID_A, ID_B
from jineng.core.errors import NotFound, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.people.choices import AffiliationKind
from jineng.people.models import Affiliation
from jineng.training import services
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment

from .helpers import START, approved_class, at, enrol, member, person, programme

pytestmark = pytest.mark.django_db

ID_C = "220581200003010013"
ID_OLD = "220581195003010028"
ID_BEIJING = "110101199001010015"
ID_D = "220581199202020032"


@pytest.fixture
def open_class(staff_a, bureau_admin, catalog_entry, accredited):
    return approved_class(staff_a, bureau_admin, programme(staff_a), capacity=2)


@pytest.fixture
def unemployed(bureau_admin, target_groups):
    def make(id_number, name="李四"):
        p = person(bureau_admin, id_number, name=name)
        member(bureau_admin, p, target_groups["unemployed"])
        return p

    return make


def test_staff_enrols_an_eligible_person(staff_a, open_class, unemployed, school_a):
    p = unemployed(ID_B)
    e = enrol(open_class.pk, p, actor=staff_a)
    assert (e.status, e.waitlist_position) == (EnrolmentStatus.ENROLLED, None)
    event = AuditEvent.objects.get(action="training.enrolment.created")
    assert event.person_id == p.pk
    assert event.data["class"] == open_class.code
    affiliation = Affiliation.objects.get(person=p, organization=school_a)
    assert affiliation.kind == AffiliationKind.TRAINEE


def test_worker_enrols_themself(worker, person, open_class, bureau_admin, target_groups):
    member(bureau_admin, person, target_groups["migrant_worker"])
    e = enrol(open_class.pk, person, actor=worker)
    assert e.person == person
    assert e.status == EnrolmentStatus.ENROLLED


def test_worker_cannot_enrol_someone_else(worker, open_class, unemployed):
    other = unemployed(ID_B)
    # Someone else is outside a worker's scope: answered exactly like a missing person.
    with pytest.raises(NotFound, match="No such person"):
        enrol(open_class.pk, other, actor=worker)
    assert not Enrolment.objects.exists()


def test_ineligible_person_gets_every_reason(staff_a, bureau_admin, open_class):
    # Registered by the school itself, so its staff may be told why.
    p = person(staff_a, ID_OLD, name="老王")
    with pytest.raises(services.NotEligible) as caught:
        enrol(open_class.pk, p, actor=staff_a)
    assert caught.value.extra["reasons"] == [
        f"On {START} you are not recognised in any of these groups: 农民工、失业人员.",
        "The class is for people aged 60 or less when it starts.",
    ]
    assert not Enrolment.objects.exists()
    assert list(Affiliation.objects.filter(person=p).values_list("basis", flat=True)) == [
        "registered"
    ]


def test_membership_must_be_current_at_class_start(
    staff_a, bureau_admin, open_class, target_groups
):
    p = person(staff_a, ID_B)
    member(
        bureau_admin,
        p,
        target_groups["unemployed"],
        valid_until=START - datetime.timedelta(days=1),
    )
    with pytest.raises(services.NotEligible, match="not recognised"):
        enrol(open_class.pk, p, actor=staff_a)


def test_resident_elsewhere_is_not_eligible(staff_a, bureau_admin, open_class, target_groups):
    from jineng.regions.models import Region, RegionLevel

    county = Region.objects.create(code="110101", name="东城区", level=RegionLevel.COUNTY)
    Region.objects.create(
        code="110101001", name="东华门街道", level=RegionLevel.TOWN, parent=county
    )
    p = person(staff_a, ID_BEIJING, region="110101001")
    member(bureau_admin, p, target_groups["unemployed"])
    with pytest.raises(services.NotEligible) as caught:
        enrol(open_class.pk, p, actor=staff_a)
    assert caught.value.extra["reasons"] == [
        "Subsidised training is for residents of region 220581; you live in 东华门街道."
    ]


def test_unsubsidised_class_is_open_to_anyone(
    accredited, staff_a, bureau_admin, occupations, levels
):
    c = approved_class(staff_a, bureau_admin, programme(staff_a, subsidised=False))
    p = person(bureau_admin, ID_OLD)
    assert enrol(c.pk, p, actor=staff_a).status == EnrolmentStatus.ENROLLED


def test_duplicate_enrolment_is_a_conflict(staff_a, open_class, unemployed):
    p = unemployed(ID_B)
    enrol(open_class.pk, p, actor=staff_a)
    with pytest.raises(services.AlreadyEnrolled) as caught:
        enrol(open_class.pk, p, actor=staff_a)
    assert caught.value.status == 409
    assert Enrolment.objects.count() == 1


def test_draft_class_takes_no_enrolment(staff_a, catalog_entry, accredited, unemployed):
    from .helpers import draft_class

    c = draft_class(staff_a, programme(staff_a))
    p = unemployed(ID_B)
    with pytest.raises(ValidationFailed, match="does not take enrolments"):
        enrol(c.pk, p, actor=staff_a)


def test_full_class_waitlists_and_withdrawal_promotes_first(staff_a, open_class, unemployed):
    people = [unemployed(i) for i in (ID_A, ID_B, ID_C, ID_D)]
    made = [enrol(open_class.pk, p, actor=staff_a) for p in people]
    assert [(e.status, e.waitlist_position) for e in made] == [
        ("enrolled", None),
        ("enrolled", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    services.withdraw(made[0].pk, actor=staff_a, reason="工作冲突")
    statuses = dict(Enrolment.objects.values_list("pk", "status"))
    assert statuses == {
        made[0].pk: "withdrawn",
        made[1].pk: "enrolled",
        made[2].pk: "enrolled",
        made[3].pk: "waitlisted",
    }
    assert AuditEvent.objects.filter(action="training.enrolment.promoted").get().data["status"] == (
        "enrolled"
    )
    # Withdrawing from the waitlist frees no seat and promotes nobody.
    services.withdraw(made[3].pk, actor=staff_a)
    assert AuditEvent.objects.filter(action="training.enrolment.promoted").count() == 1


def test_worker_withdraws_only_their_own(worker, person, staff_a, open_class, unemployed):
    other = enrol(open_class.pk, unemployed(ID_B), actor=staff_a)
    with pytest.raises(NotFound):
        services.withdraw(other.pk, actor=worker)
    assert Enrolment.objects.get(pk=other.pk).status == EnrolmentStatus.ENROLLED


def test_transfer_moves_the_seat_and_promotes_the_waitlist(
    staff_a, bureau_admin, open_class, unemployed
):
    target = approved_class(staff_a, bureau_admin, open_class.programme, capacity=5)
    a, b, c = (unemployed(i) for i in (ID_A, ID_B, ID_C))
    first = enrol(open_class.pk, a, actor=staff_a)
    enrol(open_class.pk, b, actor=staff_a)
    waiting = enrol(open_class.pk, c, actor=staff_a)
    placed = services.transfer(first.pk, target.pk, actor=staff_a)
    first.refresh_from_db()
    waiting.refresh_from_db()
    assert (first.status, first.transferred_to) == (EnrolmentStatus.TRANSFERRED, placed)
    assert (placed.training_class, placed.status) == (target, EnrolmentStatus.ENROLLED)
    assert waiting.status == EnrolmentStatus.ENROLLED
    assert AuditEvent.objects.get(action="training.enrolment.transferred").data["to"] == (
        target.code
    )


def test_transfer_to_another_institution_is_refused(
    accredited, accredited_b, staff_a, staff_b, bureau_admin, open_class, unemployed, occupations
):
    other = approved_class(staff_b, bureau_admin, programme(staff_b, subsidised=False))
    e = enrol(open_class.pk, unemployed(ID_B), actor=staff_a)
    with pytest.raises(NotFound):
        services.transfer(e.pk, other.pk, actor=staff_a)
    assert Enrolment.objects.get(pk=e.pk).status == EnrolmentStatus.ENROLLED
    assert not Enrolment.objects.filter(training_class=other).exists()


def test_staff_of_another_institution_cannot_enrol(staff_b, open_class, unemployed):
    with pytest.raises(NotFound):
        enrol(open_class.pk, unemployed(ID_B), actor=staff_b)
    assert not Enrolment.objects.exists()


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "roster.xlsx"
    return data


def test_bulk_enrolment_reports_row_errors(staff_a, bureau_admin, open_class, unemployed):
    unemployed(ID_A, name="甲")
    unemployed(ID_B, name="乙")
    person(staff_a, ID_OLD, name="丙")
    person(bureau_admin, ID_D, name="己")
    upload = _xlsx(
        [
            ["姓名", "身份证号"],
            ["甲", ID_A],
            ["乙", ID_B],
            ["丙", ID_OLD],
            ["丁", ID_C],
            ["戊", ID_A],
            ["甲", ID_A],
            ["己", ID_D],
        ]
    )
    result = services.enrol_bulk(open_class.pk, upload, actor=staff_a)
    assert (result.enrolled, result.waitlisted) == (2, 0)
    assert [(e.row, e.field) for e in result.errors] == [
        (4, "person"),
        (5, "id_number"),
        (6, "id_number"),
        (7, "person"),
        (8, "person"),
    ]
    # The school registered 丙, so it learns why; 己 was outside its scope, so it does not.
    assert "aged 60 or less" in result.errors[0].detail
    unknown = "No registered person has this citizen ID and name: check both against the ID card."
    assert result.errors[1].detail == result.errors[2].detail == unknown
    assert "already enrolled" in result.errors[3].detail
    assert result.errors[4].detail.startswith("This person does not meet the class's conditions.")
    assert Enrolment.objects.filter(training_class=open_class).count() == 2
    imported = AuditEvent.objects.get(action="training.enrolment.imported")
    assert imported.data["refused"] == 5


def test_bulk_enrolment_needs_the_name_column(staff_a, open_class, unemployed):
    unemployed(ID_A)
    upload = _xlsx([["身份证号"], [ID_A]])
    with pytest.raises(ValidationFailed, match="姓名") as caught:
        services.enrol_bulk(open_class.pk, upload, actor=staff_a)
    assert caught.value.field == "file"
    assert not Enrolment.objects.exists()


def test_running_class_still_takes_enrolments(staff_a, open_class, unemployed):
    with time_machine.travel(at(START, 8), tick=False):
        services.transition(open_class.pk, ClassStatus.RUNNING, actor=staff_a)
        assert enrol(open_class.pk, unemployed(ID_B), actor=staff_a).status == "enrolled"
