"""A console attached to the Linda that runs the fleet: the same panes, driven by the
host's events; quitting it leaves the bots running; it leaves when the host stops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hosted_fleet import hosting
from linda_tui.clock import FixedClock
from linda_tui.config import demo_fleet, sqlite_url
from linda_tui.host.remote import RemoteServices
from linda_tui.host.server import HostServer
from linda_tui.models import BotState
from linda_tui.services import DEMO_PRE_PAIRED, Services
from linda_tui.tui.app import LindaApp, create_app
from linda_tui.tui.screens.activity import ActivityScreen
from linda_tui.tui.screens.confirm import ConfirmScreen
from linda_tui.whatsapp.simulated import SimulatedNetwork

from .screen_probe import screen_text, wait_for_text, wait_until


@pytest.fixture
async def hosted(tmp_path: Path) -> AsyncIterator[tuple[Services, HostServer, Path]]:
    clock = FixedClock()
    network = SimulatedNetwork(
        tmp_path / "demo", seed=7, speed=200, paired=DEMO_PRE_PAIRED, disconnect_rate=0,
        reply_rate=0, clock=clock,
    )  # fmt: skip
    services, host = hosting(tmp_path, clock, network)
    async with services:
        await services.fleet.wait_until(lambda: len(services.fleet.active_bots()) == 2, 10)
        yield services, host, tmp_path


async def attached_app(folder: Path) -> LindaApp:
    remote = await RemoteServices.attach(folder / "sessions")
    assert remote is not None
    await remote.open_store_for_reading(sqlite_url(folder / "linda.db"))
    return create_app(remote, clock=FixedClock(), demo=True, cursor_blink=False)


async def test_an_attached_console_shows_the_hosts_fleet_and_its_events_live(
    hosted: tuple[Services, HostServer, Path],
) -> None:
    services, host, folder = hosted
    app = await attached_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        assert host.clients == 1
        # Something happens on the host: the attached console sees it at once.
        services.network.inject_inbound("demo-main", "+971501234567", "Is unit 4 free?")  # type: ignore[attr-defined]
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, ActivityScreen), "Activity")
        await wait_for_text(pilot, "Is unit 4 free?")
        # A send from the attached console goes out from the host's fleet.
        [result] = await app.fleet.send("+971501234568", "From the second console", bot="demo-main")  # type: ignore[attr-defined]
        assert result.ok
        services.network.flush()  # type: ignore[attr-defined]
        log = services.network.message_log.read_text()  # type: ignore[attr-defined]
        assert "From the second console" in log
    # Quitting the attached console left the host's bots running.
    assert services.fleet.status("demo-main").state is BotState.ONLINE
    assert await services.fleet.wait_until(lambda: host.clients == 0, 5)


async def test_an_attached_console_leaves_with_one_line_when_the_host_stops(
    tmp_path: Path,
) -> None:
    services, _ = hosting(tmp_path, FixedClock())
    await services.open()
    app = await attached_app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "Linda")
        await services.close()
        await wait_until(pilot, lambda: app.exit_reason is not None, "the attached console leaving")
    assert app.return_code == 1
    assert app.exit_reason == (
        "the Linda hosting the fleet stopped (every bot is offline) — start it again with "
        "`linda` or `linda serve`"
    )


async def test_quitting_the_host_while_others_are_attached_asks_first(
    hosted: tuple[Services, HostServer, Path],
) -> None:
    services, host, folder = hosted
    # This console hosts (it holds the services and the socket); another is attached.
    hosting = create_app(services, clock=FixedClock(), demo=True, cursor_blink=False, host=host)
    remote = await RemoteServices.attach(folder / "sessions")
    assert remote is not None
    try:
        async with hosting.run_test(size=(100, 32)) as pilot:
            await wait_for_text(pilot, "2/3 online")
            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(hosting.screen, ConfirmScreen), "a question")
            text = screen_text(hosting)
            assert "Stop the fleet for everyone?" in text and "1 other Linda is attached" in text
            await pilot.press("n")  # no: everything keeps running
            assert services.fleet.status("demo-main").state is BotState.ONLINE
    finally:
        await remote.close()


async def test_an_attached_console_shows_the_hosts_sync_line_at_once(tmp_path: Path) -> None:
    """The sync line is the host's as soon as the console attaches, not "not configured"
    until the next sync event."""
    from .conftest import add_contacts_service

    clock = FixedClock()
    services = Services.build(
        demo_fleet(), store_url=sqlite_url(tmp_path / "linda.db"),
        sessions_dir=tmp_path / "sessions", data_dir=tmp_path / "demo", demo=True,
        clock=clock,
    )  # fmt: skip
    add_contacts_service(services, tmp_path, settings=None, clock=clock, people=40)
    services.add(HostServer(services, tmp_path / "sessions"))
    async with services:
        result = await services.contacts.run_now()  # type: ignore[union-attr]
        assert result.contacts == 40
        app = await attached_app(tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_text(pilot, "Google Contacts sync: full sync: 40 contacts")
            assert "not configured" not in screen_text(app)


async def test_a_draft_is_kept_when_the_host_stops_under_an_attached_console(
    tmp_path: Path, restore_logging: None
) -> None:
    """Leaving without asking (the host is gone) must not throw away what the operator
    typed: it is kept in a private file beside the log, and the leaving line says where."""
    import stat

    from textual.widgets import Input, TextArea

    from linda_tui.logsetup import configure_logging
    from linda_tui.tui.screens.compose import ComposeScreen

    configure_logging(tmp_path / "logs" / "linda.log", "INFO")
    services, _ = hosting(tmp_path, FixedClock())
    await services.open()
    app = await attached_app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "Linda")
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        app.screen.query_one("#to", Input).value = "+971501234567"
        app.screen.query_one("#text", TextArea).text = "Viewing at 5pm, unit 1 — مرحبا"
        await services.close()
        await wait_until(pilot, lambda: app.exit_reason is not None, "the attached console leaving")
    assert app.exit_reason is not None
    assert "; the draft in Compose was not sent: it is kept in " in app.exit_reason
    [kept] = (tmp_path / "logs").glob("unsent-*.txt")
    assert kept.read_text() == "Message to +971501234567:\nViewing at 5pm, unit 1 — مرحبا\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert str(kept) in app.exit_reason
