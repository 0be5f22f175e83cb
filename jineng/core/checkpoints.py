"""Signed checkpoints of the audit streams' heads, published outside the database.

A checkpoint says "stream S held N events, the last with hash H, at time T", signed with an
Ed25519 key kept outside the database. Checkpoints are appended, one JSON line each, to a
monthly log under ``AUDIT_CHECKPOINT_DIR`` (the worker writes one a day, ``jineng audit
checkpoint`` from cron), printed in the monthly report and listed on a public page with the
public key, so anyone can check them and nobody who can only write the database can take
them back. ``jineng audit verify`` checks every stream against every published checkpoint:
a stream that holds fewer events than a checkpoint counted lost its newest rows, and a head
that no longer matches was rewritten. See docs/adr/0002-audit-chain.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from jineng.core.models import AuditEvent

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LOG_PREFIX = "checkpoints-"
LOG_SUFFIX = ".jsonl"
# Each run also signs the whole trail: how many events all streams hold, and a digest of
# every stream's head. Written even when no stream moved, so its time shows the checkpoints
# are still being published, and its count shows events deleted from streams not yet anchored.
ALL_STREAMS = "*"
# The stream of events written before the trail was keyed: closed, anchored by the first run.
LEGACY_STREAM = "legacy"


@dataclass(frozen=True)
class Checkpoint:
    """One signed statement of a stream's head."""

    stream: str
    count: int
    head: str
    at: str
    key: str
    signature: str = ""

    def payload(self) -> bytes:
        """The bytes that are signed: every field but the signature, as canonical JSON."""
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @property
    def at_datetime(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.at)


