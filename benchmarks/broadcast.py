"""Benchmark: broadcasts, measured against baselines in the same run.

    uv run python benchmarks/broadcast.py [--rows 100000] [--repeat 3] [--skip-engine | --skip-create]

Creating a campaign from a CSV (target: within 3x of the baseline). The baseline
reads the same file, parses it with the ``csv`` module and inserts the rows with
one ``executemany`` into a bare SQLite table (same file settings: WAL,
synchronous=NORMAL). Linda reads the file safely, finds the phone column,
normalises and de-duplicates every number, checks and renders the template for
each row, checks opt-outs, the 24 h repeat rule and contact owners in the store,
spreads the rows over three bots, estimates the finish, and saves the campaign
with every recipient in one transaction.

The figures are broken down by stage, with phone-number validation
(``phones.to_e164``, timed on the same numbers) shown on its own. Numbers written in
the usual shapes (+971..., 00971..., 050...) are read by ``phones_fast`` from
phonenumbers' own metadata in a few microseconds; phonenumbers' full parser (about
60 µs a number) only sees the others. The baseline "with to_e164" adds exactly that
work to the bare baseline. Each figure is the best of --repeat runs, and the ratio
of every run is printed too (best and median): the machine may be shared.

Running a campaign (target: within 1.5x of plain fleet sends): 10,000 recipients
over 3 simulated bots with the demo-fast profile, through the durable engine (a claim
before each send, the outcome with its message and audit entry after), against the same
10,000 messages sent one by one through ``Fleet.send`` with no campaign, and against
bare sends through the simulated accounts; with the store's transactions per recipient.
(`benchmarks/console.py --broadcast` measures the console's keystrokes meanwhile.)

The numbers are synthetic (+97150 followed by random digits): they are written to
a temporary folder and never sent anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from linda_tui.broadcast.audience import audience_from_csv
from linda_tui.broadcast.pacing import QuietHours
from linda_tui.broadcast.plan import plan_broadcast, save_plan
from linda_tui.config.models import Pacing
from linda_tui.phones import to_e164
from linda_tui.store import SQLiteStore

TARGET = 3.0
ENGINE_TARGET = 1.5
FIRST = ["Ahmed", "Fatima", "Omar", "Sara", "Yusuf", "Layla", "Khalid", "Mariam", "John", "Priya"]
CITIES = ["Dubai", "Abu Dhabi", "Sharjah", "دبي", "Ajman"]
TEMPLATE = "[[Hi|Hello|Good morning]] {first_name|there}, new units in {city} [[this week|now]]."
NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
FLEET = {bot: Pacing() for bot in ("main", "agent-1", "agent-2")}


def write_csv(path: Path, rows: int, rng: random.Random) -> list[str]:
    """An Excel-style CSV (BOM, ';', quoted fields); the raw numbers written."""
    numbers = [f"+97150{n:07d}" for n in rng.sample(range(10**7), rows)]
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Phone", "First Name", "Last Name", "City", "Notes"])
    for n, number in enumerate(numbers):
        writer.writerow(
            [number, rng.choice(FIRST), f"Family {n % 97}", rng.choice(CITIES), f"row {n}; ok"]
        )
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    return numbers


def baseline(csv_path: Path, db_path: Path, normalise: bool = False) -> float:
    """csv parse + one executemany of every row into a bare table; with normalise,
    each number also goes through phones.to_e164 (the work no import can skip)."""
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(
        """CREATE TABLE recipients (campaign_id INTEGER, phone TEXT, seq INTEGER, first TEXT,
        last TEXT, city TEXT, notes TEXT, PRIMARY KEY (campaign_id, phone))"""
    )
    started = time.perf_counter()
    text = csv_path.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]
    if normalise:
        rows = [[to_e164(r[0], "AE"), *r[1:]] for r in rows]
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO recipients VALUES (1, ?, ?, ?, ?, ?, ?)",
        [(r[0], seq, r[1], r[2], r[3], r[4]) for seq, r in enumerate(rows)],
    )
    db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


async def linda(csv_path: Path, db_path: Path) -> dict[str, float]:
    """Every stage of `linda broadcast create --csv`, timed."""
    times: dict[str, float] = {}
    async with SQLiteStore(db_path) as store:
        started = time.perf_counter()
        audience = audience_from_csv(csv_path, region="AE")
        times["audience"] = time.perf_counter() - started

        mark = time.perf_counter()
        plan = await plan_broadcast(
            name="January offer",
            template=TEMPLATE,
            audience=audience,
            store=store,
            bots="all",
            pacing=FLEET,
            now=NOW,
            quiet_hours=QuietHours(zone=UTC),
        )
        times["plan"] = time.perf_counter() - mark

        mark = time.perf_counter()
        campaign = await save_plan(store, plan, created_by="bench", now=NOW)
        times["save"] = time.perf_counter() - mark
        times["total"] = time.perf_counter() - started
        assert campaign.id is not None and plan.to_send == len(audience.members)
    return times


def normalisation(numbers: Sequence[str]) -> float:
    """to_e164 alone on the same numbers (all distinct: far more than its small cache
    holds, so each is parsed as in a real import)."""
    started = time.perf_counter()
    for number in numbers:
        to_e164(number, "AE")
    return time.perf_counter() - started


# --- running a campaign ---------------------------------------------------------------------


def _engine_fleet(folder: Path) -> Any:
    from linda_tui.config import demo_fleet, sqlite_url
    from linda_tui.services import Services
    from linda_tui.whatsapp.simulated import SimulatedNetwork

    network = SimulatedNetwork(
        folder / "sim",
        seed=5,
        speed=1000,
        paired=["demo-main", "demo-sales", "demo-support"],
        ban_per_minute=None,
        disconnect_rate=0,
        reply_rate=0,
        latency=False,
    )
    return Services.build(
        demo_fleet(),
        store_url=sqlite_url(folder / "linda.db"),
        sessions_dir=folder / "sessions",
        data_dir=folder / "sim",
        demo=True,
        network=network,
    )


def _numbers(start: int, count: int) -> list[str]:
    """count distinct example numbers, none ending in 000 (the simulated network has
    no WhatsApp account for those)."""
    found = (f"+97150{n:07d}" for n in range(start, start + 2 * count) if n % 1000)
    return [number for number, _ in zip(found, range(count), strict=False)]


def _count_transactions(store: Any) -> list[int]:
    """Count the store's write transactions (its one-trip and multi-statement ones)."""
    counter = [0]
    for name in ("_in_one_hop", "_transaction"):
        original = getattr(store, name)

        def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            counter[0] += 1
            return _original(*args, **kwargs)

        setattr(store, name, counted)
    return counter


