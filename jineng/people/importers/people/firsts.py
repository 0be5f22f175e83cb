"""The row each good citizen ID of a file first appears in, in two flat arrays."""

from __future__ import annotations

from array import array


class Firsts:
    """What checking the file leaves for writing it: how many rows are good, and the row each
    good citizen ID first appears in, by a number taken from its keyed hash.

    A table of two flat arrays (open addressing), never the rows themselves: 12 bytes a
    slot, at most twice as many slots as IDs, so at most about 36 bytes a row (a dict
    would take about a hundred). Two IDs whose hashes share their first 64 bits would be
    reported as the same ID; among the 500,000 rows a file may have, that happens about
    once in a hundred million files.
    """

    __slots__ = ("good", "_keys", "_mask", "_rows", "_used")

    def __init__(self, slots: int = 1024) -> None:
        self.good = 0
        self._used = 0
        self._mask = slots - 1
        self._keys = array("Q", bytes(8 * slots))  # 0: an empty slot
        self._rows = array("I", bytes(4 * slots))

    def first_row(self, id_number_hash: str, number: int) -> int:
        """The row this ID first appears in, recording ``number`` if it is the first."""
        key = _key(id_number_hash)
        keys, mask = self._keys, self._mask
        slot = key & mask
        while (found := keys[slot]) != key:
            if found == 0:
                keys[slot] = key
                self._rows[slot] = number
                self._used += 1
                if 3 * self._used > 2 * len(keys):
                    self._grow()
                return number
            slot = (slot + 1) & mask
        return self._rows[slot]

    def is_first(self, id_number_hash: str, number: int) -> bool:
        """Whether row ``number`` is the one written for its ID (the others are repeats)."""
        key = _key(id_number_hash)
        keys, mask = self._keys, self._mask
        slot = key & mask
        while (found := keys[slot]) != key:
            if found == 0:
                return False
            slot = (slot + 1) & mask
        return self._rows[slot] == number

    def _grow(self) -> None:
        old = zip(self._keys, self._rows, strict=True)
        size = 2 * len(self._keys)
        self._mask = size - 1
        self._keys = array("Q", bytes(8 * size))
        self._rows = array("I", bytes(4 * size))
        self._used = 0
        keys, rows, mask = self._keys, self._rows, self._mask
        for key, number in old:
            if key:
                slot = key & mask
                while keys[slot]:
                    slot = (slot + 1) & mask
                keys[slot] = key
                rows[slot] = number
                self._used += 1


def _key(id_number_hash: str) -> int:
    # Never 0, which marks an empty slot.
    return int(id_number_hash[:16], 16) or 1
