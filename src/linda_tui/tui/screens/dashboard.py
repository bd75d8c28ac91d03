"""Dashboard: every bot live, the fleet's health, and actions on the selected bot."""

from __future__ import annotations

import time
from datetime import datetime

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.scalar import Unit
from textual.geometry import Size
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from linda_tui.fleet.status import BotStatus, describe_duration
from linda_tui.models import BotState
from linda_tui.tui.literal import literal, printable
from linda_tui.tui.screens.pane import PaneScreen
from linda_tui.tui.widgets.bot_table import BotTable
from linda_tui.tui.widgets.key_bar import KeyBar
from linda_tui.tui.widgets.mode_bar import ModeBar
from linda_tui.tui.widgets.state_label import state_word
from linda_tui.tui.widgets.sync_progress import SyncProgressBar

# During a burst of status updates the dashboard is updated at most this often (the
# table redraws only the rows that changed; the summary line is recounted each time).
REDRAW_SECONDS = 0.1
# The time-in-state column shows minutes: refreshing it this often is close enough.
TABLE_TICK_SECONDS = 10.0
# From this many columns the detail's first line (who, where, the state) fits one line.
DETAIL_WIDE = 80

# What the operator can do next, by state (shown under the table).
_HINTS: dict[BotState, str] = {
    BotState.ONLINE: "s sends from this bot · l logs it out",
    BotState.NOT_PAIRED: "p pairs it with a phone",
    BotState.LOGGED_OUT: "p pairs it with a phone",
    BotState.ERROR: "r reconnects · p pairs it again",
    BotState.RECONNECTING: "retrying by itself · r retries now",
    BotState.BANNED: "sending is stopped until the ban ends",
    BotState.WAITING_FOR_PHONE: "p shows the pairing code",
    BotState.PAIRING: "p shows the pairing code",
    BotState.STOPPED: "starting…",
    BotState.CONNECTING: "connecting…",
}


