"""The number layouts are data: every layout adds up, and a broken one is refused."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured

from jineng.certificates import numbers
from jineng.certificates.models import CertificateKind


def test_every_kind_has_a_layout_marked_unconfirmed() -> None:
    rules = numbers.rules()
    assert rules.confirmed is False
    assert set(rules.layouts) == set(CertificateKind.values)
    assert rules.layouts["skill_level"].length == 22
    assert rules.layouts["qualification"].length == 16


def test_skill_level_numbers_read_as_the_national_layout(db: object) -> None:
    from jineng.occupations.models import SkillLevel
    from jineng.organizations.models import Organization, OrganizationKind

    employer = Organization.objects.create(
        credit_code="91220581MA0000001A", name="某公司", kind=OrganizationKind.ENTERPRISE
    )
    level = SkillLevel(code="level2", rank=5, name="二级/技师")
    prefix = numbers.number_prefix("skill_level", employer, level, datetime.date(2026, 5, 1))
    number = numbers.format_number("skill_level", prefix, 42)
    assert len(number) == 22
    assert number[0] == "Y"
    assert number[5:7] == "22"
    assert number[7:13] == "220581"
    assert number[13:15] == "26"
    assert number[15] == "2"
    assert number[16:] == "000042"


def test_qualification_numbers_are_sixteen_digits(db: object) -> None:
    from jineng.organizations.models import Organization, OrganizationKind

    body = Organization.objects.create(
        credit_code="12220581MB0000001X", name="鉴定中心", kind=OrganizationKind.EVALUATION_BODY
    )
    prefix = numbers.number_prefix("qualification", body, None, datetime.date(2026, 5, 1))
    number = numbers.format_number("qualification", prefix, 7)
    assert len(number) == 16
    assert number.isdigit()


@pytest.mark.parametrize(
    "segments",
    [
        (numbers.Segment("year", 2), numbers.Segment("serial", 5)),
        (numbers.Segment("serial", 6), numbers.Segment("year", 2)),
        (numbers.Segment("colour", 2), numbers.Segment("serial", 6)),
        (numbers.Segment("literal", 2, "Z"), numbers.Segment("serial", 6)),
    ],
    ids=["short", "serial-not-last", "unknown-source", "literal-length"],
)
def test_a_broken_layout_is_refused(segments: tuple[numbers.Segment, ...]) -> None:
    with pytest.raises(ImproperlyConfigured):
        numbers.check_layout(numbers.Layout("x", "x", 8, segments))
