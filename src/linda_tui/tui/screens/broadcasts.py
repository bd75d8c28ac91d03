"""Broadcasts: every campaign with its progress, and the selected one in detail.

The list comes from the store (newest first, with each campaign's counts); from then on
the engine's progress events (the app's ``campaign_updates`` signal) keep it current,
cell by cell, as messages go, receipts and replies arrive. For the selected campaign:
its counts by state, progress per bot (the bot that took each recipient, else the one it
is planned for), the estimated finish and why it waits, and the recipients whose send is
uncertain (Linda stopped while handing them to WhatsApp), which the operator resends or
marks sent. Pause, resume, cancel and resolve go through ``services.broadcasts``: the
engine of this Linda, or of the Linda it is attached to.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.timer import Timer
from textual.widgets import DataTable, Static

from linda_tui.models import ALL_BOTS, Campaign, CampaignStatus, RecipientStatus, UncertainAction
from linda_tui.tui.activity import Kind
from linda_tui.tui.literal import literal, printable
from linda_tui.tui.screens.pane import PaneScreen
from linda_tui.tui.widgets.broadcast_form import when
from linda_tui.tui.widgets.state_label import state_text

if TYPE_CHECKING:
    from linda_tui.broadcast.events import CampaignProgress
    from linda_tui.models import Recipient

# Campaigns listed (newest first).
CAMPAIGN_LIMIT = 200
# Uncertain recipients listed for the selected campaign (the CLI resolves any number).
UNCERTAIN_LIMIT = 500
# While a campaign runs, its per-bot counts are read again at most this often.
PER_BOT_SECONDS = 1.0
# The selected campaign's details load once the cursor has rested this long.
DETAIL_DELAY = 0.08
BAR_WIDTH = 10
# A campaign's name in the summary is cut to this many characters (wide, narrow).
NAME_SHOWN = (60, 24)
# Below this many columns the tables leave out their Failed column (the counts line
# under the list still tells the failed) and draw shorter bars: 80x24 fits.
WIDE = 100
NARROW_BAR_WIDTH = 6


class Column(NamedTuple):
    """A table column: its width (None: it takes what the others leave, up to
    ``most``), and whether a narrow terminal shows it."""

    key: str
    title: str
    width: int | None
    narrow: bool = True
    most: int = 40


CAMPAIGN_COLUMNS = (
    Column("id", "ID", 4),
    Column("name", "Name", None, most=40),
    Column("status", "Status", 11),
    Column("progress", "Progress", 0),  # the bar's width (see bar_width)
    Column("sent", "Sent", 11),
    Column("failed", "Failed", 6, narrow=False),
    Column("uncertain", "Uncertain", 9),
)
PER_BOT_COLUMNS = (
    Column("bot", "Bot", None, most=24),
    Column("state", "State", 15),
    Column("progress", "Progress", 0),
    Column("sent", "Sent", 11),
    Column("failed", "Failed", 6, narrow=False),
    Column("left", "Left", 6),
    Column("uncertain", "Uncertain", 9),
)

# The states in the order they are told, and the ones that mean "it went".
STATES: tuple[RecipientStatus, ...] = (
    RecipientStatus.PENDING,
    RecipientStatus.SENDING,
    RecipientStatus.SENT,
    RecipientStatus.DELIVERED,
    RecipientStatus.READ,
    RecipientStatus.REPLIED,
    RecipientStatus.FAILED,
    RecipientStatus.SKIPPED,
    RecipientStatus.UNCERTAIN,
)
WENT = (
    RecipientStatus.SENT,
    RecipientStatus.DELIVERED,
    RecipientStatus.READ,
    RecipientStatus.REPLIED,
)
_STATUS_LOOK: dict[CampaignStatus, tuple[str, str]] = {
    CampaignStatus.DRAFT: ("○ draft", "dim"),
    CampaignStatus.SCHEDULED: ("◷ scheduled", "cyan"),
    CampaignStatus.RUNNING: ("▶ running", "bold green"),
    CampaignStatus.PAUSED: ("‖ paused", "yellow"),
    CampaignStatus.DONE: ("✓ done", "green"),
    CampaignStatus.CANCELLED: ("✖ cancelled", "dim"),
}
_STATE_STYLE: dict[RecipientStatus, str] = {
    RecipientStatus.DELIVERED: "green",
    RecipientStatus.READ: "cyan",
    RecipientStatus.REPLIED: "bold cyan",
    RecipientStatus.FAILED: "red",
    RecipientStatus.UNCERTAIN: "bold yellow",
}


def _count(counts: dict[str, int], *states: RecipientStatus) -> int:
    return sum(int(counts.get(str(state), 0)) for state in states)


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


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


@dataclass
class CampaignView:
    """What the pane knows about one campaign."""

    campaign: Campaign
    counts: dict[str, int]  # by RecipientStatus value
    finish_at: datetime | None = None
    waiting: str | None = None
    note: str | None = None
    per_bot: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return str(self.campaign.id)

    @property
    def total(self) -> int:
        return sum(int(n) for n in self.counts.values())

    @property
    def settled(self) -> int:
        """Recipients whose outcome is known: neither waiting nor being sent."""
        return self.total - _count(self.counts, RecipientStatus.PENDING, RecipientStatus.SENDING)


class BroadcastsScreen(PaneScreen):
    """The campaigns, the selected one's progress, and the operator's actions on it."""

    CSS_PATH = ["pane.tcss", "broadcasts.tcss"]

    MODE = "broadcasts"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]  # noqa: RUF012 (typed by Screen)
    BINDINGS = [
        Binding("p", "pause", "Pause", id="linda.broadcasts.pause"),
        Binding("r", "resume", "Resume", id="linda.broadcasts.resume"),
        Binding("c", "cancel_campaign", "Cancel", id="linda.broadcasts.cancel"),
        Binding("s", "resolve('resend', 'one')", "Resend", id="linda.broadcasts.resend"),
        Binding("m", "resolve('mark-sent', 'one')", "Mark sent", id="linda.broadcasts.mark_sent"),
        Binding(
            "S",
            "resolve('resend', 'all')",
            "Resend all uncertain",
            id="linda.broadcasts.resend_all",
            show=False,
        ),
        Binding(
            "M",
            "resolve('mark-sent', 'all')",
            "Mark all uncertain sent",
            id="linda.broadcasts.mark_all_sent",
            show=False,
        ),
        Binding("n", "new_campaign", "New", id="linda.broadcasts.new"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.views: dict[str, CampaignView] = {}
        self.selected: str | None = None
        self._wanted: str | None = None  # select this campaign once it is listed
        self._per_bot_timer: Timer | None = None
        self._detail_timer: Timer | None = None
        self._per_bot_shown: dict[str, dict[str, Text]] = {}  # bot -> cells on show
        self._rows_shown: dict[str, dict[str, Text]] = {}  # campaign -> cells on show
        self._bindings_for: tuple[object, ...] | None = None  # what the key bar shows
        self._detail_shown: dict[str, Text] = {}  # selector -> the text on show
        self._per_bot_read_at = 0.0
        self._uncertain_shown: int | None = None  # the uncertain count the list was read at
        self._narrow = False
        self._layout: tuple[bool, int] | None = None  # what the tables are laid out for

    # --- layout --------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        campaigns: DataTable[Text] = DataTable(id="campaigns", cursor_type="row")
        yield campaigns
        yield Static(
            Text(
                "No campaigns yet. Press n (or ctrl+t in Compose) to write one: a CSV, a "
                "contact search or a label, one template, a dry run, then start.",
                style="dim",
            ),
            id="no-campaigns",
        )
        with Vertical(id="campaign-detail"):
            yield Static(id="campaign-summary")
            per_bot: DataTable[Text] = DataTable(id="per-bot", cursor_type="none")
            yield per_bot
            uncertain: DataTable[Text] = DataTable(id="uncertain", cursor_type="row")
            yield uncertain

    def on_mount(self) -> None:
        self._fit()
        uncertain = self.query_one("#uncertain", DataTable)
        uncertain.border_title = "Uncertain: maybe sent, never re-sent on their own"
        uncertain.add_column("Phone", key="phone", width=14)
        uncertain.add_column("Bot", key="bot", width=14)
        uncertain.add_column("Since", key="since", width=8)
        uncertain.add_column("Message", key="text")
        uncertain.display = False
        self.query_one("#campaign-detail").display = False
        self.query_one("#no-campaigns").display = False
        self.linda.campaign_updates.subscribe(self, self._on_progress)
        self.linda.bots_changed.subscribe(self, self._on_bots_changed)
        self._load()

    def on_resize(self) -> None:
        self._fit()

    @property
    def bar_width(self) -> int:
        """How wide the tables draw a progress bar (narrower in a narrow terminal)."""
        return BAR_WIDTH if not self._narrow else NARROW_BAR_WIDTH

    def _fit(self) -> None:
        """Lay the campaigns and per-bot tables out for the terminal's width: in a narrow
        one without their Failed columns, with shorter bars; the name takes what the
        other columns leave. Only when the layout changes (a resize) are the rows put
        back, from what the pane knows, with the same keys and the cursor kept."""
        width = self.size.width or self.app.size.width
        narrow = width < WIDE
        layout = (narrow, width)
        if layout == self._layout:
            return
        self._layout = layout
        self._narrow = narrow
        campaigns = self.query_one("#campaigns", DataTable)
        per_bot = self.query_one("#per-bot", DataTable)
        # A vertical scrollbar's room is kept whether it shows or not; the detail has a
        # cell of padding each side.
        self._per_bot_shown.clear()
        self._rows_shown.clear()
        self._lay_out(campaigns, CAMPAIGN_COLUMNS, width - 2)
        self._lay_out(per_bot, PER_BOT_COLUMNS, width - 4)
        for key in reversed(list(self.views)):  # taken oldest first; listed newest first
            cells = self._cells(self.views[key])
            campaigns.add_row(*cells.values(), key=key)
            self._rows_shown[key] = cells
        if self.selected is not None and self.selected in campaigns.rows:
            campaigns.move_cursor(row=campaigns.get_row_index(self.selected))
        view = self.selected_view
        if view is not None:
            self._show_per_bot(view)

    def _lay_out(self, table: DataTable[Text], columns: tuple[Column, ...], room: int) -> None:
        shown = [c for c in columns if c.narrow or not self._narrow]
        widths = {c.key: (c.width or self.bar_width + 5) for c in shown if c.width is not None}
        flex = [c for c in shown if c.width is None]
        left = room - sum(widths.values()) - 2 * table.cell_padding * len(shown)
        for column in flex:
            widths[column.key] = max(8, min(column.most, left // len(flex)))
        table.clear(columns=True)
        for column in shown:
            table.add_column(column.title, key=column.key, width=widths[column.key])

    def on_screen_resume(self) -> None:
        # Campaigns made elsewhere (`linda broadcast create` in another terminal) show up.
        if self.is_mounted and self.views:
            self._load()

    # --- reading the store ---------------------------------------------------------------------
    @work(exclusive=True, group="broadcasts-load", exit_on_error=False)
    async def _load(self) -> None:
        store = self.linda.services.store
        if store is None:
            return
        try:
            campaigns = await store.list_campaigns(limit=CAMPAIGN_LIMIT)
            listed = []
            for campaign in campaigns:
                stored = await store.count_recipients(campaign.id)  # type: ignore[arg-type]
                listed.append((campaign, {str(k): int(v) for k, v in stored.items()}))
        except Exception as exc:
            self._say_error(f"cannot read the campaigns: {exc}")
            return
        for campaign, counts in reversed(listed):  # oldest first: each new row goes on top
            view = self.views.get(str(campaign.id))
            if view is None:
                self._take(CampaignView(campaign, counts))
            else:
                # The store is newer than what the pane saw, except for what only events
                # carry (the finish, why it waits).
                view.campaign, view.counts = campaign, counts
                self._update_row(view)
        self.query_one("#no-campaigns").display = not self.views
        table = self.query_one("#campaigns", DataTable)
        if self._wanted is not None and self._wanted in self.views:
            self.select_campaign(self._wanted)
        elif self.selected is None and table.row_count:
            table.move_cursor(row=0)
            self._select(self._key_at(0))
        elif self.selected is not None:
            self._refresh_detail()

    @work(exclusive=True, group="broadcasts-detail", exit_on_error=False)
    async def _load_detail(self, key: str) -> None:
        """The selected campaign's live figures (finish, waiting), per bot and uncertain."""
        view = self.views.get(key)
        engine = self.linda.services.broadcasts
        if view is None:
            return
        if engine is not None:
            try:
                progress = await engine.progress(view.campaign.id)  # type: ignore[arg-type]
            except Exception as exc:
                self._say_error(f"cannot read campaign {key}'s progress: {exc}")
            else:
                self._merge(progress)
        await self._read_per_bot(key)
        await self._read_uncertain(key)

    async def _read_per_bot(self, key: str) -> None:
        view, store = self.views.get(key), self.linda.services.store
        if view is None or store is None:
            return
        self._per_bot_read_at = time.monotonic()
        try:
            by_bot = await store.count_recipients_by_bot(view.campaign.id)  # type: ignore[arg-type]
        except Exception as exc:
            self._say_error(f"cannot read campaign {key}'s progress per bot: {exc}")
            return
        view.per_bot = {
            bot: {str(state): int(n) for state, n in counts.items()}
            for bot, counts in by_bot.items()
        }
        if key == self.selected:
            self._show_per_bot(view)

    async def _read_uncertain(self, key: str) -> None:
        view, store = self.views.get(key), self.linda.services.store
        if view is None or store is None:
            return
        self._uncertain_shown = _count(view.counts, RecipientStatus.UNCERTAIN)
        if not self._uncertain_shown:
            found: list[Recipient] = []
        else:
            try:
                found = await store.list_recipients(
                    view.campaign.id,  # type: ignore[arg-type]
                    status=RecipientStatus.UNCERTAIN,
                    limit=UNCERTAIN_LIMIT,
                )
            except Exception as exc:
                self._say_error(f"cannot read campaign {key}'s uncertain recipients: {exc}")
                return
        if key == self.selected:
            self._show_uncertain(found)

    # --- live progress -----------------------------------------------------------------------
    def _on_progress(self, event: CampaignProgress) -> None:
        self._merge(event)

    def _merge(self, event: CampaignProgress) -> None:
        key = str(event.campaign.id)
        view = self.views.get(key)
        if view is None:
            view = CampaignView(event.campaign, dict(event.counts))
            self._take(view)
            self.query_one("#no-campaigns").display = False
            if self._wanted == key:
                self.select_campaign(key)
        view.campaign = event.campaign
        view.counts = {str(k): int(v) for k, v in event.counts.items()}
        view.finish_at = event.finish_at
        view.waiting = event.waiting
        if event.note:
            view.note = event.note
        self._update_row(view)
        if key == self.selected:
            self._refresh_detail()
            self._per_bot_soon(key)
            if _count(view.counts, RecipientStatus.UNCERTAIN) != self._uncertain_shown or (
                event.note and "uncertain" in event.note
            ):
                self._reload_uncertain(key)

    def _per_bot_soon(self, key: str) -> None:
        """Read the per-bot counts again, at most every PER_BOT_SECONDS while it runs."""
        if self._per_bot_timer is not None:
            return
        wait = self._per_bot_read_at + PER_BOT_SECONDS - time.monotonic()
        if wait <= 0:  # (a timer of 0 s would divide by zero in Textual)
            self._reload_per_bot(key)
            return

        def due() -> None:
            self._per_bot_timer = None
            self._reload_per_bot(key)

        self._per_bot_timer = self.set_timer(wait, due, name="per-bot")

    @work(exclusive=True, group="broadcasts-per-bot", exit_on_error=False)
    async def _reload_per_bot(self, key: str) -> None:
        await self._read_per_bot(key)

    @work(exclusive=True, group="broadcasts-uncertain", exit_on_error=False)
    async def _reload_uncertain(self, key: str) -> None:
        await self._read_uncertain(key)

    def _on_bots_changed(self, bots: frozenset[str]) -> None:
        # A bot's state shows beside its share: only the state cells of the bots that
        # changed (a bot's status changes with every message it sends).
        table = self.query_one("#per-bot", DataTable)
        fleet = self.linda.fleet
        known = set(fleet.bot_ids)
        for bot in bots:
            shown = self._per_bot_shown.get(bot)
            if shown is None or bot not in table.rows or bot not in known:
                continue
            state = state_text(fleet.status(bot).state)
            if shown.get("state") != state:
                table.update_cell(bot, "state", state)
                shown["state"] = state

    # --- the campaigns table ------------------------------------------------------------------
    def _take(self, view: CampaignView) -> None:
        """A campaign the pane did not list: a new row, on top (newest first)."""
        self.views[view.key] = view
        table = self.query_one("#campaigns", DataTable)
        cells = self._cells(view)
        table.add_row(*cells.values(), key=view.key)
        self._rows_shown[view.key] = cells
        order = {key: index for index, key in enumerate(self.views)}
        # Newest first: the views were taken oldest first.
        table.sort("id", key=lambda cell: -order.get(str(cell.plain), 0))
        if self.selected is not None and self.selected in table.rows:
            table.move_cursor(row=table.get_row_index(self.selected))

    def _cells(self, view: CampaignView) -> dict[str, Text]:
        """The campaign's row: a cell for each column on show."""
        counts = view.counts
        uncertain = _count(counts, RecipientStatus.UNCERTAIN)
        cells = {
            "id": Text(view.key, no_wrap=True),
            "name": literal(view.campaign.name, no_wrap=True, overflow="ellipsis"),
            "status": status_text(view.campaign.status),
            "progress": progress_bar(view.settled, view.total, self.bar_width),
            "sent": Text(f"{_count(counts, *WENT):,}/{view.total:,}", no_wrap=True),
            "failed": Text(f"{_count(counts, RecipientStatus.FAILED):,}", no_wrap=True),
            "uncertain": Text(
                f"{uncertain:,}", style="bold yellow" if uncertain else "", no_wrap=True
            ),
        }
        shown = self.query_one("#campaigns", DataTable).columns
        return {key: cell for key, cell in cells.items() if key in shown}

    def _update_row(self, view: CampaignView) -> None:
        table = self.query_one("#campaigns", DataTable)
        if view.key not in table.rows:
            return
        shown = self._rows_shown.setdefault(view.key, {})
        # Only the cells that changed: each update makes the table draw itself again.
        for column, cell in self._cells(view).items():
            if column != "id" and shown.get(column) != cell:
                table.update_cell(view.key, column, cell)
                shown[column] = cell

    def _key_at(self, row: int) -> str:
        table = self.query_one("#campaigns", DataTable)
        return str(table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # The row under the cursor now: the event may be older than a sort that put
        # another campaign there (rows are added, then sorted newest first).
        table = event.data_table
        if table.id == "campaigns" and table.row_count:
            self._select(self._key_at(table.cursor_row))

    def select_campaign(self, campaign_id: int | str) -> None:
        """Show this campaign (once it is listed, if it is not yet)."""
        key = str(campaign_id)
        if key not in self.views:
            self._wanted = key
            self._load()
            return
        self._wanted = None
        table = self.query_one("#campaigns", DataTable)
        table.move_cursor(row=table.get_row_index(key))
        self._select(key)

    def _select(self, key: str) -> None:
        if key == self.selected:
            return
        self.selected = key
        self._uncertain_shown = None
        if self._per_bot_timer is not None:
            self._per_bot_timer.stop()
            self._per_bot_timer = None
        self._show_uncertain([])  # at once: s and m act on the rows on show
        self._refresh_detail()
        # The progress per bot and the uncertain recipients are read once the cursor
        # rests: holding an arrow key does not read the store for every campaign passed.
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._detail_due, name="detail")

    def _detail_due(self) -> None:
        self._detail_timer = None
        view = self.selected_view
        if view is not None:
            self._show_per_bot(view)
            self._load_detail(view.key)

    # --- the selected campaign ------------------------------------------------------------------
    def _refresh_detail(self) -> None:
        view = self.views.get(self.selected or "")
        detail = self.query_one("#campaign-detail")
        detail.display = view is not None
        if view is None:
            return
        campaign = view.campaign
        head = Text()
        head.append(f"Campaign {view.key} ", style="dim")
        head.append(printable(_cut(campaign.name, NAME_SHOWN[self._narrow])), style="bold")
        head.append(" · ")
        head.append_text(status_text(campaign.status))
        bots = "all bots" if campaign.bots == ALL_BOTS else ", ".join(campaign.bots)
        head.append(f" · pace {printable(campaign.pace)} · from {printable(bots)}")
        # One widget for the three parts: each redraw is one widget's, however many
        # of its lines changed.
        summary = Text.assemble(head, "\n", self._counts_text(view), "\n", self._finish_text(view))
        self._put("#campaign-summary", summary)
        # The keys on offer follow the status (and the uncertain rows, see _show_uncertain).
        bindings_for = (campaign.status,)
        if bindings_for != self._bindings_for:
            self._bindings_for = bindings_for
            self.refresh_bindings()

    def _put(self, selector: str, text: Text) -> None:
        """Show text in a line of the detail, unless it shows it already (every progress
        event redraws the detail: most lines have not changed)."""
        if self._detail_shown.get(selector) != text:
            self._detail_shown[selector] = text
            self.query_one(selector, Static).update(text, layout=False)

    def _counts_text(self, view: CampaignView) -> Text:
        text = Text()
        text.append_text(progress_bar(view.settled, view.total, width=20))
        text.append(f"  {view.settled:,} of {view.total:,} settled\n")
        for index, state in enumerate(STATES):
            if index:
                text.append(" · ", style="dim")
            count = _count(view.counts, state)
            text.append(f"{state} ", style="dim" if not count else "")
            text.append(f"{count:,}", style=_STATE_STYLE.get(state, "bold") if count else "dim")
        return text

    def _finish_text(self, view: CampaignView) -> Text:
        status = view.campaign.status
        now = self.linda.clock.now()
        text = Text()
        if status is CampaignStatus.RUNNING:
            text.append("Estimated finish ")
            text.append(
                when(view.finish_at, now, self.linda.timezone) if view.finish_at else "—",
                style="bold",
            )
            if view.waiting:
                text.append(" · waiting: ", style="yellow")
                text.append(printable(view.waiting), style="yellow")
        elif status is CampaignStatus.PAUSED:
            text.append("Paused: r resumes it, c cancels it", style="yellow")
        elif status is CampaignStatus.DRAFT:
            text.append("Not started: r starts it", style="dim")
        elif status is CampaignStatus.SCHEDULED:
            start = view.campaign.start_at
            text.append(
                f"Starts {when(start, now, self.linda.timezone)}" if start else "Scheduled",
                style="cyan",
            )
        elif status is CampaignStatus.DONE:
            text.append("Done", style="green")
        else:
            text.append("Cancelled: nothing more is sent", style="dim")
        uncertain = _count(view.counts, RecipientStatus.UNCERTAIN)
        if uncertain:
            text.append(
                f" · {uncertain:,} uncertain: s resends, m marks sent (S, M: all)",
                style="bold yellow",
            )
        if view.note:
            text.append("\n")
            text.append(printable(view.note), style="italic dim")
        return text

    def _bots_of(self, view: CampaignView) -> list[str]:
        fleet = self.linda.fleet
        chosen = fleet.bot_ids if view.campaign.bots == ALL_BOTS else list(view.campaign.bots)
        extra = [bot for bot in view.per_bot if bot and bot not in chosen]
        return [*chosen, *extra]

    def _show_per_bot(self, view: CampaignView) -> None:
        """One row per bot of the campaign, updated cell by cell."""
        table = self.query_one("#per-bot", DataTable)
        bots = self._bots_of(view)
        for row_key in list(table.rows):
            if row_key.value not in bots:
                table.remove_row(row_key)
                self._per_bot_shown.pop(str(row_key.value), None)
        fleet = self.linda.fleet
        known = set(fleet.bot_ids)
        for bot in bots:
            counts = view.per_bot.get(bot, {})
            went = _count(counts, *WENT)
            failed = _count(counts, RecipientStatus.FAILED)
            left = _count(counts, RecipientStatus.PENDING, RecipientStatus.SENDING)
            uncertain = _count(counts, RecipientStatus.UNCERTAIN)
            share = went + failed + left + uncertain
            state = state_text(fleet.status(bot).state) if bot in known else Text("not in fleet")
            cells = {
                "bot": literal(bot, no_wrap=True, overflow="ellipsis"),
                "state": state,
                "progress": progress_bar(went + failed + uncertain, share, self.bar_width),
                "sent": Text(f"{went:,}/{share:,}", no_wrap=True),
                "failed": Text(f"{failed:,}", no_wrap=True),
                "left": Text(f"{left:,}", no_wrap=True),
                "uncertain": Text(
                    f"{uncertain:,}", style="bold yellow" if uncertain else "", no_wrap=True
                ),
            }
            cells = {key: cell for key, cell in cells.items() if key in table.columns}
            shown = self._per_bot_shown.get(bot)
            if bot in table.rows and shown is not None:
                for column, cell in cells.items():
                    if column != "bot" and shown.get(column) != cell:
                        table.update_cell(bot, column, cell)
            else:
                table.add_row(*cells.values(), key=bot)
            self._per_bot_shown[bot] = cells

    def _show_uncertain(self, recipients: Sequence[Recipient]) -> None:
        table = self.query_one("#uncertain", DataTable)
        wanted = {r.phone: r for r in recipients}
        had_rows = bool(table.row_count)
        if not wanted and not had_rows:
            return  # nothing was listed, nothing is: nothing to redraw
        for row_key in list(table.rows):
            if row_key.value not in wanted:
                table.remove_row(row_key)
        zone = self.linda.timezone
        for phone, recipient in wanted.items():
            if phone in table.rows:
                continue
            since = recipient.claimed_at or recipient.updated_at
            table.add_row(
                Text(phone, no_wrap=True),
                literal(recipient.bot_id or "—", no_wrap=True),
                Text(since.astimezone(zone).strftime("%H:%M:%S") if since else "—"),
                literal(" ".join(recipient.text.split()), no_wrap=True, overflow="ellipsis"),
                key=phone,
            )
        table.display = bool(wanted)
        if had_rows != bool(wanted):  # s and m are on offer only with rows
            self.refresh_bindings()

    # --- the operator's actions --------------------------------------------------------------------
    @property
    def selected_view(self) -> CampaignView | None:
        return self.views.get(self.selected or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.selected_view
        status = view.campaign.status if view is not None else None
        if action == "pause":
            return True if status in (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED) else None
        if action == "resume":
            return True if status in (CampaignStatus.PAUSED, CampaignStatus.DRAFT) else None
        if action == "cancel_campaign":
            finished = (None, CampaignStatus.DONE, CampaignStatus.CANCELLED)
            return True if status not in finished else None
        if action == "resolve":
            return True if self.query_one("#uncertain", DataTable).row_count else None
        return True

    def action_pause(self) -> None:
        if (view := self.selected_view) is not None:
            self._steer(view, "pause", "paused")

    def action_resume(self) -> None:
        view = self.selected_view
        if view is None:
            return
        if view.campaign.status is CampaignStatus.DRAFT:
            self._steer(view, "start_campaign", "started")
        else:
            self._steer(view, "resume", "resumed")

    def action_cancel_campaign(self) -> None:
        view = self.selected_view
        if view is None:
            return
        from linda_tui.tui.screens.confirm import ConfirmScreen

        left = _count(view.counts, RecipientStatus.PENDING)

        def answered(yes: bool | None) -> None:
            if yes:
                self._steer(view, "cancel", "cancelled")

        self.app.push_screen(
            ConfirmScreen(
                f"Cancel campaign {view.key} ({view.campaign.name})?",
                f"Nobody else gets it: {left:,} recipients still waiting will never be "
                "sent. A cancelled campaign cannot be resumed.",
                "Cancel campaign",
            ),
            answered,
        )

    def action_resolve(self, action: str, which: str) -> None:
        view = self.selected_view
        table = self.query_one("#uncertain", DataTable)
        if view is None or not table.row_count:
            return
        decision = UncertainAction(action)
        if which == "all":
            phones: list[str] | None = None
            whom = f"all {table.row_count:,} uncertain recipients"
            if table.row_count >= UNCERTAIN_LIMIT:
                whom = f"every uncertain recipient of campaign {view.key}"
        else:
            row_key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key
            phones = [str(row_key.value)]
            whom = phones[0]
        if decision is UncertainAction.RESEND:
            title = f"Send again to {whom}?"
            question = (
                "Linda stopped while handing these messages to WhatsApp: they may have "
                "arrived already. Resending may message someone twice."
            )
            button = "Resend"
        else:
            title = f"Count {whom} as sent?"
            question = (
                "Mark sent when you know the message arrived (the person says so, or it "
                "shows on the phone). Nothing is sent."
            )
            button = "Mark sent"
        from linda_tui.tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._resolve(view, phones, decision)

        self.app.push_screen(ConfirmScreen(title, question, button), answered)

    def action_new_campaign(self) -> None:
        self._new_campaign()

    @work(group="broadcasts-new", exit_on_error=False)
    async def _new_campaign(self) -> None:
        app = self.linda
        await app.switch_mode("compose")
        switch_to: Callable[[str], Awaitable[None]] | None = getattr(app.screen, "switch_to", None)
        if switch_to is not None:
            await switch_to("broadcast")

    @work(group="broadcasts-steer", exit_on_error=False)
    async def _steer(self, view: CampaignView, method: str, done: str) -> None:
        engine = self.linda.services.broadcasts
        if engine is None:
            self._say_error("this Linda runs no broadcasts")
            return
        try:
            campaign = await getattr(engine, method)(view.campaign.id)
        except Exception as exc:
            self._say_error(f"campaign {view.key} not {done}: {exc}")
            return
        view.campaign = campaign
        self._update_row(view)
        if view.key == self.selected:
            self._refresh_detail()
        self.app.notify(f"{view.campaign.name}", title=f"Campaign {view.key} {done}")

    @work(group="broadcasts-steer", exit_on_error=False)
    async def _resolve(
        self, view: CampaignView, phones: list[str] | None, decision: UncertainAction
    ) -> None:
        app = self.linda
        engine = app.services.broadcasts
        if engine is None:
            self._say_error("this Linda runs no broadcasts")
            return
        audit_entry: Any = getattr(app.fleet, "audit_entry", None)
        audit = (
            audit_entry(f"broadcast.resolve.{decision}", None, campaign=view.key, phones=phones)
            if audit_entry is not None
            else None  # attached: the host writes the audit entry
        )
        try:
            changed = await engine.resolve(view.campaign.id, phones, decision, audit)  # type: ignore[arg-type]
        except Exception as exc:
            self._say_error(f"could not resolve: {exc}")
            return
        verb = "will be sent again" if decision is UncertainAction.RESEND else "counted as sent"
        app.notify(f"{changed:,} recipients {verb}", title=f"Campaign {view.key}")
        app.record(Kind.INFO, f"campaign {view.key}: {changed} uncertain recipients {verb}")
        await self._read_uncertain(view.key)

    def _say_error(self, message: str) -> None:
        self.app.notify(message, title="Broadcasts", severity="error")
        self.linda.record(Kind.ERROR, message)
