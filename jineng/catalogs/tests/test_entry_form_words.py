"""The catalog entry form in people's words: occupation by code or name, level by name,
subsidy in yuan with two decimals; the service input keeps codes and fen."""

from __future__ import annotations

import pytest
from django.utils import translation

from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.forms import EntryForm

BASE = {"training_type": "employment", "status": "active"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("occupation", "level", "subsidy", "fen"),
    [
        ("6-31-01-03", "level5", "1200", 120000),
        ("电工", "五级/初级工", "1,200.50", 120050),
        ("6-31-01-03 电工", "初级工", "1200.5元", 120050),
    ],
)
def test_entry_form_reads_words(db, occupations, levels, occupation, level, subsidy, fen):
    form = EntryForm(
        {**BASE, "occupation_code": occupation, "level_code": level, "subsidy_yuan": subsidy},
        kind=CatalogKind.SUBSIDISED_TRAINING,
    )
    assert form.is_valid(), form.errors
    data = form.to_input()
    assert (data.occupation_code, data.level_code, data.subsidy_fen) == (
        "6-31-01-03",
        "level5",
        fen,
    )


def test_entry_form_refuses_a_third_decimal(db, occupations, levels):
    form = EntryForm(
        {**BASE, "occupation_code": "电工", "subsidy_yuan": "800.125"},
        kind=CatalogKind.SUBSIDISED_TRAINING,
    )
    assert form.errors["subsidy_yuan"] == [
        "An amount in yuan has at most two decimal places (fen); 800.125 has more."
    ]


def test_entry_form_shows_level_names_and_yuan(db, occupations, levels):
    form = EntryForm(kind=CatalogKind.SUBSIDISED_TRAINING)
    form.initial = {"level_code": "level5", "subsidy_yuan": 80050, "occupation_code": "6-31-01-03"}
    assert '<option value="level5" selected>五级/初级工</option>' in str(form["level_code"])
    assert 'value="800.50"' in str(form["subsidy_yuan"])
    assert 'value="6-31-01-03 电工"' in str(form["occupation_code"])
