"""The policy's rule sets (补贴政策版本): load one from a file, put it in force, read it.

A rule file is JSON, or an xlsx workbook with a sheet ``caps`` (two columns, ``field`` and
``value``) and a sheet ``amounts`` (``kind, level, group, unit, amount_yuan, max_units,
note``); docs/adr/0023-subsidy-rules.md gives the format. Every row is checked before
anything is written: a file with one fault writes nothing and says, for each fault, the row,
the field and why. Loaded sets are drafts (for simulation) until the bureau activates one,
which supersedes the set in force the day before the new one begins.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jineng.accounts.actors import Actor, Viewer
from jineng.accounts.roles import Capability
from jineng.core import audit
from jineng.core.audit_labels import register_actions, register_fields
from jineng.core.errors import (
    Conflict,
    ImportFailed,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from jineng.core.money import parse_yuan
from jineng.core.tabular import Limits, cell_text, file_digest, packing, read_bytes
from jineng.occupations.models import SkillLevel
from jineng.people.models import TargetGroup
from jineng.subsidies import access
from jineng.subsidies.choices import AmountUnit, RuleSetStatus, SubsidyKind
from jineng.subsidies.errors import RowError, RuleFileInvalid
from jineng.subsidies.models import MAX_AMOUNT_FEN, RuleAmount, RuleSet

register_actions(
    {
        "subsidies.ruleset.loaded": gettext_lazy("Loaded a subsidy rule set"),
        "subsidies.ruleset.activated": gettext_lazy("Put a subsidy rule set in force"),
        "subsidies.ruleset.superseded": gettext_lazy("Superseded a subsidy rule set"),
        "subsidies.ruleset.simulated": gettext_lazy("Simulated a subsidy rule set"),
    }
)
register_fields(
    {
        "number": gettext_lazy("Version"),
        "amounts": gettext_lazy("Amounts"),
        "effective_from": gettext_lazy("In force from"),
        "effective_until": gettext_lazy("In force until"),
        "is_example": gettext_lazy("Example values"),
        "file_digest": gettext_lazy("File fingerprint"),
    }
)

# A rule file is small: a page of caps and a few hundred amounts.
MAX_FILE_BYTES = 1024 * 1024
MAX_AMOUNT_ROWS = 2000
MAX_SMALL_INT = 32767
ZIP_MAGIC = b"PK\x03\x04"
CAPS_SHEET = "caps"
AMOUNTS_SHEET = "amounts"
AMOUNT_COLUMNS = ("kind", "level", "group", "unit", "amount_yuan", "max_units", "note")
# The unit each kind is counted in, where the policy fixes one.
UNIT_OF_KIND = {
    SubsidyKind.SKILL_UPGRADE: AmountUnit.PERSON,
    SubsidyKind.EVALUATION: AmountUnit.PERSON,
    SubsidyKind.TRAINING: AmountUnit.PERSON,
    SubsidyKind.LIVING: AmountUnit.DAY,
    SubsidyKind.APPRENTICESHIP: AmountUnit.YEAR,
}
CAP_FIELDS = (
    "max_trainings_per_year",
    "min_insured_months",
    "upgrade_claim_months",
)
FLAG_FIELDS = ("once_per_occupation_level", "no_lower_level_after_higher")
KNOWN_CAPS = frozenset(
    {"number", "title", "source", "is_example", "effective_from", "notice_days"}
    | set(CAP_FIELDS)
    | set(FLAG_FIELDS)
)
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "否", ""})

# ---------------------------------------------------------------------------------------
# Who sees and who loads


def may_manage(user: Viewer | None) -> bool:
    """Tell whether the user may load, activate and simulate rule sets (the bureau)."""
    return bool(user and user.is_authenticated and user.can(Capability.MANAGE_SUBSIDY_RULES))


def rule_sets_for(user: Viewer) -> QuerySet[RuleSet]:
    """The rule sets a user may read, newest first: every one for the bureau, reviewers and
    auditors, else those put in force (policy is public: claimants read what they are paid
    by). The rule is the scope's (subsidies.access)."""
    return access.rule_sets_for_user(user).order_by("-effective_from", "-number")


def get_rule_set_for_user(user: Viewer, pk: int) -> RuleSet:
    """One rule set the user may read; NotFound otherwise, a draft too (subsidies.access)."""
    return access.get_rule_set_for_user(user, pk)


def amounts_of(rule_set: RuleSet) -> QuerySet[RuleAmount]:
    """A rule set's amounts with their level and group, in the order pages list them."""
    return rule_set.amounts.select_related("skill_level", "target_group").order_by(
        "kind", "skill_level__rank", "target_group__code", "pk"
    )


