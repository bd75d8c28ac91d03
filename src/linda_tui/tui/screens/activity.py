"""Activity: a live log of messages in and out and of fleet events, filterable by bot."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Label, RichLog, Select

from linda_tui.tui.activity import ActivityEntry
from linda_tui.tui.literal import literal
from linda_tui.tui.screens.pane import PaneScreen

ALL_BOTS = "*"
LOG_LINES = 5000


class ActivityScreen(PaneScreen):
    """Every entry the app recorded, newest at the bottom; the filter narrows to one bot."""

    CSS_PATH = ["pane.tcss", "activity.tcss"]

    MODE = "activity"
    BINDINGS = [
        Binding("f", "focus_filter", "Filter by bot", id="linda.activity.filter"),
        Binding("end", "show_latest", "Latest", id="linda.activity.latest", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        options = [("all bots", ALL_BOTS)] + [
            (literal(f"{s.bot.name} ({s.id})"), s.id) for s in self.linda.fleet.statuses()
        ]
        with Horizontal(id="activity-bar"):
            yield Label("Show", classes="field-label")
            yield Select(
                options, value=ALL_BOTS, allow_blank=False, id="activity-filter", compact=True
            )
        # min_width: lines wrap to the terminal, however narrow (the default is 78 columns).
        yield RichLog(
            id="activity-log", wrap=True, min_width=20, max_lines=LOG_LINES, auto_scroll=True
        )

    def __init__(self) -> None:
        super().__init__()
        # Entries that arrived while another pane was showing: written on return, so a
        # hidden log costs nothing while the fleet is busy.
        self._unseen: list[ActivityEntry] = []
        self._wrapped_for = 0  # the terminal's width when the log was last written

    def on_mount(self) -> None:
        self._rewrite()
        self.linda.activity_added.subscribe(self, self._on_entry)

    def on_screen_resume(self) -> None:
        unseen, self._unseen = self._unseen, []
        log = self.query_one(RichLog)
        for entry in unseen:
            if self._wanted(entry):
                self._write(log, entry)

    @property
    def bot_filter(self) -> str | None:
        value = self.query_one("#activity-filter", Select).value
        return None if value in (ALL_BOTS, Select.NULL) else str(value)

    @on(Select.Changed, "#activity-filter")
    def _filter_changed(self) -> None:
        self._rewrite()

    def _rewrite(self) -> None:
        self._wrapped_for = self.app.size.width
        log = self.query_one(RichLog)
        log.clear()
        for entry in self.linda.activity.for_bot(self.bot_filter):
            self._write(log, entry)

    def _write(self, log: RichLog, entry: ActivityEntry) -> None:
        # expand: wrapped to the pane's width (a RichLog otherwise wraps at the width
        # Rich measures, which can be narrower than the pane).
        log.write(entry.render(self.linda.timezone), expand=True)

    def on_resize(self, event: events.Resize) -> None:
        # Lines are wrapped when written: wrap them again for a new width.
        if event.size.width != self._wrapped_for:
            self._rewrite()

    def _wanted(self, entry: ActivityEntry) -> bool:
        wanted = self.bot_filter
        return wanted is None or entry.bot_id in (wanted, None)

    def _on_entry(self, entry: ActivityEntry) -> None:
        if not self.is_current:
            self._unseen.append(entry)
            del self._unseen[:-LOG_LINES]
        elif self._wanted(entry):
            self._write(self.query_one(RichLog), entry)

    def action_focus_filter(self) -> None:
        self.query_one("#activity-filter", Select).focus()

    def action_show_latest(self) -> None:
        self.query_one(RichLog).scroll_end(animate=False)
