"""factory-boy factories of the common objects, for test fixtures.

Two kinds, and each docstring says which:

- ``OrganizationFactory`` and ``PersonFactory`` go through the app's service, so the object
  comes with its audit event as in production; they take the ``actor`` who registers it.
- ``UserFactory``, ``VenueFactory``, ``ProgrammeFactory``, ``TrainingClassFactory`` and
  ``ClassSessionFactory`` write rows directly, with no service, no audit event and no check
  (a class made so never went through approval): fixtures for tests about something else.
  A test about making the object itself uses the service (jineng/training/tests/helpers.py).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory
from stdnum.cn import uscc

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person
from jineng.training.choices import ClassStatus
from jineng.training.models import ClassSession, Programme, TrainingClass, Venue

# Weights of the organisation code's check character (GB 11714), part of the credit code.
_ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_CITIZEN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def credit_code(n: int, *, prefix: str = "52", region_code: str = "220581") -> str:
    """A valid unified social credit code (GB 32100), distinct for each n."""
    body = f"{n + 10_000_000:08d}"[-8:]
    check = 11 - sum(int(c) * w for c, w in zip(body, _ORGANISATION_CODE_WEIGHTS, strict=True)) % 11
    code = prefix + region_code + body + {10: "X", 11: "0"}.get(check, str(check))
    return code + uscc.calc_check_digit(code)


def citizen_id(n: int, *, region_code: str = "220581") -> str:
    """A valid citizen ID of the region, born from 1970 (the training helpers' start in 1980),
    distinct for each n below 3,285,000."""
    born = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 900)
    body = f"{region_code}{born:%Y%m%d}{n % 900 + 100:03d}"
    weighted = sum(int(d) * w for d, w in zip(body, _CITIZEN_ID_WEIGHTS, strict=True))
    return body + "10X98765432"[weighted % 11]


class _ThroughService(DjangoModelFactory):
    """A factory whose objects are made by a service called with ``actor=``."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        actor = kwargs.pop("actor", None)
        if actor is None:
            raise TypeError(f"{cls.__name__} needs actor=, who registers the object.")
        return cls._register(actor=actor, **kwargs)

    @classmethod
    def _register(cls, *, actor: Any, **fields: Any) -> Any:
        raise NotImplementedError


class OrganizationFactory(_ThroughService):
    """A private training school, registered by ``actor`` through the organisations service."""

    class Meta:
        model = Organization

    credit_code = factory.Sequence(credit_code)
    name = factory.Sequence(lambda n: f"梅河口市第{n + 1}职业培训学校")
    kind = OrganizationKind.PRIVATE_TRAINING
    region_code = ""

    @classmethod
    def _register(cls, *, actor: Any, **fields: Any) -> Organization:
        from jineng.organizations.services import OrganizationInput, register_organization

        return register_organization(OrganizationInput(**fields), actor=actor)


class PersonFactory(_ThroughService):
    """A worker of 新华社区, registered by ``actor`` through the people service (needs the
    ``city`` fixture's regions)."""

    class Meta:
        model = Person

    id_number = factory.Sequence(citizen_id)
    name = factory.Sequence(lambda n: "学员" + chr(0x4E00 + n % 20_000))
    region_code = "220581001001"
    phone = ""

    @classmethod
    def _register(cls, *, actor: Any, **fields: Any) -> Person:
        from jineng.people.services import PersonInput, register_person

        return register_person(PersonInput(**fields), actor=actor)


class UserFactory(DjangoModelFactory):
    """An account with the tests' password (direct: accounts are fixtures, not the subject)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.WORKER

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> User:
        return User.objects.create_user(*args, password="pw-Testing-123", **kwargs)


class VenueFactory(DjangoModelFactory):
    """A room of 40 in the 梅河口市 city centre (direct, unaudited)."""

    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"{n + 1}号实训室")
    address = "新华街道"
    latitude = Decimal("42.530000")
    longitude = Decimal("125.710000")
    capacity = 40


class ProgrammeFactory(DjangoModelFactory):
    """A six-hour employment programme, two of theory (direct, unaudited). Give its
    ``organization`` and ``occupation``."""

    class Meta:
        model = Programme

    name = "电工培训"
    training_type = "employment"
    theory_hours = 2
    practice_hours = 4


class TrainingClassFactory(DjangoModelFactory):
    """A running one-day class of 30 (direct: never approved, unaudited). Give its
    ``programme``, or ``programme__organization`` and ``programme__occupation``."""

    class Meta:
        model = TrainingClass

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"F-{n + 1:04d}")
    capacity = 30
    status = ClassStatus.RUNNING
    starts_on = datetime.date(2026, 3, 2)
    ends_on = factory.SelfAttribute("starts_on")


class ClassSessionFactory(DjangoModelFactory):
    """A session of ``training_class`` from ``starts_at`` for two hours (direct, unaudited)."""

    class Meta:
        model = ClassSession

    ends_at = factory.LazyAttribute(lambda s: s.starts_at + datetime.timedelta(hours=2))
