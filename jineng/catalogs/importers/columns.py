"""The bulk file format of catalog versions: columns, Chinese headers and value wording.

Files may use the English field names or the Chinese headers a bureau uses in spreadsheets;
choice columns accept the stored codes or common Chinese wording. Exports write the canonical
Chinese header and wording of each, so an exported file can be imported again unchanged.
"""

from __future__ import annotations

import re

from jineng.catalogs.choices import (
    ChangeReason,
    EntryStatus,
    EvaluationKind,
    GroundsKind,
    QualificationType,
    TrainingType,
)
from jineng.core.tabular import Choices, Column, ColumnMap

COLUMNS: tuple[Column, ...] = (
    Column("key", "条目编号", ("编号", "条目代码")),
    Column("occupation_code", "职业编码", ("职业代码", "工种编码", "职业(工种)编码")),
    Column("occupation_name", "职业名称", ("职业(工种)名称", "工种名称", "职业")),
    Column("title", "项目名称", ("专项职业能力名称", "名称")),
    Column("level", "技能等级", ("等级", "培训等级", "level_code")),
    Column("training_type", "培训类型", ("培训类别",)),
    Column("organization_code", "统一社会信用代码", ("机构代码", "信用代码")),
    Column("organization_name", "机构名称", ("单位名称",)),
    Column("region_code", "乡镇街道代码", ("区划代码", "所在乡镇代码")),
    Column("target_groups", "适用重点群体", ("重点群体", "适用人群", "补贴对象")),
    Column("subsidy_yuan", "补贴标准(元/人)", ("补贴标准", "补贴金额", "补贴标准（元/人）")),
    Column("group_subsidies", "重点群体补贴标准", ("分群体补贴标准",)),
    Column("min_hours", "最低课时", ("最低学时", "课时", "学时")),
    Column("age_min", "最低年龄", ("年龄下限",)),
    Column("age_max", "最高年龄", ("年龄上限",)),
    Column("valid_from", "有效期起", ("生效日期", "开始日期")),
    Column("valid_until", "有效期止", ("失效日期", "截止日期", "有效期至")),
    Column("status", "状态", ("条目状态",)),
    Column("evaluation_kind", "评价类型", ("评价方式",)),
    Column("qualification_type", "资格类型", ("职业资格类别",)),
    Column("attributes", "其他信息(JSON)", ("其他信息", "附加信息")),
    Column("reason", "变动原因", ("调整原因", "变动类型"), exported=False),
    Column("grounds_kind", "依据类型", ("调整依据类型",), exported=False),
    Column("grounds_reference", "依据", ("调整依据", "依据说明"), exported=False),
    Column("change_note", "变动说明", ("备注",), exported=False),
)
COLUMN_MAP = ColumnMap(COLUMNS)
COLUMN_BY_FIELD = COLUMN_MAP.by_field

# Chinese wording accepted for each stored code; the first entry is what exports write.
TRAINING_TYPE_LABELS: dict[str, tuple[str, ...]] = {
    TrainingType.EMPLOYMENT: ("就业技能培训", "就业技能"),
    TrainingType.UPSKILLING: ("岗位技能提升培训", "岗位技能提升", "技能提升培训"),
    TrainingType.ENTREPRENEURSHIP: ("创业创新培训", "创业培训", "创新创业培训"),
    TrainingType.PRE_EMPLOYMENT: ("劳动预备制培训", "劳动预备制"),
    TrainingType.APPRENTICESHIP: ("企业新型学徒制", "新型学徒制", "学徒制培训"),
}
STATUS_LABELS: dict[str, tuple[str, ...]] = {
    EntryStatus.ACTIVE: ("正常", "有效", "启用"),
    EntryStatus.SUSPENDED: ("暂停", "暂停执行"),
}
REASON_LABELS: dict[str, tuple[str, ...]] = {
    ChangeReason.ADDED: ("新增",),
    ChangeReason.CHANGED: ("调整", "变更"),
    ChangeReason.SUSPENDED: ("暂停",),
    ChangeReason.REMOVED: ("退出", "移出", "删除"),
    ChangeReason.RESTORED: ("恢复",),
}
GROUNDS_LABELS: dict[str, tuple[str, ...]] = {
    GroundsKind.SCORECARD: ("绩效评估", "绩效评价", "绩效"),
    GroundsKind.INSPECTION: ("检查", "监督检查", "核查"),
    GroundsKind.COMPLAINT: ("投诉", "举报"),
    GroundsKind.LICENCE_EXPIRY: ("资质到期", "许可证到期", "资质过期"),
    GroundsKind.APPLICATION: ("申请", "申报"),
    GroundsKind.POLICY: ("政策调整", "政策", "文件"),
    GroundsKind.APPEAL: ("申诉决定", "申诉"),
}
EVALUATION_KIND_LABELS: dict[str, tuple[str, ...]] = {
    EvaluationKind.QUALIFICATION: ("职业资格评价",),
    EvaluationKind.SKILL_LEVEL: ("职业技能等级认定", "等级认定"),
    EvaluationKind.SPECIAL_ABILITY: ("专项职业能力考核", "专项考核"),
}
QUALIFICATION_TYPE_LABELS: dict[str, tuple[str, ...]] = {
    QualificationType.ACCESS: ("准入类",),
    QualificationType.LEVEL_EVALUATION: ("水平评价类",),
    QualificationType.SPECIAL_ABILITY: ("专项职业能力",),
}
CHOICE_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "training_type": TRAINING_TYPE_LABELS,
    "status": STATUS_LABELS,
    "reason": REASON_LABELS,
    "grounds_kind": GROUNDS_LABELS,
    "evaluation_kind": EVALUATION_KIND_LABELS,
    "qualification_type": QUALIFICATION_TYPE_LABELS,
}
# Separators between items in one cell (target groups, group subsidies).
ITEM_SEPARATORS = re.compile(r"[;；、,，\n]")
# Between a target group and its amount: "退役军人:1200".
PAIR_SEPARATOR = re.compile(r"[:：=]")


CHOICES = Choices(CHOICE_LABELS)


def choice_label(field: str, code: str) -> str:
    """Return the canonical Chinese wording of a stored choice code, for exports."""
    return CHOICES.label(field, code)


def parse_choice(field: str, text: str) -> str | None:
    """Map a cell to a stored code; None when the wording is unknown ('' stays '')."""
    return CHOICES.code(field, text)
