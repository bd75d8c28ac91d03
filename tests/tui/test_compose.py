"""Compose: the recipient is validated as it is typed, a key sends, and the sent
message's status then moves live in the table (sent → delivered → read, or failed)."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import DataTable, Input, Select, Static, TextArea

from linda_tui.fleet.manager import MAX_TEXT
from linda_tui.models import MessageStatus
from linda_tui.tui.screens.compose import TO_HINT, ComposeScreen
from linda_tui.tui.widgets.bot_table import BotTable

from .conftest import MakeApp
from .screen_probe import screen_text, wait_for_text, wait_until, widget_text


async def _open_compose(pilot, app) -> ComposeScreen:  # noqa: ANN001
    await wait_for_text(pilot, "2/3 online")
    await pilot.press("2")
    await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
    return app.screen


def _reason(screen: ComposeScreen) -> str:
    return str(screen.query_one("#to-reason", Static).content)


def _status_cells(screen: ComposeScreen) -> list[str]:
    table = screen.query_one("#sent", DataTable)
    return [str(table.get_cell(row, "status")) for row in table.rows]


async def test_send_and_watch_the_status_reach_read(make_app: MakeApp) -> None:
    app = make_app(speed=20.0)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open_compose(pilot, app)
        await pilot.click("#to")
        await pilot.press(*"+971501234567")
        assert _reason(screen) == "✓ +971501234567"
        screen.query_one("#text", TextArea).focus()
        await pilot.press(*"Hello from Linda")
        assert "16 / 65,536 characters" in screen_text(app)
        await pilot.press("ctrl+s")

        await wait_until(pilot, lambda: len(_status_cells(screen)) == 1, "the sent message")
        seen: set[str] = set()

        def read() -> bool:
            seen.add(_status_cells(screen)[0])
            return _status_cells(screen)[0] == "✓✓ read"

        await wait_until(pilot, read, "the message read", timeout=20)
        assert "✓✓ delivered" in seen or "✓ sent" in seen  # it moved, it did not start at read
        table = screen.query_one("#sent", DataTable)
        row = next(iter(table.rows))
        assert str(table.get_cell(row, "bot")) == "demo-main"  # auto routes to the primary
        assert str(table.get_cell(row, "to")) == "+971501234567"
        # What the table says is what the store holds.
        stored = await app.services.store.list_messages("demo-main")
        assert [m.status for m in stored] == [MessageStatus.READ]
        assert screen.query_one("#text", TextArea).text == ""  # ready for the next one
        assert any(n.title == "Sent" for n in app._notifications)


async def test_the_recipient_is_checked_as_you_type(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_compose(pilot, app)
        await pilot.click("#to")
        await pilot.press(*"12")
        assert _reason(screen).startswith("✖ '12' is not a valid phone number")
        await pilot.press(*"3")
        assert _reason(screen).startswith("✖ ")
        screen.query_one("#to", Input).value = ""
        await pilot.press(*"0501234567")  # local form, read in the fleet's region (AE)
        assert _reason(screen) == "✓ +971501234567"
        screen.query_one("#to", Input).value = ""
        await pilot.press(*"Fatima")
        await wait_until(pilot, lambda: "no contact matches" in _reason(screen), "contact lookup")


async def test_a_refused_send_says_why_and_sends_nothing(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_compose(pilot, app)
        await pilot.click("#to")
        await pilot.press(*"+971501234000")  # the simulated network's "not on WhatsApp"
        screen.query_one("#text", TextArea).focus()
        await pilot.press(*"hi")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: any(n.title == "Not sent" for n in app._notifications),
            "the refusal",
        )
        refusal = next(n for n in app._notifications if n.title == "Not sent")
        assert "+971501234000 is not on WhatsApp" in refusal.message
        assert _status_cells(screen) == []
        assert await app.services.store.list_messages("demo-main") == []
        assert any("not on WhatsApp" in e.text for e in app.activity)

        # Empty text: refused before anything is sent.
        screen.query_one("#text", TextArea).clear()
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert any("message text is empty" in n.message for n in app._notifications)


async def test_a_send_from_an_offline_bot_is_refused(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_compose(pilot, app)
        screen.query_one("#from", Select).value = "demo-sales"  # not paired
        await pilot.click("#to")
        await pilot.press(*"+971501234567")
        screen.query_one("#text", TextArea).focus()
        await pilot.press(*"hi")
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: any("demo-sales is not online" in n.message for n in app._notifications),
            "the refusal",
        )
        assert _status_cells(screen) == []


async def test_send_from_the_dashboard_preselects_the_bot(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.screen.query_one(BotTable).select_bot("demo-support")
        await pilot.press("s")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        screen = app.screen
        assert screen.query_one("#from", Select).value == "demo-support"
        assert screen.query_one("#to", Input).has_focus
        await pilot.press(*"+971501234567")
        await pilot.press("tab", *"From support")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(_status_cells(screen)) == 1, "the sent message")
        table = screen.query_one("#sent", DataTable)
        assert str(table.get_cell(next(iter(table.rows)), "bot")) == "demo-support"


async def test_send_from_all_bots_adds_a_row_per_bot(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open_compose(pilot, app)
        screen.query_one("#from", Select).value = "all"
        await pilot.click("#to")
        await pilot.press(*"+971501234567", "tab", *"To everyone")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(_status_cells(screen)) == 2, "two sent messages")
        table = screen.query_one("#sent", DataTable)
        bots = sorted(str(table.get_cell(row, "bot")) for row in table.rows)
        assert bots == ["demo-main", "demo-support"]


LONG_TEXT = "Viewing at 5pm, unit 1204 — bring the keys and the signed form, thanks!"


async def test_text_typed_with_ctrl_s_in_one_burst_is_sent_whole(make_app: MakeApp) -> None:
    """Keys that arrive together (a laggy SSH link, a paste) are taken in order: the send
    takes every character typed before ctrl+s, and the recipient as finally typed."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open_compose(pilot, app)
        await pilot.click("#to")
        await pilot.press(*"+971501234567", "tab")
        # No pause anywhere: every key is queued before the first is handled.
        for key in (*LONG_TEXT, "ctrl+s"):
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await wait_until(pilot, lambda: len(_status_cells(screen)) == 1, "the sent message")
        stored = await app.services.store.list_messages("demo-main")
        assert [(m.peer, m.text) for m in stored] == [("+971501234567", LONG_TEXT)]


