"""A table drawn with Textual's Line API: keyed rows, updated cell by cell.

Used rather than Textual's DataTable wherever rows change while the operator types or a
stream flows: a DataTable drops its whole render cache on any cell change, so every
update redrew every visible row through Rich (about 0.3 ms a cell) and the keyboard
waited behind it. Here each row's line is rendered once into a strip and kept; a
changed cell re-renders only its own line, and moving the cursor only the two lines it
leaves and enters. Subclasses say which columns fit a width (``fit``) and bind the keys
(their binding ids belong to them: bots.yaml's ``keys:`` remaps by id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain
from types import MappingProxyType
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from linda_tui.tui.selection import extract

# One space either side of every cell, but the last cell's right one: that is the
# table's edge.
CELL_PADDING = 1

# How each line is drawn: which style sits under it (and, for the cursor, over it).
_EVEN, _ODD, _CURSOR = 0, 1, 2


def table_width(widths: Mapping[str, int]) -> int:
    """Cells a line of these columns takes, padding included."""
    return sum(width + 2 * CELL_PADDING for width in widths.values()) - CELL_PADDING


def fit_cell(cell: Text | str, width: int) -> Text:
    """A cell as one line exactly ``width`` cells wide: cut with its overflow (an ellipsis
    by default), padded as it is justified."""
    text = Text(cell) if isinstance(cell, str) else cell.copy()
    if "\n" in text.plain:
        # One line per row: the first line stands for the rest.
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


def cursor_bindings(prefix: str, noun: str) -> list[Binding]:
    """The keys that move a table's cursor, with ids under ``prefix`` (bots.yaml's keys:
    remaps them by id): up/down, the page keys, home/end."""
    return [
        Binding("up", "cursor_up", f"Previous {noun}", show=False, id=f"{prefix}.cursor_up"),
        Binding("down", "cursor_down", f"Next {noun}", show=False, id=f"{prefix}.cursor_down"),
        Binding("pageup", "page_up_rows", "Page up", show=False, id=f"{prefix}.page_up_rows"),
        Binding(
            "pagedown", "page_down_rows", "Page down", show=False, id=f"{prefix}.page_down_rows"
        ),
        Binding(
            "home,ctrl+home", "first_row", f"First {noun}", show=False, id=f"{prefix}.first_row"
        ),
        Binding("end,ctrl+end", "last_row", f"Last {noun}", show=False, id=f"{prefix}.last_row"),
    ]


@dataclass
class Row:
    """One row's line: its cells as given, each cell as drawn, and the line (cached)."""

    cells: dict[str, Text | str]
    drawn: dict[str, list[Segment]] = field(default_factory=dict)  # a cell is redrawn alone
    strip: Strip | None = None  # the drawn line, for ``kind``
    kind: int = -1
    shown: dict[str, str] = field(default_factory=dict)  # plain text per cell


