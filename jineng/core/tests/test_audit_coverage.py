"""What the published checkpoints must cover: the closed legacy stream, and every event
once it is older than the checkpoints' cadence (someone who can write the database, without
the keys, stops the daily checkpoint or removes the logs, then deletes events)."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone, translation

from jineng.core import audit, checkpoints
from jineng.core.models import AuditEvent


@pytest.fixture(autouse=True)
def _english():
    """The reasons are translated when read: these tests read them in English."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


def _write(actor: Any, n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(actor, "core.test.written", object_type="t", object_id=str(i))


def _forge_legacy(seq: int, prev: str) -> AuditEvent:
    """An unkeyed row as written before the trail was keyed: anyone can compute its hash."""
    event = AuditEvent(
        stream=checkpoints.LEGACY_STREAM,
        seq=seq,
        algorithm=audit.LEGACY_ALGORITHM,
        created_at=timezone.now(),
        actor_label="reviewer",
        action="training.class.approved",
        object_type="training.trainingclass",
        object_id="1",
        data={"forged": True},
        prev_hash=prev,
    )
    canonical = json.dumps(
        audit._legacy_canonical(event), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    event.hash = hashlib.sha256(canonical.encode()).hexdigest()
    event.save(force_insert=True)
    return event


def _reasons() -> list[str]:
    return [f"{m.where}: {m.reason}" for m in checkpoints.mismatches()]


def test_a_legacy_stream_invented_after_the_first_checkpoint_is_found(staff_a):
    _write(staff_a, 1)
    checkpoints.write_checkpoints()
    _forge_legacy(1, audit.GENESIS)

    assert audit.verify() is None  # each row alone is a valid unkeyed row
    assert _reasons() == [
        "stream legacy: it holds 1 unkeyed events that no checkpoint anchored: they appeared "
        "after the first checkpoint, so they were added since"
    ]
    # Later runs never anchor it either.
    checkpoints.write_checkpoints()
    assert len(_reasons()) == 1


def test_the_first_checkpoint_closes_the_legacy_stream_and_an_added_row_is_found(staff_a):
    first = _forge_legacy(1, audit.GENESIS)  # written before the upgrade
    assert _reasons() == [
        "stream legacy: it holds 1 unkeyed events that no checkpoint anchored: run "
        "`jineng audit checkpoint` once after the upgrade"
    ]
    checkpoints.write_checkpoints()
    assert _reasons() == []

    _forge_legacy(2, first.hash)

    assert audit.verify() is None
    assert _reasons() == [
        "stream legacy: it is closed at 1 events but now holds 2: unkeyed events were added to it"
    ]


def test_checkpoints_that_stopped_weeks_ago_are_reported(staff_a, staff_b):
    with time_machine.travel(START, tick=False):
        _write(staff_a, 3)
        checkpoints.write_checkpoints()
    with time_machine.travel(START + datetime.timedelta(days=20), tick=False):
        _write(staff_a, 5)
        _write(staff_b, 4)
        # Everything after the checkpoint is cut off, and staff_b's stream dropped whole.
        AuditEvent.objects.filter(stream=f"org-{staff_a.organization_id}", seq__gt=3).delete()
        AuditEvent.objects.filter(stream=f"org-{staff_b.organization_id}").delete()

        reasons = _reasons()

    assert reasons == [
        f"checkpoint logs: the newest checkpoint is from {START.isoformat()}, older than 50 "
        "hours: checkpoints stopped being published, so events deleted since could not be seen"
    ]


def test_removed_checkpoint_logs_are_reported_once_the_events_are_older_than_the_cadence(
    staff_a,
):
    with time_machine.travel(START, tick=False):
        _write(staff_a, 3)
        checkpoints.write_checkpoints()
    for path in checkpoints.log_files():
        path.unlink()
    AuditEvent.objects.filter(seq=3).delete()

    with time_machine.travel(START + datetime.timedelta(hours=49), tick=False):
        assert _reasons() == []
    with time_machine.travel(START + datetime.timedelta(hours=51), tick=False):
        assert _reasons() == [
            f"stream org-{staff_a.organization_id}: 2 events older than 50 hours are covered by "
            "no published checkpoint: the checkpoints stopped or were removed"
        ]


def test_a_daily_checkpoint_keeps_a_quiet_trail_verifying(staff_a):
    with time_machine.travel(START, tick=False):
        _write(staff_a, 2)
        checkpoints.write_checkpoints()
    for day in range(1, 5):
        with time_machine.travel(START + datetime.timedelta(days=day), tick=False):
            checkpoints.write_checkpoints()
            assert _reasons() == []


def test_the_public_page_verifies_only_the_lines_it_shows(staff_a, monkeypatch):
    for _ in range(30):
        _write(staff_a, 1)
        checkpoints.write_checkpoints()  # 60 lines: the stream's and the whole trail's
    checked = []
    real = checkpoints.signature_problem
    monkeypatch.setattr(checkpoints, "signature_problem", lambda c: checked.append(c) or real(c))

    shown = checkpoints.recent(limit=10)

    assert [line.number for line in shown] == list(range(60, 50, -1))
    assert len(checked) == 10
