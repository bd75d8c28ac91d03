"""Never two syncs at once, even from two processes on one SQLite file: the store's lease."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from linda_tui.clock import FixedClock, SystemClock
from linda_tui.contacts.fake_people_api import FakePeopleApi, Fault
from linda_tui.contacts.lease import holder_is_gone, make_holder
from linda_tui.contacts.sync import LEASE_NAME, ContactsSync, SyncBusy, SyncError
from linda_tui.models import Lease
from linda_tui.store import SQLiteStore, Store

from .conftest import BOOK_SIZE


def finished_pid() -> int:
    """The pid of a process that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


async def held_lease(store: Store, timeout: float = 30.0) -> Lease:
    """The sync lease once somebody holds it: a sync just started takes it at
    once, or a second or two later on a loaded machine."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (lease := await store.get_lease(LEASE_NAME)) is None:
        assert asyncio.get_running_loop().time() < deadline, "nobody took the lease"
        await asyncio.sleep(0.02)
    return lease


@pytest.fixture
async def second_store(tmp_path: Path) -> AsyncIterator[Store]:
    """Another connection to the same SQLite file, as a second Linda process has."""
    async with SQLiteStore(tmp_path / "linda.db") as opened:
        yield opened


async def test_a_second_sync_on_the_same_file_is_refused_with_who_holds_it(
    fake: FakePeopleApi,
    store: Store,
    second_store: Store,
    make_sync: Callable[..., ContactsSync],
) -> None:
    console = make_sync(holder=make_holder("console"), page_size=100)
    cli = make_sync(store=second_store, holder=make_holder("linda sync"), page_size=100)
    fake.inject(Fault.slow(0.8))
    first = asyncio.create_task(console.run())
    await held_lease(second_store)

    with pytest.raises(SyncBusy) as caught:
        await cli.run()

    text = str(caught.value)
    assert text.startswith("a Google Contacts sync is already running (console (pid ")
    assert socket.gethostname() in text and "wait for it to finish" in text
    assert "#" not in text  # the holder's random suffix is not for people
    assert "\n" not in text
    assert (await first).contacts == BOOK_SIZE
    # Once the first is done, the second runs.
    assert (await cli.run()).mode == "incremental"


async def test_a_second_sync_may_wait_for_the_first(
    fake: FakePeopleApi,
    store: Store,
    second_store: Store,
    make_sync: Callable[..., ContactsSync],
) -> None:
    first = make_sync(page_size=100)
    second = make_sync(store=second_store, page_size=100)
    fake.inject(Fault.slow(0.5))
    running = asyncio.create_task(first.run())
    await held_lease(second_store)
    result = await second.run(wait_for_lease=30)
    assert (await running).mode == "full"
    assert result.mode == "incremental"  # it ran after the first, with its token


async def test_an_expired_lease_of_another_machine_is_taken_over(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync], clock: FixedClock
) -> None:
    stale = "linda sync (pid 4242 on another-host) #abcdef"
    await store.acquire_lease(LEASE_NAME, stale, timedelta(seconds=60), clock.now())
    sync = make_sync()
    with pytest.raises(SyncBusy, match="another-host"):
        await sync.run()
    clock.advance(61)  # it stopped renewing a minute ago
    assert (await sync.run()).contacts == BOOK_SIZE


async def test_the_lease_of_a_process_gone_from_this_machine_is_taken_over_at_once(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync], clock: FixedClock
) -> None:
    dead = f"linda sync (pid {finished_pid()} on {socket.gethostname()}) #123456"
    assert holder_is_gone(dead)
    await store.acquire_lease(LEASE_NAME, dead, timedelta(hours=1), clock.now())
    assert (await make_sync().run()).contacts == BOOK_SIZE
    assert await store.get_lease(LEASE_NAME) is None


def test_living_and_foreign_holders_are_not_gone() -> None:
    assert not holder_is_gone(make_holder("console"))  # this very process
    assert not holder_is_gone(f"linda sync (pid 1 on {socket.gethostname()}) #1")  # init lives
    assert not holder_is_gone("linda sync (pid 99999999 on elsewhere) #1")
    assert not holder_is_gone("something else entirely")


async def test_a_long_sync_keeps_its_lease_by_renewing_it(
    fake: FakePeopleApi, store: Store, second_store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    # A 0.6 s lease, renewed every 0.2 s, outlives a sync of 2 s on the real clock.
    first = make_sync(clock=SystemClock(), lease_ttl=0.6, page_size=100)
    fake.inject(Fault.slow(1.0), times=2)
    running = asyncio.create_task(first.run())
    for _ in range(4):
        await asyncio.sleep(0.4)
        if running.done():
            break
        with pytest.raises(SyncBusy):
            await make_sync(store=second_store, clock=SystemClock()).run()
    assert (await running).contacts == BOOK_SIZE


async def test_a_sync_whose_lease_was_taken_stops_before_writing_more(
    fake: FakePeopleApi,
    store: Store,
    second_store: Store,
    make_sync: Callable[..., ContactsSync],
    clock: FixedClock,
) -> None:
    sync = make_sync(lease_ttl=0.3, page_size=100)
    fake.inject(Fault.slow(0.6), skip=1)  # the second page takes a while
    running = asyncio.create_task(sync.run())
    lease = await held_lease(second_store)
    # Someone decides the holder is dead and takes the lease over.
    await second_store.acquire_lease(
        LEASE_NAME,
        "intruder (pid 1 on elsewhere) #1",
        timedelta(minutes=5),
        clock.now(),
        take_over=lease.holder,
    )
    with pytest.raises(SyncError, match="another Linda took it over"):
        await running
    assert await store.count_contacts() <= 100  # stopped after at most the first page
    assert (await store.get_lease(LEASE_NAME)).holder.startswith("intruder")  # type: ignore[union-attr]
