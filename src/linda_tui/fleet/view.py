"""What can be known and asked of a fleet without owning it: every bot's live status
and the rules for what an operator types.

``Fleet`` (the fleet this process runs) and ``RemoteFleet`` (the fleet a host runs,
seen through its socket) share it, so a command or a console reads the same answers
from either.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from linda_tui.clock import Clock
from linda_tui.config.models import BotConfig, FleetConfig
from linda_tui.fleet.events import FleetEvent
from linda_tui.fleet.status import SENDABLE, STATE_WORD, BotStatus, FleetStats, PrimaryHealth
from linda_tui.models import BotState
from linda_tui.phones import InvalidPhoneError, to_e164
from linda_tui.whatsapp.account import MAX_TEXT_CHARS, PairMethod

_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_TEXT = MAX_TEXT_CHARS  # WhatsApp's limit (whatsapp.account), under the fleet's name
ALL = "all"
AUTO = "auto"
_TRANSIENT = frozenset({BotState.CONNECTING, BotState.STOPPED})

Listener = Callable[[FleetEvent], None]

if TYPE_CHECKING:
    from linda_tui.fleet.manager import SendResult

log = logging.getLogger("linda.fleet")


class FleetCommandError(Exception):
    """An operation the operator asked for cannot be done; the message says why."""


class UnknownBotError(FleetCommandError):
    pass


class NoBotAvailableError(FleetCommandError):
    pass


class SendRefusedError(FleetCommandError):
    """The message was not sent (bad number, bad text, bot offline...)."""


class FleetView:
    """Every enabled bot's status, in bots.yaml order, and the fleet's listeners."""

    def __init__(self, config: FleetConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self._status: dict[str, BotStatus] = {}
        self._listeners: list[Listener] = []

    def _roll_day(self) -> None:
        """A fleet that keeps daily counters starts a new day here (see Fleet)."""

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call listener(event) for every fleet event; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _publish(self, event: FleetEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("fleet listener %r failed on %s", listener, type(event).__name__)

    def settled(self) -> bool:
        """No bot is still starting or connecting for the first time."""
        return not any(s.state in _TRANSIENT for s in self._status.values())

    async def wait_until(
        self, condition: Callable[[], bool], timeout: float, poll: float = 0.05
    ) -> bool:
        """Poll condition until it holds or timeout passes; returns its last answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if condition():
                return True
            await asyncio.sleep(poll)
        return condition()

    async def wait_settled(self, timeout: float, poll: float = 0.05) -> bool:
        """Wait until no bot is connecting (or timeout). True if the fleet settled."""
        return await self.wait_until(self.settled, timeout, poll)

    @property
    def bot_ids(self) -> list[str]:
        return list(self._status)

    def status(self, bot_id: str) -> BotStatus:
        self._roll_day()
        try:
            return self._status[bot_id]
        except KeyError:
            raise self._unknown_bot(bot_id) from None

    def statuses(self) -> list[BotStatus]:
        """Every enabled bot, in bots.yaml order."""
        self._roll_day()
        return list(self._status.values())

    def bot_by_phone(self, phone: str) -> BotConfig | None:
        """The enabled bot whose own number this is (any format the operator types)."""
        try:
            e164 = to_e164(phone, self.config.default_region)
        except InvalidPhoneError:
            return None
        return next((s.bot for s in self._status.values() if s.bot.phone == e164), None)

    def active_bots(self) -> list[BotStatus]:
        """Bots that can send right now."""
        return [s for s in self.statuses() if s.state in SENDABLE]

    def primary(self) -> BotStatus | None:
        return next((s for s in self._status.values() if s.bot.is_primary), None)

    def primary_health(self) -> PrimaryHealth:
        """Is the primary bot online? The fleet's first health check."""
        primary = self.primary()
        if primary is None:
            return PrimaryHealth(None, False, None, "no primary bot is enabled in bots.yaml")
        healthy = primary.state in SENDABLE
        detail = (
            "online"
            if healthy
            else f"{STATE_WORD[primary.state]}: {primary.detail or 'not online'}"
        )
        return PrimaryHealth(primary.id, healthy, primary.state, detail)

    def stats(self) -> FleetStats:
        statuses = self.statuses()
        by_state: dict[str, int] = {}
        for s in statuses:
            by_state[str(s.state)] = by_state.get(str(s.state), 0) + 1
        return FleetStats(
            total=len(statuses),
            online=sum(1 for s in statuses if s.state in SENDABLE),
            by_state=by_state,
            sent_today=sum(s.sent_today for s in statuses),
            received_today=sum(s.received_today for s in statuses),
            primary=self.primary_health(),
        )

    def normalise_phone(self, phone: str) -> str:
        """E.164 for a number typed by the operator, or SendRefusedError with the reason."""
        try:
            return to_e164(phone, self.config.default_region)
        except InvalidPhoneError as exc:
            raise SendRefusedError(str(exc)) from None

    @staticmethod
    def check_text(text: str) -> None:
        if not text or not text.strip():
            raise SendRefusedError("message text is empty — write something to send")
        if len(text) > MAX_TEXT:
            raise SendRefusedError(
                f"message text is {len(text):,} characters; WhatsApp allows at most {MAX_TEXT:,}"
            )
        if _SURROGATE.search(text):
            # Bytes that were not UTF-8 on the command line (or "\udcff" in JSON): no
            # store and no WhatsApp can take them.
            raise SendRefusedError(
                "message text holds bytes that are not UTF-8 text — write it again in UTF-8"
            )

    def _unknown_bot(self, bot_id: str) -> UnknownBotError:
        return UnknownBotError(unknown_bot_message(self.config, bot_id))

    # --- what an operator asks of the fleet (Fleet does it, RemoteFleet asks its host) ---
    async def send(self, to: str, text: str, bot: str = AUTO) -> list[SendResult]:
        """Send text to a number from one bot, "auto" or "all" (see Fleet.send)."""
        raise NotImplementedError

    async def pair(
        self, bot_id: str, method: PairMethod = PairMethod.QR, phone: str | None = None
    ) -> None:
        """Start pairing a bot; progress arrives as events."""
        raise NotImplementedError

    async def cancel_pairing(self, bot_id: str) -> None:
        raise NotImplementedError

    async def logout(self, bot_id: str) -> None:
        """Unlink the bot's device and delete its session."""
        raise NotImplementedError

    async def reconnect(self, bot_id: str) -> None:
        """Drop and re-open the bot's connection."""
        raise NotImplementedError


def unknown_bot_message(config: FleetConfig, bot_id: str) -> str:
    """What to say when bot_id names no enabled bot."""
    known = ", ".join(b.id for b in config.enabled_bots) or "none"
    return f"no enabled bot with id {bot_id!r} — known bots: {known}"
