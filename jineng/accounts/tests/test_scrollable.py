"""The {% scrollable %} tag: a wide table's wrapper is a named region a keyboard can reach."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation


def render(source: str, **context: object) -> str:
    return Template("{% load accounts_tags %}" + source).render(Context(context))


def test_scrollable_wraps_its_content_in_a_focusable_named_region() -> None:
    with translation.override("zh-hans"):
        html = render('{% scrollable _("Training classes") %}<table></table>{% endscrollable %}')
    assert html == (
        '<div class="overflow-auto" tabindex="0" role="region" aria-label="培训班">'
        "<table></table></div>"
    )


def test_scrollable_escapes_a_label_from_the_context() -> None:
    html = render("{% scrollable label %}x{% endscrollable %}", label='A "B" <C>')
    assert 'aria-label="A &quot;B&quot; &lt;C&gt;"' in html


@pytest.mark.parametrize("label", ["", "   ", None])
def test_scrollable_refuses_an_empty_label(label: object) -> None:
    with pytest.raises(TemplateSyntaxError, match="non-empty label"):
        render("{% scrollable label %}x{% endscrollable %}", label=label)


def test_scrollable_takes_exactly_one_label() -> None:
    with pytest.raises(TemplateSyntaxError, match="exactly one argument"):
        render("{% scrollable %}x{% endscrollable %}")
