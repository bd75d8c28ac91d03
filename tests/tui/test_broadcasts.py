"""Broadcasts in the console: Compose's broadcast mode writes a campaign from a CSV with a
live dry run, creates and starts it; the Broadcasts pane follows it live, pauses, resumes
and cancels it (cancel asks first), and resolves uncertain recipients (asks first too).
Everything runs on the simulated network and a real SQLite store."""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Button, DataTable, Input, Select, Static, TextArea

from linda_tui.broadcast.audience import audience_from_numbers
from linda_tui.broadcast.engine import BroadcastSettings
from linda_tui.broadcast.pacing import pace_profile
from linda_tui.broadcast.plan import plan_broadcast, save_plan
from linda_tui.clock import FixedClock
from linda_tui.config import demo_fleet, sqlite_url
from linda_tui.host.remote import RemoteServices
from linda_tui.host.server import HostServer
from linda_tui.models import Campaign, CampaignStatus, RecipientStatus
from linda_tui.services import DEMO_PRE_PAIRED, Services
from linda_tui.terminal_text import CONTROL_CHARACTERS, without_controls
from linda_tui.tui.app import LindaApp, create_app
from linda_tui.tui.screens.broadcasts import BroadcastsScreen
from linda_tui.tui.screens.compose import ComposeScreen
from linda_tui.tui.screens.confirm import ConfirmScreen
from linda_tui.tui.widgets.broadcast_form import BroadcastForm
from linda_tui.tui.widgets.line_table import LineTable
from linda_tui.tui.widgets.text_block import TextBlock
from linda_tui.whatsapp.simulated import SimulatedNetwork

from .conftest import MakeApp
from .hostile import STORABLE, assert_no_control, shown
from .screen_probe import screen_text, wait_for_text, wait_until, widget_text

CSV_TEXT = (
    "\ufeffPhone;First Name;City\r\n"
    "+971501230001;Ahmed;Dubai\r\n"
    "0501230002;Fatima;Sharjah\r\n"
    "not a number;Omar;Ajman\r\n"
    "+971501230001;Ahmed again;Dubai\r\n"
    "+971501230003;;Abu Dhabi\r\n"
)
SENT_TO = {"+971501230001", "+971501230002", "+971501230003"}


def broadcasting(app: LindaApp) -> LindaApp:
    """The demo console with its broadcasts fast: no quiet hours, no warm-up."""
    app.services.broadcast_settings = BroadcastSettings(  # type: ignore[union-attr]
        quiet_hours=None, warm_up=None, demo=True, seed=3
    )
    return app


def network_lines(app: LindaApp) -> list[dict[str, str]]:
    network = app.services.network
    network.flush()  # type: ignore[union-attr]
    path: Path = network.message_log  # type: ignore[union-attr]
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def clients_csv(tmp_path: Path, text: str = CSV_TEXT) -> Path:
    """The clients' CSV a test broadcasts to (CSV_TEXT unless given)."""
    path = tmp_path / "clients.csv"
    path.write_text(text, encoding="utf-8")
    return path


async def open_broadcast_mode(pilot, app: LindaApp) -> BroadcastForm:  # noqa: ANN001
    await wait_for_text(pilot, "2/3 online")
    await pilot.press("2")
    await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen), "Compose")
    await pilot.press("ctrl+t")
    screen = app.screen
    assert isinstance(screen, ComposeScreen)
    await wait_until(pilot, lambda: screen.broadcast_form is not None, "the broadcast form")
    form = screen.broadcast_form
    assert form is not None
    await wait_until(pilot, lambda: form.query_one("#bc-name", Input).has_focus, "focus")
    return form


async def fill(pilot, form: BroadcastForm, *, name: str, where: str, template: str) -> None:  # noqa: ANN001
    """Type the draft as an operator would (the keys go through the fields)."""
    form.query_one("#bc-name", Input).focus()
    await pilot.press(*name)
    form.query_one("#bc-where", Input).focus()
    await pilot.press(*where)
    form.query_one("#bc-template", TextArea).focus()
    await pilot.press(*template)
    form.query_one("#bc-pace", Select).value = "demo-fast"


def summary(form: BroadcastForm) -> str:
    return str(form.query_one("#bc-summary", Static).content)


def line(form: BroadcastForm, selector: str) -> str:
    return str(form.query_one(selector, Static).content)


async def test_a_campaign_from_a_csv_is_planned_as_typed_then_reaches_the_network(
    make_app: MakeApp, tmp_path: Path
) -> None:
    clients = clients_csv(tmp_path)
    app = broadcasting(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_broadcast_mode(pilot, app)
        await fill(
            pilot,
            form,
            name="January offer",
            where=str(clients),
            template="[[Hi|Hello]] {first_name|there}, new units in {city}",
        )
        await wait_until(pilot, lambda: "To send 3" in summary(form), "the dry run")
        audience = line(form, "#bc-audience")
        assert audience == "✓ 3 numbers · 1 invalid · 1 duplicate · column 'Phone' · clients.csv"
        dry_run = summary(form)
        assert "left out: 1 invalid, 1 duplicate" in dry_run
        assert "line 4:" in dry_run  # the invalid line, by its line in the file
        assert "there, new units in Abu Dhabi" in dry_run  # the fallback, rendered
        assert "Fatima, new units in Sharjah" in dry_run
        assert network_lines(app) == []  # a dry run sends nothing, saves nothing
        assert await app.services.store.list_campaigns() == []  # type: ignore[union-attr]

        create = form.query_one("#bc-create", Button)
        await pilot.press("ctrl+s")
        # From the key on, the button says a campaign is on its way (the file is read
        # and planned again first: seconds for a big one).
        assert str(create.label) == "Creating…"
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "Start 'January offer'?" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, BroadcastsScreen), "Broadcasts")
        assert str(create.label) == "Create & start (ctrl+s)"
        pane = app.screen
        assert isinstance(pane, BroadcastsScreen)
        await wait_until(
            pilot,
            lambda: any(v.campaign.status is CampaignStatus.DONE for v in pane.views.values()),
            "the campaign done",
            timeout=20,
        )
        lines = network_lines(app)
        assert sorted(entry["to"] for entry in lines) == sorted(SENT_TO)  # each once
        texts = {entry["to"]: entry["text"] for entry in lines}
        assert texts["+971501230002"].endswith("Fatima, new units in Sharjah")
        assert texts["+971501230003"].endswith("there, new units in Abu Dhabi")
        # The pane shows it: done, everyone sent, the draft is gone from Compose.
        assert pane.selected is not None
        await wait_for_text(pilot, "✓ done")
        assert "3 of 3 settled" in screen_text(app)
        assert form.unsent_work() is None
        stored = await app.services.store.list_campaigns()  # type: ignore[union-attr]
        assert [c.name for c in stored] == ["January offer"]


