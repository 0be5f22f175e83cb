"""Masked numbers leave too many candidates to confirm one by lookups (ADR 0003)."""

from __future__ import annotations

import datetime

import pytest

from jineng.core import pii

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _check(body: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def _candidates(masked: str, band: str, today: datetime.date) -> int:
    """Count the valid IDs that show this mask beside this age band, as an insider would."""
    low, high = (int(x) for x in band.split("–"))
    region, tail = masked[:6], masked[-2:]
    count = 0
    day = datetime.date(today.year - high - 1, 1, 1)
    while day <= today:
        # The band is counted by birth year (Person.age_band).
        if low <= today.year - day.year <= high:
            for seq in range(100):
                body = f"{region}{day:%Y%m%d}{seq:02d}{tail[0]}"
                count += _check(body) == tail[1]
        day += datetime.timedelta(days=1)
    return count


def test_masked_id_with_its_age_band_leaves_thousands_of_candidates():
    number = "220581199001011236"
    today = datetime.date(2026, 12, 2)
    masked = pii.mask_id_number(number)
    assert masked == "220581**********36"
    band = pii.age_band(36)
    assert band == "35–39"
    # The old mask with the exact age left about 33; a lookup limit of 30 an hour needs
    # thousands to make confirming one impractical.
    assert _candidates(masked, band, today) > 10_000


def test_masked_phone_hides_six_digits():
    assert pii.mask_phone("13812345678") == "138******78"


def test_age_bands_are_five_years_wide():
    assert [pii.age_band(a) for a in (16, 19, 20, 60, 64)] == [
        "15–19",
        "15–19",
        "20–24",
        "60–64",
        "60–64",
    ]


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三明", "张*明"),
        ("张三", "张*"),
        ("欧阳修文", "欧**文"),
        ("张", "*"),
        ("", ""),
        (" 李娜 ", "李*"),
    ],
)
def test_a_name_keeps_its_family_name_and_last_character(name: str, masked: str) -> None:
    assert pii.mask_name(name) == masked
