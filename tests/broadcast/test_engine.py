"""The broadcast engine on the simulated network and a real SQLite store: every
recipient messaged at most once, every recipient accounted for."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from linda_tui.broadcast.audience import audience_from_numbers
from linda_tui.broadcast.engine import BroadcastEngine, BroadcastError, BroadcastSettings
from linda_tui.broadcast.events import CampaignProgress
from linda_tui.broadcast.pacing import pace_profile
from linda_tui.broadcast.plan import plan_broadcast, save_plan
from linda_tui.clock import SystemClock
from linda_tui.config import PacingOverride, demo_fleet, sqlite_url
from linda_tui.fleet.events import FleetEvent, MessageRecorded
from linda_tui.models import (
    BotState,
    Campaign,
    CampaignStatus,
    MessageStatus,
    RecipientStatus,
    UncertainAction,
)
from linda_tui.services import Services
from linda_tui.whatsapp.simulated import SimulatedNetwork

FINISHED = (CampaignStatus.DONE, CampaignStatus.CANCELLED, CampaignStatus.PAUSED)
NUMBERS = [f"+9715012{n:05d}" for n in range(40, 100)]  # example-range numbers


def build(
    tmp_path: Path,
    *,
    paired: tuple[str, ...] = ("demo-main", "demo-support"),
    pauses: dict[str, float] | None = None,
) -> Services:
    """The demo fleet on the simulated network; pauses gives bots their own pause
    between two messages (seconds) under the standard pace."""
    network = SimulatedNetwork(
        tmp_path / "demo",
        seed=11,
        speed=1000,
        paired=paired,
        disconnect_rate=0,
        reply_rate=0,
    )
    config = demo_fleet()
    if pauses:
        bots = [
            replace(bot, pacing=PacingOverride(min_delay_seconds=pause, max_delay_seconds=pause))
            if (pause := pauses.get(bot.id)) is not None
            else bot
            for bot in config.bots
        ]
        config = replace(config, bots=bots)
    services = Services.build(
        config,
        store_url=sqlite_url(tmp_path / "linda.db"),
        sessions_dir=tmp_path / "sessions",
        data_dir=tmp_path / "demo",
        demo=True,
        clock=SystemClock(),
        network=network,
    )
    services.broadcast_settings = BroadcastSettings(
        quiet_hours=None, warm_up=None, demo=True, seed=3
    )
    return services


async def create(
    services: Services,
    numbers: list[str],
    pace: str = "demo-fast",
    *,
    bots: list[str] | str = "all",
    unusable: dict[str, str] | None = None,
) -> Campaign:
    fleet = services.fleet
    plan = await plan_broadcast(
        name="January offer",
        template="[[Hi|Hello]] {name|there}, new listings this week",
        audience=audience_from_numbers(numbers, region="AE"),
        store=services.store,
        bots=bots,
        pacing={b: fleet.config.pacing_for(b) for b in fleet.bot_ids},
        unusable=unusable,
        now=fleet.clock.now(),
        profile=pace_profile(pace, demo=True),
        quiet_hours=None,
        warm_up=None,
    )
    return await save_plan(services.store, plan, created_by="test", now=fleet.clock.now())


def network_lines(services: Services) -> list[dict[str, str]]:
    network = services.network
    network.flush()  # type: ignore[attr-defined]
    path = network.message_log  # type: ignore[attr-defined]
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Services]:
    services = build(tmp_path)
    async with services:
        await services.fleet.wait_until(lambda: len(services.fleet.active_bots()) == 2, 10)
        yield services


def engine_of(services: Services) -> BroadcastEngine:
    assert services.broadcasts is not None
    return services.broadcasts


async def wait_status(
    services: Services, campaign_id: object, status: CampaignStatus, timeout: float = 30
) -> None:
    async def current() -> CampaignStatus | None:
        found = await services.store.get_campaign(campaign_id)  # type: ignore[arg-type]
        return found.status if found else None

    engine = services.broadcasts
    for _ in range(int(timeout / 0.05)):
        # The store says done before the runner has said so: a finished status
        # counts once its runner has ended, its last progress event published.
        if await current() is status and not (
            status in FINISHED and engine is not None and engine.is_running(campaign_id)  # type: ignore[arg-type]
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"campaign never became {status}; it is {await current()}")


async def test_a_campaign_reaches_everyone_once_across_the_online_bots(running: Services) -> None:
    events: list[FleetEvent] = []
    running.subscribe(events.append)
    campaign = await create(running, NUMBERS)
    await engine_of(running).start_campaign(campaign.id)  # type: ignore[arg-type]
    await wait_status(running, campaign.id, CampaignStatus.DONE)
    lines = network_lines(running)
    assert sorted(line["to"] for line in lines) == sorted(NUMBERS)  # each exactly once
    assert {line["bot"] for line in lines} == {"demo-main", "demo-support"}  # spread
    assert all(line["text"].endswith("there, new listings this week") for line in lines)
    counts = await running.store.count_recipients(campaign.id)  # type: ignore[arg-type]
    assert counts[RecipientStatus.PENDING] == counts[RecipientStatus.SENDING] == 0
    assert sum(counts.values()) == len(NUMBERS)
    progress = [e for e in events if isinstance(e, CampaignProgress)]
    # It said it is done; receipts arriving after that publish the counts again, done.
    said_done = [i for i, e in enumerate(progress) if (e.note or "").startswith("done")]
    assert len(said_done) == 1
    assert all(e.campaign.status is CampaignStatus.DONE for e in progress[said_done[0] :])
    # The audit trail has every send, and the store every message with its campaign.
    messages = await running.store.list_messages(limit=1000)
    assert sum(1 for m in messages if str(m.campaign_id) == str(campaign.id)) == len(NUMBERS)


async def test_a_bot_that_drops_out_hands_its_recipients_to_the_others(running: Services) -> None:
    campaign = await create(running, NUMBERS)
    network = running.network
    sent_by_support: list[str] = []

    def drop_support_midway(event: FleetEvent) -> None:
        # After demo-support's fifth message the phone unlinks it, mid-campaign.
        if (
            isinstance(event, MessageRecorded)
            and event.message.bot_id == "demo-support"
            and event.message.status is MessageStatus.SENT
        ):
            sent_by_support.append(event.message.peer)
            if len(sent_by_support) == 5:
                network.unlink("demo-support")  # type: ignore[attr-defined]

    running.subscribe(drop_support_midway)
    await engine_of(running).start_campaign(campaign.id)  # type: ignore[arg-type]
    await wait_status(running, campaign.id, CampaignStatus.DONE)
    assert running.fleet.status("demo-support").state is BotState.LOGGED_OUT
    lines = network_lines(running)
    assert sorted(line["to"] for line in lines) == sorted(NUMBERS)
    by_support = sum(1 for line in lines if line["bot"] == "demo-support")
    assert by_support == 5  # then demo-main took over the rest of its share


async def test_an_opt_out_before_its_turn_skips_the_recipient(running: Services) -> None:
    campaign = await create(running, NUMBERS, pace="standard")
    target = NUMBERS[-1]
    network = running.network
    network.inject_inbound("demo-main", target, "STOP")  # type: ignore[attr-defined]
    await running.fleet.wait_until(lambda: False, 0.3)
    await running.fleet.drain()
    assert await running.store.is_opted_out(target)
    engine = engine_of(running)
    await engine.start_campaign(campaign.id)  # type: ignore[arg-type]
    await engine.cancel(campaign.id)  # a standard pace is slow: stop after the first
    recipients = await running.store.list_recipients(campaign.id)  # type: ignore[arg-type]
    # Only the claim decides: the opted-out one is skipped when its turn comes, never sent.
    assert target not in [line["to"] for line in network_lines(running)]
    assert {r.status for r in recipients} <= {
        RecipientStatus.PENDING,
        RecipientStatus.SENT,
        RecipientStatus.DELIVERED,
        RecipientStatus.READ,
        RecipientStatus.SKIPPED,
    }


async def test_pause_takes_effect_before_the_next_message_and_resume_finishes(
    running: Services,
) -> None:
    campaign = await create(running, NUMBERS)
    engine = engine_of(running)
    paused: list[int] = []

    async def pause_soon(event: FleetEvent) -> None:
        sent = isinstance(event, MessageRecorded) and event.message.status is MessageStatus.SENT
        if sent and not paused:
            paused.append(1)  # the operator presses pause as the first message goes
            await engine.pause(campaign.id)  # type: ignore[arg-type]

    running.subscribe(lambda e: asyncio.ensure_future(pause_soon(e)))
    await engine.start_campaign(campaign.id)  # type: ignore[arg-type]
    await wait_status(running, campaign.id, CampaignStatus.PAUSED)
    await asyncio.sleep(0.3)
    sent_while_paused = len(network_lines(running))
    await asyncio.sleep(0.5)
    assert len(network_lines(running)) == sent_while_paused < len(NUMBERS)
    await engine.resume(campaign.id)  # type: ignore[arg-type]
    await wait_status(running, campaign.id, CampaignStatus.DONE)
    assert sorted(line["to"] for line in network_lines(running)) == sorted(NUMBERS)


async def test_after_a_crash_the_in_flight_recipient_is_uncertain_and_the_rest_resume(
    tmp_path: Path,
) -> None:
    first = build(tmp_path)
    async with first:
        await first.fleet.wait_until(lambda: len(first.fleet.active_bots()) == 2, 10)
        campaign = await create(first, NUMBERS)
        await first.store.set_campaign_status(
            campaign.id,  # type: ignore[arg-type]
            CampaignStatus.RUNNING,
            first.fleet.clock.now(),
        )
        # What a kill -9 between the claim and the send leaves behind:
        claim = await first.store.claim_recipient(
            campaign.id,  # type: ignore[arg-type]
            NUMBERS[0],
            "demo-main",
            first.fleet.clock.now(),
        )
        assert claim.message is not None
        await engine_of(first).stop()  # the engine is gone; the campaign still says running
    second = build(tmp_path)
    events: list[FleetEvent] = []
    second.subscribe(events.append)
    async with second:
        await wait_status(second, campaign.id, CampaignStatus.DONE)
        recipients = {
            r.phone: r
            for r in await second.store.list_recipients(campaign.id)  # type: ignore[arg-type]
        }
        assert recipients[NUMBERS[0]].status is RecipientStatus.UNCERTAIN
        sent_to = [line["to"] for line in network_lines(second)]
        assert NUMBERS[0] not in sent_to  # never re-sent on its own
        assert sorted(sent_to) == sorted(NUMBERS[1:])
        notes = [e.note for e in events if isinstance(e, CampaignProgress) and e.note]
        assert any("resumed after Linda restarted; 1 uncertain" in n for n in notes)
        engine = engine_of(second)
        assert await engine.resolve(campaign.id, None, UncertainAction.RESEND) == 1  # type: ignore[arg-type]
        await wait_status(second, campaign.id, CampaignStatus.DONE)
        await second.fleet.wait_until(
            lambda: NUMBERS[0] in [line["to"] for line in network_lines(second)], 10
        )
        assert [line["to"] for line in network_lines(second)].count(NUMBERS[0]) == 1


async def test_demo_fast_is_refused_outside_the_demo(running: Services) -> None:
    campaign = await create(running, NUMBERS[:3])
    engine = engine_of(running)
    engine.settings = BroadcastSettings(demo=False)
    with pytest.raises(BroadcastError, match="only for --demo"):
        await engine.start_campaign(campaign.id)  # type: ignore[arg-type]
    with pytest.raises(BroadcastError, match="no campaign 999"):
        await engine.pause(999)


Factory = Callable[..., Services]


async def test_a_paced_campaign_is_done_when_its_last_message_went_not_a_pause_later(
    running: Services,
) -> None:
    """Standard pacing pauses 30-60 s between two messages of a bot: once the last one
    went, the campaign is done at once (it said "running" through the next pause)."""
    campaign = await create(running, NUMBERS[:1], pace="standard")
    await engine_of(running).start_campaign(campaign.id)  # type: ignore[arg-type]
    await wait_status(running, campaign.id, CampaignStatus.DONE, timeout=10)
    assert [line["to"] for line in network_lines(running)] == NUMBERS[:1]


@pytest.mark.parametrize("failure", ["ack-lost", "dropped"])
async def test_a_send_without_an_answer_is_uncertain_like_one_in_flight_at_a_crash(
    running: Services, failure: str
) -> None:
    """WhatsApp took the message but never confirmed it: the recipient is uncertain
    (shown, never re-sent on its own, resolvable), not failed."""
    from linda_tui.whatsapp.simulated import SendFailure

    network = running.network
    for bot in ("demo-main", "demo-support"):
        network.fail_next_send(bot, SendFailure(failure))  # type: ignore[attr-defined]
    events: list[FleetEvent] = []
    running.subscribe(events.append)
    campaign = await create(running, NUMBERS[:10])
    engine = engine_of(running)
    await engine.start_campaign(campaign.id)  # type: ignore[arg-type]
    await wait_status(running, campaign.id, CampaignStatus.DONE)
    await running.fleet.wait_until(lambda: running.fleet.active_bots() != [], 10)
    sent_to = [line["to"] for line in network_lines(running)]
    assert sorted(sent_to) == sorted(NUMBERS[:10])  # every one once, the unconfirmed too
    uncertain = await running.store.list_recipients(
        campaign.id,  # type: ignore[arg-type]
        RecipientStatus.UNCERTAIN,
    )
    assert len(uncertain) == 2
    assert all(r.reason and r.reason.startswith("may have been sent: ") for r in uncertain)
    counts = await running.store.count_recipients(campaign.id)  # type: ignore[arg-type]
    assert counts.get(RecipientStatus.FAILED, 0) == 0
    notes = [e.note for e in events if isinstance(e, CampaignProgress) and e.note]
    assert any(n.startswith("done; 2 uncertain") for n in notes)
    # The operator knows they did get it.
    phones = [r.phone for r in uncertain]
    assert await engine.resolve(campaign.id, phones, UncertainAction.MARK_SENT) == 2  # type: ignore[arg-type]
    counts = await running.store.count_recipients(campaign.id)  # type: ignore[arg-type]
    assert counts.get(RecipientStatus.UNCERTAIN, 0) == 0
    assert sorted(line["to"] for line in network_lines(running)) == sorted(NUMBERS[:10])


async def test_stopping_mid_campaign_is_quiet_and_the_campaign_resumes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Linda exits while a campaign runs: nothing touches the store after it closed (no
    "store is not open" traceback in the log), the campaign stays running, and the
    next start finishes it — everyone messaged once."""
    import logging

    numbers = [f"+9715013{n:05d}" for n in range(1, 201)]  # none ends in 000
    first = build(tmp_path)
    async with first:
        await first.fleet.wait_until(lambda: len(first.fleet.active_bots()) == 2, 10)
        campaign = await create(first, numbers)
        await engine_of(first).start_campaign(campaign.id)  # type: ignore[arg-type]
        await first.fleet.wait_until(lambda: len(network_lines(first)) >= 20, 10)
        caplog.clear()
        caplog.set_level(logging.WARNING)
    # A progress publication that was due, a reply being recorded: all settled by now.
    await asyncio.sleep(PROGRESS_WAIT)
    problems = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert problems == [], [r.getMessage() for r in problems]
    assert len(network_lines(first)) < len(numbers)  # it did stop midway

    second = build(tmp_path)
    async with second:
        found = await second.store.get_campaign(campaign.id)  # type: ignore[arg-type]
        assert found is not None and found.status is not CampaignStatus.DONE
        await wait_status(second, campaign.id, CampaignStatus.DONE)
        sent_to = [line["to"] for line in network_lines(second)]
        uncertain = await second.store.list_recipients(
            campaign.id,  # type: ignore[arg-type]
            RecipientStatus.UNCERTAIN,
        )
        # At most the messages in flight at the stop are uncertain; nobody twice.
        assert len(sent_to) == len(set(sent_to))
        assert sorted(set(sent_to) | {r.phone for r in uncertain}) == sorted(numbers)


