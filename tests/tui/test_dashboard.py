"""The dashboard: bots come online in the table, state changes arrive cell by cell,
and the actions on the selected bot (log out asks first)."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from linda_tui.config.models import BotConfig, FleetConfig, Role
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
        assert _state_cell(app, "demo-sales") == "○ not paired"
        assert "Google Contacts sync: not configured" in screen


async def test_a_dropped_connection_shows_up_and_recovers(make_app: MakeApp) -> None:
    app = make_app(speed=20.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: _state_cell(app, "demo-main") == "● online", "online")
        table = app.screen.query_one(BotTable)
        row_keys_before = list(table.rows)
        app.services.network.disconnect("demo-main", "connection closed by server")
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
            pilot, lambda: _state_cell(app, "demo-support") == "⊖ logged out", "logged out"
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


async def test_reconnect_of_an_unpaired_bot_says_to_pair_it(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.screen.query_one(BotTable).select_bot("demo-sales")
        await pilot.press("r")
        await pilot.pause(0.1)
        messages = [n.message for n in app._notifications]
        assert "demo-sales is not paired — press p to pair it" in messages
        assert not any(m.startswith("Reconnecting") for m in messages)


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


def _big_fleet(n: int) -> FleetConfig:
    return FleetConfig(
        bots=[
            BotConfig(
                id=f"bot-{i:02d}",
                name=f"Bot {i}",
                phone=f"+9715012300{i:02d}",
                role=Role.PRIMARY if i == 0 else Role.SECONDARY,
            )
            for i in range(n)
        ]
    )


async def test_a_big_fleet_scrolls_in_the_table_and_keeps_the_summary_on_screen(
    make_app: MakeApp,
) -> None:
    ids = [f"bot-{i:02d}" for i in range(40)]
    app = make_app(fleet=_big_fleet(40), paired=tuple(ids))
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for_text(pilot, "40/40 online")
        screen = screen_text(app)
        lines = screen.splitlines()
        assert "Dashboard" in lines[0]  # nothing pushed off the top
        assert lines[3].split()[:2] == ["Bot", "State"]  # the header under the summary
        assert "Bot 0 (bot-00)" in screen  # the detail line is on screen too
        await pilot.press(*["down"] * 30)
        await wait_for_text(pilot, "Bot 30 (bot-30)")
        screen = screen_text(app)
        lines = screen.splitlines()
        assert "Dashboard" in lines[0] and "40/40 online" in lines[1]
        assert lines[3].split()[:2] == ["Bot", "State"]  # the header stays on top
        assert any(line.startswith(" Bot 30 ") for line in lines)  # the cursor's row
        assert not any(line.startswith(" Bot 0 ") for line in lines)  # scrolled past
        await pilot.press("home")
        await wait_for_text(pilot, "Bot 0 (bot-00)")
        await pilot.press("end")
        await wait_for_text(pilot, "Bot 39 (bot-39)")


async def test_at_100_columns_a_fleet_taller_than_the_screen_never_scrolls_sideways(
    make_app: MakeApp,
) -> None:
    # The vertical scroll bar takes a column: the table fits its columns to what is left
    # (the role goes; it is in the detail line) instead of scrolling sideways.
    app = make_app(fleet=_big_fleet(40), paired=tuple(f"bot-{i:02d}" for i in range(40)))
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for_text(pilot, "40/40 online")
        table = app.screen.query_one(BotTable)
        assert table.show_vertical_scrollbar
        assert not table.show_horizontal_scrollbar
        header = screen_text(app).splitlines()[3]
        assert header.split()[-2:] == ["Last", "error"]
        assert header.split()[:2] == ["Bot", "State"]


async def test_a_click_selects_the_bot(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        table = app.screen.query_one(BotTable)
        # The header is line 0 of the table; demo-support's row is line 3.
        await pilot.click(BotTable, offset=(3, 3))
        await wait_until(pilot, lambda: table.selected_bot_id == "demo-support", "selection")
        assert "Demo support (demo-support)" in screen_text(app)
        await pilot.click(BotTable, offset=(3, 0))  # the header selects nothing
        await pilot.pause(0.05)
        assert table.selected_bot_id == "demo-support"


async def test_an_unchanged_bot_keeps_its_drawn_line(make_app: MakeApp) -> None:
    app = make_app(speed=20.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_until(pilot, lambda: _state_cell(app, "demo-main") == "● online", "online")
        await pilot.pause(0.3)
        table = app.screen.query_one(BotTable)
        quiet = table.rows["demo-sales"].strip
        assert quiet is not None
        app.services.network.disconnect("demo-main", "connection closed by server")
        await wait_until(
            pilot, lambda: _state_cell(app, "demo-main") == "↻ reconnecting", "reconnecting"
        )
        await wait_for_text(pilot, "↻ reconnecting")
        # Only the bot that changed was drawn again.
        assert table.rows["demo-sales"].strip is quiet


async def test_changes_while_another_pane_shows_are_on_the_dashboard_on_return(
    make_app: MakeApp,
) -> None:
    # Real-time simulation: the dropped bot stays reconnecting for seconds, so nothing
    # but the return to the dashboard can bring the change on screen.
    app = make_app(speed=1.0, latency=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        dashboard = app.screen
        await pilot.press("5")
        await wait_until(pilot, lambda: app.screen is not dashboard, "another pane")
        app.services.network.disconnect("demo-main", "connection closed by server")
        await wait_until(
            pilot,
            lambda: app.fleet.status("demo-main").state is BotState.RECONNECTING,
            "the fleet to see the drop",
        )
        await pilot.pause(0.3)
        hidden = dashboard.query_one(BotTable)
        assert str(hidden.get_cell("demo-main", "state")) == "● online"  # not redrawn yet
        await pilot.press("1")
        await wait_until(
            pilot, lambda: _state_cell(app, "demo-main") == "↻ reconnecting", "the change", 1.0
        )
        assert app.fleet.status("demo-main").state is BotState.RECONNECTING
        assert "1/3 online" in screen_text(app)


async def test_the_first_frame_already_shows_every_bots_state(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A local store opens in milliseconds: the console waits for it before its first
    # frame, so the operator never sees a table of "starting…" rows flash by. (The wait
    # is stretched here so that a busy test machine cannot make it run out.)
    monkeypatch.setattr("linda_tui.tui.app.FIRST_FRAME_WAIT_SECONDS", 5.0)
    app = make_app(latency=False)
    async with app.run_test(size=(100, 32)):
        assert _state_cell(app, "demo-main") == "● online"
        assert _state_cell(app, "demo-sales") == "○ not paired"
        assert "2/3 online" in screen_text(app)


def test_the_sync_line_says_starting_until_the_sync_says_how_it_stands(
    make_app: MakeApp,
) -> None:
    """Not "not configured" while a configured sync (the demo's) is still starting."""
    from linda_tui.tui.app import SYNC_NOT_CONFIGURED, SYNC_STARTING

    assert make_app(contacts=True, folder="with").sync_status == SYNC_STARTING
    assert make_app(folder="without").sync_status == SYNC_NOT_CONFIGURED


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (120, "Google Contacts sync: full sync: 3,000 contacts (+2,990 ~4 -6) · next 04:00"),
        (60, "Google sync: full sync: 3,000 contacts · next 04:00"),
    ],
)
async def test_the_sync_line_keeps_the_next_run_in_a_narrow_terminal(
    make_app: MakeApp, width: int, shown: str
) -> None:
    """At 60 columns the counts go before the next run does: the operator still sees
    when the next sync is; resizing picks the fullest form that fits."""
    from datetime import UTC, datetime

    from linda_tui.contacts.service import ContactsSyncStatus
    from linda_tui.contacts.sync import SyncResult

    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await wait_for_text(pilot, "online")
        app.timezone = UTC
        result = SyncResult("full", 3000, 2990, 4, 6, 3000, 3, 1.5)
        status = ContactsSyncStatus(
            configured=True, last_result=result, next_run=datetime(2026, 1, 15, 4, tzinfo=UTC)
        )
        app._take_sync_status(status)
        await wait_for_text(pilot, shown)
        await pilot.resize_terminal(120 if width == 60 else 60, 24)
        other = "(+2,990 ~4 -6)" if width == 60 else "Google sync: full sync"
        await wait_for_text(pilot, other)
