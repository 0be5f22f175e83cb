"""A platform's minutes count only toward the classes it is registered for (institutions or
single classes); statements about other classes are stored, served over xAPI, not counted,
and say why."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent
from jineng.learning import queries, services
from jineng.learning.models import LearningPlatform, Statement
from jineng.learning.tests.conftest import HOME, make_class, new_id, statement
from jineng.people.queries import EVERYTHING
from jineng.training import queries as training_queries

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CLASS_IRI = HOME + "/xapi/class"
COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed"}
LESSON = {"id": "http://mooc.example.com/lessons/safety", "objectType": "Activity"}


@pytest.fixture
def english(settings):
    """These tests match messages in their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def learned(person_id, duration, code):
    return statement(
        id=new_id(),
        actor={"objectType": "Agent", "account": {"homePage": HOME, "name": str(person_id)}},
        verb=COMPLETED,
        object=LESSON,
        result={"duration": duration},
        context={"extensions": {CLASS_IRI: code}},
        timestamp="2026-03-02T10:00:00+08:00",
    )


@pytest.fixture
def classes(school_a, school_b, occupations):
    return {
        code: make_class(org, code, occupations)
        for code, org in (
            ("A-2026-001", school_a),
            ("B-2026-001", school_b),
            ("B-2026-002", school_b),
        )
    }


@pytest.fixture
def for_school_a(platform, school_a, bureau_admin):
    services.register_platform(
        platform.pk, services.Registrations(institutions=(school_a,)), actor=bureau_admin
    )
    return platform


def test_statement_about_another_institutions_class_is_stored_but_not_counted(
    lrs, for_school_a, person, classes
):
    about_b = learned(person.pk, "PT40M", "B-2026-001")
    about_a = learned(person.pk, "PT25M", "A-2026-001")
    assert lrs.post("statements", [about_b, about_a]).status_code == 200
    # Stored, and served back over xAPI as usual.
    stored = lrs.get("statements", {"statementId": about_b["id"]})
    assert stored.status_code == 200
    assert stored.json()["id"] == about_b["id"]
    assert Statement.objects.get(statement_id=about_b["id"]).class_code == "B-2026-001"
    # Counted only toward the class of the institution it is registered for.
    assert queries.online_minutes(person.pk, "B-2026-001") == 0
    assert queries.online_minutes(person.pk, "A-2026-001") == 25
    assert training_queries.online_minutes(person.pk, "B-2026-001") == 0


@pytest.mark.usefixtures("english")
def test_the_reason_is_shown_with_the_class(
    client, lrs, for_school_a, person, classes, staff_b, bureau_admin
):
    lrs.post("statements", [learned(person.pk, "PT40M", "B-2026-001")])
    rows = queries.uncounted_in_class(classes["B-2026-001"])
    assert rows == [
        queries.Uncounted(
            platform="在线学习平台",
            people=1,
            statements=1,
            minutes=40,
            reason="Not counted: platform 在线学习平台 is not registered for the classes of "
            "梅河口市乙职业培训学校.",
        )
    ]
    assert queries.uncounted_in_class(classes["B-2026-002"]) == []
    for viewer in (staff_b, bureau_admin):
        client.force_login(viewer)
        page = client.get(reverse("training:detail", args=[classes["B-2026-001"].pk]), **EN)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Online learning not counted" in html
        assert "is not registered for the classes of 梅河口市乙职业培训学校." in html


@pytest.mark.usefixtures("english")
def test_the_record_marks_uncounted_learning_with_the_reason(lrs, for_school_a, person, classes):
    lrs.post(
        "statements",
        [learned(person.pk, "PT40M", "B-2026-001"), learned(person.pk, "PT25M", "A-2026-001")],
    )
    entries = queries.record_entries(person, EVERYTHING)
    assert [(e.details["class_code"], e.details["is_counted"]) for e in entries] == [
        ("A-2026-001", True),
        ("B-2026-001", False),
    ]
    assert entries[1].title == (
        "Online learning: 40 minutes in http://mooc.example.com/lessons/safety "
        "(not counted: platform 在线学习平台 is not registered for class B-2026-001)"
    )


def test_registered_for_a_single_class(lrs, platform, person, classes, bureau_admin):
    services.register_platform(
        platform.pk, services.Registrations(class_codes=("B-2026-002",)), actor=bureau_admin
    )
    lrs.post(
        "statements",
        [learned(person.pk, "PT30M", "B-2026-002"), learned(person.pk, "PT50M", "B-2026-001")],
    )
    assert queries.online_minutes(person.pk, "B-2026-002") == 30
    assert queries.online_minutes(person.pk, "B-2026-001") == 0
    # Registered for both a class and its institution, a statement still counts once.
    services.register_platform(
        platform.pk,
        services.Registrations(
            institutions=(classes["B-2026-002"].programme.organization,),
            class_codes=("B-2026-002",),
        ),
        actor=bureau_admin,
    )
    assert queries.online_minutes(person.pk, "B-2026-002") == 30
    assert queries.online_minutes(person.pk, "B-2026-001") == 50


