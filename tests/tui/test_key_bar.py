"""The key bar: the keys of the pane on show, the palette's on the right, clickable."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Select

from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.widgets.key_bar import KeyBar

from .conftest import MakeApp
from .screen_probe import wait_for_text, wait_until


def _bar_text(app) -> str:  # noqa: ANN001
    return app.screen.query_one(KeyBar).render().plain


async def test_it_follows_the_pane_and_puts_the_palette_on_the_right(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        dashboard = _bar_text(app)
        assert dashboard.startswith(" p Pair  r Reconnect  l Log out  s Send from  q Quit ")
        assert dashboard.rstrip().endswith("^p palette") and len(dashboard) == 100
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        await wait_until(pilot, lambda: "Send" in _bar_text(app), "Compose's keys")
        assert "Pair" not in _bar_text(app)


async def test_at_80_columns_every_dashboard_key_still_shows(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        text = _bar_text(app)
        assert "q Quit" in text and text.rstrip().endswith("^p palette") and len(text) == 80


async def test_a_click_on_a_key_presses_it(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("down", "down")  # demo-support
        column = _bar_text(app).index("Send from")
        await pilot.click(KeyBar, offset=(column, 0))
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        # Chosen just after the pane shows (the action goes on once it is switched to).
        sender = app.screen.query_one("#from", Select)
        await wait_until(pilot, lambda: sender.value == "demo-support", "demo-support as From")

        await pilot.press("escape", "1")  # out of the text field, then the dashboard
        await wait_until(pilot, lambda: "Pair" in _bar_text(app), "the dashboard")
        await pilot.click(KeyBar, offset=(_bar_text(app).index("palette"), 0))
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
