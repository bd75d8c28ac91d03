"""The Contacts pane: search as you type over the whole store, the selected contact's
details, send to them, and the Google Contacts sync run from the console (against the
fake People API, through the real client) with its progress on screen."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import Input, Static, TextArea

from linda_tui.config.settings import Settings
from linda_tui.contacts.service import ContactsSyncProgress, ContactsSyncStatus
from linda_tui.contacts.sync import SyncProgress
from linda_tui.models import (
    Contact,
    ContactRef,
    Direction,
    Message,
    MessageStatus,
    SyncStatus,
)
from linda_tui.tui.app import LindaApp
from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.screens.contacts import (
    ContactsScreen,
    ResultsTable,
    column_widths,
    number_to_send_to,
)
from linda_tui.tui.screens.dashboard import DashboardScreen
from linda_tui.tui.widgets.bot_table import BotTable
from linda_tui.tui.widgets.sync_progress import (
    SyncProgressBar,
    bar,
    progress_fraction,
    progress_line,
)

from .conftest import MakeApp
from .hostile import STORABLE, assert_no_control, shown
from .screen_probe import screen_text, wait_for_text, wait_until

JOSE = Contact(
    resource_name="people/c1",
    names=["José Gonçalves"],
    phones=["+971501111001"],
    emails=["jose@example.com"],
    labels=["Buyers"],
)
MOHAMMED_AR = Contact(resource_name="people/c2", names=["مُحَمَّد الأحمد"], phones=["+971501111002"])
MOHAMMED = Contact(resource_name="people/c3", names=["Mohammed Khan"], phones=["+971501111003"])
FATIMA = Contact(
    resource_name="people/c4",
    names=["Fatima Zahra", "Fatma"],
    phones=["+971501111004", "+971507654321"],
    raw_phones=["050-123 ext"],
    emails=["fatima.zahra@example.org", "fz@example.net"],
    labels=["VIP", "Real estate"],
)
NO_NUMBER = Contact(resource_name="people/c5", names=["Zed Nonumber"], raw_phones=["N/A"])
CONTACTS = [JOSE, MOHAMMED_AR, MOHAMMED, FATIMA, NO_NUMBER]
AT = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)


async def with_contacts(app: LindaApp, contacts: list[Contact]) -> None:
    """Contacts in the store and in the search index, as after a sync."""
    await app.services.store.upsert_contacts(contacts)
    await app.services.contact_directory().refresh()


async def open_pane(pilot, app: LindaApp) -> ContactsScreen:  # noqa: ANN001
    await wait_for_text(pilot, "2/3 online")
    await pilot.press("4")
    await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "the Contacts pane")
    return app.screen  # type: ignore[return-value]


def results(screen: ContactsScreen) -> list[tuple[str, ...]]:
    table = screen.query_one("#contact-results", ResultsTable)
    return [tuple(str(cell) for cell in table.get_row(key)) for key in table.rows]


def names(screen: ContactsScreen) -> list[str]:
    return [row[0] for row in results(screen)]


def detail(screen: ContactsScreen) -> str:
    return str(screen.query_one("#contact-detail-text", Static).content)


async def search(pilot, screen: ContactsScreen, query: str) -> None:  # noqa: ANN001
    """Type query into the (cleared) search field, key by key, and let it settle."""
    field = screen.query_one("#contacts-query", Input)
    field.value = ""
    field.focus()
    await pilot.press(*query)
    await wait_until(pilot, lambda: screen._query == query, f"the results of {query!r}")


async def test_search_as_you_type_forgives_accents_arabic_typos_and_number_formats(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await with_contacts(app, CONTACTS)
        screen = await open_pane(pilot, app)
        # An empty search lists everyone in name order (Arabic after Latin).
        await wait_until(pilot, lambda: len(names(screen)) == 5, "everyone listed")
        assert names(screen) == [
            "Fatima Zahra",
            "José Gonçalves",
            "Mohammed Khan",
            "Zed Nonumber",
            "مُحَمَّد الأحمد",
        ]
        assert "5 contacts" in screen_text(app)

        await search(pilot, screen, "jose")  # no accent typed
        assert results(screen)[0][:3] == ("José Gonçalves", "+971501111001", "name")
        await search(pilot, screen, "محمد")  # no tashkeel typed
        assert names(screen) == ["مُحَمَّد الأحمد"]
        await search(pilot, screen, "mohamed")  # one letter short of Mohammed
        assert results(screen) == [("Mohammed Khan", "+971501111003", "similar name", "")]
        await search(pilot, screen, "050 765 4321")  # the local form of a second number
        assert results(screen) == [("Fatima Zahra", "+971501111004 +2", "number", "")]
        await search(pilot, screen, "4321")  # its last digits
        assert results(screen)[0][:3] == ("Fatima Zahra", "+971501111004 +2", "number ends")
        await search(pilot, screen, "label:vip")
        assert names(screen) == ["Fatima Zahra"]
        await search(pilot, screen, "example.net")
        assert results(screen)[0][2] == "email"
        await search(pilot, screen, "qqqxz")
        assert results(screen) == []
        await wait_for_text(pilot, "No contact matches 'qqqxz'")
        assert "0 matches" in screen_text(app)


async def test_the_selected_contact_shows_every_number_owner_label_and_last_messages(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        store = app.services.store
        await with_contacts(app, CONTACTS)
        await store.upsert_contact_ref(
            ContactRef(
                phone="+971507654321",
                bot_id="demo-support",
                sync_status=SyncStatus.SYNCED,
                last_sync=AT,
                created_at=AT,
                resource_name="people/c4",
            )
        )
        for minute, (direction, text) in enumerate(
            [(Direction.OUT, "The villa is free on Sunday"), (Direction.IN, "Great, 10am?")]
        ):
            await store.add_message(
                Message(
                    bot_id="demo-support",
                    direction=direction,
                    peer="+971507654321",
                    text=text,
                    status=MessageStatus.READ
                    if direction is Direction.OUT
                    else MessageStatus.RECEIVED,
                    created_at=AT.replace(minute=31 + minute),
                )
            )
        screen = await open_pane(pilot, app)
        await search(pilot, screen, "fatima")
        await wait_until(pilot, lambda: "Last messages" in detail(screen), "the details")
        shown = detail(screen)
        for expected in (
            "Fatima Zahra",
            "also Fatma",
            "+971501111004  no bot yet",
            "+971507654321  demo-support · synced 15 Jan 08:30",
            "050-123 ext  as written, not a number WhatsApp can reach",
            "fatima.zahra@example.org",
            "fz@example.net",
            "VIP · Real estate",
            "15 Jan 08:32 demo-support ← Great, 10am?",
            "15 Jan 08:31 demo-support → The villa is free on Sunday",
        ):
            assert expected in shown, f"{expected!r} not in the details:\n{shown}"
        assert shown.index("Great, 10am?") < shown.index("The villa")  # newest first
        # The Bot column names the owner of any of the contact's numbers.
        await wait_until(pilot, lambda: results(screen)[0][3] == "demo-support", "the owner")

        # Moving the cursor shows the next contact's details.
        await search(pilot, screen, "")
        await wait_until(pilot, lambda: len(names(screen)) == 5, "everyone")
        await pilot.press("down")  # from the field to the results
        await pilot.press("down")
        await wait_until(pilot, lambda: "José Gonçalves" in detail(screen), "José's details")
        assert "jose@example.com" in detail(screen) and "Buyers" in detail(screen)
        assert "none yet" in detail(screen)


async def test_contacts_arriving_during_a_search_replace_its_stale_results(
    make_app: MakeApp,
) -> None:
    """A search that read the contacts before a sync stored new ones must not leave its
    stale (empty) results on show: the pane searches again, and the details follow."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        services = app.services
        first_read = asyncio.Event()
        release = asyncio.Event()
        original = services.sorted_contacts

        async def slow_sorted(limit: int = 50, offset: int = 0) -> list[Contact]:
            found = await original(limit=limit, offset=offset)  # read before the sync
            if not first_read.is_set():
                first_read.set()
                await release.wait()
            return found

        services.sorted_contacts = slow_sorted  # type: ignore[method-assign]
        screen = await open_pane(pilot, app)
        await asyncio.wait_for(first_read.wait(), 10)
        await with_contacts(app, CONTACTS)  # the sync stores them; the index reloads
        release.set()
        await wait_until(pilot, lambda: len(names(screen)) == 5, "everyone, after the sync")
        await wait_until(pilot, lambda: "Fatima Zahra" in detail(screen), "the first one's details")


