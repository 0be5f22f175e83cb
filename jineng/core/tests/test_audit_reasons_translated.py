"""Why the trail does not verify is said in the language of whoever reads it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import trans_real

from jineng.core import audit
from jineng.core.models import AuditEvent

AUDIT = "/accounts/audit/"
EDITED = "hash does not match its contents: the row was edited"
EDITED_ZH = "哈希值与事件内容不符：这条记录被改过"


@pytest.fixture
def chinese_reason() -> Iterator[None]:
    """The Chinese catalog with the reason in it, as the compiled catalog has it."""
    catalog = trans_real.translation("zh-hans")._catalog
    before = catalog.get(EDITED)
    catalog[EDITED] = EDITED_ZH
    yield
    catalog[EDITED] = before if before is not None else EDITED


def _edited_trail() -> AuditEvent:
    events = []
    for i in range(3):
        with transaction.atomic():
            events.append(
                audit.record(None, "core.test.written", object_type="t", object_id=str(i))
            )
    AuditEvent.objects.filter(pk=events[1].pk).update(data={"forged": True})
    return events[1]


@pytest.mark.django_db
def test_a_break_is_translated_when_read_not_when_found(chinese_reason):
    edited = _edited_trail()
    broken = audit.verify()
    assert broken.event_id == edited.pk
    with translation.override("zh-hans"):
        assert str(broken.reason) == EDITED_ZH
    with translation.override("en"):
        assert str(broken.reason) == EDITED


@pytest.mark.django_db
def test_the_audit_trail_page_says_why_in_chinese(client, auditor, chinese_reason):
    edited = _edited_trail()
    client.force_login(auditor)

    chinese = client.post(AUDIT, {"verify": "1"}).content.decode()
    english = client.post(AUDIT, {"verify": "1"}, headers={"Accept-Language": "en"})

    assert f"#{edited.pk}" in chinese
    assert EDITED_ZH in chinese
    assert EDITED not in chinese
    assert EDITED in english.content.decode()
