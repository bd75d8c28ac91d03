"""Bot table cells: every cell is exactly its column's width, justified and styled."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text

from linda_tui.tui.widgets.bot_table import CELL_PADDING, cell_segments, fit_cell

CONSOLE = Console(width=100, color_system="truecolor")


@pytest.mark.parametrize(
    "cell",
    [
        "secondary",
        "+971501234567",
        Text("12", justify="right"),
        Text("<1m", justify="right"),
        Text("mid", justify="center"),
        Text("Main office", style="bold"),
        Text("● online", style="bold green"),
        Text("—", style="dim"),
        Text("Sara (ventes) é", style="bold"),  # accents are one cell each
        Text("مكتب", style="bold"),  # Arabic names are common in the fleet
        Text("代表", style="bold"),  # two cells per character
        Text("a much longer name than the column", style="bold"),  # cut with an ellipsis
        Text("two\nlines"),
        Text.assemble(("●", "green"), " online"),  # spans: the general path
    ],
)
@pytest.mark.parametrize("width", [4, 9, 13])
def test_a_cell_is_its_column_wide_justified_and_in_its_style(cell: Text | str, width: int) -> None:
    segments = cell_segments(cell, width, CONSOLE)
    drawn = "".join(segment.text for segment in segments)
    pad = " " * CELL_PADDING
    fitted = fit_cell(cell, width)
    assert drawn == pad + fitted.plain + pad
    assert Text(drawn).cell_len == width + 2 * CELL_PADDING
    if isinstance(cell, Text) and cell.style and not cell.spans:
        styled = [s for s in segments if s.text.strip()]
        assert styled and all(s.style == CONSOLE.get_style(cell.style) for s in styled)
