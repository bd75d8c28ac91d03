"""Benchmark: the SQLite store against bare sqlite3, and the MongoDB store against bare
motor, measured in the same run.

    uv run python benchmarks/store.py [--contacts 50000] [--lookups 10000] [--receipts 1000]
    LINDA_TEST_MONGODB_URI=mongodb://localhost:27017/?replicaSet=rs0 uv run python benchmarks/store.py

Phase 1 upserts N contacts (a name, an email, 1-3 phones each) through the Store,
in pages of 1,000 as a Google sync delivers them. The baseline builds rows from the
same Contact objects and writes them with plain sqlite3 ``executemany`` into an
equivalent bare pair of tables (contacts + indexed phones), one transaction per
page, same file settings (WAL, synchronous=NORMAL).

Phase 2 looks up M phones. The baseline is a bare indexed lookup: one SELECT per
phone on the loop's own thread, rows left as tuples. The store is measured two
ways: ``find_contacts_by_phones`` (batched, what bulk work uses) and
``find_contacts_by_phone`` one await per phone, which pays aiosqlite's hop to its
worker thread and back on every call.

Each figure is the best of --repeat runs (the machine is shared and noisy).
Target: the store within 2x of the bare baseline.

MongoDB (a second table). With LINDA_TEST_MONGODB_URI set (a replica set: see the
README), the same upserts and lookups and a burst of --receipts receipts run against the
server, through MongoStore and through bare motor calls (one bulk_write a page, one
find a 500-phone chunk, one bulk_write for the receipts), in throwaway databases that
are dropped afterwards. Every command either sends is counted with a pymongo command
listener: round trips per operation, next to the time. Without a server, the same
operations run on the fake replica set (mongomock behind pymongo's session API) on a
sample of the data, and only the round trips are printed: a fake's times mean nothing.
"One at a time" is what a receipt cost before receipts were batched (Store's default
update_message_statuses: one receipt after another).

Phone numbers use country code +999 (reserved, assigned to nobody), so no real
person's number is ever generated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from linda_tui.models import Contact, Direction, Message, MessageStatus
from linda_tui.store import SQLiteStore
from linda_tui.store.base import StatusUpdate, Store
from linda_tui.store.urls import redact_url

TARGET = 2.0
PAGE = 1000

FIRST = ["Ahmed", "Fatima", "Omar", "Sara", "Yusuf", "Layla", "Khalid", "Mariam", "John", "Priya"]
LAST = ["Khan", "Haddad", "Saleh", "Al Mansouri", "Nair", "Smith", "Rahman", "Costa", "Ali"]

BARE_SCHEMA = (
    """CREATE TABLE contacts (
        resource_name TEXT NOT NULL PRIMARY KEY, etag TEXT NOT NULL, names TEXT NOT NULL,
        phones TEXT NOT NULL, emails TEXT NOT NULL, labels TEXT NOT NULL, updated_at TEXT,
        deleted INTEGER NOT NULL) WITHOUT ROWID""",
    """CREATE TABLE contact_phones (resource_name TEXT NOT NULL, phone TEXT NOT NULL,
        PRIMARY KEY (resource_name, phone)) WITHOUT ROWID""",
    "CREATE INDEX contact_phones_by_phone ON contact_phones (phone)",
)
BARE_LOOKUP = """SELECT c.* FROM contact_phones AS p
    JOIN contacts AS c ON c.resource_name = p.resource_name
    WHERE p.phone = ? AND c.deleted = 0"""


def make_contacts(count: int, rng: random.Random) -> list[Contact]:
    """count realistic contacts with 1-3 distinct phones each."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    numbers = rng.sample(range(10**9), count * 3)
    contacts = []
    for n in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        phones = [f"+999{numbers[3 * n + k]:09d}" for k in range(rng.randint(1, 3))]
        contacts.append(
            Contact(
                resource_name=f"people/c{n:08d}",
                etag=f"%Eg{n:x}",
                names=[name],
                phones=phones,
                emails=[f"{name.lower().replace(' ', '.')}{n}@example.com"],
                labels=["myContacts"],
                updated_at=start + timedelta(seconds=n),
            )
        )
    return contacts


