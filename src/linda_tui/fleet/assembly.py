"""Putting a fleet together: the store, one account per bot (real or simulated), the lock.

Both the commands and the console build their fleet here, so `--demo` means the same
thing everywhere: the simulated network, with every file under the demo data folder.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from linda_tui.clock import Clock, SystemClock
from linda_tui.config.models import BotConfig, FleetConfig
from linda_tui.fleet.lock import InstanceLock
from linda_tui.fleet.manager import Fleet
from linda_tui.store import open_store
from linda_tui.store.base import Store
from linda_tui.whatsapp.account import Emit, WhatsAppAccount

if TYPE_CHECKING:  # the console starts without the YAML loader and settings modules
    from linda_tui.config.runtime import Runtime

# Demo bots that start already paired; the others show the pairing flow.
DEMO_PRE_PAIRED = ("demo-main", "demo-support")


@dataclass
class FleetSetup:
    """A fleet and everything it runs on. Open with ``await setup.open()``."""

    fleet: Fleet
    store: Store
    lock: InstanceLock
    network: object | None = None  # the SimulatedNetwork under --demo
    _opened: list[str] = field(default_factory=list)

    async def open(self) -> None:
        """Take the instance lock, open the store, start the fleet."""
        self.lock.acquire()
        self._opened.append("lock")
        try:
            await self.store.open()
            self._opened.append("store")
            await self.fleet.start()
            self._opened.append("fleet")
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Stop the fleet, close the network and the store, release the lock. Idempotent."""
        if "fleet" in self._opened:
            await self.fleet.stop()
        if self.network is not None:
            aclose = getattr(self.network, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
        if "store" in self._opened:
            await self.store.close()
        if "lock" in self._opened:
            self.lock.release()
        self._opened.clear()


def build_fleet(
    config: FleetConfig,
    *,
    store_url: str,
    sessions_dir: Path,
    data_dir: Path,
    demo: bool,
    timezone: tzinfo = UTC,
    clock: Clock | None = None,
    seed: int = 7,
    speed: float = 1.0,
    network: object | None = None,
    lock: InstanceLock | None = None,
) -> FleetSetup:
    """Build (not start) the fleet. Under demo the accounts live on a SimulatedNetwork
    kept in data_dir; otherwise each bot is a real neonize client in sessions_dir.
    Pass the InstanceLock already taken, so nothing is written before it is held."""
    clock = clock or SystemClock()
    store = open_store(store_url)
    if demo:
        from linda_tui.whatsapp.simulated import SimulatedNetwork

        if network is None:
            network = SimulatedNetwork(
                Path(data_dir), seed=seed, speed=speed, paired=DEMO_PRE_PAIRED, clock=clock
            )
        sim = network

        def factory(bot: BotConfig, emit: Emit) -> WhatsAppAccount:
            return sim.account(bot.id, bot.phone, emit)  # type: ignore[attr-defined]

    else:
        from linda_tui.whatsapp.neonize_account import NeonizeAccount

        def factory(bot: BotConfig, emit: Emit) -> WhatsAppAccount:
            return NeonizeAccount(bot.id, bot.phone, emit, Path(sessions_dir), clock=clock)

    fleet = Fleet(config, store, factory, clock=clock, timezone=timezone)
    lock = lock or InstanceLock(Path(sessions_dir))
    return FleetSetup(fleet=fleet, store=store, lock=lock, network=network)


def build_runtime_fleet(
    runtime: Runtime,
    *,
    config: FleetConfig | None = None,
    clock: Clock | None = None,
    lock: InstanceLock | None = None,
) -> FleetSetup:
    """build_fleet for one run of Linda: its fleet (or ``config``), paths and time zone."""
    return build_fleet(
        config or runtime.fleet,
        store_url=runtime.store_url,
        sessions_dir=runtime.sessions_dir,
        data_dir=runtime.data_dir,
        demo=runtime.demo,
        timezone=runtime.timezone,
        clock=clock,
        lock=lock,
    )


@contextlib.contextmanager
def native_output_to_log(runtime: Runtime) -> Iterator[None]:
    """Real neonize clients write to fds 1 and 2 from Go: send that to the log while
    they run (the commands and the console alike). Nothing to do under --demo."""
    if runtime.demo:
        yield
        return
    from linda_tui.whatsapp.stdio_redirect import redirect_native_stdio

    with redirect_native_stdio(runtime.log_file):
        yield
