"""Enrolment cannot pull anyone into an institution's scope, nor describe who is outside it."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.utils import timezone, translation

from conftest import ID_B
from jineng.api.tests.helpers import api_client
from jineng.core.errors import NotFound
from jineng.core.models import AuditEvent
from jineng.people.access import get_person_for_user
from jineng.people.models import Affiliation
from jineng.training import services
from jineng.training.models import Enrolment

from .helpers import START, approved_class, at, enrol, member, person, programme, session

pytestmark = pytest.mark.django_db

CLASSES = "/api/v1/training/classes"
ID_OLD = "220581195003010028"
MISSING_PERSON = 999_999_999


@pytest.fixture(autouse=True)
def english(settings):
    """These tests match messages in their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def open_class(staff_a, bureau_admin, catalog_entry, accredited):
    return approved_class(staff_a, bureau_admin, programme(staff_a), capacity=5)


@pytest.fixture
def future_class(accredited, staff_a, bureau_admin, occupations, levels):
    """An unsubsidised class that starts in a month."""
    start = timezone.localdate() + datetime.timedelta(days=30)
    return approved_class(
        staff_a,
        bureau_admin,
        programme(staff_a, subsidised=False),
        start=start,
        sessions=[session(start, 8, 12)],
    )


@pytest.fixture
def outsider(bureau_admin):
    """Someone the bureau registered: in no institution's scope."""
    return person(bureau_admin, ID_B, name="王五")


def _post(user, class_id, body, client=None):
    client = client or api_client(user)
    return client.post(f"{CLASSES}/{class_id}/enrolments", body)


def test_staff_cannot_enrol_an_outsider_by_id(staff_a, open_class, outsider):
    client = api_client(staff_a)
    before = AuditEvent.objects.count()
    hidden = _post(staff_a, open_class.pk, {"person_id": outsider.pk}, client)
    missing = _post(staff_a, open_class.pk, {"person_id": MISSING_PERSON}, client)
    assert (hidden.status_code, hidden.json()) == (missing.status_code, missing.json())
    assert hidden.status_code == 404
    assert "王五" not in hidden.content.decode()
    assert not Enrolment.objects.exists()
    assert not Affiliation.objects.filter(person=outsider).exists()
    assert AuditEvent.objects.count() == before


def test_wrong_name_answers_exactly_like_an_unknown_id(staff_a, open_class, outsider):
    wrong_name = _post(staff_a, open_class.pk, {"id_number": ID_B, "name": "李四"})
    unknown_id = _post(staff_a, open_class.pk, {"id_number": ID_OLD, "name": "李四"})
    assert wrong_name.status_code == unknown_id.status_code == 404
    assert wrong_name.json() == unknown_id.json()
    assert wrong_name.json()["field"] == "id_number"
    assert not Affiliation.objects.filter(person=outsider).exists()


def test_refusal_never_describes_an_outsider(staff_a, school_a, open_class, outsider):
    with pytest.raises(NotFound):
        get_person_for_user(staff_a, outsider.pk)
    member_of = _post(staff_a, open_class.pk, {"id_number": ID_B, "name": "王五"})
    # The subsidised class is for target groups the outsider is not in: the school is told
    # only that the conditions are not met, not which (that would describe the person).
    assert member_of.status_code == 400
    assert member_of.json()["reasons"] == [
        "This person does not meet the class's conditions. They can see why when they look "
        "for the class themself."
    ]
    assert "王五" not in member_of.content.decode()
    assert "not recognised" not in member_of.content.decode()
    assert not Affiliation.objects.filter(person=outsider).exists()


def test_enrolment_by_id_card_ties_the_trainee(staff_a, school_a, future_class, outsider):
    response = _post(staff_a, future_class.pk, {"id_number": ID_B, "name": " 王五 "})
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "王五"
    tie = Affiliation.objects.get(person=outsider)
    assert (tie.organization, tie.kind, tie.basis, tie.ended_on) == (
        school_a,
        "trainee",
        "enrolled",
        None,
    )
    created = AuditEvent.objects.get(action="people.affiliation.created")
    assert (created.person_id, created.data["basis"]) == (outsider.pk, "enrolled")
    assert get_person_for_user(staff_a, outsider.pk) == outsider


def test_withdrawal_before_the_start_ends_the_tie(staff_a, future_class, outsider, today):
    enrolment = services.enrol_by_id_card(future_class.pk, ID_B, "王五", actor=staff_a)
    services.withdraw(enrolment.pk, actor=staff_a)
    tie = Affiliation.objects.get(person=outsider)
    assert tie.ended_on == today
    ended = AuditEvent.objects.get(action="people.affiliation.ended")
    assert (ended.person_id, ended.object_id) == (outsider.pk, str(tie.pk))
    with pytest.raises(NotFound):
        get_person_for_user(staff_a, outsider.pk)
    # Enrolling again the same day takes the tie up again rather than failing on it.
    again = services.enrol_by_id_card(future_class.pk, ID_B, "王五", actor=staff_a)
    assert again.status == "enrolled"
    assert Affiliation.objects.get(person=outsider).ended_on is None