async def test_a_recipient_changed_just_before_ctrl_s_is_the_one_checked(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open_compose(pilot, app)
        to = screen.query_one("#to", Input)
        to.focus()
        await pilot.press(*"+971501234567")
        assert _reason(screen) == "✓ +971501234567"
        screen.query_one("#text", TextArea).text = "hello"
        to.focus()
        # The number is spoiled and ctrl+s pressed at once: nothing may go to the old one.
        for key in ("backspace", "backspace", "ctrl+s"):
            app.post_message(events.Key(key, None))
        await wait_until(
            pilot, lambda: any(n.title == "Not sent" for n in app._notifications), "refusal"
        )
        assert await app.services.store.list_messages("demo-main") == []


async def test_send_to_from_contacts_opens_one_message_even_after_a_broadcast(
    make_app: MakeApp,
) -> None:
    from linda_tui.tui.screens.contacts import ContactsScreen

    from .test_contacts_pane import CONTACTS, search, with_contacts

    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await with_contacts(app, CONTACTS)
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        compose = app.screen
        await pilot.press("ctrl+t")
        await wait_until(pilot, lambda: compose.mode == "broadcast", "the broadcast mode")
        await pilot.press("escape", "4")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "Contacts")
        screen = app.screen
        await search(pilot, screen, "4321")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is compose, "Compose")
        assert compose.mode == "one-message"
        assert compose.query_one("#to", Input).value == "+971507654321"
        assert compose.focused is compose.query_one("#text", TextArea)
        assert "Send" in screen_text(app) and "Create & start" not in screen_text(app)


async def test_a_pasted_message_keeps_its_line_breaks_whichever_way_they_come(
    make_app: MakeApp,
) -> None:
    """tmux and xterm-style terminals paste line breaks as CR alone, Windows text as CR LF:
    the message sent has its lines, never glued together."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open_compose(pilot, app)
        await pilot.click("#to")
        await pilot.press(*"+971501234567", "tab")
        text = screen.query_one("#text", TextArea)
        app.post_message(events.Paste("Line one\rLine two مرحبا\r\nLine three\nend"))
        await wait_until(pilot, lambda: "end" in text.text, "the paste")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(_status_cells(screen)) == 1, "the sent message")
        stored = await app.services.store.list_messages("demo-main")
        assert [m.text for m in stored] == ["Line one\nLine two مرحبا\nLine three\nend"]


async def test_a_number_tab_and_message_typed_in_one_burst_each_land_in_their_field(
    make_app: MakeApp,
) -> None:
    """'+971... ⇥ message ctrl+s' in one burst (a paste of number and message, a fast
    typist on a slow link): tab moves on before the message's keys are taken, so the
    message is the text and the number the recipient."""
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await _open_compose(pilot, app)
        await pilot.click("#to")
        for key in (*"+971501234568", "tab", *"Second msg", "ctrl+s"):
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await wait_until(pilot, lambda: len(_status_cells(screen)) == 1, "the sent message")
        stored = await app.services.store.list_messages("demo-main")
        assert [(m.peer, m.text) for m in stored] == [("+971501234568", "Second msg")]


LONG_TO = "+971501234567Viewing at 5pm, unit 1 — مرحبا"


@pytest.mark.parametrize(
    ("size", "typed"),
    [((60, 20), "+97150123ABCD"), ((120, 40), LONG_TO), ((60, 20), LONG_TO)],
    ids=["60x20", "120x40-long", "60x20-long"],
)
async def test_the_to_fields_problem_and_its_fix_show_whole(
    make_app: MakeApp, size: tuple[int, int], typed: str
) -> None:
    """The line under To says what is wrong and how to fix it: it wraps, never cut at
    the field's width."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await _open_compose(pilot, app)
        screen.query_one("#to", Input).value = typed
        await wait_until(pilot, lambda: "no contact matches" in _reason(screen), "the problem")
        await pilot.pause(0.1)
        shown = " ".join(screen_text(app).split())
        assert f"✖ no contact matches {typed!r} — {TO_HINT}" in shown, shown


async def test_at_60x20_a_message_too_long_says_how_much_to_cut(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await _open_compose(pilot, app)
        screen.query_one("#text", TextArea).text = "x" * (MAX_TEXT + 1_234)
        await pilot.pause(0.2)
        # (beside the Send button: its own part of the screen)
        shown = " ".join(widget_text(screen.query_one("#char-count")).split())
        wanted = f"✖ {MAX_TEXT + 1_234:,} / {MAX_TEXT:,} characters — too long: cut 1,234"
        assert wanted in shown, shown
