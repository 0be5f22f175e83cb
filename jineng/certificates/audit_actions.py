"""Name the certificates' audit actions and fields (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.certificates.models import CertificateStatus
from jineng.core.audit_labels import register_actions, register_fields, register_values

register_actions(
    {
        "certificates.certificate.issued": _("Issued a certificate"),
        "certificates.certificate.suspended": _("Suspended a certificate"),
        "certificates.certificate.revoked": _("Revoked a certificate"),
        "certificates.certificate.reinstated": _("Reinstated a certificate"),
        "certificates.national_upload.exported": _("Exported certificates for the national upload"),
        "certificates.signingkey.created": _("Created the first certificate signing key"),
        "certificates.signingkey.rotated": _("Rotated the certificate signing key"),
    }
)
register_fields(
    {
        "number": _("Certificate number"),
        "basis": _("Basis"),
        "issued_on": _("Issued on"),
        "kid": _("Key id"),
        "retired": _("Retired keys"),
        "before": _("Before"),
        "after": _("After"),
        "reason": _("Reason"),
    }
)
register_values("before", dict(CertificateStatus.choices), actions="certificates.certificate")
register_values("after", dict(CertificateStatus.choices), actions="certificates.certificate")