# ---------------------------------------------------------------------------------------
# Reading a rule file


@dataclass
class RawFile:
    """The caps ({field: (row, value)}) and amount rows [(row, {column: value})] of a file."""

    caps: dict[str, tuple[int | str, Any]] = field(default_factory=dict)
    amounts: list[tuple[int | str, dict[str, Any]]] = field(default_factory=list)
    caps_sheet: str = CAPS_SHEET
    amounts_sheet: str = AMOUNTS_SHEET


def _read_json(data: bytes) -> RawFile:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportFailed(
            _("The file is not valid JSON: {reason}.").format(reason=exc), field="file"
        ) from None
    if not isinstance(document, dict):
        raise ImportFailed(_("The JSON file must hold one object."), field="file")
    raw = RawFile(caps_sheet="caps", amounts_sheet="amounts")
    caps = document.get("caps", {})
    if not isinstance(caps, dict):
        raise ImportFailed(_('"caps" must be an object.'), field="caps")
    for key in ("number", "title", "source", "is_example", "effective_from"):
        if key in document:
            raw.caps[key] = (key, document[key])
    for key, value in caps.items():
        raw.caps[str(key)] = (str(key), value)
    amounts = document.get("amounts", [])
    if not isinstance(amounts, list):
        raise ImportFailed(_('"amounts" must be a list.'), field="amounts")
    if len(amounts) > MAX_AMOUNT_ROWS:
        raise ImportFailed(
            _("A rule file has at most {n} amounts.").format(n=MAX_AMOUNT_ROWS), field="amounts"
        )
    for number, item in enumerate(amounts, start=1):
        raw.amounts.append((number, item if isinstance(item, dict) else {"_": item}))
    return raw


# The amounts sheet's columns as a bureau may head them in Chinese.
COLUMN_ALIASES = {
    "补贴类型": "kind",
    "等级": "level",
    "技能等级": "level",
    "重点群体": "group",
    "人员类别": "group",
    "计算单位": "unit",
    "单位": "unit",
    "金额": "amount_yuan",
    "金额（元）": "amount_yuan",
    "金额(元)": "amount_yuan",
    "标准（元）": "amount_yuan",
    "上限": "max_units",
    "最多单位数": "max_units",
    "备注": "note",
}


def _column(cell: Any) -> str:
    name = cell_text(cell).strip()
    return COLUMN_ALIASES.get(name, name.lower())


def _sheet_rows(book: Any, name: str) -> Iterator[tuple[int, list[Any]]]:
    if name not in book.sheetnames:
        raise ImportFailed(
            _("The workbook has no sheet named {name}.").format(name=name), field="file"
        )
    for number, row in enumerate(book[name].iter_rows(values_only=True), start=1):
        if number > MAX_AMOUNT_ROWS + 1:
            raise ImportFailed(
                _("A rule file has at most {n} amounts.").format(n=MAX_AMOUNT_ROWS), field="file"
            )
        cells = list(row)
        if any(c is not None and str(c).strip() for c in cells):
            yield number, cells


def _read_xlsx(data: bytes) -> RawFile:
    from openpyxl import load_workbook

    packing.inspect(io.BytesIO(data), Limits.from_settings(max_bytes=MAX_FILE_BYTES))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure means an unreadable file
        raise packing.unreadable(exc) from None
    try:
        raw = RawFile()
        caps = _sheet_rows(book, CAPS_SHEET)
        next(caps, None)  # the header row: field, value
        for number, cells in caps:
            key = cell_text(cells[0]).strip() if cells else ""
            value = cells[1] if len(cells) > 1 else None
            if key:
                raw.caps[key] = (number, value)
        amounts = _sheet_rows(book, AMOUNTS_SHEET)
        header_row = next(amounts, None)
        header = [_column(c) for c in header_row[1]] if header_row else []
        missing = [c for c in ("kind", "unit", "amount_yuan") if c not in header]
        if missing:
            raise ImportFailed(
                _("The sheet amounts lacks the columns {columns}.").format(
                    columns=", ".join(missing)
                ),
                field="file",
            )
        for number, cells in amounts:
            raw.amounts.append(
                (number, {name: cells[i] for i, name in enumerate(header) if i < len(cells)})
            )
        return raw
    finally:
        book.close()


