"""How the console looks, at fixed terminal sizes. The fleet runs on the simulated
network with a fixed seed and no latency (events in a fixed order), the clock is
frozen, the cursor does not blink: nothing on screen depends on when the test runs.

Re-baseline on purpose only: ``uv run pytest tests/tui --snapshot-update``, then look
at the report before committing the new SVGs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, TextArea

from linda_tui.contacts.service import ContactsSyncProgress, ContactsSyncStatus
from linda_tui.contacts.sync import SyncProgress, SyncResult
from linda_tui.models import (
    Contact,
    ContactRef,
    Direction,
    Message,
    MessageStatus,
    SyncStatus,
)
from linda_tui.tui.screens.activity import ActivityScreen
from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.screens.contacts import ContactsScreen
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


# --- Contacts -----------------------------------------------------------------------------
SNAP_CONTACTS = [
    Contact(
        resource_name="people/c101",
        names=["Mohammed Al Mansouri"],
        phones=["+971501234567", "+971529876543"],
        raw_phones=["04 123 ext 9"],
        emails=["m.almansouri@example.com"],
        labels=["VIP", "Buyers"],
    ),
    Contact(resource_name="people/c102", names=["Mohamed Salah"], phones=["+971501112233"]),
    Contact(
        resource_name="people/c103",
        names=["Muhammad Iqbal"],
        phones=["+971551234000"],
        labels=["Tenants"],
    ),
    Contact(resource_name="people/c104", names=["محمد الفلاسي"], phones=["+971501230211"]),
    Contact(resource_name="people/c105", names=["Mohammad Rezaei"], phones=["+971561230099"]),
    Contact(resource_name="people/c106", names=["Ana Dela Cruz"], phones=["+971501230122"]),
]
SNAP_AT = datetime(2026, 1, 15, 8, 30, tzinfo=UTC)


async def _contacts_with_results(pilot: Pilot[int]) -> None:
    app = pilot.app
    await _settled(pilot)
    store = app.services.store
    await store.upsert_contacts(SNAP_CONTACTS)
    await app.services.contact_directory().refresh()
    await store.upsert_contact_ref(
        ContactRef(
            phone="+971501234567",
            bot_id="demo-main",
            sync_status=SyncStatus.SYNCED,
            last_sync=SNAP_AT,
            created_at=SNAP_AT,
            resource_name="people/c101",
        )
    )
    for minute, (direction, text) in enumerate(
        [
            (Direction.OUT, "Good morning, the Marina flat is available from March."),
            (Direction.IN, "Can I see it on Saturday?"),
            (Direction.OUT, "Saturday 11:00 works. See you there."),
        ]
    ):
        await store.add_message(
            Message(
                bot_id="demo-main",
                direction=direction,
                peer="+971501234567",
                text=text,
                status=MessageStatus.READ,
                created_at=SNAP_AT.replace(minute=31 + minute),
            )
        )
    app._take_sync_status(
        ContactsSyncStatus(
            configured=True,
            last_result=SyncResult(
                mode="full",
                fetched=6,
                created=6,
                updated=0,
                deleted=0,
                contacts=6,
                pages=1,
                elapsed=0.4,
            ),
            next_run=SNAP_AT.replace(hour=14, minute=30),
        )
    )
    await pilot.press("4")
    await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "Contacts")
    await pilot.press(*"mohammed")
    await wait_until(pilot, lambda: app.screen._query == "mohammed", "the results")
    await pilot.press("down")  # into the results: no text cursor in the picture
    details = app.screen.query_one("#contact-detail-text")
    await wait_until(pilot, lambda: "Saturday 11:00" in str(details.content), "the details")
    await wait_for_text(pilot, "+2  name          demo-main")  # the Bot column


@pytest.mark.parametrize("size", SIZES[:2])
def test_contacts(snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]) -> None:
    assert snap_compare(_frozen(make_app), terminal_size=size, run_before=_contacts_with_results)


@pytest.mark.parametrize("size", SIZES[:2])
def test_dashboard_while_syncing(
    snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        await _settled(pilot)
        app._take_sync_status(
            ContactsSyncStatus(
                configured=True, running=True, next_run=SNAP_AT.replace(hour=14, minute=30)
            )
        )
        progress = SyncProgress(
            mode="full",
            phase="listing",
            pages=2,
            fetched=2000,
            total=3000,
            created=1992,
            updated=8,
            elapsed=3.0,
        )
        app._take_sync_progress(ContactsSyncProgress(progress=progress))
        await wait_for_text(pilot, "2,000 of 3,000")

    assert snap_compare(_frozen(make_app), terminal_size=size, run_before=run_before)


# --- broadcasts ------------------------------------------------------------------------
BROADCAST_CSV = (
    "Phone;First Name;City\r\n"
    "+971501230001;Ahmed;Dubai Marina\r\n"
    "0501230002;Fatima;Sharjah\r\n"
    "not a number;Omar;Ajman\r\n"
    "+971501230001;Ahmed again;Dubai\r\n"
    "+971501230003;;Abu Dhabi\r\n"
    "+971501230004;مريم;العين\r\n"
)


def _fast_broadcasts(app: Any) -> Any:
    from linda_tui.broadcast.engine import BroadcastSettings

    app.services.broadcast_settings = BroadcastSettings(
        quiet_hours=None, warm_up=None, demo=True, seed=3
    )
    return app


@pytest.mark.parametrize("size", SIZES[:2])
def test_compose_broadcast_mode(
    snap_compare: SnapCompare,
    make_app: MakeApp,
    size: tuple[int, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The CSV is named from the home folder: the same text on screen in every run.
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "clients.csv").write_text(BROADCAST_CSV, encoding="utf-8")

    async def run_before(pilot: Pilot[int]) -> None:
        await _settled(pilot)
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ComposeScreen), "Compose")
        await pilot.press("ctrl+t")
        screen = pilot.app.screen
        await wait_until(pilot, lambda: screen.broadcast_form is not None, "the form")
        form = screen.broadcast_form
        await pilot.press(*"March offer")
        form.query_one("#bc-where", Input).focus()
        await pilot.press(*"~/clients.csv")
        form.query_one("#bc-template", TextArea).focus()
        await pilot.press(*"[[Hi|Hello]] {first_name|there}, new units in {city}")
        form.query_one("#bc-pace", Select).value = "demo-fast"
        summary = form.query_one("#bc-summary", Static)

        def settled() -> bool:
            # The dry run of everything typed: none waiting, none under way.
            return (
                "To send 4" in str(summary.content)
                and form._debounce is None
                and not form._planning
                and not form._again
            )

        await wait_until(pilot, settled, "the dry run")
        await pilot.press("escape")  # leave the template: no cursor in the picture
        await wait_until(pilot, settled, "the dry run, still")

    app = _fast_broadcasts(_frozen(make_app))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def _broadcasts_with_campaigns(pilot: Pilot[int]) -> None:
    """Two campaigns in fixed states: a draft, and one paused after a crash with two
    uncertain recipients and one failed."""
    from linda_tui.broadcast.audience import audience_from_numbers
    from linda_tui.broadcast.pacing import pace_profile
    from linda_tui.broadcast.plan import plan_broadcast, save_plan
    from linda_tui.models import CampaignStatus
    from linda_tui.tui.screens.broadcasts import BroadcastsScreen

    await _settled(pilot)
    app: Any = pilot.app
    services = app.services
    store, fleet = services.store, services.fleet
    now = fleet.clock.now()

    async def campaign(name: str, numbers: list[str]) -> Any:
        plan = await plan_broadcast(
            name=name,
            template="Hello {name|there}, the Marina towers open on Saturday",
            audience=audience_from_numbers(numbers, region="AE"),
            store=store,
            bots="all",
            pacing={b: fleet.config.pacing_for(b) for b in fleet.bot_ids},
            now=now,
            profile=pace_profile("standard", demo=True),
            quiet_hours=None,
            warm_up=None,
        )
        return await save_plan(store, plan, created_by="snapshot", now=now)

    await campaign("Spring open day", [f"+9715012{n:05d}" for n in range(100, 130)])
    crashed = await campaign("January offer", [f"+9715012{n:05d}" for n in range(200, 212)])
    numbers = [f"+9715012{n:05d}" for n in range(200, 203)]
    await store.set_campaign_status(crashed.id, CampaignStatus.RUNNING, now)
    for phone, bot in zip(numbers, ("demo-main", "demo-support", "demo-main"), strict=True):
        await store.claim_recipient(crashed.id, phone, bot, now)
    await store.set_campaign_status(crashed.id, CampaignStatus.PAUSED, now)
    await store.fail_recipient(crashed.id, numbers[2], "not on WhatsApp", now)
    await store.mark_in_flight_uncertain(crashed.id, now)
    await pilot.press("3")
    await wait_until(pilot, lambda: isinstance(app.screen, BroadcastsScreen), "Broadcasts")
    pane = app.screen
    await wait_until(pilot, lambda: pane.selected == str(crashed.id), "the newest campaign")
    uncertain = pane.query_one("#uncertain")
    await wait_until(pilot, lambda: uncertain.row_count == 2, "the uncertain recipients")
    await wait_for_text(pilot, "demo-main     ")
    app.clear_notifications()


@pytest.mark.parametrize("size", SIZES[:2])
def test_broadcasts_pane(
    snap_compare: SnapCompare, make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = _fast_broadcasts(_frozen(make_app))
    assert snap_compare(app, terminal_size=size, run_before=_broadcasts_with_campaigns)
