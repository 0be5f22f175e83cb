"""Compute one person's subsidy under a rule set, step by step, in words (补贴测算).

Each function returns a ``Computation``: the amount in fen and the steps a reviewer and the
worker read, each naming the rule set's version, the standard, the hours or days and the cap
it applied. A line the policy does not pay raises ``Refused`` with the rule that refuses it
(jineng/subsidies/errors.py): R29 before the class ended or the certificate was issued, R24
outside the institution's accredited scope, R09 already subsidised, R22 more hours claimed
than attended, "cap" past one of the rule set's caps, "eligibility" otherwise. Nothing is
written here; claims keep ``Computation.as_json()`` on their lines.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.catalogs.models import CatalogEntry
from jineng.certificates.models import Certificate, CertificateKind, CertificateStatus
from jineng.core.money import format_yuan
from jineng.subsidies.choices import SubsidyKind
from jineng.subsidies.eligibility import Facts, Prior, training_prior
from jineng.subsidies.errors import (
    CAP,
    ELIGIBILITY,
    R09_ALREADY_SUBSIDISED,
    R22_HOURS,
    R24_OUT_OF_SCOPE,
    R29_TIMING,
    Refused,
)
from jineng.subsidies.models import MAX_AMOUNT_FEN, RuleAmount, RuleSet
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import Enrolment

NO_GROUP = ""
# Certificates that carry a level, for which a skill upgrade subsidy may be paid.
UPGRADE_KINDS = (CertificateKind.QUALIFICATION, CertificateKind.SKILL_LEVEL)


@dataclass(frozen=True)
class Step:
    """One step of a computation: what was checked or counted, and the amount it gave."""

    text: str
    amount_fen: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "amount_fen": self.amount_fen}


@dataclass
class Computation:
    """An amount in fen and the steps that explain it; ``group`` is the target group whose
    standard was paid ("" for the base standard)."""

    amount_fen: int
    steps: list[Step] = field(default_factory=list)
    group: str = NO_GROUP

    def as_json(self) -> list[dict[str, Any]]:
        """The steps as ClaimLine.computation keeps them."""
        return [step.as_dict() for step in self.steps]


def yuan(fen: int) -> str:
    return _("{amount} yuan").format(amount=format_yuan(fen))


def hours(minutes: int) -> str:
    """Minutes as hours with one decimal where needed: 90 → 1.5."""
    whole, rest = divmod(minutes, 60)
    return str(whole) if rest == 0 else f"{minutes / 60:.1f}"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the month's last day where it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_set_step(rule_set: RuleSet) -> Step:
    """The first step of every computation: which rule set, and whether its values are
    examples."""
    if rule_set.is_example:
        return Step(
            _(
                "Computed under rule set v{number} ({title}), in force from {day}: its values "
                "are examples for the demo city, not a real policy."
            ).format(number=rule_set.number, title=rule_set.title, day=rule_set.effective_from)
        )
    return Step(
        _("Computed under rule set v{number} ({title}), in force from {day}.").format(
            number=rule_set.number, title=rule_set.title, day=rule_set.effective_from
        )
    )


def best_rule_amount(
    amounts: list[RuleAmount], kind: str, level_id: int | None, groups: list[str]
) -> RuleAmount | None:
    """The highest of a rule set's amounts of a kind that apply to a level and to one of the
    person's groups (an amount without a level or group applies to all); on a tie the more
    specific one."""
    fitting = [
        a
        for a in amounts
        if a.kind == kind
        and (a.skill_level_id is None or a.skill_level_id == level_id)
        and (a.target_group is None or a.target_group.code in groups)
    ]
    if not fitting:
        return None
    return max(
        fitting,
        key=lambda a: (a.amount_fen, a.skill_level_id is not None, a.target_group_id is not None),
    )


def _amount_label(amount: RuleAmount) -> str:
    parts = [str(amount.get_kind_display())]
    if amount.skill_level is not None:
        parts.append(amount.skill_level.name)
    if amount.target_group is not None:
        parts.append(amount.target_group.name)
    return " · ".join(parts)


# ---------------------------------------------------------------------------------------
# What every line of a class checks first


def _check_completed(
    enrolment: Enrolment, rule_set: RuleSet, on: datetime.date, steps: list[Step]
) -> None:
    """R29 before the class ended; eligibility unless the trainee completed it."""
    training_class = enrolment.training_class
    if on < training_class.ends_on or not training_class.is_finished:
        raise Refused(
            R29_TIMING,
            _(
                "Class {code} ends on {end} and is {status}: no subsidy is claimed before a "
                "class has ended and its results are decided (R29)."
            ).format(
                code=training_class.code,
                end=training_class.ends_on,
                status=training_class.get_status_display(),
            ),
        )
    if enrolment.status != EnrolmentStatus.COMPLETED:
        raise Refused(
            ELIGIBILITY,
            _("{name} did not complete class {code} ({status}).").format(
                name=enrolment.person.name,
                code=training_class.code,
                status=enrolment.get_status_display(),
            ),
        )
    steps.append(
        Step(
            _("Class {code} ended on {end}; {name} completed it.").format(
                code=training_class.code, end=training_class.ends_on, name=enrolment.person.name
            )
        )
    )


def _check_scope(enrolment: Enrolment, facts: Facts, steps: list[Step]) -> None:
    """R24: the institution was accredited for the occupation and level every day of it."""
    training_class = enrolment.training_class
    programme = training_class.programme
    level = programme.skill_level.name if programme.skill_level else ""
    gap = facts.out_of_scope(training_class)
    if gap is not None:
        raise Refused(
            R24_OUT_OF_SCOPE,
            _(
                "{org} was not accredited to train {occupation} {level} on {day}, within class "
                "{code} (R24)."
            ).format(
                org=programme.organization.name,
                occupation=programme.occupation.name,
                level=level,
                day=gap[0],
                code=training_class.code,
            ),
        )
    steps.append(
        Step(
            _("{org} was accredited to train {occupation} {level} from {start} to {end}.").format(
                org=programme.organization.name,
                occupation=programme.occupation.name,
                level=level,
                start=training_class.starts_on,
                end=training_class.ends_on,
            )
        )
    )


def _check_once(
    kind: str,
    prior: list[Prior],
    *,
    enrolment_id: int | None = None,
    certificate_id: int | None = None,
) -> None:
    for row in prior:
        if row.kind != kind:
            continue
        if (enrolment_id and row.enrolment_id == enrolment_id) or (
            certificate_id and row.certificate_id == certificate_id
        ):
            raise Refused(
                R09_ALREADY_SUBSIDISED,
                _("This is already in another claim that is not rejected (R09)."),
            )


def _check_training_caps(
    enrolment: Enrolment, rule_set: RuleSet, facts: Facts, steps: list[Step]
) -> None:
    """R09 the same occupation and level once; the cap of trainings a year; no lower level
    after a higher one (a subsidised training or a certificate held)."""
    person = enrolment.person
    this = training_prior(enrolment)
    prior = facts.prior(person.pk)
    _check_once(SubsidyKind.TRAINING, prior, enrolment_id=enrolment.pk)
    trainings = [p for p in prior if p.kind == SubsidyKind.TRAINING]
    programme = enrolment.training_class.programme
    level = programme.skill_level
    what = " ".join(filter(None, [programme.occupation.name, level.name if level else ""]))
    if rule_set.once_per_occupation_level and any(
        p.occupation_id == this.occupation_id and p.level_rank == this.level_rank for p in trainings
    ):
        raise Refused(
            R09_ALREADY_SUBSIDISED,
            _(
                "{name} was already subsidised for training in {what}; rule set v{number} "
                "subsidises the same occupation and level once (R09)."
            ).format(name=person.name, what=what, number=rule_set.number),
        )
    if rule_set.no_lower_level_after_higher and this.level_rank is not None:
        higher = [
            p.level_rank
            for p in trainings
            if p.occupation_id == this.occupation_id and (p.level_rank or 0) > this.level_rank
        ] + [
            h.level_rank
            for h in facts.held(person.pk)
            if h.occupation_id == this.occupation_id
            and (h.level_rank or 0) > this.level_rank
            and h.issued_on <= enrolment.training_class.starts_on
        ]
        if higher:
            raise Refused(
                CAP,
                _(
                    "{name} already has a higher level in {occupation}; rule set v{number} pays "
                    "no subsidy for a lower level after a higher one."
                ).format(
                    name=person.name, occupation=programme.occupation.name, number=rule_set.number
                ),
            )
    count = sum(1 for p in trainings if p.year == this.year)
    cap = rule_set.max_trainings_per_year
    if cap is not None and count >= cap:
        raise Refused(
            CAP,
            _(
                "{name} already had {count} subsidised trainings in {year}; rule set v{number} "
                "subsidises at most {cap} a year."
            ).format(
                name=person.name, count=count, year=this.year, number=rule_set.number, cap=cap
            ),
        )
    limit = str(cap) if cap is not None else _("no limit")
    steps.append(
        Step(
            _(
                "Caps of rule set v{number}: training {count} of at most {limit} in {year}; "
                "{what} not subsidised before; no higher level held in the occupation."
            ).format(
                number=rule_set.number, count=count + 1, limit=limit, year=this.year, what=what
            )
        )
    )


def _check_entry(enrolment: Enrolment, entry: CatalogEntry, groups: list[str]) -> None:
    """Eligibility for the catalog entry on the class's first day: its groups and ages."""
    person = enrolment.person
    start = enrolment.training_class.starts_on
    eligible = {g.code for g in entry.target_groups.all()}
    if eligible and not eligible & set(groups):
        raise Refused(
            ELIGIBILITY,
            _(
                "{name} belonged on {day} to none of the target groups the catalog entry "
                "{entry} is for."
            ).format(name=person.name, day=start, entry=entry.display_name),
        )
    age = person.age_on(start)
    if (entry.age_min is not None and age < entry.age_min) or (
        entry.age_max is not None and age > entry.age_max
    ):
        raise Refused(
            ELIGIBILITY,
            _("{name} was {age} on {day}, outside the ages {low}–{high} of {entry}.").format(
                name=person.name,
                age=age,
                day=start,
                low=entry.age_min or 0,
                high=entry.age_max or "",
                entry=entry.display_name,
            ),
        )


