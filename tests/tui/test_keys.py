"""Keys: Compose opens on the recipient, ? shows every key, q asks before throwing away
unsent work, and Compose's From list says how each bot is."""

from __future__ import annotations

import asyncio

from textual import events
from textual.command import CommandPalette
from textual.widgets import Input, Select, TextArea

from linda_tui.models import BotState
from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.screens.confirm import ConfirmScreen
from linda_tui.tui.screens.dashboard import DashboardScreen
from linda_tui.tui.screens.key_help import KeyHelpScreen
from linda_tui.tui.screens.pairing import PairingScreen

from .conftest import MakeApp
from .screen_probe import screen_text, wait_for_text, wait_until


async def _compose(pilot, app) -> ComposeScreen:  # noqa: ANN001
    await wait_for_text(pilot, "2/3 online")
    await pilot.press("2")
    await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
    return app.screen


async def test_compose_opens_on_the_recipient_so_a_number_is_typed_not_a_pane_switch(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _compose(pilot, app)
        assert screen.query_one("#to", Input).has_focus
        await pilot.press(*"0501234567")
        assert isinstance(app.screen, ComposeScreen)
        assert screen.query_one("#to", Input).value == "0501234567"
        # Leaving the field gives the number keys back to the panes; coming back with 2
        # lands on the recipient again.
        await pilot.press("escape", "1")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        assert screen.query_one("#to", Input).has_focus


async def test_question_mark_shows_every_key_and_escape_closes_it(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, KeyHelpScreen), "the key help")
        shown = screen_text(app)
        for line in (
            "On this pane",
            "Everywhere",
            "p ",
            "Pair",
            "Reconnect",
            "Log out",
            "Send from",
            "Next bot",
            "Quit",
            "^q",
            "Compose",
            "Activity",
            "^p",
        ):
            assert line in shown, line
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")

        # On Compose, its own keys; in a text field "?" is just typed.
        screen = await _compose(pilot, app)
        await pilot.press(*"+971501234567", "tab", *"Free?")
        assert screen.query_one("#text", TextArea).text == "Free?"
        assert isinstance(app.screen, ComposeScreen)
        await pilot.press("escape", "question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, KeyHelpScreen), "the key help")
        assert "Send" in screen_text(app) and "Pair" not in screen_text(app)
        await pilot.press("question_mark")  # ? again closes it too
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")


async def test_the_palette_finds_the_key_help_as_help(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"help")
        await wait_for_text(pilot, "Help: every key")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, KeyHelpScreen), "the key help")


