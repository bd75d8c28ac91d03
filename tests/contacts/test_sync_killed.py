"""A sync killed outright (kill -9) midway leaves a consistent store; the next run finishes.

The sync runs in a child process against the fake in this one; the fake holds the
child's third page so it is mid-sync, with pages stored, when it is killed.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from linda_tui.config.settings import Settings
from linda_tui.contacts.fake_people_api import CONNECTIONS_LIST, FakePeopleApi, Fault
from linda_tui.contacts.people_generator import AddressBook
from linda_tui.contacts.sync import LEASE_NAME, ContactsSync
from linda_tui.store import Store

from .conftest import BOOK_SIZE, fresh_numbers

CHILD = """
import asyncio, json, sys
from pathlib import Path
from linda_tui.config.settings import Settings
from linda_tui.contacts.lease import make_holder
from linda_tui.contacts.people_api import PeopleClient
from linda_tui.contacts.sync import ContactsSync
from linda_tui.store import SQLiteStore

async def main():
    args = json.loads(sys.argv[1])
    settings = Settings(**args["settings"])
    async with SQLiteStore(Path(args["store"])) as store:
        sync = ContactsSync(
            store,
            lambda: PeopleClient.from_settings(settings),
            holder=make_holder("linda sync"),
            page_size=100,
        )
        print("syncing", flush=True)
        await sync.run(full=args["full"])
        print("done", flush=True)

asyncio.run(main())
"""


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def generations(path: Path) -> list[int]:
    """How many contacts each full sync last stamped, smallest first."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT COUNT(*) FROM contacts GROUP BY sync_generation").fetchall()
    return sorted(int(row[0]) for row in rows)


def run_child(store_path: Path, settings: Settings, full: bool) -> subprocess.Popen[str]:
    arguments = {
        "store": str(store_path),
        "full": full,
        "settings": {
            "google_credentials": str(settings.google_credentials),
            "google_subject": settings.google_subject,
            "people_api_endpoint": settings.people_api_endpoint,
        },
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(arguments)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    import asyncio

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the child sync"
        await asyncio.sleep(0.05)


async def test_a_sync_killed_midway_leaves_the_store_consistent_and_the_next_run_completes(
    fake: FakePeopleApi,
    store: Store,
    settings: Settings,
    make_sync: Callable[..., ContactsSync],
    book: AddressBook,
    tmp_path: Path,
) -> None:
    sync = make_sync(page_size=100)
    await sync.run()
    token = (await store.get_sync_state()).sync_token
    before = {c.resource_name for c in await store.search_contacts("", limit=10_000)}
    assert len(before) == BOOK_SIZE

    # Google changes: five people deleted, three added.
    for person in fake.people[:5]:
        fake.delete_person(person["resourceName"])
    added = fake.add_people(
        [
            {"names": [{"displayName": f"Added {n}"}], "phoneNumbers": [{"value": p}]}
            for n, p in enumerate(fresh_numbers(book, 3))
        ]
    )

    # The child's full sync stores pages 1 and 2, then waits on page 3 and is killed.
    listed = len(fake.requests_to(CONNECTIONS_LIST))
    fake.inject(Fault.slow(60), skip=2)
    child = run_child(tmp_path / "linda.db", settings, full=True)
    try:
        await wait_for(lambda: len(fake.requests_to(CONNECTIONS_LIST)) >= listed + 3)
        assert child.poll() is None
        lease = await store.get_lease(LEASE_NAME)
        assert lease is not None and "linda sync (pid " in lease.holder
        time.sleep(0.5)  # noqa: ASYNC251 - let the child finish writing page 2
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""

    # Consistent: the file is sound, every earlier contact is still searchable (a full
    # sync deletes only when it finishes), and the old token is still the saved one.
    assert integrity(tmp_path / "linda.db") == "ok"
    # The killed sync had stored its pages 1 and 2 (200 contacts carry its generation).
    assert generations(tmp_path / "linda.db") == [50, 200]
    now = {c.resource_name for c in await store.search_contacts("", limit=10_000)}
    assert before <= now
    assert (await store.get_sync_state()).sync_token == token
    left = await store.get_lease(LEASE_NAME)
    assert left is not None and str(child.pid) in left.holder  # never released: killed

    # The next run takes over the dead child's lease at once and completes.
    fake.clear_faults()
    result = await make_sync(page_size=100).run()
    assert result.mode == "incremental"
    assert result.contacts == BOOK_SIZE - 5 + 3 == await store.count_contacts()
    after = {c.resource_name for c in await store.search_contacts("", limit=10_000)}
    assert after == {p["resourceName"] for p in fake.people}
    assert set(added) <= after
    assert await store.get_lease(LEASE_NAME) is None
