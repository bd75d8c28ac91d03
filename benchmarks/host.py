"""Host benchmark: commands through a running host against bringing the fleet up, and
how fast events reach an attached client.

    uv run python benchmarks/host.py [--bots 50] [--rounds 7] [--events 4000]

1. `linda status --json` and `linda send`, each as a real process, through a host that
   runs 50 simulated bots (a separate process, as `linda serve` would be), against the
   same work done by a process that brings the 50-bot fleet up itself, opens the store,
   waits for it to settle, does the job and stops it (what the command does with no
   host). Medians of --rounds runs each, measured in the same run. Target: through the
   host at least 3x faster.
2. The delay from a fleet event in the host (its ``at`` time) to its arrival, decoded,
   in a client attached over the socket (another process), while 50 bots stream
   events (sends, receipts, inbound messages). Target: p99 under 20 ms.

The store and sessions live in a temporary folder; every number is an example number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fleet import fleet_config, recipients  # noqa: E402  (benchmarks/fleet.py)

STATUS_TARGET = 3.0
DELAY_TARGET_MS = 20.0


def build_services(
    folder: Path, bots: int, *, speed: float | None = None, reply_rate: float = 0.05
) -> object:
    """A demo fleet of ``bots`` on the simulated network, every bot paired, no rate ban,
    no broadcasts and no pacing limits (also used by benchmarks/wire_msgspec.py)."""
    from linda_tui.config import sqlite_url
    from linda_tui.services import Services
    from linda_tui.whatsapp.simulated import SimulatedNetwork

    config = fleet_config(bots)
    # The network as `linda --demo` has it (connections take their real time to open),
    # with every bot paired and no rate ban: what bringing a fleet up costs for real.
    network = SimulatedNetwork(
        folder / "sim",
        seed=1,
        paired=[b.id for b in config.bots],
        ban_per_minute=None,
        disconnect_rate=0,
        reply_rate=reply_rate,
        **({} if speed is None else {"speed": speed}),
    )
    services = Services.build(
        config,
        store_url=sqlite_url(folder / "linda.db"),
        sessions_dir=folder / "sessions",
        data_dir=folder / "sim",
        demo=True,
        network=network,
    )
    services.with_broadcasts = False
    services.fleet.enforce_limits = False
    return services


async def _serve(folder: Path, bots: int, traffic: bool) -> None:
    """A host of the fleet (as `linda serve`), optionally streaming traffic, until stdin
    closes."""
    from linda_tui.host.server import HostServer

    services = build_services(folder, bots)
    services.add(HostServer(services, folder / "sessions"))  # type: ignore[attr-defined]
    await services.open()  # type: ignore[attr-defined]
    fleet = services.fleet  # type: ignore[attr-defined]
    await fleet.wait_until(lambda: len(fleet.active_bots()) == bots, 30)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_reader(sys.stdin.fileno(), stop.set)
    tasks = []
    if traffic:
        numbers = recipients(20_000)

        async def stream(i: int) -> None:
            bot = fleet.bot_ids[i]
            k = 0
            await asyncio.sleep(0.5 * i / bots)  # each bot on its own beat
            while not stop.is_set():
                number = numbers[(i * 400 + k) % len(numbers)]
                try:
                    await fleet.send(number, f"Offer {k} for you", bot=bot)
                except Exception:
                    pass
                k += 1
                await asyncio.sleep(0.5)  # 100 sends a second across the fleet

        tasks = [asyncio.ensure_future(stream(i)) for i in range(bots)]
    await stop.wait()
    for task in tasks:
        task.cancel()
    await services.close()  # type: ignore[attr-defined]


async def _alone(folder: Path, bots: int, job: str) -> None:
    """What a command does with no host: bring the fleet up, settle, do the job, stop
    (having imported what the `linda` command imports)."""
    import linda_tui.cli.root  # noqa: F401  (the command's own start-up)

    services = build_services(folder, bots)
    await services.open()  # type: ignore[attr-defined]
    fleet = services.fleet  # type: ignore[attr-defined]
    await fleet.wait_settled(15)
    if job == "status":
        print(json.dumps([s.to_dict(fleet.clock.now()) for s in fleet.statuses()]))
    else:
        number = recipients(1)[0]
        await fleet.send(number, f"Alone {time.time()}", bot=fleet.bot_ids[0])
    await services.close()  # type: ignore[attr-defined]


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{argv[3:]} failed: {proc.stderr[-400:]}")
    return took


def commands(bots: int, rounds: int) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory(prefix="linda-bench-") as tmp:
        hosted, alone = Path(tmp) / "hosted", Path(tmp) / "alone"
        host = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(hosted), "--bots", str(bots)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert host.stdout is not None
        if host.stdout.readline().strip() != "ready":
            raise SystemExit("the host did not start")
        cli = [sys.executable, "-m", "linda_tui", "--demo", "--data-dir", str(hosted)]
        me = [sys.executable, __file__, "--alone", str(alone), "--bots", str(bots)]
        through_status, alone_status, through_send, alone_send = [], [], [], []
        try:
            for i in range(rounds):
                through_status.append(_timed([*cli, "status", "--json"], env))
                alone_status.append(_timed([*me, "--job", "status"], env))
                through_send.append(
                    _timed(
                        [*cli, "send", "--to", "+971551000001", f"round {i}"],
                        env,
                    )
                )
                alone_send.append(_timed([*me, "--job", "send"], env))
        finally:
            assert host.stdin is not None
            host.stdin.close()
            host.wait(timeout=60)

    def line(what: str, through: list[float], own: list[float]) -> None:
        a, b = statistics.median(through), statistics.median(own)
        ratio = b / a
        verdict = "OK" if ratio >= STATUS_TARGET else "under target"
        print(
            f"  {what:<16} through the host {a * 1000:7.0f} ms · bringing {bots} bots up "
            f"{b * 1000:7.0f} ms · {ratio:4.1f}x faster  [{verdict}, target {STATUS_TARGET:g}x]"
        )

    print(f"Commands with {bots} simulated bots (medians of {rounds} runs, real processes):")
    line("status --json", through_status, alone_status)
    line("send", through_send, alone_send)


async def _delays(folder: Path, count: int) -> list[float]:
    from linda_tui.host.client import HostClient

    delays: list[float] = []
    done = asyncio.Event()

    def on_event(event: object) -> None:
        at = getattr(event, "at", None)
        if isinstance(at, datetime):
            delays.append((datetime.now(UTC) - at).total_seconds() * 1000)
            if len(delays) >= count:
                done.set()

    client = await HostClient.connect(folder / "sessions", on_event=on_event)
    assert client is not None
    await asyncio.wait_for(done.wait(), 300)
    await client.close()
    return delays


def events(bots: int, count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="linda-bench-") as tmp:
        folder = Path(tmp) / "stream"
        host = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(folder), "--bots", str(bots), "--traffic"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert host.stdout is not None
        if host.stdout.readline().strip() != "ready":
            raise SystemExit("the host did not start")
        try:
            delays = asyncio.run(_delays(folder, count))
        finally:
            assert host.stdin is not None
            host.stdin.close()
            host.wait(timeout=60)
    delays.sort()
    p50 = delays[len(delays) // 2]
    p99 = delays[int(len(delays) * 0.99) - 1]
    verdict = "OK" if p99 < DELAY_TARGET_MS else "over target"
    print(f"Events from the host to an attached client, {bots} bots streaming ({count:,} events):")
    print(
        f"  p50 {p50:.1f} ms · p99 {p99:.1f} ms · max {delays[-1]:.1f} ms  "
        f"[{verdict}, target p99 < {DELAY_TARGET_MS:g} ms]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--alone", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--job", default="status", help=argparse.SUPPRESS)
    parser.add_argument("--traffic", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(_serve(args.serve, args.bots, args.traffic))
        return
    if args.alone is not None:
        asyncio.run(_alone(args.alone, args.bots, args.job))
        return
    commands(args.bots, args.rounds)
    events(args.bots, args.events)


if __name__ == "__main__":
    main()
