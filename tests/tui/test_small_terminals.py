"""Small terminals: what goes, what always stays. The table drops the columns shown
elsewhere before it cuts a phone number, the key bar always says how to quit, and
no dialog is wider than the terminal. (The snapshots show each size whole.)"""

from __future__ import annotations

import pytest

from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.screens.pairing import PairingScreen
from linda_tui.tui.widgets.bot_table import BotTable, fit_columns, table_width
from linda_tui.tui.widgets.key_bar import KeyBar

from .conftest import MakeApp
from .screen_probe import screen_text, wait_for_text, wait_until

SIZES = [(120, 40), (100, 32), (80, 24), (60, 20)]


@pytest.mark.parametrize(
    ("room", "columns"),
    [
        (120, ["name", "state", "since", "sent", "received", "queued", "role", "phone", "error"]),
        (100, ["name", "state", "since", "sent", "received", "queued", "phone", "error"]),
        (80, ["name", "state", "since", "phone", "error"]),
        (60, ["name", "state", "since", "phone"]),
        (50, ["name", "state", "phone"]),
        (30, ["name", "state", "phone"]),  # too narrow even for these: it scrolls
    ],
)
def test_columns_go_in_order_and_the_phone_stays_whole(room: int, columns: list[str]) -> None:
    widths = fit_columns(room)
    assert list(widths) == columns
    assert widths["phone"] == 13  # "+971501234567", never cut
    if len(columns) > 3:
        assert table_width(widths) <= room
    if "error" in widths:
        assert table_width(widths) == room  # the last error takes what is left


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_number_shows_whole_and_quit_is_on_every_pane(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_text(pilot, "2/3 online")
        screen = screen_text(app)
        for phone in ("+971501234561", "+971501234562", "+971501234563"):
            assert phone in screen
        table = app.screen.query_one(BotTable)
        assert not table.show_horizontal_scrollbar
        for key in ("1", "2", "3", "4", "5"):
            await pilot.press("escape", key)
            await pilot.pause(0.05)
            bar = app.screen.query_one(KeyBar).render().plain
            assert "q Quit" in bar, bar
            assert bar.rstrip().endswith("^p palette")
        # In Compose's To field "q" is a letter: the bar names ctrl+q instead.
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        await pilot.pause(0.05)
        assert "^q Quit" in app.screen.query_one(KeyBar).render().plain


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_pairing_dialog_fits_the_terminal(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app(speed=1.0)
    async with app.run_test(size=size) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.screen.query_one(BotTable).select_bot("demo-sales")
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PairingScreen), "pairing")
        screen = app.screen
        for method in ("QR", "phone code"):
            await wait_until(
                pilot,
                lambda: any(
                    screen.query_one(selector).display
                    for selector in ("#qr", "#qr-too-small", "#pair-code")
                ),
                f"the {method}",
                timeout=30,  # the first QR code loads the QR library: slow on a busy machine
            )
            await pilot.pause(0.1)
            body = screen.query_one("#pair-body").region
            assert body.x >= 0 and body.right <= size[0], (method, body)
            assert body.bottom <= size[1] - 1, (method, body)  # the key bar's line is free
            shown = screen_text(app)
            assert "Pair Demo sales (demo-sales)" in shown
            assert "esc Cancel" in shown
            await pilot.press("c")
            await wait_until(pilot, lambda: screen.phase == "starting", "the switch")


def test_the_name_column_fits_the_longest_name_and_gives_way_last() -> None:
    assert fit_columns(200, 30)["name"] == 30  # room for all: the whole name
    assert fit_columns(200, 90)["name"] == 40  # a very long name ends in "…"
    assert fit_columns(120, 5)["name"] == 13  # never narrower than the header's width
    wide = fit_columns(100, 30)
    assert wide["name"] == 30 and table_width(wide) == 100  # columns went before the name
    narrow = fit_columns(50, 30)
    assert list(narrow) == ["name", "state", "phone"]
    assert narrow["name"] == 13 and narrow["phone"] == 13  # then it gives way, not the phone


async def test_long_bot_names_show_whole_in_a_wide_terminal(make_app: MakeApp) -> None:
    from linda_tui.config.models import BotConfig, FleetConfig, Role

    name = "مكتب المبيعات — Downtown sales"  # 30 cells
    config = FleetConfig(
        bots=[
            BotConfig(id="main", name=name, phone="+971501234567", role=Role.PRIMARY),
            BotConfig(id="other", name="Other", phone="+971501234568"),
        ]
    )
    app = make_app(fleet=config, paired=("main",))
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_until(pilot, lambda: name in screen_text(app), "the whole name")
        assert app.screen.query_one(BotTable)._widths["name"] == 30


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (60, 20)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_campaigns_large_counts_are_never_cut(size: tuple[int, int]) -> None:
    """A 100,000-recipient campaign's Sent count (10,049/100,000) shows whole at every
    size: the column grows to its widest cell, and grows again when a count does."""
    from rich.text import Text
    from textual.app import App, ComposeResult

    from linda_tui.tui.screens.broadcasts import WIDE
    from linda_tui.tui.widgets.campaign_tables import CampaignTable

    def row(sent: str) -> dict[str, Text | str]:
        return {
            "id": "1", "name": "January offer", "status": "▶ running", "progress": "",
            "sent": Text(sent), "failed": Text("1,204"), "uncertain": Text("0"),
        }  # fmt: skip

    class Probe(App[None]):
        def compose(self) -> ComposeResult:
            yield CampaignTable(id="campaigns")

    app = Probe()
    async with app.run_test(size=size) as pilot:
        table = app.query_one(CampaignTable)
        table.set_narrow(size[0] < WIDE)  # as the Broadcasts pane lays it out
        table.put_rows([("1", row("0/9,000")), ("2", row("10,049/100,000"))])
        await wait_until(pilot, lambda: "10,049/100,000" in screen_text(app), "the whole count")
        table.update_cell("1", "sent", Text("999,999/1,000,000"))
        await wait_until(pilot, lambda: "999,999/1,000,000" in screen_text(app), "it grows")