async def run_campaign(folder: Path, count: int) -> tuple[float, float]:
    """Seconds to run a count-recipient demo-fast campaign; transactions per recipient."""
    from linda_tui.broadcast.audience import audience_from_numbers
    from linda_tui.broadcast.engine import BroadcastSettings
    from linda_tui.broadcast.pacing import pace_profile
    from linda_tui.models import CampaignStatus

    services = _engine_fleet(folder)
    services.broadcast_settings = BroadcastSettings(quiet_hours=None, warm_up=None, demo=True)
    async with services:
        fleet = services.fleet
        while len(fleet.active_bots()) < 3:
            await asyncio.sleep(0.02)
        numbers = _numbers(2_000_000, count)
        plan = await plan_broadcast(
            name="bench",
            template="New units this week",
            audience=audience_from_numbers(numbers, region="AE"),
            store=services.store,
            bots="all",
            pacing={b: fleet.config.pacing_for(b) for b in fleet.bot_ids},
            now=fleet.clock.now(),
            profile=pace_profile("demo-fast", demo=True),
            quiet_hours=None,
            warm_up=None,
        )
        campaign = await save_plan(services.store, plan, created_by="bench", now=fleet.clock.now())
        transactions = _count_transactions(services.store)
        started = time.perf_counter()
        await services.broadcasts.start_campaign(campaign.id)
        while True:
            current = await services.store.get_campaign(campaign.id)
            if current is not None and current.status is CampaignStatus.DONE:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    return elapsed, transactions[0] / count


async def run_plain_sends(folder: Path, count: int) -> float:
    """Seconds to send count messages one by one through Fleet.send (3 bots in turn)."""
    services = _engine_fleet(folder)
    services.with_broadcasts = False
    async with services:
        fleet = services.fleet
        fleet.enforce_limits = False
        while len(fleet.active_bots()) < 3:
            await asyncio.sleep(0.02)
        bots = fleet.bot_ids
        numbers = _numbers(3_000_000, count)
        started = time.perf_counter()
        for i, number in enumerate(numbers):
            await fleet.send(number, "New units this week", bot=bots[i % 3])
        return time.perf_counter() - started


async def run_bare(folder: Path, count: int) -> float:
    """Seconds to send count messages straight through the simulated accounts."""
    services = _engine_fleet(folder)
    network = services.network
    accounts = [
        network.account(b, p, lambda _e: None)
        for b, p in (
            ("demo-main", "+971501234561"),
            ("demo-sales", "+971501234562"),
            ("demo-support", "+971501234563"),
        )
    ]
    for account in accounts:
        await account.start()
    await asyncio.sleep(0.1)
    numbers = _numbers(4_000_000, count)
    started = time.perf_counter()
    for i, number in enumerate(numbers):
        await accounts[i % 3].send_text(number, "New units this week")
    elapsed = time.perf_counter() - started
    await network.aclose()
    return elapsed