PROGRESS_WAIT = 1.0  # longer than the engine's progress throttle (PROGRESS_SECONDS)


# --- a campaign settles when its last recipient does; it says what it waits for -------


async def paced(
    tmp_path: Path,
    pauses: dict[str, float],
    paired: tuple[str, ...] = ("demo-main", "demo-support"),
) -> Services:
    """Services opened with those pauses, once the paired bots are online (close it)."""
    services = build(tmp_path, pauses=pauses, paired=paired)
    await services.open()
    await services.fleet.wait_until(lambda: len(services.fleet.active_bots()) == len(paired), 10)
    return services


async def test_a_bot_in_its_pause_with_nothing_left_to_send_does_not_hold_the_campaign(
    tmp_path: Path,
) -> None:
    """demo-support sent its one message and pauses 20 s; demo-main sends the last one
    at once. The campaign is done as that one settles (demo-support's idle worker slept
    its whole pause, and the campaign said "running" through it)."""
    import time

    services = await paced(tmp_path, {"demo-main": 0, "demo-support": 20})
    try:
        campaign = await create(
            services, NUMBERS[:3], pace="standard", bots=["demo-main", "demo-support"]
        )
        shares = await services.store.list_recipients(campaign.id)  # type: ignore[arg-type]
        assert sorted(r.preferred_bot or "" for r in shares) == [
            "demo-main",
            "demo-main",
            "demo-support",
        ]
        began = time.monotonic()
        await engine_of(services).start_campaign(campaign.id)  # type: ignore[arg-type]
        await wait_status(services, campaign.id, CampaignStatus.DONE, timeout=15)
        assert time.monotonic() - began < 5  # not demo-support's 20 s pause later
        assert sorted(line["to"] for line in network_lines(services)) == NUMBERS[:3]
    finally:
        await services.close()


