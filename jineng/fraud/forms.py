"""Forms of the fraud pages: the alerts' filters, a disposition, a full view's purpose, a
rule's new thresholds and a scan."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jineng.fraud import services
from jineng.fraud.choices import AlertStatus, RuleAction
from jineng.fraud.rules.base import REGISTRY, RuleSpec
from jineng.fraud.thresholds import label

MAX_TEXT = services.MAX_TEXT
PURPOSE_MAX = 200


def rule_choices() -> list[tuple[str, str]]:
    """Every registered rule as (code, "code name"), by code."""
    return [(code, f"{code} {REGISTRY[code].name}") for code in sorted(REGISTRY)]


class AlertFilterForm(forms.Form):
    """Filter the list of alerts by rule and status."""

    rule = forms.ChoiceField(label=_("Rule"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *AlertStatus.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("Any rule")), *rule_choices()]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, str]:
        """The filters as entered: none when the form is invalid or unbound."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class DispositionForm(forms.Form):
    """Clear an alert with a reason, or confirm it (its holds stay, recoveries are ordered)."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=[
            (AlertStatus.CLEARED.value, _("Clear: nothing wrong was found; release the holds")),
            (
                AlertStatus.CONFIRMED.value,
                _("Confirm: the fraud is real; keep the holds and order recovery of what was paid"),
            ),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_TEXT,
        help_text=_("What was checked and what it showed. It is kept with the alert."),
    )


class RevealForm(forms.Form):
    """Why the evidence is needed with people's full names and numbers (audited)."""

    purpose = forms.CharField(
        label=_("Why you need the full personal data"),
        max_length=PURPOSE_MAX,
        help_text=_("Kept in the audit trail with your name."),
    )


class ScanForm(forms.Form):
    """Run every rule, or the rules chosen, over everything."""

    rules = forms.MultipleChoiceField(
        label=_("Rules"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every rule runs."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rules"].choices = rule_choices()  # type: ignore[attr-defined]


def allowed_actions(spec: RuleSpec) -> list[tuple[str, str]]:
    """The actions a rule may take: block only for a rule of deterministic policy."""
    return [
        (value, str(name))
        for value, name in RuleAction.choices
        if value != RuleAction.BLOCK.value or spec.action == RuleAction.BLOCK.value
    ]


class RuleChangeForm(forms.Form):
    """A rule's thresholds, action and whether it runs, with a note saying why (a version)."""

    enabled = forms.BooleanField(label=_("The rule runs"), required=False)
    action = forms.ChoiceField(label=_("What a hit does"))
    note = forms.CharField(
        label=_("Why the rule changes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_TEXT,
        help_text=_("Kept with the new version and in the audit trail."),
    )

    def __init__(self, spec: RuleSpec, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields["action"].choices = allowed_actions(spec)  # type: ignore[attr-defined]
        fields: dict[str, forms.Field] = {}
        for key, default in spec.defaults.items():
            text = label(spec, key)
            if isinstance(default, bool):
                fields[key] = forms.BooleanField(label=text, required=False)
            elif isinstance(default, int):
                fields[key] = forms.IntegerField(label=text, min_value=0)
            elif isinstance(default, float):
                fields[key] = forms.FloatField(label=text, min_value=0)
            else:
                fields[key] = forms.CharField(label=text, max_length=200)
        # Thresholds first, then whether it runs, its action and the note.
        self.fields = {**fields, **self.fields}

    @property
    def threshold_keys(self) -> list[str]:
        return list(self.spec.defaults)

    def thresholds(self) -> dict[str, object]:
        """The thresholds as entered (after is_valid)."""
        return {key: self.cleaned_data[key] for key in self.spec.defaults}
