"""The live table of bots: one line per bot, keyed by bot id, updated cell by cell.

A LineTable (see line_table): under a 50-bot stream a changed cell re-renders only its
own line, and moving the cursor only the two lines it leaves and enters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType

from linda_tui.fleet.status import BotStatus, describe_duration
from linda_tui.models import BotState
from linda_tui.tui.literal import literal
from linda_tui.tui.widgets.line_table import (
    CELL_PADDING,
    LineTable,
    cell_segments,
    cursor_bindings,
    fit_cell,
    table_width,
)
from linda_tui.tui.widgets.state_label import state_text

__all__ = ["CELL_PADDING", "BotTable", "cell_segments", "fit_cell", "fit_columns", "table_width"]

# (key, label, width), in their order on screen. The state column fits its longest
# word ("▣ waiting for phone"); the last error's width is its least: it takes whatever
# the others leave.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("name", "Bot", 13),
    ("state", "State", 19),
    ("since", "In state", 8),
    ("sent", "Sent", 4),
    ("received", "Recv", 4),
    ("queued", "Queue", 5),
    ("role", "Role", 9),
    ("phone", "Phone", 13),
    ("error", "Last error", 10),
)
WIDTHS = {key: width for key, _, width in COLUMNS}
ELASTIC = "error"
# A terminal narrower than the whole table loses columns in this order, each of them
# shown elsewhere too (the role and the last error in the detail line under the table,
# today's counts in the summary line); sent and received go together. The name, the
# state and the phone always stay, whole: only a terminal too narrow even for those
# scrolls sideways.
DROP_ORDER: tuple[tuple[str, ...], ...] = (
    ("role",),
    ("queued",),
    ("received", "sent"),
    ("error",),
    ("since",),
)
# Counts and durations line up on the right, header included.
RIGHT_ALIGNED = frozenset({"since", "sent", "received", "queued"})


# The name column fits the longest name, from the header's width up to this (a longer
# name ends in "…" in the table; the line under it shows the whole name).
NAME_MOST = 40


def fit_columns(room: int, name_width: int = WIDTHS["name"]) -> dict[str, int]:
    """The columns shown in ``room`` cells, in order, with their widths: every column
    when they fit, else fewer (DROP_ORDER); the last error widens into what is left.
    The name takes ``name_width`` (its longest); only when the table is too narrow even
    for the name, the state and the phone, does the name give up cells, down to the
    header's width, before the table scrolls sideways."""
    least = WIDTHS["name"]
    widths = dict(WIDTHS)
    widths["name"] = max(least, min(name_width, NAME_MOST))
    for keys in DROP_ORDER:
        if table_width(widths) <= room:
            break
        for key in keys:
            del widths[key]
    widths["name"] = max(least, widths["name"] - max(0, table_width(widths) - room))
    if ELASTIC in widths:
        widths[ELASTIC] += max(0, room - table_width(widths))
    return widths


_HEADER = {
    key: Text(label, justify="right" if key in RIGHT_ALIGNED else "left")
    for key, label, _ in COLUMNS
}


def _number(value: int) -> Text:
    return Text(str(value), justify="right")


class BotTable(LineTable):
    """Bots in bots.yaml order. ``show`` adds or updates rows; nothing is ever cleared.

    The header stays on top; the cursor selects a bot (up/down, page keys, home/end,
    a click); left/right scroll sideways when the terminal is narrower than the table.
    """

    DEFAULT_CSS = """
    BotTable {
        height: auto;
        max-height: 100%;
    }
    """
    HEADER: ClassVar[Mapping[str, Text | str]] = _HEADER
    _name_width = WIDTHS["name"]  # the longest name shown, in cells (see show)
    BINDINGS: ClassVar[list[BindingType]] = [
        *cursor_bindings("linda.bots", "bot"),
        Binding("left", "scroll_left", "Scroll left", show=False, id="linda.bots.scroll_left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="linda.bots.scroll_right"),
    ]

    class Highlighted(LineTable.Highlighted):
        """The cursor moved to another bot."""

        @property
        def bot_id(self) -> str | None:
            return self.key

    def fit(self, room: int) -> Mapping[str, int]:
        return WIDTHS if room <= 0 else fit_columns(room, self._name_width)

    def highlighted(self, key: str | None) -> BotTable.Highlighted:
        return self.Highlighted(self, key)

    @property
    def selected_bot_id(self) -> str | None:
        """The bot under the cursor, if any."""
        return self.cursor_key

    def select_bot(self, bot_id: str) -> None:
        """Move the cursor to a bot's row (no-op for an unknown bot)."""
        self.move_to(bot_id)

    def show(self, statuses: Iterable[BotStatus], now: datetime) -> None:
        """Add each bot's row, or update the cells of it that changed."""
        new = []
        for status in statuses:
            cells = self._cells(status, now)
            if status.id not in self.rows:
                new.append((status.id, cells))
                continue
            for key, value in cells.items():
                self.update_cell(status.id, key, value)
        self.add_rows(new)
        if new:  # the name column fits the longest name
            longest = max(cell_len(str(self.get_cell(key, "name"))) for key in self.rows)
            if longest != self._name_width:
                self._name_width = longest
                if self._fitted_to:
                    self._fit_to(self._fitted_to)

    def tick(self, statuses: Iterable[BotStatus], now: datetime) -> None:
        """Advance the time-in-state column."""
        for status in statuses:
            if status.id in self.rows:
                self.update_cell(status.id, "since", self._since(status, now))

    # --- cells ------------------------------------------------------------------------
    @staticmethod
    def _since(status: BotStatus, now: datetime) -> Text:
        # Minutes, not seconds: the detail line under the table shows the seconds.
        seconds = status.seconds_in_state(now)
        return Text("<1m" if seconds < 60 else describe_duration(seconds), justify="right")

    def _cells(self, status: BotStatus, now: datetime) -> dict[str, Text | str]:
        bot = status.bot
        return {
            "name": literal(
                bot.name, style="bold" if bot.is_primary else "", no_wrap=True, overflow="ellipsis"
            ),
            "state": state_text(status.state),
            "since": self._since(status, now),
            "sent": _number(status.sent_today),
            "received": _number(status.received_today),
            "queued": _number(status.queued),
            "role": str(bot.role),
            "phone": literal(bot.phone),
            # Red while it is the bot's trouble; dim once the bot is back online (kept:
            # it says what happened, but no longer alarms).
            "error": literal(
                status.last_error or "—",
                style="red" if status.last_error and status.state is not BotState.ONLINE else "dim",
                no_wrap=True,
                overflow="ellipsis",
            ),
        }
