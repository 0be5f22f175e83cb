"""Forms of the certificate pages: the list's filters, status changes, checking a credential."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jineng.certificates.models import CertificateKind, CertificateStatus
from jineng.certificates.queries import NUMBER_MAX_LENGTH, CertificateFilters

# The largest credential file or pasted text checked (a VC-JWT is a few kilobytes).
MAX_CREDENTIAL_BYTES = 64 * 1024


class CertificateFilterForm(forms.Form):
    """Filter the bureau's list of certificates."""

    number = forms.CharField(
        label=_("Certificate number"), max_length=NUMBER_MAX_LENGTH, required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any kind")), *CertificateKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *CertificateStatus.choices],
        required=False,
    )
    occupation = forms.CharField(
        label=_("Occupation"),
        max_length=100,
        required=False,
        help_text=_("A code or its beginning, or words of the name."),
    )
    issuer = forms.CharField(
        label=_("Issued by"),
        max_length=100,
        required=False,
        help_text=_("A credit code, or words of the organisation's name."),
    )

    def filters(self) -> CertificateFilters:
        """Return the filters as entered (none when the form is invalid or unbound)."""
        if not self.is_bound or not self.is_valid():
            return CertificateFilters()
        data = self.cleaned_data
        return CertificateFilters(
            kind=data["kind"],
            status=data["status"],
            occupation=data["occupation"].strip(),
            issuer=data["issuer"].strip(),
            number=data["number"].strip(),
        )


class StatusReasonForm(forms.Form):
    """Why the bureau suspends, revokes or reinstates a certificate (the bureau reads it)."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Only the bureau sees the reason; the public page shows the status alone."),
    )


class NumberForm(forms.Form):
    """Look a certificate up by its number (the public verification page)."""

    number = forms.CharField(
        label=_("Certificate number"),
        max_length=NUMBER_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class CredentialForm(forms.Form):
    """Paste a credential (JWT or JSON) or upload its file, to have it checked."""

    text = forms.CharField(
        label=_("Credential"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        required=False,
        max_length=MAX_CREDENTIAL_BYTES,
        help_text=_("Paste the credential as a JWT (eyJ…) or as JSON."),
    )
    file = forms.FileField(
        label=_("Or upload the credential file"),
        required=False,
        help_text=_("A .jwt or .json file of at most 64 KB."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        text = (data.get("text") or "").strip()
        if upload is not None:
            if upload.size > MAX_CREDENTIAL_BYTES:
                self.add_error("file", _("The file is larger than 64 KB."))
                return data
            raw = upload.read(MAX_CREDENTIAL_BYTES + 1)
            try:
                text = raw.decode("utf-8-sig").strip()
            except UnicodeDecodeError:
                self.add_error("file", _("The file is not text: upload a .jwt or .json file."))
                return data
        if not text:
            self.add_error("text", _("Paste a credential or choose its file."))
        data["credential"] = text
        return data
