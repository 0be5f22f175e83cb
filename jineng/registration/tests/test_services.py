"""Self-registration and password reset through the services: outcomes, codes, limits, audit."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from conftest import ID_A, ID_B
from jineng.accounts.models import OneTimeCode, User
from jineng.accounts.roles import Role
from jineng.accounts.services import set_user_phone
from jineng.core.errors import RateLimited
from jineng.core.models import AuditEvent, SmsOutboxMessage
from jineng.people.models import Person
from jineng.registration import services
from jineng.registration.services import Outcome
from jineng.registration.tests.factories import PASSWORD, PHONE, last_code, pending

pytestmark = pytest.mark.django_db
ADDRESS = "203.0.113.9"


def register(data: services.PendingRegistration, code: str | None = None) -> services.Result:
    services.start_registration(data, address=ADDRESS)
    return services.complete_registration(data, code or last_code(), address=ADDRESS)


def test_new_id_registers_person_and_account(city: Any) -> None:
    result = register(pending(ID_B, "李四"))
    assert result.outcome is Outcome.CREATED
    user = User.objects.get(username="worker1")
    assert result.user == user
    assert (user.role, user.phone, user.has_confirmed_phone) == (Role.WORKER, PHONE, True)
    assert user.check_password(PASSWORD)
    person = Person.objects.get()
    assert (user.person, person.name, person.id_number, person.region.code) == (
        person,
        "李四",
        ID_B,
        "220581001",
    )
    created = AuditEvent.objects.get(action="people.person.created")
    assert (created.actor_id, created.person_id) == (user.pk, person.pk)
    assert created.data["source"] == "self_registration"
    registered = AuditEvent.objects.get(action="accounts.user.registered")
    assert (registered.actor_id, registered.data) == (
        user.pk,
        {"user": "worker1", "linked": False, "source": "self_registration"},
    )
    assert AuditEvent.objects.filter(action="accounts.user.phone_set", actor=user).exists()
    code = OneTimeCode.objects.get()
    assert code.used_at is not None
    assert code.user == user
    assert SmsOutboxMessage.objects.get().purpose == "register"


# The `person` fixture's phone on file.
PHONE_ON_FILE = "13812345678"


def test_registered_id_with_right_name_and_phone_on_file_is_linked(person: Person) -> None:
    result = register(pending(ID_A, "张三", username="zhangsan", phone=PHONE_ON_FILE))
    assert result.outcome is Outcome.LINKED
    assert User.objects.get(username="zhangsan").person == person
    assert Person.objects.count() == 1
    assert AuditEvent.objects.get(action="accounts.user.registered").data["linked"] is True
    assert not AuditEvent.objects.filter(action="people.person.created", actor=result.user)


def test_name_and_id_without_the_phone_on_file_do_not_link(person: Person) -> None:
    """An outsider who knows a registered person's name and ID, with their own phone."""
    result = register(pending(ID_A, "张三", username="outsider"))
    assert result == services.Result(Outcome.CONFIRM_IDENTITY)
    assert not User.objects.filter(username="outsider").exists()
    assert not User.objects.filter(person=person).exists()
    assert Person.objects.get() == person
    refused = AuditEvent.objects.get(action="registration.link.refused")
    assert (refused.actor_id, refused.person_id, refused.data) == (
        None,
        person.pk,
        {"where": "self_registration"},
    )
    assert OneTimeCode.objects.get().identity_missed is True
    # The phone on file hears of it, with no name, ID or number in the text.
    told = SmsOutboxMessage.objects.get(purpose="registration.link.refused")
    assert told.phone_masked == "138******78"
    assert [v for v in (ID_A, "张三", PHONE, PHONE_ON_FILE) if v in told.text] == []
    assert SmsOutboxMessage.objects.count() == 2