async def test_what_is_typed_while_a_campaign_is_planned_is_never_lost_nor_ignored(
    make_app: MakeApp, tmp_path: Path
) -> None:
    """A key typed right after ctrl+s (a paste, a laggy link) changes the form while the
    create plans it: nothing is created from the old form, the operator is told, and the
    form keeps the edit; ctrl+s again creates what it shows."""
    clients = clients_csv(tmp_path)
    app = broadcasting(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_broadcast_mode(pilot, app)
        await fill(pilot, form, name="Offer", where=str(clients), template="Hello")
        await wait_until(pilot, lambda: "To send 3" in summary(form), "the dry run")
        template = form.query_one("#bc-template", TextArea)
        template.move_cursor(template.document.end)
        plan = form.plan

        async def typed_meanwhile(draft: object, *, fresh: bool) -> object:
            # The planning of a big file takes seconds: a key lands in the template.
            result = await plan(draft, fresh=fresh)  # type: ignore[arg-type]
            if fresh and template.text == "Hello":
                template.insert("!")
            return result

        form.plan = typed_meanwhile  # type: ignore[method-assign,assignment]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not form.creating, "the create ended")
        assert not isinstance(app.screen, ConfirmScreen)
        said = [n.message for n in app._notifications if n.title == "Not created"]
        assert said and said[-1].startswith("the form changed while the campaign was being planned")
        assert template.text == "Hello!"
        assert await app.services.store.list_campaigns() == []  # type: ignore[union-attr]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, BroadcastsScreen), "Broadcasts")
        [campaign] = await app.services.store.list_campaigns()  # type: ignore[union-attr]
        assert campaign.template == "Hello!"


async def test_template_errors_show_inline_with_their_position(
    make_app: MakeApp, tmp_path: Path
) -> None:
    clients = clients_csv(tmp_path)
    app = broadcasting(make_app())
    async with app.run_test(size=(100, 32)) as pilot:
        form = await open_broadcast_mode(pilot, app)
        await fill(pilot, form, name="Bad", where=str(clients), template="Hi {first_name")
        await wait_until(
            pilot, lambda: line(form, "#bc-template-status").startswith("✖"), "the error"
        )
        status = line(form, "#bc-template-status")
        assert "column 4" in status, status
        assert "\n" not in status
        # A variable some rows lack, with no fallback: named before anything is saved.
        template = form.query_one("#bc-template", TextArea)
        template.text = "Hi {first_name}"
        await wait_until(pilot, lambda: "first_name" in line(form, "#bc-template-status"), "gap")
        assert line(form, "#bc-template-status").startswith("✖")
        # A column the file does not have.
        template.text = "Hi {town}"
        await wait_until(pilot, lambda: "town" in line(form, "#bc-template-status"), "unknown")
        assert line(form, "#bc-template-status").startswith("✖")
        # Creating is refused with the reason; nothing saved.
        await pilot.press("ctrl+s")
        await wait_until(
            pilot, lambda: any(n.title == "Not created" for n in app._notifications), "refusal"
        )
        assert await app.services.store.list_campaigns() == []  # type: ignore[union-attr]
        # Fixed: the error goes.
        template.text = "Hi {first_name|there}"
        await wait_until(pilot, lambda: "To send 3" in summary(form), "the dry run")
        assert line(form, "#bc-template-status").startswith("✓")


async def test_a_bad_audience_says_why_in_one_line(make_app: MakeApp, tmp_path: Path) -> None:
    app = broadcasting(make_app())
    async with app.run_test(size=(100, 32)) as pilot:
        form = await open_broadcast_mode(pilot, app)
        missing = tmp_path / "nowhere.csv"
        await fill(pilot, form, name="Offer", where=str(missing), template="Hi")
        await wait_until(pilot, lambda: "nowhere.csv" in line(form, "#bc-audience"), "error")
        assert line(form, "#bc-audience").startswith("✖")
        assert "check the path" in line(form, "#bc-audience")
        # A FIFO is refused at once, never waited on.
        fifo = tmp_path / "pipe.csv"
        import os

        os.mkfifo(fifo)
        where = form.query_one("#bc-where", Input)
        where.value = str(fifo)
        await wait_until(pilot, lambda: "pipe.csv" in line(form, "#bc-audience"), "fifo")
        assert line(form, "#bc-audience").startswith("✖")
        # A wrong phone column is named.
        clients = clients_csv(tmp_path)
        where.value = str(clients)
        form.query_one("#bc-column", Input).value = "Mobile"
        await wait_until(pilot, lambda: "Mobile" in line(form, "#bc-audience"), "column")
        assert line(form, "#bc-audience").startswith("✖")
        form.query_one("#bc-column", Input).value = "phone"
        await wait_until(pilot, lambda: "To send 3" in summary(form), "the dry run")
        # Unknown bots are named, with the fleet's.
        form.query_one("#bc-bots", Input).value = "demo-main,nobody"
        await wait_until(pilot, lambda: "nobody" in summary(form), "bots")
        assert "demo-main" in summary(form) and summary(form).startswith("✖")


async def test_quitting_with_a_broadcast_draft_asks_first(make_app: MakeApp) -> None:
    app = broadcasting(make_app())
    async with app.run_test(size=(100, 32)) as pilot:
        form = await open_broadcast_mode(pilot, app)
        form.query_one("#bc-template", TextArea).focus()
        await pilot.press(*"Hello")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "broadcast template" in screen_text(app)
        await pilot.press("n")


async def make_campaign(app: LindaApp, numbers: list[str], name: str = "Spring") -> Campaign:
    return await make_campaign_on(app.services, numbers, name)  # type: ignore[arg-type]


async def make_campaign_on(
    services: Services, numbers: list[str], name: str, pace: str = "standard"
) -> Campaign:
    """A draft campaign saved as `linda broadcast create` saves it (the standard pace)."""
    fleet = services.fleet
    plan = await plan_broadcast(
        name=name,
        template="Hello {name|there}",
        audience=audience_from_numbers(numbers, region="AE"),
        store=services.store,
        bots="all",
        pacing={b: fleet.config.pacing_for(b) for b in fleet.bot_ids},
        now=fleet.clock.now(),
        profile=pace_profile(pace, demo=True),
        quiet_hours=None,
        warm_up=None,
    )
    return await save_plan(services.store, plan, created_by="test", now=fleet.clock.now())


async def open_pane(pilot, app: LindaApp) -> BroadcastsScreen:  # noqa: ANN001
    await wait_for_text(pilot, "2/3 online")
    await pilot.press("3")
    await wait_until(pilot, lambda: isinstance(app.screen, BroadcastsScreen), "Broadcasts")
    pane = app.screen
    assert isinstance(pane, BroadcastsScreen)
    return pane


def cell(pane: BroadcastsScreen, table: str, row: str, column: str) -> str:
    return str(pane.query_one(table, LineTable).get_cell(row, column))


async def test_the_pane_follows_a_campaign_live_and_pauses_resumes_and_cancels_it(
    make_app: MakeApp,
) -> None:
    numbers = [f"+9715012{n:05d}" for n in range(100, 160)]
    app = broadcasting(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        campaign = await make_campaign(app, numbers)
        key = str(campaign.id)
        pane = await open_pane(pilot, app)
        await wait_until(pilot, lambda: pane.selected == key, "the campaign listed")
        assert cell(pane, "#campaigns", key, "status") == "○ draft"
        assert cell(pane, "#campaigns", key, "sent") == "0/60"
        assert "pending 60" in screen_text(app)
        # Only the keys that can do something for this campaign are offered.
        await wait_until(pilot, lambda: offered(app) >= {"Resume", "Cancel"}, "r and c")
        assert not offered(app) & {"Pause", "Resend", "Mark sent"}

        # r starts a draft; the standard pace sends one message a pause apart: the
        # pane moves as it goes, cell by cell (the same rows, never rebuilt).
        per_bot = pane.query_one("#per-bot", LineTable)
        rows_before = list(per_bot.rows)
        await pilot.press("r")
        await wait_until(
            pilot, lambda: cell(pane, "#campaigns", key, "status") == "▶ running", "running"
        )
        assert "Estimated finish" in screen_text(app)
        await wait_until(
            pilot, lambda: cell(pane, "#campaigns", key, "sent") != "0/60", "a first send"
        )
        assert list(per_bot.rows) == rows_before
        assert set(per_bot.rows) == {"demo-main", "demo-sales", "demo-support"}

        assert "Pause" in offered(app) and "Resume" not in offered(app)
        await pilot.press("p")
        await wait_until(
            pilot, lambda: cell(pane, "#campaigns", key, "status") == "‖ paused", "paused"
        )
        await wait_until(pilot, lambda: "Resume" in offered(app), "r offered")
        assert "Pause" not in offered(app)
        sent_at_pause = len(network_lines(app))
        await pilot.pause(0.5)
        assert len(network_lines(app)) == sent_at_pause  # nothing goes while paused
        stored = await app.services.store.get_campaign(campaign.id)  # type: ignore[union-attr,arg-type]
        assert stored is not None and stored.status is CampaignStatus.PAUSED

        await pilot.press("r")
        await wait_until(
            pilot, lambda: cell(pane, "#campaigns", key, "status") == "▶ running", "resumed"
        )

        # Cancel asks first; "n" changes nothing.
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "Cancel campaign" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is pane, "back")
        assert cell(pane, "#campaigns", key, "status") == "▶ running"
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(
            pilot, lambda: cell(pane, "#campaigns", key, "status") == "✖ cancelled", "cancelled"
        )
        stored = await app.services.store.get_campaign(campaign.id)  # type: ignore[union-attr,arg-type]
        assert stored is not None and stored.status is CampaignStatus.CANCELLED
        await wait_until(pilot, lambda: not offered(app) & {"Pause", "Resume", "Cancel"}, "none")
        sent = len(network_lines(app))
        await pilot.pause(0.5)
        assert len(network_lines(app)) == sent
        assert sent < len(numbers)
        # Each number was messaged at most once.
        tos = [entry["to"] for entry in network_lines(app)]
        assert len(tos) == len(set(tos))


def offered(app: LindaApp) -> set[str]:
    """The descriptions of the keys the key bar offers now."""
    from linda_tui.tui.widgets.key_bar import KeyBar

    text = app.screen.query_one(KeyBar).render().plain
    words = ("Pause", "Resume", "Cancel", "Resend", "Mark sent")
    return {word for word in words if word in text}


def _figures(counts: dict[str, int]) -> tuple[int, int, int, int]:
    """What may only grow while a campaign runs and its receipts come in: the settled
    recipients, those the message went to, those it reached, those who read it."""
    get = counts.get
    reached = get("delivered", 0) + get("read", 0) + get("replied", 0)
    went = get("sent", 0) + reached
    settled = sum(counts.values()) - get("pending", 0) - get("sending", 0)
    return settled, went, reached, get("read", 0) + get("replied", 0)


async def test_the_pane_ends_on_the_stored_final_counts_and_never_goes_back(
    make_app: MakeApp,
) -> None:
    """A demo-fast campaign runs to the end while the pane shows it; receipts go on
    arriving after its last message. Whatever the pane coalesces or skips on the way,
    its figures only move forward, and once the store has settled the pane shows the
    store's final counts exactly: in the campaign's row and in the summary."""
    numbers = [f"+9715012{n:05d}" for n in range(300, 360)]
    # Receipts a second or so after each message: most come once the campaign is done.
    app = broadcasting(make_app(speed=10))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        campaign = await make_campaign_on(app.services, numbers, "Fast", pace="demo-fast")  # type: ignore[arg-type]
        store = app.services.store
        assert store is not None and campaign.id is not None
        key = str(campaign.id)
        pane = await open_pane(pilot, app)
        await wait_until(pilot, lambda: pane.selected == key, "the campaign listed")
        seen: list[tuple[int, int, int, int]] = []

        def shown() -> tuple[int, int, int, int]:
            return _figures(pane.views[key].counts)

        await pilot.press("r")

        async def stored() -> dict[str, int]:
            return {str(k): v for k, v in (await store.count_recipients(campaign.id)).items()}  # type: ignore[arg-type]

        # Until the store stops changing: the campaign is done and every receipt is in.
        last, quiet = await stored(), 0.0
        for _ in range(1000):
            seen.append(shown())
            await pilot.pause(0.02)
            now = await stored()
            quiet = quiet + 0.02 if now == last else 0.0
            last = now
            view = pane.views[key]
            if view.campaign.status is CampaignStatus.DONE and quiet >= 1.0:
                break
        assert pane.views[key].campaign.status is CampaignStatus.DONE
        assert last.get("delivered", 0) + last.get("read", 0) > 0  # receipts came in
        # The final state reaches the pane, however late its receipts came.
        await wait_until(pilot, lambda: pane.views[key].counts == last, "the final counts")
        seen.append(shown())
        assert all(
            a <= b
            for earlier, later in zip(seen, seen[1:], strict=False)
            for a, b in zip(earlier, later, strict=True)
        ), seen
        went = last.get("sent", 0) + last.get("delivered", 0) + last.get("read", 0)
        assert cell(pane, "#campaigns", key, "sent") == f"{went}/{len(numbers)}"
        assert cell(pane, "#campaigns", key, "status") == "✓ done"
        summary = pane.query_one("#campaign-summary", TextBlock).text.plain
        for state in ("pending", "sent", "delivered", "read", "failed"):
            assert f"{state} {last.get(state, 0)}" in summary, (state, summary)
        assert "Done" in summary


async def test_a_store_read_older_than_a_progress_event_does_not_turn_the_pane_back(
    make_app: MakeApp,
) -> None:
    """The pane reads the campaigns again (back on the pane, a campaign made
    elsewhere); a progress event arrives while that read is under way. The read is
    older: the pane keeps the event's counts."""
    numbers = [f"+9715012{n:05d}" for n in range(400, 410)]
    app = broadcasting(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        campaign = await make_campaign(app, numbers, name="Race")
        store = app.services.store
        assert store is not None and campaign.id is not None
        key = str(campaign.id)
        pane = await open_pane(pilot, app)
        await wait_until(pilot, lambda: pane.selected == key, "the campaign listed")
        assert pane.views[key].counts.get("pending") == 10

        # The next count of recipients is read now, and answers later.
        gate = asyncio.Event()
        count_recipients = store.count_recipients

        async def slow_count(campaign_id: int | str) -> dict[RecipientStatus, int]:
            counts = await count_recipients(campaign_id)
            await gate.wait()
            return counts

        store.count_recipients = slow_count  # type: ignore[method-assign]
        pane.on_screen_resume()  # reads the list again
        await pilot.pause(0.05)
        store.count_recipients = count_recipients  # type: ignore[method-assign]
        # Meanwhile one recipient is sent and the engine says so.
        now = app.clock.now()
        await store.set_campaign_status(campaign.id, CampaignStatus.RUNNING, now)
        await store.claim_recipient(campaign.id, numbers[0], "demo-main", now)
        await store.fail_recipient(campaign.id, numbers[0], "not on WhatsApp", now)
        await store.set_campaign_status(campaign.id, CampaignStatus.PAUSED, now)
        engine = await app.broadcast_engine()  # started just after the first frame
        assert engine is not None
        await engine.publish_progress(campaign.id, note="paused")
        await wait_until(
            pilot, lambda: pane.views[key].counts.get("failed") == 1, "the progress event"
        )
        gate.set()  # the old read lands
        await pilot.pause(0.3)
        assert pane.views[key].counts.get("failed") == 1
        assert pane.views[key].counts.get("pending") == 9
        assert cell(pane, "#campaigns", key, "failed") == "1"
        assert cell(pane, "#campaigns", key, "status") == "‖ paused"


async def test_uncertain_recipients_are_listed_and_resolved_after_asking(
    make_app: MakeApp,
) -> None:
    numbers = [f"+9715012{n:05d}" for n in range(200, 204)]
    app = broadcasting(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        campaign = await make_campaign(app, numbers, name="Kill -9")
        store = app.services.store
        assert store is not None and campaign.id is not None
        # As after a kill -9 mid-send: two claimed (sending), then found in flight.
        now = app.clock.now()
        # (A claim is only taken while the campaign runs; this console's engine does not
        # run it: the status is the store's alone.)
        await store.set_campaign_status(campaign.id, CampaignStatus.RUNNING, now)
        await store.claim_recipient(campaign.id, numbers[0], "demo-main", now)
        await store.claim_recipient(campaign.id, numbers[1], "demo-support", now)
        await store.set_campaign_status(campaign.id, CampaignStatus.PAUSED, now)
        assert await store.mark_in_flight_uncertain(campaign.id, now) == 2

        pane = await open_pane(pilot, app)
        key = str(campaign.id)
        await wait_until(pilot, lambda: pane.selected == key, "the campaign")
        uncertain = pane.query_one("#uncertain", DataTable)
        await wait_until(pilot, lambda: uncertain.row_count == 2, "the uncertain list")
        assert cell(pane, "#campaigns", key, "uncertain") == "2"
        await wait_for_text(pilot, numbers[1])  # the rows drawn, not only in the table
        shown = screen_text(app)
        assert numbers[0] in shown and numbers[1] in shown
        assert "2 uncertain: s resends, m marks sent" in shown

        # m on the first: asks; no changes nothing.
        uncertain.move_cursor(row=uncertain.get_row_index(numbers[0]))
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert f"Count {numbers[0]} as sent?" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is pane, "back")
        assert uncertain.row_count == 2
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: uncertain.row_count == 1, "one resolved")
        states = {r.phone: r.status for r in await store.list_recipients(campaign.id)}
        assert states[numbers[0]] is RecipientStatus.SENT
        assert states[numbers[1]] is RecipientStatus.UNCERTAIN

        # S resends every uncertain one: back to pending, nothing sent on its own.
        await pilot.press("S")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "Send again to the 1 uncertain recipient?" in screen_text(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: uncertain.row_count == 0, "all resolved")
        assert not uncertain.display
        states = {r.phone: r.status for r in await store.list_recipients(campaign.id)}
        assert states[numbers[1]] is RecipientStatus.PENDING
        await wait_until(
            pilot, lambda: cell(pane, "#campaigns", key, "uncertain") == "0", "the row updated"
        )
        audit = await store.list_audit()
        # Each decision is written down, as the CLI and the host write it.
        assert sorted(e.action for e in audit if e.action.startswith("broadcast.resolve")) == [
            "broadcast.resolve.mark-sent",
            "broadcast.resolve.resend",
        ]


@pytest.fixture
async def hosting(tmp_path: Path) -> AsyncIterator[tuple[Services, Path]]:
    """A Linda hosting the demo fleet (its broadcasts fast), for a console to attach to."""
    clock = FixedClock()
    network = SimulatedNetwork(
        tmp_path / "demo", seed=7, speed=200, paired=DEMO_PRE_PAIRED, disconnect_rate=0,
        reply_rate=0, clock=clock,
    )  # fmt: skip
    services = Services.build(
        demo_fleet(), store_url=sqlite_url(tmp_path / "linda.db"),
        sessions_dir=tmp_path / "sessions", data_dir=tmp_path / "demo", demo=True,
        clock=clock, network=network,
    )  # fmt: skip
    services.broadcast_settings = BroadcastSettings(
        quiet_hours=None, warm_up=None, demo=True, seed=3
    )
    services.add(HostServer(services, tmp_path / "sessions"))
    async with services:
        await services.fleet.wait_until(lambda: len(services.fleet.active_bots()) == 2, 10)
        yield services, tmp_path


async def test_an_attached_console_creates_follows_and_steers_a_campaign_through_the_host(
    hosting: tuple[Services, Path],
) -> None:
    services, folder = hosting
    clients = folder / "clients.csv"
    clients.write_text(CSV_TEXT, encoding="utf-8")
    remote = await RemoteServices.attach(folder / "sessions")
    assert remote is not None
    await remote.open_store_for_reading(sqlite_url(folder / "linda.db"))
    app = create_app(remote, clock=FixedClock(), demo=True, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_broadcast_mode(pilot, app)
        await fill(
            pilot, form, name="From afar", where=str(clients), template="Hi {first_name|there}"
        )
        await wait_until(pilot, lambda: "To send 3" in summary(form), "the dry run")
        assert "Hi Fatima" in summary(form)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, BroadcastsScreen), "Broadcasts")
        pane = app.screen
        assert isinstance(pane, BroadcastsScreen)
        # The host's engine runs it; its progress reaches this console as events.
        await wait_until(
            pilot,
            lambda: any(v.campaign.status is CampaignStatus.DONE for v in pane.views.values()),
            "the campaign done",
            timeout=20,
        )
        await wait_for_text(pilot, "3 of 3 settled")
        [campaign] = await services.store.list_campaigns()
        assert campaign.name == "From afar" and campaign.status is CampaignStatus.DONE
        services.network.flush()  # type: ignore[attr-defined]
        log = services.network.message_log.read_text()  # type: ignore[attr-defined]
        assert sorted(json.loads(x)["to"] for x in log.splitlines()) == sorted(SENT_TO)

        # A draft made on the host (`linda broadcast create`) is started, paused and
        # cancelled from here: each a request to the host.
        numbers = [f"+9715012{n:05d}" for n in range(300, 340)]
        draft = await make_campaign_on(services, numbers, name="Slow one")
        key = str(draft.id)
        await pilot.press("escape")
        await pilot.press("1")
        await pilot.press("3")
        await wait_until(pilot, lambda: key in pane.views, "the new campaign listed")
        pane.select_campaign(key)
        await wait_until(pilot, lambda: pane.selected == key, "selected")
        await pilot.press("r")
        await wait_until(
            pilot, lambda: cell(pane, "#campaigns", key, "status") == "▶ running", "running"
        )
        assert "Pause" in offered(app) and "Resume" not in offered(app)
        await pilot.press("p")
        await wait_until(
            pilot, lambda: cell(pane, "#campaigns", key, "status") == "‖ paused", "paused"
        )
        await wait_until(pilot, lambda: "Resume" in offered(app), "r offered")
        assert "Pause" not in offered(app)
        stored = await services.store.get_campaign(draft.id)  # type: ignore[arg-type]
        assert stored is not None and stored.status is CampaignStatus.PAUSED
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(
            pilot, lambda: cell(pane, "#campaigns", key, "status") == "✖ cancelled", "cancelled"
        )
        stored = await services.store.get_campaign(draft.id)  # type: ignore[arg-type]
        assert stored is not None and stored.status is CampaignStatus.CANCELLED


