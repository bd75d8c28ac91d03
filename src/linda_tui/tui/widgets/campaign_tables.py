"""The Broadcasts pane's live tables: the campaigns, and the selected one's progress per bot.

LineTables (see line_table): while a campaign runs, each progress event changes a few
cells of its row, and the per-bot counts a few cells of some bots' rows. A DataTable
dropped its whole render cache for any changed cell and drew every visible cell again
through Rich, and the keyboard waited behind it; here a changed cell redraws its own
line, and moving the cursor the two lines it leaves and enters. The columns follow the
table's width: the flexible ones (the name) take what the others leave, and a narrow
terminal leaves some out (the counts line under the list still tells them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from linda_tui.models import CampaignStatus
from linda_tui.tui.widgets.line_table import LineTable, cursor_bindings, table_width

BAR_WIDTH = 10
NARROW_BAR_WIDTH = 6
# A flexible column gets at least this many cells.
LEAST_FLEX = 8
# What a table too narrow for its columns leaves out, in this order.
LAST_RESORT = ("progress", "sent")


class Column(NamedTuple):
    """A table column: its width (None: it takes what the others leave, up to ``most``;
    0: a progress bar, as wide as the layout draws them), and whether a narrow terminal
    shows it. ``grows``: at least its width, and as wide as its widest cell up to
    ``most`` (a count such as 10,049/100,000 is never cut)."""

    key: str
    title: str
    width: int | None
    narrow: bool = True
    most: int = 40
    grows: bool = False


CAMPAIGN_COLUMNS = (
    Column("id", "ID", 4),
    Column("name", "Name", None, most=40),
    Column("status", "Status", 11),
    Column("progress", "Progress", 0),
    Column("sent", "Sent", 11, most=19, grows=True),
    Column("failed", "Failed", 6, narrow=False, most=9, grows=True),
    Column("uncertain", "Uncertain", 9, most=9, grows=True),
)
PER_BOT_COLUMNS = (
    Column("bot", "Bot", None, most=24),
    Column("state", "State", 15),
    Column("progress", "Progress", 0),
    Column("sent", "Sent", 11, most=19, grows=True),
    Column("failed", "Failed", 6, narrow=False, most=9, grows=True),
    Column("left", "Left", 6, most=9, grows=True),
    Column("uncertain", "Uncertain", 9, most=9, grows=True),
)

_STATUS_LOOK: dict[CampaignStatus, tuple[str, str]] = {
    CampaignStatus.DRAFT: ("○ draft", "dim"),
    CampaignStatus.SCHEDULED: ("◷ scheduled", "cyan"),
    CampaignStatus.RUNNING: ("▶ running", "bold green"),
    CampaignStatus.PAUSED: ("‖ paused", "yellow"),
    CampaignStatus.DONE: ("✓ done", "green"),
    CampaignStatus.CANCELLED: ("✖ cancelled", "dim"),
}


def status_text(status: CampaignStatus) -> Text:
    """A campaign's status as a styled cell: a symbol and a word."""
    word, style = _STATUS_LOOK[status]
    return Text(word, style=style, no_wrap=True)


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> Text:
    """``█████░░░░░  50%``: how much of total is settled (no colour needed to read it)."""
    share = done / total if total else 0.0
    filled = min(width, int(share * width))
    bar = Text(no_wrap=True)
    bar.append("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {int(share * 100):>3}%")
    return bar


