"""A rule's thresholds: checked against its defaults, and labelled by their meaning.

A version's thresholds have exactly the keys of the rule's defaults (``RuleSpec.defaults``)
and each value the type of its default (an integer is accepted where the default is a
decimal number, never a yes/no where a number is meant). Labels come from the rule
(``RuleSpec.labels``), else from the common words below, else from the key itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jineng.core.errors import ValidationFailed
from jineng.fraud.rules.base import RuleSpec, Threshold

# Words for threshold keys several rules share.
COMMON_LABELS: dict[str, str | Promise] = {
    "lookback_days": gettext_lazy("Days looked back"),
    "min_candidates": gettext_lazy("Fewest candidates before the rule applies"),
    "pass_rate": gettext_lazy("Pass rate at or above which a body is flagged (0 to 1)"),
    "ratio": gettext_lazy("How many times the median counts as a burst"),
    "min_monthly": gettext_lazy("Fewest in a month before the rule applies"),
    "new_months": gettext_lazy("Months after accreditation a body counts as new"),
    "max_trainees": gettext_lazy("Most trainees allowed to share it"),
    "max_people": gettext_lazy("Most people allowed to share it"),
    "minutes": gettext_lazy("Minutes"),
    "days": gettext_lazy("Days"),
    "months": gettext_lazy("Months"),
    "min_age": gettext_lazy("Youngest age allowed"),
    "max_age": gettext_lazy("Oldest age allowed"),
    "share": gettext_lazy("Share (0 to 1)"),
    "jaccard": gettext_lazy("Overlap of two rosters at or above which they are flagged (0 to 1)"),
    "speed_kmh": gettext_lazy("Fastest believable travel between check-ins (km/h)"),
    "distance_m": gettext_lazy("Farthest a check-in may be from the venue (metres)"),
    "max_per_year": gettext_lazy("Most subsidies per person in a calendar year"),
}


def label(spec: RuleSpec, key: str) -> str:
    """The words for one threshold of a rule."""
    given = spec.labels.get(key) or COMMON_LABELS.get(key)
    return str(given) if given is not None else key.replace("_", " ").capitalize()


def _coerce(key: str, default: Threshold, value: object) -> Threshold:
    wrong = ValidationFailed(_("This value is not of the right kind."), field=key)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if value in ("true", "on", "1", "yes"):
            return True
        if value in ("false", "off", "0", "no", ""):
            return False
        raise wrong
    if isinstance(value, bool):
        raise wrong
    if isinstance(default, int):
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise ValidationFailed(_("Give a whole number."), field=key) from None
        raise wrong
    if isinstance(default, float):
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise ValidationFailed(_("Give a number."), field=key) from None
        raise wrong
    if isinstance(value, str):
        return value.strip()
    raise wrong


def validate(spec: RuleSpec, given: Mapping[str, object]) -> dict[str, Threshold]:
    """Return thresholds with exactly the rule's keys, each of its default's type; else refuse."""
    unknown = sorted(set(given) - set(spec.defaults))
    if unknown:
        raise ValidationFailed(
            _("The rule has no threshold named {keys}.").format(keys=", ".join(unknown)),
            field=unknown[0],
        )
    missing = sorted(set(spec.defaults) - set(given))
    if missing:
        raise ValidationFailed(
            _("Give a value for: {labels}.").format(
                labels=", ".join(label(spec, k) for k in missing)
            ),
            field=missing[0],
        )
    cleaned: dict[str, Threshold] = {}
    for key, default in spec.defaults.items():
        value = _coerce(key, default, given[key])
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise ValidationFailed(_("A threshold is zero or more."), field=key)
        cleaned[key] = value
    return cleaned
