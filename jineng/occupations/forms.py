"""Form fields for the classification: skill levels and occupations named as people name them."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jineng.occupations.models import Occupation, SkillLevel


def level_choices() -> list[tuple[str, str]]:
    """The ladder as (code, name) pairs, lowest rung first: ("level5", "五级/初级工")."""
    return list(SkillLevel.objects.order_by("rank").values_list("code", "name"))


def level_code_for(text: str) -> str | None:
    """Return the code of the level a text names, or None when it names none.

    A level may be given by its code (level5), its full name (五级/初级工), either half of
    it (五级, 初级工) or its title; full-width characters and spaces do not matter.
    """
    wanted = re.sub(r"\s", "", text or "").replace("／", "/")
    if not wanted:
        return None
    for code, name, title in SkillLevel.objects.values_list("code", "name", "title"):
        spellings = {code.lower(), name, title, *(part for part in name.split("/") if part)}
        if wanted in spellings or wanted.lower() == code.lower():
            return code
    return None


class SkillLevelField(forms.ChoiceField):
    """A skill level chosen by its name (五级/初级工) and cleaned to its code (level5).

    Shown as a list of the ladder's names; a submitted name, half-name or code is accepted.
    """

    def __init__(self, *args: Any, blank: Any = "—", **kwargs: Any) -> None:
        self.blank = blank
        kwargs.setdefault("choices", self._choices_with_blank)
        super().__init__(*args, **kwargs)

    def _choices_with_blank(self) -> list[tuple[str, Any]]:
        return [("", self.blank), *level_choices()]

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        code = level_code_for(text)
        if code is None:
            raise forms.ValidationError(
                _("“%(value)s” is not a skill level; choose one of: %(levels)s."),
                code="invalid_choice",
                params={"value": text, "levels": "、".join(n for _c, n in level_choices())},
            )
        return code


def find_occupation(text: str) -> Occupation | None:
    """Return the occupation a text names: its code, its exact name, or "code name"."""
    words = (text or "").strip().split(maxsplit=1)
    if not words:
        return None
    found = Occupation.objects.filter(Q(code=words[0]) | Q(name=text.strip()))
    return found.order_by("level", "code").first()


def occupation_label(occupation: Occupation) -> str:
    """How a form shows an occupation: its code and name, "6-31-01-03 电工"."""
    return f"{occupation.code} {occupation.name}"


class OccupationField(forms.CharField):
    """An occupation typed as its code (6-31-01-03), its exact name (电工) or both.

    Cleans to the Occupation; an initial code is shown with its name.
    """

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Occupation):
            return occupation_label(value)
        if isinstance(value, str) and value and " " not in value.strip():
            occupation = Occupation.objects.filter(code=value.strip()).first()
            if occupation is not None:
                return occupation_label(occupation)
        return value

    def clean(self, value: Any) -> Occupation | None:
        text = super().clean(value).strip()
        if not text:
            return None
        occupation = find_occupation(text)
        if occupation is None:
            raise forms.ValidationError(
                _("No occupation has the code or name “%(value)s”."), params={"value": text}
            )
        return occupation
