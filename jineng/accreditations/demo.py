"""Accredit the demo city's institutions and evaluators, through the same services as the UI.

Organisations are found by kind (the people demo creates them); occupations are found by name
in the loaded classification, never invented. Dates are relative to today so the pages always
show variety: most licences active, one already expired, one suspended, one application
rejected with reasons and one still waiting in the bureau's queue. Running it again skips
organisations that already have applications.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations import services
from jineng.accreditations.choices import AccreditationKind, EvaluationKind
from jineng.accreditations.models import Accreditation, AccreditationApplication
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel
from jineng.organizations.models import Organization, OrganizationKind

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

K = OrganizationKind
TRAINING_KINDS = (
    K.TECHNICAL_SCHOOL,
    K.VOCATIONAL_SCHOOL,
    K.PUBLIC_TRAINING_BASE,
    K.PRIVATE_TRAINING,
)
EVALUATION_KINDS = (K.EVALUATION_BODY, K.SOCIAL_EVALUATION_ORG)
# Commonly subsidised occupations; names not in the loaded edition are skipped and reported.
TRAINING_OCCUPATIONS = (
    "电工",
    "焊工",
    "中式烹调师",
    "育婴员",
    "保育师",
    "养老护理员",
    "家政服务员",
    "电子商务师",
    "互联网营销师",
    "农业经理人",
    "汽车维修工",
)
OCCUPATIONS_EACH = 3
# What each kind of institution typically trains; the others take turns through the list.
PREFERRED: dict[str, tuple[str, ...]] = {
    K.TECHNICAL_SCHOOL: ("电工", "焊工", "汽车维修工"),
    K.VOCATIONAL_SCHOOL: ("中式烹调师", "电子商务师", "保育师"),
    K.PUBLIC_TRAINING_BASE: ("电工", "互联网营销师", "农业经理人"),
}
HOUSEHOLD_SERVICES = ("家政服务员", "养老护理员", "育婴员", "保育师")
# Highest level by kind of institution: technical schools train up to 技师.
TRAINING_LEVELS: dict[str, str] = {
    K.TECHNICAL_SCHOOL: "level2",
    K.VOCATIONAL_SCHOOL: "level3",
    K.PUBLIC_TRAINING_BASE: "level3",
    K.PRIVATE_TRAINING: "level4",
}
EVALUATION_LEVELS: dict[str, str] = {K.EVALUATION_BODY: "level2", K.SOCIAL_EVALUATION_ORG: "level3"}
SUSPENSION_REASON = "群众投诉：实际培训课时少于备案课时，暂停资质并责令整改（演示）"
REJECTION_REASONS = "实训场地面积不足，专职教师资格证明不全，请补正后重新申请（演示）"


@dataclass
class DemoContext:
    """What the demo run shares between steps."""

    today: datetime.date
    admin: Any
    occupations: list[Occupation]
    stdout: SupportsWrite[str]
    granted: int = 0


def build_demo(*, stdout: SupportsWrite[str]) -> None:
    """Accredit the demo organisations for common occupations (idempotent)."""
    occupations = _occupations(stdout)
    if not occupations or not SkillLevel.objects.exists():
        stdout.write("accreditations: no classification or skill levels loaded; skipped.\n")
        return
    context = DemoContext(
        today=timezone.localdate(), admin=_bureau_admin(), occupations=occupations, stdout=stdout
    )
    training = list(Organization.objects.filter(kind__in=TRAINING_KINDS).order_by("credit_code"))
    evaluators = list(
        Organization.objects.filter(kind__in=EVALUATION_KINDS).order_by("credit_code")
    )
    if not training and not evaluators:
        stdout.write("accreditations: no institutions or evaluators to accredit; skipped.\n")
        return
    for index, organization in enumerate(training):
        if not _already_done(organization):
            _accredit_training(context, index, organization)
    for index, organization in enumerate(evaluators):
        if not _already_done(organization):
            _accredit_evaluator(context, index, organization)
    organisations = len(training) + len(evaluators)
    stdout.write(
        f"accreditations: {context.granted} licences granted to {organisations} organisations.\n"
    )


def _occupations(stdout: SupportsWrite[str]) -> list[Occupation]:
    found = {
        o.name: o
        for o in Occupation.objects.filter(
            name__in=TRAINING_OCCUPATIONS, level=OccupationLevel.OCCUPATION
        )
    }
    missing = [name for name in TRAINING_OCCUPATIONS if name not in found]
    if missing:
        stdout.write(
            "accreditations: not in the loaded classification, skipped: {}\n".format(
                "、".join(missing)
            )
        )
    return [found[name] for name in TRAINING_OCCUPATIONS if name in found]


def _already_done(organization: Organization) -> bool:
    return AccreditationApplication.objects.filter(organization=organization).exists()


def _bureau_admin() -> Any:
    admin = (
        User.objects.filter(role=Role.BUREAU_ADMIN, is_active=True, username="admin").first()
        or User.objects.filter(role=Role.BUREAU_ADMIN, is_active=True).order_by("pk").first()
    )
    if admin is None:
        admin = User(username="demo_accreditation_bureau", role=Role.BUREAU_ADMIN)
        admin.set_unusable_password()
        admin.save()
    return admin


def _staff(organization: Organization) -> Any:
    """An account of the organisation that may apply; created without a password if none."""
    role = Role.EVALUATOR if organization.kind in EVALUATION_KINDS else Role.INSTITUTION_STAFF
    staff = (
        User.objects.filter(organization=organization, role=role, is_active=True)
        .order_by("pk")
        .first()
    )
    if staff is None:
        staff = User(
            username=f"demo_staff_{organization.credit_code.lower()}",
            role=role,
            organization=organization,
        )
        staff.set_unusable_password()
        staff.save()
    return staff


def _licence_number(kind: str, year: int) -> str:
    prefix = "PX" if kind == AccreditationKind.TRAINING else "PJ"
    number = Accreditation.objects.count() + 1
    while True:
        candidate = f"{settings.JINENG_CITY_REGION_CODE}-{prefix}-{year}-{number:03d}"
        if not Accreditation.objects.filter(licence_number=candidate).exists():
            return candidate
        number += 1


def _demo_pdf(organization: Organization, title: str) -> bytes:
    """A one-page PDF standing in for a scanned licence, marked as demo data."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("STSong-Light", 20)
    page.drawString(72, 760, f"{title}（演示材料）")
    page.setFont("STSong-Light", 12)
    page.drawString(72, 730, organization.name)
    page.drawString(72, 712, f"统一社会信用代码：{organization.credit_code}")
    page.showPage()
    page.save()
    return buffer.getvalue()