def read_file(source: str | Path | IO[bytes], *, name: str | None = None) -> tuple[RawFile, bytes]:
    """Read a rule file (JSON or xlsx, told apart by content) within the size limit."""
    file_name, data = read_bytes(source, MAX_FILE_BYTES)
    name = name or file_name
    if not data.strip():
        raise ImportFailed(_("The file is empty."), field="file")
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data), data
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        raise ImportFailed(
            _("{name} is not a valid Excel workbook.").format(name=name), field="file"
        )
    return _read_json(data), data


# ---------------------------------------------------------------------------------------
# Checking a rule file, row by row


@dataclass
class AmountInput:
    kind: str
    skill_level: SkillLevel | None
    target_group: TargetGroup | None
    unit: str
    amount_fen: int
    max_units: int | None
    note: str


@dataclass
class RuleSetInput:
    """A checked rule file, ready to write."""

    number: int | None = None
    title: str = ""
    source: str = ""
    is_example: bool = False
    effective_from: datetime.date | None = None
    values: dict[str, Any] = field(default_factory=dict)
    amounts: list[AmountInput] = field(default_factory=list)


class _Checker:
    def __init__(self, raw: RawFile) -> None:
        self.raw = raw
        self.errors: list[RowError] = []
        self.levels = {level.code: level for level in SkillLevel.objects.all()}
        self.groups = {group.code: group for group in TargetGroup.objects.all()}

    def fault(self, sheet: str, row: int | str, name: str, why: str) -> None:
        self.errors.append(RowError(sheet, row, name, why))

    def cap(self, key: str) -> tuple[int | str, Any]:
        return self.raw.caps.get(key, (key, None))

    def text(self, key: str, max_length: int, *, required: bool = False) -> str:
        row, value = self.cap(key)
        text = cell_text(value).strip() if value is not None else ""
        if required and not text:
            self.fault(self.raw.caps_sheet, row, key, _("is required"))
        elif len(text) > max_length:
            self.fault(
                self.raw.caps_sheet,
                row,
                key,
                _("is longer than {n} characters").format(n=max_length),
            )
        return text

    def flag(self, key: str, default: bool) -> bool:
        row, value = self.cap(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = cell_text(value).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text not in FALSE_WORDS:
            self.fault(self.raw.caps_sheet, row, key, _("must be true or false"))
        return False

    def whole(
        self, sheet: str, row: int | str, key: str, value: Any, *, minimum: int = 0
    ) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = cell_text(value).strip()
        if (
            isinstance(value, bool)
            or not text.isdigit()
            or not minimum <= int(text) <= MAX_SMALL_INT
        ):
            self.fault(
                sheet,
                row,
                key,
                _("must be a whole number from {low} to {high}").format(
                    low=minimum, high=MAX_SMALL_INT
                ),
            )
            return None
        return int(text)

    def header(self) -> RuleSetInput:
        sheet = self.raw.caps_sheet
        for key, (row, _value) in self.raw.caps.items():
            if key not in KNOWN_CAPS:
                self.fault(sheet, row, key, _("is not a field of a rule set"))
        checked = RuleSetInput(
            title=self.text("title", 200, required=True),
            source=self.text("source", 300),
            is_example=self.flag("is_example", False),
        )
        row, number = self.cap("number")
        checked.number = self.whole(sheet, row, "number", number, minimum=1)
        if checked.number and RuleSet.objects.filter(number=checked.number).exists():
            self.fault(
                sheet, row, "number", _("version {n} is already loaded").format(n=checked.number)
            )
        row, day = self.cap("effective_from")
        checked.effective_from = self.day(row, day)
        for key in CAP_FIELDS:
            row, value = self.cap(key)
            checked.values[key] = self.whole(sheet, row, key, value)
        row, value = self.cap("notice_days")
        notice = self.whole(sheet, row, "notice_days", value, minimum=1)
        checked.values["notice_days"] = 7 if notice is None else notice
        for key in FLAG_FIELDS:
            checked.values[key] = self.flag(key, True)
        return checked

    def day(self, row: int | str, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value).strip() if value is not None else ""
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            self.fault(
                self.raw.caps_sheet, row, "effective_from", _("must be a date such as 2026-01-01")
            )
            return None

    def amount(self, row: int | str, item: dict[str, Any]) -> AmountInput | None:
        sheet = self.raw.amounts_sheet
        before = len(self.errors)
        unknown = sorted(set(item) - set(AMOUNT_COLUMNS))
        for key in unknown:
            self.fault(sheet, row, key, _("is not a column of an amount"))

        def text(key: str) -> str:
            value = item.get(key)
            return cell_text(value).strip() if value is not None else ""

        kind, unit = text("kind"), text("unit")
        if kind not in SubsidyKind.values:
            self.fault(
                sheet,
                row,
                "kind",
                _("must be one of {values}").format(values=", ".join(SubsidyKind.values)),
            )
        if unit not in AmountUnit.values:
            self.fault(
                sheet,
                row,
                "unit",
                _("must be one of {values}").format(values=", ".join(AmountUnit.values)),
            )
        elif kind in UNIT_OF_KIND and unit != UNIT_OF_KIND[SubsidyKind(kind)]:
            self.fault(
                sheet,
                row,
                "unit",
                _("{kind} is counted {unit}").format(
                    kind=kind, unit=UNIT_OF_KIND[SubsidyKind(kind)].label
                ),
            )
        level = self.levels.get(text("level")) if text("level") else None
        if text("level") and level is None:
            self.fault(
                sheet,
                row,
                "level",
                _("no skill level has the code {code}").format(code=text("level")),
            )
        group = self.groups.get(text("group")) if text("group") else None
        if text("group") and group is None:
            self.fault(
                sheet,
                row,
                "group",
                _("no target group has the code {code}").format(code=text("group")),
            )
        fen = self._fen(row, item.get("amount_yuan"))
        max_units = self.whole(sheet, row, "max_units", item.get("max_units"), minimum=1)
        note = text("note")
        if len(note) > 300:
            self.fault(sheet, row, "note", _("is longer than {n} characters").format(n=300))
        if len(self.errors) > before or fen is None:
            return None
        return AmountInput(kind, level, group, unit, fen, max_units, note)

    def _fen(self, row: int | str, value: Any) -> int | None:
        sheet = self.raw.amounts_sheet
        if isinstance(value, bool) or value is None or cell_text(value).strip() == "":
            self.fault(sheet, row, "amount_yuan", _("is required"))
            return None
        try:
            return parse_yuan(cell_text(value), field="amount_yuan", max_fen=MAX_AMOUNT_FEN)
        except ValidationFailed as exc:
            self.fault(sheet, row, "amount_yuan", str(exc.detail))
            return None

    def check(self) -> RuleSetInput:
        checked = self.header()
        seen: dict[tuple[str, int | None, int | None], int | str] = {}
        for row, item in self.raw.amounts:
            amount = self.amount(row, item)
            if amount is None:
                continue
            key = (
                amount.kind,
                amount.skill_level.pk if amount.skill_level else None,
                amount.target_group.pk if amount.target_group else None,
            )
            if key in seen:
                self.fault(
                    self.raw.amounts_sheet,
                    row,
                    "kind",
                    _("repeats the kind, level and group of row {row}").format(row=seen[key]),
                )
                continue
            seen[key] = row
            checked.amounts.append(amount)
        if self.errors:
            raise RuleFileInvalid(self.errors)
        return checked


def check_file(source: str | Path | IO[bytes], *, name: str | None = None) -> RuleSetInput:
    """Read and check a rule file without writing; RuleFileInvalid lists every fault."""
    raw, _data = read_file(source, name=name)
    return _Checker(raw).check()


# ---------------------------------------------------------------------------------------
# Writing


def _require_manager(actor: Actor | None) -> None:
    # None is the system itself (the command line, the demo loader).
    if actor is not None and not may_manage(actor):
        raise PermissionDenied(_("Only the bureau loads and puts subsidy rules in force."))


@transaction.atomic(durable=True)
def load_rule_set(
    source: str | Path | IO[bytes], *, actor: Actor | None, name: str | None = None
) -> RuleSet:
    """Load a rule file as a draft rule set (载入补贴政策), all of it or, on any fault, none."""
    _require_manager(actor)
    raw, data = read_file(source, name=name)
    checked = _Checker(raw).check()
    if checked.effective_from is None:  # the checker reported it
        raise RuleFileInvalid([])
    number = checked.number or (RuleSet.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    rule_set = RuleSet.objects.create(
        number=number,
        title=checked.title,
        source=checked.source,
        is_example=checked.is_example,
        status=RuleSetStatus.DRAFT,
        effective_from=checked.effective_from,
        created_by=actor,
        **checked.values,
    )
    RuleAmount.objects.bulk_create(
        RuleAmount(
            rule_set=rule_set,
            kind=a.kind,
            skill_level=a.skill_level,
            target_group=a.target_group,
            unit=a.unit,
            amount_fen=a.amount_fen,
            max_units=a.max_units,
            note=a.note,
        )
        for a in checked.amounts
    )
    audit.record(
        actor,
        "subsidies.ruleset.loaded",
        rule_set,
        data={
            "number": number,
            "title": checked.title,
            "is_example": checked.is_example,
            "effective_from": checked.effective_from.isoformat(),
            "amounts": len(checked.amounts),
            "file_digest": file_digest(data),
        },
    )
    return rule_set


def rule_set_in_force(on: datetime.date) -> RuleSet | None:
    """The rule set in force on a day: put in force, begun by then and not yet ended."""
    return (
        RuleSet.objects.filter(
            status__in=(RuleSetStatus.IN_FORCE, RuleSetStatus.SUPERSEDED),
            effective_from__lte=on,
        )
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on))
        .order_by("-effective_from", "-number")
        .first()
    )


