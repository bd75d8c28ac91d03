"""Store fixtures: one `store` fixture parametrised over every backend.

SQLite (a temporary file) and MongoDB through the fake replica set (mongomock behind
pymongo's session and transaction API, so the transaction branch runs) always run; a
real MongoDB runs too when LINDA_TEST_MONGODB_URI is set, in a database of its own
that is dropped afterwards. It must be a replica set (a single-node one will do):
see the README, "MongoDB". Tests that inject failures with the failCommand fail
point also need the server started with ``--setParameter enableTestCommands=1``; they
skip on a real server without it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo.errors import OperationFailure
from pymongo.monitoring import CommandListener

from linda_tui.store import SQLiteStore, Store
from linda_tui.store.mongo import MongoStore
from linda_tui.store.mongo.fake_replica_set import FakeReplicaSet

MONGODB_URI_VARIABLE = "LINDA_TEST_MONGODB_URI"
T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
MONGODB_KINDS = ("fake-replica-set", "mongodb")


def at(minutes: float) -> datetime:
    """T0 plus some minutes: tests never read the wall clock."""
    return T0 + timedelta(minutes=minutes)


class Commands(CommandListener):
    """Every command a MongoDB store sends (a pymongo CommandListener, which the fake
    replica set calls too): round trips are counted from this."""

    def __init__(self) -> None:
        self.started_events: list[Any] = []

    def started(self, event: Any) -> None:
        if event.command_name not in (
            "hello",
            "isMaster",
            "ismaster",
            "endSessions",
            "configureFailPoint",
        ):
            self.started_events.append(event)

    def succeeded(self, event: Any) -> None:
        pass

    def failed(self, event: Any) -> None:
        pass

    def names(self) -> list[str]:
        return [e.command_name for e in self.started_events]

    def clear(self) -> None:
        self.started_events.clear()


@dataclass
class MongoTarget:
    """The MongoDB a test runs against: the fake replica set or a real server."""

    kind: str
    uri: str
    database: str
    commands: Commands = field(default_factory=Commands)
    fake: FakeReplicaSet | None = None
    admin: Any = None  # a motor client for fail points on a real server

    def make(self) -> MongoStore:
        if self.fake is not None:
            return MongoStore(self.uri, client=self.fake, database=self.database)
        return MongoStore(self.uri, database=self.database, listeners=[self.commands])

    async def fail_command(self, mode: Any, **data: Any) -> None:
        """Configure the failCommand fail point (see the module docstring)."""
        spec = {"configureFailPoint": "failCommand", "mode": mode, "data": data}
        if self.fake is not None:
            await self.fake.admin.command(spec)
            return
        if mode != "off":
            data.setdefault("appName", "linda")  # only the store's own client
        try:
            await self.admin.admin.command(spec)
        except OperationFailure as exc:
            pytest.skip(
                f"the server refuses fail points ({exc}): start it with "
                "--setParameter enableTestCommands=1"
            )


async def mongo_target(kind: str) -> MongoTarget | None:
    """A MongoTarget of this kind, or None when a real server is not configured."""
    database = f"linda_test_{uuid.uuid4().hex[:12]}"
    if kind == "fake-replica-set":
        target = MongoTarget(kind, "mongodb://localhost/linda_test", database)
        target.fake = FakeReplicaSet(event_listeners=[target.commands])
        return target
    uri = os.environ.get(MONGODB_URI_VARIABLE)
    if not uri:
        return None
    from motor.motor_asyncio import AsyncIOMotorClient

    target = MongoTarget(kind, uri, database)
    target.admin = AsyncIOMotorClient(uri, serverSelectionTimeoutMS=5000)
    return target


async def drop_target(target: MongoTarget) -> None:
    if target.admin is not None:
        try:
            await target.admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
        except OperationFailure:
            pass
        await target.admin.drop_database(target.database)
        target.admin.close()


@pytest.fixture(params=["sqlite", *MONGODB_KINDS])
async def store_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Callable[[], Store]]:
    """Makes (unopened) stores that all see the same data: one backend per parameter."""
    kind: str = request.param
    cleanup: Callable[[], Awaitable[None]] | None = None
    if kind == "sqlite":

        def make() -> Store:
            return SQLiteStore(tmp_path / "linda.db")

    else:
        target = await mongo_target(kind)
        if target is None:
            pytest.skip(f"set {MONGODB_URI_VARIABLE} to run the contract suite on a real MongoDB")
        make = target.make

        async def drop() -> None:
            await drop_target(target)

        cleanup = drop
    try:
        yield make
    finally:
        if cleanup is not None:
            await cleanup()


@pytest.fixture
async def store(store_factory: Callable[[], Store]) -> AsyncIterator[Store]:
    """An open store on each backend, closed afterwards."""
    opened = store_factory()
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture(params=MONGODB_KINDS)
async def mongo(request: pytest.FixtureRequest) -> AsyncIterator[MongoTarget]:
    """A MongoDB target (the fake replica set; a real server when configured), for the
    tests of MongoDB's own behaviour: transactions, round trips, failures, indexes."""
    target = await mongo_target(request.param)
    if target is None:
        pytest.skip(f"set {MONGODB_URI_VARIABLE} to run this on a real MongoDB")
    try:
        yield target
    finally:
        await drop_target(target)


@pytest.fixture
async def mongo_store(mongo: MongoTarget) -> AsyncIterator[MongoStore]:
    """An open MongoDB store on the mongo target, its commands recorded from open on."""
    store = mongo.make()
    await store.open()
    mongo.commands.clear()
    try:
        yield store
    finally:
        await store.close()
