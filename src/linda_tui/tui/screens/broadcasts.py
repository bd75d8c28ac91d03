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
from textual.containers import VerticalScroll
from textual.coordinate import Coordinate
from textual.timer import Timer
from textual.widgets import DataTable, Static

from linda_tui.models import (
    ALL_BOTS,
    BotState,
    Campaign,
    CampaignStatus,
    RecipientStatus,
    UncertainAction,
)
from linda_tui.plain_text import count_of
from linda_tui.tui.activity import Kind
from linda_tui.tui.literal import literal, printable
from linda_tui.tui.screens.pane import PaneScreen
from linda_tui.tui.widgets.broadcast_form import when
from linda_tui.tui.widgets.campaign_tables import (
    CampaignTable,
    PerBotTable,
    UncertainTable,
    progress_bar,
    resolve_bindings,
    status_text,
)
from linda_tui.tui.widgets.state_label import state_text
from linda_tui.tui.widgets.text_block import TextBlock

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
# A campaign's name in the summary is cut to this many characters (wide, narrow).
NAME_SHOWN = (60, 24)
# Below this many columns the tables leave out their Failed column (the counts line
# under the list still tells the failed) and draw shorter bars: 80x24 fits.
WIDE = 100

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
_STATE_STYLE: dict[RecipientStatus, str] = {
    RecipientStatus.DELIVERED: "green",
    RecipientStatus.READ: "cyan",
    RecipientStatus.REPLIED: "bold cyan",
    RecipientStatus.FAILED: "red",
    RecipientStatus.UNCERTAIN: "bold yellow",
}


def _count(counts: dict[str, int], *states: RecipientStatus) -> int:
    # (RecipientStatus is a StrEnum: its members are the keys' strings)
    return sum(counts.get(state, 0) for state in states)


# Notes (or parts of one) that only name what the campaign did: its status line says
# it already ("Done", "Cancelled: nothing more is sent"), and one kept would go stale
# ("paused" under a campaign resumed since).
STATUS_NOTES = frozenset({"started", "resumed", "paused", "cancelled", "done"})


def _own_note(note: str) -> str | None:
    """What a progress note says beyond the status ("done; 3 uncertain recipients to
    resolve": the second part), or None."""
    parts = [part.strip() for part in note.split(";")]
    said = "; ".join(part for part in parts if part and part not in STATUS_NOTES)
    return said or None


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


class BotFigures(NamedTuple):
    """A bot's share of a campaign, as its row in the per-bot table shows it."""

    went: int
    failed: int
    left: int
    uncertain: int
    state: BotState | None  # None: the bot is no longer in the fleet
    bars: int  # the progress bar's width

    def cells(self, bot: str) -> dict[str, Text | str]:
        went, failed, left, uncertain = self.went, self.failed, self.left, self.uncertain
        share = went + failed + left + uncertain
        return {
            "bot": literal(bot, no_wrap=True, overflow="ellipsis"),
            "state": state_text(self.state) if self.state is not None else Text("not in fleet"),
            "progress": progress_bar(went + failed + uncertain, share, self.bars),
            "sent": Text(f"{went:,}/{share:,}", no_wrap=True),
            "failed": Text(f"{failed:,}", no_wrap=True),
            "left": Text(f"{left:,}", no_wrap=True),
            "uncertain": Text(
                f"{uncertain:,}", style="bold yellow" if uncertain else "", no_wrap=True
            ),
        }


