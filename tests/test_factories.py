"""The factories that go through a service leave the audit event the service writes (the
service also validates what the factory made up: ID and credit code check characters)."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc

from jineng.core.models import AuditEvent
from tests.factories import OrganizationFactory, PersonFactory, TrainingClassFactory

pytestmark = pytest.mark.django_db


def test_a_person_is_registered_with_its_audit_event(city, bureau_admin):
    people = PersonFactory.create_batch(2, actor=bureau_admin)
    assert list(
        AuditEvent.objects.filter(action="people.person.created")
        .order_by("pk")
        .values_list("object_id", flat=True)
    ) == [str(p.pk) for p in people]


def test_an_organisation_is_registered_with_its_audit_event(bureau_admin):
    school = OrganizationFactory(actor=bureau_admin)
    assert uscc.is_valid(school.credit_code)
    assert AuditEvent.objects.get(action="organizations.organization.created").object_id == str(
        school.pk
    )


def test_a_service_factory_refuses_to_run_without_an_actor():
    with pytest.raises(TypeError, match="needs actor="):
        PersonFactory()


def test_a_direct_class_is_running_on_one_day(school_a, bureau_admin):
    from jineng.occupations.models import Occupation, OccupationLevel

    electrician = Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION
    )
    c = TrainingClassFactory(programme__organization=school_a, programme__occupation=electrician)
    assert (c.status, c.starts_on, c.programme.required_hours) == ("running", c.ends_on, 6)
    assert not AuditEvent.objects.exists()
