import datetime

import pytest
import time_machine
from django.utils import translation

from jineng.core.errors import ValidationFailed
from jineng.core.validators import normalize_mobile, parse_citizen_id, validate_credit_code


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
