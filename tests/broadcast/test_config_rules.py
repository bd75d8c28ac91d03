"""The engine runs campaigns with bots.yaml's broadcast rules and the warm-up of each
bot's last pairing read from the store: the same rules and pairing every plan uses.

On the simulated network and a real SQLite store; the times written to the store are
relative to the clock the fleet runs on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from linda_tui.broadcast.audience import audience_from_numbers
from linda_tui.broadcast.events import CampaignProgress
from linda_tui.broadcast.pacing import pace_profile
from linda_tui.broadcast.plan import plan_broadcast, save_plan
from linda_tui.clock import SystemClock
from linda_tui.config import demo_fleet, sqlite_url
from linda_tui.config.models import BroadcastsConfig
from linda_tui.models import (
    PAIR_SUCCESS,
    AuditEntry,
    Campaign,
    Direction,
    Message,
    MessageStatus,
)
from linda_tui.services import Services
from linda_tui.whatsapp.simulated import SimulatedNetwork

NUMBERS = [f"+9715013{n:05d}" for n in range(100, 160)]  # example-range numbers


def build(tmp_path: Path, rules: BroadcastsConfig) -> Services:
    """A demo fleet whose bots.yaml has this broadcasts: section (no settings injected:
    the engine reads them the way every Linda does)."""
    network = SimulatedNetwork(
        tmp_path / "demo",
        seed=5,
        speed=1000,
        paired=("demo-main", "demo-support"),
        disconnect_rate=0,
        reply_rate=0,
    )
    return Services.build(
        replace(demo_fleet(), broadcasts=rules),
        store_url=sqlite_url(tmp_path / "linda.db"),
        sessions_dir=tmp_path / "sessions",
        data_dir=tmp_path / "demo",
        demo=True,
        clock=SystemClock(),
        network=network,
    )


async def create(services: Services, bots: tuple[str, ...], numbers: list[str]) -> Campaign:
    """A standard-pace campaign planned as `broadcast create` plans it."""
    rules = services.broadcast_rules()
    plan = await plan_broadcast(
        name="Open house",
        template="Open house on Saturday, {name|there}",
        audience=audience_from_numbers(numbers, region="AE"),
        store=services.store,
        bots=bots,
        pacing={b: services.fleet.config.pacing_for(b) for b in services.fleet.bot_ids},
        now=services.clock.now(),
        profile=pace_profile("standard", demo=True),
        quiet_hours=rules.quiet_hours,
        warm_up=rules.warm_up,
    )
    return await save_plan(services.store, plan, created_by="test", now=services.clock.now())


async def sent_before(services: Services, bot: str, times: list[datetime]) -> None:
    for index, moment in enumerate(times):
        await services.store.add_message(
            Message(
                bot_id=bot,
                direction=Direction.OUT,
                peer=f"+9715014{index:05d}",
                text="earlier",
                status=MessageStatus.SENT,
                created_at=moment,
                sent_at=moment,
                wa_id=f"{bot}-earlier-{index}",
            )
        )


async def paired(services: Services, bot: str, at: datetime, later_entries: int = 0) -> None:
    """The bot was paired at that time, and then wrote later_entries other audit entries
    (a send each), as a bot that has been sending since."""
    await services.store.add_audit(
        AuditEntry(action=PAIR_SUCCESS, os_user="ops", at=at, bot_id=bot)
    )
    for index in range(later_entries):
        await services.store.add_audit(
            AuditEntry(
                action="send", os_user="ops", at=at + timedelta(seconds=index + 1), bot_id=bot
            )
        )


def network_lines(services: Services) -> list[dict[str, str]]:
    network = services.network
    network.flush()  # type: ignore[attr-defined]
    path = network.message_log  # type: ignore[attr-defined]
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def progress_when(
    services: Services,
    campaign: Campaign,
    ready: Callable[[CampaignProgress], bool],
    timeout: float = 15,
) -> CampaignProgress:
    assert services.broadcasts is not None
    seen: CampaignProgress | None = None
    for _ in range(int(timeout / 0.05)):
        seen = await services.broadcasts.progress(campaign.id)  # type: ignore[arg-type]
        if ready(seen):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"the campaign never got there: {seen}")


async def opened(services: Services, body: Callable[[], Awaitable[None]]) -> None:
    async with services:
        await services.fleet.wait_until(lambda: len(services.fleet.active_bots()) == 2, 10)
        await body()


async def test_the_warm_up_holds_after_600_sends_since_the_pairing(tmp_path: Path) -> None:
    """demo-main was paired an hour ago and has sent 20 messages since, then written 600
    more audit entries: it is on day 1 of its warm-up (20 an hour), so the campaign
    waits. (Found among the last 500 audit entries only, the pairing was lost and the
    bot went on at bots.yaml's 80 an hour: a ban risk.)"""
    services = build(tmp_path, BroadcastsConfig(quiet_hours=None))

    async def body() -> None:
        now = services.clock.now()
        await paired(services, "demo-main", now - timedelta(hours=1), later_entries=600)
        await sent_before(
            services, "demo-main", [now - timedelta(minutes=50, seconds=-30 * i) for i in range(20)]
        )
        campaign = await create(services, ("demo-main",), NUMBERS[:5])
        assert services.broadcasts is not None
        await services.broadcasts.start_campaign(campaign.id)  # type: ignore[arg-type]
        progress = await progress_when(services, campaign, lambda p: p.waiting is not None)
        assert progress.waiting == "warm-up day 1: at most 20 per hour"
        # The first of the 20 leaves the hour 10 minutes from now; the day's 50 then
        # hold the last of the 5 until well after that.
        assert progress.finish_at is not None
        assert progress.finish_at >= now + timedelta(minutes=9)
        await asyncio.sleep(0.5)
        assert network_lines(services) == []

    await opened(services, body)


async def test_a_running_campaign_estimate_waits_for_a_bot_held_by_its_warm_up(
    tmp_path: Path,
) -> None:
    """Each bot keeps its own share (the contact stays with the same number): the share of
    a bot held by its warm-up is not finished by the others, and the estimate says so.
    The pane kept an estimate as if the others took it."""
    services = build(tmp_path, BroadcastsConfig(quiet_hours=None))

    async def body() -> None:
        now = services.clock.now()
        await paired(services, "demo-main", now - timedelta(hours=1))
        await sent_before(
            services, "demo-main", [now - timedelta(minutes=50, seconds=-30 * i) for i in range(20)]
        )
        campaign = await create(services, ("demo-main", "demo-support"), NUMBERS)
        assert services.broadcasts is not None
        await services.broadcasts.start_campaign(campaign.id)  # type: ignore[arg-type]
        progress = await progress_when(services, campaign, lambda p: p.finish_at is not None)
        # demo-main's 30: 20 in the hour from 10 minutes from now, the last 10 in the
        # hour after (day 1 allows 50 a day: 20 sent + 30). demo-support alone would
        # send all 60 within the hour at bots.yaml's 80 an hour.
        assert progress.finish_at is not None
        assert progress.finish_at >= now + timedelta(minutes=69)
        assert all(line["bot"] == "demo-support" for line in network_lines(services))

    await opened(services, body)


async def test_quiet_hours_from_bots_yaml_hold_the_engine_and_its_estimate(
    tmp_path: Path,
) -> None:
    now = datetime.now(UTC)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    hours = f"{start:%H:%M}-{end:%H:%M}"
    services = build(tmp_path, BroadcastsConfig(quiet_hours=hours))

    async def body() -> None:
        assert str(services.broadcast_rules().quiet_hours) == hours
        campaign = await create(services, ("demo-main",), NUMBERS[:1])
        assert services.broadcasts is not None
        await services.broadcasts.start_campaign(campaign.id)  # type: ignore[arg-type]
        progress = await progress_when(services, campaign, lambda p: p.waiting is not None)
        assert progress.waiting == f"quiet hours ({hours})"
        quiet_end = end.replace(second=0, microsecond=0)
        assert progress.finish_at == quiet_end
        await asyncio.sleep(0.5)
        assert network_lines(services) == []

    await opened(services, body)
