"""The app as a whole: panes by number key and command palette, a fleet that cannot
start, and quitting that stops every client."""

from __future__ import annotations

from pathlib import Path

import pytest

from linda_tui.fleet.lock import InstanceLock
from linda_tui.models import BotState
from linda_tui.tui.screens.activity import ActivityScreen
from linda_tui.tui.screens.broadcasts import BroadcastsScreen
from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.screens.contacts import ContactsScreen
from linda_tui.tui.screens.dashboard import DashboardScreen

from .conftest import MakeApp
from .screen_probe import screen_text, wait_for_text, wait_until


async def test_number_keys_switch_panes(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        for key, pane in [
            ("2", ComposeScreen),
            ("3", BroadcastsScreen),
            ("4", ContactsScreen),
            ("5", ActivityScreen),
            ("1", DashboardScreen),
        ]:
            await pilot.press(key)
            await wait_until(pilot, lambda pane=pane: isinstance(app.screen, pane), pane.__name__)
            assert f"[{key} " in screen_text(app)  # the mode bar marks where you are
            if pane in (ComposeScreen, ContactsScreen):
                # Compose opens in its To field and Contacts in its search field, where
                # numbers are typed: esc leaves the field, and number keys switch again.
                await pilot.press("escape")


async def test_panes_with_nothing_yet_say_how_to_begin_without_fake_data(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        screen = await wait_for_text(pilot, "No campaigns yet.")
        assert "Press n" in screen and "Campaign " not in screen


async def test_the_command_palette_reaches_panes_and_bot_actions(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("ctrl+p")
        await pilot.press(*"send from demo support")
        await wait_for_text(pilot, "Send from Demo support (demo-support)")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        assert str(app.screen.query_one("#from").value) == "demo-support"


async def test_quit_stops_every_client_and_releases_the_lock(
    make_app: MakeApp, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        network = app.services.network
        await pilot.press("q")
        await wait_until(pilot, lambda: app._exit, "the app to leave", timeout=10)
    assert app.return_code == 0
    assert all(account.state is BotState.STOPPED for account in network._accounts.values())
    # Another Linda can now take the sessions folder.
    lock = InstanceLock(tmp_path / "run" / "sessions")
    lock.acquire()
    lock.release()


async def test_a_fleet_that_cannot_start_leaves_with_the_reason(
    make_app: MakeApp, tmp_path: Path
) -> None:
    held = InstanceLock(tmp_path / "run" / "sessions")
    held.acquire()
    try:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app._exit, "the app to leave", timeout=10)
        assert app.return_code == 1
        assert app.exit_reason is not None
        assert app.exit_reason.startswith("Linda is already running (pid")
    finally:
        held.release()


async def test_an_unexpected_error_ends_the_console_with_one_line_not_a_traceback(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug (or a Linda updated under a running console) must not paint a traceback with
    its locals over the operator's screen: one line names the error and the log."""
    from linda_tui.tui.screens.dashboard import DashboardScreen

    def broken(self: DashboardScreen) -> None:
        raise RuntimeError("boom [/] \\x1b[2J")

    monkeypatch.setattr(DashboardScreen, "action_reconnect", broken)
    app = make_app()
    with pytest.raises(RuntimeError):  # the test harness re-raises what ended the app
        async with app.run_test(size=(100, 32)) as pilot:
            await wait_for_text(pilot, "2/3 online")
            await pilot.press("r")
            await pilot.pause(0.5)
    assert app.return_code == 1
    assert app.exit_reason is not None
    assert app.exit_reason.startswith("unexpected error (RuntimeError: boom [/] ")
    assert "the console stopped" in app.exit_reason
    assert not app._exit_renderables  # no traceback printed on the way out
