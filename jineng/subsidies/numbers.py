"""Claim numbers (申领编号): ``BT`` + the year + a serial counted per year, e.g. BT2026-000042.

The serial comes from one locked counter per year (locks.number_counter_for_update), taken
in the submission's transaction: a rolled-back submission gives its serial back.
"""

from __future__ import annotations

from jineng.subsidies import locks

PREFIX = "BT"
SERIAL_DIGITS = 6


def format_number(year: int, serial: int) -> str:
    """Return the number of a year's serial."""
    return f"{PREFIX}{year}-{serial:0{SERIAL_DIGITS}d}"


def next_number(year: int) -> str:
    """Take the next claim number of a year (inside the caller's transaction)."""
    counter = locks.number_counter_for_update(year)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    return format_number(year, counter.last_serial)
