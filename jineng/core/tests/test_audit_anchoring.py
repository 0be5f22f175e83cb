"""The audit trail holds against someone with database access but without the keys.

Each attack below passed `jineng audit verify` before events were keyed and checkpoints
published: an event edited with every later hash recomputed, an event deleted and the chain
re-linked, the newest rows truncated, and (new with checkpoints) a published line edited.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from jineng.core import audit, checkpoints
from jineng.core.models import AuditEvent


@pytest.fixture(autouse=True)
def _english():
    """The reasons are translated when read: these tests read them in English."""
    with translation.override("en"):
        yield


Hasher = Callable[[AuditEvent], str]


def _write(actor: Any, n: int) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit.record(
                    actor, "core.test.written", object_type="t", object_id=str(i), data={"i": i}
                )
            )
    return events


def plain_sha256(event: AuditEvent) -> str:
    """What an attacker computes without the key: the hash the trail used to have."""
    return hashlib.sha256(audit._canonical(event)).hexdigest()


def wrong_key(event: AuditEvent) -> str:
    return hmac.new(b"a guessed key", audit._canonical(event), hashlib.sha256).hexdigest()


def stolen_key(event: AuditEvent) -> str:
    """The real HMAC: an insider who also holds the key (only the checkpoints catch them)."""
    return audit.compute_hash(event) or ""


def relink(stream: str, hasher: Hasher, *, start: int = 1) -> None:
    """Renumber a stream and recompute every link and hash from number `start` on, as an
    attacker would after editing or deleting that event."""
    prev = audit.GENESIS
    for seq, event in enumerate(AuditEvent.objects.filter(stream=stream).order_by("seq"), 1):
        if seq < start:
            prev = event.hash
            continue
        event.seq, event.prev_hash = seq, prev
        event.hash = hasher(event)
        AuditEvent.objects.filter(pk=event.pk).update(
            seq=event.seq, prev_hash=event.prev_hash, hash=event.hash
        )
        prev = event.hash


def verify_command(capsys: Any) -> tuple[int, str]:
    """Run `jineng audit verify`; return its exit code and what it wrote to stderr."""
    capsys.readouterr()
    try:
        call_command("audit", "verify")
    except SystemExit as exc:
        return int(exc.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


def log_lines() -> list[str]:
    (path,) = checkpoints.log_files()
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.django_db
def test_each_organisation_and_the_city_have_their_own_numbered_stream(staff_a, staff_b):
    a = _write(staff_a, 2)
    b = _write(staff_b, 1)
    city = _write(None, 1)
    assert [(e.stream, e.seq) for e in (*a, *b, *city)] == [
        (f"org-{staff_a.organization_id}", 1),
        (f"org-{staff_a.organization_id}", 2),
        (f"org-{staff_b.organization_id}", 1),
        ("city", 1),
    ]
    assert [e.prev_hash for e in (a[0], b[0], city[0])] == [audit.GENESIS] * 3
    assert a[1].prev_hash == a[0].hash
    assert a[0].algorithm == f"hmac-sha256:{audit.key_id(audit.settings.AUDIT_KEY)}"
    assert audit.verify() is None


@pytest.mark.django_db
def test_an_edit_with_later_hashes_recomputed_in_plain_sha256_is_found(staff_a, capsys):
    events = _write(staff_a, 4)
    AuditEvent.objects.filter(pk=events[1].pk).update(data={"i": 99})
    relink(events[0].stream, plain_sha256, start=2)
    broken = audit.verify()
    assert broken is not None
    assert (broken.event_id, broken.reason) == (
        events[1].pk,
        "hash does not match its contents: the row was edited",
    )
    code, err = verify_command(capsys)
    assert code == 1
    assert f"audit chain broken at event #{events[1].pk} (stream {events[1].stream})" in err


@pytest.mark.django_db
def test_an_edit_recomputed_as_an_old_plain_sha256_row_is_found(staff_a):
    events = _write(staff_a, 3)
    AuditEvent.objects.filter(stream=events[0].stream).update(algorithm="sha256")
    AuditEvent.objects.filter(pk=events[1].pk).update(data={"i": 99})
    relink(events[0].stream, lambda e: hashlib.sha256(audit._canonical(e)).hexdigest())
    broken = audit.verify()
    assert broken is not None
    assert broken.event_id == events[0].pk
    assert broken.reason.startswith(f"it claims hash algorithm sha256 in stream {events[0].stream}")


@pytest.mark.django_db
def test_an_edit_with_later_hashes_recomputed_with_a_wrong_key_is_found(staff_a):
    events = _write(staff_a, 4)
    AuditEvent.objects.filter(pk=events[2].pk).update(action="core.test.forged")
    relink(events[0].stream, wrong_key, start=3)
    broken = audit.verify()
    assert broken is not None
    assert broken.event_id == events[2].pk
    assert broken.reason == "hash does not match its contents: the row was edited"


@pytest.mark.django_db
def test_an_edit_recomputed_with_the_stolen_key_is_found_by_the_checkpoint(staff_a, capsys):
    events = _write(staff_a, 4)
    checkpoints.write_checkpoints()
    AuditEvent.objects.filter(pk=events[1].pk).update(data={"i": 99})
    relink(events[0].stream, stolen_key)
    assert audit.verify() is None  # the chain alone cannot tell
    code, err = verify_command(capsys)
    assert code == 1
    assert "line 1: checkpoint of stream" in err
    assert (
        f"its head hash is not found, event #{events[3].pk} of the stream has another hash, "
        "so events up to it were changed, deleted or re-linked"
    ) in err


@pytest.mark.django_db
def test_a_deleted_event_with_the_chain_relinked_is_found(staff_a, capsys):
    events = _write(staff_a, 4)
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    relink(events[0].stream, plain_sha256, start=2)
    broken = audit.verify()
    assert broken is not None
    assert broken.event_id == events[2].pk
    assert broken.reason == "hash does not match its contents: the row was edited"
    code, err = verify_command(capsys)
    assert (code, f"#{events[2].pk}" in err) == (1, True)


@pytest.mark.django_db
def test_a_deleted_event_left_unlinked_is_named(staff_a):
    events = _write(staff_a, 4)
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    broken = audit.verify()
    assert broken is not None
    assert broken.event_id == events[2].pk
    assert broken.reason == (
        f"it is number 3 of stream {events[0].stream} where 2 was expected: an event before "
        "it was deleted or inserted"
    )


@pytest.mark.django_db
def test_a_deleted_event_relinked_with_the_stolen_key_is_found_by_the_checkpoint(staff_a, capsys):
    events = _write(staff_a, 4)
    checkpoints.write_checkpoints()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    relink(events[0].stream, stolen_key)
    assert audit.verify() is None
    code, err = verify_command(capsys)
    assert code == 1
    assert "the stream now holds only 3 events, so its newest 1 were deleted" in err


@pytest.mark.django_db
def test_truncated_newest_rows_are_found_by_the_checkpoint(staff_a, capsys):
    events = _write(staff_a, 5)
    checkpoints.write_checkpoints()
    AuditEvent.objects.filter(pk__in=[events[3].pk, events[4].pk]).delete()
    assert audit.verify() is None  # what is left is a perfect chain
    code, err = verify_command(capsys)
    assert code == 1
    stream = events[0].stream
    assert f"checkpoint of stream {stream} at " in err
    assert "(5 events, head " in err
    assert "the stream now holds only 3 events, so its newest 2 were deleted" in err


@pytest.mark.django_db
def test_truncated_rows_written_over_again_are_found_by_the_checkpoint(staff_a, capsys):
    events = _write(staff_a, 4)
    checkpoints.write_checkpoints()
    AuditEvent.objects.filter(pk=events[3].pk).delete()
    (again,) = _write(staff_a, 1)
    assert again.seq == 4
    code, err = verify_command(capsys)
    assert code == 1
    assert f"its head hash is not found, event #{again.pk} of the stream has another hash" in err


@pytest.mark.django_db
def test_a_whole_stream_deleted_is_found_by_the_checkpoint(staff_a, capsys):
    _write(staff_a, 2)
    checkpoints.write_checkpoints()
    AuditEvent.objects.all().delete()
    code, err = verify_command(capsys)
    assert code == 1
    assert "the stream now holds only 0 events, so its newest 2 were deleted" in err


@pytest.mark.django_db
def test_a_tampered_checkpoint_line_fails_its_signature(staff_a, capsys):
    _write(staff_a, 3)
    checkpoints.write_checkpoints()
    (path,) = checkpoints.log_files()
    fields = json.loads(log_lines()[0])
    fields["count"] = 2  # hide the newest event from anyone checking against the log
    path.write_text(json.dumps(fields) + "\n", encoding="utf-8")
    code, err = verify_command(capsys)
    assert code == 1
    assert err.strip() == (
        f"{path.name} line 1: checkpoint refused: its signature does not verify: the line "
        "was changed after it was signed"
    )


@pytest.mark.django_db
def test_a_checkpoint_signed_with_another_key_is_refused(staff_a, settings, capsys):
    _write(staff_a, 1)
    settings.AUDIT_SIGNING_KEY = "A" * 43
    checkpoints.write_checkpoints()
    settings.AUDIT_SIGNING_KEY = "B" * 43
    code, err = verify_command(capsys)
    assert code == 1
    assert "checkpoint refused: it is signed with a key this city never published" in err
    settings.AUDIT_PREVIOUS_PUBLIC_KEYS = [json.loads(log_lines()[0])["key"]]
    assert verify_command(capsys) == (0, "")


@pytest.mark.django_db
def test_checkpoints_are_written_for_streams_that_moved(staff_a, staff_b, capsys):
    _write(staff_a, 2)
    _write(staff_b, 1)
    written = checkpoints.write_checkpoints()
    assert [(c.stream, c.count) for c in written] == [
        (f"org-{staff_a.organization_id}", 2),
        (f"org-{staff_b.organization_id}", 1),
        (checkpoints.ALL_STREAMS, 3),
    ]
    # Nothing moved: only the whole trail is signed again, to show publication goes on.
    assert [(c.stream, c.count) for c in checkpoints.write_checkpoints()] == [
        (checkpoints.ALL_STREAMS, 3)
    ]
    _write(staff_b, 1)
    assert [(c.stream, c.count) for c in checkpoints.write_checkpoints()] == [
        (f"org-{staff_b.organization_id}", 2),
        (checkpoints.ALL_STREAMS, 4),
    ]
    assert len(log_lines()) == 6
    assert all(line.checkpoint is not None for line in checkpoints.read_log())
    capsys.readouterr()
    call_command("audit", "verify")
    assert capsys.readouterr().out == (
        "4 events verified in 2 streams; the chain is intact and agrees with 6 published "
        "checkpoints.\n"
    )


@pytest.mark.django_db
def test_an_older_key_verifies_its_events_while_it_is_listed(staff_a, settings):
    (old,) = _write(staff_a, 1)
    old_key = settings.AUDIT_KEY
    settings.AUDIT_KEY = "a-new-key-" + "x" * 32
    settings.AUDIT_PREVIOUS_KEYS = [old_key]
    (new,) = _write(staff_a, 1)
    assert old.algorithm != new.algorithm
    assert audit.verify() is None
    settings.AUDIT_PREVIOUS_KEYS = []
    broken = audit.verify()
    assert broken is not None
    assert broken.event_id == old.pk
    assert broken.reason == (
        f"no known key for its hash algorithm {old.algorithm}: list the key in "
        "JINENG_AUDIT_PREVIOUS_KEYS, or the row was forged"
    )


@pytest.mark.django_db
def test_the_monthly_report_lists_the_months_checkpoints_and_the_key(staff_a, capsys):
    from django.utils import timezone

    _write(staff_a, 2)
    checkpoint, _whole = checkpoints.write_checkpoints()
    month = f"{timezone.localdate():%Y-%m}"
    capsys.readouterr()
    call_command("audit", "report", "--month", month)
    out = capsys.readouterr().out
    assert out.startswith(f"Audit trail report for {month}\n")
    assert f"  org-{staff_a.organization_id}: 2\n" in out
    assert f"  {checkpoint.line()}\n" in out
    assert f"Public key (Ed25519, raw, base64): {checkpoints.public_key_text()}" in out
    call_command("audit", "report", "--month", "2001-01")
    assert "Signed checkpoints of this month" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_monthly_report_refuses_a_month_it_cannot_read():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--month must look like 2026-12, not '12/2026'"):
        call_command("audit", "report", "--month", "12/2026")


def test_accounts_of_no_organisation_spread_over_the_city_streams(settings, django_user_model):
    settings.AUDIT_CITY_STREAMS = 4
    workers = [django_user_model(pk=pk, username=f"w{pk}") for pk in (8, 9, 13)]

    assert [audit.stream_for(w) for w in workers] == ["city-0", "city-1", "city-1"]
    assert audit.stream_for(None) == "city"
