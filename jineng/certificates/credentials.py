"""Build and sign the credentials: Open Badges 3.0 ``OpenBadgeCredential`` and status lists.

A certificate is an OpenBadgeCredential (W3C VC Data Model 2.0 shape) secured with the Open
Badges 3.0 "JSON Web Token Proof Format" exactly as that specification states it: the JOSE
header holds ``alg`` RS256, ``typ`` JWT and ``kid`` (a DID URL that dereferences to the public
JWK) and no other header; the payload holds ``iss`` (issuer.id), ``jti`` (the credential's
id), ``nbf`` (validFrom, in seconds), ``sub`` (credentialSubject.id), ``exp`` (validUntil, only
when there is one) and ``vc`` (the whole credential). Status lists are secured the same way.
The credential names the holder by a pseudonymous urn:uuid only: no name, no ID number.
"""

from __future__ import annotations

import datetime
import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from joserfc import jwt

from jineng.certificates import keys
from jineng.certificates.models import Certificate, CertificateKind, SigningKey, StatusPurpose
from jineng.core.pii import derived_key

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
STATUS_LIST_TYPES = ["VerifiableCredential", "BitstringStatusListCredential"]
# Open Badges 3.0 AchievementType by certificate kind: a qualification or skill-level
# certificate is awarded by an authoritative body after an assessment ("Certification"); a
# special-ability certificate attests one bounded competence ("Certificate"); a training
# certificate acknowledges completed training ("CertificateOfCompletion").
ACHIEVEMENT_TYPES = {
    CertificateKind.QUALIFICATION: "Certification",
    CertificateKind.SKILL_LEVEL: "Certification",
    CertificateKind.SPECIAL_ABILITY: "Certificate",
    CertificateKind.TRAINING: "CertificateOfCompletion",
}
# The credential is a public document in Chinese, whatever the language of the request.
KIND_NAMES = {
    CertificateKind.QUALIFICATION: "职业资格证书",
    CertificateKind.SKILL_LEVEL: "职业技能等级证书",
    CertificateKind.SPECIAL_ABILITY: "专项职业能力证书",
    CertificateKind.TRAINING: "培训合格证书",
}
CRITERIA = {
    CertificateKind.QUALIFICATION: "经职业资格评价，成绩合格。",
    CertificateKind.SKILL_LEVEL: "经职业技能等级认定，成绩合格。",
    CertificateKind.SPECIAL_ABILITY: "经专项职业能力考核，成绩合格。",
    CertificateKind.TRAINING: "完成培训课程并考核合格。",
}
SUBJECT_PURPOSE = b"jineng certificates subject id"


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def valid_from(issued_on: datetime.date) -> datetime.datetime:
    """The first moment of validity: the start of the issue day, local time."""
    return datetime.datetime.combine(issued_on, datetime.time(0), tzinfo=_zone())


def valid_until(last_day: datetime.date) -> datetime.datetime:
    """The last moment of validity: the end of the last valid day, local time."""
    return datetime.datetime.combine(last_day, datetime.time(23, 59, 59), tzinfo=_zone())


def stamp(moment: datetime.datetime) -> str:
    """An XML Schema dateTimeStamp in UTC with a Z, as verifiers parse it most readily."""
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def subject_id(person_id: int) -> str:
    """The holder's pseudonymous id: a urn:uuid that only this site can link to the person."""
    namespace = uuid.UUID(bytes=derived_key(SUBJECT_PURPOSE)[:16])
    return uuid.uuid5(namespace, f"person:{person_id}").urn


def new_credential_id() -> str:
    """A fresh credential id (urn:uuid)."""
    return uuid.uuid4().urn


def status_list_url(purpose: str) -> str:
    """The public address of a status list credential."""
    return f"{keys.public_base_url()}/certificates/status/{purpose}"


def verify_url(number: str) -> str:
    """The public verification page of a certificate (the QR code's target)."""
    return f"{keys.public_base_url()}/verify/{number}"


def credential_status(index: int) -> list[dict[str, Any]]:
    """The certificate's two BitstringStatusListEntry objects: revocation and suspension."""
    return [
        {
            "id": f"{status_list_url(purpose)}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": status_list_url(purpose),
        }
        for purpose in (StatusPurpose.REVOCATION.value, StatusPurpose.SUSPENSION.value)
    ]


