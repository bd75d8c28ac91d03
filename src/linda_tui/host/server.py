"""The host side: the Linda that holds the fleet answers other Lindas on a Unix socket.

The socket lives in the sessions folder (0700), is itself 0600, and a peer whose uid is
neither this process's nor root's is refused before it can say anything. There is no
TCP listener. Each client gets its own reader and writer tasks: a client that stops
reading only fills its own bounded queue of events and is then dropped with a line
saying why; a client that dies mid-request changes nothing for the others; a malformed
or oversized line gets an error reply, is logged, and the host goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import stat
import struct
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linda_tui.fleet.events import AccountEventForwarded, FleetEvent
from linda_tui.fleet.manager import FleetCommandError, UnknownBotError
from linda_tui.host import protocol
from linda_tui.host.codec import WireError, to_wire
from linda_tui.host.socket_path import SocketPath
from linda_tui.models import BotState
from linda_tui.plain_text import one_line
from linda_tui.terminal_text import visible
from linda_tui.whatsapp.account import (
    PairingFailed,
    PairingSucceeded,
    PairingTimedOut,
    PairMethod,
)

if TYPE_CHECKING:
    from linda_tui.services import Services

log = logging.getLogger("linda.host")

# Events a client may have waiting before it counts as fallen behind and is dropped.
MAX_QUEUED_EVENTS = 5000
# Bad lines (malformed, unknown operation) a client may send before it is hung up on.
MAX_BAD_REQUESTS = 20
# The furthest page a listing may start at (islice takes no more than sys.maxsize).
MAX_OFFSET = 1_000_000_000
# A bot in one of these, not paired, is being paired: what a client that left may end.
_PAIRING_STATES = frozenset({BotState.CONNECTING, BotState.WAITING_FOR_PHONE, BotState.PAIRING})
# Requests one client may have under way at once.
MAX_REQUESTS_IN_FLIGHT = 32
# How long a write to one client may wait before that client is given up on.
WRITE_SECONDS = 10.0
# How long a client being hung up on has to read its last lines.
CLOSE_SECONDS = 5.0
# How long a stopping host waits for the requests it is answering (a cancel landing as
# the campaign it ends stops a `broadcast run` host): their replies go out before the
# bye. One that takes longer gets the bye alone, as does a whole Google sync (minutes:
# not waited for at all).
ANSWER_SECONDS = 5.0
# How long answers under way may still go to a client that stopped writing (EOF).
EOF_ANSWER_SECONDS = 30.0
_NOT_AWAITED_AT_STOP = frozenset({"contacts_sync"})
# The largest page any request may ask for (contacts, search results, audiences).
MAX_PAGE = 1000
# How long a resolved contacts audience is kept for the client paging through it.
ENTRIES_KEPT_SECONDS = 60.0

Handler = Callable[[dict[str, Any]], Awaitable[Any]]


class RequestError(Exception):
    """A request that cannot be served, with the kind the client maps to an exit status."""

    def __init__(self, message: str, kind: str = protocol.REFUSED) -> None:
        super().__init__(message)
        self.kind = kind


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a Unix socket (None if unknown)."""
    try:
        raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return None
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


class _Client:
    """One connected Linda: what it is owed (replies) and what it may get (events)."""

    ids = itertools.count(1)

    def __init__(self, writer: asyncio.StreamWriter, on_close: Callable[[_Client], None]) -> None:
        self.number = next(self.ids)
        self.writer = writer
        self.replies: deque[bytes] = deque()
        self.events: deque[bytes] = deque()
        self.wants_events = False
        self.wake = asyncio.Event()
        self.closing: str | None = None  # the bye line's reason, once decided
        self.in_flight = 0
        self.bad_requests = 0
        self._on_close = on_close

    def send(self, message: dict[str, Any]) -> None:
        self.send_line(protocol.encode(message))

    def send_line(self, line: bytes) -> None:
        if self.closing is None:
            self.replies.append(line)
            self.wake.set()

    def push_event(self, line: bytes) -> None:
        if self.closing is not None:
            return
        if len(self.events) >= MAX_QUEUED_EVENTS:
            log.warning(
                "client %d fell behind (%d events waiting): dropping it",
                self.number,
                len(self.events),
            )
            self.close("this console fell behind the fleet's events")
            return
        self.events.append(line)
        self.wake.set()

    def close(self, reason: str) -> None:
        """Hang up: what is owed so far, then the bye line, go into the transport's
        buffer; it closes once that is flushed, or after CLOSE_SECONDS regardless (a
        peer that never reads holds no memory for long)."""
        if self.closing is not None:
            return
        self.closing = reason
        self.events.clear()
        transport = self.writer.transport
        if not transport.is_closing():
            pending = b"".join(self.replies)
            self.replies.clear()
            transport.write(pending + protocol.encode({"bye": reason}))
            transport.close()
            asyncio.get_running_loop().call_later(CLOSE_SECONDS, transport.abort)
        self.wake.set()
        self._on_close(self)


