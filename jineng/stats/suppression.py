"""Suppress small counts of people (小数抑制) so that no breakdown points at a person (ADR 0013).

A count of people from 1 to ``min_cell - 1`` is shown as "<min_cell" on every page, chart,
workbook and report; zero and counts of classes are shown as they are. Where the rows of a
column add up to a total that is shown, one suppressed cell alone could be recovered by
subtraction, so the next smallest count of that column is suppressed with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for the annotation: queries builds its tables with this module's cells.
    from jineng.stats.queries import Table


@dataclass
class Cell:
    """One count and how it is shown."""

    value: int
    is_people: bool = True
    is_suppressed: bool = False
    min_cell: int = 0

    def suppress_below(self, min_cell: int) -> None:
        if self.is_people and 0 < self.value < min_cell:
            self.is_suppressed, self.min_cell = True, min_cell

    @property
    def shown(self) -> int | str:
        """The number, or "<N" when suppressed: what the page, workbook and report print."""
        return f"<{self.min_cell}" if self.is_suppressed else self.value

    @property
    def chart_value(self) -> int | None:
        """What a chart plots: nothing for a suppressed count."""
        return None if self.is_suppressed else self.value


def suppress_table(table: Table, min_cell: int) -> None:
    """Suppress the table's small counts, and a second one in a column that adds up."""
    if min_cell <= 1:
        return
    for measure in table.measures:
        cells = [row.cells[measure] for row in table.rows]
        for cell in cells:
            cell.suppress_below(min_cell)
        total = table.totals.get(measure)
        total_shown = total is not None and not (0 < total.value < min_cell)
        if table.is_partition and total_shown and sum(c.is_suppressed for c in cells) == 1:
            others = [c for c in cells if c.is_people and c.value > 0 and not c.is_suppressed]
            if others:
                smallest = min(others, key=lambda c: c.value)
                smallest.is_suppressed, smallest.min_cell = True, min_cell
    for total in table.totals.values():
        total.suppress_below(min_cell)
