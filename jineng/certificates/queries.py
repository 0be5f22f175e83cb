"""Reads of certificates for pages, the API, the lifelong record and the workspace.

``public_view`` is what anyone may learn of a certificate from its number (the verification
page, its API and the QR code on the paper copy): the holder's name masked, never the ID
number, and the status in words without its reason.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateQuerySet,
    CertificateStatus,
)
from jineng.core.pii import mask_name
from jineng.people.models import Person
from jineng.people.queries import RecordEntry, RecordScope

# A certificate number as the national layout writes it: letters, digits and dashes.
NUMBER_MAX_LENGTH = 40


@dataclass(frozen=True)
class PublicCertificate:
    """What anyone may learn of a certificate from its number (证书查验结果)."""

    number: str
    kind: str
    kind_label: str
    holder_masked: str
    title: str
    occupation_code: str
    occupation_name: str
    level_name: str
    issuer_name: str
    issuer_credit_code: str
    issued_on: datetime.date
    valid_until: datetime.date | None
    status: str
    status_label: str
    status_changed_on: datetime.date | None

    @property
    def is_valid(self) -> bool:
        """Tell whether the certificate is in force (neither suspended nor revoked)."""
        return self.status == CertificateStatus.VALID

    def as_dict(self) -> dict[str, Any]:
        """Return the facts as JSON-ready data (the public API's body)."""
        return {
            "number": self.number,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "holder": self.holder_masked,
            "title": self.title,
            "occupation": (
                {"code": self.occupation_code, "name": self.occupation_name}
                if self.occupation_code
                else None
            ),
            "level": self.level_name or None,
            "issuer": {"name": self.issuer_name, "credit_code": self.issuer_credit_code},
            "issued_on": self.issued_on.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "status": self.status,
            "status_label": self.status_label,
            "status_changed_on": (
                self.status_changed_on.isoformat() if self.status_changed_on else None
            ),
        }


_PUBLIC_FIELDS = (
    "number",
    "kind",
    "holder__name",
    "title",
    "occupation__code",
    "occupation__name",
    "level__name",
    "issuer__name",
    "issuer__credit_code",
    "issued_on",
    "valid_until",
    "status",
    "status_changed_at",
)


@functools.cache
def _public_query(alias: str) -> tuple[str, SQLCompiler, dict[int, Any]]:
    """The public lookup's SQL, compiled once per database: verification is the hot path.

    Building the ORM query costs more than running it; the SQL is the ORM's own, with the
    number as its one parameter, and the values go through the ORM's own converters.
    """
    queryset = Certificate.objects.using(alias).filter(number="").values_list(*_PUBLIC_FIELDS)
    compiler = queryset[:1].query.get_compiler(alias)
    sql, _params = compiler.as_sql()
    converters = compiler.get_converters([column[0] for column in compiler.select])
    return sql, compiler, converters


def _public_row(number: str) -> tuple[Any, ...] | None:
    """Fetch the public columns of the certificate with this number (exact match)."""
    sql, compiler, converters = _public_query(DEFAULT_DB_ALIAS)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, [number])
        row = cursor.fetchone()
    if row is None:
        return None
    return tuple(next(iter(compiler.apply_converters([row], converters))))


def public_view(number: str) -> PublicCertificate | None:
    """Return the public facts of the certificate with this number, or None (one query)."""
    number = (number or "").strip().upper()
    if not number or len(number) > NUMBER_MAX_LENGTH:
        return None
    row = _public_row(number)
    if row is None:
        return None
    (
        number,
        kind,
        holder,
        title,
        occupation_code,
        occupation_name,
        level_name,
        issuer_name,
        credit_code,
        issued_on,
        valid_until,
        status,
        changed_at,
    ) = row
    return PublicCertificate(
        number=number,
        kind=kind,
        kind_label=str(CertificateKind(kind).label),
        holder_masked=mask_name(holder),
        title=title,
        occupation_code=occupation_code or "",
        occupation_name=occupation_name or "",
        level_name=level_name or "",
        issuer_name=issuer_name,
        issuer_credit_code=credit_code,
        issued_on=issued_on,
        valid_until=valid_until,
        status=status,
        status_label=str(CertificateStatus(status).label),
        status_changed_on=changed_at.date() if changed_at else None,
    )