def test_unregistered_platform_counts_nowhere(lrs, person, classes):
    lrs.post("statements", [learned(person.pk, "PT30M", "A-2026-001")])
    assert queries.online_minutes(person.pk, "A-2026-001") == 0


def test_registering_is_audited_with_before_and_after(platform, school_a, classes, bureau_admin):
    services.register_platform(
        platform.pk,
        services.Registrations(institutions=(school_a,), class_codes=("B-2026-001",)),
        actor=bureau_admin,
    )
    event = AuditEvent.objects.get(action="learning.learningplatform.registered")
    assert event.actor == bureau_admin
    assert event.data == {
        "name": "在线学习平台",
        "before": {"institutions": [], "classes": []},
        "after": {"institutions": [school_a.credit_code], "classes": ["B-2026-001"]},
    }
    assert list(platform.institutions.all()) == [school_a]
    assert [c.code for c in platform.training_classes.all()] == ["B-2026-001"]


@pytest.mark.usefixtures("english")
def test_unknown_class_code_is_refused_and_nothing_changes(platform, school_a, bureau_admin):
    with pytest.raises(ValidationFailed) as error:
        services.register_platform(
            platform.pk,
            services.Registrations(institutions=(school_a,), class_codes=("X-1", "X-2")),
            actor=bureau_admin,
        )
    assert error.value.field == "class_codes"
    assert str(error.value.detail) == "No training class with the code X-1, X-2."
    assert not platform.institutions.exists()
    assert not AuditEvent.objects.filter(action="learning.learningplatform.registered").exists()


@pytest.mark.usefixtures("english")
def test_bureau_registers_a_platform_from_the_console(client, bureau_admin, school_a, classes):
    client.force_login(bureau_admin)
    response = client.post(
        reverse("learning_console:platforms"),
        {
            "name": "慕课平台",
            "institutions": [school_a.pk],
            "class_codes": "B-2026-001, B-2026-002",
        },
        **EN,
    )
    assert response.status_code == 302
    platform = LearningPlatform.objects.get(name="慕课平台")
    assert list(platform.institutions.all()) == [school_a]
    assert sorted(c.code for c in platform.training_classes.all()) == ["B-2026-001", "B-2026-002"]
    created = AuditEvent.objects.get(action="learning.learningplatform.created")
    assert created.data["institutions"] == [school_a.credit_code]
    page = client.get(reverse("learning_console:platforms"), **EN).content.decode()
    assert "classes of 梅河口市甲职业培训学校" in page
    edit = reverse("learning_console:platform_registrations", args=[platform.pk])
    assert client.get(edit).status_code == 200
    refused = client.post(edit, {"class_codes": "NOPE"}, **EN)
    assert refused.status_code == 400
    assert "No training class with the code NOPE." in refused.content.decode()
    assert client.post(edit, {"institutions": [], "class_codes": ""}).status_code == 302
    assert not platform.institutions.exists()
    assert not platform.training_classes.exists()


@pytest.mark.parametrize("who", ["staff_a", "reviewer", "worker"])
def test_only_the_bureau_edits_registrations(client, request, who, platform):
    client.force_login(request.getfixturevalue(who))
    url = reverse("learning_console:platform_registrations", args=[platform.pk])
    assert client.post(url, {"class_codes": ""}).status_code == 403


def test_migration_registers_existing_platforms_for_the_institutions_they_reported_on(
    lrs, platform, person, classes, school_b
):
    other = LearningPlatform.objects.create(name="另一平台")
    lrs.post(
        "statements",
        [
            learned(person.pk, "PT10M", "B-2026-001"),
            learned(person.pk, "PT10M", "B-2026-002"),
            learned(person.pk, "PT10M", "NOCLASS"),
        ],
    )
    assert queries.online_minutes(person.pk, "B-2026-001") == 0
    migration = importlib.import_module("jineng.learning.migrations.0004_platform_registrations")
    migration.register_existing_platforms(apps, None)
    assert list(platform.institutions.all()) == [school_b]
    assert not platform.training_classes.exists()
    assert not other.institutions.exists()
    assert queries.online_minutes(person.pk, "B-2026-001") == 10
