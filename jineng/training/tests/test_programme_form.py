"""The programme form in people's words: occupation by code or name, level by name, fee in
yuan, the subsidised catalog entry by its title; the cleaned data keeps codes and fen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jineng.training import services
from jineng.training.forms import ProgrammeForm, VenueForm
from jineng.training.tests.helpers import ENTRY_KEY

BASE = {
    "name": "电工培训",
    "occupation_code": "6-31-01-03",
    "training_type": "employment",
    "theory_hours": "40",
    "practice_hours": "40",
    "fee_fen": "0",
}


def _clean(**changes):
    form = ProgrammeForm({**BASE, **changes})
    assert form.is_valid(), form.errors
    return form.cleaned_data


@pytest.mark.parametrize("typed", ["level5", "五级/初级工", "五级", "初级工", " 五级 "])
def test_level_by_name_or_code(db, occupations, levels, typed):
    assert _clean(skill_level_code=typed)["skill_level_code"] == "level5"


def test_level_shown_by_name(db, occupations, levels):
    html = str(ProgrammeForm(initial={"skill_level_code": "level4"})["skill_level_code"])
    assert '<option value="level4" selected>四级/中级工</option>' in html
    assert ">五级/初级工</option>" in html
    assert "level5</option>" not in html


def test_unknown_level_names_the_ladder(db, occupations, levels):
    form = ProgrammeForm({**BASE, "skill_level_code": "六级"})
    assert not form.is_valid()
    [message] = form.errors["skill_level_code"]
    assert message.startswith("“六级” is not a skill level; choose one of: 学徒工、五级/初级工")


@pytest.mark.parametrize("typed", ["6-31-01-03", "电工", "6-31-01-03 电工"])
def test_occupation_by_code_or_name(db, occupations, levels, typed):
    assert _clean(occupation_code=typed)["occupation_code"] == "6-31-01-03"


def test_occupation_shown_by_code_and_name(db, occupations, levels):
    html = str(ProgrammeForm(initial={"occupation_code": "6-31-01-03"})["occupation_code"])
    assert 'value="6-31-01-03 电工"' in html
    form = ProgrammeForm({**BASE, "occupation_code": "木匠"})
    assert form.errors["occupation_code"] == ["No occupation has the code or name “木匠”."]


def test_fee_in_yuan_is_stored_in_fen(db, occupations, levels):
    assert _clean(fee_fen="1,200.50元")["fee_fen"] == 120050
    form = ProgrammeForm({**BASE, "fee_fen": "1.005"})
    assert form.errors["fee_fen"] == [
        "An amount in yuan has at most two decimal places (fen); 1.005 has more."
    ]
    assert 'value="800.00"' in str(ProgrammeForm(initial={"fee_fen": 80000})["fee_fen"])


LABEL = "6-31-01-03 电工 · 五级/初级工 · Employment skills training (就业技能培训)"


def test_catalog_entry_offered_and_chosen_by_title(db, catalog_entry):
    form = ProgrammeForm()
    html = str(form["catalog_entry_key"])
    assert f'<option value="{LABEL}"></option>' in html
    assert 'list="id_catalog_entry_key-options"' in html
    assert ENTRY_KEY not in html
    for typed in (LABEL, "电工", "电工 五级", ENTRY_KEY, ""):
        expected = ENTRY_KEY if typed else ""
        assert _clean(catalog_entry_key=typed)["catalog_entry_key"] == expected


def test_catalog_entry_shown_by_title_and_refused_when_unknown(db, catalog_entry):
    html = str(ProgrammeForm(initial={"catalog_entry_key": ENTRY_KEY})["catalog_entry_key"])
    assert f'value="{LABEL}"' in html
    form = ProgrammeForm({**BASE, "catalog_entry_key": "焊工"})
    assert form.errors["catalog_entry_key"] == [
        "No entry of the subsidised training catalog in force matches “焊工”: choose one from "
        "the list, or leave the field empty."
    ]


def test_catalog_entry_several_matches_asks_to_choose(db, catalog_entry, levels):
    second = type(catalog_entry).objects.create(
        version=catalog_entry.version,
        key="6-31-01-03/level4/employment",
        occupation=catalog_entry.occupation,
        skill_level=levels["level4"],
        training_type="employment",
    )
    assert second.pk
    form = ProgrammeForm({**BASE, "catalog_entry_key": "电工"})
    [message] = form.errors["catalog_entry_key"]
    assert message.startswith("2 entries match “电工”: choose one from the list, e.g. ")


def test_name_fields_are_labelled_as_names_of_things(db):
    assert ProgrammeForm.base_fields["name"].label == "Programme name"
    assert VenueForm.base_fields["name"].label == "Venue name"
    from django.utils import translation

    from jineng.learning.forms import PlatformForm

    assert PlatformForm.base_fields["name"].label == "Platform name"
    with translation.override("zh-hans"):
        for form in (ProgrammeForm, VenueForm, PlatformForm):
            assert str(form.base_fields["name"].label) != "姓名"


def test_programme_page_shows_fee_in_yuan_and_entry_by_title(
    client, staff_a, occupations, levels, catalog_entry
):
    client.force_login(staff_a)
    response = client.post(
        reverse("training:programmes"),
        {**BASE, "skill_level_code": "五级", "fee_fen": "1,200.50", "catalog_entry_key": "电工"},
    )
    assert response.status_code == 302
    programme = staff_a.organization.programmes.get()
    assert (programme.fee_fen, programme.catalog_entry_key) == (120050, ENTRY_KEY)
    assert programme.skill_level.code == "level5"
    html = client.get(reverse("training:programmes")).content.decode()
    assert "1,200.50 元" in html
    assert "6-31-01-03 电工 · 五级/初级工 · 就业技能培训" in html
    assert f'<span class="mono">{ENTRY_KEY}</span>' not in html
    edit = client.get(reverse("training:programme_edit", args=[programme.pk])).content.decode()
    assert 'value="1200.50"' in edit
    assert services.ProgrammeInput  # the form's cleaned data is the service's input


def test_township_by_name_or_code(db, city):
    from jineng.training.forms import VenueForm as Form

    base = {"name": "一号教室", "capacity": "40"}
    for typed in ("山城镇", "220581100", "山城镇 (220581100)"):
        form = Form({**base, "region_code": typed})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["region_code"] == "220581100"
    form = Form({**base, "region_code": "不存在镇"})
    assert form.errors["region_code"] == [
        "No township or village of the city is called “不存在镇”."
    ]
    html = str(Form(initial={"region_code": "220581100"})["region_code"])
    assert 'value="山城镇 (220581100)"' in html
    assert '<option value="山城镇 (220581100)"></option>' in html
