"""Form fields and widgets shared by the apps' forms: money in yuan, a searchable text input."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from jineng.core.errors import ValidationFailed
from jineng.core.money import MAX_FEN, format_yuan, parse_yuan


class YuanField(forms.CharField):
    """An amount typed in yuan (1200, 1,200.50, 1200.5元) and cleaned to integer fen.

    Initial values are fen (what the models store) and are shown as yuan with two decimals,
    so a form can be filled straight from a model: ``initial={"fee_fen": programme.fee_fen}``.
    """

    widget = forms.TextInput(
        attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": "24"}
    )

    def __init__(self, *args: Any, min_fen: int = 0, max_fen: int = MAX_FEN, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text", _("In yuan (元), with at most two decimals, e.g. 1200 or 1,200.50.")
        )
        self.min_fen = min_fen
        self.max_fen = max_fen
        super().__init__(*args, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return format_yuan(value, grouping=False)
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = super().to_python(value)
        try:
            fen = parse_yuan(text or "", max_fen=self.max_fen)
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.detail), code="invalid") from None
        if fen is not None and fen < self.min_fen:
            raise forms.ValidationError(
                _("The amount is at least %(minimum)s yuan."),
                code="min_value",
                params={"minimum": format_yuan(self.min_fen)},
            )
        return fen

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != self.to_python(initial)
        except forms.ValidationError:
            return True


class DatalistInput(forms.TextInput):
    """A text input with suggestions (<datalist>): searchable in the browser, no script needed.

    ``options`` are the texts offered; the field that uses the widget decides what a typed
    text means.
    """

    def __init__(self, options: Iterable[str] = (), attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.options = list(options)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> Any:
        list_id = f"{(attrs or {}).get('id') or 'id_' + name}-options"
        attrs = {**(attrs or {}), "list": list_id, "autocomplete": "off"}
        html = super().render(name, value, attrs, renderer)
        items = format_html_join("", '<option value="{}"></option>', ((o,) for o in self.options))
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, items)
