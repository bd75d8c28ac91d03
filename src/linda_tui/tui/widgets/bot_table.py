"""The live table of bots: one line per bot, keyed by bot id, updated cell by cell.

A Line API widget rather than Textual's DataTable: a DataTable drops its whole render
cache on any cell change, so under a 50-bot stream every update redrew every visible
row and the keyboard waited behind it. Here each bot's line is rendered once into a
strip and kept; a changed cell re-renders only its own line, and moving the cursor
only the two lines it leaves and enters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from types import MappingProxyType
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from linda_tui.fleet.status import BotStatus, describe_duration
from linda_tui.tui.literal import literal
from linda_tui.tui.widgets.state_label import state_text

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
# One space either side of every cell, but the last cell's right one: that is the
# table's edge.
CELL_PADDING = 1


def table_width(widths: Mapping[str, int]) -> int:
    """Cells a line of these columns takes, padding included."""
    return sum(width + 2 * CELL_PADDING for width in widths.values()) - CELL_PADDING


def fit_columns(room: int) -> dict[str, int]:
    """The columns shown in ``room`` cells, in order, with their widths: every column
    when they fit, else fewer (DROP_ORDER); the last error widens into what is left."""
    widths = dict(WIDTHS)
    for keys in DROP_ORDER:
        if table_width(widths) <= room:
            break
        for key in keys:
            del widths[key]
    if ELASTIC in widths:
        widths[ELASTIC] += max(0, room - table_width(widths))
    return widths


_HEADER = {
    key: Text(label, justify="right" if key in RIGHT_ALIGNED else "left")
    for key, label, _ in COLUMNS
}

# How each line is drawn: which style sits under it (and, for the cursor, over it).
_EVEN, _ODD, _CURSOR = 0, 1, 2


def _number(value: int) -> Text:
    return Text(str(value), justify="right")


def fit_cell(cell: Text | str, width: int) -> Text:
    """A cell as one line exactly ``width`` cells wide: cut with its overflow (an ellipsis
    by default), padded as it is justified."""
    text = Text(cell) if isinstance(cell, str) else cell.copy()
    if "\n" in text.plain:
        # One line per bot: the first line stands for the rest.
        text = text.split("\n")[0]
        text.append("…")
    overflow = text.overflow or "ellipsis"
    text.truncate(width, overflow=overflow if overflow != "fold" else "ellipsis")
    room = width - text.cell_len
    if room > 0:
        left, right = _padding(room, text.justify)
        text.pad_left(left)
        text.pad_right(right)
    return text


def _padding(room: int, justify: str | None) -> tuple[int, int]:
    """How many of ``room`` free cells go left and right of a cell's text."""
    if justify == "right":
        return room, 0
    if justify == "center":
        return room // 2, room - room // 2
    return 0, room


def _own_style(cell: Text | str, console: Console) -> Style | None:
    """The style a cell's text has as a whole (Text.render leaves it out without spans)."""
    return None if isinstance(cell, str) or not cell.style else console.get_style(cell.style)


def cell_segments(cell: Text | str, width: int, console: Console) -> list[Segment]:
    """One cell as drawn: fitted to its column, padded either side, in its own style."""
    pad = Segment(" " * CELL_PADDING)  # in the line's style, not the cell's
    plain = cell if isinstance(cell, str) else cell.plain
    room = width - cell_len(plain)
    if room >= 0 and "\n" not in plain and (isinstance(cell, str) or not cell.spans):
        # Most cells: one style, and they fit. Padded as fit_cell would, without
        # building a Text (a 50-bot table draws hundreds of cells for its first frame).
        left, right = _padding(room, None if isinstance(cell, str) else cell.justify)
        return [pad, Segment(" " * left + plain + " " * right, _own_style(cell, console)), pad]
    text = fit_cell(cell, width)
    if text.spans:
        return [pad, *text.render(console), pad]
    return [pad, Segment(text.plain, _own_style(text, console)), pad]


@dataclass
class _Row:
    """One bot's line: its cells as given, each cell as drawn, and the line (cached)."""

    cells: dict[str, Text | str]
    drawn: dict[str, list[Segment]] = field(default_factory=dict)  # a cell is redrawn alone
    strip: Strip | None = None  # the drawn line, for ``kind``
    kind: int = -1
    shown: dict[str, str] = field(default_factory=dict)  # plain text per cell


