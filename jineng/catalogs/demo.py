"""Give the demo city its public catalogs, through the same services as the console.

The subsidised training catalog gets two versions from the example files in ``data/`` (see
its README: configurable example amounts, not official standards): the previous one, recorded
as in force since 1 January of last year, and the current one from today, with a reason for
every difference, so the diff and the change log show something. The institutions and
evaluation-bodies catalogs are drafted from the accreditation register (the accreditations
demo runs first) and published from today. Occupations are found by name in the loaded
classification; names the loaded edition lacks are skipped and reported. Running it again
leaves catalogs that already have a published version alone.
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.catalogs import queries, services
from jineng.catalogs.choices import CatalogKind, GroundsKind
from jineng.catalogs.models import CatalogChange, CatalogVersion
from jineng.occupations.models import Occupation

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

DATA_DIR = Path(__file__).parent / "data"
PREVIOUS = DATA_DIR / "demo_subsidised_training_previous.csv"
CURRENT = DATA_DIR / "demo_subsidised_training_current.csv"
OCCUPATION_COLUMN = "职业名称"
REGISTER_TITLES: dict[str, str] = {
    CatalogKind.TRAINING_INSTITUTIONS: "培训机构目录",
    CatalogKind.EVALUATION_BODIES: "鉴定评价机构目录",
}
FALLBACK_REASON = services.ChangeInput(
    "changed", GroundsKind.POLICY, "关于调整职业技能培训补贴标准的通知（示例）"
)


def _bureau_actors() -> tuple[Any, Any]:
    """Two bureau administrators: one prepares, the other publishes (four-eyes)."""
    admins = list(User.objects.filter(role=Role.BUREAU_ADMIN, is_active=True).order_by("pk")[:2])
    for username in ("demo_catalog_editor", "demo_catalog_publisher")[len(admins) :]:
        # Actors of the demo's log only: no password, nobody logs in as them.
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": Role.BUREAU_ADMIN}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        admins.append(user)
    return admins[0], admins[1]


def _rows_in_classification(path: Path, stdout: SupportsWrite[str]) -> bytes:
    """The example file without rows whose occupation the loaded classification lacks."""
    names = set(Occupation.objects.values_list("name", flat=True))
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    column = header.index(OCCUPATION_COLUMN)
    kept, skipped = [], set()
    for row in body:
        if row[column] and row[column] not in names:
            skipped.add(row[column])
        else:
            kept.append(row)
    if skipped:
        stdout.write(
            "catalogs: not in the loaded classification, skipped: {}\n".format(
                "、".join(sorted(skipped))
            )
        )
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *kept])
    return buffer.getvalue().encode("utf-8")


def _publish(version: CatalogVersion, editor: Any, publisher: Any, day: datetime.date) -> None:
    """Explain any difference the file left unexplained, submit, and publish from a day."""
    if version.based_on_id:
        differences = queries.diff(version.based_on, version).by_key()
        explained = set(CatalogChange.objects.filter(version=version).values_list("key", flat=True))
        unexplained = sorted(differences.keys() - explained)
        if unexplained:
            services.record_changes(version.pk, unexplained, FALLBACK_REASON, actor=editor)
    services.submit_version(version.pk, actor=editor)
    services.publish_version(version.pk, effective_from=day, actor=publisher)


def _subsidised_training(
    today: datetime.date, editor: Any, publisher: Any, out: SupportsWrite[str]
) -> None:
    kind = CatalogKind.SUBSIDISED_TRAINING
    if CatalogVersion.objects.public().filter(catalog__kind=kind).exists():
        out.write("catalogs: the subsidised training catalog is already published\n")
        return
    steps = (
        (
            PREVIOUS,
            f"{today.year - 1}年政府补贴培训目录（演示）",
            datetime.date(today.year - 1, 1, 1),
        ),
        (CURRENT, f"{today.year}年政府补贴培训目录调整版（演示）", today),
    )
    for path, title, day in steps:
        content = _rows_in_classification(path, out)
        result = services.import_draft(kind, content, path.name, title=title, actor=editor)
        _publish(result.version, editor, publisher, day)
        number = result.version.number
        out.write(
            f"catalogs: {kind} v{number}: {result.entries} entries, {result.changes} reasons, "
            f"in force from {day.isoformat()}\n"
        )


def _from_register(
    kind: str, today: datetime.date, editor: Any, publisher: Any, out: SupportsWrite[str]
) -> None:
    if CatalogVersion.objects.public().filter(catalog__kind=kind).exists():
        out.write(f"catalogs: the {kind} catalog is already published\n")
        return
    title = f"{REGISTER_TITLES[kind]}（{today.isoformat()}，演示）"
    version = services.draft_from_register(kind, title=title, on_date=today, actor=editor)
    count = version.entries.count()
    if count == 0:
        services.discard_draft(version.pk, actor=editor)
        out.write(f"catalogs: no licences in force for the {kind} catalog; skipped\n")
        return
    _publish(version, editor, publisher, today)
    out.write(f"catalogs: {kind} v{version.number}: {count} entries from the register\n")


def build_demo(*, stdout: SupportsWrite[str]) -> None:
    """Publish the demo city's catalogs; idempotent."""
    if not Occupation.objects.exists():
        stdout.write("catalogs: load the reference data first (jineng load-reference)\n")
        return
    today = timezone.localdate()
    editor, publisher = _bureau_actors()
    _subsidised_training(today, editor, publisher, stdout)
    for kind in services.REGISTER_KINDS:
        _from_register(kind, today, editor, publisher, stdout)
    current = queries.current_version(CatalogKind.SUBSIDISED_TRAINING)
    if current is not None:
        stdout.write(f"catalogs: see /catalogs/ (subsidised training v{current.number} in force)\n")
