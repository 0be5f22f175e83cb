import datetime

import pytest
import time_machine
from django.utils import translation

from jineng.core.errors import ValidationFailed
from jineng.core.validators import (
    imported_id_damage,
    normalize_mobile,
    parse_citizen_id,
    validate_credit_code,
)


@pytest.fixture(autouse=True)
def _english():
    """The reasons are asserted in their English source text."""
    with translation.override("en"):
        yield


def test_published_example_id_with_x_check_character_is_valid():
    citizen = parse_citizen_id("11010519491231002x")
    assert citizen.number == "11010519491231002X"
    assert citizen.birth_date == datetime.date(1949, 12, 31)
    assert citizen.sex == "F"
    assert citizen.address_code == "110105"


def test_sex_follows_the_seventeenth_digit():
    assert parse_citizen_id("220581199001011236").sex == "M"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "required"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100AX", "17 digits"),
        ("110105194912310021", "check character"),
    ],
)
def test_invalid_ids_name_the_reason(value, reason):
    with pytest.raises(ValidationFailed) as exc:
        parse_citizen_id(value)
    assert exc.value.field == "id_number"
    assert reason in str(exc.value.detail)


def test_impossible_birth_date_19490231_is_refused():
    from stdnum.cn import ric

    number = "11010519490231002"
    number += ric.calc_check_digit(number + "0")
    with pytest.raises(ValidationFailed, match="impossible birth date"):
        parse_citizen_id(number)


@time_machine.travel(datetime.datetime(2026, 11, 27, tzinfo=datetime.UTC))
def test_future_birth_date_is_refused():
    from stdnum.cn import ric

    number = "22058120300101123"
    number += ric.calc_check_digit(number + "0")
    with pytest.raises(ValidationFailed, match="future"):
        parse_citizen_id(number)


def test_unknown_address_code_is_refused():
    from stdnum.cn import ric

    number = "99999919900101123"
    number += ric.calc_check_digit(number + "0")
    with pytest.raises(ValidationFailed, match="unknown address code"):
        parse_citizen_id(number)


def test_credit_code_checksum():
    assert validate_credit_code("91110000600037341l") == "91110000600037341L"
    with pytest.raises(ValidationFailed, match="check character") as exc:
        validate_credit_code("91110000600037341M")
    assert exc.value.field == "credit_code"
    with pytest.raises(ValidationFailed, match="18 characters"):
        validate_credit_code("9111000060003734")


@pytest.mark.parametrize("raw", ["13812345678", "+86 138-1234-5678", "008613812345678"])
def test_mobile_numbers_are_normalised(raw):
    assert normalize_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "abc"])
def test_bad_mobile_numbers_are_refused(raw):
    with pytest.raises(ValidationFailed) as exc:
        normalize_mobile(raw)
    assert exc.value.field == "phone"


def test_full_width_digits_are_one_spelling_of_the_same_id():
    assert parse_citizen_id("220581１９９００１０１１２３６").number == "220581199001011236"


def test_other_scripts_digits_are_refused():
    with pytest.raises(ValidationFailed):
        parse_citizen_id("220581١٩٩٠٠١٠١١٢٣٦")


def test_mobile_numbers_take_ascii_or_full_width_digits_only():
    assert normalize_mobile("１３８１２３４５６７８") == "13812345678"
    with pytest.raises(ValidationFailed):
        normalize_mobile("١٣٨١٢٣٤٥٦٧٨")


# -- IDs in an imported file (core.validators.imported_id_damage) --------------------------


@pytest.mark.parametrize("cell", ["220581199001012992", "12345", ""])
def test_an_imported_number_cell_is_always_damaged(cell):
    damage = imported_id_damage(cell, number_cell=True)
    assert damage is not None
    assert damage.startswith("The citizen ID column was stored as a number by Excel")
    assert "2992" not in damage


@pytest.mark.parametrize(
    ("cell", "damaged"),
    [
        ("220581199001019000", True),  # valid, and what Excel writes for a number cell
        ("220581198512319000", True),
        ("２２０５８１１９９００１０１９０００", True),  # full-width: one spelling
        ("220581199001011000", False),  # wrong check: parse_citizen_id names it
        ("220581199001012992", False),  # a float read back: Excel never writes it
        ("220581199001013231", False),
        ("220581200001010001", False),
        ("2.20581E+17", False),  # parse_citizen_id names it
    ],
)
def test_an_imported_text_id_is_damaged_only_when_it_ends_in_000(cell, damaged):
    damage = imported_id_damage(cell, number_cell=False)
    assert (damage is not None) is damaged
    if damage:
        assert "220581**********00" in damage
        assert "199001" not in damage


def test_a_real_id_ending_in_000_is_valid_outside_imports():
    assert parse_citizen_id("220581199001019000").sex == "F"


def test_a_scientific_notation_id_is_masked_past_its_address_code():
    with pytest.raises(ValidationFailed) as raised:
        parse_citizen_id("2.20581199001011E+17")
    assert "2.20581*********E+17" in str(raised.value.detail)
    assert "199001011" not in str(raised.value.detail).replace(".", "")
