"""How a bot's state and a message's status look: colour, a symbol and a word,
so both read the same with no colour (NO_COLOR) as in 256 colours."""

from __future__ import annotations

from rich.text import Text

from linda_tui.fleet.status import state_label
from linda_tui.models import BotState, MessageStatus
from linda_tui.tui.literal import printable

_STATE_STYLE: dict[BotState, str] = {
    BotState.ONLINE: "bold green",
    BotState.CONNECTING: "yellow",
    BotState.WAITING_FOR_PHONE: "cyan",
    BotState.PAIRING: "cyan",
    BotState.RECONNECTING: "yellow",
    BotState.NOT_PAIRED: "dim",
    BotState.LOGGED_OUT: "dim",
    BotState.BANNED: "bold red",
    BotState.ERROR: "bold red",
    BotState.STOPPED: "dim",
}

_STATUS_LOOK: dict[MessageStatus, tuple[str, str, str]] = {
    MessageStatus.PENDING: ("…", "sending", "dim"),
    MessageStatus.SENT: ("✓", "sent", ""),
    MessageStatus.DELIVERED: ("✓✓", "delivered", "green"),
    MessageStatus.READ: ("✓✓", "read", "bold cyan"),
    MessageStatus.FAILED: ("✗", "failed", "bold red"),
    MessageStatus.RECEIVED: ("←", "received", "cyan"),
}


def state_word(state: BotState) -> str:
    """The state as the operator reads it: symbol and word."""
    return state_label(state)


def state_text(state: BotState) -> Text:
    """The state as a styled cell: colour, symbol and word."""
    return Text(state_label(state), style=_STATE_STYLE[state], no_wrap=True)


def status_text(status: MessageStatus, error: str | None = None) -> Text:
    """A message's status as a styled cell ("✓✓ read", "✗ failed: reason")."""
    symbol, word, style = _STATUS_LOOK[status]
    text = Text(f"{symbol} {word}", style=style, no_wrap=True)
    if status is MessageStatus.FAILED and error:
        text.append(f": {printable(error)}", style="red")
    return text
