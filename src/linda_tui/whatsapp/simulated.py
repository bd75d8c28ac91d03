"""An in-process fake WhatsApp: what ``linda --demo``, operator training, tests and the
fleet benchmark talk to instead of WhatsApp's servers.

It behaves like the real network as seen through ``WhatsAppAccount``: pairing by QR
codes that rotate (60 s, then five of 20 s) and expire, or by an 8-character phone
code; "the phone scans the code" is an action (``SimulatedNetwork.scan``); messages
get delivery and read receipts after realistic delays; some recipients reply (opt-out
words included); connections drop now and then and come back; a bot that sends too
fast gets a temporary ban. Everything is deterministic under ``seed``.

Files under ``data_dir``:
- ``sim-sessions/<bot-id>.json`` — a paired bot's fake session (0600, folder 0700);
- ``simulated-network.jsonl`` — one JSON object per accepted message
  (``time``, ``bot``, ``to``, ``id``, ``text``), for auditing a run afterwards;
- ``sim-network-state.json`` — how many times the network was opened here, mixed into
  the seed so message ids do not repeat from one ``linda --demo`` run to the next.

Time: every delay is divided by ``speed`` (``speed=1000`` turns 20 s into 20 ms).
``QRCodeIssued.expires_in`` and every ``until`` are real (scaled) times, so a consumer
that waits for them does the right thing; durations written in ``detail`` texts are
the nominal ones ("reconnecting in 2 s"). ``latency=False`` makes network latency
(connecting, receipts, replies, pairing hand-shakes) zero while protocol timers (QR
rotation, reconnect back-off, bans) keep their length.

Failed sends, as whatsmeow's fail: ``fail_next_send(bot, SendFailure.ACK_LOST)`` makes
the bot's next send reach the network (its log line is written, its receipts follow)
without an acknowledgement, so it ends in SendUncertainError after ``ACK_TIMEOUT``;
``DROPPED`` drops the connection after the hand-off (uncertain too); ``REFUSED`` and
``NOT_LEFT`` fail it before anything reaches the network (SendError).

Not on WhatsApp: numbers registered off with ``register_number(phone, False)``, and
by default every number whose E.164 form ends in ``000`` (e.g. +971501234000).

Call the synchronous methods (``scan``, ``inject_inbound``...) from the event loop's
thread, like everything else on the loop.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
import os
import random
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from linda_tui.clock import Clock, SystemClock
from linda_tui.config.models import BOT_ID_RE
from linda_tui.input_files import InputFileError, read_input
from linda_tui.models import BotState, MessageStatus
from linda_tui.phones import InvalidPhoneError, to_e164
from linda_tui.private_files import (
    ensure_folder,
    open_private,
    refuse_unsafe_file,
    write_private_atomic,
)
from linda_tui.whatsapp.account import (
    MAX_TEXT_CHARS,
    NOT_PAIRED_DETAIL,
    PAIRING_TIMED_OUT,
    AccountError,
    AccountEvent,
    Banned,
    Emit,
    InboundMessage,
    LoggedOut,
    NotConnectedError,
    NotOnWhatsAppError,
    PairCodeIssued,
    PairingFailed,
    PairingSucceeded,
    PairingTimedOut,
    PairMethod,
    QRCodeIssued,
    ReceiptReceived,
    SendError,
    SendUncertainError,
    SentMessage,
    StateChanged,
    WhatsAppAccount,
    already_paired,
    not_paired_reason,
    session_damaged,
)
from linda_tui.whatsapp.sim_timeline import Timeline, VirtualNow

log = logging.getLogger(__name__)

SESSIONS_DIR = "sim-sessions"
MESSAGE_LOG = "simulated-network.jsonl"
STATE_FILE = "sim-network-state.json"
MAX_FILE_BYTES = 64 * 1024  # a session or the state is a few hundred bytes

# whatsmeow's rotation: the first code lives 60 s, then five more of 20 s each.
QR_LIFETIMES: tuple[float, ...] = (60.0, 20.0, 20.0, 20.0, 20.0, 20.0)
PAIRING_WINDOW = sum(QR_LIFETIMES)  # a phone code is valid as long as the QR session
# whatsmeow's alphabet for phone-linking codes (no 0, O, I or U).
PAIR_CODE_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTVWXYZ"
BAN_CODE = 101
BAN_MINUTES = (5, 15)  # a temporary ban lasts this many minutes (nominal), drawn per ban
NOT_ON_WHATSAPP_SUFFIX = "000"
_E164_SHAPE = re.compile(r"\+[1-9][0-9]{6,14}")

# Replies a recipient may send back. Opt-outs are included on purpose: the fleet and
# the broadcast engine must notice them.
OPT_OUT_REPLIES: tuple[str, ...] = ("STOP", "stop please", "unsubscribe", "توقف", "إلغاء الاشتراك")
NORMAL_REPLIES: tuple[str, ...] = (
    "Thanks!",
    "Who is this?",
    "Is the apartment still available?",
    "Can you send me the price list?",
    "Please call me tomorrow morning",
    "ok 👍",
    "شكرا",
    "كم السعر؟",
)
OPT_OUT_SHARE = 0.25  # of replies
READ_SHARE = 0.85  # of messages that are read at all (repliers always read)

# Nominal delays in seconds (divided by speed; zero when latency=False).
CONNECT_DELAY = (0.4, 1.5)
FIRST_CODE_DELAY = (0.3, 1.0)
LINK_DELAY = (1.0, 3.0)  # phone confirmed -> PairingSucceeded
DELIVERED_DELAY = (0.5, 3.0)
READ_DELAY = (3.0, 20.0)  # after delivery
REPLY_DELAY = (5.0, 45.0)  # after reading
RECONNECT_STEP = 2.0  # whatsmeow retries remote drops after 2 s x attempt
RETRY_FAILS = 0.2  # chance that one reconnect attempt fails and another follows
MAX_RECONNECT_ATTEMPTS = 3

# whatsmeow waits this long (nominal seconds) for the server's acknowledgement of a
# message before giving up with "timed out waiting for message send response".
ACK_TIMEOUT = 75.0


class SendFailure(StrEnum):
    """How one send fails on the simulated network (``fail_next_send``), as whatsmeow's
    sends fail on the real one."""

    NOT_LEFT = "not-left"  # the frame could not be written: the message never left
    REFUSED = "refused"  # WhatsApp's error reply: it took nothing
    ACK_LOST = "ack-lost"  # WhatsApp has it, but its acknowledgement never comes
    DROPPED = "dropped"  # WhatsApp has it; the connection drops before the acknowledgement


_RUNNING_STATES = frozenset(
    {
        BotState.CONNECTING,
        BotState.WAITING_FOR_PHONE,
        BotState.PAIRING,
        BotState.ONLINE,
        BotState.RECONNECTING,
        BotState.BANNED,
    }
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _hhmm(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def _user_jid(e164: str) -> str:
    return f"{e164.lstrip('+')}@s.whatsapp.net"


def _write_private_json(path: Path, data: dict[str, Any], what: str) -> None:
    """Write JSON atomically as a 0600 file (sessions are secrets, even fake ones), never
    through a link (see linda_tui.private_files)."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    write_private_atomic(path, text.encode("utf-8"), what)