async def test_send_to_opens_compose_with_the_number_filled_in(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await with_contacts(app, CONTACTS)
        screen = await open_pane(pilot, app)
        await search(pilot, screen, "4321")  # found by its second number: that one is used
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        compose = app.screen
        assert compose.query_one("#to", Input).value == "+971507654321"
        assert str(compose.query_one("#to-reason", Static).content) == "✓ +971507654321"
        assert compose.focused is compose.query_one("#text", TextArea)  # ready for the text
        await pilot.press(*"Hello Fatima", "ctrl+s")
        await wait_until(
            pilot,
            lambda: any(n.title == "Sent" for n in app._notifications),
            "the message sent",
        )
        [sent] = await app.services.store.list_messages(peer="+971507654321")
        assert sent.text == "Hello Fatima"

        # Enter on a result does the same; a contact with no usable number says why.
        await pilot.press("escape", "4")
        await wait_until(pilot, lambda: app.screen is screen, "back on Contacts")
        await search(pilot, screen, "jose")
        await pilot.press("enter", "enter")  # to the results, then on José
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        assert app.screen.query_one("#to", Input).value == "+971501111001"
        await pilot.press("escape", "4")
        await wait_until(pilot, lambda: app.screen is screen, "back on Contacts")
        await search(pilot, screen, "nonumber")
        app.clear_notifications()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: bool(app._notifications), "the refusal")
        [refusal] = app._notifications
        assert refusal.message == (
            "Zed Nonumber has no number WhatsApp can reach (only N/A as written) — "
            "correct it in Google Contacts, then sync"
        )
        assert app.screen is screen


