"""Activity: a live log of messages in and out and of fleet events, filterable by bot."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Label, RichLog, Select

from linda_tui.tui.activity import ActivityEntry
from linda_tui.tui.screens.pane import PaneScreen

ALL_BOTS = "*"


class ActivityScreen(PaneScreen):
    """Every entry the app recorded, newest at the bottom; the filter narrows to one bot."""

    MODE = "activity"
    BINDINGS = [
        Binding("f", "focus_filter", "Filter by bot", id="linda.activity.filter"),
        Binding("end", "scroll_end", "Latest", id="linda.activity.latest", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        options = [("all bots", ALL_BOTS)] + [
            (f"{s.bot.name} ({s.id})", s.id) for s in self.linda.fleet.statuses()
        ]
        with Horizontal(id="activity-bar"):
            yield Label("Show", classes="field-label")
            yield Select(
                options, value=ALL_BOTS, allow_blank=False, id="activity-filter", compact=True
            )
        yield RichLog(id="activity-log", wrap=True, max_lines=5000, auto_scroll=True)

    def on_mount(self) -> None:
        self._rewrite()
        self.linda.activity_added.subscribe(self, self._on_entry)

    @property
    def bot_filter(self) -> str | None:
        value = self.query_one("#activity-filter", Select).value
        return None if value in (ALL_BOTS, Select.NULL) else str(value)

    @on(Select.Changed, "#activity-filter")
    def _filter_changed(self) -> None:
        self._rewrite()

    def _rewrite(self) -> None:
        log = self.query_one(RichLog)
        log.clear()
        for entry in self.linda.activity.for_bot(self.bot_filter):
            log.write(entry.render(self.linda.timezone))

    def _on_entry(self, entry: ActivityEntry) -> None:
        wanted = self.bot_filter
        if wanted is None or entry.bot_id in (wanted, None):
            self.query_one(RichLog).write(entry.render(self.linda.timezone))

    def action_focus_filter(self) -> None:
        self.query_one("#activity-filter", Select).focus()

    def action_scroll_end(self) -> None:
        self.query_one(RichLog).scroll_end(animate=False)
