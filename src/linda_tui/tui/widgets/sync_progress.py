"""A Google Contacts sync's progress, live: one line with a bar, shown while a sync runs.

Driven by the app's ``sync_progress`` signal (pages, contacts fetched of Google's total,
created / updated / deleted, elapsed) and hidden again by ``sync_status_changed`` once
the sync is over (the sync line above it then says how it went). Drawn as one Rich Text:
no Textual ProgressBar (its indeterminate bar animates on the wall clock, and the
dashboard that shows this one must stay quick to start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.style import StyleType
from rich.text import Text
from textual.app import RenderResult
from textual.message import Message
from textual.widget import Widget

from linda_tui.tui.literal import printable

if TYPE_CHECKING:
    from linda_tui.contacts.sync import SyncProgress

# What each phase of a sync is doing, in the operator's words.
PHASES = {
    "starting": "starting",
    "listing": "listing contacts",
    "finishing": "removing contacts gone from Google",
    "references": "updating contact references",
    "creating": "creating new numbers in Google",
    "waiting": "waiting",
    "done": "done",
}
BAR_MIN, BAR_MAX = 8, 30
FULL_BLOCK = "█"
# Eighths of a cell, for a bar that moves smoothly.
PARTIAL = " ▏▎▍▌▋▊▉"


def describe_progress(progress: SyncProgress) -> list[str]:
    """``1,000 of 3,000``, ``page 2``, ``+1,000 ~0 -0``, ``3 s``, ``full sync, listing
    contacts``: the counts first (they fit a narrow terminal), then what it is doing."""
    parts = []
    if progress.total:
        parts.append(f"{progress.fetched:,} of {progress.total:,}")
    else:
        parts.append(f"{progress.fetched:,} fetched")
    if progress.pages:
        parts.append(f"page {progress.pages:,}")
    parts.append(f"+{progress.created:,} ~{progress.updated:,} -{progress.deleted:,}")
    if progress.created_in_google:
        parts.append(f"{progress.created_in_google:,} created in Google")
    parts.append(f"{progress.elapsed:.0f} s")
    parts.append(f"{progress.mode} sync, {PHASES.get(progress.phase, progress.phase)}")
    if progress.note:
        parts.append(progress.note)
    return [printable(part) for part in parts]


def progress_fraction(progress: SyncProgress) -> float | None:
    """How far the sync is, 0 to 1; None when Google gave no total (an incremental sync)."""
    if progress.phase in ("finishing", "references", "creating", "done"):
        return 1.0
    if not progress.total:
        return None
    return max(0.0, min(1.0, progress.fetched / progress.total))


def bar(fraction: float, width: int) -> str:
    """``width`` cells filled to ``fraction``, in eighths of a cell."""
    eighths = round(fraction * width * 8)
    full, part = divmod(eighths, 8)
    text = FULL_BLOCK * full + (PARTIAL[part] if part and full < width else "")
    return text.ljust(width)


class SyncProgressBar(Widget):
    """``▕██████▍    ▏ 45% · 1,350 of 3,000 · page 2 · …``, while a sync runs."""

    DEFAULT_CSS = """
    SyncProgressBar {
        height: 1;
        padding: 0 1;
        display: none;
    }
    SyncProgressBar > .sync-progress--bar {
        color: $success;
        background: $boost;
    }
    """
    COMPONENT_CLASSES = {"sync-progress--bar"}

    class Toggled(Message):
        """The bar appeared or went away (the pane's other lines may need the room)."""

        def __init__(self, shown: bool) -> None:
            super().__init__()
            self.shown = shown

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.progress: SyncProgress | None = None

    def on_mount(self) -> None:
        app: Any = self.app
        app.sync_progress.subscribe(self, lambda event: self.show_progress(event.progress))
        app.sync_status_changed.subscribe(self, lambda _line: self._status_changed())
        # A pane opened while a sync runs shows where it is at once.
        state = app.sync_state
        if app.sync_last_progress is not None and state is not None and state.running:
            self.show_progress(app.sync_last_progress)

    @property
    def running(self) -> bool:
        """True while the bar is on show."""
        return bool(self.display)

    def show_progress(self, progress: SyncProgress) -> None:
        """Draw this progress (shown until the sync is over)."""
        self.progress = progress
        self._set_running(progress.phase != "done")
        self.refresh()

    def _status_changed(self) -> None:
        state: Any = getattr(self.app, "sync_state", None)
        if state is not None and not state.running:
            self._set_running(False)

    def _set_running(self, running: bool) -> None:
        if running != self.running:
            self.display = running  # inline: the pane measures its lines right after
            self.post_message(self.Toggled(running))

    def render(self) -> RenderResult:
        if self.progress is None:
            return Text()
        style = self.get_component_rich_style("sync-progress--bar")
        return progress_line(self.progress, self.size.width, style)


def progress_line(progress: SyncProgress, width: int, bar_style: StyleType = "") -> Text:
    """The bar's line, ``width`` cells at most: the bar when Google gave a total, then as
    many whole parts of the description as fit (the first, the count, always)."""
    line = Text(no_wrap=True, overflow="ellipsis", end="")
    fraction = progress_fraction(progress)
    if fraction is not None:
        cells = max(BAR_MIN, min(BAR_MAX, width // 5))
        line.append("▕")
        line.append(bar(fraction, cells), style=bar_style)
        line.append(f"▏{fraction * 100:3.0f}% · ")
    for number, part in enumerate(describe_progress(progress)):
        text = part if number == 0 else f" · {part}"
        if number and line.cell_len + cell_len(text) > width:
            break
        line.append(text)
    return line