@dataclass(frozen=True)
class CertificateFilters:
    """The filters of the certificate list (page, API and export share them)."""

    kind: str = ""
    status: str = ""
    occupation: str = ""
    issuer: str = ""
    number: str = ""

    def as_params(self) -> dict[str, str]:
        """Return the filters that are set, as query parameters (for audit and links)."""
        return {k: v for k, v in self.__dict__.items() if v}


def certificates_for(user: Viewer) -> CertificateQuerySet:
    """Return the certificates in the user's scope with what lists show, newest first."""
    return Certificate.objects.visible_to(user).select_related(
        "holder", "occupation", "level", "issuer"
    )


def filter_certificates(
    certificates: CertificateQuerySet, filters: CertificateFilters
) -> CertificateQuerySet:
    """Narrow a queryset by the list's filters.

    ``occupation`` is an occupation code or its beginning, or words of its name; ``issuer``
    a credit code or words of the issuer's name; ``number`` a number or its beginning.
    """
    if filters.kind:
        certificates = certificates.filter(kind=filters.kind)
    if filters.status:
        certificates = certificates.filter(status=filters.status)
    if filters.occupation:
        text = filters.occupation.strip()
        certificates = certificates.filter(
            Q(occupation__code__startswith=text) | Q(occupation__name__icontains=text)
        )
    if filters.issuer:
        text = filters.issuer.strip()
        certificates = certificates.filter(
            Q(issuer__credit_code=text.upper()) | Q(issuer__name__icontains=text)
        )
    if filters.number:
        certificates = certificates.filter(number__startswith=filters.number.strip().upper())
    return certificates


def holder_certificates(user: Viewer) -> CertificateQuerySet:
    """Return the signed-in worker's own certificates (the workspace's 我的证书)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Certificate.objects.none()
    return certificates_for(user).filter(holder_id=person_id)


def recently_changed(user: Viewer, limit: int = 5) -> list[Certificate]:
    """Return the certificates in scope most recently suspended, revoked or reinstated."""
    return list(
        certificates_for(user)
        .filter(status_changed_at__isnull=False)
        .order_by("-status_changed_at")[:limit]
    )


def _entry_title(certificate: Certificate) -> str:
    what = certificate.title or " ".join(
        part
        for part in (
            certificate.occupation.name if certificate.occupation else "",
            certificate.level.name if certificate.level else "",
        )
        if part
    )
    title = _("{kind}: {what}, no. {number}, issued by {issuer}").format(
        kind=CertificateKind(certificate.kind).label,
        what=what or "—",
        number=certificate.number,
        issuer=certificate.issuer.name,
    )
    if certificate.status != CertificateStatus.VALID:
        title += " (" + str(CertificateStatus(certificate.status).label) + ")"
    return title


def record_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    """Return the person's certificates for the lifelong record (培训电子档案).

    Each entry links to the public verification page and, for the holder's own eyes
    (``holder_only``), to the PDF and the wallet downloads. An organisation's scope keeps
    only the certificates it issued.
    """
    certificates = scope.by_organization(
        Certificate.objects.filter(holder=person), "issuer_id"
    ).select_related("occupation", "level", "issuer")
    entries = []
    for certificate in certificates:
        verify_url = reverse("verify:certificate", args=[certificate.number])
        links = [{"label": _("Verify"), "url": verify_url, "holder_only": False}]
        for name, label in (
            ("certificates:pdf", _("PDF")),
            ("certificates:credential_jwt", _("Credential (JWT)")),
            ("certificates:credential_json", _("Credential (JSON)")),
        ):
            links.append(
                {"label": label, "url": reverse(name, args=[certificate.pk]), "holder_only": True}
            )
        entries.append(
            RecordEntry(
                day=certificate.issued_on,
                kind=f"certificates.{certificate.kind}",
                title=_entry_title(certificate),
                details={
                    "number": certificate.number,
                    "certificate_kind": certificate.kind,
                    "status": certificate.status,
                    "occupation": certificate.occupation.code if certificate.occupation else None,
                    "level": certificate.level.code if certificate.level else None,
                    "issuer": certificate.issuer.credit_code,
                    "valid_until": (
                        certificate.valid_until.isoformat() if certificate.valid_until else None
                    ),
                    "verify_url": verify_url,
                    "links": links,
                },
            )
        )
    return entries
