"""Money in people's words: typed and shown in yuan with two decimals, stored as fen."""

from __future__ import annotations

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from jineng.core.errors import ValidationFailed
from jineng.core.forms import YuanField
from jineng.core.money import MAX_FEN, format_yuan, parse_yuan


class FeeForm(forms.Form):
    fee_fen = YuanField(label="Fee (yuan)", required=False)


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("1200", 120000),
        ("1,200.50", 120050),
        ("1200.5元", 120050),
        ("1200.5 元", 120050),
        ("¥1，200", 120000),
        ("１２００", 120000),
        ("0.01", 1),
        ("0", 0),
        ("", None),
    ],
)
def test_yuan_field_reads_amounts_as_people_type_them(typed, fen):
    form = FeeForm({"fee_fen": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["fee_fen"] == fen


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.345", "An amount in yuan has at most two decimal places (fen); 12.345 has more."),
        ("-5", "An amount cannot be negative (-5)."),
        ("twelve", "“twelve” is not an amount in yuan: write it like 1200 or 1200.50."),
        ("1.2.3", "“1.2.3” is not an amount in yuan: write it like 1200 or 1200.50."),
        ("元", "Write the amount in yuan, e.g. 1200 or 1200.50."),
    ],
)
def test_yuan_field_refuses_with_a_reason(typed, message):
    with translation.override("en"):
        form = FeeForm({"fee_fen": typed})
        assert not form.is_valid()
        assert form.errors["fee_fen"] == [message]


def test_yuan_field_shows_stored_fen_as_yuan():
    form = FeeForm(initial={"fee_fen": 120050})
    assert 'value="1200.50"' in str(form["fee_fen"])
    assert 'inputmode="decimal"' in str(form["fee_fen"])
    # Unchanged when the shown value comes back.
    assert not FeeForm({"fee_fen": "1200.50"}, initial={"fee_fen": 120050}).has_changed()


def test_yuan_filter_shows_two_decimals_with_separators():
    template = Template("{% load money_tags %}{{ a|in_yuan }}|{{ b|in_yuan }}|{{ c|in_yuan }}")
    html = template.render(Context({"a": 120050, "b": 0, "c": None}))
    assert html == "1,200.50 元|0.00 元|—"
    assert format_yuan(5, grouping=False) == "0.05"
    assert format_yuan(123456789) == "1,234,567.89"


# -- commas, exponents and amounts too large for a fen column ------------------------------


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("12,345,678", 1234567800),
        ("1,200.50", 120050),
        ("1 200", 120000),
        ("¥ 1 200.50 元", 120050),
        ("-0", 0),
        ("١٢٣", 12300),
        ("21,474,836.47", MAX_FEN),
    ],
)
def test_parse_yuan_reads_thousands_separators(typed, fen):
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize("typed", ["12,50", "1,2", "1,20,0", "1,2000", ",100", "100,", "1 2"])
def test_a_comma_that_does_not_separate_thousands_is_refused_not_read_as_more_yuan(typed):
    with translation.override("en"), pytest.raises(ValidationFailed) as raised:
        parse_yuan(typed, field="fee_fen")
    assert raised.value.field == "fee_fen"
    assert str(raised.value.detail) == (
        f"“{typed}” is not an amount in yuan: a comma or space may only separate thousands, "
        "as in 1,250; for twelve yuan fifty write 12.50."
    )


@pytest.mark.parametrize("typed", ["1e5", "1E2", "Infinity", "NaN", "-1", "12.345"])
def test_parse_yuan_refuses_what_is_not_an_amount(typed):
    with pytest.raises(ValidationFailed):
        parse_yuan(typed)


@pytest.mark.parametrize("typed", ["21474836.48", "30000000", "99999999999999999999"])
def test_an_amount_too_large_for_a_fen_column_is_refused_with_the_maximum(typed):
    with translation.override("en"), pytest.raises(ValidationFailed) as raised:
        parse_yuan(typed)
    assert str(raised.value.detail) == (
        f"The amount is at most 21,474,836.47 yuan; {typed} is more."
    )
    form = FeeForm({"fee_fen": typed})
    assert not form.is_valid()


def test_yuan_field_takes_a_lower_maximum():
    class Small(forms.Form):
        amount = YuanField(max_fen=100_000)

    with translation.override("en"):
        form = Small({"amount": "1000.01"})
        assert not form.is_valid()
        assert form.errors["amount"] == ["The amount is at most 1,000.00 yuan; 1000.01 is more."]
    assert Small({"amount": "1,000"}).is_valid()
