"""Forms of the claim pages: review notes, rejections, objections, the worker's dispute and
the finance officer's payment batch. They check shape only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

# The longest note, reason or objection a form takes (a page of text).
MAX_TEXT = 2000
MAX_CONTACT = 100
MAX_BATCH_REFERENCE = 60
MAX_PAYEE = 200
MAX_ACCOUNT = 40


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ReviewNoteForm(forms.Form):
    """What the reviewer checked, kept with the review step (may be left empty)."""

    note = forms.CharField(
        label=_("Review note"),
        widget=_textarea(),
        max_length=MAX_TEXT,
        required=False,
        help_text=_("What you checked, for the next reviewer and the auditors."),
    )


class RejectForm(forms.Form):
    """Why a claim is rejected: the claimant reads it."""

    reasons = forms.CharField(
        label=_("Reasons for rejecting"),
        widget=_textarea(),
        max_length=MAX_TEXT,
        help_text=_("The institution or worker who claimed reads these reasons."),
    )


class ResolveObjectionForm(forms.Form):
    """The decision on an objection and why."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("upheld", _("The objection is right: the line or claim is wrong")),
            ("dismissed", _("The objection is not right: the claim stands")),
        ],
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label=_("What was found"),
        widget=_textarea(),
        max_length=MAX_TEXT,
        help_text=_("Kept with the objection; the claim's reviewers and auditors read it."),
    )

    @property
    def is_upheld(self) -> bool:
        return self.cleaned_data.get("decision") == "upheld"


class DisputeForm(forms.Form):
    """The worker's "this is not right", in their own words."""

    text = forms.CharField(
        label=_("What is not right?"),
        widget=_textarea(4),
        max_length=MAX_TEXT,
        help_text=_(
            "For example: I did not attend this class, I was not assessed, or the days are "
            "wrong. The payment waits until the bureau has looked into it."
        ),
    )


class PublicObjectionForm(forms.Form):
    """An objection from anyone during the public notice (公示异议)."""

    text = forms.CharField(
        label=_("What is not right about this claim?"),
        widget=_textarea(4),
        max_length=MAX_TEXT,
        help_text=_("Say what you know, for example who did not attend or when."),
    )
    contact = forms.CharField(
        label=_("How to reach you (optional)"),
        max_length=MAX_CONTACT,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
        help_text=_("A phone number or e-mail. Only the bureau's reviewers see it."),
    )


class PaymentBatchForm(forms.Form):
    """Pay approved claims in one batch (资金拨付): for each chosen claim, where the money
    goes. The payee's name starts as the claimant's; the account and bank are typed from
    the claimant's bank details (the platform keeps no bank accounts)."""

    batch_reference = forms.CharField(
        label=_("Payment batch number"),
        max_length=MAX_BATCH_REFERENCE,
        help_text=_("The number the finance bureau gives this batch, e.g. 2026-12-001."),
    )

    def __init__(self, *args: Any, claims: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claim_ids = [pk for pk, _name in claims]
        for pk, name in claims:
            self.fields[f"pay_{pk}"] = forms.BooleanField(label=_("Pay"), required=False)
            self.fields[f"name_{pk}"] = forms.CharField(
                label=_("Payee"), max_length=MAX_PAYEE, initial=name, required=False
            )
            self.fields[f"account_{pk}"] = forms.CharField(
                label=_("Account number"),
                max_length=MAX_ACCOUNT,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
            )
            self.fields[f"bank_{pk}"] = forms.CharField(
                label=_("Bank"), max_length=MAX_PAYEE, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [pk for pk in self.claim_ids if data.get(f"pay_{pk}")]
        if not chosen:
            raise forms.ValidationError(_("Choose at least one claim to pay."))
        for pk in chosen:
            for part in ("name", "account"):
                if not (data.get(f"{part}_{pk}") or "").strip():
                    self.add_error(f"{part}_{pk}", _("Needed for a claim you pay."))
        return data

    def payees(self) -> dict[int, tuple[str, str, str]]:
        """The chosen claims, each with its payee's name, account and bank."""
        data = self.cleaned_data
        return {
            pk: (data[f"name_{pk}"], data[f"account_{pk}"], data[f"bank_{pk}"])
            for pk in self.claim_ids
            if data.get(f"pay_{pk}")
        }
