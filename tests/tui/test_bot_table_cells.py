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


@pytest.mark.parametrize(
    ("state", "style"),
    [("online", "dim"), ("reconnecting", "red"), ("logged-out", "red"), ("error", "red")],
)
def test_the_last_error_alarms_only_while_the_bot_is_not_online(state: str, style: str) -> None:
    """Back online, a bot's last error is still shown (what happened) but dim, not red."""
    from datetime import UTC, datetime

    from linda_tui.config import demo_fleet
    from linda_tui.fleet.status import BotStatus
    from linda_tui.models import BotState
    from linda_tui.tui.widgets.bot_table import BotTable

    now = datetime(2026, 1, 15, 10, tzinfo=UTC)
    bot = demo_fleet().bots[0]
    status = BotStatus(bot, BotState(state), now, last_error="connection lost")
    cell = BotTable._cells(BotTable.__new__(BotTable), status, now)["error"]
    assert isinstance(cell, Text)
    assert (cell.plain, str(cell.style)) == ("connection lost", style)