@dataclass(frozen=True)
class LogLine:
    """One line of a checkpoint log, its checkpoint when it verifies, or why not."""

    path: Path
    number: int
    checkpoint: Checkpoint | None
    problem: StrOrPromise = ""

    @property
    def where(self) -> StrOrPromise:
        return format_lazy(
            gettext_lazy("{file} line {number}"), file=self.path.name, number=self.number
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@lru_cache(maxsize=4)
def _private_key(seed: str) -> Ed25519PrivateKey:
    text = seed.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("JINENG_AUDIT_SIGNING_KEY must be an Ed25519 key.")
        return key
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(raw) != 32:
        raise ValueError("JINENG_AUDIT_SIGNING_KEY must be base64 of 32 random bytes.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def signing_key() -> Ed25519PrivateKey:
    """The key that signs checkpoints (JINENG_AUDIT_SIGNING_KEY, outside the database)."""
    return _private_key(settings.AUDIT_SIGNING_KEY)


def public_key_text(key: Ed25519PublicKey | None = None) -> str:
    """A public key as base64 of its 32 raw bytes, the form each checkpoint names."""
    key = key or signing_key().public_key()
    return _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def public_key_pem() -> str:
    """The current public key in PEM, for tools such as openssl."""
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_key_fingerprint(text: str | None = None) -> str:
    """A short sha256 fingerprint of a public key, for people to compare by eye."""
    raw = base64.b64decode(text or public_key_text())
    return hashlib.sha256(raw).hexdigest()[:16]


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys whose signatures count: the current one and earlier published ones."""
    texts = [public_key_text(), *settings.AUDIT_PREVIOUS_PUBLIC_KEYS]
    keys = {}
    for text in texts:
        try:
            keys[text] = Ed25519PublicKey.from_public_bytes(base64.b64decode(text))
        except (ValueError, binascii.Error):
            continue
    return keys


def sign(stream: str, count: int, head: str, at: datetime.datetime) -> Checkpoint:
    """A signed checkpoint of one stream's head."""
    unsigned = Checkpoint(stream, count, head, at.isoformat(), public_key_text())
    signature = _b64(signing_key().sign(unsigned.payload()))
    return Checkpoint(**{**asdict(unsigned), "signature": signature})


def signature_problem(checkpoint: Checkpoint) -> StrOrPromise:
    """Why a checkpoint's signature does not verify, or "" when it does."""
    key = trusted_keys().get(checkpoint.key)
    if key is None:
        return gettext_lazy("it is signed with a key this city never published")
    try:
        key.verify(base64.b64decode(checkpoint.signature), checkpoint.payload())
    except (InvalidSignature, ValueError, binascii.Error):
        return gettext_lazy(
            "its signature does not verify: the line was changed after it was signed"
        )
    return ""


def heads() -> list[tuple[str, int, str]]:
    """Every stream's (name, number of events, hash of its newest event), by name."""
    counts = AuditEvent.objects.values("stream").annotate(count=Max("seq")).order_by("stream")
    out = []
    for row in counts:
        head = AuditEvent.objects.values_list("hash", flat=True).get(
            stream=row["stream"], seq=row["count"]
        )
        out.append((row["stream"], row["count"], head))
    return out


def directory() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def log_path(at: datetime.datetime) -> Path:
    """The monthly log a checkpoint taken at `at` (local time) goes to."""
    return directory() / f"{LOG_PREFIX}{timezone.localtime(at):%Y-%m}{LOG_SUFFIX}"


def _append(path: Path, lines: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{line}\n" for line in lines)
    if not text:
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def latest_by_stream() -> dict[str, Checkpoint]:
    """The newest verified checkpoint of each stream in the logs."""
    latest: dict[str, Checkpoint] = {}
    for line in read_log():
        if line.checkpoint is not None:
            latest[line.checkpoint.stream] = line.checkpoint
    return latest


def _digest(all_heads: list[tuple[str, int, str]]) -> str:
    text = "\n".join(f"{stream}:{count}:{head}" for stream, count, head in all_heads)
    return hashlib.sha256(text.encode()).hexdigest()


def write_checkpoints(now: datetime.datetime | None = None) -> list[Checkpoint]:
    """Sign and append a checkpoint of every stream whose head moved since its last one,
    and one of the whole trail.

    The closed legacy stream is anchored only by the first run of all: legacy rows that
    appear after checkpoints exist were not there at the upgrade, and verify reports them.
    """
    now = now or timezone.now()
    latest = latest_by_stream()
    all_heads = heads()
    written = []
    for stream, count, head in all_heads:
        last = latest.get(stream)
        if last is not None and (last.count, last.head) == (count, head):
            continue
        if stream == LEGACY_STREAM and latest:
            continue
        written.append(sign(stream, count, head, now))
    total = sum(count for _, count, _ in all_heads)
    written.append(sign(ALL_STREAMS, total, _digest(all_heads), now))
    _append(log_path(now), (c.line() for c in written))
    return written


def log_files() -> list[Path]:
    """Every checkpoint log in the directory, oldest month first."""
    folder = directory()
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{LOG_PREFIX}*{LOG_SUFFIX}"))


def _parse(path: Path, number: int, text: str) -> LogLine:
    try:
        fields = json.loads(text)
        checkpoint = Checkpoint(
            stream=str(fields["stream"]),
            count=int(fields["count"]),
            head=str(fields["head"]),
            at=str(fields["at"]),
            key=str(fields["key"]),
            signature=str(fields["signature"]),
        )
        checkpoint.at_datetime  # noqa: B018 - refuses a time that is not ISO 8601
    except (ValueError, KeyError, TypeError):
        return LogLine(
            path,
            number,
            None,
            gettext_lazy("it is not a checkpoint (unreadable JSON or fields)"),
        )
    problem = signature_problem(checkpoint)
    return LogLine(path, number, None if problem else checkpoint, problem)


def read_log(paths: Iterable[Path] | None = None) -> Iterator[LogLine]:
    """Every non-empty line of the logs, oldest first, with its verified checkpoint."""
    for path in log_files() if paths is None else paths:
        with path.open(encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if text.strip():
                    yield _parse(path, number, text)


def month_lines(year: int, month: int) -> list[LogLine]:
    """The lines of one month's log (checkpoints taken that month, local time)."""
    path = directory() / f"{LOG_PREFIX}{year:04d}-{month:02d}{LOG_SUFFIX}"
    return list(read_log([path])) if path.exists() else []


@dataclass(frozen=True)
class Mismatch:
    """A published checkpoint the database no longer agrees with, in people's words.

    ``where`` and ``reason`` are lazy: they are translated when shown, into the language of
    the page (or the command line) that shows them.
    """

    where: StrOrPromise
    reason: StrOrPromise


def _describe(c: Checkpoint) -> StrOrPromise:
    return format_lazy(
        gettext_lazy("checkpoint of stream {stream} at {at} ({count} events, head {head}…)"),
        stream=c.stream,
        at=c.at,
        count=c.count,
        head=c.head[:16],
    )


def check_line(line: LogLine) -> Mismatch | None:
    """Compare one log line with the database: its signature, then the stream's head."""
    if line.checkpoint is None:
        return Mismatch(
            line.where,
            format_lazy(gettext_lazy("checkpoint refused: {problem}"), problem=line.problem),
        )
    c = line.checkpoint
    if c.stream == ALL_STREAMS:
        total = AuditEvent.objects.count()
        if total < c.count:
            return Mismatch(
                line.where,
                format_lazy(
                    gettext_lazy(
                        "checkpoint of the whole trail at {at}: it held {count} events and now "
                        "holds {total}, so {deleted} were deleted"
                    ),
                    at=c.at,
                    count=c.count,
                    total=total,
                    deleted=c.count - total,
                ),
            )
        return None
    held = AuditEvent.objects.filter(stream=c.stream).aggregate(n=Max("seq"))["n"] or 0
    if held < c.count:
        return Mismatch(
            line.where,
            format_lazy(
                gettext_lazy(
                    "{checkpoint}: the stream now holds only {held} events, so its newest "
                    "{deleted} were deleted"
                ),
                checkpoint=_describe(c),
                held=held,
                deleted=c.count - held,
            ),
        )
    event = AuditEvent.objects.filter(stream=c.stream, seq=c.count).first()
    if event is None or event.hash != c.head:
        which = (
            format_lazy(gettext_lazy("event #{id}"), id=event.pk)
            if event is not None
            else format_lazy(gettext_lazy("number {seq}"), seq=c.count)
        )
        return Mismatch(
            line.where,
            format_lazy(
                gettext_lazy(
                    "{checkpoint}: its head hash is not found, {which} of the stream has "
                    "another hash, so events up to it were changed, deleted or re-linked"
                ),
                checkpoint=_describe(c),
                which=which,
            ),
        )
    return None


def _legacy_problem(latest: dict[str, Checkpoint]) -> Mismatch | None:
    """The legacy stream is closed: it must hold exactly what the first run anchored."""
    held = AuditEvent.objects.filter(stream=LEGACY_STREAM).aggregate(n=Max("seq"))["n"] or 0
    anchored = latest.get(LEGACY_STREAM)
    if held == 0 or (anchored is not None and held == anchored.count):
        return None
    if anchored is None:
        reason = format_lazy(
            gettext_lazy(
                "it holds {held} unkeyed events that no checkpoint anchored: "
                "run `jineng audit checkpoint` once after the upgrade"
            )
            if not latest
            else gettext_lazy(
                "it holds {held} unkeyed events that no checkpoint anchored: "
                "they appeared after the first checkpoint, so they were added since"
            ),
            held=held,
        )
    else:
        reason = format_lazy(
            gettext_lazy(
                "it is closed at {count} events but now holds {held}: "
                "unkeyed events were added to it"
            ),
            count=anchored.count,
            held=held,
        )
    return Mismatch(_stream_where(LEGACY_STREAM), reason)


def _stream_where(stream: str) -> StrOrPromise:
    return format_lazy(gettext_lazy("stream {stream}"), stream=stream)


def _stale_problems(latest: dict[str, Checkpoint], now: datetime.datetime) -> list[Mismatch]:
    """Checkpoints that stopped: old events no checkpoint covers, or no recent run at all."""
    limit = now - datetime.timedelta(hours=settings.AUDIT_CHECKPOINT_MAX_AGE_HOURS)
    problems = []
    whole = latest.get(ALL_STREAMS)
    if whole is not None and whole.at_datetime < limit and AuditEvent.objects.exists():
        problems.append(
            Mismatch(
                gettext_lazy("checkpoint logs"),
                format_lazy(
                    gettext_lazy(
                        "the newest checkpoint is from {at}, older than {hours} hours: "
                        "checkpoints stopped being published, so events deleted since could "
                        "not be seen"
                    ),
                    at=whole.at,
                    hours=settings.AUDIT_CHECKPOINT_MAX_AGE_HOURS,
                ),
            )
        )
    for stream, _count, _head in heads():
        if stream == LEGACY_STREAM:
            continue
        covered = latest[stream].count if stream in latest else 0
        old = AuditEvent.objects.filter(stream=stream, seq__gt=covered, created_at__lt=limit)
        if n := old.count():
            problems.append(
                Mismatch(
                    _stream_where(stream),
                    format_lazy(
                        gettext_lazy(
                            "{n} events older than {hours} hours are covered by no published "
                            "checkpoint: the checkpoints stopped or were removed"
                        ),
                        n=n,
                        hours=settings.AUDIT_CHECKPOINT_MAX_AGE_HOURS,
                    ),
                )
            )
    return problems


def mismatches(now: datetime.datetime | None = None) -> list[Mismatch]:
    """Every way the database disagrees with the published checkpoints (empty when none)."""
    found = [m for m in map(check_line, read_log()) if m is not None]
    latest = latest_by_stream()
    legacy = _legacy_problem(latest)
    if legacy is not None:
        found.append(legacy)
    return found + _stale_problems(latest, now or timezone.now())


def recent(limit: int = 50, *, whole_trail_only: bool = False) -> list[LogLine]:
    """The newest `limit` lines of the logs, newest first; only those are verified.

    ``whole_trail_only`` keeps the whole trail's checkpoints (and lines that do not verify)
    and leaves out each stream's: what anyone may see, since a stream's count is how busy
    one organisation is (ADR 0002).
    """
    lines: list[LogLine] = []
    for path in reversed(log_files()):
        numbered = _tail_lines(path)
        for number, text in reversed(numbered):
            if whole_trail_only and _stream_named(text) not in (ALL_STREAMS, None):
                continue
            lines.append(_parse(path, number, text))
            if len(lines) >= limit:
                return lines
    return lines


def _stream_named(text: str) -> str | None:
    """The stream a log line names, read without checking it (None when unreadable)."""
    try:
        return str(json.loads(text)["stream"])
    except (ValueError, KeyError, TypeError):
        return None


def _tail_lines(path: Path) -> list[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(n, text) for n, text in enumerate(handle, start=1) if text.strip()]