def _training_standard(
    enrolment: Enrolment,
    entry: CatalogEntry,
    rule_set: RuleSet,
    facts: Facts,
    steps: list[Step],
) -> tuple[int, str]:
    """The standard for the person: the rule set's own training amount where it has one,
    else the highest of the catalog's base and their groups' standards."""
    person = enrolment.person
    start = enrolment.training_class.starts_on
    groups = facts.groups(person.pk, start)
    _check_entry(enrolment, entry, groups)
    override = best_rule_amount(
        facts.rule_amounts(rule_set),
        SubsidyKind.TRAINING,
        enrolment.training_class.programme.skill_level_id,
        groups,
    )
    if override is not None:
        group = override.target_group.code if override.target_group else NO_GROUP
        steps.append(
            Step(
                _(
                    "Standard of rule set v{number} for {what} (instead of the catalog's): "
                    "{amount} per person."
                ).format(
                    number=rule_set.number,
                    what=_amount_label(override),
                    amount=yuan(override.amount_fen),
                ),
                override.amount_fen,
            )
        )
        return override.amount_fen, group
    standards = facts.standards(entry)
    candidates = [
        (fen, code or NO_GROUP) for code, fen in standards.items() if code is None or code in groups
    ]
    if not candidates:
        raise Refused(
            ELIGIBILITY,
            _("The catalog entry {entry} pays no subsidy to {name}'s target groups.").format(
                entry=entry.display_name, name=person.name
            ),
        )
    fen, group = max(candidates)
    names = ", ".join(groups) if groups else _("none")
    if group:
        text = _(
            "Catalog standard of {entry} for the target group {group}: {amount} per person "
            "(the highest for {name}'s groups on {day}: {groups})."
        )
    else:
        text = _(
            "Catalog standard of {entry}: {amount} per person (target groups of {name} on "
            "{day}: {groups})."
        )
    steps.append(
        Step(
            text.format(
                entry=entry.display_name,
                group=group,
                amount=yuan(fen),
                name=person.name,
                day=start,
                groups=names,
            ),
            fen,
        )
    )
    return fen, group


