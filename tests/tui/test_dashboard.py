"""The dashboard: bots come online in the table, state changes arrive cell by cell,
and the actions on the selected bot (log out asks first)."""

from __future__ import annotations

from textual.widgets import Button

from linda_tui.models import BotState
from linda_tui.tui.screens.confirm import ConfirmScreen
from linda_tui.tui.screens.dashboard import DashboardScreen
from linda_tui.tui.widgets.bot_table import BotTable

from .conftest import MakeApp
from .screen_probe import screen_text, wait_for_text, wait_until


def _state_cell(app, bot_id: str) -> str:  # noqa: ANN001
    return str(app.screen.query_one(BotTable).get_cell(bot_id, "state"))


async def test_bots_come_online_and_the_summary_follows(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        screen = screen_text(app)
        assert "● demo-main healthy" in screen
        assert _state_cell(app, "demo-main") == "● online"
        assert _state_cell(app, "demo-support") == "● online"
        assert _state_cell(app, "demo-sales") == "○ logged out"
        assert "Google Contacts sync: not configured" in screen


async def test_a_dropped_connection_shows_up_and_recovers(make_app: MakeApp) -> None:
    app = make_app(speed=20.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: _state_cell(app, "demo-main") == "● online", "online")
        table = app.screen.query_one(BotTable)
        row_keys_before = list(table.rows)
        app.setup.network.disconnect("demo-main", "connection closed by server")
        await wait_until(
            pilot, lambda: _state_cell(app, "demo-main") == "↻ reconnecting", "reconnecting"
        )
        assert "reconnecting in" in str(table.get_cell("demo-main", "error"))
        assert "1/3 online" in screen_text(app)
        await wait_until(pilot, lambda: _state_cell(app, "demo-main") == "● online", "back online")
        # Updated in place: the same rows, nothing rebuilt.
        assert list(table.rows) == row_keys_before


async def test_log_out_asks_first_and_cancel_keeps_the_bot(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.screen.query_one(BotTable).select_bot("demo-support")
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        screen = screen_text(app)
        assert "Log out Demo support (demo-support)?" in screen
        # The safe answer has the focus: Enter cancels.
        focused = app.screen.focused
        assert isinstance(focused, Button) and focused.id == "confirm-no"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")
        await pilot.pause(0.2)
        assert app.fleet.status("demo-support").state is BotState.ONLINE
        assert app.fleet.status("demo-support").paired

        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(
            pilot, lambda: _state_cell(app, "demo-support") == "○ logged out", "logged out"
        )
        assert not app.fleet.status("demo-support").paired
        assert "logged out by operator" in screen_text(app)
        assert any("demo-support is logged out" in n.message for n in app._notifications)


async def test_log_out_of_an_unpaired_bot_says_there_is_nothing_to_do(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.screen.query_one(BotTable).select_bot("demo-sales")
        await pilot.press("l")
        await pilot.pause(0.1)
        assert isinstance(app.screen, DashboardScreen)
        assert any("nothing to log out" in n.message for n in app._notifications)


async def test_reconnect_drops_and_reopens_the_bot(make_app: MakeApp) -> None:
    app = make_app(speed=20.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: _state_cell(app, "demo-main") == "● online", "online")
        seen: list[BotState] = []
        app.fleet.subscribe(
            lambda e: (
                seen.append(e.status.state)
                if getattr(e, "status", None) is not None and e.status.id == "demo-main"
                else None
            )
        )
        await pilot.press("r")
        await wait_until(pilot, lambda: BotState.CONNECTING in seen, "connecting again")
        await wait_until(pilot, lambda: _state_cell(app, "demo-main") == "● online", "back online")