async def test_a_bot_whose_share_went_to_another_stops_waiting_for_its_pause(
    tmp_path: Path,
) -> None:
    """demo-main pauses 20 s before its second message and is unlinked meanwhile:
    demo-support sends that message, and the campaign is done then, not when demo-main's
    pause would have ended."""
    import time

    services = await paced(tmp_path, {"demo-main": 20, "demo-support": 0})
    try:
        campaign = await create(
            services, NUMBERS[:3], pace="standard", bots=["demo-main", "demo-support"]
        )
        await engine_of(services).start_campaign(campaign.id)  # type: ignore[arg-type]
        await services.fleet.wait_until(lambda: len(network_lines(services)) == 2, 10)
        services.network.unlink("demo-main")  # type: ignore[attr-defined]
        unlinked = time.monotonic()
        await wait_status(services, campaign.id, CampaignStatus.DONE, timeout=25)
        assert time.monotonic() - unlinked < 5
        lines = network_lines(services)
        assert sorted(line["to"] for line in lines) == NUMBERS[:3]
        assert [line["bot"] for line in lines].count("demo-support") == 2
    finally:
        await services.close()


async def test_only_a_bot_something_waits_for_says_it_is_not_online(tmp_path: Path) -> None:
    """demo-sales is not paired and has no share: the campaign waits for the pause of
    the bots that send, not for demo-sales ("bot not online" sent the operator looking
    for a bot that does not matter)."""
    services = await paced(tmp_path, {"demo-main": 20, "demo-support": 20})
    events: list[CampaignProgress] = []
    services.subscribe(lambda e: events.append(e) if isinstance(e, CampaignProgress) else None)
    try:
        campaign = await create(
            services, NUMBERS[:4], pace="standard", unusable={"demo-sales": "not paired"}
        )
        engine = engine_of(services)
        await engine.start_campaign(campaign.id)  # type: ignore[arg-type]
        await services.fleet.wait_until(lambda: len(network_lines(services)) == 2, 10)
        await services.fleet.wait_until(lambda: False, PROGRESS_WAIT * 2)
        progress = await engine.progress(campaign.id)  # type: ignore[arg-type]
        assert progress.waiting == "the pause between two messages"
        assert not [e.waiting for e in events if "not online" in (e.waiting or "")]
        await engine.cancel(campaign.id)  # type: ignore[arg-type]
    finally:
        await services.close()


