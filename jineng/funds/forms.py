"""Forms of the funds pages: setting a budget and filtering the ledger."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.core.forms import YuanField
from jineng.funds.choices import TransactionKind
from jineng.funds.models import MAX_BUDGET_FEN, MAX_YEAR, MIN_YEAR, FundSource


def _source_choices() -> list[tuple[str, str]]:
    return [(s.code, s.name) for s in FundSource.objects.all()]


class BudgetForm(forms.Form):
    """Set the budget of a fund source for a year (MANAGE_FUNDS)."""

    source = forms.ChoiceField(label=_("Fund source"), choices=())
    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    amount = YuanField(label=_("Budget"), max_fen=MAX_BUDGET_FEN)
    is_example = forms.BooleanField(
        label=_("Example amount (the demo's, not a real budget)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = _source_choices()  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year


class LedgerFilterForm(forms.Form):
    """Filter the ledger by year, source, kind and reference."""

    year = forms.IntegerField(
        label=_("Year"), min_value=MIN_YEAR, max_value=MAX_YEAR, required=False
    )
    source = forms.ChoiceField(label=_("Fund source"), choices=(), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All"))] + list(TransactionKind.choices), required=False
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", _("All"))] + _source_choices()  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The filters typed in, or none when the form is not valid."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ReversalForm(forms.Form):
    """Why a payment is reversed (the bank returned it)."""

    memo = forms.CharField(label=_("Reason"), max_length=500)


class RecoveryForm(forms.Form):
    """Money recovered on a recovery order."""

    amount = YuanField(label=_("Amount recovered"), min_fen=1, max_fen=MAX_BUDGET_FEN)