def _by_hours(
    enrolment: Enrolment, standard: int, claimed_hours: int | None, steps: list[Step]
) -> int:
    """R22 when more hours are claimed than attended; pro rata when fewer than required."""
    programme = enrolment.training_class.programme
    required = enrolment.required_hours or programme.required_hours
    attended = (enrolment.attended_minutes or 0) + (enrolment.online_minutes or 0)
    if claimed_hours is not None and claimed_hours * 60 > attended:
        raise Refused(
            R22_HOURS,
            _(
                "{claimed} hours are claimed for {name}, who attended {attended} hours of the "
                "{required} required (R22)."
            ).format(
                claimed=claimed_hours,
                name=enrolment.person.name,
                attended=hours(attended),
                required=required,
            ),
        )
    counted = attended if claimed_hours is None else claimed_hours * 60
    counted = min(counted, required * 60)
    detail = _(
        "{attended} hours attended ({offline} min in person, {online} min online) of {required} "
        "required"
    ).format(
        attended=hours(attended),
        offline=enrolment.attended_minutes or 0,
        online=enrolment.online_minutes or 0,
        required=required,
    )
    if required <= 0 or counted >= required * 60:
        steps.append(
            Step(
                _("{detail}: the full standard, {amount}.").format(
                    detail=detail, amount=yuan(standard)
                ),
                standard,
            )
        )
        return standard
    amount = standard * counted // (required * 60)
    steps.append(
        Step(
            _("{detail}: pro rata, {standard} × {counted} / {minutes} minutes = {amount}.").format(
                detail=detail,
                standard=yuan(standard),
                counted=counted,
                minutes=required * 60,
                amount=yuan(amount),
            ),
            amount,
        )
    )
    return amount


