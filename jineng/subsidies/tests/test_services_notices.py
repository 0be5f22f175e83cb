"""Every claim line and payment in a worker's name is told to them, by number and amount."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from jineng.core import pii
from jineng.core.models import SmsOutboxMessage
from jineng.people.models import Person
from jineng.subsidies import notices, services
from jineng.subsidies.tests.conftest import (
    PAYEE,
    Crew,
    StubAmounts,
    enrol,
    finished_class,
    new_person,
    to_approved,
    worker_of,
)
from jineng.training.choices import EnrolmentStatus

pytestmark = pytest.mark.django_db

PHONE = "13812340001"
RECORD_PHONE = "13812340002"


def _confirm_phone(person: Person, phone: str) -> None:
    user = worker_of(person.pk)
    user.phone_encrypted = pii.encrypt(phone)
    user.phone_hash = pii.blind_index(phone)
    user.phone_confirmed_at = timezone.now()
    user.save()


def _record_phone(person: Person, phone: str) -> None:
    Person.objects.filter(pk=person.pk).update(
        phone_encrypted=pii.encrypt(phone), phone_hash=pii.blind_index(phone)
    )


def test_lines_and_payment_are_told_to_each_worker(
    school_a: Any,
    city: Any,
    rule_set: Any,
    budget: Any,
    crew: Crew,
    stub_amounts: StubAmounts,
    django_capture_on_commit_callbacks: Any,
) -> None:
    training_class = finished_class(school_a, code="C-N")
    with_account = new_person(city)
    without_account = new_person(city, account=False)
    for person in (with_account, without_account):
        enrol(training_class, person, EnrolmentStatus.COMPLETED)
    _confirm_phone(with_account, PHONE)
    _record_phone(without_account, RECORD_PHONE)

    with django_capture_on_commit_callbacks(execute=True):
        claim = services.submit_class_claim(training_class.pk, actor=crew.submitter)
    told = list(SmsOutboxMessage.objects.order_by("pk"))
    assert [pii.decrypt(m.phone_encrypted) for m in told] == [PHONE, RECORD_PHONE]
    assert all(claim.number in m.text and "1,500.00" in m.text for m in told)
    assert all(m.purpose == f"notification.{notices.LINE_CLAIMED}" for m in told)
    assert not any(p.name in m.text for m in told for p in (with_account, without_account))

    # The worker without an account cannot confirm: a reviewer checks with them instead.
    line = claim.lines.get(person=without_account)
    services.confirm_line(claim.lines.get(person=with_account).pk, actor=worker_of(with_account.pk))
    from jineng.subsidies.choices import Confirmation

    claim.lines.filter(pk=line.pk).update(confirmation=Confirmation.CONFIRMED)
    to_approved(claim, crew)
    SmsOutboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.pay([claim.pk], batch_reference="B-N", payees={claim.pk: PAYEE}, actor=crew.payer)
    paid = list(SmsOutboxMessage.objects.order_by("pk"))
    assert len(paid) == 2
    assert all(m.purpose == f"notification.{notices.CLAIM_PAID}" for m in paid)


def test_nothing_is_told_when_the_submission_rolls_back(
    school_a: Any,
    city: Any,
    rule_set: Any,
    crew: Crew,
    stub_amounts: StubAmounts,
    django_capture_on_commit_callbacks: Any,
    no_fraud_screens: list[Any],
) -> None:
    training_class = finished_class(school_a, code="C-R")
    person = new_person(city)
    enrol(training_class, person, EnrolmentStatus.COMPLETED)
    _confirm_phone(person, PHONE)

    def refuse(claim: Any, actor: Any) -> None:
        raise RuntimeError("screen refused")

    no_fraud_screens.append(refuse)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.submit_class_claim(training_class.pk, actor=crew.submitter)
    assert not SmsOutboxMessage.objects.exists()
