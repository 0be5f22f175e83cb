"""The sensitivity flag of target groups is reference data, loaded from the data file."""

import pytest

from jineng.core.errors import ValidationFailed
from jineng.people.loaders import load_target_groups
from jineng.people.models import TargetGroup


def test_reference_data_flags_the_sensitive_groups(target_groups):
    sensitive = set(TargetGroup.objects.filter(is_sensitive=True).values_list("code", flat=True))
    assert sensitive == {"disabled", "poverty_alleviated", "community_correction"}


def test_reloading_updates_the_flag(target_groups, tmp_path):
    data = tmp_path / "groups.csv"
    data.write_text(
        "code,name,name_en,is_sensitive\nveteran,退役军人,Veterans,yes\n", encoding="utf-8"
    )
    assert load_target_groups(data) == 0
    assert TargetGroup.objects.get(code="veteran").is_sensitive is True


@pytest.mark.parametrize("flag", ["", "maybe", "1"])
def test_a_misspelt_flag_stops_the_load(db, tmp_path, flag):
    data = tmp_path / "groups.csv"
    data.write_text(
        f"code,name,name_en,is_sensitive\nmigrant_worker,农民工,Migrant workers,{flag}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as caught:
        load_target_groups(data)
    assert caught.value.field == "is_sensitive"
    assert not TargetGroup.objects.exists()
