"""A real fleet on the simulated network and a real SQLite store, in a temp folder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from linda_tui.config import demo_fleet
from linda_tui.fleet.events import FleetEvent
from linda_tui.fleet.manager import Fleet
from linda_tui.store import open_store
from linda_tui.whatsapp.simulated import SimulatedNetwork


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll until condition() is true; fail the test with a clear message otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


class Recorder:
    def __init__(self) -> None:
        self.events: list[FleetEvent] = []

    def __call__(self, event: FleetEvent) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def network(tmp_path: Path) -> SimulatedNetwork:
    return SimulatedNetwork(
        tmp_path / "sim",
        seed=7,
        speed=1000,
        paired=["demo-main", "demo-support"],
        disconnect_rate=0,
        reply_rate=0,
    )


@pytest.fixture
async def fleet(tmp_path: Path, network: SimulatedNetwork) -> AsyncIterator[Fleet]:
    store = open_store(f"sqlite:///{tmp_path / 'linda.db'}")
    await store.open()
    fleet = Fleet(demo_fleet(), store, lambda bot, emit: network.account(bot.id, bot.phone, emit))
    await fleet.start()
    await fleet.wait_settled(10)
    await wait_for(lambda: fleet.status("demo-main").state == "online")
    await wait_for(lambda: fleet.status("demo-support").state == "online")
    try:
        yield fleet
    finally:
        await fleet.stop()
        await network.aclose()
        await store.close()
