"""The fleet manager: every enabled bot of bots.yaml, live, behind one object.

It owns one ``WhatsAppAccount`` per bot, keeps each bot's state machine and daily
counters, routes sends, writes every send, receipt, inbound message and pairing to
the store (messages and audit trail), and publishes ``FleetEvent``s to listeners.

Account events arrive on the loop's thread through ``_on_account_event``; state is
updated there at once (so the dashboard never lags), while store writes go through
one ordered queue consumed by a single task, so a burst of receipts cannot reorder
or overlap with the message they belong to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from linda_tui.clock import Clock, SystemClock
from linda_tui.config.models import BotConfig, FleetConfig
from linda_tui.fleet.actor import Actor, current_actor
from linda_tui.fleet.events import (
    AccountEventForwarded,
    BotStatusChanged,
    FleetError,
    FleetEvent,
    MessageRecorded,
    OptedOut,
)
from linda_tui.fleet.optout import is_opt_out
from linda_tui.fleet.pacing import SendRateGuard
from linda_tui.fleet.status import SENDABLE, BotStatus, FleetStats, PrimaryHealth
from linda_tui.models import (
    AuditEntry,
    BotState,
    Direction,
    Message,
    MessageStatus,
    OptOut,
)
from linda_tui.phones import InvalidPhoneError, to_e164
from linda_tui.store.base import StatusUpdate, Store
from linda_tui.whatsapp.account import (
    AccountError,
    AccountEvent,
    Banned,
    Emit,
    InboundMessage,
    LoggedOut,
    NotConnectedError,
    NotOnWhatsAppError,
    PairingFailed,
    PairingSucceeded,
    PairingTimedOut,
    PairMethod,
    ReceiptReceived,
    SendError,
    StateChanged,
    WhatsAppAccount,
)

log = logging.getLogger("linda.fleet")

MAX_TEXT = 65_536
REPEAT_WINDOW = timedelta(hours=24)
ON_WHATSAPP_TTL = 24 * 3600.0
NOT_ON_WHATSAPP_TTL = 600.0
CANCELLED = "pairing cancelled"  # the reason accounts give when the operator cancels
# No command named: `linda status` would be refused while the console runs.
NO_BOT_ONLINE = "no bot is online to send from — pair a bot, or wait for one to reconnect"
ALL = "all"
_TRANSIENT = frozenset({BotState.CONNECTING, BotState.STOPPED})
AUTO = "auto"

AccountFactory = Callable[[BotConfig, Emit], WhatsAppAccount]
Listener = Callable[[FleetEvent], None]


class FleetCommandError(Exception):
    """An operation the operator asked for cannot be done; the message says why."""


class UnknownBotError(FleetCommandError):
    pass


@contextlib.contextmanager
def _as_command_error() -> Iterator[None]:
    """An account's refusal (already paired, not on WhatsApp...) is the operator's to read."""
    try:
        yield
    except AccountError as exc:
        raise FleetCommandError(str(exc)) from None


class NoBotAvailableError(FleetCommandError):
    pass


class SendRefusedError(FleetCommandError):
    """The message was not sent (bad number, bad text, bot offline...)."""


@dataclass(frozen=True)
class SendResult:
    """The outcome of sending from one bot."""

    bot_id: str
    to: str
    ok: bool
    wa_id: str | None = None
    error: str | None = None
    message: Message | None = None


class Fleet:
    """Every enabled bot, live. Create, ``await start()``, use, ``await stop()``."""

    def __init__(
        self,
        config: FleetConfig,
        store: Store,
        account_factory: AccountFactory,
        *,
        clock: Clock | None = None,
        actor: Actor | None = None,
        timezone: tzinfo = UTC,
        enforce_limits: bool = True,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock or SystemClock()
        self.actor = actor or current_actor()
        self.timezone = timezone
        self._listeners: list[Listener] = []
        self._accounts: dict[str, WhatsAppAccount] = {}
        self._status: dict[str, BotStatus] = {}
        self._day = self._today()
        now = self.clock.now()
        for bot in config.enabled_bots:
            account = account_factory(bot, self._emitter(bot.id))
            self._accounts[bot.id] = account
            self._status[bot.id] = BotStatus(
                bot=bot, state=BotState.STOPPED, since=now, paired=account.is_paired
            )
        self._queue: asyncio.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = (
            asyncio.Queue()
        )
        self._writer: asyncio.Task[None] | None = None
        # Receipts that arrive before their message is stored (a fast network).
        self._early_receipts: OrderedDict[tuple[str, str], list[ReceiptReceived]] = OrderedDict()
        # Number -> (on WhatsApp?, monotonic time of the answer).
        self._on_whatsapp_cache: dict[str, tuple[bool, float]] = {}
        self._in_flight: set[tuple[str, str]] = set()
        self.enforce_limits = enforce_limits
        self._rate = SendRateGuard()
        self._started = False

    # --- listeners ----------------------------------------------------------------
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

    # --- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        """Load today's counters, then start every paired bot (unpaired ones say so)."""
        if self._started:
            return
        self._started = True
        self._writer = asyncio.create_task(self._write_loop(), name="linda-fleet-writer")
        await self._load_counters()
        for bot_id, account in self._accounts.items():
            try:
                await account.start()
            except Exception as exc:  # one bad account never stops the fleet
                log.exception("bot %s failed to start", bot_id)
                self._set_state(bot_id, BotState.ERROR, f"failed to start: {exc}")

    async def stop(self) -> None:
        """Stop every account (in parallel, bounded) and flush pending store writes."""
        if not self._started:
            return
        self._started = False

        async def stop_one(bot_id: str, account: WhatsAppAccount) -> None:
            try:
                await asyncio.wait_for(account.stop(), timeout=10)
            except Exception:
                log.exception("bot %s did not stop cleanly", bot_id)

        await asyncio.gather(*(stop_one(b, a) for b, a in self._accounts.items()))
        if self._writer is not None:
            await self._queue.put(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer, timeout=10)
            self._writer = None

    async def __aenter__(self) -> Fleet:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

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

    async def drain(self) -> None:
        """Wait until every queued store write has been done (tests, shutdown)."""
        done = asyncio.get_running_loop().create_future()
        await self._queue.put((done.set_result, (None,)))
        await done

    # --- queries ---------------------------------------------------------------------
    @property
    def bot_ids(self) -> list[str]:
        return list(self._accounts)

    def account(self, bot_id: str) -> WhatsAppAccount:
        try:
            return self._accounts[bot_id]
        except KeyError:
            raise self._unknown_bot(bot_id) from None

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
        detail = "online" if healthy else f"{primary.state}: {primary.detail or 'not online'}"
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

    # --- routing & sending -----------------------------------------------------------
    async def route(self, phone: str) -> str:
        """The bot to send to phone from: its owner, else the primary, else any online bot
        (never a banned, logged-out or rate-limited one)."""
        ref = await self.store.owner_of(phone)
        if ref is not None and self._can_send_now(ref.bot_id):
            return ref.bot_id
        primary = self.primary()
        if primary is not None and self._can_send_now(primary.id):
            return primary.id
        ready = [s for s in self.active_bots() if self._limit_refusal(s.id) is None]
        if ready:
            # Spread load: the bot that has sent least today.
            return min(ready, key=lambda s: s.sent_today).id
        if self.active_bots():
            raise NoBotAvailableError(
                "every online bot has reached its sending limit (bots.yaml pacing) — wait and try again"
            )
        raise NoBotAvailableError(NO_BOT_ONLINE)

    def _can_send_now(self, bot_id: str) -> bool:
        return self._sendable(bot_id) and self._limit_refusal(bot_id) is None

    def _limit_refusal(self, bot_id: str) -> str | None:
        if not self.enforce_limits:
            return None
        return self._rate.refusal(bot_id, self.config.pacing_for(bot_id), self.clock.monotonic())

    def _sendable(self, bot_id: str) -> bool:
        status = self._status.get(bot_id)
        return status is not None and status.state in SENDABLE

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

    async def send(self, to: str, text: str, bot: str = AUTO) -> list[SendResult]:
        """Send text to a number from one bot, the routed bot ("auto"), or every online
        bot ("all"). Raises SendRefusedError / UnknownBotError / NoBotAvailableError when
        nothing can be sent; otherwise returns one SendResult per bot tried."""
        self.check_text(text)
        phone = self.normalise_phone(to)
        if await self.store.is_opted_out(phone):
            raise SendRefusedError(
                f"{phone} has opted out (they replied STOP) — Linda does not message them"
            )
        await self._refuse_repeat(phone, text)
        key = (phone, text)
        self._in_flight.add(key)  # no await since the check: a double press cannot slip in
        try:
            targets = await self._targets(bot, phone)
            await self._check_on_whatsapp(targets[0], phone)
            results = await asyncio.gather(*(self._send_from(b, phone, text) for b in targets))
        finally:
            self._in_flight.discard(key)
        return list(results)

    async def _targets(self, bot: str, phone: str) -> list[str]:
        """The bot ids a send goes from, or why it cannot go."""
        if bot == ALL:
            targets = [s.id for s in self.active_bots() if self._limit_refusal(s.id) is None]
            if not targets:
                raise NoBotAvailableError(
                    NO_BOT_ONLINE
                    if not self.active_bots()
                    else "every online bot has reached its sending limit (bots.yaml pacing)"
                )
            return targets
        if bot == AUTO:
            return [await self.route(phone)]
        status = self.status(bot)  # raises UnknownBotError
        if status.state not in SENDABLE:
            reason = f" ({status.detail})" if status.detail else ""
            raise SendRefusedError(f"bot {bot} is not online: {status.state}{reason}")
        refusal = self._limit_refusal(bot)
        if refusal:
            raise SendRefusedError(refusal)
        return [bot]

    async def _refuse_repeat(self, phone: str, text: str) -> None:
        """Identical text to the same number within 24 h reads as spam to WhatsApp."""
        if (phone, text) in self._in_flight:
            raise SendRefusedError(f"the same message to {phone} is being sent right now")
        since = self.clock.now() - REPEAT_WINDOW
        previous = await self.store.last_outbound_to(None, phone, text, since)
        if previous is not None and previous.status is not MessageStatus.FAILED:
            when = previous.created_at.astimezone(self.timezone)
            raise SendRefusedError(
                f"the same text went to {phone} at {when:%H:%M} from {previous.bot_id} — "
                "WhatsApp treats identical repeats within 24 h as spam; change the text"
            )
        if (phone, text) in self._in_flight:  # claimed while the store was asked
            raise SendRefusedError(f"the same message to {phone} is being sent right now")

    async def _check_on_whatsapp(self, bot_id: str, phone: str) -> None:
        cached = self._on_whatsapp_cache.get(phone)
        now = self.clock.monotonic()
        known: bool | None = None
        if cached is not None:
            answer, when = cached
            # A number can join WhatsApp at any time: "no" is trusted briefly, "yes" for a day.
            if now - when < (ON_WHATSAPP_TTL if answer else NOT_ON_WHATSAPP_TTL):
                known = answer
        if known is None:
            try:
                known = await self._accounts[bot_id].is_on_whatsapp(phone)
            except NotConnectedError as exc:
                raise SendRefusedError(f"bot {bot_id} is not online: {exc}") from None
            except Exception as exc:  # lookup failed: let the send itself decide
                log.warning("is_on_whatsapp(%s) via %s failed: %s", phone, bot_id, exc)
                return
            self._on_whatsapp_cache[phone] = (known, now)
            if len(self._on_whatsapp_cache) > 50_000:
                self._on_whatsapp_cache.pop(next(iter(self._on_whatsapp_cache)))
        if not known:
            raise SendRefusedError(f"{phone} is not on WhatsApp — check the number")

    async def _send_from(self, bot_id: str, phone: str, text: str) -> SendResult:
        status = self._status[bot_id]
        self._rate.record(bot_id, self.clock.monotonic())
        status.queued += 1
        self._publish(BotStatusChanged.now(status))
        account = self._accounts[bot_id]
        error: str | None = None
        try:
            sent = await account.send_text(phone, text)
        except NotOnWhatsAppError as exc:
            self._on_whatsapp_cache[phone] = (False, self.clock.monotonic())
            error = str(exc) or f"{phone} is not on WhatsApp"
        except (NotConnectedError, SendError) as exc:
            error = str(exc) or type(exc).__name__
        except Exception as exc:
            log.exception("send from %s failed unexpectedly", bot_id)
            error = f"unexpected error: {exc}"
        finally:
            status.queued -= 1
        now = self.clock.now()
        sent_ok = error is None
        message = Message(
            bot_id=bot_id,
            direction=Direction.OUT,
            peer=phone,
            text=text,
            status=MessageStatus.SENT if sent_ok else MessageStatus.FAILED,
            created_at=now,
            wa_id=sent.wa_id if sent_ok else None,
            sent_at=(sent.timestamp or now) if sent_ok else None,
            failed_at=None if sent_ok else now,
            error=error,
        )
        if sent_ok:
            self._roll_day()
            status.sent_today += 1
        else:
            status.last_error = error
        audit = self._audit_entry(
            "send", bot_id, to=phone, ok=error is None, wa_id=message.wa_id, error=error
        )
        message = await self.store.add_message(message, audit=audit)
        # Published before anything else can await, so "sent" always precedes its receipts.
        self._publish(MessageRecorded(message=message))
        self._publish(BotStatusChanged.now(status))
        if message.wa_id:
            for receipt in self._early_receipts.pop((bot_id, message.wa_id), []):
                self._enqueue(self._apply_receipts, [receipt], False)
        return SendResult(
            bot_id=bot_id,
            to=phone,
            ok=error is None,
            wa_id=message.wa_id,
            error=error,
            message=message,
        )

    # --- pairing & control --------------------------------------------------------------
    async def pair(
        self, bot_id: str, method: PairMethod = PairMethod.QR, phone: str | None = None
    ) -> None:
        """Start pairing a bot; progress arrives as events (QR codes, pair code, result)."""
        account = self.account(bot_id)
        await self.audit("pair.start", bot_id, method=str(method))
        with _as_command_error():
            await account.pair(method, phone)

    async def cancel_pairing(self, bot_id: str) -> None:
        with _as_command_error():
            await self.account(bot_id).cancel_pairing()
        await self.audit("pair.cancel", bot_id)

    async def logout(self, bot_id: str) -> None:
        """Unlink the bot's device on WhatsApp and delete its session. Refused when the
        bot is not connected: deleting the session alone would leave the device linked
        on the phone, still able to read the account's messages."""
        account = self.account(bot_id)
        status = self.status(bot_id)
        if not account.is_paired:
            raise FleetCommandError(f"bot {bot_id} is not paired — nothing to log out")
        if status.state not in SENDABLE:
            raise FleetCommandError(
                f"bot {bot_id} is not connected to WhatsApp ({status.state}: "
                f"{status.detail or 'no detail'}) — logging out now would leave the device "
                "linked on the phone; try again when it is online, or remove it on the phone "
                "(Settings > Linked devices)"
            )
        with _as_command_error():
            await account.logout()
        self._status[bot_id].paired = account.is_paired
        await self.audit("logout", bot_id)

    async def reconnect(self, bot_id: str) -> None:
        """Drop and re-open the bot's connection (a paired bot resumes without a QR)."""
        account = self.account(bot_id)
        await self.audit("reconnect", bot_id)
        with _as_command_error():
            await account.stop()
            await account.start()

    def _audit_entry(self, action: str, bot_id: str | None, **detail: Any) -> AuditEntry:
        return AuditEntry(
            action=action,
            os_user=self.actor.os_user,
            ssh_client=self.actor.ssh_client,
            at=self.clock.now(),
            bot_id=bot_id,
            detail={k: v for k, v in detail.items() if v is not None},
        )

    async def audit(self, action: str, bot_id: str | None = None, **detail: Any) -> None:
        """Append to the audit trail: who did what, when, with which bot."""
        try:
            await self.store.add_audit(self._audit_entry(action, bot_id, **detail))
        except Exception as exc:
            log.exception("audit write failed")
            self._publish(FleetError(bot_id=bot_id, message=f"audit write failed: {exc}"))

    # --- account events -----------------------------------------------------------------
    def _emitter(self, bot_id: str) -> Emit:
        def emit(event: AccountEvent) -> None:
            try:
                self._on_account_event(event)
            except Exception:
                log.exception("fleet failed to handle %s from %s", type(event).__name__, bot_id)

        return emit

    def _on_account_event(self, event: AccountEvent) -> None:
        bot_id = event.bot_id
        if bot_id not in self._status:
            return
        if isinstance(event, StateChanged):
            self._set_state(bot_id, event.state, event.detail, event.until, at=event.at)
        elif isinstance(event, Banned):
            until = f" until {event.until:%Y-%m-%d %H:%M} UTC" if event.until else ""
            self._set_state(
                bot_id, BotState.BANNED, f"temporary ban (code {event.code}){until}", event.until
            )
            self._enqueue(
                self._audit_event, "banned", bot_id, {"code": event.code, "until": str(event.until)}
            )
        elif isinstance(event, LoggedOut):
            self._status[bot_id].paired = False
            self._status[bot_id].last_error = f"logged out: {event.reason}"
            self._set_state(bot_id, BotState.LOGGED_OUT, f"logged out: {event.reason}")
            self._enqueue(self._audit_event, "logged-out", bot_id, {"reason": event.reason})
        elif isinstance(event, PairingSucceeded):
            self._status[bot_id].paired = True
            self._enqueue(self._audit_event, "pair.success", bot_id, {"jid": event.jid})
        elif isinstance(event, PairingTimedOut):
            self._enqueue(self._audit_event, "pair.timeout", bot_id, {})
        elif isinstance(event, PairingFailed) and event.reason != CANCELLED:
            self._enqueue(self._audit_event, "pair.failed", bot_id, {"reason": event.reason})
        elif isinstance(event, InboundMessage):
            if not event.from_me and not event.is_group:
                self._roll_day()
                status = self._status[bot_id]
                status.received_today += 1
                self._publish(BotStatusChanged.now(status))
                self._enqueue(self._store_inbound, event)
        elif isinstance(event, ReceiptReceived):
            self._enqueue(self._apply_receipts, [event], True)
        self._publish(AccountEventForwarded(event=event))

    def _set_state(
        self,
        bot_id: str,
        state: BotState,
        detail: str | None = None,
        until: datetime | None = None,
        at: datetime | None = None,
    ) -> None:
        status = self._status[bot_id]
        if state is not status.state:
            status.since = at or self.clock.now()
        status.state = state
        status.detail = detail
        status.until = until
        # Operator actions (log out, cancel pairing) are not errors; a remote logout
        # arrives as a LoggedOut event and is recorded there.
        if state in (BotState.RECONNECTING, BotState.BANNED, BotState.ERROR) and detail:
            status.last_error = detail
        if state is BotState.ONLINE:
            status.paired = True
        self._publish(BotStatusChanged.now(status))

    # --- store writes (one ordered queue) -------------------------------------------------
    def _enqueue(self, func: Callable[..., Any], *args: Any) -> None:
        self._queue.put_nowait((func, args))

    async def _write_loop(self) -> None:
        while True:
            item = await self._queue.get()
            if item is None:
                return
            func, args = item
            if func == self._apply_receipts:
                # Receipts come in bursts: everything already queued goes in one transaction.
                receipts, may_defer = list(args[0]), args[1]
                while not self._queue.empty():
                    peek = self._queue._queue[0]  # type: ignore[attr-defined]
                    if peek is None or peek[0] != self._apply_receipts or peek[1][1] != may_defer:
                        break
                    receipts.extend(self._queue.get_nowait()[1][0])  # type: ignore[index]
                args = (receipts, may_defer)
            try:
                result = func(*args)
                if asyncio.iscoroutine(result):
                    await result
            except Exception as exc:
                log.exception("fleet store write %s failed", getattr(func, "__name__", func))
                self._publish(
                    FleetError(bot_id=None, message=f"could not save to the store: {exc}")
                )

    async def _audit_event(self, action: str, bot_id: str, detail: dict[str, Any]) -> None:
        await self.audit(action, bot_id, **detail)

    async def _store_inbound(self, event: InboundMessage) -> None:
        message = Message(
            bot_id=event.bot_id,
            direction=Direction.IN,
            peer=event.peer,
            text=event.text,
            status=MessageStatus.RECEIVED,
            created_at=event.timestamp,
            wa_id=event.wa_id,
        )
        message, _ref, _created = await self.store.record_inbound(message)
        self._publish(MessageRecorded(message=message))
        if is_opt_out(event.text):
            added = await self.store.add_opt_out(
                OptOut(
                    phone=event.peer,
                    reason=event.text[:200],
                    bot_id=event.bot_id,
                    created_at=self.clock.now(),
                )
            )
            if added:
                await self.audit("opt-out", event.bot_id, phone=event.peer)
                self._publish(OptedOut(phone=event.peer, bot_id=event.bot_id, text=event.text))

    async def _apply_receipts(self, events: list[ReceiptReceived], may_defer: bool) -> None:
        updates = [
            StatusUpdate(e.bot_id, wa_id, e.status, e.at) for e in events for wa_id in e.wa_ids
        ]
        updated = await self.store.update_message_statuses(updates)
        for message in updated:
            self._publish(MessageRecorded(message=message))
        if not may_defer or len(updated) == len(updates):
            return
        found = {(m.bot_id, m.wa_id) for m in updated}
        for e in events:
            for wa_id in e.wa_ids:
                key = (e.bot_id, wa_id)
                if key not in found:
                    self._early_receipts.setdefault(key, []).append(replace(e, wa_ids=(wa_id,)))
        while len(self._early_receipts) > 10_000:  # receipts for messages sent elsewhere
            self._early_receipts.popitem(last=False)

    # --- daily counters -----------------------------------------------------------------------
    def _today(self) -> datetime:
        local = self.clock.now().astimezone(self.timezone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    def _roll_day(self) -> None:
        today = self._today()
        if today != self._day:
            self._day = today
            for status in self._status.values():
                status.sent_today = 0
                status.received_today = 0

    async def _load_counters(self) -> None:
        counts = await self.store.message_counts(self._day.astimezone(UTC))
        for bot_id, status in self._status.items():
            status.sent_today = counts.get((bot_id, Direction.OUT), 0)
            status.received_today = counts.get((bot_id, Direction.IN), 0)

    def _unknown_bot(self, bot_id: str) -> UnknownBotError:
        return UnknownBotError(unknown_bot_message(self.config, bot_id))


def unknown_bot_message(config: FleetConfig, bot_id: str) -> str:
    """What to say when bot_id names no enabled bot."""
    known = ", ".join(b.id for b in config.enabled_bots) or "none"
    return f"no enabled bot with id {bot_id!r} — known bots: {known}"


def parse_bot_choice(value: str, fleet: Fleet) -> str:
    """Validate a --bot value: a bot id, "auto" or "all"."""
    if value in (AUTO, ALL):
        return value
    fleet.status(value)
    return value


__all__: Sequence[str] = [
    "ALL",
    "AUTO",
    "Fleet",
    "FleetCommandError",
    "NoBotAvailableError",
    "SendRefusedError",
    "SendResult",
    "UnknownBotError",
]