def test_withdrawal_after_the_start_keeps_the_tie(staff_a, open_class, bureau_admin, outsider):
    member(bureau_admin, outsider, open_class.catalog_entry.target_groups.first())
    enrolment = services.enrol_by_id_card(open_class.pk, ID_B, "王五", actor=staff_a)
    with time_machine.travel(at(START, 8), tick=False):
        assert open_class.starts_on <= timezone.localdate()
        services.withdraw(enrolment.pk, actor=staff_a)
    assert Affiliation.objects.get(person=outsider).ended_on is None
    assert get_person_for_user(staff_a, outsider.pk) == outsider


def test_withdrawal_keeps_a_tie_the_school_made_by_registering(staff_a, future_class):
    registered = person(staff_a, ID_B, name="王五")
    enrolment = enrol(future_class.pk, registered, actor=staff_a)
    services.withdraw(enrolment.pk, actor=staff_a)
    assert list(Affiliation.objects.values_list("basis", "ended_on")) == [("registered", None)]
    assert get_person_for_user(staff_a, registered.pk) == registered


def test_worker_withdrawing_early_ends_the_tie_too(worker, person, staff_a, future_class):
    services.enrol(future_class.pk, person.pk, actor=worker)
    assert get_person_for_user(staff_a, person.pk) == person
    services.withdraw(Enrolment.objects.get().pk, actor=worker)
    with pytest.raises(NotFound):
        get_person_for_user(staff_a, person.pk)


def test_body_must_name_someone_one_way(staff_a, open_class):
    nobody = _post(staff_a, open_class.pk, {})
    both = _post(staff_a, open_class.pk, {"person_id": 1, "id_number": ID_B, "name": "王五"})
    half = _post(staff_a, open_class.pk, {"id_number": ID_B})
    assert [r.status_code for r in (nobody, both, half)] == [400, 400, 400]
    assert [r.json()["field"] for r in (nobody, both, half)] == ["person_id", "person_id", "name"]


def test_console_enrolment_needs_the_name_and_never_shows_another(
    client, staff_a, future_class, outsider
):
    client.force_login(staff_a)
    url = f"/training/classes/{future_class.pk}/enrol/"
    page = client.post(url, {"id_number": ID_B, "name": "李四"}, follow=True)
    text = page.content.decode()
    assert "王五" not in text
    assert "No registered person has this citizen ID and name" in text
    assert not Enrolment.objects.exists()
    page = client.post(url, {"id_number": ID_B, "name": "王五"}, follow=True)
    assert "王五: Enrolled." in page.content.decode()
    assert Enrolment.objects.get().person == outsider


def _card_file(rows):
    body = "身份证号,姓名\n" + "".join(f"{i},{n}\n" for i, n in rows)
    upload = io.BytesIO(body.encode())
    upload.name = "cards.csv"
    return upload


# Well-formed IDs (the check character holds) that nobody here holds.
CANDIDATES = [
    "220581199001010014",
    "220581199001010022",
    "220581199001010030",
    "220581199001010049",
]


def test_guessing_ids_in_a_file_stops_at_the_allowance_of_misses(
    settings, staff_a, future_class, outsider
):
    """The insider's attack: every ID the mask leaves, with the name, in one file."""
    settings.JINENG_IDENTITY_MISSES_PER_HOUR = 3
    rows = [(c, "王五") for c in CANDIDATES] + [(ID_B, "王五")]
    result = services.enrol_bulk(future_class.pk, _card_file(rows), actor=staff_a)
    assert result.enrolled == 0
    details = [e.detail for e in result.errors]
    assert (
        details[:3]
        == ["No registered person has this citizen ID and name: check both against the ID card."]
        * 3
    )
    # Past the allowance nothing is checked, so the true card answers like the guesses.
    assert details[3] == details[4]
    assert details[4].startswith("Not checked")
    assert not Affiliation.objects.filter(person=outsider).exists()
    assert AuditEvent.objects.filter(action="people.person.identity_missed").count() == 3
    refused = _post(staff_a, future_class.pk, {"id_number": ID_B, "name": "王五"})
    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")


def test_guessing_names_for_an_id_uses_up_the_misses_too(settings, staff_a, future_class, outsider):
    settings.JINENG_IDENTITY_MISSES_PER_HOUR = 2
    client = api_client(staff_a)
    answers = [
        _post(staff_a, future_class.pk, {"id_number": ID_B, "name": n}, client).status_code
        for n in ("张伟", "李娜", "王五")
    ]
    assert answers == [404, 404, 429]
    assert not Enrolment.objects.exists()


def test_a_class_that_takes_no_enrolment_answers_alike_for_any_card(
    staff_a, school_a, bureau_admin, outsider, occupations, levels
):
    from .helpers import draft_class

    draft = draft_class(staff_a, programme(staff_a, subsidised=False))
    true_card = _post(staff_a, draft.pk, {"id_number": ID_B, "name": "王五"})
    guess = _post(staff_a, draft.pk, {"id_number": CANDIDATES[0], "name": "王五"})
    assert true_card.status_code == guess.status_code == 400
    assert true_card.json() == guess.json()
    assert not AuditEvent.objects.filter(action="people.person.identity_missed").exists()


def test_registering_with_a_wrong_name_uses_up_the_misses(settings, staff_a, outsider):
    settings.JINENG_IDENTITY_MISSES_PER_HOUR = 1
    client = api_client(staff_a)
    body = {"id_number": ID_B, "name": "李四", "region_code": "220581001001"}
    assert client.post("/api/v1/people", body).status_code == 409
    assert client.post("/api/v1/people", body).status_code == 429
    assert not Affiliation.objects.filter(person=outsider).exists()
