"""Form fields for places: a township or village of the city named by its name or code."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jineng.core.forms import DatalistInput
from jineng.regions.models import Region, RegionLevel

_LABELLED = re.compile(r"^.*[(（]\s*(\d{9,12})\s*[)）]$")


def town_label(name: str, code: str) -> str:
    """How a form shows a township: "山城镇 (220581100)"."""
    return f"{name} ({code})"


class TownField(forms.CharField):
    """A township or village of the city, typed as its name (山城镇) or code (220581100),
    cleaned to the code; the input suggests the city's townships (a <datalist>)."""

    widget = DatalistInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 120)
        super().__init__(*args, **kwargs)

    def load(self) -> None:
        """Read the townships: call when the form is made, not when the module is imported."""
        towns = Region.objects.towns().filter(code__startswith=settings.JINENG_CITY_REGION_CODE)
        assert isinstance(self.widget, DatalistInput)
        self.widget.options = [town_label(n, c) for c, n in towns.values_list("code", "name")]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.isdigit():
            name = Region.objects.filter(code=value).values_list("name", flat=True).first()
            if name:
                return town_label(name, value)
        return value

    def clean(self, value: Any) -> str:
        text = " ".join(str(super().clean(value) or "").split())
        if not text or text.isdigit():
            return text  # a code: the service says if no region has it
        labelled = _LABELLED.match(text)
        if labelled is not None:
            return labelled.group(1)
        found = list(
            Region.objects.filter(
                code__startswith=settings.JINENG_CITY_REGION_CODE,
                level__in=(RegionLevel.TOWN, RegionLevel.VILLAGE),
                name=text,
            ).values_list("code", "name")[:4]
        )
        if len(found) == 1:
            return found[0][0]
        if not found:
            raise forms.ValidationError(
                _("No township or village of the city is called “%(value)s”."),
                params={"value": text},
            )
        raise forms.ValidationError(
            _("Several places are called “%(value)s”: give the code, e.g. %(examples)s."),
            params={"value": text, "examples": "；".join(town_label(n, c) for c, n in found)},
        )
