"""Nothing the operator does with the mouse crashes the console: selecting text and
copying it with ctrl+c (the bot table used to raise a TypeError: its ``_render``
replaced Textual's), and single, double and triple clicks on every widget of every
pane and dialog."""

from __future__ import annotations

import pytest
from textual.geometry import Offset
from textual.screen import Screen
from textual.selection import Selection
from textual.widget import Widget
from textual.widgets import DataTable, RichLog, Static

from linda_tui.tui.app import LindaApp
from linda_tui.tui.screens.confirm import ConfirmScreen
from linda_tui.tui.screens.key_help import KeyHelpScreen
from linda_tui.tui.screens.pairing import PairingScreen
from linda_tui.tui.selection import drawn_text, extract
from linda_tui.tui.widgets.bot_table import BotTable
from linda_tui.tui.widgets.key_bar import QUIT_ACTIONS, KeyBar
from linda_tui.tui.widgets.line_table import LineTable

from .conftest import MakeApp
from .screen_probe import wait_for_text, wait_until


def _alive(app: LindaApp) -> None:
    assert app.is_running and app._exception is None, app._exception


async def _select(pilot, app: LindaApp, start: tuple[int, int], end: tuple[int, int]) -> None:  # noqa: ANN001
    """Drag the mouse across the screen from start to end (screen offsets)."""
    await pilot.mouse_down(offset=start)
    await pilot.hover(offset=((start[0] + end[0]) // 2, (start[1] + end[1]) // 2))
    await pilot.hover(offset=end)
    await pilot.mouse_up(offset=end)
    await pilot.pause(0.05)


async def test_text_selected_in_the_bot_table_is_copied_with_ctrl_c(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        table = app.screen.query_one(BotTable)
        top = table.region.y
        await _select(pilot, app, (2, top + 1), (40, top + 3))
        assert app.screen.selections, "nothing was selected"
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        _alive(app)
        assert "Demo main" in app.clipboard and "● online" in app.clipboard
        assert "+971501234561" in app.clipboard

        # From the summary line down to the detail line, across every widget between.
        detail = app.screen.query_one("#bot-detail").region
        await _select(pilot, app, (1, 1), (30, detail.y + 1))
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        _alive(app)
        assert "2/3 online" in app.clipboard and "Demo sales" in app.clipboard

        # A double click selects a whole widget's text; a triple click its container's.
        await pilot.double_click(BotTable, offset=(3, 2))
        await pilot.press("ctrl+c")
        await pilot.triple_click(BotTable, offset=(3, 2))
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        _alive(app)


def _clickable(screen: Screen[object]) -> list[Widget]:
    """Every widget on the screen that has a place on it and no children (a click on a
    container lands on one of them anyway)."""
    return [
        widget
        for widget in screen.walk_children(Widget)
        if widget.display and widget.region.width and widget.region.height and not widget.children
    ]


async def _click_everything(pilot, app: LindaApp, back: str) -> int:  # noqa: ANN001
    """Click each widget of the screen on show (1, 2 and 3 times), then select and copy
    the whole screen; after any click that opens or leaves something, go back to the
    ``back`` mode's pane. Returns how many clicks were made."""
    clicks = 0
    screen = app.screen
    for widget in _clickable(screen):
        if isinstance(widget, KeyBar):
            continue  # its keys are clicked one by one below
        # Double and triple clicks select text: on the widgets that show text.
        selects = isinstance(widget, Static | LineTable | RichLog | DataTable)
        for times in (1, 2, 3) if selects else (1,):
            if not widget.is_attached or app.screen is not screen:
                break
            region = widget.region
            await pilot.click(
                offset=(region.x + region.width // 2, region.y + region.height // 2),
                times=times,
            )
            clicks += 1
            _alive(app)
        await _restore(pilot, app, screen, back)
    width, height = app.size
    await _select(pilot, app, (0, 0), (width - 1, height - 2))
    await pilot.press("ctrl+c")
    await pilot.pause(0.05)
    _alive(app)
    return clicks


async def _restore(pilot, app: LindaApp, screen: Screen[object], back: str) -> None:  # noqa: ANN001
    for _ in range(5):
        if app.screen is screen:
            return
        await pilot.press("escape")
        await pilot.pause(0.05)
        if app.current_mode != back and not isinstance(app.screen, (ConfirmScreen,)):
            await app.switch_mode(back)
            await pilot.pause(0.05)
    _alive(app)


async def test_clicks_anywhere_on_every_pane_and_dialog_never_crash(make_app: MakeApp) -> None:
    app = make_app(speed=1.0)
    clicks = 0
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.services.network.inject_inbound("demo-main", "+971501234568", "[/] a toast to click")
        await wait_for_text(pilot, "a toast to click")
        for key, mode in (
            ("1", "dashboard"),
            ("2", "compose"),
            ("3", "broadcasts"),
            ("4", "contacts"),
            ("5", "activity"),
        ):
            await pilot.press("escape", key)
            await wait_until(pilot, lambda mode=mode: app.current_mode == mode, mode)
            clicks += await _click_everything(pilot, app, mode)

        # The key bar: a click on each key but the quitting ones presses it.
        await pilot.press("escape", "1")
        await wait_until(pilot, lambda: app.current_mode == "dashboard", "dashboard")
        pane = app.screen
        bar = pane.query_one(KeyBar)
        bar.render()
        for start, _end, key in list(bar._spans):
            binding = pane.active_bindings.get(key)
            if binding is not None and binding.binding.action in QUIT_ACTIONS:
                continue
            await pilot.click(KeyBar, offset=(start + 1, 0))
            clicks += 1
            _alive(app)
            await _restore(pilot, app, pane, "dashboard")

        # The dialogs: pairing, a question, the key help.
        pane.query_one(BotTable).select_bot("demo-sales")
        for open_it, dialog in (
            (("p",), PairingScreen),
            (("down", "l"), ConfirmScreen),
            (("question_mark",), KeyHelpScreen),
        ):
            await pilot.press(*open_it)
            await wait_until(pilot, lambda dialog=dialog: isinstance(app.screen, dialog), "dialog")
            clicks += await _click_everything(pilot, app, "dashboard")
            await _restore(pilot, app, pane, "dashboard")
        _alive(app)
    assert clicks > 60  # it did click around


def _text_widgets(screen: Screen[object]) -> list[Widget]:
    return [
        widget
        for widget in screen.walk_children(Widget)
        if widget.display and widget.region.width and widget.region.height
    ]


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (60, 20)])
async def test_a_selection_starting_on_any_drawn_row_of_any_widget_copies(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    """Textual cut a Static's selection out of its text as written, while the selection
    counts rows as drawn: a selection starting on a wrapped row past the text's last line
    (the Broadcasts pane's hint when there is no campaign) raised IndexError on ctrl+c and
    ended the console. Every row of every widget, on three panes, at three sizes."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_text(pilot, "online")
        for key, mode in (("1", "dashboard"), ("3", "broadcasts"), ("4", "contacts")):
            await pilot.press("escape", key)
            await wait_until(pilot, lambda mode=mode: app.current_mode == mode, mode)
            await pilot.pause(0.05)
            screen = app.screen
            for widget in _text_widgets(screen):
                for row in range(widget.region.height + 1):
                    screen.selections = {
                        widget: Selection(Offset(1, row), Offset(widget.region.width, row + 2))
                    }
                    screen.get_selected_text()
            screen.selections = {}
            _alive(app)

        # The drag that ended the console: from the hint's second (wrapped) row down.
        await pilot.press("escape", "3")
        await wait_until(pilot, lambda: app.current_mode == "broadcasts", "broadcasts")
        hint = app.screen.query_one("#no-campaigns")
        if hint.region.height < 2:
            return  # it fits on one row at this width
        start = (hint.region.x + 1, hint.region.y + 1)
        await _select(pilot, app, start, (hint.region.right - 1, hint.region.bottom + 2))
        assert app.screen.selections, "nothing was selected"
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        _alive(app)
        row = drawn_text(hint)
        assert row is not None
        second = row.split("\n")[1].strip()
        assert second and second[:10] in app.clipboard, (second, app.clipboard)


def test_extract_clamps_rows_and_columns_past_the_text() -> None:
    text = "first line\nsecond"
    assert extract(Selection(Offset(2, 5), Offset(9, 7)), text) == ""
    assert extract(Selection(Offset(0, 1), Offset(99, 9)), text) == "second"
    assert extract(Selection(Offset(6, 0), Offset(3, 1)), text) == "line\nsec"
    assert extract(Selection(None, None), text) == text
    assert extract(Selection(Offset(0, 0), Offset(4, 0)), "") == ""


async def test_no_toast_covers_a_question(make_app: MakeApp) -> None:
    """At 80x24 a 'Campaign started' toast sat over the cancel question's buttons."""
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for_text(pilot, "online")
        await app.push_screen(
            ConfirmScreen("Cancel campaign 3?", "It sends nothing more.", "Cancel")
        )
        app.notify("Campaign 3 started sending", title="Campaign 3")
        await pilot.pause(0.2)
        from .screen_probe import screen_text

        shown = screen_text(app)
        assert "Go back (n)" in shown and "Campaign 3 started sending" not in shown
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "the pane")
        await pilot.pause(0.2)
        assert "Campaign 3 started sending" in screen_text(app)  # there once it is answered