def _total(kind_label: str, amount: int, steps: list[Step]) -> int:
    if amount > MAX_AMOUNT_FEN:
        raise Refused(
            CAP, _("{amount} is above the most one line may be.").format(amount=yuan(amount))
        )
    steps.append(Step(_("{kind}: {amount}.").format(kind=kind_label, amount=yuan(amount)), amount))
    return amount


def training_line(
    enrolment: Enrolment,
    rule_set: RuleSet,
    *,
    on: datetime.date | None = None,
    claimed_hours: int | None = None,
    facts: Facts | None = None,
) -> Computation:
    """Compute a completer's training subsidy (培训补贴): the catalog standard of the class's
    entry for the person's target groups, by hours attended, within the rule set's caps.

    ``on`` is the day of the claim (today); ``claimed_hours`` the hours the claim is for
    (the hours attended when not given); ``facts`` what was granted before (the database).
    """
    facts = facts or Facts()
    on = on or timezone.localdate()
    steps = [rule_set_step(rule_set)]
    _check_completed(enrolment, rule_set, on, steps)
    entry = enrolment.training_class.catalog_entry
    if entry is None:
        raise Refused(
            ELIGIBILITY,
            _("Class {code} is not on the subsidised training catalog.").format(
                code=enrolment.training_class.code
            ),
        )
    _check_scope(enrolment, facts, steps)
    _check_training_caps(enrolment, rule_set, facts, steps)
    standard, group = _training_standard(enrolment, entry, rule_set, facts, steps)
    amount = _by_hours(enrolment, standard, claimed_hours, steps)
    amount = _total(str(SubsidyKind.TRAINING.label), amount, steps)
    return Computation(amount, steps, group)


