"""A demo fleet hosted in the test's own event loop, reachable on its socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hosted_fleet import hosting
from linda_tui.clock import FixedClock
from linda_tui.host.server import HostServer
from linda_tui.services import Services
from linda_tui.whatsapp.simulated import SimulatedNetwork

# The bots paired on the quiet network (demo-sales is left to pair).
PAIRED = ("demo-main", "demo-support")


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[tuple[Services, HostServer]]:
    """A running host whose two paired bots are online, on a quiet network (no
    disconnects, no replies) that answers at once; with its HostServer."""
    clock = FixedClock()
    network = SimulatedNetwork(
        tmp_path / "demo",
        seed=7,
        speed=1000,
        paired=list(PAIRED),
        disconnect_rate=0,
        reply_rate=0,
        clock=clock,
    )
    services, server = hosting(tmp_path, clock, network)
    async with services:
        await services.fleet.wait_until(lambda: len(services.fleet.active_bots()) == 2, 10)
        yield services, server
