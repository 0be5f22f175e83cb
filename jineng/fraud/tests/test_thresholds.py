"""A rule's thresholds as the bureau types them: each of its default's kind, none missing,
none unknown, none below zero, and each refusal naming the field and why."""

from __future__ import annotations

import pytest
from django.utils import translation

from jineng.core.errors import ValidationFailed
from jineng.fraud.rules.base import RuleSpec
from jineng.fraud.thresholds import label, validate

SPEC = RuleSpec(
    code="T90",
    name="Test rule",
    action="flag",
    defaults={"max_people": 5, "share": 0.5, "strict": False, "region": "2205"},
    check=lambda params, window: iter(()),
    labels={"region": "Region code"},
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_values_typed_as_text_become_their_defaults_kind():
    assert validate(
        SPEC, {"max_people": " 7 ", "share": "0.25", "strict": "on", "region": " 220581 "}
    ) == {"max_people": 7, "share": 0.25, "strict": True, "region": "220581"}
    assert validate(SPEC, {"max_people": 3.0, "share": 1, "strict": "", "region": "x"}) == {
        "max_people": 3,
        "share": 1.0,
        "strict": False,
        "region": "x",
    }


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"max_people": "many"}, "max_people", "Give a whole number."),
        ({"share": "half"}, "share", "Give a number."),
        ({"max_people": True}, "max_people", "This value is not of the right kind."),
        ({"max_people": 2.5}, "max_people", "This value is not of the right kind."),
        ({"share": [1]}, "share", "This value is not of the right kind."),
        ({"strict": "maybe"}, "strict", "This value is not of the right kind."),
        ({"region": 5}, "region", "This value is not of the right kind."),
        ({"max_people": -1}, "max_people", "A threshold is zero or more."),
        ({"share": -0.1}, "share", "A threshold is zero or more."),
    ],
)
def test_a_wrong_value_is_refused_naming_its_field(given, field, message):
    values = {"max_people": 5, "share": 0.5, "strict": False, "region": "2205", **given}
    with pytest.raises(ValidationFailed) as refused:
        validate(SPEC, values)
    assert (refused.value.field, str(refused.value.detail)) == (field, message)


def test_unknown_and_missing_thresholds_are_named():
    with pytest.raises(ValidationFailed) as unknown:
        validate(SPEC, {"max_people": 5, "share": 0.5, "strict": False, "region": "", "x": 1})
    assert (unknown.value.field, str(unknown.value.detail)) == (
        "x",
        "The rule has no threshold named x.",
    )
    with pytest.raises(ValidationFailed) as missing:
        validate(SPEC, {"max_people": 5, "strict": False})
    assert (missing.value.field, str(missing.value.detail)) == (
        "region",
        "Give a value for: Region code, Share (0 to 1).",
    )


def test_labels_come_from_the_rule_then_the_common_words_then_the_key():
    assert label(SPEC, "region") == "Region code"
    assert label(SPEC, "max_people") == "Most people allowed to share it"
    assert label(SPEC, "strict") == "Strict"