def pages(items: Sequence[Contact]) -> list[Sequence[Contact]]:
    return [items[i : i + PAGE] for i in range(0, len(items), PAGE)]


def bare_connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def bare_upsert(path: Path, contacts: Sequence[Contact]) -> float:
    db = bare_connect(path)
    for statement in BARE_SCHEMA:
        db.execute(statement)
    started = time.perf_counter()
    for page in pages(contacts):
        rows = [
            (
                c.resource_name,
                c.etag,
                json.dumps(c.names),
                json.dumps(c.phones),
                json.dumps(c.emails),
                json.dumps(c.labels),
                c.updated_at.isoformat() if c.updated_at else None,
                int(c.deleted),
            )
            for c in page
        ]
        phone_rows = [(c.resource_name, phone) for c in page for phone in c.phones]
        db.execute("BEGIN")
        db.executemany("INSERT INTO contacts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO contact_phones VALUES (?, ?)", phone_rows)
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def bare_lookup(path: Path, phones: Sequence[str]) -> tuple[float, int]:
    db = bare_connect(path)
    found = 0
    started = time.perf_counter()
    for phone in phones:
        found += len(db.execute(BARE_LOOKUP, (phone,)).fetchall())
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed, found


async def store_run(
    path: Path, contacts: Sequence[Contact], phones: Sequence[str]
) -> tuple[float, float, float, int, int]:
    """Upsert, batched lookups, one-by-one lookups: (three times, found batched, found single)."""
    async with SQLiteStore(path) as store:
        started = time.perf_counter()
        for page in pages(contacts):
            await store.upsert_contacts(page)
        upsert = time.perf_counter() - started

        started = time.perf_counter()
        found_batched = 0
        for start in range(0, len(phones), PAGE):
            result = await store.find_contacts_by_phones(phones[start : start + PAGE])
            found_batched += sum(len(found) for found in result.values())
        batched = time.perf_counter() - started

        started = time.perf_counter()
        found_single = 0
        for phone in phones:
            found_single += len(await store.find_contacts_by_phone(phone))
        single = time.perf_counter() - started
    return upsert, batched, single, found_batched, found_single


async def store_open(path: Path) -> float:
    """Seconds to open (and close) an existing store: file checks, SQLite's quick_check,
    WAL, schema version."""
    started = time.perf_counter()
    store = SQLiteStore(path)
    await store.open()
    elapsed = time.perf_counter() - started
    await store.close()
    return elapsed


def bare_open(path: Path) -> float:
    """Seconds for the least a program must do to use the file: connect, WAL, version."""
    started = time.perf_counter()
    db = bare_connect(path)
    db.execute("PRAGMA user_version").fetchone()
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def quick_check(path: Path) -> float:
    """Seconds for SQLite's quick_check alone (reads every page once)."""
    db = sqlite3.connect(path)
    started = time.perf_counter()
    assert db.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def line(label: str, count: int, seconds: float, baseline: float | None = None) -> str:
    text = f"  {label:<44} {count / seconds:>11,.0f} /s  ({seconds:6.3f} s)"
    if baseline is not None:
        ratio = seconds / baseline
        verdict = "OK" if ratio <= TARGET else "over target"
        text += f"  {ratio:4.2f}x bare  [{verdict}]"
    return text


def best(values: list[float]) -> float:
    return min(values)


# --- MongoDB -----------------------------------------------------------------------------

MONGODB_URI_VARIABLE = "LINDA_TEST_MONGODB_URI"
FAKE_CONTACTS, FAKE_LOOKUPS = 5_000, 2_000  # the fake replica set's sample


class RoundTrips:
    """A pymongo CommandListener that counts the commands sent (the fake calls it too)."""

    def __init__(self) -> None:
        self.count = 0

    def started(self, event: Any) -> None:
        if event.command_name not in ("hello", "isMaster", "ismaster", "endSessions"):
            self.count += 1

    def succeeded(self, event: Any) -> None:
        pass

    def failed(self, event: Any) -> None:
        pass