def flat(text: str) -> str:
    """A message as the previews show it: on one line."""
    return " ".join(text.split())


def cell_value(text: str) -> str:
    """A CSV cell as a message gets it: a lone CR read as a line end (as the CSV's own
    lines are), its control characters dropped, stripped."""
    return without_controls(text.replace("\r\n", "\n").replace("\r", "\n")).strip()


async def test_hostile_csv_cells_names_and_paths_are_shown_as_written(
    make_app: MakeApp, tmp_path: Path
) -> None:
    # A CSV whose every cell and even its file name carry markup and terminal controls,
    # and a campaign named the same way: all of it is shown, none of it acts.
    folder = tmp_path / "[red]in[b]"
    folder.mkdir()
    clients = folder / "[@click=app.quit]x[b].csv"
    rows = [["Phone", "Name", "City"], ["+971501237000", "Zed", " ~ ".join(STORABLE)]]
    rows += [[f"+9715012371{i:02d}", f"N{i} {text}", text] for i, text in enumerate(STORABLE)]
    rows.append(["[bold]+97150[/]", "Bad", "Nowhere"])  # an invalid number, as written
    with clients.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, quoting=csv.QUOTE_ALL).writerows(rows)
    name = "[@click=app.quit]Offer[/] \x1b]52;c;SGVsbG8=\x07"
    typed_name = "[@click=app.quit]Offer[/] ]52;c;SGVsbG8="
    app = broadcasting(make_app())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        form = await open_broadcast_mode(pilot, app)
        # Pasted into a field, the name loses its controls (they would reach the terminal
        # on every redraw of the field); its markup stays text.
        name_field = form.query_one("#bc-name", Input)
        name_field.focus()
        name_field.post_message(events.Paste(name))
        await wait_until(pilot, lambda: name_field.value == typed_name, "the pasted name")
        form.query_one("#bc-where", Input).value = str(clients)
        form.query_one("#bc-template", TextArea).text = "Hi {name}, {city}"
        form.query_one("#bc-pace", Select).value = "demo-fast"
        to_send = len(STORABLE) + 1
        await wait_until(pilot, lambda: f"To send {to_send}" in summary(form), "the dry run")
        dry_run = summary(form)
        # The cells' control characters are dropped as the CSV is read (they would go
        # to the recipients); their markup stays text.
        assert shown(flat(f"Hi Zed, {cell_value(' ~ '.join(STORABLE))}")) in dry_run
        for index, text in enumerate(STORABLE[:4]):  # the first messages: a name and a city
            expected = f"Hi {cell_value(f'N{index} {text}')}, {cell_value(text)}"
            assert shown(flat(expected)) in dry_run
        assert shown("'[bold]+97150[/]'") in dry_run  # the invalid line, as written
        assert shown(clients.name) in line(form, "#bc-audience")
        assert_no_control(app)

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert shown(repr(typed_name)) in screen_text(app)
        assert_no_control(app)
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, BroadcastsScreen), "Broadcasts")
        pane = app.screen
        assert isinstance(pane, BroadcastsScreen)
        await wait_until(
            pilot,
            lambda: any(v.campaign.status is CampaignStatus.DONE for v in pane.views.values()),
            "the campaign done",
            timeout=30,
        )
        key = pane.selected
        assert key is not None
        assert cell(pane, "#campaigns", key, "name") == typed_name
        assert typed_name in pane.query_one("#campaign-summary", TextBlock).text.plain
        assert_no_control(app)
        # A campaign in the store with controls in its name (Linda refuses such a name
        # now; a store written by hand or by an older Linda may hold one): the pane
        # shows them as escapes.
        other = await make_campaign(app, ["+971501237999"], name="plain for now")
        with sqlite3.connect(app.services.store.path) as db:  # type: ignore[union-attr]
            db.execute("UPDATE campaigns SET name = ? WHERE id = ?", (name, other.id))
        other = replace(other, name=name)
        pane.on_screen_resume()  # reads the campaigns again
        pane.select_campaign(str(other.id))
        await wait_until(pilot, lambda: pane.selected == str(other.id), "the other campaign")
        assert cell(pane, "#campaigns", str(other.id), "name") == shown(name)
        await wait_until(
            pilot,
            lambda: shown(name) in pane.query_one("#campaign-summary", TextBlock).text.plain,
            "its name in the detail",
        )
        assert_no_control(app)
        assert app.is_running
        # What WhatsApp got is what the CSV said, without its control characters.
        texts = {entry["to"]: entry["text"] for entry in network_lines(app)}
        assert texts["+971501237100"] == (
            f"Hi {cell_value(f'N0 {STORABLE[0]}')}, {cell_value(STORABLE[0])}"
        )
        assert not any(set(text) & (CONTROL_CHARACTERS - {"\n", "\t"}) for text in texts.values())