def test_send_to_picks_the_number_the_digits_found() -> None:
    assert number_to_send_to(FATIMA, "4321") == "+971507654321"
    assert number_to_send_to(FATIMA, "٠٥٠ ٧٦٥ ٤٣٢١") == "+971507654321"  # Arabic-Indic
    assert number_to_send_to(FATIMA, "fatima") == "+971501111004"
    assert number_to_send_to(FATIMA, "99") == "+971501111004"  # too few digits to choose
    assert number_to_send_to(NO_NUMBER, "") is None


async def test_browsing_everyone_loads_the_next_page_at_the_end(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        many = [
            Contact(
                resource_name=f"people/b{i:03d}",
                names=[f"Client {i:03d}"],
                phones=[f"+9715022{i:05d}"],
            )
            for i in range(250)
        ]
        await with_contacts(app, many)
        screen = await open_pane(pilot, app)
        await wait_until(pilot, lambda: len(names(screen)) == 100, "the first page")
        assert "250 contacts" in screen_text(app)
        table = screen.query_one("#contact-results", ResultsTable)
        table.focus()
        table.cursor_row = 95
        await wait_until(pilot, lambda: len(names(screen)) == 200, "the second page")
        table.cursor_row = 195
        await wait_until(pilot, lambda: len(names(screen)) == 250, "the last page")
        assert names(screen) == [f"Client {i:03d}" for i in range(250)]


async def test_sync_now_runs_against_the_fake_people_api_and_the_bar_moves(
    make_app: MakeApp,
) -> None:
    # 2,500 contacts: three pages of 1,000 from the fake, through the real client.
    app = make_app(contacts=True, demo_people=2500)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await open_pane(pilot, app)
        await wait_for_text(pilot, "No contacts yet")
        # The sync's status comes once its service has started (after the first frame):
        # the empty pane's message follows it, as the sync line does.
        await wait_until(pilot, lambda: "never synced" in detail(screen), "the sync's status")
        assert "not configured" not in screen_text(app)
        bars = [screen.query_one(SyncProgressBar)]
        await pilot.press("escape", "1")  # the dashboard's bar too
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), "dashboard")
        bars.append(app.screen.query_one(SyncProgressBar))
        seen: list[list[str]] = [[], []]
        for bar_widget, lines in zip(bars, seen, strict=True):
            original = bar_widget.show_progress

            def record(progress: SyncProgress, original=original, widget=bar_widget, lines=lines):  # noqa: ANN001, ANN202
                original(progress)
                assert widget.display == (progress.phase != "done")  # on show until done
                lines.append(str(progress_line(widget.progress, 120)))

            bar_widget.show_progress = record  # type: ignore[method-assign]
        await pilot.press("4", "ctrl+r")
        await wait_until(
            pilot,
            lambda: any(n.title == "Google Contacts synced" for n in app._notifications),
            "the sync to finish",
            timeout=60,
        )
        [done] = [n for n in app._notifications if n.title == "Google Contacts synced"]
        assert done.message == "full sync: 2,500 fetched, +2,500 ~0 -0 — 2,500 contacts"
        for lines in seen:
            listing = [line for line in lines if "full sync, listing contacts" in line]
            # Each page moved the bar: 40%, 80%, all.
            assert any("▏ 40% · 1,000 of 2,500 · page 1" in line for line in listing), lines
            assert any("▏ 80% · 2,000 of 2,500 · page 2" in line for line in listing), lines
            assert any("▏100% · 2,500 of 2,500 · page 3" in line for line in listing), lines
            assert "+2,500 ~0 -0" in listing[-1]
        await wait_until(pilot, lambda: not any(b.display for b in bars), "the bars to go")
        # The results refresh once the searchable contacts have reloaded.
        await wait_until(pilot, lambda: len(names(screen)) == 100, "the synced contacts")
        await wait_for_text(pilot, "2,500 contacts")
        assert "Google Contacts sync: full sync: 2,500 contacts (+2,500 ~0 -0)" in screen_text(app)
        await search(pilot, screen, "mohamed")  # the demo's book has Mohammeds
        assert any("Moham" in name for name in names(screen))

        # The command palette runs it too (incremental now: nothing changed).
        app.clear_notifications()
        await pilot.press("ctrl+p")
        await pilot.press(*"sync google contacts now", "enter")
        await wait_until(
            pilot,
            lambda: any(n.title == "Google Contacts synced" for n in app._notifications),
            "the second sync",
            timeout=60,
        )
        [done] = [n for n in app._notifications if n.title == "Google Contacts synced"]
        assert done.message.startswith("incremental sync: 0 fetched")


