"""The activity log's records: what happened, when, on which bot.

The app keeps the most recent entries (so the Activity pane shows history even when
opened late) and publishes each new one on a signal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from rich.text import Text

from linda_tui.tui.literal import printable


class Kind(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"
    STATE = "state"
    PAIRING = "pair"
    OPT_OUT = "opt-out"
    ERROR = "error"
    INFO = "info"


# Marker and style per kind; the marker keeps the log readable with no colour.
_LOOK: dict[Kind, tuple[str, str]] = {
    Kind.INBOUND: ("←", "bold cyan"),
    Kind.OUTBOUND: ("→", "green"),
    Kind.STATE: ("•", "dim"),
    Kind.PAIRING: ("⌗", "magenta"),
    Kind.OPT_OUT: ("⊘", "yellow"),
    Kind.ERROR: ("✖", "bold red"),
    Kind.INFO: ("·", "dim"),
}


@dataclass(frozen=True)
class ActivityEntry:
    """One line of the Activity pane."""

    at: datetime
    kind: Kind
    text: str
    bot_id: str | None = None

    def render(self, timezone: tzinfo, bot_width: int = 12) -> Text:
        """One log line: time, marker, bot, text."""
        marker, style = _LOOK[self.kind]
        line = Text(no_wrap=False, overflow="fold")
        line.append(self.at.astimezone(timezone).strftime("%H:%M:%S"), style="dim")
        line.append(f" {marker} ", style=style)
        line.append(f"{(self.bot_id or 'fleet'):<{bot_width}} ", style="bold")
        # The text quotes messages, names and reasons from outside: shown as written.
        line.append(printable(self.text), style="red" if self.kind is Kind.ERROR else "")
        return line


class ActivityHistory:
    """The most recent entries, oldest first, bounded so a long session stays small."""

    def __init__(self, limit: int = 5000) -> None:
        self._entries: deque[ActivityEntry] = deque(maxlen=limit)

    def add(self, entry: ActivityEntry) -> None:
        self._entries.append(entry)

    def __iter__(self) -> Iterator[ActivityEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def for_bot(self, bot_id: str | None) -> list[ActivityEntry]:
        """Entries about one bot (and fleet-wide ones), or all when bot_id is None."""
        if bot_id is None:
            return list(self._entries)
        return [e for e in self._entries if e.bot_id in (bot_id, None)]