@pytest.mark.parametrize("size", [(100, 30), (60, 20)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_reason_a_campaign_waits_is_shown_whole(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    """The only place that says why a bot stopped: it wraps, never cut at the edge."""
    import dataclasses

    app = broadcasting(make_app())
    async with app.run_test(size=size) as pilot:
        await wait_for_text(pilot, "2/3 online")
        campaign = await make_campaign(app, [f"+9715012{n:05d}" for n in range(700, 705)])
        pane = await open_pane(pilot, app)
        key = str(campaign.id)
        await wait_until(pilot, lambda: pane.selected == key, "the campaign listed")
        view = pane.views[key]
        view.campaign = dataclasses.replace(view.campaign, status=CampaignStatus.RUNNING)
        view.waiting = (
            "quiet hours (21:00-09:00) until 09:00; warm-up day 1: at most 20 per hour "
            "and 50 per day for demo-sales"
        )
        pane._refresh_detail()
        await pilot.pause(0.3)
        shown_words = " ".join(screen_text(app).split())
        assert "at most 20 per hour and 50 per day for demo-sales" in shown_words


async def test_at_60x20_the_path_has_room_and_uncertain_is_never_dropped(
    make_app: MakeApp,
) -> None:
    """The documented minimum: the CSV path field keeps room to read a path, and both
    tables keep the Uncertain column (what the operator must act on) and whole bot
    ids; the bar and the sent count go first (the summary tells them)."""
    app = broadcasting(make_app())
    async with app.run_test(size=(60, 20)) as pilot:
        form = await open_broadcast_mode(pilot, app)
        await pilot.pause(0.2)
        assert form.query_one("#bc-where", Input).size.width >= 20
        await make_campaign(app, [f"+9715012{n:05d}" for n in range(720, 725)])
        await pilot.press("escape", "3")
        await wait_until(pilot, lambda: isinstance(app.screen, BroadcastsScreen), "Broadcasts")
        await wait_for_text(pilot, "demo-support")
        lines = screen_text(app).splitlines()
        headers = [line for line in lines if line.lstrip().startswith(("ID ", "Bot "))]
        assert len(headers) == 2 and all("Uncertain" in line for line in headers), headers
        for bot in ("demo-main", "demo-sales", "demo-support"):
            assert any(line.lstrip().startswith(bot + " ") for line in lines), bot


def test_a_finish_under_a_minute_away_is_not_now() -> None:
    """A bot's last message behind its 30-60 s pause: the estimate says when, not "now"
    (the dry run of 3 recipients over 2 bots said "Estimated finish now")."""
    from datetime import UTC, datetime, timedelta

    from linda_tui.tui.widgets.broadcast_form import when

    now = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    assert when(now + timedelta(seconds=45), now, UTC) == "10:00 (in 45s)"
    assert when(now + timedelta(minutes=5), now, UTC) == "10:05 (in 5m)"
    assert when(now, now, UTC) == "now"
    assert when(now - timedelta(seconds=3), now, UTC) == "now"  # it has come


async def make_uncertain(app: LindaApp, count: int) -> tuple[Campaign, list[str]]:
    """A paused campaign whose first ``count`` recipients are uncertain, as after a
    kill -9 mid-send (claimed, then found in flight). The engine has started first: its
    start marks what is in flight uncertain and resumes what runs."""
    await app.broadcast_engine()
    numbers = [f"+9715066{n:05d}" for n in range(count + 2)]
    campaign = await make_campaign(app, numbers, name="Kill -9")
    store = app.services.store
    assert store is not None and campaign.id is not None
    now = app.clock.now()
    await store.set_campaign_status(campaign.id, CampaignStatus.RUNNING, now)
    for number in numbers[:count]:
        await store.claim_recipient(campaign.id, number, "demo-main", now)
    await store.set_campaign_status(campaign.id, CampaignStatus.PAUSED, now)
    assert await store.mark_in_flight_uncertain(campaign.id, now) == count
    return campaign, numbers[:count]


def key_bar(app: LindaApp) -> str:
    from linda_tui.tui.widgets.key_bar import KeyBar

    return app.screen.query_one(KeyBar).render().plain


async def test_a_cancelled_campaigns_uncertain_ones_are_only_marked_sent(
    make_app: MakeApp,
) -> None:
    """A cancelled campaign sends nothing more: s and S are not offered for its uncertain
    recipients (pressed, they do nothing), m still is; those never sent read skipped."""
    app = broadcasting(make_app())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        campaign, phones = await make_uncertain(app, 2)
        store = app.services.store
        assert store is not None and campaign.id is not None
        await store.set_campaign_status(campaign.id, CampaignStatus.CANCELLED, app.clock.now())
        pane = await open_pane(pilot, app)
        uncertain = pane.query_one("#uncertain", DataTable)
        await wait_until(pilot, lambda: uncertain.row_count == 2, "the uncertain list")
        await wait_for_text(pilot, "2 uncertain: m marks sent (M: all)")
        assert "s resends" not in screen_text(app)
        assert "skipped 2" in screen_text(app)  # the two never claimed
        while not uncertain.has_focus:
            await pilot.press("tab")
        await pilot.pause(0.05)
        bar = key_bar(app)
        assert "m Mark sent" in bar and "s Resend" not in bar, bar
        await pilot.press("s")
        await pilot.press("S")
        await pilot.pause(0.1)
        assert app.screen is pane  # no question: the keys do nothing here
        await pilot.press("M")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: uncertain.row_count == 0, "all marked sent")
        assert await store.count_recipients(campaign.id) == {
            **dict.fromkeys(RecipientStatus, 0),
            RecipientStatus.SENT: 2,
            RecipientStatus.SKIPPED: 2,
        }


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (60, 20)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_uncertain_row_a_key_acts_on_is_always_on_screen(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    """s and m act on the highlighted uncertain row: whatever the terminal's size, that
    row is on screen when the key is pressed, and the key bar offers both while the
    table has the focus (the question names the number the operator saw)."""
    app = broadcasting(make_app())
    async with app.run_test(size=size) as pilot:
        await wait_for_text(pilot, "2/3 online")
        _campaign, phones = await make_uncertain(app, 12)
        pane = await open_pane(pilot, app)
        uncertain = pane.query_one("#uncertain", DataTable)
        await wait_until(pilot, lambda: uncertain.row_count == 12, "the uncertain list")
        while not uncertain.has_focus:
            await pilot.press("tab")
        for row in range(12):
            if row:
                await pilot.press("down")
            await pilot.pause(0.05)
            assert uncertain.cursor_row == row
            shown = screen_text(app)
            assert phones[row] in shown, f"row {row} ({phones[row]}) is not on screen:\n{shown}"
            bar = key_bar(app)
            assert "s Resend" in bar and "m Mark sent" in bar, bar
            assert "? Keys" in bar, bar  # the rest (S, M) are in the help
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert f"Count {phones[11]} as sent?" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is pane, "back")

        # From the campaigns list, m brings the row it names into view first.
        await pilot.press("home")
        while not pane.query_one("#campaigns").has_focus:
            await pilot.press("tab")
        await pilot.pause(0.05)
        named = phones[uncertain.cursor_row]
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert f"Count {named} as sent?" in screen_text(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is pane, "back")
        await pilot.pause(0.05)
        assert named in screen_text(app)
        assert uncertain.has_focus


async def test_at_60x20_the_selected_campaign_stays_in_the_list_on_show(
    make_app: MakeApp,
) -> None:
    """The campaigns list has a fifth of a small terminal: its cursor scrolls it, and
    the detail below always belongs to a campaign on show."""
    app = broadcasting(make_app())
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        for n in range(12):
            numbers = [f"+9715012{n:03d}{m:02d}" for m in range(3)]
            await make_campaign(app, numbers, name=f"Spring {n:02d}")
        pane = await open_pane(pilot, app)
        table = pane.query_one("#campaigns", LineTable)
        await wait_until(pilot, lambda: table.row_count == 12, "the campaigns")
        for step in range(11):
            await pilot.press("down")
            await pilot.pause(0.05)
            key = table.cursor_key
            assert key is not None
            name = pane.views[key].campaign.name
            rows = [line for line in screen_text(app).splitlines() if name in line]
            assert len(rows) == 2, (step, name, rows)  # its row, and the detail's head


@pytest.mark.parametrize(
    ("csv_text", "column", "problem"),
    [
        ("phone;name\n+971501230001;Ahmed\n", "Mobile", "has no column 'Mobile'"),
        ("who;city\nAhmed;Dubai\n", "", "no column looks like phone numbers"),
        ("Phone 1;Phone 2\n+971501230001;+971501230002\n", "", "several columns could hold"),
        ("phone;name\nnot a number;Ahmed\n", "", "has no usable phone number"),
    ],
    ids=["unknown", "none", "several", "unusable"],
)
async def test_at_60x20_a_phone_column_problem_shows_whole_in_the_consoles_words(
    make_app: MakeApp, tmp_path: Path, csv_text: str, column: str, problem: str
) -> None:
    """The audience's ✖ line wraps (the fix is at its end), and it names the form's
    Column field, not the CLI's --phone-column."""
    clients = clients_csv(tmp_path, csv_text)
    app = broadcasting(make_app())
    async with app.run_test(size=(60, 20)) as pilot:
        form = await open_broadcast_mode(pilot, app)
        await fill(pilot, form, name="Offer", where=str(clients), template="Hi")
        form.query_one("#bc-column", Input).value = column
        await wait_until(pilot, lambda: problem in line(form, "#bc-audience"), "the problem")
        await pilot.pause(0.1)
        said = line(form, "#bc-audience")
        assert said.startswith("✖") and "the Column field (after the path)" in said, said
        assert "--" not in said, said
        shown = flat(screen_text(app))
        assert flat(said) in shown, shown


async def test_resolving_one_says_so_once_in_the_singular(make_app: MakeApp) -> None:
    app = broadcasting(make_app())
    async with app.run_test(size=(100, 32), notifications=True) as pilot:
        await wait_for_text(pilot, "2/3 online")
        campaign, phones = await make_uncertain(app, 2)
        pane = await open_pane(pilot, app)
        uncertain = pane.query_one("#uncertain", DataTable)
        await wait_until(pilot, lambda: uncertain.row_count == 2, "the uncertain list")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: uncertain.row_count == 1, "one resolved")
        await pilot.pause(0.3)
        said = [n.message for n in app._notifications if n.title == f"Campaign {campaign.id}"]
        assert said == ["1 recipient counted as sent"], said


def detail_lines(pane: BroadcastsScreen) -> list[str]:
    return [line.strip() for line in widget_text(pane.query_one("#campaign-summary")).splitlines()]


async def test_the_detail_tells_a_campaigns_status_once_and_never_an_old_one(
    make_app: MakeApp,
) -> None:
    """ "Done" is not followed by a lone "done", "Cancelled: …" by "cancelled", and a
    running campaign does not keep the "paused" of before its resume."""
    app = broadcasting(make_app())
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for_text(pilot, "2/3 online")
        numbers = [f"+9715012{n:05d}" for n in range(300, 303)]
        fast = await make_campaign_on(app.services, numbers, "Fast", pace="demo-fast")
        slow = [f"+9715012{n:05d}" for n in range(400, 440)]
        steered = await make_campaign(app, slow, name="Steered")
        pane = await open_pane(pilot, app)
        await wait_until(pilot, lambda: pane.selected == str(steered.id), "the newest")
        await pilot.press("r")
        await wait_until(pilot, lambda: "Estimated finish" in detail_lines(pane)[-1], "running")
        await pilot.press("p")
        await wait_until(pilot, lambda: detail_lines(pane)[-1].startswith("Paused"), "paused")
        await pilot.press("r")
        await wait_until(pilot, lambda: "Estimated finish" in detail_lines(pane)[-1], "resumed")
        await pilot.pause(0.2)
        assert "paused" not in detail_lines(pane), detail_lines(pane)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: detail_lines(pane)[-1].startswith("Cancelled"), "cancel")
        await pilot.pause(0.2)
        assert detail_lines(pane)[-1] == "Cancelled: nothing more is sent", detail_lines(pane)

        await pilot.press("down")  # the fast one: started, then done
        await wait_until(pilot, lambda: pane.selected == str(fast.id), "the other")
        await pilot.press("r")
        await wait_until(pilot, lambda: detail_lines(pane)[-1] == "Done", "done", timeout=20)
        await pilot.pause(0.2)
        assert detail_lines(pane)[-1] == "Done", detail_lines(pane)


async def test_an_audience_of_one_is_one_number(make_app: MakeApp, tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("phone\n+971501230001\n", encoding="utf-8")
    app = broadcasting(make_app())
    async with app.run_test(size=(100, 32)) as pilot:
        form = await open_broadcast_mode(pilot, app)
        await fill(pilot, form, name="One", where=str(one), template="Hi")
        await wait_until(pilot, lambda: line(form, "#bc-audience").startswith("✓"), "read")
        assert line(form, "#bc-audience").startswith("✓ 1 number · column 'phone'")
