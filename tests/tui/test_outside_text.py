"""Text from outside Linda is shown literally, everywhere in the console.

Bot names (bots.yaml), inbound messages, contact names, reasons from the network,
fleet errors, pairing failures, the sync line, exception texts and what the operator
types all carry markup and terminal controls here (tests/tui/hostile.py). Each must
leave the console running, show the text as written, and let no control character
reach the terminal.
"""

from __future__ import annotations

import asyncio

from textual.command import CommandPalette
from textual.widgets import Select, Static

from linda_tui.config.models import BotConfig, FleetConfig, Role
from linda_tui.fleet.events import AccountEventForwarded, FleetError
from linda_tui.models import BotState, Contact
from linda_tui.tui.app import LindaApp
from linda_tui.tui.screens.activity import ActivityScreen
from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.screens.confirm import ConfirmScreen
from linda_tui.tui.screens.dashboard import DashboardScreen
from linda_tui.tui.screens.pairing import PairingScreen
from linda_tui.tui.widgets.bot_table import BotTable
from linda_tui.whatsapp.account import PairingFailed

from .conftest import MakeApp
from .hostile import EVERY, STORABLE, assert_no_control, drawn, shown
from .screen_probe import screen_text, wait_for_text, wait_until, widget_text

SENDER = "+971501234568"


def _named(bot: BotConfig, name: str) -> BotConfig:
    """``bot`` with a name the loader may refuse: the console must cope with any name
    that reaches it (the loader is one guard, the console is the last)."""
    object.__setattr__(bot, "name", name)
    return bot


def _hostile_fleet() -> FleetConfig:
    """One bot per hostile name; the first is the primary, every other one is unpaired."""
    bots = [
        _named(
            BotConfig(
                id=f"bot-{index:02d}",
                name=f"bot {index}",
                phone=f"+9715012340{10 + index:02d}",
                role=Role.PRIMARY if index == 0 else Role.SECONDARY,
            ),
            name,
        )
        for index, name in enumerate(EVERY)
    ]
    return FleetConfig(default_region="AE", bots=bots)


def _words(text: str) -> str:
    """Text without its spaces and line breaks (a narrow panel wraps it anywhere)."""
    return "".join(text.split())


def _alive(app: LindaApp) -> None:
    assert app.is_running and app._exception is None, app._exception
    assert_no_control(app)


async def test_bot_names_from_bots_yaml_are_shown_as_written(make_app: MakeApp) -> None:
    fleet = _hostile_fleet()
    paired = tuple(bot.id for bot in fleet.bots[::2])
    app = make_app(fleet=fleet, paired=paired)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_text(pilot, f"{len(paired)}/{len(EVERY)} online")
        _alive(app)
        table = app.screen.query_one(BotTable)
        for bot in fleet.bots:
            # The detail line under the table names the selected bot in full.
            table.select_bot(bot.id)
            await wait_until(
                pilot,
                lambda bot=bot: f"({bot.id})" in str(app.screen.query_one("#bot-detail").content),
                f"{bot.id} in the detail line",
            )
            await wait_for_text(pilot, shown(bot.name))
            _alive(app)

        # The command palette, as opened (every command) and searched.
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await wait_for_text(pilot, "Pair ")
        _alive(app)
        await pilot.press(*"pair bot")
        await wait_for_text(pilot, f"({fleet.bots[1].id})")
        _alive(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")

        # Asking before a log-out names the bot.
        table.select_bot(fleet.bots[2].id)  # paired
        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await wait_for_text(pilot, shown(fleet.bots[2].name))
        _alive(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")

        # Pairing names the bot in its title.
        table.select_bot(fleet.bots[1].id)  # not paired
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PairingScreen), "pairing")
        await wait_for_text(pilot, shown(fleet.bots[1].name))
        _alive(app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")

        # Compose's From list and the Activity filter list every bot by name.
        for key, pane, select_id in (
            ("2", ComposeScreen, "#from"),
            ("5", ActivityScreen, "#activity-filter"),
        ):
            await pilot.press("escape", key)
            await wait_until(pilot, lambda pane=pane: isinstance(app.screen, pane), pane.__name__)
            select = app.screen.query_one(select_id, Select)
            select.focus()
            await pilot.press("enter")  # opens the list
            await wait_until(pilot, lambda select=select: select.expanded, "the list open")
            await wait_for_text(pilot, shown(fleet.bots[3].name))
            _alive(app)
            await pilot.press("escape")
        _alive(app)


async def test_inbound_messages_are_shown_as_written(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_text(pilot, "2/3 online")
        network = app.services.network
        for text in STORABLE:
            app.clear_notifications()
            network.inject_inbound("demo-main", SENDER, text)
            # The toast shows the message flattened to one line.
            await wait_for_text(pilot, shown(" ".join(text.split())))
            _alive(app)
        await pilot.press("5")
        await wait_until(pilot, lambda: isinstance(app.screen, ActivityScreen), "Activity")
        screen = screen_text(app)
        for text in STORABLE:
            assert shown(" ".join(text.split())) in screen
        _alive(app)
        # The store kept every message exactly as it came.
        stored = await app.services.store.list_messages("demo-main")
        assert sorted(m.text for m in stored) == sorted(STORABLE)


async def test_reasons_errors_and_names_from_outside_are_shown_as_written(
    make_app: MakeApp,
) -> None:
    app = make_app(speed=20.0)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_text(pilot, "2/3 online")
        table = app.screen.query_one(BotTable)
        for text in EVERY:
            app.clear_notifications()
            # A fleet error (its message quotes whatever failed) is a toast and a log line.
            app._on_fleet_event(FleetError(bot_id="demo-main", message=text))
            await wait_for_text(pilot, shown(text))
            # The Google sync line.
            app.set_sync_status(f"sync: {text}")
            await wait_for_text(pilot, shown(f"sync: {text}"))
            _alive(app)

        # A reason from the network: the bot's detail line and its last error.
        table.select_bot("demo-support")
        detail = app.screen.query_one("#bot-detail")
        app.services.network.speed = 1.0  # reconnecting takes seconds: time to look
        for text in EVERY[:4]:
            app.services.network.disconnect("demo-support", text)
            await wait_until(
                pilot, lambda text=text: shown(text) in widget_text(detail), "the reason"
            )
            _alive(app)
            await wait_until(
                pilot,
                lambda: app.fleet.status("demo-support").state is BotState.ONLINE,
                "back online",
            )
        # A remote log-out with a hostile reason: a toast.
        app.services.network.unlink("demo-support", "[/] removed \x1b]52;c;SGk=\x07")
        await wait_for_text(pilot, shown("[/] removed \x1b]52;c;SGk=\x07"))
        _alive(app)

        # An action that fails with an exception quoting outside text.
        async def refused(bot_id: str) -> None:
            raise RuntimeError("server said [/] \x1b[2J")

        app.fleet.reconnect = refused  # type: ignore[method-assign]
        table.select_bot("demo-main")
        await pilot.press("r")
        await wait_for_text(pilot, shown("Could not reconnect demo-main: server said [/] \x1b[2J"))
        _alive(app)


async def test_a_pairing_failure_quotes_the_reason_as_written(make_app: MakeApp) -> None:
    app = make_app(speed=1.0)  # the pairing window outlasts the test
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_text(pilot, "2/3 online")
        app.screen.query_one(BotTable).select_bot("demo-sales")
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PairingScreen), "pairing")
        await wait_for_text(pilot, "expires in")
        status = app.screen.query_one("#pair-status")
        for text in EVERY:
            app._on_fleet_event(
                AccountEventForwarded(event=PairingFailed(bot_id="demo-sales", reason=text))
            )
            expected = _words(shown(f"Pairing failed: {text}"))
            await wait_until(
                pilot, lambda e=expected: e in _words(widget_text(status)), "the failure"
            )
            _alive(app)


