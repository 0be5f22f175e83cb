"""Build talent test data through the services, as a real workflow would."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from jineng.certificates import services as certificates
from jineng.certificates.models import Certificate, CertificateKind
from jineng.talent import rules, services
from jineng.talent.choices import CompetitionLevel
from jineng.talent.models import AwardRound, AwardTitle, Competition

_bases = itertools.count(1)


def certify(holder: Any, issuer: Any, occupation: Any, level: Any, *, days_ago: int = 30) -> Any:
    """Issue a skill-level certificate as the system would after an assessment."""
    return certificates.issue_certificate(
        None,
        certificates.IssueRequest(
            kind=CertificateKind.SKILL_LEVEL,
            holder=holder,
            issuer=issuer,
            issued_on=timezone.localdate() - datetime.timedelta(days=days_ago),
            basis=f"result:test-{next(_bases)}",
            occupation=occupation,
            level=level,
        ),
    )


def load_rules(admin: Any) -> int:
    return services.load_promotion_rules(rules.read_rules(), actor=admin)


def competition(admin: Any, occupation: Any, *, level: str = CompetitionLevel.CITY) -> Competition:
    today = timezone.localdate()
    return services.create_competition(
        services.CompetitionInput(
            name=f"技能大赛 {level}",
            level=level,
            occupations=[occupation],
            starts_on=today - datetime.timedelta(days=10),
            ends_on=today - datetime.timedelta(days=9),
            organizer="梅河口市人社局",
        ),
        actor=admin,
    )


def award_title(admin: Any) -> AwardTitle:
    return services.save_award_title(code="mhk-master", name="梅河口技能名师", actor=admin)


def award_round(admin: Any, *, notice_days: int = 7, period: str = "") -> AwardRound:
    today = timezone.localdate()
    return services.create_round(
        services.RoundInput(
            title=award_title(admin),
            year=today.year,
            nominations_open_on=today - datetime.timedelta(days=1),
            nominations_close_on=today + datetime.timedelta(days=10),
            notice_days=notice_days,
            period=period,
        ),
        actor=admin,
    )


def round_on_notice(admin: Any, people: list[Any]) -> AwardRound:
    """A round with the people nominated and approved, on notice from today."""
    r = award_round(admin)
    for person in people:
        services.nominate(
            r.pk, services.NominationInput(person=person, statement="业绩突出"), actor=admin
        )
    services.start_review(r.pk, actor=admin)
    for n in r.nominations.all():
        services.decide_nomination(n.pk, approve=True, reason="", actor=admin)
    return services.start_notice(r.pk, actor=admin)


def valid_certificates(person: Any) -> Any:
    return Certificate.objects.valid().filter(holder=person)
