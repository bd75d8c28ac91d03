"""The console under test: a demo fleet on the simulated network (fixed seed), a real
SQLite store in a temporary folder, a FixedClock, and no cursor blink."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from linda_tui.clock import FixedClock
from linda_tui.config import demo_fleet, sqlite_url
from linda_tui.config.models import FleetConfig
from linda_tui.services import DEMO_PRE_PAIRED, Services
from linda_tui.tui.app import LindaApp, create_app
from linda_tui.whatsapp.simulated import SimulatedNetwork

MakeApp = Callable[..., LindaApp]


@pytest.fixture
def make_app(tmp_path: Path) -> MakeApp:
    """Build a console. ``speed`` scales the simulated network's delays; ``latency=False``
    makes network latency zero (events in a fixed order, for snapshots)."""

    def make(
        *,
        speed: float = 200.0,
        latency: bool = True,
        fleet: FleetConfig | None = None,
        paired: tuple[str, ...] = DEMO_PRE_PAIRED,
        reply_rate: float = 0.0,
        folder: str = "run",
        on_first_frame: Callable[[], None] | None = None,
        keymap: dict[str, str] | None = None,
    ) -> LindaApp:
        base = tmp_path / folder
        clock = FixedClock()
        network = SimulatedNetwork(
            base / "demo",
            seed=7,
            speed=speed,
            paired=paired,
            disconnect_rate=0.0,
            reply_rate=reply_rate,
            latency=latency,
            clock=clock,
        )
        services = Services.build(
            fleet or demo_fleet(),
            store_url=sqlite_url(base / "linda.db"),
            sessions_dir=base / "sessions",
            data_dir=base / "demo",
            demo=True,
            clock=clock,
            network=network,
        )
        return create_app(
            services,
            clock=clock,
            demo=True,
            cursor_blink=False,
            on_first_frame=on_first_frame,
            keymap=keymap,
        )

    return make
