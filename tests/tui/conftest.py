"""The console under test: a demo fleet on the simulated network (fixed seed), a real
SQLite store in a temporary folder, a FixedClock, and no cursor blink. With
``contacts=True`` it also runs the Google Contacts sync as the console does under
--demo: the real client against the fake People API (started by the service), on
demand only (no schedule)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from linda_tui.clock import FixedClock
from linda_tui.config import demo_fleet, sqlite_url
from linda_tui.config.models import ContactsConfig, FleetConfig
from linda_tui.config.runtime import Runtime
from linda_tui.config.settings import Settings
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
        contacts: bool = False,
        settings: Settings | None = None,
        demo_people: int = 300,
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
        if contacts:
            add_contacts_service(services, base, settings=settings, clock=clock, people=demo_people)
        return create_app(
            services,
            clock=clock,
            demo=True,
            cursor_blink=False,
            on_first_frame=on_first_frame,
            keymap=keymap,
        )

    return make


def add_contacts_service(
    services: Services,
    base: Path,
    *,
    settings: Settings | None,
    clock: FixedClock,
    people: int,
) -> None:
    """The sync as `Services.for_runtime(contacts=True)` plugs it in. No settings: the
    demo's fake People API with ``people`` contacts; settings: those (e.g. none set, for
    a console where the sync is not configured). Syncs only on demand."""
    from linda_tui.contacts.service import ContactsService

    fleet = dataclasses.replace(services.fleet.config, contacts=ContactsConfig(sync_every="off"))
    runtime = Runtime(
        fleet=fleet,
        settings=settings or Settings(),
        demo=settings is None,
        config_path=None,
        data_dir=base / "demo",
        sessions_dir=base / "sessions",
        store_url=sqlite_url(base / "linda.db"),
        log_file=base / "logs" / "linda.log",
    )
    service = ContactsService(
        runtime,
        services.store,
        clock,
        services.publish,
        on_synced=lambda: services.contact_directory().refresh(),
        demo_people=people,
    )
    services.contacts = service
    services.add(service)
