"""Peak RSS of N real neonize clients connecting offline (default 10).

Each bot is a real ``NeonizeAccount`` pairing into its own session file; offline every
connection attempt fails inside neonize and the account backs off, as ``linda status``
does on a machine without internet. Baseline, measured in the same run: the process
with neonize loaded and no client. Prints the figures; the last line is the summary
``benchmarks/fleet.py`` quotes.

    uv run python benchmarks/fleet_neonize.py [--clients 10] [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import tempfile
import time
from pathlib import Path

from linda_tui.models import BotState
from linda_tui.whatsapp.account import AccountEvent, StateChanged
from linda_tui.whatsapp.backoff import ExponentialBackoff
from linda_tui.whatsapp.neonize_account import NeonizeAccount, _lib, size_default_executor


def rss_mib() -> float:
    """Current resident set size, from /proc (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run(clients: int, seconds: float, sessions: Path) -> tuple[float, float, float, int]:
    """Start ``clients`` accounts, let them retry for ``seconds``, stop them all.
    Returns (RSS with every client up, peak RSS, seconds to stop all, attempts)."""
    size_default_executor(asyncio.get_running_loop(), clients)
    reconnecting: set[str] = set()
    all_reported = asyncio.Event()
    attempts = 0

    def emit(event: AccountEvent) -> None:
        nonlocal attempts
        if isinstance(event, StateChanged) and event.state is BotState.RECONNECTING:
            reconnecting.add(event.bot_id)
            attempts += 1
            if len(reconnecting) == clients:
                all_reported.set()

    accounts = [
        NeonizeAccount(
            f"bot-{i:02d}",
            f"+9715012345{i:02d}",
            emit,
            sessions,
            qr_timeout=3600.0,
            backoff=ExponentialBackoff(initial=0.5, cap=60.0),
        )
        for i in range(clients)
    ]
    for account in accounts:
        await account.pair()
    try:
        await asyncio.wait_for(all_reported.wait(), 60)
    except TimeoutError:
        raise SystemExit(
            f"only {len(reconnecting)} of {clients} clients reported back in 60 s"
        ) from None
    await asyncio.sleep(seconds)
    up = rss_mib()
    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(a.stop() for a in accounts)), 60)
    stop_s = time.perf_counter() - started
    return up, max(up, peak_mib()), stop_s, attempts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    # What the app does before any neonize import: logging configured (here: silent).
    logging.getLogger().addHandler(logging.NullHandler())

    before_import = rss_mib()
    _lib()  # import neonize and load its Go core
    baseline = rss_mib()
    with tempfile.TemporaryDirectory() as tmp:
        up, peak, stop_s, attempts = asyncio.run(run(args.clients, args.seconds, Path(tmp)))
    per_client = (peak - baseline) / max(1, args.clients)
    print(f"python + linda before neonize: {before_import:.0f} MiB")
    print(f"baseline, neonize loaded, no client: {baseline:.0f} MiB")
    print(
        f"{args.clients} clients retrying offline: {up:.0f} MiB now, {attempts} retries announced"
    )
    print(f"all {args.clients} stopped in {stop_s * 1000:.0f} ms")
    print(
        f"{args.clients} real neonize clients connecting offline: peak RSS {peak:.0f} MiB "
        f"(baseline {baseline:.0f} MiB with neonize loaded, +{per_client:.1f} MiB per client, "
        f"ratio {peak / baseline:.2f}x)"
    )


if __name__ == "__main__":
    main()