async def test_the_dashboard_gives_the_bar_a_line_under_the_sync_line(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        table = app.screen.query_one(BotTable)
        room = table.styles.max_height.value
        app.set_sync_status("Google Contacts sync: running…")
        progress = SyncProgress(
            mode="full", phase="listing", pages=1, fetched=1000, total=4000, elapsed=2.0
        )
        app._take_sync_progress(ContactsSyncProgress(progress=progress))
        # What fits 80 columns: the counts, whole (the phase goes first when short of room).
        await wait_for_text(pilot, "25% · 1,000 of 4,000 · page 1 · +0 ~0 -0 · 2 s  ")
        lines = screen_text(app).splitlines()
        sync_line = next(i for i, line in enumerate(lines) if "sync: running…" in line)
        assert "25%" in lines[sync_line + 1]
        assert table.styles.max_height.value == room - 1  # the table gave up a line
        # Waiting for Google's next page: the elapsed time goes on counting.
        app.clock.advance(5)  # type: ignore[attr-defined]
        await wait_for_text(pilot, "· 7 s  ")
        app._take_sync_status(ContactsSyncStatus(configured=True, running=False))
        await wait_until(pilot, lambda: table.styles.max_height.value == room, "the line back")
        assert "25%" not in screen_text(app)


async def test_sync_problems_are_notifications_that_say_how_to_fix_them(
    make_app: MakeApp, tmp_path: Path
) -> None:
    # Not configured (no credentials set): the sync says which setting to set.
    app = make_app(contacts=True, settings=Settings(), folder="unconfigured")
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        screen = await open_pane(pilot, app)
        await wait_for_text(pilot, "not configured — set LINDA_GOOGLE_CREDENTIALS")
        await pilot.press("ctrl+r")
        await wait_until(
            pilot, lambda: any(n.severity == "error" for n in app._notifications), "the error"
        )
        [error] = [n for n in app._notifications if n.severity == "error"]
        assert error.message == "not configured — set LINDA_GOOGLE_CREDENTIALS (see README) to sync"
        assert screen.query_one(SyncProgressBar).display is False

    # Credentials that cannot be read: the error names the file and the fix.
    missing = tmp_path / "missing-key.json"
    app = make_app(
        contacts=True,
        settings=Settings(google_credentials=missing, google_subject="admin@example.com"),
        folder="bad-key",
    )
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await open_pane(pilot, app)
        await pilot.press("ctrl+r")
        await wait_until(
            pilot, lambda: any(n.severity == "error" for n in app._notifications), "the error"
        )
        [error] = [n for n in app._notifications if n.severity == "error"]
        assert str(missing) in error.message and " — " in error.message, error.message
        assert "\n" not in error.message
        await wait_for_text(pilot, "Google Contacts sync: ✖")  # the sync line keeps it

    # A console whose Linda runs no sync (a test fleet without it) says so.
    app = make_app(folder="no-sync")
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await open_pane(pilot, app)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: bool(app._notifications), "the warning")
        [warning] = list(app._notifications)
        assert warning.message.startswith("this Linda does not sync Google Contacts")


