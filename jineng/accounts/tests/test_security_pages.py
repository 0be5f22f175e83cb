import pytest
from django.db import transaction
from django.utils import translation

from jineng.accounts.models import SecurityPolicy
from jineng.core import audit
from jineng.core.models import AuditEvent

POLICY = "/accounts/security-policy/"
PASSWORD_PAGE = "/accounts/password/"
AUDIT = "/accounts/audit/"
OLD = "pw-Testing-123"


def test_bureau_sets_which_roles_require_a_second_factor(client, bureau_admin):
    client.force_login(bureau_admin)
    response = client.post(POLICY, {"reviewer": "on", "auditor": "on"})
    assert response.status_code == 302
    assert set(
        SecurityPolicy.objects.filter(requires_second_factor=True).values_list("role", flat=True)
    ) == {"reviewer", "auditor"}
    events = AuditEvent.objects.filter(action="accounts.securitypolicy.changed").order_by("id")
    assert [e.data for e in events] == [
        {"role": "auditor", "before": False, "after": True},
        {"role": "reviewer", "before": False, "after": True},
    ]
    assert all(e.actor_id == bureau_admin.pk for e in events)


def test_unchecking_a_role_turns_its_requirement_off(client, bureau_admin):
    SecurityPolicy.objects.create(role="reviewer", requires_second_factor=True)
    client.force_login(bureau_admin)
    client.post(POLICY, {})
    assert SecurityPolicy.objects.get(role="reviewer").requires_second_factor is False
    event = AuditEvent.objects.get(action="accounts.securitypolicy.changed")
    assert event.data == {"role": "reviewer", "before": True, "after": False}


def test_policy_page_shows_current_choices(client, bureau_admin):
    SecurityPolicy.objects.create(role="reviewer", requires_second_factor=True)
    client.force_login(bureau_admin)
    html = client.get(POLICY).content.decode()
    assert 'name="reviewer" id="id_reviewer" checked' in html
    assert 'name="auditor" id="id_auditor">' in html