def test_no_phone_on_file_does_not_link_and_texts_nobody(person: Person) -> None:
    Person.objects.filter(pk=person.pk).update(phone_encrypted=None, phone_hash="")
    result = register(pending(ID_A, "张三", username="outsider"))
    assert result.outcome is Outcome.CONFIRM_IDENTITY
    assert not User.objects.filter(username="outsider").exists()
    assert list(SmsOutboxMessage.objects.values_list("purpose", flat=True)) == ["register"]


def test_an_identity_provider_links_without_the_phone_on_file(person: Person) -> None:
    from jineng.registration.identity_providers import VerifiedIdentity

    identity = VerifiedIdentity(provider="test", name="张三", id_number=ID_A, phone=PHONE)
    result = services.register_verified(
        identity, username="zhangsan", password_hash="x", region_code="220581001"
    )
    assert result.outcome is Outcome.LINKED
    assert User.objects.get(username="zhangsan").person == person


def test_registered_id_with_account_is_told_account_exists(worker: User) -> None:
    result = register(pending(ID_A, "张三"))
    assert result.outcome is Outcome.ACCOUNT_EXISTS
    assert not User.objects.filter(role=Role.WORKER).exclude(pk=worker.pk).exists()


@pytest.mark.parametrize("with_account", [False, True])
def test_wrong_name_answers_alike_with_or_without_account(
    person: Person, with_account: bool, request: pytest.FixtureRequest
) -> None:
    if with_account:
        request.getfixturevalue("worker")
    users = User.objects.count()
    result = register(pending(ID_A, "王五"))
    assert result == services.Result(Outcome.IDENTITY_MISMATCH)
    assert User.objects.count() == users
    assert Person.objects.get() == person
    missed = AuditEvent.objects.get(action="people.person.identity_missed")
    assert missed.data == {"where": "self_registration"}
    assert missed.actor_id is None
    assert OneTimeCode.objects.get().identity_missed is True


def test_refusals_per_phone_are_limited(person: Person, settings: Any) -> None:
    settings.JINENG_REGISTRATION_MISSES_PER_DAY = 2
    for _ in range(2):
        assert register(pending(ID_A, "王五")).outcome is Outcome.IDENTITY_MISMATCH
    with pytest.raises(RateLimited):
        services.start_registration(pending(ID_A, "张三"), address="198.51.100.1")
    # From another number, but the same network: refused as well.
    with pytest.raises(RateLimited):
        services.start_registration(pending(ID_A, "张三", phone="13700000000"), address=ADDRESS)


def test_wrong_codes_count_and_the_fifth_ends_the_code(city: Any) -> None:
    data = pending(ID_B, "李四")
    services.start_registration(data, address=ADDRESS)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        result = services.complete_registration(data, wrong, address=ADDRESS)
        assert result == services.Result(Outcome.WRONG_CODE, tries_left=left)
    assert services.complete_registration(data, wrong, address=ADDRESS).outcome is (
        Outcome.EXPIRED_CODE
    )
    assert services.complete_registration(data, code, address=ADDRESS).outcome is (
        Outcome.EXPIRED_CODE
    )
    assert OneTimeCode.objects.get().attempts == 5
    assert not User.objects.exists()


def test_code_expires_after_ten_minutes(city: Any) -> None:
    data = pending(ID_B, "李四")
    services.start_registration(data, address=ADDRESS)
    code = last_code()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10, seconds=1)):
        result = services.complete_registration(data, code, address=ADDRESS)
    assert result.outcome is Outcome.EXPIRED_CODE
    assert not User.objects.exists()


def test_new_code_replaces_the_old_and_a_code_serves_once(city: Any) -> None:
    data = pending(ID_B, "李四")
    services.start_registration(data, address=ADDRESS)
    first = last_code()
    services.start_registration(data, address=ADDRESS)
    second = last_code()
    if first != second:
        assert services.complete_registration(data, first, address=ADDRESS).outcome is (
            Outcome.WRONG_CODE
        )
    assert services.complete_registration(data, second, address=ADDRESS).outcome is (
        Outcome.CREATED
    )
    assert services.complete_registration(data, second, address=ADDRESS).outcome is (
        Outcome.EXPIRED_CODE
    )