def _in_force_now() -> list[RuleSet]:
    """The sets marked in force, as activation reads them before changing them."""
    return list(RuleSet.objects.filter(status=RuleSetStatus.IN_FORCE).order_by("-effective_from"))


@transaction.atomic(durable=True)
def activate(rule_set_id: int, actor: Actor | None) -> RuleSet:
    """Put a draft rule set in force (生效); the set in force until then ends the day before.

    Both changes are compare-and-set updates on the rows' status, so of two activations at
    once only one finds the sets as it read them; the other is refused and changes nothing.
    """
    _require_manager(actor)
    rule_set = RuleSet.objects.filter(pk=rule_set_id).first()
    if rule_set is None:
        raise NotFound(_("No such rule set."))
    if rule_set.status != RuleSetStatus.DRAFT:
        raise Conflict(_("Rule set v{n} is not a draft.").format(n=rule_set.number))
    for old in _in_force_now():
        if old.effective_from >= rule_set.effective_from:
            raise Conflict(
                _(
                    "Rule set v{new} begins on {day}, not after v{old} in force from {old_day}."
                ).format(
                    new=rule_set.number,
                    day=rule_set.effective_from,
                    old=old.number,
                    old_day=old.effective_from,
                ),
                field="effective_from",
            )
        until = rule_set.effective_from - datetime.timedelta(days=1)
        changed = RuleSet.objects.filter(pk=old.pk, status=RuleSetStatus.IN_FORCE).update(
            status=RuleSetStatus.SUPERSEDED, effective_until=until
        )
        if changed != 1:
            raise Conflict(_("Another rule set was put in force meanwhile; try again."))
        audit.record(
            actor,
            "subsidies.ruleset.superseded",
            old,
            data={"number": old.number, "effective_until": until.isoformat()},
        )
    changed = RuleSet.objects.filter(pk=rule_set.pk, status=RuleSetStatus.DRAFT).update(
        status=RuleSetStatus.IN_FORCE, effective_until=None
    )
    if changed != 1:
        raise Conflict(_("Rule set v{n} is not a draft.").format(n=rule_set.number))
    rule_set.refresh_from_db()
    audit.record(
        actor,
        "subsidies.ruleset.activated",
        rule_set,
        data={"number": rule_set.number, "effective_from": rule_set.effective_from.isoformat()},
    )
    return rule_set


