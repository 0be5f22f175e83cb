import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from jineng.core import audit
from jineng.core.models import AuditEvent


@pytest.fixture(autouse=True)
def _english():
    """The reasons are translated when read: these tests read them in English."""
    with translation.override("en"):
        yield


def _write(n: int) -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit.record(
                    None,
                    "core.test.written",
                    object_type="t",
                    object_id=str(i),
                    data={"i": i, "phone": "13812345678"},
                )
            )
    return events


@pytest.mark.django_db
def test_chain_links_each_event_to_the_previous():
    events = _write(3)
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash
    assert audit.verify() is None


@pytest.mark.django_db
def test_sensitive_keys_are_masked():
    (event,) = _write(1)
    assert event.data == {"i": 0, "phone": "***"}


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record(None, "core.test.written", object_type="t", object_id="1")


@pytest.mark.django_db
def test_edited_row_is_found():
    events = _write(4)
    AuditEvent.objects.filter(pk=events[2].pk).update(data={"i": 99})
    broken = audit.verify()
    assert broken is not None
    assert broken.event_id == events[2].pk
    assert "edited" in broken.reason


@pytest.mark.django_db
def test_deleted_row_is_found():
    events = _write(4)
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    broken = audit.verify()
    assert broken is not None
    assert broken.event_id == events[2].pk


@pytest.mark.django_db
def test_reordered_rows_are_found():
    events = _write(3)
    a, b = AuditEvent.objects.get(pk=events[0].pk), AuditEvent.objects.get(pk=events[1].pk)
    swap = {
        f: (getattr(a, f), getattr(b, f))
        for f in ("action", "object_id", "data", "prev_hash", "hash", "created_at")
    }
    for f, (va, vb) in swap.items():
        setattr(a, f, vb)
        setattr(b, f, va)
    a_hash = a.hash
    a.hash = "temp"
    a.save()
    b.save()
    a.hash = a_hash
    a.save()
    broken = audit.verify()
    assert broken is not None
    assert broken.event_id == events[0].pk


@pytest.mark.django_db
def test_audit_verify_command_exits_non_zero_and_names_the_row(capsys):
    events = _write(3)
    call_command("audit", "verify")
    assert "3 events verified" in capsys.readouterr().out
    AuditEvent.objects.filter(pk=events[1].pk).update(action="core.test.forged")
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify")
    assert exc.value.code == 1
    assert f"#{events[1].pk}" in capsys.readouterr().err


@pytest.mark.django_db
def test_record_many_chains_a_batch_after_the_streams_head(staff_a, monkeypatch):
    monkeypatch.setattr(audit, "BATCH_SIZE", 2)
    with transaction.atomic():
        first = audit.record(staff_a, "core.test.first")
        written = audit.record_many(
            staff_a,
            (audit.Entry("core.test.batch", object_type="t", object_id=str(i)) for i in range(5)),
        )
        assert audit.record_many(staff_a, iter(())) == 0
    events = list(AuditEvent.objects.filter(stream=first.stream).order_by("seq"))
    assert written == 5
    assert [(e.seq, e.action, e.object_id) for e in events] == [
        (1, "core.test.first", ""),
        *((i + 2, "core.test.batch", str(i)) for i in range(5)),
    ]
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert audit.verify() is None