def _read_private_json(path: Path) -> dict[str, Any] | None:
    """A private JSON file of the network: None when missing. Raises InputFileError when
    it is a link, not a regular file or too big, ValueError when it is not a JSON object."""
    try:
        data = json.loads(read_input(path, limit=MAX_FILE_BYTES, follow_links=False))
    except InputFileError as exc:
        if exc.missing:
            return None
        raise
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def read_session(data_dir: Path, bot_id: str) -> tuple[dict[str, Any] | None, str | None]:
    """A bot's simulated session under ``data_dir``: (its content or None when there is
    none, why it is damaged or None). A session is damaged when it cannot be read or is
    not a session of this bot."""
    path = data_dir / SESSIONS_DIR / f"{bot_id}.json"
    try:
        session = _read_private_json(path)
    except InputFileError as exc:
        return None, session_damaged(path, exc.reason)
    except ValueError:  # not UTF-8, not JSON, not an object
        return None, session_damaged(path, "not a session file: not a JSON object")
    if session is not None and (session.get("bot_id") != bot_id or not session.get("simulated")):
        return None, session_damaged(path, f"not a session of {bot_id}")
    return session, None


def _stream(purpose: int) -> cached_property[random.Random]:
    """A _Line's random stream for one purpose, seeded when first used."""
    return cached_property(lambda line: random.Random(line.seed ^ (purpose << 48)))


@dataclass
class _Line:
    """What the simulated server knows about one bot, whichever account object is live.

    Separate random streams per purpose, so e.g. a disconnect does not shift the
    message ids that follow it. Each is seeded when first used: a fleet's start seeds
    only the connection's.
    """

    seed: int  # this bot's seed in this run; each stream mixes in its purpose
    sent: deque[float] = field(default_factory=deque)  # virtual instants of recent sends
    # Receipts and messages waiting on the server while the device is away.
    held: list[tuple[Callable[..., None], tuple[Any, ...]]] = field(default_factory=list)
    banned_until: float | None = None  # virtual instant
    banned_until_at: datetime | None = None

    ids = _stream(0)  # message ids
    traffic = _stream(1)  # receipts, reads, replies
    link = _stream(2)  # connecting, drops, bans
    pairing = _stream(3)  # QR keys, phone codes, device numbers


