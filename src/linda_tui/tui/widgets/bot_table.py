"""The live table of bots: one row per bot, keyed by bot id, updated cell by cell."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from linda_tui.fleet.status import BotStatus, describe_duration
from linda_tui.tui.widgets.state_label import state_text

# (key, label, width): the columns an operator needs most come first, so an 80-column
# terminal shows them without scrolling sideways; at 100 columns every one fits (the
# detail line under the table shows the last error in full).
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("name", "Bot", 13),
    ("state", "State", 16),
    ("since", "In state", 8),
    ("sent", "Sent", 4),
    ("received", "Recv", 4),
    ("queued", "Queue", 5),
    ("role", "Role", 9),
    ("phone", "Phone", 13),
    ("error", "Last error", 10),
)


def _number(value: int) -> Text:
    return Text(str(value), justify="right")


class BotTable(DataTable[Text | str]):
    """Bots in bots.yaml order. ``show`` adds or updates rows; nothing is ever cleared."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        # What each cell shows now, so unchanged cells are not redrawn.
        self._shown: dict[tuple[str, str], str] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    @property
    def selected_bot_id(self) -> str | None:
        """The bot under the cursor, if any."""
        if not self.row_count:
            return None
        try:
            cell = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0))
        except CellDoesNotExist:
            return None
        return cell.row_key.value

    def select_bot(self, bot_id: str) -> None:
        """Move the cursor to a bot's row."""
        try:
            self.move_cursor(row=self.get_row_index(bot_id))
        except RowDoesNotExist:
            pass

    def show(self, statuses: Iterable[BotStatus], now: datetime) -> None:
        """Add each bot's row, or update the cells of it that changed."""
        for status in statuses:
            cells = self._cells(status, now)
            if status.id not in self.rows:
                self.add_row(*(cells[key] for key, _, _ in COLUMNS), key=status.id)
                for key, value in cells.items():
                    self._shown[(status.id, key)] = str(value)
                continue
            for key, value in cells.items():
                self._set(status.id, key, value)

    def tick(self, statuses: Iterable[BotStatus], now: datetime) -> None:
        """Advance the time-in-state column."""
        for status in statuses:
            if status.id in self.rows:
                self._set(status.id, "since", self._since(status, now))

    def _set(self, bot_id: str, column: str, value: Text | str) -> None:
        plain = str(value)
        if self._shown.get((bot_id, column)) == plain:
            return
        self._shown[(bot_id, column)] = plain
        self.update_cell(bot_id, column, value)

    @staticmethod
    def _since(status: BotStatus, now: datetime) -> Text:
        # Minutes, not seconds: a column ticking every second would redraw the whole
        # table every second (the detail line under it shows the seconds).
        seconds = status.seconds_in_state(now)
        return Text("<1m" if seconds < 60 else describe_duration(seconds), justify="right")

    def _cells(self, status: BotStatus, now: datetime) -> dict[str, Text | str]:
        bot = status.bot
        return {
            "name": Text(
                bot.name, style="bold" if bot.is_primary else "", no_wrap=True, overflow="ellipsis"
            ),
            "state": state_text(status.state),
            "since": self._since(status, now),
            "sent": _number(status.sent_today),
            "received": _number(status.received_today),
            "queued": _number(status.queued),
            "role": str(bot.role),
            "phone": bot.phone,
            "error": Text(
                status.last_error or "—",
                style="red" if status.last_error else "dim",
                no_wrap=True,
                overflow="ellipsis",
            ),
        }