EXAMPLE_RULES = Path(__file__).parent / "data" / "example_rules.json"


def ensure_example_rules() -> RuleSet | None:
    """Load and put in force the demo city's example rule set when no rule set exists yet
    (the demo loader); its values are marked as examples. Returns it, or None if rules exist."""
    if RuleSet.objects.exists():
        return None
    rule_set = load_rule_set(EXAMPLE_RULES, actor=None)
    return activate(rule_set.pk, None)


def workbook_of(path: Path = EXAMPLE_RULES) -> bytes:
    """A JSON rule file as the equivalent xlsx workbook (sheets caps and amounts): the form
    a bureau fills in, starting from the example's values."""
    from openpyxl import Workbook

    document = json.loads(path.read_text(encoding="utf-8"))
    book = Workbook()
    caps = book.active
    caps.title = CAPS_SHEET
    caps.append(["field", "value"])
    for key in ("title", "source", "is_example", "effective_from"):
        if key in document:
            caps.append([key, str(document[key]).lower() if key == "is_example" else document[key]])
    for key, value in document.get("caps", {}).items():
        caps.append([key, str(value).lower() if isinstance(value, bool) else value])
    amounts = book.create_sheet(AMOUNTS_SHEET)
    amounts.append(list(AMOUNT_COLUMNS))
    for item in document.get("amounts", []):
        amounts.append([item.get(column) for column in AMOUNT_COLUMNS])
    handle = io.BytesIO()
    book.save(handle)
    return handle.getvalue()
