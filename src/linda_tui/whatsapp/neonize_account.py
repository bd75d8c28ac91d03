"""One bot on the real WhatsApp, through neonize (the Python binding of whatsmeow).

One ``NewAClient`` per bot, its session in ``<sessions_dir>/<bot-id>.db`` (file 0600,
folder 0700). Every lifecycle event of the library becomes an ``AccountEvent``:

=====================  ==========================================================
neonize event          what the fleet sees
=====================  ==========================================================
QR (pairing, QR)       QRCodeIssued(index, expires_in 60 s then 20 s);
                       WAITING_FOR_PHONE at the first code
QR (pairing, phone)    PairPhone() at the first code -> PairCodeIssued(code);
                       WAITING_FOR_PHONE "enter the code on the phone of ..."
PairStatus success     PairingSucceeded(jid); PAIRING "phone linked, finishing pairing"
PairStatus error       PairingFailed(reason); NOT_PAIRED; client stopped
Connected              ONLINE (back-off reset)
Disconnected           RECONNECTING "connection lost" (whatsmeow reconnects by itself);
                       while pairing: the QR session is over, so retry with back-off
KeepAliveTimeout       RECONNECTING "connection unstable" (sends refused meanwhile)
KeepAliveRestored      ONLINE
LoggedOut(reason)      LoggedOut(reason, on_connect); LOGGED_OUT; client stopped
TemporaryBan           Banned(code, until); BANNED until; client stopped and
                       reconnected when the ban expires
ConnectFailure         RECONNECTING "reconnecting in N s: ..." (our back-off);
                       CLIENT_OUTDATED -> ERROR
ClientOutdated         ERROR "update neonize"; client stopped
StreamReplaced         ERROR "another connection took over this session"; stopped
Message                InboundMessage(peer E.164, text); protocol messages skipped
Receipt                ReceiptReceived: DELIVERED; READ and PLAYED -> READ;
                       SERVER_ERROR -> FAILED; receipts from our own devices skipped
=====================  ==========================================================

Quirks of neonize 0.5.2 handled here (checked against its source):
- ``connect()`` returns at once; offline, the task it starts fails with
  ``NeonizeError('failed to dial whatsapp web websocket ...')``. whatsmeow never retries
  a first connection, so ``_supervise`` does, with exponential back-off and jitter.
- Every connection attempt opens the session database again and never closes it (one
  file descriptor per attempt; ``get_all_devices_from_db`` too). Retries therefore
  first check with a plain TCP connection that WhatsApp Web is reachable, and
  ``is_paired`` asks the database once and then follows the events.
- ``Neonize()`` blocks for the client's whole life; after ``Stop()`` during a QR
  session it only returns once the QR codes run out (up to 160 s). On a black-holed
  network the dial hangs for minutes, and ``Stop()`` blocks as long (it waits for the
  socket lock); neonize then calls ``Stop()`` synchronously on the event loop when its
  connect task is cancelled, and again at interpreter exit. Here both calls run on
  daemon threads of their own, stop() waits at most STOP_TIMEOUT and then abandons the
  connection instead of cancelling neonize's task, the exit-time finaliser is removed
  once we stopped the client, and an attempt silent for CONNECT_TIMEOUT is given up.
- Calls into Go for a client that is not registered there (not connecting yet, or
  stopped) dereference a nil pointer and crash the process: sending, checking numbers,
  logging out and phone pairing happen only while the client is connected.
- Exceptions in handlers vanish inside ``run_coroutine_threadsafe``: every handler is
  wrapped and logs with traceback to ``linda.whatsapp.<bot-id>``.
- Importing neonize calls ``logging.basicConfig(INFO)``: neonize is imported lazily, on
  first use, after the app configured logging (``prepare_neonize_logging``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
import stat
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment  # type: ignore[attr-defined]

from linda_tui.clock import Clock, SystemClock
from linda_tui.models import BotState, MessageStatus
from linda_tui.phones import InvalidPhoneError, mask_phone, to_e164
from linda_tui.private_files import (
    ensure_folder,
    file_problem,
    open_private,
    refuse_unsafe_file,
)
from linda_tui.sqlite_files import SQLITE_HEADER, SQLITE_SIDE_FILES
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
    SentMessage,
    StateChanged,
    WhatsAppAccount,
    already_paired,
    not_paired_reason,
    session_damaged,
)
from linda_tui.whatsapp.backoff import ExponentialBackoff

if TYPE_CHECKING:
    from neonize.aioze.client import NewAClient

WHATSAPP_HOST = "web.whatsapp.com"
WHATSAPP_PORT = 443
FIRST_QR_SECONDS = 60.0  # whatsmeow: the first code lasts 60 s, the next five 20 s each
NEXT_QR_SECONDS = 20.0
STOP_TIMEOUT = 5.0  # bound on every stop of a Go client
CONNECT_TIMEOUT = 30.0  # an attempt that says nothing for this long has hung
SEND_TIMEOUT = 90.0
QUERY_TIMEOUT = 30.0
PROBE_TIMEOUT = 10.0

_CLIENT_SEQ = itertools.count(1)

# Media without a caption still tells the operator something arrived.
_MEDIA_LABELS = (
    ("imageMessage", "[image]"),
    ("videoMessage", "[video]"),
    ("ptvMessage", "[video note]"),
    ("audioMessage", "[audio]"),
    ("documentMessage", "[document]"),
    ("stickerMessage", "[sticker]"),
    ("contactMessage", "[contact]"),
    ("contactsArrayMessage", "[contacts]"),
    ("locationMessage", "[location]"),
    ("liveLocationMessage", "[live location]"),
    ("pollCreationMessage", "[poll]"),
    ("pollCreationMessageV3", "[poll]"),
)

_LOGOUT_REASONS = {
    "GENERIC": "WhatsApp ended the session",
    "LOGGED_OUT": "the device was unlinked from the phone",
    "TEMP_BANNED": "the number is temporarily banned",
    "MAIN_DEVICE_GONE": "WhatsApp on the phone was removed or re-registered",
    "UNKNOWN_LOGOUT": "WhatsApp logged this device out",
    "CLIENT_OUTDATED": "WhatsApp rejected this client version as outdated",
    "BAD_USER_AGENT": "WhatsApp rejected this client",
    "INTERNAL_SERVER_ERROR": "WhatsApp server error",
    "EXPERIMENTAL": "WhatsApp refused the connection (experimental)",
    "SERVICE_UNAVAILABLE": "WhatsApp is unavailable",
}

_BAN_REASONS = {
    "SEND_TO_TOO_MANY_PEOPLE": "sent to too many people",
    "BLOCKED_BY_USERS": "blocked by too many people",
    "CREATED_TOO_MANY_GROUPS": "created too many groups",
    "SENT_TOO_MANY_SAME_MESSAGE": "sent the same message too many times",
    "BROADCAST_LIST": "broadcast list misuse",
}

_UPDATE_NEONIZE = "WhatsApp rejected this client version as outdated — update neonize"


# -- neonize, imported on first use ---------------------------------------------------


def prepare_neonize_logging() -> None:
    """Make importing neonize harmless to logging.

    neonize calls ``logging.basicConfig(level=INFO)`` at import, which would print
    every library message on the terminal if the root logger had no handler yet. The
    app configures logging before the first account starts; if nothing is configured at
    that point, a NullHandler on the root turns that basicConfig into a no-op. Also asks
    the Go side for INFO and up (by default it ships every debug line across cgo).
    """
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())
    go_level = logging.getLogger("neonize.utils.log")
    if go_level.level == logging.NOTSET:
        go_level.setLevel(logging.INFO)


@functools.cache
def _lib() -> SimpleNamespace:
    """neonize's pieces, imported once, after ``prepare_neonize_logging``."""
    prepare_neonize_logging()
    from neonize import _binder
    from neonize.aioze import client as aclient
    from neonize.aioze import events as aevents
    from neonize.exc import NeonizeError
    from neonize.proto import Neonize_pb2
    from neonize.proto.waE2E.WAWebProtobufsE2E_pb2 import Message as E2EMessage
    from neonize.utils import ClientName, Jid2String, build_jid, extract_text

    return SimpleNamespace(
        NewAClient=aclient.NewAClient,
        ClientFactory=aclient.ClientFactory,
        async_gocode=aclient.async_gocode,
        gocode=_binder.gocode,
        events_module=aevents,
        ev=aevents,
        proto=Neonize_pb2,
        E2EMessage=E2EMessage,
        NeonizeError=NeonizeError,
        ClientName=ClientName,
        Jid2String=Jid2String,
        build_jid=build_jid,
        extract_text=extract_text,
    )


