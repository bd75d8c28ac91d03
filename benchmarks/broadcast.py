"""Benchmark: broadcasts, measured against baselines in the same run.

    uv run python benchmarks/broadcast.py [--rows 100000] [--repeat 2]

Creating a campaign from a CSV (target: within 3x of the baseline). The baseline
reads the same file, parses it with the ``csv`` module and inserts the rows with
one ``executemany`` into a bare SQLite table (same file settings: WAL,
synchronous=NORMAL). Linda reads the file safely, finds the phone column,
normalises and de-duplicates every number, checks and renders the template for
each row, checks opt-outs, the 24 h repeat rule and contact owners in the store,
spreads the rows over three bots, estimates the finish, and saves the campaign
with every recipient in one transaction.

The figures are broken down by stage, with the share of phone-number validation
(``phones.to_e164``, i.e. phonenumbers, timed on the same numbers) shown on its
own: it is most of the cost, and the same for any caller of to_e164.

The engine's figures (a 10,000-recipient campaign over simulated bots against
plain fleet sends, store writes per recipient, console latency) come with the
engine.

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
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from linda_tui.broadcast.audience import audience_from_csv
from linda_tui.broadcast.pacing import QuietHours
from linda_tui.broadcast.plan import plan_broadcast, save_plan
from linda_tui.config.models import Pacing
from linda_tui.phones import to_e164
from linda_tui.store import SQLiteStore

TARGET = 3.0
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the CSV")
    parser.add_argument("--repeat", type=int, default=2, help="runs; the best of each is shown")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