class DashboardScreen(PaneScreen):
    """The live fleet table with a summary, the sync line and per-bot actions."""

    CSS_PATH = ["pane.tcss", "dashboard.tcss"]

    MODE = "dashboard"
    BINDINGS = [
        Binding("p", "pair", "Pair", id="linda.dashboard.pair"),
        Binding("r", "reconnect", "Reconnect", id="linda.dashboard.reconnect"),
        Binding("l", "logout", "Log out", id="linda.dashboard.logout"),
        Binding("s", "send_from", "Send from", id="linda.dashboard.send"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._pending: set[str] = set()
        self._flush_timer: Timer | None = None
        self._last_flush = 0.0

    def compose_body(self) -> ComposeResult:
        yield Static(id="fleet-summary")
        yield Static(id="sync-status")
        yield SyncProgressBar(id="sync-progress")
        yield BotTable(id="bots")
        yield Static(id="bot-detail")

    def on_mount(self) -> None:
        self._fit_table(self.app.size)
        self.query_one(BotTable).show(self.linda.fleet.statuses(), self.linda.clock.now())
        self._refresh_summary()
        self._refresh_detail()
        self._refresh_sync()
        self.linda.bots_changed.subscribe(self, self._on_bots_changed)
        self.linda.sync_status_changed.subscribe(self, lambda _text: self._refresh_sync())
        self.set_interval(1.0, self._refresh_detail, name="detail-tick")
        self.set_interval(TABLE_TICK_SECONDS, self._tick, name="table-tick")

    def on_resize(self, event: events.Resize) -> None:
        self._fit_table(event.size)
        self._refresh_sync()
        self._refresh_summary()

    def _fit_table(self, size: Size) -> None:
        """The table gets the lines the others leave, and scrolls past that: a big fleet
        never pushes the summary or the detail off the screen (CSS cannot say "auto, but
        at most what is left": a max-height of 1fr means the whole screen). The detail
        takes a third line in a narrow terminal, where its first line wraps."""
        height = size.height
        self.query_one("#bot-detail").styles.height = 3 if size.width >= DETAIL_WIDE else 4
        others: list[Widget] = [
            self.query_one(ModeBar),
            self.query_one("#fleet-summary"),
            self.query_one("#sync-status"),
            self.query_one(SyncProgressBar),
            self.query_one("#bot-detail"),
            self.query_one(KeyBar),
        ]
        used = sum(_fixed_height(widget) for widget in others if widget.display)
        self.query_one(BotTable).styles.max_height = max(3, height - used)

    def on_sync_progress_bar_toggled(self, _event: SyncProgressBar.Toggled) -> None:
        # The bar takes a line while a sync runs: the table gives it up.
        self._fit_table(self.app.size)

    # --- live updates -------------------------------------------------------------
    def _on_bots_changed(self, bot_ids: frozenset[str]) -> None:
        # A change shows at once; during a burst, at most every REDRAW_SECONDS. While
        # another pane is showing, changes only gather: they show on return.
        self._pending |= bot_ids
        if self._flush_timer is not None or not self._shown():
            return
        wait = self._last_flush + REDRAW_SECONDS - time.monotonic()
        if wait <= 0:
            self._flush()
        else:
            self._flush_timer = self.set_timer(wait, self._flush, name="dashboard-flush")

    def _shown(self) -> bool:
        # On screen: on top, or under a dialog (pairing, a question) of the same pane.
        return self in self.app.screen_stack

    def on_screen_resume(self) -> None:
        if self._pending and self._flush_timer is None:
            self._flush()

    def _flush(self) -> None:
        self._flush_timer = None
        self._last_flush = time.monotonic()
        bot_ids, self._pending = self._pending, set()
        fleet = self.linda.fleet
        known = set(fleet.bot_ids)
        statuses = [fleet.status(b) for b in bot_ids if b in known]
        self.query_one(BotTable).show(statuses, self.linda.clock.now())
        self._refresh_summary()
        if self.selected_bot_id in bot_ids:
            self._refresh_detail()
        if self.app.screen is not self:
            # A dialog (pairing, a question) draws this pane as its dimmed background,
            # from its own cache: repaint it so the fleet behind stays live.
            self.app.screen.refresh()

    def _tick(self) -> None:
        self.query_one(BotTable).tick(self.linda.fleet.statuses(), self.linda.clock.now())

    def on_bot_table_highlighted(self, _event: BotTable.Highlighted) -> None:
        self._refresh_detail()

    def _refresh_summary(self) -> None:
        stats = self.linda.fleet.stats()
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("Fleet ", style="bold")
        line.append(f"{stats.online}/{stats.total} online")
        primary = stats.primary
        if primary is not None:
            line.append(" · primary ")
            if primary.bot_id is None:
                line.append("✖ none", style="bold red")
            elif primary.healthy:
                line.append(f"● {primary.bot_id} healthy", style="green")
            else:
                line.append(f"✖ {primary.bot_id} {printable(primary.detail)}", style="bold red")
        today = f" · today {stats.sent_today} sent, {stats.received_today} received"
        # Today's counts only when they fit (the line's padding aside): the fleet's health
        # comes first.
        if line.cell_len + len(today) <= self.app.size.width - 2:
            line.append(today)
        self.query_one("#fleet-summary", Static).update(line, layout=False)

    def _refresh_sync(self) -> None:
        line = self.linda.sync_line(self.app.size.width - 2)  # the line's padding aside
        self.query_one("#sync-status", Static).update(
            literal(line, no_wrap=True, overflow="ellipsis"), layout=False
        )

    def _refresh_detail(self) -> None:
        bot_id = self.selected_bot_id
        detail = self.query_one("#bot-detail", Static)
        if bot_id is None:
            detail.update("", layout=False)
            return
        status = self.linda.fleet.status(bot_id)
        detail.update(describe_bot(status, self.linda.clock.now()), layout=False)

    # --- actions on the selected bot -------------------------------------------------
    @property
    def selected_bot_id(self) -> str | None:
        return self.query_one(BotTable).selected_bot_id

    def select_bot(self, bot_id: str) -> None:
        self.query_one(BotTable).select_bot(bot_id)

    def action_pair(self) -> None:
        if bot_id := self.selected_bot_id:
            self.linda.pair_bot(bot_id)

    def action_reconnect(self) -> None:
        if bot_id := self.selected_bot_id:
            self.linda.reconnect_bot(bot_id)

    def action_logout(self) -> None:
        if bot_id := self.selected_bot_id:
            self.linda.logout_bot(bot_id)

    async def action_send_from(self) -> None:
        if bot_id := self.selected_bot_id:
            await self.linda.compose_from(bot_id)


def _fixed_height(widget: Widget) -> int:
    """Lines a fixed-height widget takes, margins included (1 when not fixed)."""
    height = widget.styles.height
    lines = int(height.value) if height is not None and height.unit is Unit.CELLS else 1
    return lines + widget.styles.margin.height


def describe_bot(status: BotStatus, now: datetime) -> Text:
    """Two lines about one bot: who and where it is, then why and what to do next."""
    bot = status.bot
    text = Text(overflow="fold")
    text.append(printable(bot.name), style="bold")
    text.append(f" ({bot.id}) · {printable(bot.phone)} · {bot.role} · ")
    text.append(f"{state_word(status.state)} for {describe_duration(status.seconds_in_state(now))}")
    text.append("\n")
    if status.detail:
        text.append(printable(status.detail), style="italic")
        text.append(" — ")
    text.append(_HINTS[status.state], style="dim")
    return text
