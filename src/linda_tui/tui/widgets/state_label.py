"""How a bot's state and a message's status look: colour, a symbol and a word,
so both read the same with no colour (NO_COLOR) as in 256 colours."""

from __future__ import annotations

from rich.text import Text

from linda_tui.fleet.status import STATE_SYMBOL
from linda_tui.models import BotState, MessageStatus

_STATE_LOOK: dict[BotState, tuple[str, str, str]] = {
    state: (STATE_SYMBOL[state], word, style)
    for state, word, style in (
        (BotState.ONLINE, "online", "bold green"),
        (BotState.CONNECTING, "connecting", "yellow"),
        (BotState.WAITING_FOR_QR, "waiting for QR", "cyan"),
        (BotState.PAIRING, "pairing", "cyan"),
        (BotState.RECONNECTING, "reconnecting", "yellow"),
        (BotState.LOGGED_OUT, "logged out", "dim"),
        (BotState.BANNED, "banned", "bold red"),
        (BotState.ERROR, "error", "bold red"),
        (BotState.STOPPED, "stopped", "dim"),
    )
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
    symbol, word, _ = _STATE_LOOK[state]
    return f"{symbol} {word}"


def state_text(state: BotState) -> Text:
    """The state as a styled cell: colour, symbol and word."""
    _, _, style = _STATE_LOOK[state]
    return Text(state_word(state), style=style, no_wrap=True)


def status_text(status: MessageStatus, error: str | None = None) -> Text:
    """A message's status as a styled cell ("✓✓ read", "✗ failed: reason")."""
    symbol, word, style = _STATUS_LOOK[status]
    text = Text(f"{symbol} {word}", style=style, no_wrap=True)
    if status is MessageStatus.FAILED and error:
        text.append(f": {error}", style="red")
    return text
