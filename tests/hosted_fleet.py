"""A demo fleet hosted in the test's own event loop, reachable on its socket: the host
tests and the attached-console tests build it the same way."""

from __future__ import annotations

from pathlib import Path

from linda_tui.clock import FixedClock
from linda_tui.config import demo_fleet, sqlite_url
from linda_tui.host.server import HostServer
from linda_tui.services import Services
from linda_tui.whatsapp.simulated import SimulatedNetwork

__all__ = ["hosting"]


def hosting(
    folder: Path, clock: FixedClock, network: SimulatedNetwork | None = None
) -> tuple[Services, HostServer]:
    """The demo fleet's services in folder (store, sessions, demo network files), with a
    host on the sessions folder's socket (started by ``async with`` the services)."""
    services = Services.build(
        demo_fleet(),
        store_url=sqlite_url(folder / "linda.db"),
        sessions_dir=folder / "sessions",
        data_dir=folder / "demo",
        demo=True,
        clock=clock,
        network=network,
    )
    server = HostServer(services, folder / "sessions")
    services.add(server)
    return services, server
