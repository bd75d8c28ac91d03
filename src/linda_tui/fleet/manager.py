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
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol

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
from linda_tui.fleet.optout import OptOutWords, is_opt_out
from linda_tui.fleet.pacing import SendRateGuard
from linda_tui.fleet.status import SENDABLE, STATE_WORD, BotStatus
from linda_tui.fleet.view import (
    ALL,
    AUTO,
    MAX_TEXT,
    FleetCommandError,
    FleetView,
    NoBotAvailableError,
    SendRefusedError,
    UnknownBotError,
    unknown_bot_message,
)
from linda_tui.models import (
    PAIR_SUCCESS,
    AuditEntry,
    BotState,
    Direction,
    Message,
    MessageStatus,
    OptOut,
)
from linda_tui.phones import mask_phone
from linda_tui.plain_text import one_line
from linda_tui.store.base import (
    StatusUpdate,
    Store,
    StoreError,
    TransientStoreError,
    retry_deadline,
)
from linda_tui.terminal_text import visible
from linda_tui.whatsapp.account import (
    AccountError,
    AccountEvent,
    Banned,
    Emit,
    InboundMessage,
    LoggedOut,
    NotConnectedError,
    NotOnWhatsAppError,
    OnWhatsAppCache,
    PairCodeIssued,
    PairingFailed,
    PairingSucceeded,
    PairingTimedOut,
    PairMethod,
    QRCodeIssued,
    ReceiptReceived,
    SendError,
    SendUncertainError,
    StateChanged,
    WhatsAppAccount,
)

log = logging.getLogger("linda.fleet")

REPEAT_WINDOW = timedelta(hours=24)
CANCELLED = "pairing cancelled"  # the reason accounts give when the operator cancels
# No command named: `linda status` would be refused while the console runs.
NO_BOT_ONLINE = "no bot is online to send from — pair a bot, or wait for one to reconnect"

AccountFactory = Callable[[BotConfig, Emit], WhatsAppAccount]


@contextlib.contextmanager
def _as_command_error() -> Iterator[None]:
    """An account's refusal (already paired, not on WhatsApp...) is the operator's to read."""
    try:
        yield
    except AccountError as exc:
        raise FleetCommandError(str(exc)) from None


@dataclass
class _InboundWrite:
    """An inbound message on its way to the store (the writer queue's item)."""

    event: InboundMessage
    day: datetime  # the day whose received counter it was counted in
    attempted: bool = False  # the store was asked already (this is a retry)


@dataclass(frozen=True)
class SendResult:
    """The outcome of sending from one bot.

    ``recorded`` is False when WhatsApp took the message but the store could not save
    its outcome yet: the fleet keeps retrying that write (``unrecorded`` says why), and
    the message was sent all the same — never report it as "not sent".

    ``uncertain`` (with ``ok`` False): the message was handed to WhatsApp and no answer
    came (timed out, connection lost): it may have arrived. Never report it as "not
    sent", never send it again on its own; its message stays pending in the store.
    """

    bot_id: str
    to: str
    ok: bool
    wa_id: str | None = None
    error: str | None = None
    message: Message | None = None
    recorded: bool = True
    unrecorded: str | None = None
    retryable: bool = False  # not sent, for a reason another bot would not have
    uncertain: bool = False  # handed over without an answer: it may have arrived


class SendOutcome(Protocol):
    """How the end of a send is stored: a manual send's message row, or a broadcast
    recipient with its message and audit entry (broadcast.engine)."""

    async def sent(self, message: Message, audit: AuditEntry) -> Message:
        """WhatsApp took it (message has its WhatsApp id); the message as stored."""

    async def not_sent(
        self, message: Message, audit: AuditEntry | None, *, retryable: bool
    ) -> Message:
        """It did not go (message says why); retryable when another bot could send it."""

    async def uncertain(self, message: Message, audit: AuditEntry) -> Message:
        """It was handed over and no answer came: it may have arrived (message, still
        pending, says why). Kept for the operator to decide; never sent again alone."""


