import datetime

import pytest

from jineng.core.models import AuditEvent
from jineng.learning.errors import Malformed
from jineng.learning.models import Statement
from jineng.learning.queries import online_minutes, record_entries
from jineng.learning.tests.conftest import HOME, make_class, new_id, statement
from jineng.learning.validation import parse_duration
from jineng.people.queries import EVERYTHING
from jineng.records.queries import get_record

COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed"}
PROGRESSED = {"id": "http://adlnet.gov/expapi/verbs/progressed"}
ATTEMPTED = {"id": "http://adlnet.gov/expapi/verbs/attempted"}
CLASS_IRI = HOME + "/xapi/class"
LESSON = {
    "id": "http://mooc.example.com/lessons/safety",
    "definition": {"name": {"zh-CN": "安全用电", "en-US": "Electrical safety"}},
}


def learned(person_id, duration, *, verb=COMPLETED, code="L-2026-001", by_grouping=False, **extra):
    context = (
        {"contextActivities": {"grouping": [{"id": f"{CLASS_IRI}/{code}"}]}}
        if by_grouping
        else {"extensions": {CLASS_IRI: code}}
    )
    return statement(
        id=new_id(),
        actor={"objectType": "Agent", "account": {"homePage": HOME, "name": str(person_id)}},
        verb=verb,
        object=LESSON,
        result={"duration": duration, "completion": True},
        context=context,
        **{"timestamp": "2026-03-02T10:00:00+08:00", **extra},
    )


@pytest.fixture(autouse=True)
def registered(request):
    """The classes these tests report for, of school A, for which the platform is registered."""
    if "lrs" not in request.fixturenames:
        return
    platform, school_a = request.getfixturevalue("platform"), request.getfixturevalue("school_a")
    occupations = request.getfixturevalue("occupations")
    for code in ("L-2026-001", "OTHER"):
        make_class(school_a, code, occupations)
    platform.institutions.add(school_a)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT45M", 2700),
        ("PT1H30M", 5400),
        ("PT0.5S", 0.5),
        ("P1D", 86400),
        ("P1DT1H", 90000),
        ("P1W", 604800),
        ("PT90M", 5400),
        ("PT1M30.25S", 90.25),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "45M", "PT45", "P1H", "PT-5M", "1:30:00", 90])
def test_parse_duration_refuses_malformed(text):
    with pytest.raises(Malformed):
        parse_duration(text)


def test_minutes_are_linked_to_person_and_class(lrs, person):
    ids = lrs.post(
        "statements",
        [
            learned(person.pk, "PT30M"),
            learned(person.pk, "PT15M30S", verb=PROGRESSED, by_grouping=True),
            learned(person.pk, "PT2H", verb=ATTEMPTED),
            learned(person.pk, "PT1H", code="OTHER"),
        ],
    ).json()
    assert len(ids) == 4
    row = Statement.objects.get(statement_id=ids[1])
    assert (row.person_id, row.class_code) == (person.pk, "L-2026-001")
    assert online_minutes(person.pk, "L-2026-001") == 45
    assert online_minutes(person.pk, "OTHER") == 60
    assert online_minutes(person.pk, "NONE") == 0


def test_claimed_totals_and_unknown_people_do_not_count(lrs, person):
    claim = learned(person.pk, "PT10M")
    claim["result"]["extensions"] = {"http://mooc.example.com/total-minutes": 900}
    stranger = learned(987654, "PT3H")
    foreign = learned(person.pk, "PT3H")
    foreign["actor"]["account"]["homePage"] = "https://elsewhere.example.com"
    lrs.post("statements", [claim, stranger, foreign])
    assert online_minutes(person.pk, "L-2026-001") == 10
    assert Statement.objects.filter(person__isnull=False).count() == 1


def test_resent_statement_counts_once(lrs, person):
    data = learned(person.pk, "PT20M")
    lrs.post("statements", data)
    assert lrs.post("statements", data).status_code == 200
    assert lrs.put("statements", data, {"statementId": data["id"]}).status_code == 204
    assert online_minutes(person.pk, "L-2026-001") == 20


def test_voided_statements_do_not_count_and_voiding_is_audited(lrs, person):
    keep, drop = learned(person.pk, "PT20M"), learned(person.pk, "PT40M")
    lrs.post("statements", [keep, drop])
    assert online_minutes(person.pk, "L-2026-001") == 60
    voiding = statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
        object={"objectType": "StatementRef", "id": drop["id"]},
    )
    assert lrs.post("statements", voiding).status_code == 200
    assert online_minutes(person.pk, "L-2026-001") == 20
    event = AuditEvent.objects.get(action="learning.statement.voided")
    assert (event.object_id, event.person_id) == (drop["id"], person.pk)


def test_record_entries_group_minutes_per_day_and_activity(lrs, person):
    lrs.post(
        "statements",
        [
            learned(person.pk, "PT30M"),
            learned(person.pk, "PT15M", verb=PROGRESSED),
            learned(person.pk, "PT20M", timestamp="2026-03-03T09:00:00+08:00"),
        ],
    )
    entries = record_entries(person, EVERYTHING)
    assert [(e.day, e.details["minutes"]) for e in entries] == [
        (datetime.date(2026, 3, 2), 45),
        (datetime.date(2026, 3, 3), 20),
    ]
    assert entries[0].kind == "learning.online"
    assert "45" in entries[0].title
    assert "安全用电" in entries[0].title
    assert entries[0].details["class_code"] == "L-2026-001"
    record = get_record(person, EVERYTHING)
    assert sum(1 for e in record.entries if e.kind == "learning.online") == 2


def test_statement_links_to_existing_training_class(lrs, person, staff_a, occupations, levels):
    helpers = pytest.importorskip("jineng.training.tests.helpers")
    training_class = helpers.draft_class(staff_a, helpers.programme(staff_a, subsidised=False))
    lrs.post(
        "statements",
        [
            learned(person.pk, "PT10M", code=training_class.code),
            learned(person.pk, "PT5M", code="NOCLASS"),
        ],
    )
    linked = Statement.objects.filter(class_code=training_class.code).get()
    assert linked.training_class_id == training_class.pk
    assert Statement.objects.get(class_code="NOCLASS").training_class_id is None
