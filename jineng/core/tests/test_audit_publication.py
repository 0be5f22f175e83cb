"""Where the checkpoints are published: the public page and the worker's daily task; and the
upgrade that keeps the chains written before streams and keys verifying."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jineng.core import audit, checkpoints, tasks
from jineng.core.models import AuditEvent


@pytest.fixture(autouse=True)
def _english():
    """The reasons are translated when read: these tests read them in English."""
    with translation.override("en"):
        yield


PAGE = "/audit/checkpoints/"


def _write(actor, n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(actor, "core.test.written", object_type="t", object_id=str(i))


@pytest.mark.django_db
def test_anyone_can_read_the_checkpoints_of_the_whole_trail_and_the_public_key(
    client, staff_a, staff_b
):
    _write(staff_a, 2)
    _write(staff_b, 3)
    school_a, school_b, whole = checkpoints.write_checkpoints()
    response = client.get(PAGE, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Audit trail checkpoints</h1>" in html
    assert checkpoints.public_key_text() in html
    assert checkpoints.public_key_fingerprint() in html
    assert '<dd class="mono">the whole trail (*)</dd>' in html
    assert f"<dd>{whole.count}</dd>" in html
    assert f'<dd class="mono">{whole.head}</dd>' in html
    assert f'<dd class="mono">{whole.signature}</dd>' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    # No organisation's part of the trail, its count of events or its head.
    assert [school_a.stream, school_b.stream] == [
        f"org-{staff_a.organization_id}",
        f"org-{staff_b.organization_id}",
    ]
    assert "org-" not in html
    assert "<dd>2</dd>" not in html
    assert "<dd>3</dd>" not in html
    for checkpoint in (school_a, school_b):
        assert checkpoint.head not in html
        assert checkpoint.signature not in html


@pytest.mark.django_db
def test_staff_of_a_school_see_only_the_whole_trail_and_auditors_see_every_part(
    client, staff_a, auditor
):
    _write(staff_a, 2)
    school_a, whole = checkpoints.write_checkpoints()
    client.force_login(staff_a)
    html = client.get(PAGE, headers={"Accept-Language": "en"}).content.decode()
    assert (whole.head in html, school_a.head in html, "org-" in html) == (True, False, False)

    client.force_login(auditor)
    html = client.get(PAGE, headers={"Accept-Language": "en"}).content.decode()
    assert f'<dd class="mono">{school_a.stream}</dd>' in html
    assert f'<dd class="mono">{school_a.head}</dd>' in html
    assert whole.head in html


@pytest.mark.django_db
def test_the_page_speaks_chinese_by_default_and_says_when_nothing_is_published(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert (
        client.get(PAGE, headers={"Accept-Language": "en"})
        .content.decode()
        .count("No checkpoint has been published yet.")
        == 1
    )


@pytest.mark.django_db
def test_the_page_marks_a_tampered_line(client, staff_a):
    _write(staff_a, 1)
    checkpoints.write_checkpoints()
    (path,) = checkpoints.log_files()
    first, whole = path.read_text(encoding="utf-8").splitlines()
    fields = json.loads(whole)
    fields["head"] = "0" * 64
    path.write_text(first + "\n" + json.dumps(fields) + "\n", encoding="utf-8")
    html = client.get(PAGE, headers={"Accept-Language": "en"}).content.decode()
    assert (
        f"{path.name} line 2 does not verify: it was changed after it was signed, or was never "
        "signed with this key."
    ) in html
    assert "0" * 64 not in html


@pytest.mark.django_db
def test_the_page_refuses_writes(client):
    assert client.post(PAGE).status_code == 405


@pytest.mark.django_db
def test_the_daily_checkpoint_is_queued_once_for_after_midnight(queued_tasks, staff_a):
    assert tasks.schedule_next() is True
    assert tasks.schedule_next() is False
    (queued,) = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert queued.task_path == tasks.write_daily_checkpoint.module_path
    local_run = timezone.localtime(queued.run_after)
    assert local_run.date() == timezone.localdate() + datetime.timedelta(days=1)
    assert (local_run.hour, local_run.minute) == (0, 10)


@pytest.mark.django_db
def test_the_daily_task_writes_the_checkpoints(staff_a):
    _write(staff_a, 3)
    result = tasks.write_daily_checkpoint.enqueue()
    assert result.return_value == 2
    line, whole = checkpoints.read_log()
    assert whole.checkpoint is not None
    assert (whole.checkpoint.stream, whole.checkpoint.count) == (checkpoints.ALL_STREAMS, 3)
    assert line.checkpoint is not None
    assert (line.checkpoint.stream, line.checkpoint.count) == (
        f"org-{staff_a.organization_id}",
        3,
    )


@pytest.mark.django_db
def test_the_checkpoint_command_writes_and_says_where(staff_a, capsys):
    from django.core.management import call_command

    _write(staff_a, 2)
    call_command("audit", "checkpoint")
    out = capsys.readouterr().out
    (path,) = checkpoints.log_files()
    assert f"org-{staff_a.organization_id}: 2 events, head " in out
    assert f"2 checkpoints written to {path}." in out


def _legacy_hash(event) -> str:
    return hashlib.sha256(
        json.dumps(
            audit._legacy_canonical(event),
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()


@pytest.fixture
def latest_schema_after():
    """Migrate back to the latest schema once the test is done: it unapplies core's later
    migrations (and what depends on them), and the tests after it expect every table."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_chain_written_before_the_upgrade_keeps_verifying_after_it(latest_schema_after):
    before, after = [("core", "0003_audit_actor_action_index")], [("core", "0004_audit_streams")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    OldEvent = executor.loader.project_state(before).apps.get_model("core", "AuditEvent")
    prev = audit.GENESIS
    for i in range(3):
        event = OldEvent(
            created_at=timezone.now(),
            actor_label="system",
            action="core.test.written",
            object_type="t",
            object_id=str(i),
            data={"i": i},
            request_id="",
            prev_hash=prev,
        )
        event.hash = prev = _legacy_hash(event)
        event.save()
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    rows = list(AuditEvent.objects.order_by("id").values_list("stream", "seq", "algorithm"))
    assert rows == [("legacy", 1, "sha256"), ("legacy", 2, "sha256"), ("legacy", 3, "sha256")]
    assert audit.verify() is None
    with transaction.atomic():
        new = audit.record(None, "core.test.written", object_type="t", object_id="new")
    assert (new.stream, new.seq, new.prev_hash) == ("city", 1, audit.GENESIS)
    assert audit.verify() is None
    # The old rows can still be edited and re-hashed without a key: the first checkpoint
    # published after the upgrade is what anchors them.
    (legacy,) = [c for c in checkpoints.write_checkpoints() if c.stream == "legacy"]
    assert legacy.count == 3
    first = AuditEvent.objects.get(stream="legacy", seq=1)
    AuditEvent.objects.filter(pk=first.pk).update(data={"i": 99})
    prev = audit.GENESIS
    for event in AuditEvent.objects.filter(stream="legacy").order_by("seq"):
        event.prev_hash = prev
        event.hash = prev = _legacy_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
    assert audit.verify() is None
    (mismatch,) = checkpoints.mismatches()
    assert "checkpoint of stream legacy" in mismatch.reason
    assert "its head hash is not found" in mismatch.reason


@pytest.mark.django_db
def test_a_new_event_claiming_the_old_algorithm_is_refused(staff_a):
    _write(staff_a, 2)
    first = AuditEvent.objects.get(seq=1)
    first.algorithm = audit.LEGACY_ALGORITHM
    first.hash = _legacy_hash(first)
    AuditEvent.objects.filter(pk=first.pk).update(algorithm=first.algorithm, hash=first.hash)
    broken = audit.verify()
    assert broken is not None
    assert broken.event_id == first.pk
    assert broken.reason == (
        f"it claims hash algorithm sha256 in stream org-{staff_a.organization_id}: only events "
        "written before the upgrade use plain sha256, so the row was forged"
    )