class SimulatedNetwork:
    """A fake WhatsApp shared by every simulated account of one fleet."""

    def __init__(
        self,
        data_dir: Path,
        *,
        seed: int = 7,
        speed: float = 1.0,
        paired: Iterable[str] | None = None,
        ban_per_minute: int | None = 20,
        disconnect_rate: float = 0.02,
        reply_rate: float = 0.2,
        latency: bool = True,
        clock: Clock | None = None,
    ) -> None:
        """``paired``: bot ids that start paired the first time ``data_dir`` is used.
        ``ban_per_minute``: more sends than this in any 60 s gets a bot banned (None:
        never). ``disconnect_rate``: drops per minute online. ``reply_rate``: share of
        messages that get a reply."""
        if not (isinstance(speed, int | float) and math.isfinite(speed) and speed > 0):
            raise ValueError(f"speed must be a positive number, not {speed!r}")
        if ban_per_minute is not None and ban_per_minute < 1:
            raise ValueError(f"ban_per_minute must be at least 1 (or None), not {ban_per_minute}")
        if not disconnect_rate >= 0:
            raise ValueError(f"disconnect_rate must be >= 0, not {disconnect_rate}")
        if not 0 <= reply_rate <= 1:
            raise ValueError(f"reply_rate must be between 0 and 1, not {reply_rate}")
        paired_ids = [paired] if isinstance(paired, str) else list(paired or ())
        for bot_id in paired_ids:
            self._check_bot_id(bot_id)
        self.data_dir = Path(data_dir)
        self.seed = seed
        self.speed = float(speed)
        self.ban_per_minute = ban_per_minute
        self._ban_limit_off = ban_per_minute  # what set_rate_ban(True) restores
        self.disconnect_rate = disconnect_rate
        self.reply_rate = reply_rate
        self.latency = latency
        self._clock: Clock = clock or SystemClock()
        self._now = VirtualNow()
        self._lines: dict[str, _Line] = {}
        # Whether each bot has a session file, once looked up: only the network writes
        # and deletes them (as neonize asks its database once, then follows events).
        self._sessions: dict[str, bool] = {}
        self._accounts: dict[str, SimulatedAccount] = {}
        self._bot_by_phone: dict[str, str] = {}
        self._on_whatsapp: dict[str, bool] = {}
        self._pending_lines: list[str] = []
        self._log_fd: int | None = None
        self._send_failures: dict[str, deque[SendFailure]] = {}

        # Why each bot's session file cannot be used, for those that cannot.
        self._damaged: dict[str, str] = {}

        # Files are checked before anything is written: a link planted at any of them,
        # or a folder others can write to, is refused (UnsafePathError) up front.
        ensure_folder(self.data_dir, "demo data folder", "--data-dir")
        self.sessions_dir = ensure_folder(
            self.data_dir / SESSIONS_DIR, "demo sessions folder", "--data-dir", private=True
        )
        self.message_log = self.data_dir / MESSAGE_LOG
        state_path = self.data_dir / STATE_FILE
        refuse_unsafe_file(self.message_log, "demo message log")
        refuse_unsafe_file(state_path, "demo network state")
        first_use = not os.path.lexists(state_path)
        try:
            state = _read_private_json(state_path) or {}
        except (InputFileError, ValueError):
            state = {}  # only a run counter: a damaged one starts again
        runs = state.get("runs", 0)
        self._run = runs if isinstance(runs, int) and runs >= 0 else 0
        _write_private_json(state_path, {"runs": self._run + 1}, "demo network state")
        if first_use:
            for bot_id in paired_ids:
                # The phone is not known yet: account() fills in the JID.
                self._write_session(bot_id, phone=None, jid=None)

    # -- the fleet's factory -------------------------------------------------------

    def account(self, bot_id: str, phone: str, emit: Emit) -> SimulatedAccount:
        """The account object for one bot (the fleet calls this once per bot)."""
        self._check_bot_id(bot_id)
        e164 = to_e164(phone)
        line = self._line(bot_id)
        session, damage = read_session(self.data_dir, bot_id)
        if damage is not None:
            log.warning("%s: %s", bot_id, damage)
            self._damaged[bot_id] = damage
        self._sessions[bot_id] = session is not None
        if session is not None and not session.get("jid"):
            device = line.pairing.randint(2, 40)
            self._write_session(
                bot_id, phone=e164, jid=f"{e164.lstrip('+')}:{device}@s.whatsapp.net"
            )
        account = SimulatedAccount(self, line, bot_id, e164, emit)
        self._accounts[bot_id] = account
        self._bot_by_phone[e164] = bot_id
        return account

    # -- actions of the world outside Linda ----------------------------------------

    def scan(self, bot_id: str) -> bool:
        """The phone scans the bot's current QR code. False when no live code is shown."""
        account = self._accounts.get(bot_id)
        return account is not None and account._phone_confirms(PairMethod.QR)

    def enter_pair_code(self, bot_id: str) -> bool:
        """The user types the bot's phone code on the phone. False when no live code."""
        account = self._accounts.get(bot_id)
        return account is not None and account._phone_confirms(PairMethod.PHONE_CODE)

    def inject_inbound(self, bot_id: str, from_phone: str, text: str) -> None:
        """A contact writes ``text`` to the bot; it arrives once the bot is online."""
        self._check_bot_id(bot_id)
        peer = to_e164(from_phone)
        if not isinstance(text, str) or not text:
            raise ValueError("inbound text is empty — give the words the contact writes")
        line = self._line(bot_id)
        wa_id = f"{line.ids.getrandbits(128):032X}"
        self._route_inbound(bot_id, 0.0, peer, text, wa_id, self._clock.now())

    def register_number(self, phone: str, on_whatsapp: bool = True) -> None:
        """Say whether ``phone`` has WhatsApp (overrides the ``...000`` rule)."""
        self._on_whatsapp[to_e164(phone)] = on_whatsapp

    def set_rate_ban(self, enabled: bool) -> None:
        """Whether a bot sending more than ban_per_minute in a minute gets banned. Off for
        demo-fast broadcasts, which exist to show a campaign end to end in seconds."""
        if not enabled and self.ban_per_minute is not None:
            self._ban_limit_off = self.ban_per_minute
            self.ban_per_minute = None
        elif enabled and self.ban_per_minute is None:
            self.ban_per_minute = self._ban_limit_off

    def fail_next_send(self, bot_id: str, failure: SendFailure) -> None:
        """The bot's next send (after those already made to fail) fails this way."""
        self._check_bot_id(bot_id)
        self._send_failures.setdefault(bot_id, deque()).append(SendFailure(failure))

    def disconnect(self, bot_id: str, reason: str = "connection closed by server") -> None:
        """Drop the bot's connection now (it reconnects by itself). No-op unless online."""
        account = self._accounts.get(bot_id)
        if account is not None:
            account._drop(account._epoch, reason)

    def unlink(self, bot_id: str, reason: str = "device removed from the phone") -> None:
        """The phone removes the bot from its Linked devices: a remote logout."""
        account = self._accounts.get(bot_id)
        if account is not None:
            account._remote_logout(reason)

    def flush(self) -> None:
        """Write message-log lines not written yet (after a failed write)."""
        if not self._pending_lines:
            return
        data = "".join(self._pending_lines).encode("utf-8")
        try:
            if self._log_fd is None:
                self._log_fd = open_private(
                    self.message_log, os.O_WRONLY | os.O_APPEND, "demo message log"
                )
            view = memoryview(data)
            while view:
                view = view[os.write(self._log_fd, view) :]
        except OSError:
            # Keep the lines: the next flush retries, nothing accepted is lost from the log.
            log.exception("cannot write %s", self.message_log)
            return
        self._pending_lines.clear()

    async def aclose(self) -> None:
        """Stop every account and close the message log. Idempotent."""
        for account in list(self._accounts.values()):
            await account.stop()
        self.flush()
        if self._log_fd is not None:
            os.close(self._log_fd)
            self._log_fd = None

    # -- internals -----------------------------------------------------------------

    @staticmethod
    def _check_bot_id(bot_id: str) -> None:
        if not isinstance(bot_id, str) or not BOT_ID_RE.match(bot_id):
            raise ValueError(
                f"bot id {bot_id!r} must be a slug of lowercase letters, digits and '-', "
                "e.g. demo-main"
            )

    def _line(self, bot_id: str) -> _Line:
        line = self._lines.get(bot_id)
        if line is None:
            # zlib.crc32, not hash(): hash() of a str changes with every process.
            line = _Line(self.seed ^ zlib.crc32(bot_id.encode("utf-8")) ^ (self._run << 32))
            self._lines[bot_id] = line
        return line

    def _session_path(self, bot_id: str) -> Path:
        return self.sessions_dir / f"{bot_id}.json"

    def _has_session(self, bot_id: str) -> bool:
        known = self._sessions.get(bot_id)
        if known is None:
            session, damage = read_session(self.data_dir, bot_id)
            known = self._sessions[bot_id] = session is not None
            if damage is not None:
                self._damaged[bot_id] = damage
        return known

    def _damage(self, bot_id: str) -> str | None:
        """Why the bot's session file cannot be used, or None."""
        return self._damaged.get(bot_id)

    def _delete_session(self, bot_id: str) -> None:
        self._session_path(bot_id).unlink(missing_ok=True)
        self._sessions[bot_id] = False
        self._damaged.pop(bot_id, None)

    def _write_session(self, bot_id: str, *, phone: str | None, jid: str | None) -> None:
        self._sessions.pop(bot_id, None)  # should the write fail, ask the disk next time
        _write_private_json(
            self._session_path(bot_id),
            {
                "bot_id": bot_id,
                "phone": phone,
                "jid": jid,
                "paired_at": self._clock.now().isoformat(),
                "simulated": True,
            },
            "demo session",
        )
        self._sessions[bot_id] = True
        self._damaged.pop(bot_id, None)

    def _e164(self, to: str) -> str:
        """``to`` in E.164, or SendError with the reason.

        Sends are the hot path and the fleet already passes E.164, so text of that shape
        is taken as it is (WhatsApp itself only knows "has an account or not"); anything
        else is parsed like an operator's input (``to_e164`` caches what it parses)."""
        if not isinstance(to, str):
            raise SendError(f"recipient {to!r} is not a phone number — write it as +971501234567")
        if _E164_SHAPE.fullmatch(to):
            return to
        try:
            return to_e164(to)  # cached there
        except InvalidPhoneError as exc:
            raise SendError(str(exc)) from None

    def _has_whatsapp(self, e164: str) -> bool:
        known = self._on_whatsapp.get(e164)
        if known is not None:
            return known
        return not e164.endswith(NOT_ON_WHATSAPP_SUFFIX)

    def _latency(self, rng: random.Random, bounds: tuple[float, float]) -> float:
        if not self.latency:
            return 0.0
        return rng.uniform(*bounds) / self.speed

    def _real(self, nominal_seconds: float) -> timedelta:
        return timedelta(seconds=nominal_seconds / self.speed)

    def _log_message(self, when: datetime, bot_id: str, to: str, wa_id: str, text: str) -> None:
        """Write the accepted message's line before the send is acknowledged, as a real
        network already holds a message it acknowledged: a Linda killed right after a
        send still finds it here (lines that could not be written are retried)."""
        record = {
            "time": when.astimezone(UTC).isoformat(),
            "bot": bot_id,
            "to": to,
            "id": wa_id,
            "text": text,
        }
        self._pending_lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        self.flush()

    def _route_inbound(
        self, bot_id: str, delay: float, peer: str, text: str, wa_id: str, sent_at: datetime | None
    ) -> None:
        """Deliver a message to a bot after ``delay`` (real seconds), or hold it on the
        server until the bot is online."""
        account = self._accounts.get(bot_id)
        args = (peer, text, wa_id, sent_at)
        if account is not None and account._state is BotState.ONLINE:
            account._timeline.call_later(delay, account._deliver_inbound, *args)
        else:
            self._line(bot_id).held.append((SimulatedAccount._deliver_inbound, args))