class HostServer:
    """The socket service: plug it into Services (``services.add(HostServer(...))``).

    It starts before the other services (``early``): other terminals attach as soon as
    the fleet is open; a request for the broadcasts or the contacts sync waits until
    those have started too."""

    name = "host"
    early = True

    def __init__(self, services: Services, sessions_dir: Path) -> None:
        self.services = services
        self.path = SocketPath(Path(sessions_dir), protocol.SOCKET_NAME)
        self._server: asyncio.AbstractServer | None = None
        self._clients: dict[int, _Client] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._answers: dict[asyncio.Task[Any], str] = {}  # requests being answered: op
        # Which client started each pairing under way (bot id: client number): a pairing
        # ends with the client that asked for it (ctrl+c, killed, its SSH dropped), as it
        # does with a `linda pair` that runs the fleet itself.
        self._pairing_for: dict[str, int] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._allowed_uids = {os.getuid(), 0}
        self._handlers: dict[str, Handler] = {
            "ping": self._ping,
            "status": self._status,
            "send": self._send,
            "pair": self._pair,
            "cancel_pairing": self._cancel_pairing,
            "logout": self._logout,
            "reconnect": self._reconnect,
            "demo_phone": self._demo_phone,
            "search_contacts": self._search_contacts,
            "broadcast_start": self._broadcast("start_campaign"),
            "broadcast_pause": self._broadcast("pause"),
            "broadcast_resume": self._broadcast("resume"),
            "broadcast_cancel": self._broadcast("cancel"),
            "broadcast_progress": self._broadcast("progress"),
            "broadcast_resolve": self._broadcast_resolve,
            "contacts_sync": self._contacts_sync,
            "contacts_status": self._contacts_status,
            "search_hits": self._search_hits,
            "sorted_contacts": self._sorted_contacts,
            "contact_entries": self._contact_entries,
        }
        # The audience an attached console is paging through (see _contact_entries).
        self._entries: dict[tuple[str | None, str | None], tuple[float, Any]] = {}

    @property
    def clients(self) -> int:
        """How many Lindas are attached right now."""
        return len(self._clients)

    # --- life ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind the socket (a stale one from a killed host is replaced: the instance lock
        proves no other host lives) and start answering."""
        self.path.remove_stale()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            old_umask = os.umask(0o177)  # the socket is born 0600
            try:
                sock.bind(self.path.address())
            finally:
                os.umask(old_umask)
            os.chmod(self.path.address(), 0o600)
            sock.listen(64)
            sock.setblocking(False)
            self._server = await asyncio.start_unix_server(
                self._serve, sock=sock, limit=protocol.MAX_LINE_BYTES + 1
            )
        except BaseException:
            sock.close()
            self.path.release()
            raise
        self._unsubscribe = self.services.subscribe(self._on_event)
        log.info("listening on %s", self.path.path)

    async def stop(self, reason: str = protocol.HOST_STOPPING) -> None:
        """Say goodbye to every client, stop listening and remove the socket."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        server, self._server = self._server, None
        if server is not None:
            server.close()
        # What was asked before the stop is answered first: the cancel that ended the
        # campaign this host ran for says it cancelled, not that the host went away.
        answering = [t for t, op in self._answers.items() if op not in _NOT_AWAITED_AT_STOP]
        if answering:
            await asyncio.wait(answering, timeout=ANSWER_SECONDS)
        for client in list(self._clients.values()):
            client.close(reason)
        # Give the writers a moment to deliver their last line.
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)
        for task in list(self._tasks):
            task.cancel()
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)
        self.path.unlink()
        self.path.release()

    # --- events -------------------------------------------------------------------------
    def _on_event(self, event: FleetEvent) -> None:
        if self._pairing_for and isinstance(event, AccountEventForwarded):
            inner = event.event
            if isinstance(inner, PairingSucceeded | PairingFailed | PairingTimedOut):
                self._pairing_for.pop(inner.bot_id, None)  # ended: nothing to cancel
        watching = [c for c in self._clients.values() if c.wants_events]
        if not watching:
            return
        try:
            line = protocol.encode({"event": to_wire(event)})
        except WireError:
            log.exception("cannot send a %s to clients", type(event).__name__)
            return
        for client in watching:
            client.push_event(line)

    # --- one client ---------------------------------------------------------------------
    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        uid = peer_uid(sock) if sock is not None else None
        if uid not in self._allowed_uids:
            log.warning(
                "refused a connection from uid %s (only %s may attach)",
                uid,
                sorted(self._allowed_uids),
            )
            with contextlib.suppress(Exception):
                writer.write(protocol.encode({"error": "this Linda belongs to another user"}))
                await asyncio.wait_for(writer.drain(), 1.0)
            writer.close()
            return
        client = _Client(writer, self._forget)
        self._clients[client.number] = client
        writing = self._spawn(self._write_loop(client))
        try:
            if await self._greet(client, reader):
                await self._read_loop(client, reader)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            client.close(client.closing or "bye")
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(writing), 2.0)

    def _forget(self, client: _Client) -> None:
        self._clients.pop(client.number, None)
        for bot_id, number in list(self._pairing_for.items()):
            if number == client.number:
                del self._pairing_for[bot_id]
                if self._server is not None:  # not when the host itself stops
                    self._spawn(self._cancel_left_pairing(bot_id))

    def _no_pairing_after(self, op: str, args: dict[str, Any], client: _Client) -> None:
        """A pair request that failed started no pairing for that client to end."""
        bot_id = str(args.get("bot"))
        if op == "pair" and self._pairing_for.get(bot_id) == client.number:
            del self._pairing_for[bot_id]

    async def _cancel_left_pairing(self, bot_id: str) -> None:
        fleet = self.services.fleet
        try:
            status = fleet.status(bot_id)
        except Exception:
            return
        if status.paired or status.state not in _PAIRING_STATES:
            return  # it ended already (paired, timed out, stopped): nothing to cancel
        log.info("the client that asked to pair %s left: its pairing is cancelled", bot_id)
        try:
            await fleet.cancel_pairing(bot_id)
        except Exception:
            log.exception("cancelling the pairing of %s failed", bot_id)

    async def _greet(self, client: _Client, reader: asyncio.StreamReader) -> bool:
        try:
            line = await asyncio.wait_for(reader.readline(), protocol.HELLO_SECONDS)
            message = protocol.decode(line)
        except TimeoutError:
            client.close("no hello within 5 s")
            return False
        except (ValueError, protocol.ProtocolError) as exc:
            log.warning("client %d: bad hello: %s", client.number, visible(one_line(str(exc), 200)))
            client.send({"error": f"bad hello: {exc}", "code": protocol.BAD_REQUEST})
            client.close("bad hello")
            return False
        hello = message.get("hello")
        if not isinstance(hello, dict):
            client.send({"error": "say hello first", "code": protocol.BAD_REQUEST})
            client.close("no hello")
            return False
        version = hello.get("protocol")
        if type(version) is not int or version != protocol.PROTOCOL_VERSION:  # not "1", 1.0
            text = protocol.version_mismatch(version, hello.get("client"))
            log.warning("client %d: %s", client.number, visible(one_line(text, 200)))
            client.send({"error": text, "code": "version", "protocol": protocol.PROTOCOL_VERSION})
            client.close("version")
            return False
        client.wants_events = bool(hello.get("events"))
        fleet = self.services.fleet
        client.send(
            {
                "welcome": {
                    "protocol": protocol.PROTOCOL_VERSION,
                    "host": protocol.software(),
                    "pid": os.getpid(),
                    "demo": self.services.demo,
                    "fleet": to_wire(fleet.config),
                    "bots": to_wire(fleet.statuses()),
                    "now": to_wire(fleet.clock.now()),
                }
            }
        )
        log.info("client %d attached (%s)", client.number, one_line(hello.get("client"), 60))
        return True

    async def _read_loop(self, client: _Client, reader: asyncio.StreamReader) -> None:
        while client.closing is None:
            try:
                line = await reader.readline()
            except (ValueError, asyncio.LimitOverrunError):
                log.warning(
                    "client %d sent a line over %d bytes: hanging up",
                    client.number,
                    protocol.MAX_LINE_BYTES,
                )
                client.send(
                    {
                        "id": None,
                        "ok": False,
                        "error": f"request longer than {protocol.MAX_LINE_BYTES:,} bytes",
                        "kind": protocol.BAD_REQUEST,
                    }
                )
                client.close("oversized request")
                return
            if not line:
                # The client is done writing: gone, or only half-closed (`nc -U`, socat
                # close their side once the request is written). Answers under way still
                # go out, then the host hangs up.
                deadline = asyncio.get_running_loop().time() + EOF_ANSWER_SECONDS
                while client.in_flight and client.closing is None:
                    if asyncio.get_running_loop().time() > deadline:
                        break
                    await asyncio.sleep(0.05)
                return
            if not line.strip():
                continue
            self._take(client, line)
            # readline() returns without yielding while lines are buffered: let the fleet
            # and the other clients run between two lines of this one.
            await asyncio.sleep(0)

    def _bad(self, client: _Client, request_id: Any, problem: str) -> None:
        client.bad_requests += 1
        if client.bad_requests <= MAX_BAD_REQUESTS:
            log.warning("client %d: %s", client.number, visible(one_line(problem, 200)))
        client.send({"id": request_id, "ok": False, "error": problem, "kind": protocol.BAD_REQUEST})
        if client.bad_requests >= MAX_BAD_REQUESTS:
            client.close("too many bad requests")

    def _take(self, client: _Client, line: bytes) -> None:
        try:
            message = protocol.decode(line)
        except protocol.ProtocolError as exc:
            self._bad(client, None, f"malformed request: {exc}")
            return
        request_id = message.get("id")
        op = message.get("op")
        args = message.get("args", {})
        handler = self._handlers.get(op) if isinstance(op, str) else None
        if handler is None or not isinstance(op, str) or not isinstance(args, dict):
            problem = f"unknown operation {op!r}" if handler is None else "args must be an object"
            self._bad(client, request_id, problem)
            return
        if client.in_flight >= MAX_REQUESTS_IN_FLIGHT:
            client.send(
                {
                    "id": request_id,
                    "ok": False,
                    "kind": protocol.BAD_REQUEST,
                    "error": f"more than {MAX_REQUESTS_IN_FLIGHT} requests at once",
                }
            )
            return
        client.in_flight += 1
        answer = self._spawn(self._answer(client, request_id, op, handler, args))
        self._answers[answer] = op
        answer.add_done_callback(lambda done: self._answers.pop(done, None))

    async def _answer(
        self, client: _Client, request_id: Any, op: str, handler: Handler, args: dict[str, Any]
    ) -> None:
        if op in ("pair", "cancel_pairing"):
            # Before the pairing starts: an end that comes before the answer is seen.
            self._pairing_for.pop(str(args.get("bot")), None)
            if op == "pair":
                self._pairing_for[str(args.get("bot"))] = client.number
        try:
            result = await handler(args)
            reply = {"id": request_id, "ok": True, "result": to_wire(result)}
            bot_id = str(args.get("bot"))
            left = client.number not in self._clients and self._server is not None
            if op == "pair" and left and self._pairing_for.get(bot_id) == client.number:
                del self._pairing_for[bot_id]  # it left while the pairing started
                self._spawn(self._cancel_left_pairing(bot_id))
        except RequestError as exc:
            self._no_pairing_after(op, args, client)
            reply = {"id": request_id, "ok": False, "error": str(exc), "kind": exc.kind}
        except UnknownBotError as exc:
            self._no_pairing_after(op, args, client)
            reply = {"id": request_id, "ok": False, "error": str(exc), "kind": protocol.USAGE}
        except FleetCommandError as exc:
            self._no_pairing_after(op, args, client)
            reply = {"id": request_id, "ok": False, "error": str(exc), "kind": protocol.REFUSED}
        except Exception as exc:
            self._no_pairing_after(op, args, client)
            log.exception("client %d: %s failed", client.number, op)
            reply = {
                "id": request_id,
                "ok": False,
                "error": f"the host could not {op}: {one_line(exc, 200)} — details in its log",
                "kind": protocol.INTERNAL,
            }
        finally:
            client.in_flight -= 1
        try:
            line = protocol.encode(reply)
        except (TypeError, ValueError):
            log.exception("client %d: the reply to %s cannot be encoded", client.number, op)
            line = b""
        if not line or len(line) > protocol.MAX_LINE_BYTES:
            # The client could not read it (its lines are capped too) and would hang up.
            log.warning("client %d: the reply to %s is %d bytes", client.number, op, len(line))
            line = protocol.encode(
                {
                    "id": request_id,
                    "ok": False,
                    "kind": protocol.TOO_LARGE,
                    "error": f"the host's answer to {op} is larger than "
                    f"{protocol.MAX_LINE_BYTES:,} bytes — ask for a smaller page",
                }
            )
        client.send_line(line)

    async def _write_loop(self, client: _Client) -> None:
        writer = client.writer
        try:
            while client.closing is None:
                await client.wake.wait()
                client.wake.clear()
                while client.closing is None and (client.replies or client.events):
                    batch = list(client.replies)
                    client.replies.clear()
                    batch += client.events
                    client.events.clear()
                    writer.write(b"".join(batch))
                    await asyncio.wait_for(writer.drain(), WRITE_SECONDS)
        except (ConnectionError, TimeoutError, OSError):
            client.close("the connection failed")

    # --- the operations -------------------------------------------------------------------
    async def _ping(self, _args: dict[str, Any]) -> str:
        return "pong"

    async def _status(self, _args: dict[str, Any]) -> dict[str, Any]:
        fleet = self.services.fleet
        return {"bots": fleet.statuses(), "stats": fleet.stats(), "now": fleet.clock.now()}

    async def _send(self, args: dict[str, Any]) -> Any:
        return await self.services.fleet.send(
            _text(args, "to"), _text(args, "text"), bot=_text(args, "bot", "auto")
        )

    async def _pair(self, args: dict[str, Any]) -> None:
        try:
            method = PairMethod(_text(args, "method", PairMethod.QR.value))
        except ValueError:
            raise RequestError("method must be qr or phone-code", protocol.BAD_REQUEST) from None
        phone = args.get("phone")
        if phone is not None and not isinstance(phone, str):
            raise RequestError("phone must be text", protocol.BAD_REQUEST)
        await self.services.fleet.pair(_text(args, "bot"), method, phone)

    async def _cancel_pairing(self, args: dict[str, Any]) -> None:
        await self.services.fleet.cancel_pairing(_text(args, "bot"))

    async def _logout(self, args: dict[str, Any]) -> None:
        await self.services.fleet.logout(_text(args, "bot"))

    async def _reconnect(self, args: dict[str, Any]) -> None:
        await self.services.fleet.reconnect(_text(args, "bot"))

    async def _demo_phone(self, args: dict[str, Any]) -> bool:
        if not self.services.demo:
            raise RequestError("only the demo's simulated phone can be told to scan")
        bot = _text(args, "bot")
        self.services.fleet.status(bot)  # UnknownBotError for a bot this fleet lacks
        method = PairMethod.PHONE_CODE if args.get("method") == "phone-code" else PairMethod.QR
        return await self.services.demo_phone(bot, method)

    async def _engine(self) -> Any:
        await self.services.wait_started()
        engine = self.services.broadcasts
        if engine is None:
            raise RequestError("this Linda runs no broadcasts")
        return engine

    def _broadcast(self, method: str) -> Handler:
        async def handle(args: dict[str, Any]) -> Any:
            return await getattr(await self._engine(), method)(_campaign_id(args))

        return handle

    async def _broadcast_resolve(self, args: dict[str, Any]) -> int:
        from linda_tui.models import UncertainAction

        phones = args.get("phones")
        if phones is not None and (
            not isinstance(phones, list) or not all(isinstance(p, str) for p in phones)
        ):
            raise RequestError("phones must be a list of numbers", protocol.BAD_REQUEST)
        try:
            action = UncertainAction(_text(args, "action"))
        except ValueError:
            raise RequestError("action must be resend or mark-sent", protocol.BAD_REQUEST) from None
        audit = self.services.fleet.audit_entry(
            f"broadcast.resolve.{action}", None, campaign=str(args.get("campaign")), phones=phones
        )
        engine = await self._engine()
        return int(await engine.resolve(_campaign_id(args), phones, action, audit))

    async def _contacts_sync(self, args: dict[str, Any]) -> Any:
        from linda_tui.contacts.sync import SyncError

        await self.services.wait_started()
        service = self.services.contacts
        if service is None:
            raise RequestError("this Linda does not sync Google Contacts")
        try:
            return await service.run_now(full=bool(args.get("full")))
        except SyncError as exc:
            raise RequestError(str(exc)) from None

    async def _contacts_status(self, _args: dict[str, Any]) -> Any:
        """The sync's state now (an attached console shows it at once, not only from
        the next change); None when this Linda does not sync."""
        await self.services.wait_started()
        service = self.services.contacts
        return None if service is None else service.status

    async def _search_hits(self, args: dict[str, Any]) -> Any:
        # A page of the results (offset): a client wanting more than MAX_PAGE pages.
        offset = _offset(args)
        hits = await self.services.search_hits(_text(args, "query"), limit=offset + _limit(args))
        return hits[offset:]

    async def _search_contacts(self, args: dict[str, Any]) -> Any:
        return [hit.contact for hit in await self._search_hits(args)]

    async def _sorted_contacts(self, args: dict[str, Any]) -> Any:
        return await self.services.sorted_contacts(limit=_limit(args), offset=_offset(args))

    async def _contact_entries(self, args: dict[str, Any]) -> dict[str, Any]:
        """A page of a contacts audience (a search, a label or every contact), resolved
        here as for this Linda's own console, so an attached console plans the same
        people. The first page resolves it afresh; the next pages of the same audience
        come from that one resolution (consistent, and the search runs once)."""
        query, label = _optional_text(args, "query"), _optional_text(args, "label")
        offset, limit = _offset(args), _limit(args)
        key = (query, label)
        loop = asyncio.get_running_loop()
        kept = self._entries.get(key)
        if offset == 0 or kept is None or loop.time() - kept[0] > ENTRIES_KEPT_SECONDS:
            found = await self.services.contact_entries(query=query, label=label)
            self._entries = {key: (loop.time(), found)}  # one audience at a time: bounded
        else:
            found = kept[1]
        return {
            "entries": found.entries[offset : offset + limit],
            "source": found.source,
            "total": len(found.entries),
        }


def _limit(args: dict[str, Any]) -> int:
    limit = args.get("limit", 50)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_PAGE:
        raise RequestError(
            f"limit must be a whole number from 1 to {MAX_PAGE}", protocol.BAD_REQUEST
        )
    return limit


def _optional_text(args: dict[str, Any], key: str) -> str | None:
    value = args.get(key)
    if value is not None and not isinstance(value, str):
        raise RequestError(f"{key} must be text", protocol.BAD_REQUEST)
    return value


def _offset(args: dict[str, Any]) -> int:
    offset = args.get("offset", 0)
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
        raise RequestError(
            f"offset must be a whole number from 0 to {MAX_OFFSET:,}", protocol.BAD_REQUEST
        )
    return offset


def _campaign_id(args: dict[str, Any]) -> int | str:
    value = args.get("campaign")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RequestError("campaign must be an id", protocol.BAD_REQUEST)
    return value


def _text(args: dict[str, Any], key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if not isinstance(value, str):
        raise RequestError(f"{key} must be text", protocol.BAD_REQUEST)
    return value


def is_socket(path: Path) -> bool:
    """True when path is a Unix socket (not following a link)."""
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False