def living_line(
    enrolment: Enrolment,
    rule_set: RuleSet,
    *,
    on: datetime.date | None = None,
    facts: Facts | None = None,
) -> Computation:
    """Compute a completer's living allowance (生活费补贴): the rule set's amount per day for
    the person's target group, for the days attended, up to its days."""
    facts = facts or Facts()
    on = on or timezone.localdate()
    steps = [rule_set_step(rule_set)]
    _check_completed(enrolment, rule_set, on, steps)
    person = enrolment.person
    _check_once(SubsidyKind.LIVING, facts.prior(person.pk), enrolment_id=enrolment.pk)
    start = enrolment.training_class.starts_on
    groups = facts.groups(person.pk, start)
    amount = best_rule_amount(facts.rule_amounts(rule_set), SubsidyKind.LIVING, None, groups)
    if amount is None:
        raise Refused(
            ELIGIBILITY,
            _(
                "Rule set v{number} pays no living allowance to {name}'s target groups on "
                "{day} ({groups})."
            ).format(
                number=rule_set.number,
                name=person.name,
                day=start,
                groups=", ".join(groups) or _("none"),
            ),
        )
    days = facts.attended_days(enrolment)
    if days == 0:
        raise Refused(
            ELIGIBILITY,
            _("{name} has no attended training day in class {code}.").format(
                name=person.name, code=enrolment.training_class.code
            ),
        )
    steps.append(
        Step(
            _("Rule set v{number}: {what}, {amount} per training day.").format(
                number=rule_set.number, what=_amount_label(amount), amount=yuan(amount.amount_fen)
            )
        )
    )
    counted = days
    if amount.max_units is not None and days > amount.max_units:
        counted = amount.max_units
        text = _("{days} training days attended; the cap of rule set v{number} is {cap} days.")
    else:
        text = _("{days} training days attended.")
    steps.append(Step(text.format(days=days, number=rule_set.number, cap=amount.max_units)))
    fen = amount.amount_fen * counted
    steps.append(
        Step(
            _("{per_day} × {days} days = {amount}.").format(
                per_day=yuan(amount.amount_fen), days=counted, amount=yuan(fen)
            ),
            fen,
        )
    )
    fen = _total(str(SubsidyKind.LIVING.label), fen, steps)
    return Computation(fen, steps, amount.target_group.code if amount.target_group else NO_GROUP)


def _check_upgrade_caps(
    certificate: Certificate, rule_set: RuleSet, facts: Facts, steps: list[Step]
) -> None:
    person_id = certificate.holder_id
    name = certificate.holder.name
    prior = facts.prior(person_id)
    _check_once(SubsidyKind.SKILL_UPGRADE, prior, certificate_id=certificate.pk)
    rank = certificate.level.rank if certificate.level else None
    upgrades = [p for p in prior if p.kind == SubsidyKind.SKILL_UPGRADE]
    what = " ".join(
        filter(
            None,
            [
                certificate.occupation.name if certificate.occupation else certificate.title,
                certificate.level.name if certificate.level else "",
            ],
        )
    )
    if rule_set.once_per_occupation_level and any(
        p.occupation_id == certificate.occupation_id and p.level_rank == rank for p in upgrades
    ):
        raise Refused(
            R09_ALREADY_SUBSIDISED,
            _(
                "{name} was already paid a skill upgrade subsidy for {what}; rule set v{number} "
                "pays it once per occupation and level (R09)."
            ).format(name=name, what=what, number=rule_set.number),
        )
    if rule_set.no_lower_level_after_higher and rank is not None:
        higher = any(
            h.certificate_id != certificate.pk
            and h.occupation_id == certificate.occupation_id
            and (h.level_rank or 0) > rank
            and h.issued_on <= certificate.issued_on
            for h in facts.held(person_id)
        ) or any(
            p.occupation_id == certificate.occupation_id and (p.level_rank or 0) > rank
            for p in upgrades
        )
        if higher:
            raise Refused(
                CAP,
                _(
                    "{name} already holds a higher level in the occupation; rule set v{number} "
                    "pays no subsidy for a lower level after a higher one."
                ).format(name=name, number=rule_set.number),
            )
    steps.append(
        Step(
            _(
                "Caps of rule set v{number}: {what} not subsidised before; no higher level held."
            ).format(number=rule_set.number, what=what)
        )
    )