class _ManualOutcome:
    """A send the operator asked for: its message row and audit entry, in one write."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def sent(self, message: Message, audit: AuditEntry) -> Message:
        return await self._store.finish_send(message, audit=audit)

    async def not_sent(
        self, message: Message, audit: AuditEntry | None, *, retryable: bool
    ) -> Message:
        return await self._store.finish_send(message, audit=audit)

    async def uncertain(self, message: Message, audit: AuditEntry) -> Message:
        # Stays pending: the 24 h repeat guard refuses the same text meanwhile.
        return await self._store.finish_send(message, audit=audit)


class Fleet(FleetView):
    """Every enabled bot, live. Create, ``await start()``, use, ``await stop()``."""

    # Pauses (seconds) between tries of a store write that failed for a reason that
    # passes (TransientStoreError: a MongoDB election, a lost connection, a locked
    # file): about two minutes in all, well past an election's usual 12 s. The writes
    # behind it wait, so they still land in order.
    STORE_RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 30.0, 30.0)
    # How long stop() lets the writer finish what is queued (retries included) before the
    # items left are given up, each logged.
    STOP_WRITES_SECONDS = 10.0

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
        super().__init__(config, clock or SystemClock())
        self.store = store
        # bots.yaml's opt-out words (broadcasts.opt_out_words), with Linda's own or not.
        self._opt_out_words = OptOutWords.from_config(config.broadcasts)
        self.actor = actor or current_actor()
        self.timezone = timezone
        self._accounts: dict[str, WhatsAppAccount] = {}
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
        self._on_whatsapp_cache = OnWhatsAppCache()
        self._in_flight: set[tuple[str, str]] = set()
        self.enforce_limits = enforce_limits
        self._rate = SendRateGuard()
        self._started = False
        self._stop_deadline: float | None = None  # time.monotonic() once stopping
        self._writing: tuple[Callable[..., Any], tuple[Any, ...]] | None = None
        # Sends WhatsApp took whose outcome the store has not saved yet (by message id).
        self._unsaved: dict[int | str | None, Message] = {}
        self._manual_outcome = _ManualOutcome(store)

    # --- listeners ----------------------------------------------------------------
    def _publish(self, event: FleetEvent) -> None:
        if isinstance(event, FleetError):
            log.error("%s%s", f"bot {event.bot_id}: " if event.bot_id else "", event.message)
        super()._publish(event)

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
            # The writer goes on (retries included) until the deadline: what is still
            # queued then is given up, each item named in the log.
            self._stop_deadline = time.monotonic() + self.STOP_WRITES_SECONDS
            await self._queue.put(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer, timeout=self.STOP_WRITES_SECONDS + 0.5)
            self._writer = None
            self._log_unwritten()
            self._stop_deadline = None

    def _log_unwritten(self) -> None:
        """Log every write still queued when the fleet stopped: it is not in the store."""
        items: list[tuple[Callable[..., Any], tuple[Any, ...]] | None] = [self._writing]
        self._writing = None
        while not self._queue.empty():
            items.append(self._queue.get_nowait())
        for item in items:
            if item is None:
                continue
            func, args = item
            what = _WRITE_WORDS.get(getattr(func, "__name__", ""))
            if what is None:
                continue  # drain()'s marker and the like: nothing to save
            log.error(
                "not saved: Linda stopped while the store was failing: %s %s",
                what,
                _write_detail(func, args),
            )

    async def __aenter__(self) -> Fleet:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def drain(self) -> None:
        """Wait until every queued store write has been done (tests, shutdown)."""
        done = asyncio.get_running_loop().create_future()
        await self._queue.put((done.set_result, (None,)))
        await done

    # --- queries ---------------------------------------------------------------------
    def account(self, bot_id: str) -> WhatsAppAccount:
        try:
            return self._accounts[bot_id]
        except KeyError:
            raise self._unknown_bot(bot_id) from None

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

    async def send(self, to: str, text: str, bot: str = AUTO) -> list[SendResult]:
        """Send text to a number from one bot, the routed bot ("auto"), or every online
        bot ("all"). Raises SendRefusedError / UnknownBotError / NoBotAvailableError when
        nothing can be sent; otherwise returns one SendResult per bot tried."""
        self.check_text(text)
        phone = self.normalise_phone(to)
        if bot not in (AUTO, ALL):
            self.status(bot)  # an unknown bot is the first thing to say
        opt_out = await self.store.get_opt_out(phone)
        if opt_out is not None:
            # Their words as they wrote them, controls escaped once (repr doubled every
            # backslash and swapped the quotes around a text holding one).
            wrote = visible(one_line(opt_out.reason, 40))
            said = f"they wrote '{wrote}'" if opt_out.reason else "opt-out"
            raise SendRefusedError(f"{phone} has opted out ({said}) — Linda does not message them")
        await self._refuse_repeat(phone, text)
        key = (phone, text)
        self._in_flight.add(key)  # no await since the check: a double press cannot slip in
        try:
            targets = await self._targets(bot, phone)
            await self._check_on_whatsapp(targets[0], phone)
            # Every send is written down before any is handed to WhatsApp: a message
            # that went out is never missing from the store (nor from the repeat guard).
            intents = await self._record_intents(targets, phone, text)
            results = await asyncio.gather(*(self._send_from(intent) for intent in intents))
        finally:
            self._in_flight.discard(key)
        return list(results)

    async def _record_intents(self, bot_ids: list[str], phone: str, text: str) -> list[Message]:
        """Store a pending outbound message per bot, or raise SendRefusedError having
        sent nothing (the store is locked, full, broken...)."""
        intents: list[Message] = []
        for bot_id in bot_ids:
            pending = Message(
                bot_id=bot_id,
                direction=Direction.OUT,
                peer=phone,
                text=text,
                status=MessageStatus.PENDING,
                created_at=self.clock.now(),
            )
            try:
                intents.append(await self.store.add_message(pending))
            except Exception as exc:
                log.error(
                    "send from %s to %s refused: the store could not record it first: %s",
                    bot_id,
                    mask_phone(phone),
                    exc,
                )
                await self._abandon_intents(intents, f"not sent: {one_line(exc)}")
                raise SendRefusedError(
                    f"nothing was sent: the store could not record the message first "
                    f"({one_line(exc)}) — fix the store, then send again"
                ) from None
        return intents

    async def _abandon_intents(self, intents: list[Message], reason: str) -> None:
        """Mark recorded intents failed when their send will not happen (best effort)."""
        now = self.clock.now()
        for intent in intents:
            with contextlib.suppress(Exception):
                await self.store.finish_send(
                    replace(intent, status=MessageStatus.FAILED, failed_at=now, error=reason)
                )

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
            raise SendRefusedError(f"bot {bot} is not online: {STATE_WORD[status.state]}{reason}")
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
        if previous is not None and previous.status is MessageStatus.PENDING:
            when = previous.created_at.astimezone(self.timezone)
            raise SendRefusedError(
                f"a send of the same text to {phone} from {previous.bot_id} at {when:%H:%M} "
                "did not finish (WhatsApp never confirmed it, or Linda stopped during it) "
                "and may have arrived — check with the contact, or change the text"
            )
        if previous is not None and previous.status is not MessageStatus.FAILED:
            when = previous.created_at.astimezone(self.timezone)
            raise SendRefusedError(
                f"the same text went to {phone} at {when:%H:%M} from {previous.bot_id} — "
                "WhatsApp treats identical repeats within 24 h as spam; change the text"
            )
        if (phone, text) in self._in_flight:  # claimed while the store was asked
            raise SendRefusedError(f"the same message to {phone} is being sent right now")

    async def _check_on_whatsapp(self, bot_id: str, phone: str) -> None:
        now = self.clock.monotonic()
        known = self._on_whatsapp_cache.get(phone, now)
        if known is None:
            try:
                known = await self._accounts[bot_id].is_on_whatsapp(phone)
            except NotConnectedError as exc:
                raise SendRefusedError(f"bot {bot_id} is not online: {exc}") from None
            except Exception as exc:  # lookup failed: let the send itself decide
                log.warning("is_on_whatsapp(%s) via %s failed: %s", phone, bot_id, exc)
                return
            self._on_whatsapp_cache.put(phone, known, now)
        if not known:
            raise SendRefusedError(f"{phone} is not on WhatsApp — check the number")

    async def send_claimed(
        self, intent: Message, outcome: SendOutcome, *, check_caps: bool = True
    ) -> SendResult:
        """Send a message whose intent is already stored (a broadcast recipient claimed
        with its pending message); ``outcome`` stores how it ended. The bot must be
        online and within its caps, else nothing is sent and the outcome says so, as
        retryable from another bot."""
        bot_id = intent.bot_id
        refusal: str | None = None
        if not self._sendable(bot_id):
            status = self.status(bot_id)
            refusal = f"bot {bot_id} is not online ({STATE_WORD[status.state]})"
        elif check_caps:
            refusal = self._limit_refusal(bot_id)
        if refusal is not None:
            now = self.clock.now()
            message = replace(intent, status=MessageStatus.FAILED, failed_at=now, error=refusal)
            await outcome.not_sent(message, None, retryable=True)
            return SendResult(
                bot_id=bot_id,
                to=intent.peer,
                ok=False,
                error=refusal,
                message=message,
                retryable=True,
            )
        return await self._send_from(intent, outcome)

    async def _send_from(self, intent: Message, outcome: SendOutcome | None = None) -> SendResult:
        """Hand a recorded intent to its bot's account, then record the outcome."""
        outcome = outcome or self._manual_outcome
        bot_id, phone, text = intent.bot_id, intent.peer, intent.text
        status = self._status[bot_id]
        self._rate.record(bot_id, self.clock.monotonic())
        status.queued += 1
        self._publish(BotStatusChanged.now(status))
        account = self._accounts[bot_id]
        error: str | None = None
        retryable = False  # certainly not sent, another bot may take it
        # Handed over without an answer: it may have arrived. By the account's own
        # report (SendUncertainError), or an error nobody foresaw — which cannot prove
        # the message had not left yet.
        uncertain = False
        try:
            sent = await account.send_text(phone, text)
        except NotOnWhatsAppError as exc:
            self._on_whatsapp_cache.put(phone, False, self.clock.monotonic())
            error = str(exc) or f"{phone} is not on WhatsApp"
        except NotConnectedError as exc:
            error = str(exc) or type(exc).__name__
            retryable = True
        except SendUncertainError as exc:
            error = str(exc) or type(exc).__name__
            uncertain = True
        except SendError as exc:
            error = str(exc) or type(exc).__name__
        except Exception as exc:
            log.exception("send from %s failed unexpectedly", bot_id)
            error = f"unexpected error: {exc}"
            uncertain = True
        finally:
            status.queued -= 1
        now = self.clock.now()
        sent_ok = error is None
        message = replace(
            intent,
            status=MessageStatus.SENT
            if sent_ok
            else MessageStatus.PENDING
            if uncertain
            else MessageStatus.FAILED,
            wa_id=sent.wa_id if sent_ok else None,
            sent_at=(sent.timestamp or now) if sent_ok else None,
            failed_at=None if sent_ok or uncertain else now,
            error=error,
        )
        if sent_ok:
            self._roll_day()
            status.sent_today += 1
            log.info("sent %s from %s to %s", message.wa_id, bot_id, mask_phone(phone))
        elif uncertain:
            status.last_error = error
            masked = mask_phone(phone)  # the log names a number by its last digits
            log.warning(
                "send from %s to %s may have been delivered: %s",
                bot_id,
                masked,
                (error or "").replace(phone, masked),
            )
        else:
            status.last_error = error
            log.warning("send from %s to %s failed: %s", bot_id, mask_phone(phone), error)
        audit = self.audit_entry(
            "send",
            bot_id,
            to=phone,
            ok=sent_ok,
            wa_id=message.wa_id,
            error=error,
            uncertain=uncertain or None,
        )
        recorded, unrecorded = True, None

        async def store_outcome() -> Message:
            if sent_ok:
                return await outcome.sent(message, audit)
            if uncertain:
                return await outcome.uncertain(message, audit)
            return await outcome.not_sent(message, audit, retryable=retryable)

        try:
            message = await store_outcome()
        except Exception as exc:
            # WhatsApp has it: the outcome must reach the store eventually, in order
            # with the receipts that will follow.
            recorded, unrecorded = False, one_line(exc)
            log.error(
                "the outcome of the send from %s to %s could not be saved (%s); retrying",
                bot_id,
                mask_phone(phone),
                unrecorded,
            )
            self._unsaved[message.id] = message
            self._enqueue(self._store_outcome_later, message, store_outcome)
            what = "sent" if sent_ok else "perhaps sent" if uncertain else "not sent"
            self._publish(
                FleetError(
                    bot_id=bot_id,
                    message=f"message to {phone} {what}, but the store could not save "
                    f"that yet ({unrecorded}) — Linda keeps trying",
                )
            )
        # Published before anything else can await, so "sent" always precedes its receipts.
        self._publish(MessageRecorded(message=message))
        self._publish(BotStatusChanged.now(status))
        if message.wa_id:
            for receipt in self._early_receipts.pop((bot_id, message.wa_id), []):
                self._enqueue(self._apply_receipts, [receipt], False)
        return SendResult(
            bot_id=bot_id,
            to=phone,
            ok=sent_ok,
            wa_id=message.wa_id,
            error=error,
            message=message,
            recorded=recorded,
            unrecorded=unrecorded,
            retryable=retryable,
            uncertain=uncertain,
        )

    async def _store_outcome_later(
        self, message: Message, store_outcome: Callable[[], Awaitable[Message]]
    ) -> None:
        """The writer queue's retry of a send outcome the store refused: retried like any
        queued write (every failure counts as one that may pass), bounded, in order."""
        try:
            await store_outcome()
        except TransientStoreError:
            raise
        except StoreError as exc:
            # Retried as if it may pass (a full disk the operator empties), within the
            # writer's bound: WhatsApp has the message, its outcome is worth the wait.
            raise TransientStoreError(str(exc)) from None
        self._unsaved.pop(message.id, None)
        log.info("the outcome of message %s from %s is saved", message.id, message.bot_id)

    def unsaved_sends(self) -> list[Message]:
        """Sends whose outcome the store has not saved: being retried, or given up on
        (then the message stays pending in the store, and the operator was told)."""
        return list(self._unsaved.values())

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
                f"bot {bot_id} is not connected to WhatsApp ({STATE_WORD[status.state]}: "
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
        if not account.is_paired:  # reconnecting would only show a new QR code
            raise FleetCommandError(
                f"bot {bot_id} is not paired — there is no session to reconnect with; pair it"
            )
        await self.audit("reconnect", bot_id)
        with _as_command_error():
            await account.stop()
            await account.start()

    def audit_entry(self, action: str, bot_id: str | None, **detail: Any) -> AuditEntry:
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
            await self.store.add_audit(self.audit_entry(action, bot_id, **detail))
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
            self._queue_audit("banned", bot_id, {"code": event.code, "until": str(event.until)})
        elif isinstance(event, LoggedOut):
            self._status[bot_id].paired = False
            self._status[bot_id].last_error = f"logged out: {event.reason}"
            self._set_state(bot_id, BotState.LOGGED_OUT, f"logged out: {event.reason}")
            self._queue_audit("logged-out", bot_id, {"reason": event.reason})
        elif isinstance(event, QRCodeIssued):
            log.info("bot %s: pairing QR code %d issued", bot_id, event.index + 1)
        elif isinstance(event, PairCodeIssued):
            log.info("bot %s: pairing phone code issued", bot_id)  # the code itself is not logged
        elif isinstance(event, PairingSucceeded):
            log.info("bot %s: paired with the phone (%s)", bot_id, event.jid)
            self._status[bot_id].paired = True
            self._queue_audit(PAIR_SUCCESS, bot_id, {"jid": event.jid})
        elif isinstance(event, PairingTimedOut):
            log.info("bot %s: pairing timed out", bot_id)
            self._queue_audit("pair.timeout", bot_id, {})
        elif isinstance(event, PairingFailed):
            if event.reason == CANCELLED:
                log.info("bot %s: pairing cancelled by the operator", bot_id)
            else:
                log.warning("bot %s: pairing failed: %s", bot_id, event.reason)
                self._queue_audit("pair.failed", bot_id, {"reason": event.reason})
        elif isinstance(event, InboundMessage):
            if not event.from_me and not event.is_group:
                log.info("message %s from %s to %s", event.wa_id, mask_phone(event.peer), bot_id)
                self._roll_day()
                status = self._status[bot_id]
                status.received_today += 1
                self._publish(BotStatusChanged.now(status))
                self._enqueue(self._store_inbound, _InboundWrite(event, self._day))
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
        if state is not status.state or detail != status.detail:
            said = f": {detail}" if detail else ""
            level = logging.WARNING if state in (BotState.BANNED, BotState.ERROR) else logging.INFO
            log.log(level, "bot %s: %s → %s%s", bot_id, status.state, state, said)
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
            self._writing = (func, args)
            await self._write(func, args)
            self._writing = None

    async def _write(self, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
        """One queued store write. A transient failure is retried (STORE_RETRY_DELAYS,
        about two minutes in all, a store's own retries inside a call included), holding
        the writes behind it so they stay in order, and the operator is told; any other
        failure, or the last retry's, is reported and the write dropped. Once the fleet
        is stopping, retries go on until stop's deadline."""
        name = getattr(func, "__name__", str(func))
        delays = self.STORE_RETRY_DELAYS
        deadline = time.monotonic() + sum(delays)
        for attempt in range(len(delays) + 1):
            bound = deadline if self._stop_deadline is None else self._stop_deadline
            token = retry_deadline.set(bound)
            try:
                result = func(*args)
                if asyncio.iscoroutine(result):
                    await result
            except TransientStoreError as exc:
                left = (deadline if self._stop_deadline is None else self._stop_deadline) - (
                    time.monotonic()
                )
                if attempt == len(delays) or left <= 0:
                    log.error(
                        "fleet store write %s failed %d times, given up: %s %s",
                        name,
                        attempt + 1,
                        exc,
                        _write_detail(func, args),
                    )
                    self._publish(
                        FleetError(
                            bot_id=None,
                            message=f"could not save to the store after {attempt + 1} tries "
                            f"({one_line(exc)}) — that {_WRITE_WORDS.get(name, 'record')} is not saved",
                        )
                    )
                    return
                delay = min(delays[attempt], left)
                log.warning(
                    "fleet store write %s failed (%s); try %d of %d in %.1f s, %d writes waiting",
                    name,
                    exc,
                    attempt + 2,
                    len(delays) + 1,
                    delay,
                    self._queue.qsize(),
                )
                if attempt == 0 and name != "_store_outcome_later":  # the send said so
                    self._publish(
                        FleetError(
                            bot_id=None,
                            message=f"the store is not answering ({one_line(exc)}) — Linda "
                            f"keeps trying for {sum(delays):.0f} s; messages and receipts "
                            "wait in order meanwhile",
                        )
                    )
                await asyncio.sleep(delay)
            except Exception as exc:
                log.exception("fleet store write %s failed %s", name, _write_detail(func, args))
                self._publish(
                    FleetError(bot_id=None, message=f"could not save to the store: {exc}")
                )
                return
            else:
                if attempt:
                    log.info("fleet store write %s saved after %d retries", name, attempt)
                return
            finally:
                retry_deadline.reset(token)

    def _queue_audit(self, action: str, bot_id: str, detail: dict[str, Any]) -> None:
        """Queue an audit entry made now, with its own id: a retry after a lost reply
        stores it once."""
        clean = {k: v for k, v in detail.items() if v is not None}
        entry = replace(self.audit_entry(action, bot_id, **clean), id=secrets.token_hex(12))
        self._enqueue(self._audit_event, entry)

    async def _audit_event(self, entry: AuditEntry) -> None:
        # Straight to the store (not self.audit, which reports and swallows failures):
        # the writer loop retries a transient one.
        await self.store.add_audit(entry)

    def _uncount_inbound(self, bot_id: str, day: datetime) -> None:
        """A message counted as received that the store had already: count it once."""
        status = self._status[bot_id]
        if self._day == day and status.received_today > 0:
            status.received_today -= 1
            self._publish(BotStatusChanged.now(status))

    async def _store_inbound(self, item: _InboundWrite) -> None:
        event = item.event
        retry, item.attempted = item.attempted, True
        message = Message(
            bot_id=event.bot_id,
            direction=Direction.IN,
            peer=event.peer,
            text=event.text,
            status=MessageStatus.RECEIVED,
            created_at=event.timestamp,
            wa_id=event.wa_id,
        )
        record = await self.store.record_inbound(message)
        if record.new or retry:  # on a retry, "already stored" is the try that failed
            self._publish(MessageRecorded(message=record.message))
        else:
            # WhatsApp delivered it again (after a reconnect): stored and counted once.
            log.info("message %s to %s was delivered again; stored once", event.wa_id, event.bot_id)
            self._uncount_inbound(event.bot_id, item.day)
        if is_opt_out(event.text, self._opt_out_words):
            added = await self.store.add_opt_out(
                OptOut(
                    phone=event.peer,
                    reason=event.text[:200],
                    bot_id=event.bot_id,
                    created_at=self.clock.now(),
                )
            )
            if added:
                log.info(
                    "%s opted out (wrote to %s); no campaign will message them",
                    mask_phone(event.peer),
                    event.bot_id,
                )
                await self.audit("opt-out", event.bot_id, phone=event.peer)
                self._publish(OptedOut(phone=event.peer, bot_id=event.bot_id, text=event.text))

    async def _apply_receipts(self, events: list[ReceiptReceived], may_defer: bool) -> None:
        updates = [
            StatusUpdate(e.bot_id, wa_id, e.status, e.at) for e in events for wa_id in e.wa_ids
        ]
        updated = await self.store.update_message_statuses(updates)
        if updated:
            log.info("receipts: %s", _receipt_summary(updates, len(updated)))
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


def _write_detail(func: Callable[..., Any], args: tuple[Any, ...]) -> str:
    """Which record a queued write holds, for the log (never a message's text)."""
    name = getattr(func, "__name__", "")
    first = args[0] if args else None
    if name == "_store_inbound" and isinstance(first, _InboundWrite):
        event = first.event
        return f"(bot {event.bot_id}, from {mask_phone(event.peer)}, WhatsApp id {event.wa_id})"
    if name == "_apply_receipts" and isinstance(first, list):
        return f"({len(first):,} receipts)"
    if name == "_audit_event" and isinstance(first, AuditEntry):
        return f"({first.action}, bot {first.bot_id})"
    if name == "_store_outcome_later" and isinstance(first, Message):
        return f"(message {first.id} from {first.bot_id}, WhatsApp id {first.wa_id})"
    return ""


# What a queued write saves, by the writer method's name: for the operator's message.
_WRITE_WORDS = {
    "_store_inbound": "inbound message",
    "_apply_receipts": "batch of receipts",
    "_audit_event": "audit entry",
    "_store_outcome_later": "send's outcome",
}


def _receipt_summary(updates: Sequence[StatusUpdate], applied: int) -> str:
    """ "3 delivered, 2 read (demo-main, demo-sales)": a burst of receipts as one log line."""
    by_status: dict[str, int] = {}
    for u in updates:
        by_status[str(u.status)] = by_status.get(str(u.status), 0) + 1
    counts = ", ".join(f"{n:,} {status}" for status, n in by_status.items())
    bots = ", ".join(sorted({u.bot_id for u in updates}))
    unknown = len(updates) - applied
    later = f"; {unknown:,} for messages not stored (yet)" if unknown else ""
    return f"{counts} ({bots}){later}"


def parse_bot_choice(value: str, fleet: Fleet) -> str:
    """Validate a --bot value: a bot id, "auto" or "all"."""
    if value in (AUTO, ALL):
        return value
    fleet.status(value)
    return value


__all__: Sequence[str] = [
    "ALL",
    "AUTO",
    "MAX_TEXT",
    "Fleet",
    "FleetCommandError",
    "NoBotAvailableError",
    "SendRefusedError",
    "SendResult",
    "UnknownBotError",
    "unknown_bot_message",
]