class BotTable(ScrollView, can_focus=True):
    """Bots in bots.yaml order. ``show`` adds or updates rows; nothing is ever cleared.

    The header stays on top; the cursor selects a bot (up/down, page keys, home/end,
    a click); left/right scroll sideways when the terminal is narrower than the table.
    """

    DEFAULT_CSS = """
    BotTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        scrollbar-size-vertical: 1;
        &:focus {
            background-tint: $foreground 5%;
            & > .bot-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .bot-table--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .bot-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .bot-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .bot-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .bot-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .bot-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "bot-table--header",
        "bot-table--even-row",
        "bot-table--odd-row",
        "bot-table--cursor",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Previous bot", show=False, id="linda.bots.cursor_up"),
        Binding("down", "cursor_down", "Next bot", show=False, id="linda.bots.cursor_down"),
        Binding("pageup", "page_up_rows", "Page up", show=False, id="linda.bots.page_up_rows"),
        Binding(
            "pagedown", "page_down_rows", "Page down", show=False, id="linda.bots.page_down_rows"
        ),
        Binding("home,ctrl+home", "first_row", "First bot", show=False, id="linda.bots.first_row"),
        Binding("end,ctrl+end", "last_row", "Last bot", show=False, id="linda.bots.last_row"),
        Binding("left", "scroll_left", "Scroll left", show=False, id="linda.bots.scroll_left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="linda.bots.scroll_right"),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=False, repaint=False)
    """Index of the selected bot's row."""

    class Highlighted(Message):
        """The cursor moved to another bot."""

        def __init__(self, table: BotTable, bot_id: str | None) -> None:
            super().__init__()
            self.table = table
            self.bot_id = bot_id

        @property
        def control(self) -> BotTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: dict[str, _Row] = {}
        self._order: list[str] = []
        self._index: dict[str, int] = {}  # bot id -> row
        # The styles every line is drawn with; when they change (focus, theme) every
        # cached line is redrawn.
        self._look: tuple[Style, ...] | None = None
        self._header: Strip | None = None
        # The columns shown and their widths, for the width they were fitted to.
        self._widths = dict(WIDTHS)
        self._width = table_width(WIDTHS)  # of a line
        self._fitted_to = 0

    # --- what the table holds --------------------------------------------------------
    @property
    def rows(self) -> Mapping[str, _Row]:
        """Rows by bot id, in order (read-only)."""
        return MappingProxyType(self._rows)

    @property
    def row_count(self) -> int:
        return len(self._order)

    def get_cell(self, bot_id: str, column: str) -> Text | str:
        """What a cell holds now. KeyError for an unknown bot or column."""
        return self._rows[bot_id].cells[column]

    @property
    def selected_bot_id(self) -> str | None:
        """The bot under the cursor, if any."""
        if not self._order:
            return None
        return self._order[min(self.cursor_row, len(self._order) - 1)]

    def select_bot(self, bot_id: str) -> None:
        """Move the cursor to a bot's row (no-op for an unknown bot)."""
        if bot_id in self._rows:
            self.cursor_row = self._index[bot_id]

    def show(self, statuses: Iterable[BotStatus], now: datetime) -> None:
        """Add each bot's row, or update the cells of it that changed."""
        added = False
        for status in statuses:
            cells = self._cells(status, now)
            if status.id not in self._rows:
                self._add_row(status.id, cells)
                added = True
                continue
            for key, value in cells.items():
                self.update_cell(status.id, key, value)
        if added:
            # New lines change the table's height: lay the screen out again, once.
            self.virtual_size = self.virtual_size.with_height(len(self._order) + 1)
            self.refresh(layout=True)

    def tick(self, statuses: Iterable[BotStatus], now: datetime) -> None:
        """Advance the time-in-state column."""
        for status in statuses:
            if status.id in self._rows:
                self.update_cell(status.id, "since", self._since(status, now))

    def update_cell(self, bot_id: str, column: str, value: Text | str) -> None:
        """Set one cell; its line is redrawn only when what it shows changed."""
        row = self._rows[bot_id]
        plain = str(value)
        if row.shown.get(column) == plain:
            return
        row.cells[column] = value
        row.shown[column] = plain
        row.drawn.pop(column, None)
        row.strip = None
        self.refresh_line(self._index[bot_id] + 1)

    def _add_row(self, bot_id: str, cells: dict[str, Text | str]) -> None:
        self._rows[bot_id] = _Row(cells=dict(cells), shown={k: str(v) for k, v in cells.items()})
        self._index[bot_id] = len(self._order)
        self._order.append(bot_id)
        if len(self._order) == 1:
            self.post_message(self.Highlighted(self, bot_id))

    # --- the cursor ---------------------------------------------------------------------
    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._order) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        if old == new:
            return
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self._scroll_cursor_into_view()
        self.post_message(self.Highlighted(self, self.selected_bot_id))

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # less the header

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_y)
        shown = self._visible_rows()
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + shown:
            self.scroll_to(y=self.cursor_row - shown + 1, animate=False, immediate=True)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up_rows(self) -> None:
        self.cursor_row -= self._visible_rows()

    def action_page_down_rows(self) -> None:
        self.cursor_row += self._visible_rows()

    def action_first_row(self) -> None:
        self.cursor_row = 0

    def action_last_row(self) -> None:
        self.cursor_row = len(self._order) - 1

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return  # the header
        row = offset.y - 1 + round(self.scroll_y)
        if row < len(self._order):
            self.cursor_row = row

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The table as text, header first, for copying what the mouse selected."""
        console = self.app.console
        rows: Iterable[Mapping[str, Text | str]] = chain(
            [_HEADER], (self._rows[bot_id].cells for bot_id in self._order)
        )
        lines = []
        for cells in rows:
            drawn = (
                cell_segments(cells[key], width, console) for key, width in self._widths.items()
            )
            lines.append("".join(segment.text for segment in chain.from_iterable(drawn)).rstrip())
        return selection.extract("\n".join(lines)), "\n"

    def on_mount(self) -> None:
        self.virtual_size = self.virtual_size.with_width(self._width).with_height(
            len(self._order) + 1
        )

    def _fit_to(self, room: int) -> None:
        """Choose the columns for ``room`` cells (see fit_columns); every line is drawn
        again when they change."""
        self._fitted_to = room
        widths = fit_columns(room)
        if widths == self._widths:
            return
        self._widths = widths
        self._width = table_width(widths)
        self._header = None
        for row in self._rows.values():
            row.drawn.clear()
            row.strip = None
        self.virtual_size = self.virtual_size.with_width(self._width)
        self.refresh()  # Textual's cache of drawn lines too

    # --- drawing ------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._look = None

    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        room = self.scrollable_content_region.width
        if room != self._fitted_to and room > 0:
            # A new width (the terminal, or a vertical scroll bar came or went).
            self._fit_to(room)
        look = self._current_look()
        if look != self._look:
            # Focus or theme changed: every line is drawn again with the new styles.
            self._look = look
            self._header = None
            for row in self._rows.values():
                row.strip = None
        return super().render_lines(crop)

    def _current_look(self) -> tuple[Style, ...]:
        get = self.get_component_styles
        cursor = self.get_component_rich_style("bot-table--cursor")
        return (
            get("bot-table--even-row").rich_style,
            get("bot-table--odd-row").rich_style,
            cursor,
            # The cursor's colour wins over a cell's own (as a DataTable's does).
            Style.from_color(color=cursor.color),
            get("bot-table--header").rich_style,
            self.rich_style,
        )

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = round(self.scroll_x), round(self.scroll_y)
        look = self._look or self._current_look()
        if y == 0:
            if self._header is None:
                console = self.app.console
                header = [
                    cell_segments(_HEADER[key], width, console)
                    for key, width in self._widths.items()
                ]
                self._header = self._draw_line(header, look[4], None)
            return self._header.crop_extend(scroll_x, scroll_x + width, look[4])
        index = y - 1 + scroll_y
        if index >= len(self._order):
            return Strip.blank(width, look[5])
        row = self._rows[self._order[index]]
        kind = _CURSOR if index == self.cursor_row else index % 2
        # Zebra stripes under every line; the cursor's style over its own.
        style = look[index % 2] + look[2] if kind == _CURSOR else look[kind]
        if row.strip is None or row.kind != kind:
            console = self.app.console
            drawn = row.drawn
            for key, column_width in self._widths.items():
                if key not in drawn:
                    drawn[key] = cell_segments(row.cells[key], column_width, console)
            cells = [drawn[key] for key in self._widths]
            row.strip = self._draw_line(cells, style, look[3] if kind == _CURSOR else None)
            row.kind = kind
        return row.strip.crop_extend(scroll_x, scroll_x + width, style)

    def _draw_line(self, cells: list[list[Segment]], style: Style, post: Style | None) -> Strip:
        segments = [*chain.from_iterable(cells)]
        segments.pop()  # the last cell's right padding (see table_width)
        return Strip(Segment.apply_style(segments, style, post), self._width).simplify()

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
            "error": literal(
                status.last_error or "—",
                style="red" if status.last_error else "dim",
                no_wrap=True,
                overflow="ellipsis",
            ),
        }