def skill_upgrade_line(
    certificate: Certificate,
    rule_set: RuleSet,
    *,
    on: datetime.date | None = None,
    facts: Facts | None = None,
) -> Computation:
    """Compute a worker's skill upgrade subsidy (技能提升补贴) for a certificate: the rule
    set's amount for its level, claimed within the window after the certificate."""
    facts = facts or Facts()
    on = on or timezone.localdate()
    steps = [rule_set_step(rule_set)]
    _check_certificate(certificate, rule_set, on, steps)
    _check_upgrade_caps(certificate, rule_set, facts, steps)
    groups = facts.groups(certificate.holder_id, certificate.issued_on)
    amount = best_rule_amount(
        facts.rule_amounts(rule_set), SubsidyKind.SKILL_UPGRADE, certificate.level_id, groups
    )
    if amount is None or certificate.level is None:
        raise Refused(
            ELIGIBILITY,
            _("Rule set v{number} has no skill upgrade amount for {level}.").format(
                number=rule_set.number, level=certificate.level.name if certificate.level else ""
            ),
        )
    steps.append(
        Step(
            _("Rule set v{number}: {what}, {amount} per person.").format(
                number=rule_set.number, what=_amount_label(amount), amount=yuan(amount.amount_fen)
            ),
            amount.amount_fen,
        )
    )
    fen = _total(str(SubsidyKind.SKILL_UPGRADE.label), amount.amount_fen, steps)
    return Computation(fen, steps, amount.target_group.code if amount.target_group else NO_GROUP)


def _check_certificate(
    certificate: Certificate, rule_set: RuleSet, on: datetime.date, steps: list[Step]
) -> None:
    """R29 before the certificate's date; a valid certificate with a level; the window."""
    if on < certificate.issued_on:
        raise Refused(
            R29_TIMING,
            _("Certificate {number} is issued on {day}: no claim before that day (R29).").format(
                number=certificate.number, day=certificate.issued_on
            ),
        )
    if (
        certificate.status != CertificateStatus.VALID
        or certificate.kind not in UPGRADE_KINDS
        or certificate.level is None
    ):
        raise Refused(
            ELIGIBILITY,
            _(
                "Certificate {number} is not a valid qualification or skill-level certificate "
                "with a level."
            ).format(number=certificate.number),
        )
    window = rule_set.upgrade_claim_months
    if window is not None:
        deadline = add_months(certificate.issued_on, window)
        if on > deadline:
            raise Refused(
                CAP,
                _(
                    "Certificate {number} was issued on {day}; rule set v{number_set} takes "
                    "claims within {months} months, until {deadline}."
                ).format(
                    number=certificate.number,
                    day=certificate.issued_on,
                    number_set=rule_set.number,
                    months=window,
                    deadline=deadline,
                ),
            )
        steps.append(
            Step(
                _(
                    "Certificate {number} issued on {day}; claimed on {on}, within {months} months."
                ).format(number=certificate.number, day=certificate.issued_on, on=on, months=window)
            )
        )
    else:
        steps.append(
            Step(
                _("Certificate {number} issued on {day}.").format(
                    number=certificate.number, day=certificate.issued_on
                )
            )
        )
    if rule_set.min_insured_months:
        steps.append(
            Step(
                _(
                    "Months insured were not checked: no social insurance record is connected. "
                    "Rule set v{number} asks for {months} months (configurable in the rule set)."
                ).format(number=rule_set.number, months=rule_set.min_insured_months)
            )
        )


def upgrade_prior(certificate: Certificate) -> Prior:
    """The Prior a certificate's skill upgrade line becomes once granted."""
    return Prior(
        SubsidyKind.SKILL_UPGRADE,
        certificate.occupation_id,
        certificate.level.rank if certificate.level else None,
        certificate.issued_on.year,
        certificate_id=certificate.pk,
    )