def issuer_profile() -> dict[str, Any]:
    """The issuer's Open Badges Profile: the did:web of this site and its name."""
    return {
        "id": keys.issuer_did(),
        "type": ["Profile"],
        "name": settings.JINENG_CERTIFICATE_ISSUER_NAME,
        "url": keys.public_base_url(),
    }


def certificate_title(certificate: Certificate) -> str:
    """The certificate's name: its title, else occupation, level and kind in words."""
    if certificate.title:
        return certificate.title
    parts = [certificate.occupation.name if certificate.occupation else ""]
    if certificate.level is not None:
        parts.append(f"（{certificate.level.name}）")
    return "".join(parts) + KIND_NAMES[CertificateKind(certificate.kind)]


def achievement(certificate: Certificate) -> dict[str, Any]:
    """The Achievement the certificate attests: kind, occupation and level."""
    kind = CertificateKind(certificate.kind)
    base = keys.public_base_url()
    path = [kind.value]
    if certificate.occupation is not None:
        path.append(certificate.occupation.code)
    if certificate.level is not None:
        path.append(certificate.level.code)
    issuer = certificate.issuer
    found: dict[str, Any] = {
        "id": f"{base}/certificates/achievements/{'/'.join(path)}",
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[kind],
        "name": certificate_title(certificate),
        "description": KIND_NAMES[kind],
        "criteria": {"narrative": CRITERIA[kind]},
        "creator": {
            "id": f"{base}/certificates/issuers/{issuer.credit_code}",
            "type": ["Profile"],
            "name": issuer.name,
        },
    }
    if certificate.occupation is not None:
        found["humanCode"] = certificate.occupation.code
        found["fieldOfStudy"] = certificate.occupation.name
    return found


def build_credential(certificate: Certificate) -> dict[str, Any]:
    """The OpenBadgeCredential of a certificate whose number, ids and index are set."""
    start = stamp(valid_from(certificate.issued_on))
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": certificate.credential_id,
        "type": list(CREDENTIAL_TYPES),
        "issuer": issuer_profile(),
        "validFrom": start,
        "awardedDate": start,
        "name": certificate_title(certificate),
        "description": f"证书编号 {certificate.number}；查验 {verify_url(certificate.number)}",
        "credentialSubject": {
            "id": certificate.subject_id,
            "type": ["AchievementSubject"],
            "achievement": achievement(certificate),
        },
        "credentialStatus": credential_status(certificate.status_index),
    }
    if certificate.valid_until is not None:
        credential["validUntil"] = stamp(valid_until(certificate.valid_until))
    return credential


def _seconds(text: str) -> int:
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def claims_for(credential: dict[str, Any]) -> dict[str, Any]:
    """The JWT claims of a credential, as the Open Badges 3.0 JWT proof format lists them."""
    issuer = credential["issuer"]
    claims: dict[str, Any] = {
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": credential["id"],
        "nbf": _seconds(credential["validFrom"]),
        "sub": credential["credentialSubject"]["id"],
    }
    if "validUntil" in credential:
        claims["exp"] = _seconds(credential["validUntil"])
    claims["vc"] = credential
    return claims


def header_for(signing_key: SigningKey) -> dict[str, str]:
    """The JOSE header: alg, typ and kid, and nothing else (the specification allows no more)."""
    return {"alg": keys.ALGORITHM, "typ": "JWT", "kid": keys.key_uri(signing_key.kid)}


def sign(credential: dict[str, Any], signing_key: SigningKey) -> str:
    """Secure a credential as a compact JWS (VC-JWT) with a signing key."""
    return jwt.encode(
        header_for(signing_key), claims_for(credential), keys.private_key(signing_key)
    )


def status_list_credential(purpose: str, encoded_list: str, now: datetime.datetime) -> dict:
    """The BitstringStatusListCredential of one list."""
    url = status_list_url(purpose)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": list(STATUS_LIST_TYPES),
        "issuer": keys.issuer_did(),
        "validFrom": stamp(now),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }
