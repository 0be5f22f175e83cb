"""The Bitstring Status List's own arithmetic: sizes, positions, bits and the encodedList."""

from __future__ import annotations

import base64
import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jineng.certificates import status_lists
from jineng.certificates.status_lists import MIN_SIZE


@pytest.mark.parametrize("size", [0, MIN_SIZE - 1, MIN_SIZE + 8, 3 * MIN_SIZE])
def test_a_list_is_a_power_of_two_of_at_least_131072_entries(size: int) -> None:
    with pytest.raises(ValueError, match="power-of-two size of at least 131072"):
        status_lists.empty_bits(size)


def test_an_empty_list_is_16_kib_of_zeros_and_round_trips() -> None:
    bits = status_lists.empty_bits()
    assert bits == bytes(MIN_SIZE // 8)
    encoded = status_lists.encode(bits)
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert status_lists.decode(encoded) == bits


def test_positions_visit_every_index_once_before_repeating() -> None:
    seen = {status_lists.position(n) for n in range(MIN_SIZE)}
    assert len(seen) == MIN_SIZE
    assert status_lists.position(MIN_SIZE) == status_lists.position(0)


@given(st.integers(min_value=0, max_value=MIN_SIZE - 1), st.booleans())
def test_setting_one_bit_changes_that_bit_alone(index: int, value: bool) -> None:
    start = status_lists.with_bit(status_lists.empty_bits(), (index + 1) % MIN_SIZE, True)
    changed = status_lists.with_bit(start, index, value)
    assert status_lists.is_set(changed, index) is value
    others = [i for i in range(MIN_SIZE // 8) if i != index // 8]
    assert all(changed[i] == start[i] for i in others[:64])
    assert status_lists.decode(status_lists.encode(changed)) == changed


def test_an_encoded_list_without_the_multibase_prefix_is_refused() -> None:
    encoded = status_lists.encode(status_lists.empty_bits())
    with pytest.raises(ValueError, match="prefix 'u'"):
        status_lists.decode(encoded[1:])


def test_a_gzip_bomb_is_refused_after_a_bounded_read() -> None:
    bomb = gzip.compress(bytes(64 * MIN_SIZE // 8 + 100), mtime=0)
    encoded = "u" + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    with pytest.raises(ValueError, match="too large"):
        status_lists.decode(encoded)
