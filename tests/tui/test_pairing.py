"""Pairing from the dashboard: the QR code (scanned by the simulated phone under --demo),
the phone code, a timeout with a retry, and a terminal too small for the QR."""

from __future__ import annotations

from textual.widgets import Static

from linda_tui.models import BotState
from linda_tui.tui.screens.dashboard import DashboardScreen
from linda_tui.tui.screens.pairing import PairingScreen
from linda_tui.tui.widgets.bot_table import BotTable
from linda_tui.tui.widgets.qr_view import QRView
from linda_tui.whatsapp.account import PairCodeIssued, QRCodeIssued
from linda_tui.whatsapp.qr_render import draw_qr

from .conftest import MakeApp
from .screen_probe import screen_text, wait_for_text, wait_until


def _qr_shown(app) -> bool:  # noqa: ANN001
    screen = app.screen
    return isinstance(screen, PairingScreen) and screen.query_one(QRView).display


async def _open_pairing(pilot, app, bot_id: str = "demo-sales") -> None:  # noqa: ANN001
    await wait_for_text(pilot, "2/3 online")
    app.screen.query_one(BotTable).select_bot(bot_id)
    await pilot.press("p")
    await wait_until(pilot, lambda: isinstance(app.screen, PairingScreen), "the pairing screen")


async def test_pair_by_qr_with_the_demo_scan_key(make_app: MakeApp) -> None:
    # Slow enough that the first code (60 s nominal) is still live when scanned.
    app = make_app(speed=20.0)
    codes: list[QRCodeIssued] = []
    app.fleet.subscribe(
        lambda e: (
            codes.append(e.event) if isinstance(getattr(e, "event", None), QRCodeIssued) else None
        )
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await _open_pairing(pilot, app)
        await wait_until(pilot, lambda: _qr_shown(app), "the QR code")
        # The code on screen is the one WhatsApp issued, drawn black on white.
        drawn = app.screen.query_one(QRView).drawing
        assert drawn is not None and drawn.lines == draw_qr(codes[-1].payload).lines
        screen = screen_text(app)
        assert "Linked devices" in screen
        assert "Code 1 · expires in" in screen
        assert "x Phone scans (demo)" in screen

        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
        await wait_until(
            pilot, lambda: any(n.title == "Paired" for n in app._notifications), "notification"
        )
        await wait_until(
            pilot,
            lambda: (
                str(app.screen.query_one(BotTable).get_cell("demo-sales", "state")) == "● online"
            ),
            "demo-sales online",
        )
        await wait_for_text(pilot, "3/3 online")
        assert app.fleet.status("demo-sales").paired


async def test_the_qr_is_redrawn_at_each_rotation(make_app: MakeApp) -> None:
    # A 20 s rotation takes 0.4 s: quick, and the first code (1.2 s) is still up when a
    # loaded machine gets round to looking (at 200x it lasted 0.3 s and was missed).
    app = make_app(speed=50.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await _open_pairing(pilot, app)
        await wait_until(pilot, lambda: _qr_shown(app), "the QR code")
        first = app.screen.query_one(QRView).drawing
        await wait_for_text(pilot, "Code 3 ·")
        assert app.screen.query_one(QRView).drawing != first


async def test_pairing_times_out_and_offers_a_retry(make_app: MakeApp) -> None:
    app = make_app(speed=2000.0)  # the whole 160 s pairing window passes in 80 ms
    async with app.run_test(size=(100, 32)) as pilot:
        await _open_pairing(pilot, app)
        screen = await wait_for_text(pilot, "The code expired before")
        assert "r Try again" in screen
        assert not app.screen.query_one(QRView).display

        app.services.network.speed = 20.0  # the next codes stay up long enough to look at
        await pilot.press("r")
        await wait_until(pilot, lambda: _qr_shown(app), "a new QR code after retrying")
        assert "Try again" not in screen_text(app)


async def test_pair_with_a_phone_code(make_app: MakeApp) -> None:
    app = make_app(speed=20.0)
    issued: list[PairCodeIssued] = []
    app.fleet.subscribe(
        lambda e: (
            issued.append(e.event)
            if isinstance(getattr(e, "event", None), PairCodeIssued)
            else None
        )
    )
    async with app.run_test(size=(100, 32)) as pilot:
        await _open_pairing(pilot, app)
        await pilot.press("c")
        await wait_until(pilot, lambda: bool(issued), "a phone code")
        code = issued[-1].code
        assert len(code) == 8
        # Shown large: letter-spaced, in two groups of four, with the steps beside it.
        spaced = "  ".join(code[:4]) + "   –   " + "  ".join(code[4:])
        screen = await wait_for_text(pilot, spaced)
        assert "Link with phone" in screen
        # The code's own countdown (it lasts the whole pairing window), no QR's.
        assert "Phone code · expires in" in screen and "Code 1" not in screen

        await pilot.press("x")  # under --demo: the user types the code on the phone
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
        await wait_until(
            pilot,
            lambda: app.fleet.status("demo-sales").state is BotState.ONLINE,
            "demo-sales online",
        )


async def test_a_small_terminal_says_how_large_it_must_be(make_app: MakeApp) -> None:
    app = make_app(speed=20.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_pairing(pilot, app)
        too_small = app.screen.query_one("#qr-too-small", Static)
        await wait_until(pilot, lambda: too_small.display, "the too-small message")
        message = " ".join(str(too_small.content).split())
        assert "The terminal is 80x24; the QR code needs at least 61x36" in message
        assert "Press c to pair with a phone code instead." in message
        assert "61x36" in screen_text(app)
        assert not app.screen.query_one(QRView).display
        await pilot.press("c")
        await wait_until(
            pilot, lambda: app.screen.query_one("#pair-code", Static).display, "the phone code"
        )
        assert "Link with phone" in screen_text(app)
        assert app.screen.query_one("#pair-code", Static).display


async def test_escape_cancels_pairing(make_app: MakeApp) -> None:
    app = make_app(speed=20.0)
    async with app.run_test(size=(100, 32)) as pilot:
        await _open_pairing(pilot, app)
        await wait_until(pilot, lambda: _qr_shown(app), "the QR code")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
        await wait_until(
            pilot,
            lambda: app.fleet.status("demo-sales").detail == "pairing cancelled",
            "the pairing cancelled",
        )
        assert app.fleet.status("demo-sales").state is BotState.NOT_PAIRED


async def test_pairing_an_online_bot_is_refused_with_the_reason(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("p")  # the cursor starts on demo-main, online
        await pilot.pause(0.1)
        assert isinstance(app.screen, DashboardScreen)
        assert any("already paired and online" in n.message for n in app._notifications)
