"""The client side: a command or a console reaching the Linda that holds the fleet."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from linda_tui.fleet.events import FleetEvent
from linda_tui.host import protocol
from linda_tui.host.codec import WireError, from_wire
from linda_tui.host.socket_path import SocketPath

log = logging.getLogger("linda.host.client")

CONNECT_SECONDS = 3.0
# Why a client lost its host, as the operator reads it (the console prints it as it
# leaves). When the host process ends, nothing runs the bots any more: say so, and how to
# start them again. When it dropped only this client, the bots still run.
FLEET_STOPPED = (
    "the Linda hosting the fleet stopped (every bot is offline) — start it again with "
    "`linda` or `linda serve`"
)


def _dropped(reason: str) -> str:
    return (
        f"the Linda hosting the fleet hung up on this client ({reason}); the bots are "
        "still running — attach again with `linda`"
    )


class HostGoneError(Exception):
    """The host hung up (it stopped, or dropped this client); the message says why."""


class HostRequestError(Exception):
    """The host refused a request. ``kind`` is one of protocol.REFUSED, USAGE, ..."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class HostClient:
    """One connection to the host. ``await HostClient.connect(...)``; then ``request``;
    events (when asked for) go to ``on_event``; ``close()`` when done."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        path: SocketPath,
        on_event: Callable[[FleetEvent], None] | None,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._path = path
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self.on_event = on_event
        self.welcome: dict[str, Any] = {}
        self.gone: str | None = None  # why the host hung up, once it has
        self._gone_listeners: list[Callable[[str], None]] = []
        self._reading: asyncio.Task[None] | None = None

    @classmethod
    async def connect(
        cls,
        sessions_dir: Path,
        *,
        on_event: Callable[[FleetEvent], None] | None = None,
        timeout: float = CONNECT_SECONDS,
    ) -> HostClient | None:
        """Attach to the host of this sessions folder; None when no host answers there
        (no socket, or a stale one left by a host that was killed)."""
        path = SocketPath(Path(sessions_dir), protocol.SOCKET_NAME)
        if not path.exists():
            return None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(path.address(), limit=protocol.MAX_LINE_BYTES + 1),
                timeout,
            )
        except (ConnectionRefusedError, FileNotFoundError):
            path.release()
            return None
        except OSError as exc:
            path.release()
            if exc.errno in (errno.ECONNREFUSED, errno.ENOENT):
                return None
            raise
        client = cls(reader, writer, path, on_event)
        try:
            await client._hello(events=on_event is not None, timeout=timeout)
        except BaseException:
            await client.close()
            raise
        return client

    async def _hello(self, *, events: bool, timeout: float) -> None:
        self._writer.write(protocol.encode(protocol.hello(events=events)))
        await self._writer.drain()
        line = await asyncio.wait_for(self._reader.readline(), timeout)
        if not line:
            raise HostGoneError("the running Linda hung up without a word")
        answer = protocol.decode(line)
        if "error" in answer:
            raise protocol.ProtocolError(str(answer["error"]))
        welcome = answer.get("welcome")
        if not isinstance(welcome, dict):
            raise protocol.ProtocolError("the running Linda did not say welcome")
        if welcome.get("protocol") != protocol.PROTOCOL_VERSION:
            raise protocol.ProtocolError(
                protocol.version_mismatch(welcome.get("protocol"), welcome.get("host"))
            )
        self.welcome = welcome
        self._reading = asyncio.ensure_future(self._read_loop())

    @property
    def host_pid(self) -> int | None:
        pid = self.welcome.get("pid")
        return pid if isinstance(pid, int) else None

    def when_gone(self, listener: Callable[[str], None]) -> None:
        """Call listener(reason) once the host hangs up."""
        self._gone_listeners.append(listener)

    async def request(self, op: str, **args: Any) -> Any:
        """Ask the host; its result decoded, or HostRequestError / HostGoneError."""
        if self.gone is not None:
            raise HostGoneError(self.gone)
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        try:
            self._writer.write(protocol.encode({"id": request_id, "op": op, "args": args}))
            await self._writer.drain()
        except (ConnectionError, OSError):
            self._waiting.pop(request_id, None)
            reading = self._reading
            if reading is not None and not reading.done():
                # The read loop says why the host hung up (stopped, or dropped this
                # client): it is asking the host now.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(reading), 3.0)
            self._hung_up(FLEET_STOPPED)  # nothing more when the read loop said why
            raise HostGoneError(self.gone or FLEET_STOPPED) from None
        try:
            return await future
        finally:
            self._waiting.pop(request_id, None)

    async def _read_loop(self) -> None:
        # The socket ends without a bye only when the host process ended (killed, say):
        # a host that stops on purpose, or drops this client, says bye first.
        reason = FLEET_STOPPED
        try:
            while True:
                line = await self._reader.readline()
                if not line:
                    break
                message = protocol.decode(line)
                if "event" in message:
                    self._deliver_event(message["event"])
                elif "bye" in message:
                    bye = str(message["bye"])
                    reason = FLEET_STOPPED if bye == protocol.HOST_STOPPING else _dropped(bye)
                    break
                elif "id" in message:
                    self._deliver_reply(message)
        except (ConnectionError, OSError):
            pass  # reset by a host that died with our requests unread: FLEET_STOPPED
        except (ValueError, protocol.ProtocolError) as exc:
            reason = (
                f"the Linda hosting the fleet sent what this client cannot read ({exc}) — "
                "attach again with `linda`; `linda status` says whether the bots run"
            )
        finally:
            if reason == FLEET_STOPPED and self.gone is None and await self._host_listens():
                # No bye, yet the host still listens: it dropped this client, and the bye
                # was lost behind what the client had not read (it fell behind).
                reason = _dropped("the connection ended without a goodbye")
            self._hung_up(reason)

    async def _host_listens(self) -> bool:
        """Whether a Linda still answers on this client's socket: it welcomes a new
        client within a second (a host that ended closed its socket; one in the middle
        of ending may still take the connection, but answers nothing)."""
        writer = None
        try:
            async with asyncio.timeout(1.0):
                reader, writer = await asyncio.open_unix_connection(
                    self._path.address(), limit=protocol.MAX_LINE_BYTES + 1
                )
                writer.write(protocol.encode(protocol.hello(events=False)))
                answer = protocol.decode(await reader.readline())
                return "welcome" in answer
        except (OSError, TimeoutError, ValueError, protocol.ProtocolError):
            return False
        finally:
            if writer is not None:
                writer.close()

    def _deliver_event(self, data: Any) -> None:
        if self.on_event is None:
            return
        try:
            event = from_wire(data)
        except WireError as exc:
            log.warning("an event from the host could not be read: %s", exc)
            return
        try:
            self.on_event(event)
        except Exception:
            log.exception("handling a host event failed")

    def _deliver_reply(self, message: dict[str, Any]) -> None:
        future = self._waiting.get(message.get("id"))  # type: ignore[arg-type]
        if future is None or future.done():
            return
        if message.get("ok"):
            try:
                future.set_result(from_wire(message.get("result")))
            except WireError as exc:
                future.set_exception(HostRequestError(f"unreadable reply: {exc}", "internal"))
        else:
            future.set_exception(
                HostRequestError(str(message.get("error")), str(message.get("kind")))
            )

    def _hung_up(self, reason: str) -> None:
        if self.gone is not None:
            return
        self.gone = reason
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(HostGoneError(reason))
        for listener in self._gone_listeners:
            with contextlib.suppress(Exception):
                listener(reason)

    async def close(self) -> None:
        """Hang up (the host keeps running)."""
        if self.gone is None:
            # Ours: the read loop ending now is not the host stopping (no listener is
            # told it stopped); a request still waiting ends here.
            self.gone = "closed"
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(HostGoneError("this client hung up"))
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(BaseException):
                await self._reading
        self._writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._writer.wait_closed(), 1.0)
        self._path.release()
        if self.gone is None:
            self.gone = "closed"
