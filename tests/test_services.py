"""The composition root: one order to open, the reverse to close, one stream of events."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from linda_tui.clock import FixedClock
from linda_tui.config import demo_fleet, sqlite_url
from linda_tui.fleet.events import BotStatusChanged, FleetError, FleetEvent
from linda_tui.fleet.lock import AlreadyRunningError
from linda_tui.services import Services
from linda_tui.store.base import StoreError
from linda_tui.whatsapp.simulated import SimulatedNetwork


@dataclass
class Step:
    """A plugged-in service that writes down when it starts and stops."""

    name: str
    journal: list[str]
    services: Services | None = None
    fail_start: bool = False

    async def start(self) -> None:
        assert self.services is not None and self.services.fleet.bot_ids  # the fleet is up
        self.journal.append(f"start {self.name} (store open: {self.services.store is not None})")
        if self.fail_start:
            raise RuntimeError(f"{self.name} cannot start")
        self.services.publish(FleetError(bot_id=None, message=f"{self.name} says hello"))

    async def stop(self) -> None:
        self.journal.append(f"stop {self.name}")


def build(tmp_path: Path, folder: str = "run") -> Services:
    base = tmp_path / folder
    clock = FixedClock()
    network = SimulatedNetwork(
        base / "demo", seed=7, speed=500, paired=["demo-main"], disconnect_rate=0, clock=clock
    )
    return Services.build(
        demo_fleet(),
        store_url=sqlite_url(base / "linda.db"),
        sessions_dir=tmp_path / "sessions",
        data_dir=base / "demo",
        demo=True,
        clock=clock,
        network=network,
    )


async def test_services_open_in_order_close_in_reverse_and_share_one_event_stream(
    tmp_path: Path,
) -> None:
    services = build(tmp_path)
    journal: list[str] = []
    first, second = Step("broadcasts", journal), Step("sync", journal)
    for step in (first, second):
        step.services = services
        services.add(step)
    events: list[FleetEvent] = []
    services.subscribe(events.append)
    async with services:
        assert services.is_open
        await services.fleet.wait_until(
            lambda: services.fleet.status("demo-main").state == "online", 10
        )
        with pytest.raises(RuntimeError, match="before opening"):
            services.add(Step("late", journal))
    assert journal == [
        "start broadcasts (store open: True)",
        "start sync (store open: True)",
        "stop sync",
        "stop broadcasts",
    ]
    kinds = {type(e) for e in events}
    assert BotStatusChanged in kinds  # the fleet's events...
    assert [e.message for e in events if isinstance(e, FleetError)] == [
        "broadcasts says hello",
        "sync says hello",
    ]  # ...and the services' own, on the same stream
    # Closed: the lock is free again and closing twice is harmless.
    await services.close()
    again = build(tmp_path, "again")
    async with again:
        pass


async def test_a_service_that_cannot_start_closes_everything_opened_before_it(
    tmp_path: Path,
) -> None:
    services = build(tmp_path)
    journal: list[str] = []
    good, bad = Step("broadcasts", journal), Step("sync", journal, fail_start=True)
    for step in (good, bad):
        step.services = services
        services.add(step)
    with pytest.raises(RuntimeError, match="sync cannot start"):
        await services.open()
    assert journal == [
        "start broadcasts (store open: True)",
        "start sync (store open: True)",
        "stop broadcasts",
    ]
    assert not services.is_open
    # Everything was released: another Linda can take the same folders at once.
    async with build(tmp_path, "next"):
        pass


async def test_a_second_linda_on_the_same_sessions_is_refused_before_touching_the_store(
    tmp_path: Path,
) -> None:
    first = build(tmp_path)
    async with first:
        second = build(tmp_path, "second")
        with pytest.raises(AlreadyRunningError, match="already running"):
            await second.open()
        assert not (tmp_path / "second" / "linda.db").exists()


async def test_a_store_that_cannot_open_releases_the_lock(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "linda.db").write_bytes(b"not a database at all" * 100)
    services = build(tmp_path)
    with pytest.raises(StoreError):
        await services.open()
    assert services.lock._fd is None  # released
    await asyncio.sleep(0)


@dataclass
class SlowStart(Step):
    """A service whose start takes a while (the demo's People API makes its book)."""

    started: asyncio.Event | None = None

    async def start(self) -> None:
        assert self.started is not None
        self.started.set()
        await asyncio.sleep(0.2)
        await super().start()


async def test_a_close_during_start_up_waits_and_nothing_starts_after_it(tmp_path: Path) -> None:
    """A quit right after the console's first frame: close() comes while the services
    are starting. Whatever started is stopped, and nothing starts after the close (a
    service started then would keep the process alive with nobody to stop it)."""
    journal: list[str] = []
    services = build(tmp_path)
    slow = SlowStart("slow", journal, started=asyncio.Event())
    late = Step("late", journal)
    for step in (slow, late):
        step.services = services
        services.add(step)
    await services.open(fleet_only=True)
    starting = asyncio.create_task(services.start_services())
    await slow.started.wait()  # type: ignore[union-attr]
    await services.close()
    await starting
    assert journal == [
        "start slow (store open: True)",
        "start late (store open: True)",
        "stop late",
        "stop slow",
    ]
    # Closed: a start asked for afterwards starts nothing.
    await services.start_services()
    assert journal[-1] == "stop slow"
    assert not services.is_open


@dataclass
class EarlyStep(Step):
    """A service that starts before the others, as the host's socket does."""

    early: bool = True


async def test_the_early_service_starts_first_and_the_others_are_waited_for(
    tmp_path: Path,
) -> None:
    """The console: the socket listens at the first frame; the broadcasts and the sync
    start a moment later, and whoever asks the socket for them meanwhile waits."""
    journal: list[str] = []
    services = build(tmp_path)
    services.with_broadcasts = False
    sync, socket = Step("sync", journal), EarlyStep("socket", journal)
    for step in (sync, socket):
        step.services = services
        services.add(step)
    await services.open(fleet_only=True)
    try:
        await services.start_services(early_only=True)
        assert journal == ["start socket (store open: True)"]
        waiting = asyncio.create_task(services.wait_started())
        await asyncio.sleep(0.05)
        assert not waiting.done()  # a request for the sync waits for it
        await services.start_services()
        await asyncio.wait_for(waiting, 1)
        assert journal == ["start socket (store open: True)", "start sync (store open: True)"]
    finally:
        await services.close()
    assert journal[2:] == ["stop socket", "stop sync"]


async def test_a_close_releases_whoever_waits_for_the_services(tmp_path: Path) -> None:
    services = build(tmp_path)
    await services.open(fleet_only=True)
    waiting = asyncio.create_task(services.wait_started())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await services.close()
    await asyncio.wait_for(waiting, 1)  # the quit came first: nobody hangs