def test_codes_are_stored_hashed(city: Any) -> None:
    services.start_registration(pending(ID_B, "李四"), address=ADDRESS)
    row = OneTimeCode.objects.values().get()
    assert last_code() not in repr(row)
    assert PHONE not in repr(row)
    assert ADDRESS not in repr(row)


def test_resends_are_limited_per_phone_and_per_address(city: Any, settings: Any) -> None:
    settings.JINENG_OTP_PER_PHONE_PER_HOUR = 2
    settings.JINENG_OTP_PER_ADDRESS_PER_HOUR = 3
    data = pending(ID_B, "李四")
    for _ in range(2):
        services.start_registration(data, address=ADDRESS)
    with pytest.raises(RateLimited):
        services.start_registration(data, address="198.51.100.1")
    services.start_registration(pending(ID_B, "李四", phone="13700000000"), address=ADDRESS)
    with pytest.raises(RateLimited):
        services.start_registration(pending(ID_B, "李四", phone="13600000000"), address=ADDRESS)
    assert SmsOutboxMessage.objects.count() == 3
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, seconds=1)):
        services.start_registration(data, address=ADDRESS)


def test_confirmed_phone_of_another_account_is_refused(city: Any) -> None:
    other = User.objects.create_user("other", password="x", role=Role.WORKER)
    set_user_phone(other, PHONE, actor=None, confirmed=True)
    assert register(pending(ID_B, "李四")).outcome is Outcome.PHONE_TAKEN
    assert not Person.objects.exists()


def _account_with_phone(phone: str = PHONE) -> User:
    user = User.objects.create_user("w1", password="Old-password-42", role=Role.WORKER)
    set_user_phone(user, phone, actor=None, confirmed=True)
    return user


def test_reset_by_confirmed_phone_sets_password_and_audits(db: Any) -> None:
    user = _account_with_phone()
    services.start_password_reset(PHONE, address=ADDRESS)
    message = SmsOutboxMessage.objects.get()
    assert (message.purpose, message.user_id) == ("reset", user.pk)
    result = services.reset_password(PHONE, last_code(), "New-password-Orchard-9", address=ADDRESS)
    assert result.outcome is Outcome.RESET
    user.refresh_from_db()
    assert user.check_password("New-password-Orchard-9")
    event = AuditEvent.objects.get(action="accounts.user.password_reset")
    assert (event.actor_id, event.object_id) == (user.pk, str(user.pk))


def test_reset_for_unknown_or_unconfirmed_phone_sends_nothing_and_answers_alike(db: Any) -> None:
    user = User.objects.create_user("w1", password="Old-password-42", role=Role.WORKER)
    set_user_phone(user, "13700000000", actor=None, confirmed=False)
    for phone in (PHONE, "13700000000"):
        services.start_password_reset(phone, address=ADDRESS)
        result = services.reset_password(phone, "123456", "New-password-Orchard-9", address=ADDRESS)
        assert result == services.Result(Outcome.WRONG_CODE, tries_left=4)
    assert not SmsOutboxMessage.objects.exists()
    assert OneTimeCode.objects.count() == 2
    user.refresh_from_db()
    assert user.check_password("Old-password-42")


def test_reset_codes_are_limited_like_any_other(db: Any, settings: Any) -> None:
    settings.JINENG_OTP_PER_PHONE_PER_HOUR = 1
    services.start_password_reset(PHONE, address=ADDRESS)
    with pytest.raises(RateLimited):
        services.start_password_reset(PHONE, address=ADDRESS)


def test_register_code_does_not_reset_a_password(city: Any) -> None:
    _account_with_phone()
    services.start_registration(pending(ID_B, "李四"), address=ADDRESS)
    result = services.reset_password(PHONE, last_code(), "New-password-Orchard-9", address=ADDRESS)
    assert result.outcome is Outcome.EXPIRED_CODE