def _bind_neonize_to_running_loop() -> None:
    """neonize dispatches Go callbacks to the first loop that ever connected. A process
    that runs a second loop after the first closed (tests, a CLI command after another)
    would have its events sent to a dead loop; point neonize at the live one."""
    module = _lib().events_module
    current = module.event_global_loop
    if current is None or current.is_closed():
        module.event_global_loop = asyncio.get_running_loop()


class ConnectionAbandoned(Exception):
    """The account gave up waiting for a neonize connection (it was stopped)."""


class _OwnThreadGoCode:
    """Stands in for neonize's GoCode proxy on one client.

    ``Neonize()`` blocks for the client's whole life and ``Stop()`` blocks for as long
    as a dial hangs (it waits for the socket lock ``Connect()`` holds): both run on
    daemon threads of their own, so neither holds the default executor, the event loop
    or interpreter exit. Every other Go call goes through neonize's proxy as usual.
    """

    def __init__(self, proxy: Any, gocode: Any, thread_name: str) -> None:
        self._proxy = proxy
        self._gocode = gocode
        self._thread_name = thread_name
        self._connection: asyncio.Future[Any] | None = None
        self._stop: asyncio.Future[Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._proxy, name)

    def Neonize(self, *args: Any) -> asyncio.Future[Any]:  # noqa: N802 - the Go export's name
        self._connection = self._on_own_thread("Neonize", args)
        return self._connection

    def Stop(self, *args: Any) -> asyncio.Future[Any]:  # noqa: N802 - the Go export's name
        # Once per client: two Stop() calls would delete the same key of Go's client
        # map from two threads. Shielded, so a caller that stops waiting cancels nothing.
        if self._stop is None:
            self._stop = self._on_own_thread("Stop", args)
        return asyncio.shield(self._stop)

    def abandon(self) -> None:
        """End the wait on ``Neonize()`` now; whatever it returns later is dropped.
        neonize's own way out (cancelling its task) calls Go's Stop() synchronously on
        the event loop, which hangs as long as a dial does."""
        if self._connection is not None and not self._connection.done():
            self._connection.set_exception(ConnectionAbandoned())

    def _on_own_thread(self, name: str, args: tuple[Any, ...]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        call = getattr(self._gocode, name)

        def run() -> None:
            result: Any = None
            error: BaseException | None = None
            try:
                result = call(*args)
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
                error = exc
            # The loop may be gone by now (process exit): nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, result, error)

        threading.Thread(target=run, name=f"{self._thread_name}-{name}", daemon=True).start()
        return future


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Done callback: mark a result nobody awaits as seen (no 'never retrieved')."""
    if not task.cancelled():
        task.exception()


def _run_on_own_thread(client: NewAClient, thread_name: str) -> bool:
    """Give ``client`` a dedicated daemon thread for ``Neonize()``. False (and neonize's
    default behaviour) if this neonize no longer has the private attribute."""
    attribute = "_NewAClient__client"
    if not hasattr(client, attribute):
        return False
    lib = _lib()
    setattr(client, attribute, _OwnThreadGoCode(lib.async_gocode, lib.gocode, thread_name))
    return True


def _runner_of(client: NewAClient) -> _OwnThreadGoCode | None:
    runner = getattr(client, "_NewAClient__client", None)
    return runner if isinstance(runner, _OwnThreadGoCode) else None


def size_default_executor(loop: asyncio.AbstractEventLoop, n_clients: int) -> ThreadPoolExecutor:
    """Install a default executor sized for a fleet of ``n_clients`` neonize clients.

    Every Go call of neonize (send, check a number, stop...) runs on the loop's default
    executor, and stock neonize also parks one thread there per live client for the
    client's whole life; the default pool (cpus + 4) would starve with a few bots and
    ``stop()`` would wait for a thread. Call once at start-up, before any client starts.
    """
    headroom = min(32, (os.cpu_count() or 1) + 4)
    executor = ThreadPoolExecutor(
        max_workers=2 * max(0, n_clients) + headroom, thread_name_prefix="linda-io"
    )
    loop.set_default_executor(executor)
    return executor


# -- small pure helpers ---------------------------------------------------------------


def short_reason(error: BaseException | str, limit: int = 160) -> str:
    """One line an operator can read, from a Go error chain such as 'failed to dial
    whatsapp web websocket: failed to WebSocket dial: ...: lookup web.whatsapp.com on
    10.0.0.53:53: no such host' -> its first and last two links."""
    text = " ".join(str(error).split()) or type(error).__name__
    parts = text.split(": ")
    if len(parts) > 3:
        text = ": ".join([parts[0], *parts[-2:]])
    return text if len(text) <= limit else text[: limit - 1] + "…"


# whatsmeow's SendMessage errors that come before the message frame is written (the
# recipient's devices not found, no Signal session, not logged in, the frame not
# written at all): the message certainly did not leave. neonize hands Go errors over
# as text only (SendMessageError(model.Error)), so whatsmeow's sentinel texts are the
# one place this can be told; anything else (the wait for the server's ack timed out,
# "websocket disconnected before message send returned response", a context ended,
# an error never seen before) may have left, and is uncertain.
_BEFORE_HAND_OFF = (
    "failed to send message node",
    "the store doesn't contain a device jid",
    "failed to resolve lid for pn",
    "failed to get user info for",
    "failed to get lid for pn",
    "no lid found for",
    "failed to get device list",
    "failed to get group members",
    "failed to get broadcast list members",
    "can't encrypt message for device",
    "failed to marshal message",
    "failed to encrypt",
    "client is nil",
)
# The socket is not open (whatsmeow checks first thing, when it looks the recipient up,
# and as it writes the frame): the bot is offline and the message never left; another
# bot may send it. (A retry after a reconnect can also end so, in a window of
# microseconds.)
_NOT_CONNECTED = "websocket not connected"
# The server's error reply to the message (``ErrServerReturnedError``, "server returned
# error 479"): WhatsApp answered, and refused it.
_REFUSED = "server returned error"


def send_failure(error: BaseException, peer: str) -> AccountError:
    """What a failed ``send_message`` means for the message: NotConnectedError when the
    socket was not open (it never left), SendError when it certainly did not reach the
    person (stopped before it left, or refused by WhatsApp's error reply),
    SendUncertainError when it may have (timed out, connection lost after it was
    handed over, anything unknown)."""
    if isinstance(error, TimeoutError):
        return SendUncertainError(
            f"WhatsApp did not confirm the message to {peer} within {SEND_TIMEOUT:.0f} s"
        )
    reason = short_reason(error)
    text = " ".join(str(error).split()).lower()
    if text.endswith(_NOT_CONNECTED):
        return NotConnectedError(f"not connected to WhatsApp: {reason}")
    if text.startswith(_REFUSED) or f": {_REFUSED}" in text:
        return SendError(f"WhatsApp refused the message: {reason}")
    if any(text.startswith(marker) for marker in _BEFORE_HAND_OFF):
        return SendError(f"the message did not leave: {reason}")
    return SendUncertainError(f"WhatsApp did not confirm the message to {peer}: {reason}")


def _seconds(delay: float) -> str:
    return f"{delay:.1f}" if delay < 1 else f"{delay:.0f}"


def _from_unix(value: int, fallback: datetime) -> datetime:
    """neonize sends message times in milliseconds and most others in seconds."""
    if value <= 0:
        return fallback
    seconds = value / 1000 if value > 10**11 else float(value)
    return datetime.fromtimestamp(seconds, UTC)


def _phone_of(jid: Any) -> str | None:
    """E.164 of a phone-number JID (971501234567@s.whatsapp.net); None for anything
    else (hidden-number 'lid' JIDs, groups, broadcasts)."""
    user = jid.User
    if jid.Server in ("s.whatsapp.net", "c.us") and user.isdigit():
        return "+" + str(user)
    return None


def _peer_of(source: Any) -> str | None:
    """The other side's E.164 for a message or receipt source, trying the phone-number
    alternatives WhatsApp gives when a chat is addressed by hidden id."""
    candidates: tuple[Any, ...]
    if source.IsGroup:
        candidates = (source.Sender, source.SenderAlt)
    elif source.IsFromMe:
        candidates = (source.Chat, source.RecipientAlt)
    else:
        candidates = (source.Chat, source.Sender, source.SenderAlt)
    for jid in candidates:
        phone = _phone_of(jid)
        if phone:
            return phone
    return None


def _message_text(message: Any) -> str:
    """The text of a message, a label such as '[image]' for media without a caption,
    or '' for what is not for people (receipts, reactions, key exchanges...)."""
    text = _lib().extract_text(message)
    if text:
        return str(text)
    for field, label in _MEDIA_LABELS:
        with contextlib.suppress(ValueError):  # a field this protobuf does not have
            if message.HasField(field):
                return label
    return ""


def _enum_name(message: Any, field: str) -> str:
    if not message.HasField(field):
        return ""
    descriptor = message.DESCRIPTOR.fields_by_name[field].enum_type
    value = descriptor.values_by_number.get(getattr(message, field))
    return value.name if value is not None else str(getattr(message, field))


def dial_target() -> tuple[str, int]:
    """Where whatsmeow's websocket goes first: the HTTPS proxy from the environment (Go
    honours HTTPS_PROXY / NO_PROXY) or WhatsApp Web itself."""
    proxy = getproxies_environment().get("https")
    if proxy and not proxy_bypass_environment(WHATSAPP_HOST):
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if parts.hostname:
            default = 443 if parts.scheme == "https" else 1080 if "socks" in parts.scheme else 80
            return parts.hostname, parts.port or default
    return WHATSAPP_HOST, WHATSAPP_PORT


async def probe_whatsapp(timeout: float = PROBE_TIMEOUT) -> str | None:
    """None when a TCP connection to WhatsApp Web (or the HTTPS proxy) opens, else the
    reason it does not. Cheap, and unlike a neonize attempt it leaks nothing."""
    host, port = dial_target()
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except TimeoutError:
        return f"cannot reach {host}:{port} (no answer in {timeout:.0f} s)"
    except OSError as exc:
        # asyncio words a refused connection "Connect call failed ('127.0.0.1', 9)"
        # (errno 111); a DNS failure carries its own words and a negative errno.
        errno = exc.errno if isinstance(exc.errno, int) else 0
        reason = os.strerror(errno) if errno > 0 else exc.strerror or str(exc)
        return f"cannot reach {host}:{port} ({reason})"
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return None


# -- the session file ------------------------------------------------------------------

# Sessions up to this size get SQLite's quick_check whenever a bot's pairing is first
# asked (before the console's first frame, about 1.6 ms a MB); larger ones only in
# `linda doctor` (full=True), so a fleet of big sessions still starts at once.
SESSION_QUICK_CHECK_BYTES = 16 * 1024 * 1024


def session_file_damage(path: Path, *, full: bool = False) -> str | None:
    """Why an existing session file cannot be used (None when it can, or is missing or
    empty): a link or anything but a regular file of the user's, a file that is not
    SQLite, or one whose pages fail SQLite's quick_check (always with ``full``, else up
    to SESSION_QUICK_CHECK_BYTES). Reads only, never waits, changes nothing."""
    for suffix in ("", *SQLITE_SIDE_FILES):
        what = f"session's {suffix} file" if suffix else "session file"
        problem = file_problem(f"{path}{suffix}", what)
        if problem is not None:
            return problem.problem
    try:  # looked at, not changed: doctor reads sessions through here too
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped since it was looked at
            return "not a regular file"
        header = os.read(fd, len(SQLITE_HEADER))
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    finally:
        os.close(fd)
    if not header:
        return None  # made by Linda just before a pairing that never finished
    if header != SQLITE_HEADER:
        return "not a SQLite database"
    if not full and info.st_size > SESSION_QUICK_CHECK_BYTES:
        return None
    import sqlite3  # only here: the console does not need it for its first frame

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return None  # locked, or a journal to roll back first: neonize will tell
    except sqlite3.DatabaseError as exc:
        return f"SQLite: {' '.join(str(exc).split())}"
    if rows != [("ok",)]:
        first = " ".join(str(rows[0][0]).split())[:120] if rows else "no answer"
        return f"SQLite's integrity check: {first}"
    return None


# -- the account ----------------------------------------------------------------------


class NeonizeAccount(WhatsAppAccount):
    """One bot's real WhatsApp connection (see the module docstring for the event map)."""

    def __init__(
        self,
        bot_id: str,
        phone: str,
        emit: Emit,
        sessions_dir: Path,
        *,
        clock: Clock | None = None,
        qr_timeout: float = 160.0,
        backoff: ExponentialBackoff | None = None,
    ) -> None:
        super().__init__(bot_id, phone, emit)
        self.sessions_dir = Path(sessions_dir)
        self.session_path = self.sessions_dir / f"{bot_id}.db"
        self.qr_timeout = qr_timeout
        self._clock = clock or SystemClock()
        self._backoff = backoff or ExponentialBackoff()
        self._log = logging.getLogger(f"linda.whatsapp.{bot_id}")
        self._client: NewAClient | None = None
        # True from connect() until we stop the client: exactly while the Go side knows
        # it. Go calls for a client it does not know crash the whole process.
        self._live = False
        self._heard = asyncio.Event()  # set by every event of the current client
        self._attempts: list[NewAClient] = []  # clients whose connection still runs
        self._supervisor: asyncio.Task[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._pairing_ends_at = 0.0  # loop time at which the pairing window closes
        self._tasks: set[asyncio.Task[Any]] = set()
        self._state = BotState.STOPPED
        self._detail: str | None = None
        self._online = False
        self._paired: bool | None = None  # asked from the database once, then from events
        self._session_damage: str | None = None  # why the session file cannot be used
        self._pairing: PairMethod | None = None
        self._pair_phone = phone
        self._qr_index = 0
        self._resume_at: float | None = None  # loop time to reconnect after a halt
        self._operator_logout = False
        self._on_whatsapp = OnWhatsAppCache(limit=10_000)

    # -- read-only views -----------------------------------------------------------

    @property
    def state(self) -> BotState:
        """The state last reported through StateChanged."""
        return self._state

    @property
    def detail(self) -> str | None:
        """The detail of the last StateChanged."""
        return self._detail

    @property
    def client(self) -> NewAClient | None:
        """The neonize client of the current connection attempt, if any."""
        return self._client

    @property
    def is_paired(self) -> bool:
        if self._paired is None:
            self._paired = self._read_paired()
        return self._paired

    @property
    def session_damage(self) -> str | None:
        """Why the session file exists but cannot be used (the state detail), or None."""
        _ = self.is_paired
        return self._session_damage

    def _read_paired(self) -> bool:
        """Whether the session file holds a linked device. A file that exists but cannot
        be used (a link, not a regular file, damaged) is not paired, and says why in
        ``_session_damage``: never "not paired" alone, which would invite pairing over it."""
        path = self.session_path
        self._session_damage = None
        damage = session_file_damage(path)
        if damage is not None:
            self._session_damage = session_damaged(path, damage)
            self._log.warning("%s", self._session_damage)
            return False
        # Asking neonize about a missing or empty file would write its schema: never do that.
        try:
            if path.stat().st_size == 0:
                return False
        except FileNotFoundError:
            return False
        try:
            devices = _lib().ClientFactory.get_all_devices_from_db(str(path))
        except Exception as exc:  # neonize parses "error: ..." as a device and fails
            self._session_damage = session_damaged(
                path, f"neonize cannot read it: {short_reason(exc)}"
            )
            self._log.warning("%s", self._session_damage)
            return False
        return bool(devices)

    # -- WhatsAppAccount -----------------------------------------------------------

    async def start(self) -> None:
        if self._running():
            return
        if not self.is_paired:
            if self._session_damage is not None:
                self._set_state(BotState.ERROR, self._session_damage)
                return
            self._set_state(BotState.NOT_PAIRED, NOT_PAIRED_DETAIL)
            return
        self._set_state(BotState.CONNECTING, "connecting to WhatsApp")
        self._launch()

    async def pair(self, method: PairMethod = PairMethod.QR, phone: str | None = None) -> None:
        if self.is_paired:
            raise AccountError(already_paired(self.bot_id))
        if self._session_damage is not None:
            raise AccountError(f"{self.bot_id}: {self._session_damage}")
        method = PairMethod(method)
        target = self.phone
        if phone is not None:
            try:
                target = to_e164(phone)
            except InvalidPhoneError as exc:
                raise AccountError(str(exc)) from None
        if self._running():
            await self._shutdown_connection()
        self._pairing = method
        self._pair_phone = target
        self._set_state(BotState.CONNECTING, "connecting to WhatsApp to pair")
        self._launch()
        # Counts from now while no code has come (offline), from the first code after.
        self._arm_watchdog(self.qr_timeout)

    async def cancel_pairing(self) -> None:
        if self._pairing is None:
            return
        self._pairing = None
        await self._shutdown_connection()
        self._send(PairingFailed(self.bot_id, reason="pairing cancelled", at=self._now()))
        self._set_state(BotState.NOT_PAIRED, "pairing cancelled")

    async def send_text(self, to: str, text: str) -> SentMessage:
        self._connected_client()  # not online: say so before judging the input
        if not isinstance(text, str) or not text.strip():
            raise SendError("message text is empty — write something to send")
        if len(text) > MAX_TEXT_CHARS:
            raise SendError(
                f"message is {len(text):,} characters; WhatsApp allows at most 65,536 — shorten it"
            )
        peer = self._e164(to)
        try:
            on_whatsapp = await self.is_on_whatsapp(peer)
        except NotConnectedError:
            raise
        except AccountError as exc:
            raise SendError(str(exc)) from None
        if not on_whatsapp:
            raise NotOnWhatsAppError(f"{peer} is not on WhatsApp — check the number")
        client = self._connected_client()  # the check above awaited: still online?
        lib = _lib()
        # A plain conversation message: neonize's str path would parse "@123" as
        # mentions and look up groups.
        message = lib.E2EMessage(conversation=text)
        try:
            response = await asyncio.wait_for(
                client.send_message(lib.build_jid(peer[1:]), message), SEND_TIMEOUT
            )
        except Exception as exc:  # a timeout, SendMessageError and the rest of NeonizeError
            failure = send_failure(exc, peer)
            masked = mask_phone(peer)  # the log names a number by its last digits
            self._log.warning(
                "sending to %s failed: %s", masked, str(failure).replace(peer, masked)
            )
            raise failure from None
        return SentMessage(wa_id=response.ID, timestamp=_from_unix(response.Timestamp, self._now()))

    async def is_on_whatsapp(self, phone: str) -> bool:
        client = self._connected_client()
        try:
            peer = self._e164(phone)
        except SendError:
            return False
        loop = asyncio.get_running_loop()
        cached = self._on_whatsapp.get(peer, loop.time())
        if cached is not None:
            return cached
        try:
            answers = await asyncio.wait_for(client.is_on_whatsapp(peer), QUERY_TIMEOUT)
        except TimeoutError:
            raise AccountError(f"WhatsApp did not answer whether {peer} is on WhatsApp") from None
        except Exception as exc:
            raise AccountError(
                f"could not check whether {peer} is on WhatsApp: {short_reason(exc)}"
            ) from None
        found = any(answer.IsIn for answer in answers)
        self._on_whatsapp.put(peer, found, loop.time())
        return found

    async def logout(self) -> None:
        if not self.is_paired and not self._online:
            raise AccountError(f"{self.bot_id} is not paired — nothing to log out")
        problem = "not connected"
        told = False
        client = self._client
        if client is not None and self._online and self._live:
            self._online = False
            # whatsmeow may report its own logout as a LoggedOut event: not news.
            self._operator_logout = True
            try:
                await asyncio.wait_for(client.logout(), QUERY_TIMEOUT)
                told = True
            except Exception as exc:
                problem = short_reason(exc)
                self._log.warning("WhatsApp did not take the logout: %s", exc)
        try:
            await self._shutdown_connection()
        finally:
            self._operator_logout = False
        self._forget_session()
        if told:
            self._set_state(BotState.LOGGED_OUT, "logged out by operator")
        else:
            self._set_state(
                BotState.LOGGED_OUT,
                f"logged out here only, WhatsApp was not told ({problem}) — "
                "remove the device under Linked devices on the phone",
            )

    async def stop(self) -> None:
        was_running = self._running() or self._online
        self._pairing = None
        await self._shutdown_connection()
        if was_running and self._state is not BotState.STOPPED:
            self._set_state(BotState.STOPPED)

    # -- connection life -----------------------------------------------------------

    def _running(self) -> bool:
        return self._supervisor is not None and not self._supervisor.done()

    def _launch(self) -> None:
        self._supervisor = self._spawn(self._supervise(), "connection supervisor")

    def _spawn(self, coro: Awaitable[Any], what: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                self._log.error("%s crashed", what, exc_info=finished.exception())

        task.add_done_callback(done)
        return task

    async def _supervise(self) -> None:
        """Run connection attempts until stopped: a first connection that fails is
        retried with back-off; a halt that set ``_resume_at`` (ban expiry, connect
        failure) reconnects at that time; any other halt ends the supervision."""
        try:
            await self._connection_loop()
        except Exception as exc:  # e.g. neonize cannot load: say so instead of hanging
            self._log.exception("the connection supervisor failed")
            self._online = False
            self._set_state(BotState.ERROR, f"WhatsApp client failed: {short_reason(exc)}")

    async def _connection_loop(self) -> None:
        loop = asyncio.get_running_loop()
        reason: str | None = None
        while True:
            if reason is not None:
                await self._wait_until_reachable(reason)
                self._set_state(BotState.CONNECTING, "connecting to WhatsApp")
            reason = None
            self._resume_at = None
            self._qr_index = 0
            previous = self._client
            if previous is not None and self._live:
                # A failed attempt stays registered on the Go side until stopped.
                await self._stop_go_client(previous)
            client = self._client = self._new_client()
            self._prepare_session_file()
            _bind_neonize_to_running_loop()
            self._heard = asyncio.Event()
            self._live = True
            try:
                connection = await client.connect()
                connection.add_done_callback(_retrieve)
                self._attempts.append(client)
                connection.add_done_callback(lambda _, c=client: self._forget_attempt(c))
                if not await self._first_sign_of_life(connection):
                    # A black-holed network: the dial hangs for minutes. Give up on
                    # this attempt (its thread ends whenever the dial does).
                    await self._stop_go_client(client)
                    reason = f"no answer from WhatsApp in {CONNECT_TIMEOUT:.0f} s"
                    self._log.warning("connecting to WhatsApp: %s", reason)
                    continue
                # Shielded: cancelling neonize's task makes it call Go's Stop() on the
                # loop thread, which blocks while a dial hangs. stop() abandons instead.
                await asyncio.shield(connection)
            except ConnectionAbandoned:
                pass  # stopped by us: handled below like any other stop
            except Exception as exc:  # offline: NeonizeError('failed to dial ...')
                self._online = False
                reason = short_reason(exc)
                self._log.warning("connecting to WhatsApp failed: %s", exc)
                continue
            finally:
                self._secure_session_file()
            # The connection ended without an error: the client was stopped on purpose.
            if self._resume_at is None:
                return
            await asyncio.sleep(max(0.0, self._resume_at - loop.time()))
            self._set_state(BotState.CONNECTING, "connecting to WhatsApp")

    async def _first_sign_of_life(self, connection: asyncio.Future[Any]) -> bool:
        """Wait until the attempt ends or the client reports anything (QR code,
        Connected, a failure...), at most CONNECT_TIMEOUT. False if neither happened."""
        heard = asyncio.ensure_future(self._heard.wait())
        try:
            await asyncio.wait(
                {connection, heard}, timeout=CONNECT_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            heard.cancel()
        return connection.done() or self._heard.is_set()

    async def _wait_until_reachable(self, reason: str) -> None:
        """Back off, visibly; before the next real attempt make sure WhatsApp Web
        answers at all (each neonize attempt costs a file descriptor)."""
        while True:
            delay = self._announce_retry(reason)
            await asyncio.sleep(delay)
            problem = await probe_whatsapp()
            if problem is None:
                return
            self._log.info("still offline: %s", problem)
            reason = problem

    def _announce_retry(self, reason: str) -> float:
        """The next back-off delay, shown as RECONNECTING "reconnecting in N s: reason"
        until the attempt; the caller schedules the attempt itself."""
        delay = self._backoff.next_delay()
        now = self._now()
        self._set_state(
            BotState.RECONNECTING,
            f"reconnecting in {_seconds(delay)} s: {reason}",
            until=now + timedelta(seconds=delay),
            at=now,
        )
        return delay

    def _arm_watchdog(self, delay: float) -> None:
        """(Re)start the pairing watchdog: pairing ends ``delay`` seconds from now."""
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._pairing_ends_at = asyncio.get_running_loop().time() + delay
        self._watchdog = self._spawn(self._watch_pairing(delay), "pairing watchdog")

    async def _watch_pairing(self, delay: float) -> None:
        """End a pairing nobody completed: whatsmeow stops rotating codes after about
        160 s without telling Python."""
        await asyncio.sleep(delay)
        self._watchdog = None  # the shutdown below must not cancel this very task
        self._pairing = None
        await self._shutdown_connection()
        self._send(PairingTimedOut(self.bot_id, at=self._now()))
        self._set_state(BotState.NOT_PAIRED, PAIRING_TIMED_OUT)

    def _forget_attempt(self, client: NewAClient) -> None:
        with contextlib.suppress(ValueError):
            self._attempts.remove(client)

    def _halt(self, what: str, resume_in: float | None = None) -> None:
        """Stop the Go client from inside an event (ban, logout, takeover...). With
        ``resume_in`` the supervisor connects again after that many seconds. The client
        is retired at once (no sends, late events ignored); Go stops it right after."""
        loop = asyncio.get_running_loop()
        self._online = False
        self._resume_at = None if resume_in is None else loop.time() + max(0.0, resume_in)
        client = self._client
        if client is not None and self._live:
            self._live = False
            self._spawn(self._stop_go_client(client), what)

    async def _shutdown_connection(self) -> None:
        """Stop the supervisor, the watchdog and helpers first (so no new attempt
        starts), then every Go client whose connection may still run; bounded."""
        self._online = False
        self._resume_at = None
        self._watchdog = None
        current = asyncio.current_task()
        pending = [task for task in self._tasks if task is not current and not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            _, stuck = await asyncio.wait(pending, timeout=STOP_TIMEOUT)
            if stuck:
                self._log.warning("%d task(s) did not stop in %.0f s", len(stuck), STOP_TIMEOUT)
        self._supervisor = None
        clients = list(self._attempts)
        if self._client is not None and self._live and self._client not in clients:
            clients.append(self._client)  # a failed attempt stays registered in Go
        if clients:
            await asyncio.gather(*(self._stop_go_client(client) for client in clients))

    async def _stop_go_client(self, client: NewAClient) -> None:
        """Stop a Go client, waiting at most STOP_TIMEOUT; then stop waiting for its
        connection whatever the Go side does (it finishes on its own thread)."""
        if client is self._client:
            self._live = False
        # neonize also stops the client when the object is collected or at interpreter
        # exit, synchronously: with a hanging dial that would block there. We stop it
        # now, on a thread of its own, so that safety net must go.
        finalizer = getattr(client, "_stop_finalizer", None)
        if finalizer is not None:
            finalizer.detach()
        try:
            await asyncio.wait_for(client.stop(), STOP_TIMEOUT)
        except TimeoutError:
            self._log.warning(
                "the Go client did not stop within %.0f s (a dial is hanging); "
                "leaving it to finish on its own thread",
                STOP_TIMEOUT,
            )
        except Exception:
            self._log.exception("stopping the neonize client failed")
        runner = _runner_of(client)
        if runner is not None:
            runner.abandon()

    def _new_client(self) -> NewAClient:
        """A fresh neonize client with every handler registered. One per connection
        attempt: a stopped QR session keeps calling its own client for a while, and
        handlers ignore clients that are no longer current."""
        lib = _lib()
        ev = lib.ev
        uuid = f"linda-{self.bot_id}-{next(_CLIENT_SEQ)}"
        client = lib.NewAClient(name=str(self.session_path), uuid=uuid)
        if not _run_on_own_thread(client, f"neonize-{self.bot_id}"):
            self._log.warning("this neonize cannot run a client on its own thread")
        # Before connect(), or neonize prints the QR code on stdout itself.
        client.event.qr(self._handler("QR", self._on_qr))
        handlers: tuple[tuple[Any, Callable[[Any], Awaitable[None]]], ...] = (
            (ev.ConnectedEv, self._on_connected),
            (ev.DisconnectedEv, self._on_disconnected),
            (ev.LoggedOutEv, self._on_logged_out),
            (ev.ConnectFailureEv, self._on_connect_failure),
            (ev.ClientOutdatedEv, self._on_client_outdated),
            (ev.StreamReplacedEv, self._on_stream_replaced),
            (ev.TemporaryBanEv, self._on_temporary_ban),
            (ev.KeepAliveTimeoutEv, self._on_keepalive_timeout),
            (ev.KeepAliveRestoredEv, self._on_keepalive_restored),
            (ev.PairStatusEv, self._on_pair_status),
            (ev.MessageEv, self._on_message),
            (ev.ReceiptEv, self._on_receipt),
        )
        for event_type, method in handlers:
            client.event(event_type)(self._handler(event_type.__name__, method))
        return client

    def _handler(
        self, name: str, method: Callable[[Any], Awaitable[None]]
    ) -> Callable[[Any, Any], Awaitable[None]]:
        """Wrap an event handler: neonize drops whatever a handler raises."""

        async def handle(client: Any, payload: Any) -> None:
            if client is not self._client or not self._live:
                self._log.debug("ignoring %s from a retired client", name)
                return
            self._heard.set()
            try:
                await method(payload)
            except Exception:
                self._log.exception("handling the %s event failed", name)

        return handle

    # -- session file --------------------------------------------------------------

    def _prepare_session_file(self) -> None:
        """Folder 0700 and file 0600 before neonize opens it (SQLite creates its
        journals with the database file's mode). Go's SQLite follows links, so the file
        and its journals must not be links: refused (UnsafePathError) like every
        private file (see linda_tui.private_files)."""
        ensure_folder(self.sessions_dir, "sessions folder", private=True)
        for suffix in SQLITE_SIDE_FILES:
            refuse_unsafe_file(f"{self.session_path}{suffix}", f"session's {suffix} file")
        os.close(open_private(self.session_path, os.O_RDONLY, "session file"))

    def _secure_session_file(self) -> None:
        """Tighten the session file to 0600 if something loosened it; never through a
        link, and only a regular file of the user's."""
        try:
            os.close(open_private(self.session_path, os.O_RDONLY, "session file", create=False))
        except FileNotFoundError:
            pass
        except OSError as exc:
            self._log.warning("cannot make %s private: %s", self.session_path, exc)

    def _forget_session(self) -> None:
        for suffix in ("", *SQLITE_SIDE_FILES):
            Path(f"{self.session_path}{suffix}").unlink(missing_ok=True)  # a link, not its target
        self._paired = False
        self._session_damage = None
        self._on_whatsapp.clear()

    # -- helpers -------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock.now()

    def _send(self, event: AccountEvent) -> None:
        try:
            self._emit(event)
        except Exception:  # a consumer's bug must not break the connection
            self._log.exception("the event callback failed on %s", type(event).__name__)

    def _set_state(
        self,
        state: BotState,
        detail: str | None = None,
        until: datetime | None = None,
        at: datetime | None = None,
    ) -> None:
        self._state = state
        self._detail = detail
        self._log.info("%s%s", state.value, f": {detail}" if detail else "")
        self._send(
            StateChanged(self.bot_id, state=state, detail=detail, until=until, at=at or self._now())
        )

    def _connected_client(self) -> NewAClient:
        client = self._client
        if client is None or not (self._online and self._live):
            raise self._not_online()
        return client

    def _not_online(self) -> NotConnectedError:
        bot, state = self.bot_id, self._state
        if state in (BotState.LOGGED_OUT, BotState.NOT_PAIRED):
            return NotConnectedError(not_paired_reason(bot, state))
        if state is BotState.STOPPED:
            return NotConnectedError(f"{bot} is not running — start the fleet first")
        why = f": {self._detail}" if self._detail else ""
        return NotConnectedError(f"{bot} is not online ({state.value}{why})")

    @staticmethod
    def _e164(phone: str) -> str:
        try:
            return to_e164(phone)
        except InvalidPhoneError as exc:
            raise SendError(str(exc)) from None

    # -- event handlers ------------------------------------------------------------

    async def _on_qr(self, data: bytes) -> None:
        if self._pairing is None:
            self._log.warning("WhatsApp offered a pairing code but no pairing is under way")
            return
        index = self._qr_index
        self._qr_index += 1
        if index == 0:
            # whatsmeow's codes last 160 s from the first one: the watchdog counts from it.
            self._arm_watchdog(self.qr_timeout)
        if self._pairing is PairMethod.PHONE_CODE:
            if index == 0:
                await self._request_phone_code()
            return
        if index == 0:
            self._set_state(BotState.WAITING_FOR_PHONE, "scan the QR code with the phone")
        self._send(
            QRCodeIssued(
                self.bot_id,
                payload=data.decode(),
                expires_in=FIRST_QR_SECONDS if index == 0 else NEXT_QR_SECONDS,
                index=index,
                at=self._now(),
            )
        )

    async def _request_phone_code(self) -> None:
        client = self._client
        if client is None or not self._live:
            return
        lib = _lib()
        try:
            # Only once connected, i.e. from the first QR callback; digits only.
            code = await asyncio.wait_for(
                client.PairPhone(
                    self._pair_phone.lstrip("+"),
                    show_push_notification=True,
                    client_name=lib.ClientName.LINUX,
                ),
                QUERY_TIMEOUT,
            )
        except Exception as exc:
            reason = "WhatsApp did not answer" if isinstance(exc, TimeoutError) else exc
            await self._pairing_failed(f"no phone code: {short_reason(reason)}")
            return
        self._set_state(
            BotState.WAITING_FOR_PHONE, f"enter the code on the phone of {self._pair_phone}"
        )
        # The code is good for what is left of the pairing window.
        left = max(0.0, self._pairing_ends_at - asyncio.get_running_loop().time())
        self._send(PairCodeIssued(self.bot_id, code=code, expires_in=left, at=self._now()))

    async def _pairing_failed(self, reason: str) -> None:
        self._pairing = None
        await self._shutdown_connection()
        self._send(PairingFailed(self.bot_id, reason=reason, at=self._now()))
        self._set_state(BotState.NOT_PAIRED, f"pairing failed: {reason}")

    async def _on_pair_status(self, event: Any) -> None:
        lib = _lib()
        if event.Status == lib.proto.PairStatus.SUCCESS:
            self._pairing = None
            self._paired = True
            watchdog, self._watchdog = self._watchdog, None
            if watchdog is not None:
                watchdog.cancel()
            self._send(PairingSucceeded(self.bot_id, jid=lib.Jid2String(event.ID), at=self._now()))
            self._set_state(BotState.PAIRING, "phone linked, finishing pairing")
            return
        reason = short_reason(event.Error or "the phone refused the pairing")
        self._spawn(self._pairing_failed(reason), "pairing failure")

    async def _on_connected(self, _event: Any) -> None:
        self._online = True
        self._paired = True
        self._backoff.reset()
        self._secure_session_file()
        if self._pairing is not None:  # already paired after all: nothing left to pair
            self._pairing = None
            watchdog, self._watchdog = self._watchdog, None
            if watchdog is not None:
                watchdog.cancel()
        self._set_state(BotState.ONLINE)

    async def _on_disconnected(self, _event: Any) -> None:
        self._online = False
        if self._pairing is not None:
            # The QR session died with the socket and whatsmeow will not open another:
            # start a new attempt (fresh codes) after a back-off.
            delay = self._announce_retry("connection lost while pairing")
            self._halt("restart pairing", resume_in=delay)
            return
        self._set_state(BotState.RECONNECTING, "connection lost — reconnecting")

    async def _on_keepalive_timeout(self, event: Any) -> None:
        if self._state is not BotState.ONLINE:
            return
        self._online = False
        self._set_state(
            BotState.RECONNECTING,
            f"connection unstable: {event.ErrorCount} keep-alive ping(s) unanswered",
        )

    async def _on_keepalive_restored(self, _event: Any) -> None:
        if self._state is not BotState.RECONNECTING:
            return
        self._online = True
        self._set_state(BotState.ONLINE, "connection restored")

    async def _on_logged_out(self, event: Any) -> None:
        if self._operator_logout:
            return
        name = _enum_name(event, "Reason")
        reason = _LOGOUT_REASONS.get(name, f"WhatsApp logged this device out ({name or '?'})")
        self._paired = False  # whatsmeow deletes the device from the session store
        self._on_whatsapp.clear()
        self._send(
            LoggedOut(self.bot_id, reason=reason, on_connect=event.OnConnect, at=self._now())
        )
        self._set_state(BotState.LOGGED_OUT, f"{reason} — pair it with the phone again")
        self._halt("stop after logout")

    async def _on_temporary_ban(self, event: Any) -> None:
        now = self._now()
        seconds = max(0, event.Expire)
        until = now + timedelta(seconds=seconds) if seconds else None
        name = _enum_name(event, "Code")
        reason = _BAN_REASONS.get(name, name.replace("_", " ").lower() or "no reason given")
        code = int(event.Code) if event.HasField("Code") else 0
        self._send(Banned(self.bot_id, code=code, until=until, reason=reason, at=now))
        when = f" until {until:%H:%M} UTC" if until else ""
        self._set_state(
            BotState.BANNED,
            f"temporarily banned{when} (code {code}): {reason}",
            until=until,
            at=now,
        )
        # whatsmeow does not reconnect after a ban; we do, once it has expired.
        self._halt("stop during ban", resume_in=seconds if seconds else None)

    async def _on_connect_failure(self, event: Any) -> None:
        name = _enum_name(event, "Reason")
        if name == "CLIENT_OUTDATED":
            await self._on_client_outdated(event)
            return
        what = event.Message or _LOGOUT_REASONS.get(name, name or "unknown")
        # whatsmeow sends this event for failures it does not retry: we do.
        delay = self._announce_retry(f"WhatsApp refused the connection ({what})")
        self._halt("retry after connect failure", resume_in=delay)

    async def _on_client_outdated(self, _event: Any) -> None:
        self._set_state(BotState.ERROR, _UPDATE_NEONIZE)
        self._halt("stop: client outdated")

    async def _on_stream_replaced(self, _event: Any) -> None:
        self._set_state(
            BotState.ERROR,
            "another connection took over this session — make sure no other program uses "
            f"{self.session_path.name}",
        )
        self._halt("stop: stream replaced")

    async def _on_message(self, event: Any) -> None:
        info = event.Info
        source = info.MessageSource
        if source.Chat.Server in ("broadcast", "newsletter"):
            return  # status updates and channels are not conversations
        if event.IsEdit:
            self._log.debug("skipping an edit of message %s", info.ID)
            return
        text = _message_text(event.Message)
        if not text:
            self._log.debug("skipping message %s with nothing to read", info.ID)
            return
        peer = _peer_of(source)
        if peer is None:
            self._log.warning(
                "message %s in %s comes from a hidden number; it cannot be tied to a contact",
                info.ID,
                _lib().Jid2String(source.Chat),
            )
            return
        now = self._now()
        self._send(
            InboundMessage(
                self.bot_id,
                peer=peer,
                chat=_lib().Jid2String(source.Chat),
                text=text,
                wa_id=info.ID,
                timestamp=_from_unix(info.Timestamp, now),
                from_me=source.IsFromMe,
                is_group=source.IsGroup,
                at=now,
            )
        )

    async def _on_receipt(self, event: Any) -> None:
        source = event.MessageSource
        if source.IsFromMe:
            # Our own devices reporting what *we* read or played (neonize even encodes
            # "played-self" as SERVER_ERROR): not about messages we sent.
            return
        receipt = _lib().proto.Receipt
        status = {
            receipt.DELIVERED: MessageStatus.DELIVERED,
            receipt.READ: MessageStatus.READ,
            receipt.PLAYED: MessageStatus.READ,
            receipt.SERVER_ERROR: MessageStatus.FAILED,
        }.get(event.Type)
        if status is None or not event.MessageIDs:
            return
        self._send(
            ReceiptReceived(
                self.bot_id,
                wa_ids=tuple(event.MessageIDs),
                status=status,
                peer=_peer_of(source),
                at=self._now(),
            )
        )