@dataclass
class Measure:
    """One operation of the MongoDB table: how often it ran, its time and round trips."""

    label: str
    operations: int  # pages, calls or bursts
    unit: str
    seconds: float = 0.0
    trips: int = 0


async def timed(trips: RoundTrips, measure: Measure, work: Any) -> Any:
    before = trips.count
    started = time.perf_counter()
    result = await work
    measure.seconds += time.perf_counter() - started
    measure.trips += trips.count - before
    return result


def receipt_messages(count: int) -> list[Message]:
    sent_at = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    return [
        Message(
            bot_id=f"bot-{n % 5}",
            direction=Direction.OUT,
            peer=f"+999{n:09d}",
            text="Viewing at 5pm",
            status=MessageStatus.SENT,
            created_at=sent_at,
            sent_at=sent_at,
            wa_id=f"3EB0{n:016X}",
        )
        for n in range(count)
    ]


def receipts_for(messages: Sequence[Message], status: MessageStatus) -> list[StatusUpdate]:
    at = datetime(2026, 1, 15, 9, 5, tzinfo=UTC)
    return [StatusUpdate(m.bot_id, m.wa_id or "", status, at) for m in messages]


async def mongo_run(
    make_store: Any,
    bare_db: Any,
    trips: RoundTrips,
    contacts: Sequence[Contact],
    phones: Sequence[str],
    receipts: int,
) -> list[Measure]:
    """The MongoDB table's rows: bare motor first, then the store, per operation."""
    from pymongo import IndexModel, ReplaceOne, UpdateOne

    page_count = len(pages(contacts))
    calls = -(-len(phones) // PAGE)
    rows = {
        "bare_up": Measure("bare motor bulk_write, one a page", page_count, "page"),
        "up": Measure("Store.upsert_contacts (a transaction each)", page_count, "page"),
        "bare_look": Measure("bare motor find, 500 phones a query", calls, "1,000 phones"),
        "look": Measure("Store.find_contacts_by_phones", calls, "call of 1,000"),
        "bare_rc": Measure("bare motor bulk_write of the receipts", 1, "burst"),
        "rc": Measure("Store.update_message_statuses", 1, "burst"),
        "one": Measure("one receipt at a time (as before)", 1, "burst"),
    }
    bare = bare_db["contacts"]
    await bare.create_indexes([IndexModel([("phones", 1)], name="by_phone")])
    for page in pages(contacts):
        requests = [
            ReplaceOne(
                {"_id": c.resource_name},
                {"_id": c.resource_name, "names": c.names, "phones": c.phones, "etag": c.etag},
                upsert=True,
            )
            for c in page
        ]
        await timed(trips, rows["bare_up"], bare.bulk_write(requests, ordered=False))
    found_bare = 0
    for start in range(0, len(phones), 500):
        chunk = list(phones[start : start + 500])
        docs = await timed(
            trips,
            rows["bare_look"],
            bare.find({"phones": {"$in": chunk}}).batch_size(10_000).to_list(None),
        )
        found_bare += sum(len(set(d["phones"]) & set(chunk)) for d in docs)

    store: Store = make_store()
    await store.open()
    try:
        for page in pages(contacts):
            await timed(trips, rows["up"], store.upsert_contacts(page))
        found = 0
        for start in range(0, len(phones), PAGE):
            result = await timed(
                trips, rows["look"], store.find_contacts_by_phones(phones[start : start + PAGE])
            )
            found += sum(len(v) for v in result.values())
        assert found == found_bare, (found, found_bare)  # the same answers, or nothing compares

        messages = [await store.add_message(m) for m in receipt_messages(receipts)]
        bare_messages = bare_db["messages"]
        await bare_messages.insert_many(
            [{"_id": m.id, "bot_id": m.bot_id, "wa_id": m.wa_id} for m in messages]
        )
        await timed(
            trips,
            rows["bare_rc"],
            bare_messages.bulk_write(
                [UpdateOne({"_id": m.id}, {"$set": {"status": "delivered"}}) for m in messages],
                ordered=False,
            ),
        )
        delivered = receipts_for(messages, MessageStatus.DELIVERED)
        updated = await timed(trips, rows["rc"], store.update_message_statuses(delivered))
        assert len(updated) == receipts
        read = receipts_for(messages, MessageStatus.READ)
        await timed(trips, rows["one"], Store.update_message_statuses(store, read))
    finally:
        await store.close()
    return list(rows.values())


async def mongo_server_run(
    uri: str, contacts: Sequence[Contact], phones: Sequence[str], receipts: int
) -> list[Measure]:
    from motor.motor_asyncio import AsyncIOMotorClient

    from linda_tui.store.mongo import MongoStore

    trips = RoundTrips()
    suffix = os.urandom(4).hex()
    store_db, bare_name = f"linda_bench_{suffix}", f"linda_bench_bare_{suffix}"
    client = AsyncIOMotorClient(uri, event_listeners=[trips], w="majority", tz_aware=True)
    try:
        return await mongo_run(
            lambda: MongoStore(uri, database=store_db, listeners=[trips]),
            client[bare_name],
            trips,
            contacts,
            phones,
            receipts,
        )
    finally:
        for name in (store_db, bare_name):
            await client.drop_database(name)
        client.close()


async def mongo_fake_run(
    contacts: Sequence[Contact], phones: Sequence[str], receipts: int
) -> list[Measure]:
    from linda_tui.store.mongo import MongoStore
    from linda_tui.store.mongo.fake_replica_set import FakeReplicaSet

    trips = RoundTrips()
    fake = FakeReplicaSet(event_listeners=[trips])
    return await mongo_run(
        lambda: MongoStore("mongodb://localhost/linda", client=fake),
        fake["linda_bare"],
        trips,
        contacts,
        phones,
        receipts,
    )


def print_mongo(rows: list[Measure], *, timed_run: bool) -> None:
    baselines = {0: None, 1: 0, 2: None, 3: 2, 4: None, 5: 4, 6: 4}
    section = {0: "upsert (pages of 1,000)", 2: "lookup by phone", 4: "a burst of receipts"}
    for index, row in enumerate(rows):
        if index in section:
            print(section[index])
        per_op = row.trips / row.operations
        trips = f"{row.trips:,} round trip{'' if row.trips == 1 else 's'}"
        text = f"  {row.label:<44} {trips:>18}  ({per_op:,.1f} a {row.unit})"
        base = baselines[index]
        if timed_run:
            text += f"  {row.seconds:7.3f} s"
            if base is not None and rows[base].seconds > 0:
                text += f"  {row.seconds / rows[base].seconds:5.2f}x bare"
        print(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contacts", type=int, default=50_000, help="contacts to upsert")
    parser.add_argument("--lookups", type=int, default=10_000, help="phones to look up")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best of each is shown")
    parser.add_argument("--receipts", type=int, default=1000, help="receipts in the burst")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mongodb-only", action="store_true", help="skip the SQLite part")
    args = parser.parse_args(argv)
    if min(args.contacts, args.lookups, args.repeat, args.receipts) < 1:
        parser.error("--contacts, --lookups, --receipts and --repeat must be at least 1")

    rng = random.Random(args.seed)
    contacts = make_contacts(args.contacts, rng)
    all_phones = [phone for c in contacts for phone in c.phones]
    if args.lookups > len(all_phones):
        parser.error(f"--lookups can be at most the number of phones ({len(all_phones):,})")
    phones = rng.sample(all_phones, args.lookups)  # distinct, so every way counts the same

    if not args.mongodb_only:
        sqlite_part(args, contacts, all_phones, phones)
    uri = os.environ.get(MONGODB_URI_VARIABLE)
    if uri:
        print(
            f"\nMongoDB store vs bare motor at {redact_url(uri)}: {args.contacts:,} contacts, "
            f"{args.lookups:,} lookups, {args.receipts:,} receipts (one run)"
        )
        rows = asyncio.run(mongo_server_run(uri, contacts, phones, args.receipts))
        print_mongo(rows, timed_run=True)
    else:
        sample = contacts[: min(args.contacts, FAKE_CONTACTS)]
        sample_phones = [p for c in sample for p in c.phones][: min(args.lookups, FAKE_LOOKUPS)]
        print(
            f"\nMongoDB: round trips per operation on the fake replica set ({len(sample):,} "
            f"contacts, {len(sample_phones):,} lookups, {args.receipts:,} receipts); set "
            f"{MONGODB_URI_VARIABLE} to a replica set for times"
        )
        rows = asyncio.run(mongo_fake_run(sample, sample_phones, args.receipts))
        print_mongo(rows, timed_run=False)
    return 0


def sqlite_part(
    args: argparse.Namespace,
    contacts: Sequence[Contact],
    all_phones: Sequence[str],
    phones: Sequence[str],
) -> None:
    keys = ("bare", "store", "bare_l", "batch", "one", "open", "bare_open", "check")
    times: dict[str, list[float]] = {k: [] for k in keys}
    store_bytes = 0
    with tempfile.TemporaryDirectory(prefix="linda-bench-") as folder:
        for run in range(args.repeat):
            bare_path = Path(folder) / f"bare-{run}.db"
            store_path = Path(folder) / f"store-{run}.db"
            times["bare"].append(bare_upsert(bare_path, contacts))
            bare_seconds, bare_found = bare_lookup(bare_path, phones)
            times["bare_l"].append(bare_seconds)
            upsert, batched, single, found_batched, found_single = asyncio.run(
                store_run(store_path, contacts, phones)
            )
            times["store"].append(upsert)
            times["batch"].append(batched)
            times["one"].append(single)
            # Same answers, or the comparison means nothing.
            assert bare_found == found_batched == found_single, (bare_found, found_batched)
            times["open"].append(asyncio.run(store_open(store_path)))
            times["bare_open"].append(bare_open(store_path))
            times["check"].append(quick_check(store_path))
            store_bytes = store_path.stat().st_size

    phone_count = len(all_phones)
    print(
        f"SQLite store vs bare sqlite3 {sqlite3.sqlite_version}: {args.contacts:,} contacts "
        f"({phone_count:,} phones), {args.lookups:,} lookups, best of {args.repeat}"
    )
    print("upsert (pages of 1,000, one transaction each)")
    print(line("bare sqlite3 executemany", args.contacts, best(times["bare"])))
    print(line("Store.upsert_contacts", args.contacts, best(times["store"]), best(times["bare"])))
    print("lookup by phone")
    print(line("bare indexed SELECT, one per phone", args.lookups, best(times["bare_l"])))
    print(
        line(
            "Store.find_contacts_by_phones (1,000 a call)",
            args.lookups,
            best(times["batch"]),
            best(times["bare_l"]),
        )
    )
    print(
        line(
            "Store.find_contacts_by_phone (one a call)",
            args.lookups,
            best(times["one"]),
            best(times["bare_l"]),
        )
    )
    per_call = best(times["one"]) / args.lookups * 1e6
    print(
        f"  one-a-call lookups cost {per_call:,.0f} µs each (read on the loop's thread "
        "through the store's read-only connection)"
    )
    print(f"opening the store ({store_bytes / 1e6:,.1f} MB)")
    bare_ms, open_ms, check_ms = (best(times[k]) * 1000 for k in ("bare_open", "open", "check"))
    print(f"  bare connect + WAL + version                   {bare_ms:8.1f} ms")
    print(
        f"  SQLiteStore.open (checks, quick_check, WAL)    {open_ms:8.1f} ms  "
        f"{open_ms / bare_ms:5.1f}x bare (quick_check alone: {check_ms:.1f} ms)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