async def test_contact_names_and_typed_text_are_shown_as_written(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_text(pilot, "2/3 online")
        contacts = [
            Contact(
                resource_name=f"people/c{index}",
                names=[f"qz{chr(97 + index)}q {text}"],
                phones=[f"+9715012350{10 + index:02d}"],
            )
            for index, text in enumerate(STORABLE)
        ]
        await app.services.store.upsert_contacts(contacts)
        await app.services.contact_directory().refresh()  # as a sync does when it lands
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        to = app.screen.query_one("#to")
        reason = app.screen.query_one("#to-reason", Static)
        for contact in contacts:
            to.value = ""
            to.focus()
            await pilot.press(*contact.names[0][:4])
            expected = shown(f"✓ {contact.names[0]} — {contact.phones[0]}")
            await wait_until(pilot, lambda e=expected: str(reason.content) == e, expected)
            assert expected in drawn(app)
            _alive(app)

        # What the operator types into To is quoted back literally, and sending says why not.
        for typed in ("[/]", "[@click=app.quit]x", "[bold]1[/bold]"):
            to.value = ""
            to.focus()
            await pilot.press(*typed)
            await wait_for_text(pilot, typed)
            await pilot.press("ctrl+s")
            await wait_until(
                pilot,
                lambda typed=typed: any(typed in n.message for n in app._notifications),
                f"the refusal for {typed!r}: {[n.message for n in app._notifications]}",
            )
            await asyncio.sleep(0)
            _alive(app)
        assert await app.services.store.list_messages("demo-main") == []


async def test_control_characters_pasted_into_a_field_never_reach_the_terminal(
    make_app: MakeApp,
) -> None:
    # Textual's Input draws its value as it is: a pasted ESC ] 52 would be written to
    # the terminal on every redraw. Every field of the console drops them.
    from textual import events
    from textual.widgets import Input

    from linda_tui.tui.screens.contacts import ContactsScreen

    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        to = app.screen.query_one("#to", Input)
        to.focus()
        to.post_message(events.Paste("+97150\x1b]52;c;SGVsbG8=\x07123\u202e4567"))
        await wait_until(pilot, lambda: to.value != "", "the paste")
        assert to.value == "+97150]52;c;SGVsbG8=1234567"
        assert_no_control(app)
        await pilot.press("escape", "4")
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "Contacts")
        query = app.screen.query_one("#contacts-query", Input)
        query.focus()
        await pilot.press(*"ab")
        query.post_message(events.Paste("\x1b[2Jcd\r"))
        await wait_until(pilot, lambda: query.value == "ab[2Jcd", "the paste")
        assert_no_control(app)
