"""Words: the phone-code screen speaks of the phone code (with its countdown), switching
pairing methods is not a failure, advice never names a `linda` command the running
console would refuse, and an opt-out is quoted in the person's own words."""

from __future__ import annotations

import re

from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.screens.dashboard import DashboardScreen
from linda_tui.tui.screens.pairing import PairingScreen, describe_seconds
from linda_tui.tui.widgets.bot_table import BotTable
from linda_tui.whatsapp.simulated import PAIRING_WINDOW

from .conftest import MakeApp
from .screen_probe import screen_text, wait_for_text, wait_until, widget_text

# `linda status`, `linda pair demo-sales`...: each would be refused while the console runs.
LINDA_COMMAND = re.compile(r"\blinda (status|send|pair|logout|doctor|config)\b")


async def _pairing(pilot, app) -> PairingScreen:  # noqa: ANN001
    await wait_for_text(pilot, "2/3 online")
    app.screen.query_one(BotTable).select_bot("demo-sales")
    await pilot.press("p")
    await wait_until(pilot, lambda: isinstance(app.screen, PairingScreen), "pairing")
    return app.screen


async def test_the_phone_code_screen_counts_down_and_never_speaks_of_a_qr(
    make_app: MakeApp,
) -> None:
    app = make_app(speed=1.0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _pairing(pilot, app)
        await wait_for_text(pilot, "expires in 60 s")
        await pilot.press("c")
        await wait_until(pilot, lambda: screen.query_one("#pair-code").display, "the phone code")
        body = screen.query_one("#pair-body")
        # The code lasts as long as the pairing window: 160 s.
        await wait_until(
            pilot,
            lambda: (
                f"Phone code · expires in {describe_seconds(int(PAIRING_WINDOW))}"
                in widget_text(body)
            ),
            "the phone code's countdown",
        )
        assert "QR" not in widget_text(body)
        assert "waiting for QR" not in screen_text(app)


def test_countdowns_read_as_people_say_them() -> None:
    assert describe_seconds(45) == "45 s"
    assert describe_seconds(60) == "60 s"
    assert describe_seconds(160) == "2:40"
    assert describe_seconds(125) == "2:05"


async def test_switching_between_qr_and_phone_code_is_not_a_failure(make_app: MakeApp) -> None:
    app = make_app(speed=1.0)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await _pairing(pilot, app)
        await wait_for_text(pilot, "expires in 60 s")
        await pilot.press("c")
        await wait_until(pilot, lambda: screen.query_one("#pair-code").display, "phone code")
        await pilot.press("c")
        await wait_for_text(pilot, "expires in 60 s")
        lines = [e.text for e in app.activity if e.bot_id == "demo-sales"]
        assert "pairing: switching to a phone code" in lines
        assert "pairing: switching to a QR code" in lines
        assert not [line for line in lines if "fail" in line or "cancel" in line], lines
        assert not [n for n in app._notifications if "fail" in n.message.lower()]
        assert "Pairing failed" not in screen_text(app)

        # Escape does cancel: said as such, not as a failure.
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")
        await wait_until(
            pilot,
            lambda: "pairing cancelled" in [e.text for e in app.activity],
            "the cancel in the log",
        )
        assert not [e for e in app.activity if "pairing failed" in e.text]


async def test_no_advice_names_a_command_the_console_would_refuse(make_app: MakeApp) -> None:
    app = make_app(paired=())  # no bot can send
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_text(pilot, "0/3 online")
        seen = [screen_text(app)]
        table = app.screen.query_one(BotTable)
        for bot_id in ("demo-main", "demo-sales", "demo-support"):
            table.select_bot(bot_id)
            await pilot.pause(0.05)
            seen.append(screen_text(app))
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        await pilot.press(*"+971501234567", "tab", *"hello", "ctrl+s")
        await wait_until(
            pilot, lambda: any(n.title == "Not sent" for n in app._notifications), "refusal"
        )
        refusal = next(n.message for n in app._notifications if n.title == "Not sent")
        assert "no bot is online" in refusal
        seen += [screen_text(app), refusal, *(e.text for e in app.activity)]
        for text in seen:
            assert not LINDA_COMMAND.search(text), text


async def test_an_opt_out_quotes_what_the_person_wrote(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        network = app.services.network
        network.inject_inbound("demo-main", "+971501234568", "Stop please!")
        network.inject_inbound("demo-main", "+971501234569", "توقف")
        await wait_until(
            pilot,
            lambda: len([e for e in app.activity if "opted out" in e.text]) == 2,
            "two opt-outs",
        )
        lines = [e.text for e in app.activity if "opted out" in e.text]
        assert "+971501234568 opted out: “Stop please!”" in lines
        assert "+971501234569 opted out: “توقف”" in lines
        await pilot.press("5")
        await wait_for_text(pilot, "opted out: “Stop please!”")
