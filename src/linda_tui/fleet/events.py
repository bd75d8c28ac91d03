"""Events the fleet publishes to its listeners (the console, the commands).

Like the account events, compared by value and not frozen (see
``linda_tui.whatsapp.account``): listeners read them and never change them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from linda_tui.fleet.status import BotStatus
from linda_tui.models import BotState, Message, utcnow
from linda_tui.whatsapp.account import AccountEvent


@dataclass
class FleetEvent:
    """Something the fleet tells its listeners, at ``at`` (UTC)."""

    at: datetime = field(default_factory=utcnow, kw_only=True)


@dataclass
class BotStatusChanged(FleetEvent):
    """Something in a bot's row changed (state, counters, last error).

    ``status`` is the live row; ``state`` and ``detail`` are as they were when this
    happened: a listener that takes events in batches still sees every move.
    """

    status: BotStatus
    state: BotState
    detail: str | None

    @classmethod
    def now(cls, status: BotStatus) -> BotStatusChanged:
        """The event for the row as it is at this moment."""
        return cls(status=status, state=status.state, detail=status.detail)


@dataclass
class MessageRecorded(FleetEvent):
    """A message was stored or its status moved (sent, delivered, read, failed, received)."""

    message: Message


@dataclass
class OptedOut(FleetEvent):
    """A contact asked not to be messaged again (STOP or an equivalent, Arabic included)."""

    phone: str
    bot_id: str
    text: str


@dataclass
class AccountEventForwarded(FleetEvent):
    """A raw account event (QR code, pair code, pairing result, ban, inbound...)."""

    event: AccountEvent


@dataclass
class FleetError(FleetEvent):
    """Something failed in the background; fit to show the operator."""

    bot_id: str | None
    message: str
