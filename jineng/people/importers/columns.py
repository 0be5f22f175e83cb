"""The bulk file format for people: column headers, value aliases and target-group parsing.

Files may use the English field names or the Chinese headers people use in spreadsheets;
choice columns accept the stored codes or common Chinese wording. Exports write the
canonical Chinese header and label of each, so an exported file can be imported again.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core.errors import ValidationFailed
from jineng.core.tabular import Choices, Column, ColumnMap
from jineng.people.choices import Education, EmploymentStatus, HukouType
from jineng.people.models import TargetGroup

COLUMNS: tuple[Column, ...] = (
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证", "证件号码"), True),
    Column("name", "姓名", ("名字",), True),
    Column("phone", "手机号", ("手机号码", "手机", "联系电话", "mobile")),
    Column("region_code", "区划代码", ("行政区划代码", "村社区代码", "所在地区划代码"), True),
    Column("hukou_type", "户籍类型", ("户口类型", "户口性质", "户籍性质")),
    Column("education", "文化程度", ("学历",)),
    Column("employment_status", "就业状态", ("就业情况",)),
    Column("target_groups", "重点群体", ("人员类别", "群体类别")),
)
COLUMN_MAP = ColumnMap(COLUMNS)
# Columns only some roles may fill, with the capability and why: in a file from any other
# role the column is ignored, with a note in the result (never a reason to refuse a row).
RESTRICTED_COLUMNS: dict[str, tuple[str, Any]] = {
    "target_groups": (
        Capability.RECORD_MEMBERSHIPS,
        gettext_lazy("the bureau records target groups with their evidence"),
    ),
}
COLUMN_BY_FIELD = COLUMN_MAP.by_field
HEADER_KEYS = COLUMN_MAP.keys

# Chinese wording accepted for each stored code; the first entry is what exports write.
HUKOU_LABELS: dict[str, tuple[str, ...]] = {
    HukouType.AGRICULTURAL: ("农业户口", "农业", "农村户口"),
    HukouType.NON_AGRICULTURAL: ("非农业户口", "非农业", "城镇户口"),
    HukouType.RESIDENT: ("居民户口", "居民", "统一居民户口"),
    HukouType.UNKNOWN: ("未知",),
}
EDUCATION_LABELS: dict[str, tuple[str, ...]] = {
    Education.NONE: ("未上过学", "无", "文盲", "不识字或识字很少"),
    Education.PRIMARY: ("小学",),
    Education.JUNIOR_SECONDARY: ("初中",),
    Education.SENIOR_SECONDARY: ("高中", "普通高中"),
    Education.SECONDARY_VOCATIONAL: ("中专", "中职", "技校", "职高", "中等职业教育"),
    Education.JUNIOR_COLLEGE: ("大专", "高职", "专科", "大学专科"),
    Education.BACHELOR: ("本科", "大学本科", "大学"),
    Education.POSTGRADUATE: ("研究生", "硕士", "博士", "硕士研究生", "博士研究生"),
    Education.UNKNOWN: ("未知",),
}
EMPLOYMENT_LABELS: dict[str, tuple[str, ...]] = {
    EmploymentStatus.EMPLOYED: ("就业", "已就业", "在岗", "在职"),
    EmploymentStatus.SELF_EMPLOYED: ("自主创业", "创业", "个体经营", "自雇"),
    EmploymentStatus.UNEMPLOYED: ("失业", "登记失业", "失业人员"),
    EmploymentStatus.FLEXIBLE: ("灵活就业",),
    EmploymentStatus.STUDENT: ("在校学生", "学生", "在校生"),
    EmploymentStatus.FARMING: ("务农", "农业生产"),
    EmploymentStatus.RETIRED: ("退休", "离退休"),
    EmploymentStatus.UNKNOWN: ("未知",),
}
CHOICE_LABELS = {
    "hukou_type": HUKOU_LABELS,
    "education": EDUCATION_LABELS,
    "employment_status": EMPLOYMENT_LABELS,
}
# Separators between target groups in one cell ("/" is not one: it occurs inside names).
GROUP_SEPARATORS = re.compile(r"[;；、,，]")


CHOICES = Choices(CHOICE_LABELS)


def may_fill(actor: Actor | None, field: str) -> bool:
    """Tell whether the actor's role may fill a column (None, the command line, fills all)."""
    restriction = RESTRICTED_COLUMNS.get(field)
    return restriction is None or actor is None or actor.can(restriction[0])


def columns_for(actor: Actor | None) -> tuple[Column, ...]:
    """The columns the actor's role may fill, as the upload page lists them."""
    return tuple(column for column in COLUMNS if may_fill(actor, column.field))


def ignored_column_note(header: str, field: str) -> str:
    """What an import says of a column it ignored because the role may not fill it."""
    return _(
        "The column {column} was ignored: your role may not fill it ({reason}). The other "
        "columns of every row were imported as usual."
    ).format(column=header, reason=RESTRICTED_COLUMNS[field][1])


def choice_label(field: str, code: str) -> str:
    """Return the canonical Chinese wording of a stored choice code, for exports."""
    return CHOICES.label(field, code)


def parse_choice(field: str, raw: str) -> str | None:
    """Map a cell to a stored code ('' → None for the default); raise if the wording is unknown."""
    code = CHOICES.code(field, raw)
    if code is None:
        raise ValidationFailed(
            _("{value} is not a known value; use one of: {allowed}.").format(
                value=raw.strip(), allowed="、".join(CHOICES.wordings(field))
            ),
            field=field,
        )
    return code or None


class TargetGroupParser:
    """Turn a target-groups cell into group ids, by code or (part of) Chinese name; cached."""

    def __init__(self) -> None:
        self.table: dict[str, int] = {}
        for group in TargetGroup.objects.all():
            self.table[group.code.lower()] = group.pk
            self.table[group.name] = group.pk
            for part in group.name.split("/"):
                self.table[part.strip()] = group.pk
        self._cache: dict[str, tuple[int, ...] | ValidationFailed] = {}

    def parse(self, raw: str) -> tuple[int, ...]:
        """Return the distinct group ids named in a cell, or raise naming the unknown ones."""
        cached = self._cache.get(raw)
        if cached is None:
            cached = self._parse(raw)
            self._cache[raw] = cached
        if isinstance(cached, ValidationFailed):
            raise cached.with_traceback(None)
        return cached

    def _parse(self, raw: str) -> tuple[int, ...] | ValidationFailed:
        ids: list[int] = []
        unknown: list[str] = []
        for token in GROUP_SEPARATORS.split(raw):
            word = token.strip()
            if not word:
                continue
            pk = self.table.get(word) or self.table.get(word.lower())
            if pk is None:
                unknown.append(word)
            elif pk not in ids:
                ids.append(pk)
        if unknown:
            return ValidationFailed(
                _("Unknown target group: {names}.").format(names="、".join(unknown)),
                field="target_groups",
            )
        return tuple(ids)