class SimulatedAccount(WhatsAppAccount):
    """One bot on the simulated network."""

    def __init__(
        self, network: SimulatedNetwork, line: _Line, bot_id: str, phone: str, emit: Emit
    ) -> None:
        super().__init__(bot_id, phone, emit)
        self._net = network
        self._line = line
        self._timeline = Timeline(network._now)
        self._state = BotState.STOPPED
        # Bumped at every state change: link callbacks scheduled under an older state
        # (a QR rotation, a pending reconnect) see the mismatch and do nothing.
        self._epoch = 0
        self._pair_method: PairMethod | None = None
        self._pair_phone = phone
        self._qr_keys: tuple[str, str, str] | None = None
        self._live_code: str | None = None  # the QR payload or phone code on show
        self._reconnect_attempt = 0

    # -- read-only views -----------------------------------------------------------

    @property
    def state(self) -> BotState:
        """The state last reported through StateChanged."""
        return self._state

    @property
    def pending_callbacks(self) -> int:
        """How many timed callbacks this account still has scheduled."""
        return len(self._timeline)

    @property
    def is_paired(self) -> bool:
        return self._net._has_session(self.bot_id)

    # -- WhatsAppAccount -----------------------------------------------------------

    async def start(self) -> None:
        if self._state in _RUNNING_STATES:
            return
        if not self.is_paired:
            damage = self._net._damage(self.bot_id)
            if damage is not None:  # not "not paired": that would invite pairing over it
                self._set_state(BotState.ERROR, damage)
                return
            self._set_state(BotState.NOT_PAIRED, NOT_PAIRED_DETAIL)
            return
        self._set_state(BotState.CONNECTING)
        self._timeline.call_later(
            self._net._latency(self._line.link, CONNECT_DELAY), self._connected, self._epoch
        )

    async def pair(self, method: PairMethod = PairMethod.QR, phone: str | None = None) -> None:
        if self.is_paired:
            raise AccountError(already_paired(self.bot_id))
        damage = self._net._damage(self.bot_id)
        if damage is not None:
            raise AccountError(f"{self.bot_id}: {damage}")
        method = PairMethod(method)
        target = self.phone
        if phone is not None:
            try:
                target = to_e164(phone)
            except InvalidPhoneError as exc:
                raise AccountError(str(exc)) from None
        if method is PairMethod.PHONE_CODE and not self._net._has_whatsapp(target):
            raise AccountError(f"{target} is not on WhatsApp — use the number of the bot's phone")
        self._timeline.clear()
        self._pair_method = method
        self._pair_phone = target
        self._live_code = None
        rng = self._line.pairing
        delay = self._net._latency(rng, FIRST_CODE_DELAY)
        if method is PairMethod.QR:
            # Noise key, identity key and adv secret stay for the whole pairing session;
            # only the server's ref changes at each rotation, as in whatsmeow.
            self._qr_keys = (
                _b64(rng.randbytes(32)),
                _b64(rng.randbytes(32)),
                _b64(rng.randbytes(32)),
            )
            self._set_state(BotState.WAITING_FOR_PHONE, "scan the QR code with the phone")
            self._timeline.call_later(delay, self._issue_qr, self._epoch, 0)
        else:
            self._set_state(BotState.WAITING_FOR_PHONE, f"enter the code on the phone of {target}")
            self._timeline.call_later(delay, self._issue_pair_code, self._epoch)

    async def cancel_pairing(self) -> None:
        if self._state not in (BotState.WAITING_FOR_PHONE, BotState.PAIRING):
            return
        self._timeline.clear()
        self._live_code = None
        self._emit_event(PairingFailed(self.bot_id, reason="pairing cancelled", at=self._at()))
        self._set_state(BotState.NOT_PAIRED, "pairing cancelled")

    async def send_text(self, to: str, text: str) -> SentMessage:
        net = self._net
        if self._state is not BotState.ONLINE:
            raise self._not_online()
        if not isinstance(text, str) or not text.strip():
            raise SendError("message text is empty — write something to send")
        if len(text) > MAX_TEXT_CHARS:
            raise SendError(
                f"message is {len(text):,} characters; WhatsApp allows at most 65,536 — shorten it"
            )
        peer = net._e164(to)
        if not net._has_whatsapp(peer):
            raise NotOnWhatsAppError(f"{peer} is not on WhatsApp — check the number")
        line = self._line
        now = net._now.now()
        limit = net.ban_per_minute
        if limit is not None:
            window = line.sent
            horizon = now - 60.0 / net.speed
            while window and window[0] <= horizon:
                window.popleft()
            if len(window) >= limit:
                self._ban(now)
                raise self._not_online()
            window.append(now)
        queued = net._send_failures.get(self.bot_id)
        failure = queued.popleft() if queued else None
        if failure is SendFailure.NOT_LEFT:
            raise SendError(
                "the message did not leave: failed to send message node: websocket not connected"
            )
        if failure is SendFailure.REFUSED:
            raise SendError("WhatsApp refused the message: server returned error 479")
        sent = self._accept(peer, text, now)
        if failure is SendFailure.ACK_LOST:
            await asyncio.sleep(ACK_TIMEOUT / net.speed)
            raise SendUncertainError(
                f"WhatsApp did not confirm the message to {peer}: timed out waiting for "
                "message send response"
            )
        if failure is SendFailure.DROPPED:
            self._drop(self._epoch, "connection closed by server")
            raise SendUncertainError(
                f"WhatsApp did not confirm the message to {peer}: websocket disconnected "
                "before message send returned response"
            )
        return sent

    def _accept(self, peer: str, text: str, now: float) -> SentMessage:
        """The network takes the message: its log line, then its receipts and reply."""
        net, line = self._net, self._line
        wa_id = f"3EB0{line.ids.getrandbits(64):016X}"
        sent_at = net._clock.now()
        net._log_message(sent_at, self.bot_id, peer, wa_id, text)

        # Everything that follows from this message is drawn now, in send order, so the
        # outcome does not depend on when the loop gets round to it.
        rng = line.traffic
        timeline = self._timeline
        delivered = net._latency(rng, DELIVERED_DELAY)
        timeline.call_at(
            now + delivered, self._deliver_receipt, wa_id, peer, MessageStatus.DELIVERED
        )
        other_bot = net._bot_by_phone.get(peer)
        if other_bot is not None and other_bot != self.bot_id:
            # Bot to bot: the other bot receives it (same message id, as on WhatsApp).
            net._route_inbound(other_bot, delivered, self.phone, text, wa_id, sent_at)
            return SentMessage(wa_id, sent_at)
        replies = rng.random() < net.reply_rate
        if replies or rng.random() < READ_SHARE:
            read = delivered + net._latency(rng, READ_DELAY)
            timeline.call_at(now + read, self._deliver_receipt, wa_id, peer, MessageStatus.READ)
            if replies:
                pool = OPT_OUT_REPLIES if rng.random() < OPT_OUT_SHARE else NORMAL_REPLIES
                reply = pool[rng.randrange(len(pool))]
                reply_id = f"{rng.getrandbits(128):032X}"
                timeline.call_at(
                    now + read + net._latency(rng, REPLY_DELAY),
                    self._deliver_inbound,
                    peer,
                    reply,
                    reply_id,
                    None,
                )
        return SentMessage(wa_id, sent_at)

    async def is_on_whatsapp(self, phone: str) -> bool:
        if self._state is not BotState.ONLINE:
            raise self._not_online()
        try:
            return self._net._has_whatsapp(self._net._e164(phone))
        except SendError:
            return False

    async def logout(self) -> None:
        if not self.is_paired:
            raise AccountError(f"{self.bot_id} is not paired — nothing to log out")
        self._forget_session()
        self._set_state(BotState.LOGGED_OUT, "logged out by operator")

    async def stop(self) -> None:
        if self._state is BotState.STOPPED and not self._timeline:
            return
        self._timeline.clear()
        self._live_code = None
        self._set_state(BotState.STOPPED)

    # -- state machine -------------------------------------------------------------

    def _at(self) -> datetime:
        return self._net._clock.now()

    def _emit_event(self, event: AccountEvent) -> None:
        try:
            self._emit(event)
        except Exception:  # a consumer's bug must not break the simulated network
            log.exception("event handler failed for %s on %s", self.bot_id, type(event).__name__)

    def _set_state(
        self, state: BotState, detail: str | None = None, until: datetime | None = None
    ) -> None:
        self._epoch += 1
        self._state = state
        self._emit_event(
            StateChanged(self.bot_id, state=state, detail=detail, until=until, at=self._at())
        )
        if state is BotState.ONLINE:
            self._reconnect_attempt = 0
            rate = self._net.disconnect_rate
            if rate > 0:
                # Drops arrive as a Poisson process over online time.
                delay = self._line.link.expovariate(rate / 60.0) / self._net.speed
                self._timeline.call_later(
                    delay, self._drop, self._epoch, "connection closed by server"
                )
            held = self._line.held
            if held:
                self._line.held = []
                for callback, args in held:
                    callback(self, *args)

    def _not_online(self) -> NotConnectedError:
        bot = self.bot_id
        state = self._state
        if state is BotState.BANNED and self._line.banned_until_at is not None:
            return NotConnectedError(
                f"{bot} is banned until {_hhmm(self._line.banned_until_at)} — "
                "send from another bot or wait"
            )
        if state in (BotState.LOGGED_OUT, BotState.NOT_PAIRED):
            return NotConnectedError(not_paired_reason(bot, state))
        if state is BotState.STOPPED:
            return NotConnectedError(f"{bot} is not running — start the fleet first")
        return NotConnectedError(f"{bot} is not online ({state.value}) — wait until it connects")

    def _connected(self, epoch: int) -> None:
        if epoch != self._epoch:
            return
        line = self._line
        if line.banned_until is not None:
            if line.banned_until > self._net._now.now():
                self._enter_ban()  # WhatsApp repeats the ban on every connect
                return
            line.banned_until = line.banned_until_at = None
        self._set_state(BotState.ONLINE)

    def _drop(self, epoch: int, reason: str) -> None:
        if epoch != self._epoch or self._state is not BotState.ONLINE:
            return
        self._reconnect_attempt = 1
        self._wait_to_reconnect(reason)

    def _wait_to_reconnect(self, reason: str) -> None:
        wait = RECONNECT_STEP * self._reconnect_attempt
        self._set_state(
            BotState.RECONNECTING,
            f"reconnecting in {wait:g} s: {reason}",
            until=self._at() + self._net._real(wait),
        )
        self._timeline.call_later(wait / self._net.speed, self._reconnect, self._epoch)

    def _reconnect(self, epoch: int) -> None:
        if epoch != self._epoch:
            return
        link = self._line.link
        if self._reconnect_attempt < MAX_RECONNECT_ATTEMPTS and link.random() < RETRY_FAILS:
            self._reconnect_attempt += 1
            self._wait_to_reconnect("failed to dial whatsapp web websocket: i/o timeout")
            return
        self._connected(self._epoch)

    def _ban(self, now: float) -> None:
        net = self._net
        line = self._line
        minutes = line.link.randint(*BAN_MINUTES)
        line.banned_until = now + minutes * 60.0 / net.speed
        line.banned_until_at = self._at() + net._real(minutes * 60.0)
        line.sent.clear()
        self._enter_ban()

    def _enter_ban(self) -> None:
        line = self._line
        until = line.banned_until_at
        assert line.banned_until is not None and until is not None
        limit = self._net.ban_per_minute
        reason = f"more than {limit} messages in a minute"
        self._emit_event(
            Banned(self.bot_id, code=BAN_CODE, until=until, reason=reason, at=self._at())
        )
        self._set_state(
            BotState.BANNED,
            f"temporarily banned until {_hhmm(until)} (code {BAN_CODE}): {reason}",
            until=until,
        )
        self._timeline.call_at(line.banned_until, self._lift_ban, self._epoch)

    def _lift_ban(self, epoch: int) -> None:
        if epoch != self._epoch:
            return
        self._line.banned_until = self._line.banned_until_at = None
        self._set_state(BotState.ONLINE, "temporary ban lifted")

    def _forget_session(self) -> None:
        self._timeline.clear()
        self._live_code = None
        self._line.held.clear()  # an unlinked device gets nothing more
        self._net._delete_session(self.bot_id)

    def _remote_logout(self, reason: str) -> None:
        if not self.is_paired:
            return
        self._forget_session()
        self._emit_event(LoggedOut(self.bot_id, reason=reason, at=self._at()))
        self._set_state(BotState.LOGGED_OUT, reason)

    # -- pairing -------------------------------------------------------------------

    def _issue_qr(self, epoch: int, index: int) -> None:
        if epoch != self._epoch:
            return
        assert self._qr_keys is not None
        # whatsmeow's payload: ref,noise-key,identity-key,adv-secret (base64); the ref
        # comes from the server and is about 100 characters, "2@..." .
        ref = "2@" + _b64(self._line.pairing.randbytes(72))
        payload = ",".join((ref, *self._qr_keys))
        self._live_code = payload
        lifetime = QR_LIFETIMES[index] / self._net.speed
        self._emit_event(
            QRCodeIssued(
                self.bot_id, payload=payload, expires_in=lifetime, index=index, at=self._at()
            )
        )
        if index + 1 < len(QR_LIFETIMES):
            self._timeline.call_later(lifetime, self._issue_qr, epoch, index + 1)
        else:
            self._timeline.call_later(lifetime, self._pairing_timed_out, epoch)

    def _issue_pair_code(self, epoch: int) -> None:
        if epoch != self._epoch:
            return
        rng = self._line.pairing
        code = "".join(rng.choice(PAIR_CODE_ALPHABET) for _ in range(8))
        self._live_code = code
        window = PAIRING_WINDOW / self._net.speed
        self._emit_event(PairCodeIssued(self.bot_id, code=code, expires_in=window, at=self._at()))
        self._timeline.call_later(window, self._pairing_timed_out, epoch)

    def _pairing_timed_out(self, epoch: int) -> None:
        if epoch != self._epoch:
            return
        self._live_code = None
        self._emit_event(PairingTimedOut(self.bot_id, at=self._at()))
        self._set_state(BotState.NOT_PAIRED, PAIRING_TIMED_OUT)

    def _phone_confirms(self, method: PairMethod) -> bool:
        if (
            self._state is not BotState.WAITING_FOR_PHONE
            or self._pair_method is not method
            or self._live_code is None
        ):
            return False
        self._live_code = None
        self._timeline.clear()  # no more rotations, no timeout
        self._set_state(BotState.PAIRING, "phone linked, finishing pairing")
        self._timeline.call_later(
            self._net._latency(self._line.pairing, LINK_DELAY), self._paired, self._epoch
        )
        return True

    def _paired(self, epoch: int) -> None:
        if epoch != self._epoch:
            return
        device = self._line.pairing.randint(2, 40)
        jid = f"{self._pair_phone.lstrip('+')}:{device}@s.whatsapp.net"
        self._net._write_session(self.bot_id, phone=self._pair_phone, jid=jid)
        self._emit_event(PairingSucceeded(self.bot_id, jid=jid, at=self._at()))
        self._timeline.call_later(
            self._net._latency(self._line.link, CONNECT_DELAY), self._connected, epoch
        )

    # -- traffic -------------------------------------------------------------------

    def _deliver_receipt(self, wa_id: str, peer: str, status: MessageStatus) -> None:
        if self._state is not BotState.ONLINE:
            self._line.held.append((SimulatedAccount._deliver_receipt, (wa_id, peer, status)))
            return
        self._emit_event(
            ReceiptReceived(self.bot_id, wa_ids=(wa_id,), status=status, peer=peer, at=self._at())
        )

    def _deliver_inbound(self, peer: str, text: str, wa_id: str, sent_at: datetime | None) -> None:
        if sent_at is None:
            sent_at = self._at()
        if self._state is not BotState.ONLINE:
            self._line.held.append(
                (SimulatedAccount._deliver_inbound, (peer, text, wa_id, sent_at))
            )
            return
        self._emit_event(
            InboundMessage(
                self.bot_id,
                peer=peer,
                chat=_user_jid(peer),
                text=text,
                wa_id=wa_id,
                timestamp=sent_at,
                at=self._at(),
            )
        )