class ColumnTable(LineTable):
    """A LineTable of fixed ``COLUMNS`` whose widths follow its own width, in a wide or a
    narrow layout (``set_narrow``). Rows are put in the order given (``put_rows``): the
    rows that keep their place keep their drawn lines."""

    COLUMNS: ClassVar[tuple[Column, ...]] = ()

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        self.narrow = False
        super().__init__(id=id, classes=classes)

    @property
    def bar_width(self) -> int:
        """How wide this layout draws a progress bar."""
        return NARROW_BAR_WIDTH if self.narrow else BAR_WIDTH

    def set_narrow(self, narrow: bool) -> None:
        """Lay the columns out for a narrow terminal (or not); the cells' bars are the
        caller's to redraw at ``bar_width``."""
        if narrow != self.narrow:
            self.narrow = narrow
            self._fit_to(self._fitted_to)

    def fit(self, room: int) -> Mapping[str, int]:
        shown = [c for c in self.COLUMNS if c.narrow or not self.narrow]
        # A vertical scrollbar's room is kept whether it shows or not: rows coming and
        # going must not reflow the columns.
        width = self.size.width - self.styles.scrollbar_size_vertical
        # Too narrow even so (60 columns): the bar, then the sent count go (the summary
        # above tells both), never the Uncertain column the operator must act on.
        for key in LAST_RESORT:
            least = {c.key: self._least(c) for c in shown}
            if width <= 0 or table_width(least) <= width:
                break
            shown = [c for c in shown if c.key != key]
        widths = {c.key: self._least(c) for c in shown if c.width is not None}
        flex = [c for c in shown if c.width is None]
        left = width - table_width({c.key: widths.get(c.key, 0) for c in shown})
        share = {c.key: max(LEAST_FLEX, min(c.most, left // max(len(flex), 1))) for c in flex}
        return {c.key: widths.get(c.key) or share[c.key] for c in shown}

    def _least(self, column: Column) -> int:
        """The cells a column takes at the least: its width (or its widest cell, for one
        that grows), a bar's, or LEAST_FLEX."""
        if column.width is None:
            return LEAST_FLEX
        if column.grows:
            return max(column.width, min(column.most, self._widest(column.key)))
        return column.width or self.bar_width + 5

    def _widest(self, key: str) -> int:
        return max((cell_len(str(row.cells.get(key, ""))) for row in self.rows.values()), default=0)

    def update_cell(self, key: str, column: str, value: Text | str) -> None:
        super().update_cell(key, column, value)
        shown = self._widths.get(column)
        if shown is not None and cell_len(str(value)) > shown and column in self._growing:
            self._refit_if_cut()

    @property
    def _growing(self) -> frozenset[str]:
        return frozenset(c.key for c in self.COLUMNS if c.grows)

    def _refit_if_cut(self) -> None:
        """Lay the columns out again when a cell of a growing column no longer fits."""
        if self._fitted_to <= 0:
            return
        for column in self.COLUMNS:
            shown = self._widths.get(column.key)
            if column.grows and shown is not None and shown < self._least(column):
                self._fit_to(self._fitted_to)
                return

    def put_rows(self, rows: Sequence[tuple[str, Mapping[str, Text | str]]]) -> None:
        """Show these rows, in this order: a row already in its place has its changed
        cells updated; from the first row out of place on, the rows are put again."""
        order = self.row_keys
        keep = 0
        for (key, _cells), shown in zip(rows, order, strict=False):
            if key != shown:
                break
            keep += 1
        if keep < len(order):
            self.remove_rows_from(keep)
        for key, cells in rows[:keep]:
            for column, value in cells.items():
                self.update_cell(key, column, value)
        self.add_rows(rows[keep:])
        self._refit_if_cut()


class CampaignTable(ColumnTable):
    """The campaigns, newest first, one row per campaign keyed by its id."""

    DEFAULT_CSS = """
    CampaignTable {
        height: auto;
    }
    """
    COLUMNS: ClassVar[tuple[Column, ...]] = CAMPAIGN_COLUMNS
    HEADER: ClassVar[Mapping[str, Text | str]] = {c.key: c.title for c in CAMPAIGN_COLUMNS}
    BINDINGS: ClassVar[list[BindingType]] = [*cursor_bindings("linda.campaigns", "campaign")]

    class Highlighted(LineTable.Highlighted):
        """The cursor moved to another campaign."""

    def highlighted(self, key: str | None) -> CampaignTable.Highlighted:
        return self.Highlighted(self, key)


class PerBotTable(ColumnTable):
    """A campaign's progress per bot, one row per bot: read, not picked from (no cursor;
    the arrow keys scroll a long fleet)."""

    DEFAULT_CSS = """
    PerBotTable {
        height: auto;
    }
    """
    CURSOR: ClassVar[bool] = False
    COLUMNS: ClassVar[tuple[Column, ...]] = PER_BOT_COLUMNS
    HEADER: ClassVar[Mapping[str, Text | str]] = {c.key: c.title for c in PER_BOT_COLUMNS}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "scroll_up", "Scroll up", show=False, id="linda.per_bot.scroll_up"),
        Binding("down", "scroll_down", "Scroll down", show=False, id="linda.per_bot.scroll_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="linda.per_bot.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="linda.per_bot.page_down"),
        Binding("home", "scroll_home", "Top", show=False, id="linda.per_bot.scroll_home"),
        Binding("end", "scroll_end", "Bottom", show=False, id="linda.per_bot.scroll_end"),
    ]


# The keys that resolve uncertain recipients: the table's own while it has the focus (the
# key bar shows a focused table's keys first), and the pane's from anywhere on it.
RESOLVE_BINDINGS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("s", "resolve('resend', 'one')", "Resend", "linda.broadcasts.resend", True),
    ("m", "resolve('mark-sent', 'one')", "Mark sent", "linda.broadcasts.mark_sent", True),
    ("S", "resolve('resend', 'all')", "Resend all uncertain", "linda.broadcasts.resend_all", False),
    (
        "M",
        "resolve('mark-sent', 'all')",
        "Mark all uncertain sent",
        "linda.broadcasts.mark_all_sent",
        False,
    ),
)


def resolve_bindings(namespace: str = "") -> list[BindingType]:
    """The keys that resolve uncertain recipients, as bindings of ``namespace``'s actions
    (``"screen."`` for a widget of the pane)."""
    return [
        Binding(key, namespace + action, description, id=binding_id, show=show)
        for key, action, description, binding_id, show in RESOLVE_BINDINGS
    ]


class UncertainTable(DataTable[Text]):
    """A campaign's uncertain recipients, one row per number: s and m act on the row
    under the cursor, which the table keeps in sight (its keys come first in the key
    bar while it has the focus, so that even 60 columns show them)."""

    BINDINGS: ClassVar[list[BindingType]] = resolve_bindings("screen.")

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")


__all__ = [
    "BAR_WIDTH",
    "CAMPAIGN_COLUMNS",
    "NARROW_BAR_WIDTH",
    "PER_BOT_COLUMNS",
    "CampaignTable",
    "Column",
    "ColumnTable",
    "PerBotTable",
    "UncertainTable",
    "progress_bar",
    "resolve_bindings",
    "status_text",
]
