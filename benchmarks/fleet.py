"""Fleet benchmark: 50 simulated bots, 20,000 messages with no pacing.

Prints messages per second through the fleet manager, the fleet's overhead per
message against sending straight to the simulated accounts (the baseline, measured
in the same run), event-loop lag p99 while it runs, peak RSS, and the peak RSS of
10 real neonize clients connecting offline (measured in a child process).

Targets: under 1 ms of fleet overhead per message; event-loop lag p99 under 50 ms.

    uv run python benchmarks/fleet.py [--bots 50] [--messages 20000] [--skip-neonize]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from linda_tui.config.models import BotConfig, FleetConfig, Role
from linda_tui.fleet.manager import Fleet
from linda_tui.store import open_store
from linda_tui.whatsapp.simulated import SimulatedNetwork


def fleet_config(n: int) -> FleetConfig:
    bots = [
        BotConfig(
            id=f"bot-{i:02d}",
            name=f"Bot {i}",
            phone=f"+9715012300{i:02d}",
            role=Role.PRIMARY if i == 0 else Role.SECONDARY,
        )
        for i in range(n)
    ]
    return FleetConfig(bots=bots)


def network(folder: Path, config: FleetConfig) -> SimulatedNetwork:
    return SimulatedNetwork(
        folder,
        seed=1,
        speed=50.0,  # receipts arrive while the run goes on, as they would for real
        paired=[b.id for b in config.bots],
        ban_per_minute=None,
        disconnect_rate=0,
        reply_rate=0.05,
        latency=False,
    )


def recipients(n: int) -> list[str]:
    # The simulated network treats numbers ending in 000 as not on WhatsApp.
    numbers = (f"+97155{1000001 + i:07d}" for i in range(2 * n))
    return [p for p in numbers if not p.endswith("000")][:n]


class LagProbe:
    """Measures how late a 5 ms timer fires: the event loop's responsiveness."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(0.005)
            self.lags.append((loop.time() - start - 0.005) * 1000)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()

    def p99(self) -> float:
        if len(self.lags) < 2:
            return 0.0
        return statistics.quantiles(self.lags, n=100)[98]


async def run_baseline(folder: Path, config: FleetConfig, messages: int) -> float:
    """Seconds to send straight through the simulated accounts (no fleet, no store)."""
    net = network(folder, config)
    accounts = [net.account(b.id, b.phone, lambda _e: None) for b in config.bots]
    for a in accounts:
        await a.start()
    await asyncio.sleep(0.2)
    to = recipients(messages)
    per_bot = messages // len(accounts)

    async def worker(i: int) -> None:
        account = accounts[i]
        for k in range(per_bot):
            await account.send_text(to[i * per_bot + k], f"Offer {k} for you")

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(len(accounts))))
    elapsed = time.perf_counter() - start
    await net.aclose()
    return elapsed


async def run_fleet(folder: Path, config: FleetConfig, messages: int) -> tuple[float, float, int]:
    """Seconds to send through the fleet manager (routing checks, store, audit, events)."""
    net = network(folder / "sim", config)
    store = open_store(f"sqlite:///{folder / 'linda.db'}")
    await store.open()
    # "No pacing": the benchmark measures the machinery, not the ban guard.
    fleet = Fleet(config, store, lambda b, e: net.account(b.id, b.phone, e), enforce_limits=False)
    events = 0

    def count(_event: object) -> None:
        nonlocal events
        events += 1

    fleet.subscribe(count)
    await fleet.start()
    while len(fleet.active_bots()) < len(config.bots):
        await asyncio.sleep(0.05)
    to = recipients(messages)
    per_bot = messages // len(config.bots)
    probe = LagProbe()
    probe.start()

    async def worker(i: int) -> None:
        bot_id = config.bots[i].id
        for k in range(per_bot):
            await fleet.send(to[i * per_bot + k], f"Offer {k} for you", bot=bot_id)

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(len(config.bots))))
    elapsed = time.perf_counter() - start
    await fleet.drain()
    await probe.stop()
    await fleet.stop()
    await net.aclose()
    await store.close()
    return elapsed, probe.p99(), events


def neonize_rss(clients: int) -> str:
    script = Path(__file__).with_name("fleet_neonize.py")
    if not script.exists():
        return "benchmarks/fleet_neonize.py missing"
    proc = subprocess.run(
        [sys.executable, str(script), "--clients", str(clients)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return lines[-1] if lines else f"failed (exit {proc.returncode}): {proc.stderr[-300:]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--neonize-clients", type=int, default=10)
    parser.add_argument("--skip-neonize", action="store_true")
    args = parser.parse_args()
    config = fleet_config(args.bots)
    messages = args.messages - args.messages % args.bots

    with tempfile.TemporaryDirectory() as tmp:
        base = asyncio.run(run_baseline(Path(tmp) / "baseline", config, messages))
        fleet_s, lag_p99, events = asyncio.run(run_fleet(Path(tmp) / "fleet", config, messages))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    overhead_ms = (fleet_s - base) / messages * 1000

    print(f"bots: {args.bots}, messages: {messages}")
    print(f"baseline (accounts only): {messages / base:,.0f} msg/s ({base:.2f} s)")
    print(
        f"through the fleet:        {messages / fleet_s:,.0f} msg/s ({fleet_s:.2f} s), {events:,} fleet events"
    )
    print(
        f"fleet overhead per message: {overhead_ms:.3f} ms (target < 1 ms) — ratio {fleet_s / base:.1f}x baseline"
    )
    print(f"event-loop lag p99 during the run: {lag_p99:.1f} ms (target < 50 ms)")
    print(f"peak RSS (simulated fleet run): {peak_mb:.0f} MiB")
    if not args.skip_neonize:
        print(f"neonize: {neonize_rss(args.neonize_clients)}")


if __name__ == "__main__":
    main()
