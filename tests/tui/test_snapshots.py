"""How the console looks, at fixed terminal sizes. The fleet runs on the simulated
network with a fixed seed and no latency (events in a fixed order), the clock is
frozen, the cursor does not blink: nothing on screen depends on when the test runs.

Re-baseline on purpose only: ``uv run pytest tests/tui --snapshot-update``, then look
at the report before committing the new SVGs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from linda_tui.tui.screens.activity import ActivityScreen
from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.screens.pairing import PairingScreen
from linda_tui.tui.widgets.bot_table import BotTable

from .conftest import MakeApp
from .screen_probe import wait_for_text, wait_until

SnapCompare = Callable[..., bool]


def _frozen(make_app: MakeApp) -> Any:
    # speed 1: a QR code lives 60 real seconds, far longer than a snapshot takes.
    return make_app(speed=1.0, latency=False)


async def _settled(pilot: Pilot[int]) -> None:
    await wait_for_text(pilot, "2/3 online")


# The three sizes the console is tried at: roomy, the classic terminal, and a small
# window or split pane.
SIZES = [
    pytest.param((120, 40), id="120x40"),
    pytest.param((80, 24), id="80x24"),
    pytest.param((60, 20), id="60x20"),
]


@pytest.mark.parametrize("size", SIZES)
def test_dashboard(snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]) -> None:
    assert snap_compare(_frozen(make_app), terminal_size=size, run_before=_settled)


def test_dashboard_without_colour(
    snap_compare: SnapCompare, make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(_frozen(make_app), terminal_size=(80, 24), run_before=_settled)


async def _open_pairing(pilot: Pilot[int]) -> None:
    await _settled(pilot)
    table = pilot.app.screen.query_one(BotTable)
    table.select_bot("demo-sales")
    await pilot.press("p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, PairingScreen), "pairing")
    # The dashboard behind the dialog has caught up (it redraws bursts in batches).
    await wait_until(
        pilot,
        lambda: str(table.get_cell("demo-sales", "state")) == "▣ waiting for phone",
        "the dashboard to show the pairing",
    )
    # The state and the detail line can come in separate updates: wait for both.
    dashboard = pilot.app.screen_stack[-2]
    await wait_until(
        pilot,
        lambda: "scan the QR code" in str(dashboard.query_one("#bot-detail").content),
        "the dashboard's detail line to show the pairing",
    )


@pytest.mark.parametrize("size", SIZES)
def test_pairing_qr(snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _open_pairing(pilot)
        # Drawn when it fits (120x40); else the size it needs and the way out.
        await wait_for_text(pilot, "expires in 60 s" if size[1] >= 36 else "Press c to pair")

    assert snap_compare(_frozen(make_app), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_pairing_phone_code(
    snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _open_pairing(pilot)
        await wait_until(
            pilot,
            lambda: (
                pilot.app.screen.query_one("#qr-too-small").display
                or pilot.app.screen.query_one("#qr").display
            ),
            "the QR code or why it is not drawn",
        )
        dashboard = pilot.app.screen_stack[-2]
        await pilot.press("c")
        await wait_until(
            pilot, lambda: pilot.app.screen.query_one("#pair-code").display, "the phone code"
        )
        await wait_for_text(pilot, "Phone code · expires in 2:40")
        await wait_until(
            pilot,
            lambda: "enter the code" in str(dashboard.query_one("#bot-detail").content),
            "the dashboard to show the phone-code pairing",
        )

    assert snap_compare(_frozen(make_app), terminal_size=size, run_before=run_before)


async def _send_one(pilot: Pilot[int]) -> None:
    await _settled(pilot)
    await pilot.press("2")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ComposeScreen), "Compose")
    await pilot.press(*"+971501234567", "tab", *"Is the flat free?")  # it opens on To
    await pilot.press("ctrl+s")
    await wait_for_text(pilot, "✓✓ read")


@pytest.mark.parametrize("size", SIZES)
def test_compose_after_sending(
    snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _send_one(pilot)
        await pilot.press("escape")  # leave the text area: no cursor in the picture

    assert snap_compare(_frozen(make_app), terminal_size=size, run_before=run_before)


def test_activity(snap_compare: SnapCompare, make_app: MakeApp) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        await _send_one(pilot)
        pilot.app.services.network.inject_inbound("demo-support", "+971501234568", "Price list?")
        await wait_for_text(pilot, "Price list?")
        await pilot.press("escape", "5")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ActivityScreen), "Activity")
        pilot.app.clear_notifications()

    assert snap_compare(_frozen(make_app), terminal_size=(100, 32), run_before=run_before)