def engine_figures(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="linda-bench-") as folder:
        base = Path(folder)
        campaign_s, per_recipient = asyncio.run(run_campaign(base / "campaign", count))
        plain_s = asyncio.run(run_plain_sends(base / "plain", count))
        bare_s = asyncio.run(run_bare(base / "bare", count))
    ratio = campaign_s / plain_s
    verdict = "OK" if ratio <= ENGINE_TARGET else "over target"
    print(f"Running a {count:,}-recipient campaign over 3 simulated bots (demo-fast):")
    print(
        f"  campaign (durable engine)     {count / campaign_s:8,.0f} recipients/s  ({campaign_s:.2f} s)"
    )
    print(
        f"  Fleet.send one by one         {count / plain_s:8,.0f} messages/s    ({plain_s:.2f} s)"
    )
    print(f"  bare simulated sends          {count / bare_s:8,.0f} messages/s    ({bare_s:.2f} s)")
    print(f"  campaign / Fleet.send         {ratio:5.2f}x  [{verdict}, target {ENGINE_TARGET:g}x]")
    print(f"  campaign / bare sends         {campaign_s / bare_s:5.2f}x")
    print(f"  store transactions per recipient: {per_recipient:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the CSV")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best of each is shown")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--campaign", type=int, default=10_000, help="recipients to run")
    parser.add_argument("--skip-create", action="store_true", help="only the engine's figures")
    parser.add_argument("--skip-engine", action="store_true", help="only creating a campaign")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    if args.skip_create and args.skip_engine:
        parser.error("--skip-create and --skip-engine together leave nothing to measure")

    if not args.skip_engine:
        engine_figures(args.campaign)
    if args.skip_create:
        return 0
    rng = random.Random(args.seed)
    runs: list[tuple[float, dict[str, float], float, float]] = []
    with tempfile.TemporaryDirectory(prefix="linda-bench-") as folder:
        csv_path = Path(folder) / "clients.csv"
        numbers = write_csv(csv_path, args.rows, rng)
        size = csv_path.stat().st_size
        for run in range(args.repeat):
            bare = baseline(csv_path, Path(folder) / f"bare-{run}.db")
            normalised = baseline(csv_path, Path(folder) / f"norm-{run}.db", normalise=True)
            stages = asyncio.run(linda(csv_path, Path(folder) / f"linda-{run}.db"))
            runs.append((bare, stages, normalisation(numbers), normalised))

    bare = min(r[0] for r in runs)
    best = min((r[1] for r in runs), key=lambda s: s["total"])
    # Each run against its own baseline: on a shared machine, load comes and goes.
    per_run = sorted(r[1]["total"] / r[0] for r in runs)
    phones = min(r[2] for r in runs)
    normalised = min(r[3] for r in runs)

    def verdict(ratio: float) -> str:
        return f"{ratio:5.2f}x  [{'OK' if ratio <= TARGET else 'over target'}, target {TARGET:g}x]"

    rows = f"{args.rows:,}-row CSV ({size / 2**20:.1f} MiB)"
    print(f"Creating a campaign from a {rows}, best of {args.repeat}:")
    print(f"  baseline: csv module + one executemany      {bare:7.3f} s")
    print(f"  the same with phones.to_e164 on each number {normalised:7.3f} s")
    print(f"  linda: audience, plan, save                 {best['total']:7.3f} s")
    print(f"    read, find columns, normalise numbers     {best['audience']:7.3f} s")
    print(f"    template, opt-outs, 24 h rule, bots, ETA  {best['plan']:7.3f} s")
    print(f"    save (one transaction)                    {best['save']:7.3f} s")
    print(f"  phones.to_e164 alone on the numbers         {phones:7.3f} s", end="")
    print(f"  ({phones / args.rows * 1e6:.0f} µs a number)")
    print(f"  linda / baseline                            {verdict(best['total'] / bare)}")
    print(f"  linda / baseline with to_e164               {verdict(best['total'] / normalised)}")
    print(
        f"  linda without to_e164 / baseline            {verdict((best['total'] - phones) / bare)}"
    )
    shown = ", ".join(f"{ratio:.2f}x" for ratio in per_run)
    print(
        f"  each run against its own baseline: best {per_run[0]:.2f}x, "
        f"median {statistics.median(per_run):.2f}x ({shown})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
