"""The host's socket, spoken to as a client would, and as a broken or hostile one would."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
from pathlib import Path

import pytest

from hosted_fleet import hosting
from linda_tui.clock import FixedClock
from linda_tui.config import demo_fleet, sqlite_url
from linda_tui.fleet.events import FleetError, FleetEvent, MessageRecorded
from linda_tui.fleet.manager import SendResult
from linda_tui.host import protocol, server
from linda_tui.host.client import FLEET_STOPPED, HostClient, HostGoneError, HostRequestError
from linda_tui.host.server import HostServer
from linda_tui.models import BotState
from linda_tui.services import Services
from linda_tui.whatsapp.simulated import SimulatedNetwork


async def raw(path: Path) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_unix_connection(str(path), limit=4 * protocol.MAX_LINE_BYTES)


async def line(reader: asyncio.StreamReader) -> dict[str, object]:
    return json.loads(await asyncio.wait_for(reader.readline(), 5))


async def test_a_client_sees_the_fleet_sends_through_it_and_gets_its_events(
    host: tuple[Services, HostServer], tmp_path: Path
) -> None:
    services, _server = host
    events: list[FleetEvent] = []
    client = await HostClient.connect(tmp_path / "sessions", on_event=events.append)
    assert client is not None
    try:
        assert client.host_pid == os.getpid()
        status = await client.request("status")
        states = {s.id: s.state for s in status["bots"]}
        assert states["demo-main"] is BotState.ONLINE
        assert states["demo-sales"] is BotState.NOT_PAIRED
        [result] = await client.request("send", to="+971501234567", text="hi", bot="demo-main")
        assert isinstance(result, SendResult) and result.ok and result.wa_id
        await services.fleet.wait_until(
            lambda: any(
                isinstance(e, MessageRecorded) and e.message.wa_id == result.wa_id for e in events
            ),
            5,
        )
        with pytest.raises(HostRequestError, match="known bots") as refused:
            await client.request("send", to="+971501234567", text="hi", bot="nobody")
        assert refused.value.kind == protocol.USAGE
        with pytest.raises(HostRequestError, match="not online") as offline:
            await client.request("send", to="+971501234567", text="yo", bot="demo-sales")
        assert offline.value.kind == protocol.REFUSED
    finally:
        await client.close()


async def test_the_socket_is_owner_only_and_no_host_means_none(tmp_path: Path) -> None:
    assert await HostClient.connect(tmp_path / "nowhere") is None
    sessions = tmp_path / "sessions"
    sessions.mkdir(mode=0o700)
    # A socket file left by a host killed with -9: nobody answers, so no host.
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(sessions / protocol.SOCKET_NAME))
    stale.close()
    assert await HostClient.connect(sessions) is None


async def test_socket_mode_and_stale_socket_replaced(
    host: tuple[Services, HostServer], tmp_path: Path
) -> None:
    path = tmp_path / "sessions" / protocol.SOCKET_NAME
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "sessions").st_mode) == 0o700


@pytest.mark.parametrize(
    ("first_line", "expected"),
    [
        (b'{"hello": {"protocol": 99, "client": "linda 9.0"}}\n', "speaks protocol version 1"),
        (b'{"hello": {"protocol": 99, "client": "linda 9.0"}}\n', "version 99 (linda 9.0)"),
        # "1" and 1.0 are not version 1, and the line shows what was sent.
        (b'{"hello": {"protocol": "1", "client": "x"}}\n', "speaks version '1' (x)"),
        (b'{"hello": {"protocol": 1.0, "client": "x"}}\n', "speaks version 1.0 (x)"),
        (b'{"hello": {"protocol": true, "client": "x"}}\n', "speaks version True (x)"),
        (b"not json\n", "bad hello"),
        (b'["a list"]\n', "bad hello"),
        (b'{"op": "status"}\n', "say hello first"),
    ],
)
async def test_a_bad_hello_gets_one_line_naming_the_problem(
    host: tuple[Services, HostServer], tmp_path: Path, first_line: bytes, expected: str
) -> None:
    reader, writer = await raw(tmp_path / "sessions" / protocol.SOCKET_NAME)
    writer.write(first_line)
    answer = await line(reader)
    assert expected in str(answer["error"])
    assert "bye" in await line(reader)
    writer.close()


async def test_malformed_and_oversized_requests_get_errors_and_the_host_goes_on(
    host: tuple[Services, HostServer], tmp_path: Path
) -> None:
    path = tmp_path / "sessions" / protocol.SOCKET_NAME
    reader, writer = await raw(path)
    writer.write(protocol.encode(protocol.hello(events=False)))
    assert "welcome" in await line(reader)
    for bad, expected in [
        (b"{broken\n", "not a JSON line"),
        (b'{"id": 1, "op": "format_disk"}\n', "unknown operation 'format_disk'"),
        (b'{"id": 2, "op": "send", "args": [1]}\n', "args must be an object"),
        (b'{"id": 3, "op": "send", "args": {"to": 5, "text": "x"}}\n', "to must be text"),
        (b'{"id": 4, "op": "search_contacts", "args": {"query": "a", "limit": 10**9}}\n', "limit"),
        (
            b'{"id": 7, "op": "search_hits", "args": {"query": "a", "offset": 100000000000000000000}}\n',
            "offset must be",
        ),
    ]:
        writer.write(bad)
        answer = await line(reader)
        assert answer["ok"] is False and expected in str(answer["error"]), answer
    writer.write(b'{"id": 5, "op": "ping"}\n')
    assert (await line(reader))["result"] == "pong"
    # One line over the limit: an error, then the host hangs up on that client only.
    writer.write(b'{"id": 6, "op": "ping", "pad": "' + b"x" * protocol.MAX_LINE_BYTES + b'"}\n')
    answer = await line(reader)
    assert answer["ok"] is False and "longer than" in str(answer["error"])
    writer.close()
    other = await HostClient.connect(tmp_path / "sessions")
    assert other is not None
    assert await other.request("ping") == "pong"
    await other.close()


async def test_a_flood_of_junk_lines_never_stalls_the_host_and_is_hung_up_on(
    host: tuple[Services, HostServer], tmp_path: Path
) -> None:
    """100,000 junk lines at once: readline() answered them all without yielding, so the
    host (a console, the fleet) stood still for tens of seconds, logging each. Deep JSON
    and a 5,000-digit number got no answer at all (the exception escaped)."""
    path = tmp_path / "sessions" / protocol.SOCKET_NAME
    reader, writer = await raw(path)
    writer.write(protocol.encode(protocol.hello(events=False)))
    assert "welcome" in await line(reader)
    for bad in (b"[" * 200_000 + b"\n", b'{"id": 1, "op": "ping", "x": ' + b"9" * 5000 + b"}\n"):
        writer.write(bad)
        answer = await line(reader)
        assert answer["ok"] is False and "not a JSON line" in str(answer["error"]), answer
    junk_reader, junk = await raw(path)
    junk.write(protocol.encode(protocol.hello(events=False)) + b"x\n" * 100_000)
    loop = asyncio.get_running_loop()
    began = loop.time()
    other = await HostClient.connect(tmp_path / "sessions")
    assert other is not None
    assert await other.request("ping") == "pong"
    assert loop.time() - began < 3
    await other.close()
    replies = (await asyncio.wait_for(junk_reader.read(), 10)).decode().splitlines()
    assert len(replies) <= server.MAX_BAD_REQUESTS + 3  # welcome, errors, bye
    assert "too many bad requests" in replies[-1]
    junk.close()
    writer.close()


async def test_a_peer_of_another_user_is_refused(
    host: tuple[Services, HostServer], tmp_path: Path
) -> None:
    _services, host_server = host
    host_server._allowed_uids = {os.getuid() + 4242}  # as if we were someone else
    reader, writer = await raw(tmp_path / "sessions" / protocol.SOCKET_NAME)
    answer = await line(reader)
    assert "another user" in str(answer["error"])
    assert await reader.readline() == b""
    writer.close()


async def test_a_client_that_stops_reading_is_dropped_and_others_keep_their_events(
    host: tuple[Services, HostServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, host_server = host
    monkeypatch.setattr(server, "MAX_QUEUED_EVENTS", 1000)
    # The slow one: says hello, asks for events, then never reads again (a plain
    # socket: nothing reads on its behalf).
    slow = socket.socket(socket.AF_UNIX)
    slow.connect(str(tmp_path / "sessions" / protocol.SOCKET_NAME))
    slow.sendall(protocol.encode(protocol.hello(events=True)))
    fast_events: list[FleetEvent] = []
    fast = await HostClient.connect(tmp_path / "sessions", on_event=fast_events.append)
    assert fast is not None
    big = "x" * 2000
    for i in range(3000):  # about 6 MB: more than the socket buffers hold
        services.publish(FleetError(bot_id=None, message=f"{i} {big}"))
        if i % 50 == 0:
            await asyncio.sleep(0.005)  # a busy fleet, not an instant flood
    await services.fleet.wait_until(lambda: len(fast_events) >= 3000, 20)
    assert host_server.clients == 1  # the slow one is gone; the fast one stays
    # The slow client, reading at last, finds the host's goodbye after what was sent.
    slow.setblocking(False)
    reader, writer = await asyncio.open_unix_connection(sock=slow, limit=2**24)
    data = await asyncio.wait_for(reader.read(), 10)
    assert b'"bye":"this console fell behind the fleet' in data
    writer.close()
    assert await fast.request("ping") == "pong"
    await fast.close()


async def test_a_client_the_host_drops_hears_that_the_bots_still_run(
    host: tuple[Services, HostServer], tmp_path: Path
) -> None:
    services, host_server = host
    gone: list[str] = []
    client = await HostClient.connect(tmp_path / "sessions", on_event=lambda e: None)
    assert client is not None
    client.when_gone(gone.append)
    with pytest.raises(HostGoneError):
        await client.request("ping", padding="x" * (protocol.MAX_LINE_BYTES + 1))
    await services.fleet.wait_until(lambda: bool(gone), 5)
    assert gone == [
        "the Linda hosting the fleet hung up on this client (oversized request); the bots "
        "are still running — attach again with `linda`"
    ]
    await client.close()


async def test_clients_are_told_when_the_host_stops(tmp_path: Path) -> None:
    services, _ = hosting(tmp_path, FixedClock())
    await services.open()
    gone: list[str] = []
    client = await HostClient.connect(tmp_path / "sessions", on_event=lambda e: None)
    assert client is not None
    client.when_gone(gone.append)
    await services.close()
    await services.fleet.wait_until(lambda: bool(gone), 5)
    assert gone == [FLEET_STOPPED]
    with pytest.raises(HostGoneError):
        await client.request("ping")
    await client.close()
    assert not (tmp_path / "sessions" / protocol.SOCKET_NAME).exists()


async def test_a_request_being_answered_when_the_host_stops_gets_its_answer(
    tmp_path: Path,
) -> None:
    """A `broadcast cancel` that ends the campaign a `broadcast run` host runs for: the
    host stops then, and the cancel must still hear that it worked, not that the host
    went away. Requests under way are answered (for a few seconds) before the bye."""
    services, host_server = hosting(tmp_path, FixedClock())
    await services.open()
    started = asyncio.Event()

    async def slow_ping(_args: dict[str, object]) -> str:
        started.set()
        await asyncio.sleep(0.3)
        return "late pong"

    host_server._handlers["ping"] = slow_ping
    client = await HostClient.connect(tmp_path / "sessions", on_event=lambda e: None)
    assert client is not None
    asked = asyncio.ensure_future(client.request("ping"))
    await asyncio.wait_for(started.wait(), 5)
    await services.close()
    assert await asyncio.wait_for(asked, 5) == "late pong"
    await client.close()


async def test_a_deep_sessions_folder_still_gets_its_socket(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60) / "sessions"
    services = Services.build(
        demo_fleet(),
        store_url=sqlite_url(tmp_path / "linda.db"),
        sessions_dir=deep,
        data_dir=tmp_path / "demo",
        demo=True,
        clock=FixedClock(),
    )
    services.add(HostServer(services, deep))
    async with services:
        client = await HostClient.connect(deep)
        assert client is not None
        assert await client.request("ping") == "pong"
        await client.close()


async def test_a_pairing_ends_with_the_client_that_asked_for_it(tmp_path: Path) -> None:
    """ctrl+c on `linda pair` through a host (or the command killed, its SSH dropped)
    left the host showing QR codes to nobody for 160 s; the client's own hang-up was
    also taken for the host stopping. A pairing that ended is left alone."""
    clock = FixedClock()
    # Slow enough that a pairing outlives the test (160 s / 5), fast enough to connect.
    network = SimulatedNetwork(
        tmp_path / "demo",
        seed=7,
        speed=5,
        paired=["demo-main"],
        disconnect_rate=0,
        reply_rate=0,
        clock=clock,
    )
    services, _server = hosting(tmp_path, clock, network)
    fleet = services.fleet

    def waiting() -> bool:
        return fleet.status("demo-sales").state is BotState.WAITING_FOR_PHONE

    async with services:
        client = await HostClient.connect(tmp_path / "sessions")
        assert client is not None
        await client.request("pair", bot="demo-sales", method="qr")
        await fleet.wait_until(waiting, 10)
        heard: list[str] = []
        client.when_gone(heard.append)
        await client.close()
        await fleet.wait_until(lambda: fleet.status("demo-sales").state is BotState.NOT_PAIRED, 5)
        assert "cancelled" in (fleet.status("demo-sales").detail or "")
        assert heard == []  # hanging up is not the host stopping

        # Another client pairs and stays: others leaving do not cancel its pairing.
        staying = await HostClient.connect(tmp_path / "sessions")
        passing = await HostClient.connect(tmp_path / "sessions")
        assert staying is not None and passing is not None
        await staying.request("pair", bot="demo-sales", method="qr")
        await fleet.wait_until(waiting, 10)
        await passing.close()
        await asyncio.sleep(0.3)
        assert waiting()
        await staying.request("cancel_pairing", bot="demo-sales")
        await staying.close()


async def test_a_client_that_half_closes_still_gets_its_answer(
    host: tuple[Services, HostServer], tmp_path: Path
) -> None:
    """`nc -U` and socat close their side once the request is written: the send went
    out, and the answer saying so must reach them before the host hangs up."""
    path = tmp_path / "sessions" / protocol.SOCKET_NAME
    reader, writer = await raw(path)
    writer.write(protocol.encode(protocol.hello(events=False)))
    assert "welcome" in await line(reader)
    request = {
        "id": 1,
        "op": "send",
        "args": {"to": "+971501234569", "text": "Half", "bot": "demo-main"},
    }
    writer.write(protocol.encode(request))
    await writer.drain()
    writer.write_eof()
    answer = await line(reader)
    assert answer["id"] == 1 and answer["ok"] is True, answer
    assert "bye" in await line(reader)
    writer.close()


async def test_a_client_cut_off_without_a_goodbye_while_the_host_runs_is_told_it_was_dropped(
    host: tuple[Services, HostServer], tmp_path: Path
) -> None:
    """A console too slow to read its events is dropped, and its bye can be lost behind
    what it had not read: the connection just ends. The host still runs, so the console
    must not say every bot went offline."""
    _services, server_ = host
    heard: list[str] = []
    client = await HostClient.connect(tmp_path / "sessions", on_event=lambda e: None)
    assert client is not None
    client.when_gone(heard.append)
    [served] = list(server_._clients.values())
    served.writer.transport.abort()  # gone, no bye
    await asyncio.wait_for(_until(lambda: bool(heard)), 5)
    assert heard[0] != FLEET_STOPPED and "still running" in heard[0], heard
    await client.close()


async def _until(condition) -> None:  # noqa: ANN001
    while not condition():
        await asyncio.sleep(0.02)
