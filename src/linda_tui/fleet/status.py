"""What the operator sees of each bot and of the fleet, as plain snapshots."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from linda_tui.config.models import BotConfig
from linda_tui.models import BotState

# How each state reads without colour; the commands and the console both use these.
STATE_SYMBOL: dict[BotState, str] = {
    BotState.ONLINE: "●",
    BotState.CONNECTING: "◌",
    BotState.WAITING_FOR_PHONE: "▣",
    BotState.PAIRING: "◐",
    BotState.RECONNECTING: "↻",
    BotState.NOT_PAIRED: "○",
    BotState.LOGGED_OUT: "⊖",
    BotState.BANNED: "⊘",
    BotState.ERROR: "✖",
    BotState.STOPPED: "■",
}

# How each state is written for people: the console, `linda status` and the log all use
# these words (JSON carries the state's value, e.g. "not-paired").
STATE_WORD: dict[BotState, str] = {
    BotState.ONLINE: "online",
    BotState.CONNECTING: "connecting",
    BotState.WAITING_FOR_PHONE: "waiting for phone",
    BotState.PAIRING: "pairing",
    BotState.RECONNECTING: "reconnecting",
    BotState.NOT_PAIRED: "not paired",
    BotState.LOGGED_OUT: "logged out",
    BotState.BANNED: "banned",
    BotState.ERROR: "error",
    BotState.STOPPED: "stopped",
}


def state_label(state: BotState) -> str:
    """A state as people read it with no colour: symbol and word ("● online")."""
    return f"{STATE_SYMBOL[state]} {STATE_WORD[state]}"


# States in which a bot can send right now.
SENDABLE = frozenset({BotState.ONLINE})
# States that need the operator (pairing, unbanning...), as opposed to the fleet recovering by itself.
NEEDS_OPERATOR = frozenset(
    {BotState.NOT_PAIRED, BotState.LOGGED_OUT, BotState.BANNED, BotState.ERROR}
)


@dataclass
class BotStatus:
    """One bot's live status."""

    bot: BotConfig
    state: BotState
    since: datetime
    detail: str | None = None
    until: datetime | None = None
    sent_today: int = 0
    received_today: int = 0
    queued: int = 0
    last_error: str | None = None
    paired: bool = False

    @property
    def id(self) -> str:
        return self.bot.id

    def seconds_in_state(self, now: datetime) -> float:
        return max(0.0, (now - self.since).total_seconds())

    def uptime(self, now: datetime) -> float:
        """Seconds online without a break (0 when not online)."""
        return self.seconds_in_state(now) if self.state is BotState.ONLINE else 0.0

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        """The JSON shape of `linda status --json`."""
        data: dict[str, Any] = {
            "id": self.bot.id,
            "name": self.bot.name,
            "phone": self.bot.phone,
            "role": str(self.bot.role),
            "state": str(self.state),
            "since": self.since.isoformat(),
            "sent_today": self.sent_today,
            "received_today": self.received_today,
            "last_error": self.last_error,
            "detail": self.detail,
            "until": self.until.isoformat() if self.until else None,
            "queued": self.queued,
            "paired": self.paired,
        }
        if now is not None:
            data["uptime_seconds"] = round(self.uptime(now), 1)
        return data


@dataclass(frozen=True)
class PrimaryHealth:
    """Whether the primary bot can take the fleet's default traffic."""

    bot_id: str | None
    healthy: bool
    state: BotState | None
    detail: str


@dataclass
class FleetStats:
    """Counts across the whole fleet, for the summary line and `linda status`."""

    total: int
    online: int
    by_state: dict[str, int] = field(default_factory=dict)
    sent_today: int = 0
    received_today: int = 0
    primary: PrimaryHealth | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def describe_duration(seconds: float) -> str:
    """Compact human duration: 45s, 12m, 3h05m, 2d04h."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600:02d}h"