def _apply(
    staff: Any,
    organization: Organization,
    occupation: Occupation,
    level_code: str,
    *,
    kind: str,
    evaluation_kind: str = "",
) -> AccreditationApplication:
    application = services.apply_for_accreditation(
        services.ApplicationInput(
            kind=kind,
            occupation_code=occupation.code,
            max_level_code=level_code,
            evaluation_kind=evaluation_kind,
            statement=f"{organization.name}：场地、设备与师资符合{occupation.name}培训（评价）要求。（演示）",
        ),
        actor=staff,
    )
    title = "办学许可证" if kind == AccreditationKind.TRAINING else "评价机构备案材料"
    content = _demo_pdf(organization, title)
    services.add_document(
        application.pk,
        io.BytesIO(content),
        name=f"{title}.pdf",
        size=len(content),
        title=title,
        actor=staff,
    )
    return application


def _approve(
    context: DemoContext,
    application: AccreditationApplication,
    valid_from: datetime.date,
    valid_until: datetime.date,
) -> Accreditation:
    licence = services.approve_application(
        application.pk,
        services.ApprovalInput(
            licence_number=_licence_number(application.kind, valid_from.year),
            valid_from=valid_from,
            valid_until=valid_until,
            note="材料齐全，现场核查通过。（演示）",
        ),
        actor=context.admin,
    )
    context.granted += 1
    return licence


def _years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        # 29 February in a year without one.
        return day.replace(year=day.year + years, day=28)


def _training_scope(
    pool: list[Occupation], index: int, organization: Organization
) -> list[Occupation]:
    """Pick what an institution is accredited for: its typical trades, else a rotation."""
    by_name = {o.name: o for o in pool}
    names = HOUSEHOLD_SERVICES if "家政" in organization.name else PREFERRED.get(organization.kind)
    preferred = [by_name[n] for n in names or () if n in by_name][:OCCUPATIONS_EACH]
    if preferred:
        return preferred
    rotation = (pool[(index * OCCUPATIONS_EACH + j) % len(pool)] for j in range(OCCUPATIONS_EACH))
    return list(dict.fromkeys(rotation))


def _accredit_training(context: DemoContext, index: int, organization: Organization) -> None:
    staff = _staff(organization)
    level = TRAINING_LEVELS.get(organization.kind, "level4")
    occupations = _training_scope(context.occupations, index, organization)
    today = context.today
    start, end = today - datetime.timedelta(days=400), _years(today, 2)
    for j, occupation in enumerate(occupations):
        application = _apply(
            staff, organization, occupation, level, kind=AccreditationKind.TRAINING
        )
        if index == 1 and j == 0:
            # A licence that lapsed on its own last month: shows expiry without any job.
            _approve(context, application, _years(today, -3), today - datetime.timedelta(days=30))
        elif index == 2 and j == 0:
            licence = _approve(context, application, start, end)
            services.suspend_accreditation(
                licence.pk, reason=SUSPENSION_REASON, actor=context.admin
            )
        elif index == 3 and j == 0:
            services.reject_application(
                application.pk, reasons=REJECTION_REASONS, actor=context.admin
            )
        elif index == 4 and j == 0:
            # Left undecided: the bureau's review queue has something in it.
            continue
        else:
            _approve(context, application, start, end)


def _accredit_evaluator(context: DemoContext, index: int, organization: Organization) -> None:
    staff = _staff(organization)
    level = EVALUATION_LEVELS.get(organization.kind, "level3")
    offset = len(context.occupations) // 2 if index % 2 else 0
    today = context.today
    pool = context.occupations
    for occupation in dict.fromkeys(
        pool[(offset + j) % len(pool)] for j in range(OCCUPATIONS_EACH)
    ):
        application = _apply(
            staff,
            organization,
            occupation,
            level,
            kind=AccreditationKind.EVALUATION,
            evaluation_kind=EvaluationKind.SKILL_LEVEL,
        )
        _approve(context, application, today - datetime.timedelta(days=200), _years(today, 3))
