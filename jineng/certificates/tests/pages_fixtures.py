"""Fixtures of the page, API, PDF and export tests: certificates of two holders by two issuers.

The rows are written directly (the pages read them; issuing is tested with the services);
their credential is a well-formed but unsigned JWT, so the downloads have something to give.
Import the fixtures by name into a test module (``from ... import *`` is avoided).
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import ID_B, make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations.tests import conftest as accreditation_fixtures
from jineng.certificates.models import Certificate, CertificateKind, CertificateStatus
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person

levels = accreditation_fixtures.levels
occupations = accreditation_fixtures.occupations

NUMBER_A = "S22058100126030000001"
NUMBER_A2 = "S22058100126030000002"
NUMBER_B = "S22058100226040000001"


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def fake_jwt(number: str) -> str:
    """A compact JWT whose payload is an OpenBadgeCredential naming the number (unsigned)."""
    header = {"alg": "RS256", "typ": "JWT", "kid": "test"}
    payload = {
        "vc": {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "credentialSubject": {"type": ["AchievementSubject"], "identifier": number},
        }
    }
    return f"{_b64(header)}.{_b64(payload)}.c2lnbmF0dXJl"


_INDEX = iter(range(1, 10_000))


def certificate(
    number: str,
    holder: Person,
    issuer: Organization,
    *,
    occupation: Any = None,
    level: Any = None,
    status: str = CertificateStatus.VALID,
    reason: str = "",
    issued_on: datetime.date = datetime.date(2026, 3, 1),
) -> Certificate:
    """Write one certificate row as issuing would leave it."""
    index = next(_INDEX)
    return Certificate.objects.create(
        number=number,
        kind=CertificateKind.SKILL_LEVEL,
        holder=holder,
        occupation=occupation,
        level=level,
        issuer=issuer,
        issued_on=issued_on,
        basis=f"result:{index}:{number}",
        status=status,
        status_reason=reason,
        status_index=index,
        credential_id=f"urn:uuid:00000000-0000-4000-8000-{index:012d}",
        subject_id=f"urn:uuid:00000000-0000-4000-9000-{index:012d}",
        signing_kid="test",
        credential=fake_jwt(number),
    )


@dataclass
class Certificates:
    """The certificates of the tests and who sees them."""

    a: Certificate  # 张三明's, by evaluator A
    a2: Certificate  # 张三明's, by evaluator A, revoked
    b: Certificate  # 李四's, by evaluator B
    holder: User  # 张三明's worker account
    other_holder: User  # 李四's worker account
    staff_a: User  # evaluator A's staff
    staff_b: User  # evaluator B's staff


@pytest.fixture
def certs(
    city: Any, person: Person, bureau_admin: User, occupations: Any, levels: Any
) -> Certificates:
    from jineng.people.services import PersonInput, register_person

    Person.objects.filter(pk=person.pk).update(name="张三明")
    person.refresh_from_db()
    other = register_person(
        PersonInput(id_number=ID_B, name="李四", region_code="220581001001"), actor=bureau_admin
    )
    org_a = Organization.objects.create(
        credit_code="12220581MB0000001X",
        name="梅河口市职业技能鉴定中心",
        kind=OrganizationKind.EVALUATION_BODY,
        region=city,
    )
    org_b = Organization.objects.create(
        credit_code="91220581MA0000002Y",
        name="梅河口市某某机械有限公司",
        kind=OrganizationKind.EVALUATION_BODY,
        region=city,
    )
    electrician, level3 = occupations["electrician"], levels["level3"]
    return Certificates(
        a=certificate(NUMBER_A, person, org_a, occupation=electrician, level=level3),
        a2=certificate(
            NUMBER_A2,
            person,
            org_a,
            occupation=electrician,
            level=levels["level4"],
            status=CertificateStatus.REVOKED,
            reason="考核舞弊",
        ),
        b=certificate(NUMBER_B, other, org_b, occupation=occupations["welder"], level=level3),
        holder=make_user("holder_t", Role.WORKER, person=person),
        other_holder=make_user("holder_b", Role.WORKER, person=other),
        staff_a=make_user("eval_a", Role.EVALUATOR, organization=org_a),
        staff_b=make_user("eval_b", Role.EVALUATOR, organization=org_b),
    )


@pytest.fixture
def issued(certs: Certificates, bureau_admin: User, occupations: Any, levels: Any) -> Certificate:
    """A certificate issued through the services (signed, in the status lists) to 张三明."""
    from jineng.accreditations.choices import AccreditationKind
    from jineng.accreditations.tests.helpers import grant
    from jineng.certificates import services

    issuer = certs.a.issuer
    today = datetime.date.today()
    grant(
        certs.staff_a,
        bureau_admin,
        occupations["electrician"],
        levels["level3"],
        today - datetime.timedelta(days=365),
        today + datetime.timedelta(days=365),
        kind=AccreditationKind.EVALUATION,
        evaluation_kind=CertificateKind.SKILL_LEVEL,
    )
    return services.issue_certificate(
        bureau_admin,
        services.IssueRequest(
            kind=CertificateKind.SKILL_LEVEL,
            holder=certs.a.holder,
            issuer=issuer,
            issued_on=today,
            basis="result:issued-fixture",
            occupation=occupations["electrician"],
            level=levels["level3"],
        ),
    )