@pytest.mark.parametrize("fixture", ["reviewer", "auditor", "staff_a", "worker"])
def test_policy_page_refused_without_manage_security(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(POLICY).status_code == 403
    assert client.post(POLICY, {"worker": "on"}).status_code == 403
    assert not SecurityPolicy.objects.exists()
    assert not AuditEvent.objects.filter(action="accounts.securitypolicy.changed").exists()


def test_password_change_applies_the_rules(client, staff_a):
    client.force_login(staff_a)
    response = client.post(
        PASSWORD_PAGE,
        {"old_password": OLD, "new_password1": "short1", "new_password2": "short1"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    staff_a.refresh_from_db()
    assert staff_a.check_password(OLD)
    assert not AuditEvent.objects.filter(action="accounts.user.password_changed").exists()


def test_password_change_needs_the_old_password(client, staff_a):
    client.force_login(staff_a)
    new = "a-Better-Passphrase-42"
    response = client.post(
        PASSWORD_PAGE, {"old_password": "wrong", "new_password1": new, "new_password2": new}
    )
    assert response.context["form"].errors["old_password"]
    staff_a.refresh_from_db()
    assert staff_a.check_password(OLD)


def test_password_change_saves_audits_and_keeps_the_session(client, staff_a):
    client.force_login(staff_a)
    new = "a-Better-Passphrase-42"
    response = client.post(
        PASSWORD_PAGE, {"old_password": OLD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    staff_a.refresh_from_db()
    assert staff_a.check_password(new)
    event = AuditEvent.objects.get(action="accounts.user.password_changed")
    assert (event.actor_id, event.data) == (staff_a.pk, {"user": "staff_a"})
    assert client.get("/accounts/security/").status_code == 200


def test_minimum_length_comes_from_settings(client, staff_a, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 20},
        }
    ]
    client.force_login(staff_a)
    new = "Only-Sixteen-ch1"
    response = client.post(
        PASSWORD_PAGE, {"old_password": OLD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    staff_a.refresh_from_db()
    assert staff_a.check_password(OLD)


def _event(action: str, person_id: int | None = None) -> AuditEvent:
    with transaction.atomic():
        return audit.record(
            None, action, object_type="t", object_id="1", person_id=person_id, data={}
        )


@pytest.mark.parametrize("fixture", ["bureau_admin", "reviewer", "auditor"])
def test_audit_trail_open_to_roles_with_view_audit(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    _event("core.test.written")
    response = client.get(AUDIT)
    assert response.status_code == 200
    assert "core.test.written" in response.content.decode()


@pytest.mark.parametrize("fixture", ["staff_a", "worker"])
def test_audit_trail_refused_to_other_roles(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(AUDIT).status_code == 403


def test_audit_trail_filters_by_action_and_person(client, auditor):
    _event("people.person.created", person_id=7)
    _event("people.person.pii_viewed", person_id=7)
    _event("people.person.pii_viewed", person_id=8)
    _event("records.sharelink.created", person_id=7)
    client.force_login(auditor)

    by_action = client.get(AUDIT, {"action": "people.person.pii_viewed"}).context["page"]
    by_prefix = client.get(AUDIT, {"action": "people."}).context["page"]
    by_person = client.get(AUDIT, {"person": "7"}).context["page"]
    both = client.get(AUDIT, {"action": "people.", "person": "8"}).context["page"]

    assert [(e.action, e.person_id) for e in by_action] == [
        ("people.person.pii_viewed", 8),
        ("people.person.pii_viewed", 7),
    ]
    assert by_prefix.paginator.count == 3
    assert [e.action for e in by_person] == [
        "records.sharelink.created",
        "people.person.pii_viewed",
        "people.person.created",
    ]
    assert [(e.action, e.person_id) for e in both] == [("people.person.pii_viewed", 8)]


def test_audit_trail_is_paginated_by_fifty(client, auditor):
    for _ in range(51):
        _event("core.test.written")
    client.force_login(auditor)
    first = client.get(AUDIT).context["page"]
    second = client.get(AUDIT, {"page": 2}).context["page"]
    assert (len(first), len(second), first.paginator.count) == (50, 1, 51)


def test_verify_button_reports_an_intact_chain(client, auditor):
    _event("core.test.written")
    client.force_login(auditor)
    response = client.post(AUDIT, {"verify": "1"})
    assert response.context["chain_checked"] is True
    assert response.context["chain_break"] is None


def test_verify_button_reports_the_first_broken_event(client, auditor):
    _event("core.test.written")
    edited = _event("core.test.written")
    _event("core.test.written")
    AuditEvent.objects.filter(pk=edited.pk).update(data={"forged": True})
    client.force_login(auditor)
    response = client.post(AUDIT, {"verify": "1"})
    assert response.context["chain_break"].event_id == edited.pk
    assert f"#{edited.pk}" in response.content.decode()


def test_verify_button_notices_events_deleted_after_a_checkpoint(client, auditor):
    from jineng.core import checkpoints

    _event("core.test.written")
    newest = _event("core.test.written")
    assert len(checkpoints.write_checkpoints()) == 2  # the stream's and the whole trail's
    AuditEvent.objects.filter(pk=newest.pk).delete()
    client.force_login(auditor)

    response = client.post(AUDIT, {"verify": "1"}, headers={"Accept-Language": "en"})

    assert response.context["chain_break"] is None
    stream, whole = response.context["checkpoint_problems"]
    # The reasons are translated when shown: read them in the page's language.
    with translation.override("en"):
        assert stream.where.endswith(".jsonl line 1")
        assert "only 1 events, so its newest 1 were deleted" in stream.reason
        assert whole.where.endswith(".jsonl line 2")
        assert "it held 2 events and now holds 1, so 1 were deleted" in whole.reason
        assert str(stream.where) in response.content.decode()


def test_verify_button_says_when_no_checkpoint_is_published(client, auditor):
    _event("core.test.written")
    client.force_login(auditor)

    response = client.post(AUDIT, {"verify": "1"})

    assert (response.context["checkpoint_problems"], response.context["published_checkpoints"]) == (
        [],
        0,
    )
    assert "jineng audit checkpoint" in response.content.decode()
