"""A fleet run by a host, seen through its socket: the same answers as the local one."""

from __future__ import annotations

from pathlib import Path

import pytest

from hosted_fleet import hosting
from linda_tui.clock import FixedClock
from linda_tui.fleet.events import AccountEventForwarded, FleetEvent, MessageRecorded
from linda_tui.fleet.manager import SendRefusedError, UnknownBotError
from linda_tui.host.remote import HostLostError, RemoteServices
from linda_tui.host.server import HostServer
from linda_tui.models import BotState
from linda_tui.services import Services
from linda_tui.whatsapp.account import PairingSucceeded, PairMethod, QRCodeIssued


@pytest.fixture
def hosted(host: tuple[Services, HostServer]) -> Services:
    return host[0]


async def test_the_remote_fleet_answers_like_the_local_one(
    hosted: Services, tmp_path: Path
) -> None:
    remote = await RemoteServices.attach(tmp_path / "sessions")
    assert remote is not None
    async with remote:
        local, seen = hosted.fleet, remote.fleet
        assert seen.config == local.config
        assert [s.id for s in seen.statuses()] == [s.id for s in local.statuses()]
        assert seen.status("demo-main").state is BotState.ONLINE
        assert seen.stats() == local.stats()
        assert seen.primary_health() == local.primary_health()
        with pytest.raises(UnknownBotError, match="known bots"):
            seen.status("nobody")
        events: list[FleetEvent] = []
        remote.subscribe(events.append)
        [result] = await seen.send("+971501234567", "from afar", bot="demo-support")
        assert result.ok
        await seen.wait_until(lambda: seen.status("demo-support").sent_today == 1, 5)
        assert any(isinstance(e, MessageRecorded) for e in events)
        with pytest.raises(SendRefusedError, match="not online"):
            await seen.send("+971501234567", "x", bot="demo-sales")
        with pytest.raises(UnknownBotError):
            await seen.send("+971501234567", "x", bot="nobody")


async def test_pairing_through_the_host_with_the_demo_phone(
    hosted: Services, tmp_path: Path
) -> None:
    remote = await RemoteServices.attach(tmp_path / "sessions")
    assert remote is not None
    async with remote:
        events: list[FleetEvent] = []
        remote.subscribe(events.append)
        await remote.fleet.pair("demo-sales", PairMethod.QR)

        def inner(kind: type) -> list[object]:
            return [
                e.event
                for e in events
                if isinstance(e, AccountEventForwarded) and isinstance(e.event, kind)
            ]

        assert await remote.fleet.wait_until(lambda: bool(inner(QRCodeIssued)), 10)
        assert await remote.demo_phone("demo-sales")
        assert await remote.fleet.wait_until(lambda: bool(inner(PairingSucceeded)), 10)
        assert await remote.fleet.wait_until(
            lambda: remote.fleet.status("demo-sales").state is BotState.ONLINE, 10
        )


async def test_an_operation_after_the_host_stopped_says_so(tmp_path: Path) -> None:
    services, _ = hosting(tmp_path, FixedClock())
    await services.open()
    remote = await RemoteServices.attach(tmp_path / "sessions")
    assert remote is not None
    gone: list[str] = []
    remote.when_gone(gone.append)
    await services.close()
    await remote.fleet.wait_until(lambda: bool(gone), 5)
    with pytest.raises(HostLostError, match=r"every bot is offline\) — start it again"):
        await remote.fleet.send("+971501234567", "late", bot="demo-main")
    await remote.close()