@dataclass
class CampaignView:
    """What the pane knows about one campaign."""

    campaign: Campaign
    counts: dict[str, int]  # by RecipientStatus value
    finish_at: datetime | None = None
    waiting: str | None = None
    note: str | None = None
    note_status: CampaignStatus | None = None  # the status the note was written under
    per_bot: dict[str, dict[str, int]] = field(default_factory=dict)
    # Progress events taken: a read of the store that began before the last of them
    # is older than what the pane shows, and is dropped (counts never go back).
    merged: int = 0

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
        *resolve_bindings(),
        Binding("n", "new_campaign", "New", id="linda.broadcasts.new"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.views: dict[str, CampaignView] = {}
        self.selected: str | None = None
        self._wanted: str | None = None  # select this campaign once it is listed
        self._per_bot_timer: Timer | None = None
        self._detail_timer: Timer | None = None
        self._bindings_for: tuple[object, ...] | None = None  # what the key bar shows
        self._per_bot_read_at = 0.0
        self._per_bot_asked = 0  # reads of the per-bot counts asked, and the last shown
        self._per_bot_figures: dict[str, BotFigures] = {}  # by bot, as on show
        self._per_bot_taken = 0
        self._uncertain_shown: int | None = None  # the uncertain count the list was read at
        self._narrow = False

    # --- layout --------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield CampaignTable(id="campaigns")
        yield Static(
            Text(
                "No campaigns yet. Press n (or ctrl+t in Compose) to write one: a CSV, a "
                "contact search or a label, one template, a dry run, then start.",
                style="dim",
            ),
            id="no-campaigns",
        )
        # It scrolls: a short terminal has no room for the summary and both tables, and
        # a table that gets the focus is brought into view whole (its cursor with it).
        with VerticalScroll(id="campaign-detail", can_focus=False):
            yield TextBlock(id="campaign-summary")
            yield PerBotTable(id="per-bot")
            yield UncertainTable(id="uncertain")

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
        return self.query_one("#campaigns", CampaignTable).bar_width

    def _fit(self) -> None:
        """Lay the campaigns and per-bot tables out for the terminal's width: in a narrow
        one without their Failed columns, with shorter bars (the tables' columns follow
        their own width: the name takes what the other columns leave). When that
        changes (a resize), the cells are drawn again at the new bar width."""
        width = self.size.width or self.app.size.width
        narrow = width < WIDE
        self.query_one("#campaigns", CampaignTable).set_narrow(narrow)
        self.query_one("#per-bot", PerBotTable).set_narrow(narrow)
        if narrow == self._narrow:
            return
        self._narrow = narrow
        for view in self.views.values():
            self._update_row(view)
        selected = self.selected_view
        if selected is not None:
            self._show_per_bot(selected)
            self._refresh_detail()

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
        merged = {key: view.merged for key, view in self.views.items()}
        try:
            campaigns = await store.list_campaigns(limit=CAMPAIGN_LIMIT)
            listed = []
            for campaign in campaigns:
                stored = await store.count_recipients(campaign.id)  # type: ignore[arg-type]
                listed.append((campaign, {str(k): int(v) for k, v in stored.items()}))
        except Exception as exc:
            self._say_error(f"cannot read the campaigns: {exc}")
            return
        new = []
        for campaign, counts in reversed(listed):  # oldest first: the newest goes on top
            key = str(campaign.id)
            view = self.views.get(key)
            if view is None:
                new.append(CampaignView(campaign, counts))
            elif view.merged == merged.get(key):
                # The store is newer than what the pane saw (unless a progress event
                # came while it was read), except for what only events carry (the
                # finish, why it waits).
                view.campaign, view.counts = campaign, counts
                self._update_row(view)
        self._take(*new)
        self.query_one("#no-campaigns").display = not self.views
        table = self.query_one("#campaigns", CampaignTable)
        if self._wanted is not None and self._wanted in self.views:
            self.select_campaign(self._wanted)
        elif self.selected is None and table.row_count:
            table.move_to(table.row_keys[0])
            self._select(table.row_keys[0])
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
            merged = view.merged
            try:
                progress = await engine.progress(view.campaign.id)  # type: ignore[arg-type]
            except Exception as exc:
                self._say_error(f"cannot read campaign {key}'s progress: {exc}")
            else:
                if view.merged == merged:  # else an event came meanwhile: it is newer
                    self._merge(progress)
        await self._read_per_bot(key)
        await self._read_uncertain(key)

    async def _read_per_bot(self, key: str) -> None:
        view, store = self.views.get(key), self.linda.services.store
        if view is None or store is None:
            return
        self._per_bot_read_at = time.monotonic()
        self._per_bot_asked += 1
        ticket = self._per_bot_asked
        try:
            by_bot = await store.count_recipients_by_bot(view.campaign.id)  # type: ignore[arg-type]
        except Exception as exc:
            self._say_error(f"cannot read campaign {key}'s progress per bot: {exc}")
            return
        if ticket < self._per_bot_taken:
            return  # a read asked later has been shown: this one is older
        self._per_bot_taken = ticket
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
        view.merged += 1
        view.campaign = event.campaign
        view.counts = {str(k): int(v) for k, v in event.counts.items()}
        view.finish_at = event.finish_at
        view.waiting = event.waiting
        if event.note:
            view.note, view.note_status = _own_note(event.note), event.campaign.status
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
        # changed (a bot's status changes with every message it sends); the table
        # redraws a line only when its cell looks different.
        table = self.query_one("#per-bot", PerBotTable)
        fleet = self.linda.fleet
        known = set(fleet.bot_ids)
        shown = self._per_bot_figures
        for bot in bots:
            figures = shown.get(bot)
            if figures is None or bot not in table.rows or bot not in known:
                continue
            state = fleet.status(bot).state
            if state is not figures.state:
                shown[bot] = figures._replace(state=state)
                table.update_cell(bot, "state", state_text(state))

    # --- the campaigns table ------------------------------------------------------------------
    def _take(self, *views: CampaignView) -> None:
        """Campaigns the pane did not list: new rows, on top (newest first)."""
        if not views:
            return
        for view in views:
            self.views[view.key] = view
        table = self.query_one("#campaigns", CampaignTable)
        # Newest first: the views were taken oldest first. The rows under the new ones
        # keep their cells; they are put again below them.
        table.put_rows([(key, self._cells(self.views[key])) for key in reversed(self.views)])
        if self.selected is not None:
            table.move_to(self.selected)

    def _cells(self, view: CampaignView) -> dict[str, Text | str]:
        """The campaign's row: a cell for each column (the table shows those that fit)."""
        counts = view.counts
        uncertain = _count(counts, RecipientStatus.UNCERTAIN)
        return {
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

    def _update_row(self, view: CampaignView) -> None:
        table = self.query_one("#campaigns", CampaignTable)
        if view.key not in table.rows:
            return
        # Only the lines whose cells changed are drawn again.
        for column, cell in self._cells(view).items():
            table.update_cell(view.key, column, cell)

    def on_campaign_table_highlighted(self, event: CampaignTable.Highlighted) -> None:
        # The row under the cursor now: the event may be older than new rows put on
        # top, which moved the selected campaign down.
        key = event.table.cursor_key
        if key is not None:
            self._select(key)

    def select_campaign(self, campaign_id: int | str) -> None:
        """Show this campaign (once it is listed, if it is not yet)."""
        key = str(campaign_id)
        if key not in self.views:
            self._wanted = key
            self._load()
            return
        self._wanted = None
        self.query_one("#campaigns", CampaignTable).move_to(key)
        self._select(key)

    def _select(self, key: str) -> None:
        if key == self.selected:
            return
        self.selected = key
        self._uncertain_shown = None
        # Another campaign: its detail is read from the top (its summary first).
        self.query_one("#campaign-detail").scroll_home(animate=False, immediate=True)
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
        # of its lines changed (none when nothing did: every progress event comes here).
        summary = Text.assemble(head, "\n", self._counts_text(view), "\n", self._finish_text(view))
        self.query_one("#campaign-summary", TextBlock).update(summary)
        # The keys on offer follow the status (and the uncertain rows, see _show_uncertain).
        bindings_for = (campaign.status,)
        if bindings_for != self._bindings_for:
            self._bindings_for = bindings_for
            self.refresh_bindings()

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
            keys = (
                "m marks sent (M: all)"
                if status is CampaignStatus.CANCELLED
                else "s resends, m marks sent (S, M: all)"
            )
            text.append(f" · {uncertain:,} uncertain: {keys}", style="bold yellow")
        if view.note and view.note_status is status:  # a note of an earlier status is old
            text.append("\n")
            text.append(printable(view.note), style="italic dim")
        return text

    def _bots_of(self, view: CampaignView) -> list[str]:
        fleet = self.linda.fleet
        chosen = fleet.bot_ids if view.campaign.bots == ALL_BOTS else list(view.campaign.bots)
        extra = [bot for bot in view.per_bot if bot and bot not in chosen]
        return [*chosen, *extra]

    def _show_per_bot(self, view: CampaignView) -> None:
        """One row per bot of the campaign; only the rows whose figures changed are
        drawn again (a running campaign's counts are read every second, and the cursor
        passing over drafts shows the same zeros)."""
        table = self.query_one("#per-bot", PerBotTable)
        fleet = self.linda.fleet
        known = set(fleet.bot_ids)
        bars = self.bar_width
        figures: dict[str, BotFigures] = {}
        for bot in self._bots_of(view):
            counts = view.per_bot.get(bot, {})
            figures[bot] = BotFigures(
                went=_count(counts, *WENT),
                failed=_count(counts, RecipientStatus.FAILED),
                left=_count(counts, RecipientStatus.PENDING, RecipientStatus.SENDING),
                uncertain=_count(counts, RecipientStatus.UNCERTAIN),
                state=fleet.status(bot).state if bot in known else None,
                bars=bars,
            )
        shown = self._per_bot_figures
        if list(figures) == table.row_keys:
            for bot, now in figures.items():
                if shown.get(bot) != now:
                    for column, cell in now.cells(bot).items():
                        table.update_cell(bot, column, cell)
        else:
            table.put_rows([(bot, now.cells(bot)) for bot, now in figures.items()])
        self._per_bot_figures = figures

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
        # A key that cannot do anything for the selected campaign is not offered at all
        # (hidden from the key bar), rather than shown and silently doing nothing.
        view = self.selected_view
        status = view.campaign.status if view is not None else None
        if action == "pause":
            return status in (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED)
        if action == "resume":
            return status in (CampaignStatus.PAUSED, CampaignStatus.DRAFT)
        if action == "cancel_campaign":
            return status not in (None, CampaignStatus.DONE, CampaignStatus.CANCELLED)
        if action == "resolve":
            if status is CampaignStatus.CANCELLED and parameters[:1] == (UncertainAction.RESEND,):
                return False  # a cancelled campaign sends nothing more: marking sent only
            return bool(self.query_one("#uncertain", DataTable).row_count)
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
                f"Nobody else gets it: {count_of(left, 'recipient')} still waiting will never be "
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
            whom = (
                f"all {table.row_count:,} uncertain recipients"
                if table.row_count > 1
                else "the 1 uncertain recipient"
            )
            if table.row_count >= UNCERTAIN_LIMIT:
                whom = f"every uncertain recipient of campaign {view.key}"
        else:
            # The row named is the one on show: the table takes the focus (which brings
            # it into view) and its cursor is scrolled to, wherever the key was pressed.
            table.focus()
            table.move_cursor(row=table.cursor_row, scroll=True)
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
        engine = await self.linda.broadcast_engine()
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
        engine = await app.broadcast_engine()
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
        app.notify(f"{count_of(changed, 'recipient')} {verb}", title=f"Campaign {view.key}")
        app.record(
            Kind.INFO, f"campaign {view.key}: {count_of(changed, 'uncertain recipient')} {verb}"
        )
        await self._read_uncertain(view.key)

    def _say_error(self, message: str) -> None:
        self.app.notify(message, title="Broadcasts", severity="error")
        self.linda.record(Kind.ERROR, message)
