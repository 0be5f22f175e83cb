"""Every amount against a hand computation, and every refusal naming its rule.

The world: 甲职业培训学校 (school_a) holds a training licence for 电工 up to level 3 from
2020 to 2030; the subsidised-training catalog's entry for 电工 level 5 pays 1,200.00 yuan
per person, 1,500.00 yuan to the unemployed, and is for the unemployed and migrant workers;
the programme has 40 + 50 = 90 hours; class C-1 ran from 3 to 20 March 2025 and is closed.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.utils import timezone, translation

from jineng.accreditations.tests import conftest as accreditation_fixtures
from jineng.accreditations.tests.helpers import grant
from jineng.attendance.models import Attendance
from jineng.catalogs.choices import CatalogKind, TrainingType, VersionStatus
from jineng.catalogs.models import Catalog, CatalogEntry, CatalogVersion, EntrySubsidy
from jineng.certificates.models import Certificate, CertificateKind, CertificateStatus
from jineng.people.choices import MembershipSource
from jineng.people.services import PersonInput, add_membership, register_person
from jineng.subsidies import amounts
from jineng.subsidies.choices import AmountUnit, ClaimStatus, RuleSetStatus, SubsidyKind
from jineng.subsidies.eligibility import Facts, Prior
from jineng.subsidies.errors import Refused
from jineng.subsidies.models import Claim, ClaimLine, RuleAmount, RuleSet
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment, Programme, TrainingClass
from jineng.training.tests.helpers import citizen_id

levels = accreditation_fixtures.levels
occupations = accreditation_fixtures.occupations

START = datetime.date(2025, 3, 3)
END = datetime.date(2025, 3, 20)
CLAIM_DAY = datetime.date(2025, 4, 1)
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def day_time(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class World:
    """Builds people, classes, enrolments and certificates of the tests."""

    def __init__(self, **fixtures: Any) -> None:
        self.__dict__.update(fixtures)

    def someone(self, *groups: str, town: str = "220581001001") -> Any:
        n = next(_serial)
        person = register_person(
            PersonInput(id_number=citizen_id(n), name="学员" + chr(0x4E00 + n), region_code=town),
            actor=self.bureau_admin,
        )
        for code in groups:
            add_membership(
                person,
                self.target_groups[code],
                source=MembershipSource.BUREAU,
                valid_from=datetime.date(2024, 1, 1),
                actor=self.bureau_admin,
            )
        return person

    def training_class(
        self,
        *,
        occupation: str = "electrician",
        level: str = "level5",
        status: str = ClassStatus.CLOSED,
        start: datetime.date = START,
        end: datetime.date = END,
        entry: CatalogEntry | None = None,
    ) -> TrainingClass:
        programme = Programme.objects.create(
            organization=self.school_a,
            name="电工培训",
            occupation=self.occupations[occupation],
            skill_level=self.levels[level],
            training_type=TrainingType.EMPLOYMENT,
            theory_hours=40,
            practice_hours=50,
            catalog_entry_key=self.entry.key,
        )
        return TrainingClass.objects.create(
            programme=programme,
            code=f"C-{next(_serial)}",
            capacity=30,
            status=status,
            starts_on=start,
            ends_on=end,
            catalog_entry=entry or self.entry,
        )

    def completer(
        self,
        person: Any,
        training_class: TrainingClass | None = None,
        *,
        minutes: int = 5400,
        online: int = 0,
        status: str = EnrolmentStatus.COMPLETED,
    ) -> Enrolment:
        training_class = training_class or self.training_class()
        return Enrolment.objects.create(
            training_class=training_class,
            person=person,
            status=status,
            seated_at=day_time(training_class.starts_on - datetime.timedelta(days=7), 9),
            attended_minutes=minutes,
            online_minutes=online,
            required_hours=90,
        )

    def certificate(
        self, person: Any, level: str = "level5", *, issued_on: datetime.date = END
    ) -> Certificate:
        n = next(_serial)
        return Certificate.objects.create(
            number=f"CERT-{n}",
            kind=CertificateKind.SKILL_LEVEL,
            holder=person,
            occupation=self.occupations["electrician"],
            level=self.levels[level],
            issuer=self.school_a,
            issued_on=issued_on,
            basis=f"test:{n}",
            status=CertificateStatus.VALID,
            status_index=n,
            credential_id=f"urn:uuid:{n}",
            subject_id=f"urn:uuid:s{n}",
            signing_kid="kid",
            credential="jwt",
        )

    def claimed(
        self,
        person: Any,
        *,
        enrolment: Any = None,
        certificate: Any = None,
        kind: str = SubsidyKind.TRAINING,
        active: bool = True,
    ) -> ClaimLine:
        claim = Claim.objects.create(
            number=f"BT-{next(_serial)}",
            kind=kind,
            status=ClaimStatus.SUBMITTED,
            organization=self.school_a,
            rule_set=self.rule_set,
            year=2025,
            submitted_by=self.staff_a,
            submitted_at=timezone.now(),
        )
        return ClaimLine.objects.create(
            claim=claim,
            kind=kind,
            person=person,
            enrolment=enrolment,
            certificate=certificate,
            amount_fen=1,
            active=active,
            removed_reason="" if active else "removed in the test",
        )


@pytest.fixture
def world(
    db: Any,
    city: Any,
    occupations: Any,
    levels: Any,
    target_groups: Any,
    school_a: Any,
    staff_a: Any,
    bureau_admin: Any,
) -> World:
    grant(
        staff_a,
        bureau_admin,
        occupations["electrician"],
        levels["level3"],
        datetime.date(2020, 1, 1),
        datetime.date(2030, 12, 31),
    )
    catalog = Catalog.objects.create(kind=CatalogKind.SUBSIDISED_TRAINING)
    version = CatalogVersion.objects.create(
        catalog=catalog,
        number=1,
        title="2025",
        status=VersionStatus.PUBLISHED,
        effective_from=datetime.date(2020, 1, 1),
    )
    entry = CatalogEntry.objects.create(
        version=version,
        key="6-31-01-03/level5/employment",
        occupation=occupations["electrician"],
        skill_level=levels["level5"],
        training_type=TrainingType.EMPLOYMENT,
        min_hours=80,
        age_min=16,
        age_max=60,
        subsidy_fen=120000,
    )
    entry.target_groups.set([target_groups["unemployed"], target_groups["migrant_worker"]])
    EntrySubsidy.objects.create(
        entry=entry, target_group=target_groups["unemployed"], amount_fen=150000
    )
    rule_set = RuleSet.objects.create(
        number=7,
        title="Test rules",
        is_example=True,
        status=RuleSetStatus.IN_FORCE,
        effective_from=datetime.date(2025, 1, 1),
        max_trainings_per_year=2,
        min_insured_months=12,
        upgrade_claim_months=12,
    )
    RuleAmount.objects.create(
        rule_set=rule_set,
        kind=SubsidyKind.SKILL_UPGRADE,
        skill_level=levels["level5"],
        unit=AmountUnit.PERSON,
        amount_fen=100000,
    )
    RuleAmount.objects.create(
        rule_set=rule_set,
        kind=SubsidyKind.SKILL_UPGRADE,
        skill_level=levels["level4"],
        unit=AmountUnit.PERSON,
        amount_fen=150000,
    )
    RuleAmount.objects.create(
        rule_set=rule_set,
        kind=SubsidyKind.LIVING,
        target_group=target_groups["unemployed"],
        unit=AmountUnit.DAY,
        amount_fen=3000,
        max_units=20,
    )
    return World(
        occupations=occupations,
        levels=levels,
        target_groups=target_groups,
        school_a=school_a,
        staff_a=staff_a,
        bureau_admin=bureau_admin,
        entry=entry,
        rule_set=rule_set,
    )


def refusal(call: Any, *args: Any, **kwargs: Any) -> Refused:
    with pytest.raises(Refused) as raised:
        call(*args, **kwargs)
    return raised.value


# Training subsidy -------------------------------------------------------------------------


def test_training_pays_the_unemployed_standard_in_full(world: World):
    enrolment = world.completer(world.someone("unemployed"))

    line = amounts.training_line(enrolment, world.rule_set, on=CLAIM_DAY)

    # The unemployed's standard 1,500.00 yuan beats the base 1,200.00; 90 of 90 hours.
    assert line.amount_fen == 150000
    assert line.group == "unemployed"
    assert "rule set v7" in line.steps[0].text
    assert "examples for the demo city" in line.steps[0].text
    assert line.steps[-1].amount_fen == 150000
    texts = " ".join(s.text for s in line.steps)
    assert "1,500.00 yuan" in texts
    assert "90 hours attended" in texts
    assert "at most 2 in 2025" in texts
    assert line.as_json()[-1] == {"text": line.steps[-1].text, "amount_fen": 150000}


def test_training_pays_the_base_standard_to_a_group_without_its_own(world: World):
    enrolment = world.completer(world.someone("migrant_worker"))

    line = amounts.training_line(enrolment, world.rule_set, on=CLAIM_DAY)

    # Migrant workers have no standard of their own: the base, 1,200.00 yuan.
    assert line.amount_fen == 120000
    assert line.group == ""


def test_training_is_pro_rata_to_the_hours_attended(world: World):
    enrolment = world.completer(world.someone("unemployed"), minutes=4000, online=500)

    line = amounts.training_line(enrolment, world.rule_set, on=CLAIM_DAY)

    # 4,000 + 500 = 4,500 of 90 × 60 = 5,400 minutes: 150,000 × 4,500 // 5,400 = 125,000 fen.
    assert line.amount_fen == 150000 * 4500 // 5400 == 125000
    assert "pro rata" in line.steps[-2].text


def test_training_counts_the_hours_claimed_when_fewer(world: World):
    enrolment = world.completer(world.someone("migrant_worker"))

    line = amounts.training_line(enrolment, world.rule_set, on=CLAIM_DAY, claimed_hours=45)

    # 45 of 90 hours claimed: 120,000 × 2,700 // 5,400 = 60,000 fen.
    assert line.amount_fen == 60000


def test_training_refuses_more_hours_than_attended_r22(world: World):
    enrolment = world.completer(world.someone("unemployed"), minutes=4500)

    refused = refusal(
        amounts.training_line, enrolment, world.rule_set, on=CLAIM_DAY, claimed_hours=90
    )

    # 90 hours claimed, 4,500 / 60 = 75 attended.
    assert refused.rule == "R22"
    assert "75 hours" in refused.message


def test_training_refuses_before_the_class_ended_r29(world: World):
    enrolment = world.completer(world.someone("unemployed"))
    assert (
        refusal(
            amounts.training_line, enrolment, world.rule_set, on=END - datetime.timedelta(days=1)
        ).rule
        == "R29"
    )
    running = world.completer(
        world.someone("unemployed"), world.training_class(status=ClassStatus.RUNNING)
    )
    assert refusal(amounts.training_line, running, world.rule_set, on=CLAIM_DAY).rule == "R29"


def test_training_refuses_a_trainee_who_did_not_complete(world: World):
    enrolment = world.completer(world.someone("unemployed"), status=EnrolmentStatus.NOT_COMPLETED)
    assert (
        refusal(amounts.training_line, enrolment, world.rule_set, on=CLAIM_DAY).rule
        == "eligibility"
    )


def test_training_refuses_someone_outside_the_entry_s_groups(world: World):
    enrolment = world.completer(world.someone("graduate"))
    refused = refusal(amounts.training_line, enrolment, world.rule_set, on=CLAIM_DAY)
    assert refused.rule == "eligibility"
    assert "none of the target groups" in refused.message


def test_training_refuses_outside_the_accredited_scope_r24(world: World):
    # school_a holds no licence for 焊工.
    welding = world.training_class(occupation="welder")
    enrolment = world.completer(world.someone("unemployed"), welding)
    refused = refusal(amounts.training_line, enrolment, world.rule_set, on=CLAIM_DAY)
    assert refused.rule == "R24"
    assert str(START) in refused.message


def test_training_refuses_the_same_occupation_and_level_twice_r09(world: World):
    person = world.someone("unemployed")
    earlier = world.completer(person)
    world.claimed(person, enrolment=earlier)
    again = world.completer(person)

    refused = refusal(amounts.training_line, again, world.rule_set, on=CLAIM_DAY)
    assert refused.rule == "R09"
    assert "v7" in refused.message
    # The same enrolment in a live claim is already claimed.
    assert refusal(amounts.training_line, earlier, world.rule_set, on=CLAIM_DAY).rule == "R09"


def test_a_removed_line_does_not_count(world: World):
    person = world.someone("unemployed")
    earlier = world.completer(person)
    world.claimed(person, enrolment=earlier, active=False)

    assert amounts.training_line(earlier, world.rule_set, on=CLAIM_DAY).amount_fen == 150000


def test_training_refuses_past_the_yearly_cap(world: World):
    person = world.someone("unemployed")
    facts = Facts()
    for occupation_id in (9001, 9002):
        facts.add(person.pk, Prior(SubsidyKind.TRAINING, occupation_id, 2, 2025))
    enrolment = world.completer(person)

    refused = refusal(amounts.training_line, enrolment, world.rule_set, on=CLAIM_DAY, facts=facts)
    assert refused.rule == "cap"
    assert "at most 2 a year" in refused.message


def test_training_refuses_a_lower_level_after_a_certificate_of_a_higher(world: World):
    person = world.someone("unemployed")
    world.certificate(person, "level4", issued_on=datetime.date(2024, 6, 1))
    enrolment = world.completer(person)

    refused = refusal(amounts.training_line, enrolment, world.rule_set, on=CLAIM_DAY)
    assert refused.rule == "cap"
    assert "lower level after a higher" in refused.message


def test_training_uses_a_rule_set_standard_instead_of_the_catalog(world: World):
    RuleAmount.objects.create(
        rule_set=world.rule_set,
        kind=SubsidyKind.TRAINING,
        skill_level=world.levels["level5"],
        unit=AmountUnit.PERSON,
        amount_fen=90000,
    )
    enrolment = world.completer(world.someone("unemployed"))

    line = amounts.training_line(enrolment, world.rule_set, on=CLAIM_DAY)

    assert line.amount_fen == 90000
    assert "instead of the catalog" in line.steps[-3].text


# Living allowance -------------------------------------------------------------------------


def attend(enrolment: Enrolment, days: list[datetime.date], per_day: int = 1) -> None:
    for day in days:
        for n in range(per_day):
            session = ClassSession.objects.create(
                training_class=enrolment.training_class,
                starts_at=day_time(day, 8 + 4 * n),
                ends_at=day_time(day, 11 + 4 * n),
            )
            Attendance.objects.create(
                enrolment=enrolment,
                session=session,
                checked_in_at=day_time(day, 8 + 4 * n),
                method="qr",
            )


def test_living_pays_per_day_attended(world: World):
    enrolment = world.completer(world.someone("unemployed"))
    attend(enrolment, [START, START + datetime.timedelta(days=1)], per_day=2)

    line = amounts.living_line(enrolment, world.rule_set, on=CLAIM_DAY)

    # Four sessions on two days: 2 days × 30.00 yuan = 60.00 yuan.
    assert line.amount_fen == 2 * 3000 == 6000
    assert "2 training days attended" in " ".join(s.text for s in line.steps)


def test_living_stops_at_the_cap_of_days(world: World):
    world.rule_set.amounts.filter(kind=SubsidyKind.LIVING).update(max_units=1)
    enrolment = world.completer(world.someone("unemployed"))
    attend(enrolment, [START, START + datetime.timedelta(days=1)])

    line = amounts.living_line(enrolment, world.rule_set, on=CLAIM_DAY)

    # 2 days attended, at most 1: 1 × 30.00 yuan.
    assert line.amount_fen == 3000
    assert "cap of rule set v7 is 1 days" in " ".join(s.text for s in line.steps)


def test_living_refuses_a_group_without_an_allowance(world: World):
    enrolment = world.completer(world.someone("migrant_worker"))
    attend(enrolment, [START])
    assert refusal(amounts.living_line, enrolment, world.rule_set, on=CLAIM_DAY).rule == (
        "eligibility"
    )


def test_living_refuses_before_the_class_ended_r29(world: World):
    enrolment = world.completer(world.someone("unemployed"))
    assert refusal(amounts.living_line, enrolment, world.rule_set, on=START).rule == "R29"


# Skill upgrade subsidy ------------------------------------------------------------------


def test_skill_upgrade_pays_the_amount_of_the_level(world: World):
    certificate = world.certificate(world.someone(), "level4")

    line = amounts.skill_upgrade_line(certificate, world.rule_set, on=CLAIM_DAY)

    # Level 4 in rule set v7: 1,500.00 yuan.
    assert line.amount_fen == 150000
    texts = " ".join(s.text for s in line.steps)
    assert "Months insured were not checked" in texts
    assert "12 months" in texts


def test_skill_upgrade_refuses_before_the_certificate_r29(world: World):
    certificate = world.certificate(world.someone(), issued_on=CLAIM_DAY)
    refused = refusal(amounts.skill_upgrade_line, certificate, world.rule_set, on=END)
    assert refused.rule == "R29"


def test_skill_upgrade_refuses_after_the_claim_window(world: World):
    certificate = world.certificate(world.someone(), issued_on=datetime.date(2025, 1, 31))
    # 12 months after 31 January 2025 is 31 January 2026.
    assert (
        amounts.skill_upgrade_line(
            certificate, world.rule_set, on=datetime.date(2026, 1, 31)
        ).amount_fen
        == 100000
    )
    refused = refusal(
        amounts.skill_upgrade_line, certificate, world.rule_set, on=datetime.date(2026, 2, 1)
    )
    assert refused.rule == "cap"
    assert "2026-01-31" in refused.message


def test_skill_upgrade_refuses_a_certificate_already_claimed_r09(world: World):
    person = world.someone()
    certificate = world.certificate(person)
    world.claimed(person, certificate=certificate, kind=SubsidyKind.SKILL_UPGRADE)
    assert (
        refusal(amounts.skill_upgrade_line, certificate, world.rule_set, on=CLAIM_DAY).rule == "R09"
    )
    # Another certificate of the same occupation and level: paid once.
    second = world.certificate(person)
    assert refusal(amounts.skill_upgrade_line, second, world.rule_set, on=CLAIM_DAY).rule == ("R09")


def test_skill_upgrade_refuses_a_level_without_an_amount(world: World):
    certificate = world.certificate(world.someone(), "level3")
    refused = refusal(amounts.skill_upgrade_line, certificate, world.rule_set, on=CLAIM_DAY)
    assert refused.rule == "eligibility"


def test_skill_upgrade_refuses_a_lower_level_after_a_higher(world: World):
    person = world.someone()
    world.certificate(person, "level4", issued_on=datetime.date(2024, 1, 1))
    lower = world.certificate(person, "level5")
    assert refusal(amounts.skill_upgrade_line, lower, world.rule_set, on=CLAIM_DAY).rule == ("cap")


def test_a_refusal_names_a_known_rule():
    with pytest.raises(ValueError, match="Unknown refusal rule"):
        Refused("R99", "no such rule")


def test_months_are_added_to_the_month_s_last_day():
    assert amounts.add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert amounts.add_months(datetime.date(2024, 11, 30), 3) == datetime.date(2025, 2, 28)