async def test_q_asks_before_losing_a_draft_and_says_every_bot_goes_offline(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _compose(pilot, app)
        await pilot.press("tab", *"Viewing at 5pm")
        await pilot.press("escape", "q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        question = screen_text(app)
        assert "Quit Linda?" in question
        assert "draft of 14 characters" in question
        assert "every bot" in question and "offline" in question
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        assert not app._exit and screen.query_one("#text", TextArea).text == "Viewing at 5pm"

        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: app._exit, "the app to leave", timeout=10)
    assert app.return_code == 0


async def test_q_quits_at_once_with_nothing_unsent(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await _compose(pilot, app)
        await pilot.press("escape", "q")
        await wait_until(pilot, lambda: app._exit, "the app to leave", timeout=10)
        assert not isinstance(app.screen, ConfirmScreen)


async def test_q_asks_while_a_send_is_under_way(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await _compose(pilot, app)
        answer = asyncio.Event()
        sending = app.fleet.send

        async def slow_send(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            await answer.wait()  # WhatsApp is slow to answer
            return await sending(*args, **kwargs)

        app.fleet.send = slow_send  # type: ignore[method-assign]
        await pilot.press(*"+971501234567", "tab", *"hi", "ctrl+s", "escape", "q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "A message is being sent from Compose" in screen_text(app)
        await pilot.press("n")
        answer.set()
        await wait_until(pilot, lambda: app.compose_pane.unsent_work() is None, "the send")
        await pilot.press("q")
        await wait_until(pilot, lambda: app._exit, "the app to leave", timeout=10)


async def test_the_from_list_shows_each_bots_state_as_it_changes(make_app: MakeApp) -> None:
    app = make_app(speed=20.0)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _compose(pilot, app)
        select = screen.query_one("#from", Select)
        select.value = "demo-support"

        def option(bot_id: str) -> str:
            return next(str(prompt) for prompt, value in select._options if value == bot_id)

        assert option("demo-sales") == "Demo sales (demo-sales) ○ not paired"
        assert option("demo-main") == "Demo main (demo-main) ● online"
        # demo-sales gets paired from the dashboard: the list follows.
        await pilot.press("escape", "1")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")
        app.pair_bot("demo-sales")
        await wait_until(pilot, lambda: isinstance(app.screen, PairingScreen), "pairing")
        await wait_for_text(pilot, "expires in")
        await pilot.press("x")
        await wait_until(
            pilot, lambda: app.fleet.status("demo-sales").state is BotState.ONLINE, "online"
        )
        await wait_until(
            pilot, lambda: option("demo-sales").endswith("● online"), "the From list updated"
        )
        assert select.value == "demo-support"  # the choice stays
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        select.focus()
        await pilot.press("enter")
        await wait_for_text(pilot, "Demo sales (demo-sales) ● online")


def _burst(app, keys: list[str]) -> None:  # noqa: ANN001
    """Keys as a burst from the terminal: all queued before the first is handled."""
    from textual import events

    for key in keys:
        character = key if len(key) == 1 else None
        app.post_message(events.Key(key, character))


async def test_keys_in_one_burst_apply_in_the_order_typed(make_app: MakeApp) -> None:
    """Backspace, delete and the arrows are bindings of the field: in a burst they used
    to run after characters typed later (Textual issue #6605)."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _compose(pilot, app)
        field = screen.query_one("#to", Input)
        _burst(app, [*"aaa", "backspace", "backspace", "backspace", *"sara"])
        await wait_until(pilot, lambda: field.value == "sara", f"'sara', not {field.value!r}")
        _burst(app, ["home", "delete", *"S", "end", "left", "backspace", *"R"])
        await wait_until(pilot, lambda: field.value == "SaRa", f"'SaRa', not {field.value!r}")

        await pilot.press("tab")  # to the message
        text = screen.query_one("#text", TextArea)
        await wait_until(pilot, lambda: text.has_focus, "the message field")
        _burst(app, [*"hell", "backspace", "backspace", "backspace", "backspace", *"hi"])
        await wait_until(pilot, lambda: text.text == "hi", f"'hi', not {text.text!r}")


async def test_keys_that_trickle_in_while_earlier_ones_wait_keep_their_order(
    make_app: MakeApp,
) -> None:
    """A number typed over a laggy link arrives in pieces: a key read while an earlier
    one was being handed back to the app went ahead of it ("+971..." became "+791...",
    a message to a stranger)."""
    import random

    rng = random.Random(7)
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _compose(pilot, app)
        field = screen.query_one("#to", Input)
        for attempt in range(12):
            number = f"+9715012{attempt:05d}"
            for key in number:
                app.post_message(events.Key(key, key))
                for _ in range(rng.randrange(4)):
                    await asyncio.sleep(0)
            await wait_until(pilot, lambda n=number: field.value == n, f"{number!r}")
            await pilot.pause(0.05)
            assert field.value == number, (attempt, field.value)
            field.value = ""


async def test_keys_typed_with_the_mode_switch_go_to_the_mode_shown(make_app: MakeApp) -> None:
    """ctrl+t and the keys after it in one burst: the keys land in the form ctrl+t shows,
    never in a field of the mode it hid (which a later ctrl+s there would send)."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _compose(pilot, app)
        to = screen.query_one("#to", Input)
        _burst(app, [*"05", "ctrl+t", *"Name1"])
        await wait_until(pilot, lambda: bool(screen.query("#bc-name")), "the broadcast form")
        name = screen.query_one("#bc-name", Input)
        await wait_until(pilot, lambda: name.value == "Name1", f"'Name1', not {name.value!r}")
        assert to.value == "05"  # typed before the switch: stays where it was typed

        # Back to one message and at once to the broadcast again: each key lands in the
        # field shown when it comes (To; then the first empty broadcast field, the audience).
        where = screen.query_one("#bc-where", Input)
        _burst(app, ["ctrl+t", *"71", "ctrl+t", *"x"])
        await wait_until(pilot, lambda: where.value == "x", f"'x', not {where.value!r}")
        assert to.value.endswith("71") and name.value == "Name1"


async def test_joiners_and_direction_marks_typed_stay_in_the_text(make_app: MakeApp) -> None:
    """ZWNJ (shift+space on a Persian keyboard), ZWJ (emoji families) and the direction
    marks are typed as keys: Textual's fields drop them as "not printable"; ours keep
    them. The overrides and zero-width spaces Linda never takes stay out."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _compose(pilot, app)
        to = screen.query_one("#to", Input)
        _burst(app, [*"ab", "\u200f", *"c"])
        await wait_until(pilot, lambda: to.value == "ab\u200fc", f"not {to.value!r}")
        await pilot.press("tab")
        text = screen.query_one("#text", TextArea)
        await wait_until(pilot, lambda: text.has_focus, "the message field")
        typed = "می\u200cخواهم 👨\u200d👩\u200d👧 \u200ex\u202ey\u200bz"
        _burst(app, list(typed))
        kept = "می\u200cخواهم 👨\u200d👩\u200d👧 \u200exyz"
        await wait_until(pilot, lambda: text.text == kept, f"{kept!r}, not {text.text!r}")