def test_the_bar_fills_by_eighths_and_says_where_the_sync_is() -> None:
    assert bar(0.0, 10) == " " * 10
    assert bar(0.5, 10) == "█████     "
    assert bar(0.55, 10) == "█████▌    "
    assert bar(1.0, 10) == "█" * 10
    listing = SyncProgress(mode="full", phase="listing", fetched=500, total=2000)
    assert progress_fraction(listing) == 0.25
    incremental = SyncProgress(mode="incremental", phase="listing", fetched=12)
    assert progress_fraction(incremental) is None  # no total: no bar, the counts
    assert progress_fraction(SyncProgress(mode="full", phase="references")) == 1.0


def test_the_name_column_takes_what_the_others_leave() -> None:
    assert column_widths(72) == (24, 16, 12, 12)
    assert column_widths(58) == (19, 14, 8, 9)  # tighter others below 16 for the name
    assert sum(column_widths(120)) + 8 == 120


async def test_hostile_names_emails_labels_and_numbers_are_shown_as_written(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        hostile = [
            Contact(
                resource_name=f"people/h{index}",
                names=[f"qz{chr(97 + index)}q {text}"],
                phones=[f"+9715012360{10 + index:02d}"],
                raw_phones=[text],
                emails=[f"{text}@example.com"],
                labels=[text],
            )
            for index, text in enumerate(STORABLE)
        ]
        await with_contacts(app, hostile)
        screen = await open_pane(pilot, app)
        for contact, text in zip(hostile, STORABLE, strict=True):
            await search(pilot, screen, contact.names[0][:4])
            assert names(screen)[0] == shown(contact.names[0])  # then similar names
            await wait_until(
                pilot,
                lambda c=contact: shown(c.names[0]) in detail(screen),
                f"the details of {contact.names[0]!r}",
            )
            info = detail(screen)
            assert f"{shown(text)}  as written" in info  # the number kept as written
            assert shown(f"{text}@example.com") in info
            assert f"Labels {shown(text)}" in info
            assert_no_control(app)
            assert app.is_running and isinstance(app.screen, ContactsScreen)
        # What the operator types is a query, never markup, wherever it is echoed.
        for typed in ("[/]", "[@click=app.quit]x", "[bold]y"):
            await search(pilot, screen, typed)
            await wait_for_text(pilot, f"No contact matches {typed!r}")
            assert app.is_running


async def test_a_search_and_its_keys_typed_in_one_burst_send_to_the_row_they_chose(
    make_app: MakeApp,
) -> None:
    """A fast typist on a laggy link: '0111100 ↓ ↓ ctrl+s' arrives in one burst. The
    first ↓ leaves the search field for the results, the second moves to the second
    result, and ctrl+s opens Compose on that one, as when typed slowly."""
    from textual import events

    app = make_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await with_contacts(app, CONTACTS)
        screen = await open_pane(pilot, app)
        await search(pilot, screen, "0111100")  # part of every number
        second = results(screen)[1]
        field = screen.query_one("#contacts-query", Input)
        field.value = ""
        field.focus()
        await pilot.pause()
        for key in (*"0111100", "down", "down", "ctrl+s"):
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
        await wait_until(pilot, lambda: bool(app.screen.query("#to")), "its fields")
        to = app.screen.query_one("#to", Input).value
        assert to in second[1] and to != results(screen)[0][1], (to, results(screen))


async def test_a_reload_after_a_sync_keeps_the_cursor_on_the_same_contact(
    make_app: MakeApp,
) -> None:
    """A sync (scheduled or ctrl+r) reloads the results under the operator's eyes: the
    cursor put back on row 1 made ctrl+s open Compose to another person."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_pane(pilot, app)
        await with_contacts(app, CONTACTS)
        await wait_until(pilot, lambda: len(names(screen)) == 5, "everyone")
        table = screen.query_one("#contact-results", ResultsTable)
        table.focus()
        await pilot.press("down", "down")
        await wait_until(pilot, lambda: "Mohammed Khan" in detail(screen), "Mohammed's details")
        chosen = screen.selected_contact
        assert chosen is not None and chosen.resource_name == MOHAMMED.resource_name
        # The sync brings someone who sorts first: every row moves down by one.
        newcomer = Contact(
            resource_name="people/c0", names=["Aaron Abbas"], phones=["+971501111000"]
        )
        await with_contacts(app, [*CONTACTS, newcomer])
        await wait_until(pilot, lambda: len(names(screen)) == 6, "the newcomer")
        await pilot.pause(0.1)
        selected = screen.selected_contact
        assert selected is not None and selected.resource_name == MOHAMMED.resource_name
        assert "Mohammed Khan" in detail(screen)