class LineTable(ScrollView, can_focus=True):
    """Rows in the order added, keyed by a string; a header that stays on top; a cursor
    (``cursor_row``) moved by the subclass's keys and by a click. Subclasses give the
    header (``HEADER``) and the columns that fit a width (``fit``)."""

    DEFAULT_CSS = """
    LineTable {
        background: $surface;
        color: $foreground;
        scrollbar-size-vertical: 1;
        &:focus {
            background-tint: $foreground 5%;
            & > .line-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .line-table--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .line-table--even-row {
            background: $surface-darken-1 40%;
        }
        & > .line-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .line-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .line-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .line-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "line-table--header",
        "line-table--even-row",
        "line-table--odd-row",
        "line-table--cursor",
    }
    HEADER: ClassVar[Mapping[str, Text | str]] = {}
    # False: a table only read (no row is picked), drawn without a cursor.
    CURSOR: ClassVar[bool] = True

    cursor_row: reactive[int] = reactive(0, always_update=False, repaint=False)
    """Index of the selected row."""

    # Rows coming and going change what there is to scroll, not where the table sits:
    # Widget's virtual_size laid the whole screen out again on each change (every
    # search's results), and the layout repainted the scroll bar once more after it.
    # What a layout did for a scroll view of a new virtual size is done here (see
    # watch_virtual_size); a table whose height follows its lines asks for a layout
    # itself (_resized).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    class Highlighted(Message):
        """The cursor moved to another row (``key``: None when the table is empty)."""

        def __init__(self, table: LineTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LineTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: dict[str, Row] = {}
        self._order: list[str] = []
        self._index: dict[str, int] = {}  # key -> row
        # The styles every line is drawn with; when they change (focus, theme) every
        # cached line is redrawn.
        self._look: tuple[Style, ...] | None = None
        self._header: Strip | None = None
        # The columns shown and their widths, for the width they were fitted to.
        self._widths = dict(self.fit(0))
        self._width = table_width(self._widths)  # of a line
        self._fitted_to = 0

    def fit(self, room: int) -> Mapping[str, int]:
        """The columns shown in ``room`` cells (0 before the first layout), in order, with
        their widths."""
        raise NotImplementedError

    def highlighted(self, key: str | None) -> Message:
        """The message the cursor's moves post (a subclass's own, for its handlers)."""
        return self.Highlighted(self, key)

    # --- what the table holds --------------------------------------------------------
    @property
    def rows(self) -> Mapping[str, Row]:
        """Rows by key, in order (read-only)."""
        return MappingProxyType(self._rows)

    @property
    def row_keys(self) -> list[str]:
        return list(self._order)

    @property
    def row_count(self) -> int:
        return len(self._order)

    def get_cell(self, key: str, column: str) -> Text | str:
        """What a cell holds now. KeyError for an unknown row or column."""
        return self._rows[key].cells[column]

    def get_row(self, key: str) -> list[Text | str]:
        """A row's cells, in the columns' order."""
        cells = self._rows[key].cells
        return [cells[column] for column in self.HEADER]

    @property
    def cursor_key(self) -> str | None:
        """The row under the cursor, if any."""
        if not self._order:
            return None
        return self._order[min(self.cursor_row, len(self._order) - 1)]

    def move_to(self, key: str) -> None:
        """Move the cursor to a row (no-op for an unknown key)."""
        if key in self._rows:
            self.cursor_row = self._index[key]

    def update_cell(self, key: str, column: str, value: Text | str) -> None:
        """Set one cell; its line is redrawn only when what it shows changed."""
        if self._set_cell(key, column, value):
            self.refresh_line(self._index[key] + 1)

    def update_cells(self, changes: Iterable[tuple[str, str, Text | str]]) -> None:
        """Set many cells (key, column, value) with one refresh of the lines on show that
        changed: a new search changes most rows, and a refresh per cell costs more than
        drawing them; a line out of sight is drawn when it scrolls into view."""
        index = self._index
        changed = {
            index[key] for key, column, value in changes if self._set_cell(key, column, value)
        }
        self._refresh_rows(changed)

    def _refresh_rows(self, rows: Iterable[int]) -> None:
        """Repaint the lines of these rows that are on show, in one refresh (a run of
        neighbouring lines is one region)."""
        top = round(self.scroll_y)
        bottom = top + self._visible_rows()
        lines = sorted(row + 1 - top for row in rows if top <= row < bottom)  # under the header
        if not lines:
            return
        width = max(self.virtual_size.width, self.size.width)
        regions = []
        start = previous = lines[0]
        for line in lines[1:]:
            if line != previous + 1:
                regions.append(Region(0, start, width, previous - start + 1))
                start = line
            previous = line
        regions.append(Region(0, start, width, previous - start + 1))
        self.refresh(*regions)

    def _set_cell(self, key: str, column: str, value: Text | str) -> bool:
        """Set a cell; whether what it shows changed (its line is then drawn again)."""
        row = self._rows[key]
        plain = str(value)
        if row.shown.get(column) == plain and _same_look(row.cells.get(column), value):
            return False
        row.cells[column] = value
        row.shown[column] = plain
        row.drawn.pop(column, None)
        row.strip = None
        return True

    def add_rows(self, rows: Iterable[tuple[str, Mapping[str, Text | str]]]) -> None:
        """Append rows (key, cells); the screen is laid out again once."""
        was_empty = not self._order
        first = len(self._order)
        added = False
        for key, cells in rows:
            if key in self._rows:
                raise KeyError(f"row {key!r} is already in the table")
            self._rows[key] = Row(cells=dict(cells), shown={k: str(v) for k, v in cells.items()})
            self._index[key] = len(self._order)
            self._order.append(key)
            added = True
        if added:
            self._resized(first)
            if was_empty:
                self.post_message(self.highlighted(self.cursor_key))

    def remove_rows_from(self, position: int) -> None:
        """Remove every row from ``position`` on."""
        count = len(self._order)
        if position >= count:
            return
        for key in self._order[position:]:
            del self._rows[key]
            del self._index[key]
        del self._order[position:]
        if self.cursor_row >= len(self._order):
            self.cursor_row = max(0, len(self._order) - 1)
        self._resized(position, count)

    def watch_virtual_size(self, size: Size) -> None:
        # As ScrollView._size_updated does on a layout: the scroll bars shown (a change
        # there lays the screen out, as it must), their thumbs, the scroll offsets.
        if self.is_mounted and self.container_size:
            self._scroll_update(size)

    def _resized(self, first: int, end: int = 0) -> None:
        """Rows from ``first`` on (to ``end``, the count before, when rows went) came or
        went: their lines are painted again. They change what there is to scroll; and
        the table's height, when it follows its lines: then the screen is laid out again."""
        self.virtual_size = self.virtual_size.with_height(len(self._order) + 1)
        if self.styles.is_auto_height:
            self.refresh(layout=True)
        else:
            self._refresh_rows(range(first, max(end, len(self._order))))

    # --- the cursor ---------------------------------------------------------------------
    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._order) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        if old == new:
            return
        self.refresh_line(old + 1)
        self.refresh_line(new + 1)
        self.scroll_cursor_into_view()
        self.post_message(self.highlighted(self.cursor_key))

    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # less the header

    def scroll_cursor_into_view(self) -> None:
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
            [self.HEADER], (self._rows[key].cells for key in self._order)
        )
        lines = []
        for cells in rows:
            drawn = (
                cell_segments(cells[key], width, console) for key, width in self._widths.items()
            )
            lines.append("".join(segment.text for segment in chain.from_iterable(drawn)).rstrip())
        return extract(selection, "\n".join(lines)), "\n"

    def on_mount(self) -> None:
        self.virtual_size = self.virtual_size.with_width(self._width).with_height(
            len(self._order) + 1
        )

    def _fit_to(self, room: int) -> None:
        """Choose the columns for ``room`` cells (see ``fit``); every line is drawn again
        when they change."""
        self._fitted_to = room
        widths = dict(self.fit(room))
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
        cursor = self.get_component_rich_style("line-table--cursor")
        return (
            get("line-table--even-row").rich_style,
            get("line-table--odd-row").rich_style,
            cursor,
            # The cursor's colour wins over a cell's own (as a DataTable's does).
            Style.from_color(color=cursor.color),
            get("line-table--header").rich_style,
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
                    cell_segments(self.HEADER[key], width, console)
                    for key, width in self._widths.items()
                ]
                self._header = self._draw_line(header, look[4], None)
            return self._header.crop_extend(scroll_x, scroll_x + width, look[4])
        index = y - 1 + scroll_y
        if index >= len(self._order):
            return Strip.blank(width, look[5])
        row = self._rows[self._order[index]]
        kind = _CURSOR if self.CURSOR and index == self.cursor_row else index % 2
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


def _same_look(old: Text | str | None, new: Text | str) -> bool:
    """Whether two cells with the same text also look the same (style and alignment)."""
    if isinstance(old, str) or isinstance(new, str) or old is None:
        return isinstance(old, str) == isinstance(new, str)
    return old.style == new.style and old.justify == new.justify and old.spans == new.spans