async def test_a_campaign_no_bot_can_send_says_it_waits_for_a_bot(tmp_path: Path) -> None:
    """Every bot of the campaign is not paired: it waits for one, and says so."""
    services = await paced(tmp_path, {}, paired=("demo-main",))
    try:
        campaign = await create(services, NUMBERS[:2], pace="standard", bots=["demo-sales"])
        engine = engine_of(services)
        await engine.start_campaign(campaign.id)  # type: ignore[arg-type]
        await services.fleet.wait_until(lambda: False, PROGRESS_WAIT * 2)
        progress = await engine.progress(campaign.id)  # type: ignore[arg-type]
        assert progress.waiting == "bot not online"
        assert network_lines(services) == []
        await engine.cancel(campaign.id)  # type: ignore[arg-type]
    finally:
        await services.close()


async def test_a_resumed_campaign_says_resumed_not_paused(running: Services) -> None:
    """The console keeps the last note it got: a resume publishes one in place of
    "paused"."""
    events: list[CampaignProgress] = []
    running.subscribe(lambda e: events.append(e) if isinstance(e, CampaignProgress) else None)
    campaign = await create(running, NUMBERS[:4], pace="standard")
    engine = engine_of(running)
    await engine.start_campaign(campaign.id)  # type: ignore[arg-type]
    await engine.pause(campaign.id)  # type: ignore[arg-type]
    paused_at = len(events)
    assert events[-1].note == "paused"
    await engine.resume(campaign.id)  # type: ignore[arg-type]
    await running.fleet.wait_until(lambda: any(e.note for e in events[paused_at:]), 5)
    notes = [e.note for e in events[paused_at:] if e.note]
    assert notes[0] == "resumed"
    await engine.cancel(campaign.id)  # type: ignore[arg-type]
