"""Store fixtures: one `store` fixture parametrised over every backend.

SQLite (a temporary file) and MongoDB through mongomock-motor always run; a real
MongoDB runs too when LINDA_TEST_MONGODB_URI is set, in a database of its own
that is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mongomock_motor import AsyncMongoMockClient

from linda_tui.store import SQLiteStore, Store
from linda_tui.store.mongo import MongoStore

MONGODB_URI_VARIABLE = "LINDA_TEST_MONGODB_URI"
T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """T0 plus some minutes: tests never read the wall clock."""
    return T0 + timedelta(minutes=minutes)


@pytest.fixture(params=["sqlite", "mongomock", "mongodb"])
async def store_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Callable[[], Store]]:
    """Makes (unopened) stores that all see the same data: one backend per parameter."""
    kind: str = request.param
    cleanup: Callable[[], Awaitable[None]] | None = None
    if kind == "sqlite":

        def make() -> Store:
            return SQLiteStore(tmp_path / "linda.db")

    elif kind == "mongomock":
        client = AsyncMongoMockClient(tz_aware=True)

        def make() -> Store:
            return MongoStore("mongodb://localhost/linda_test", client=client)

    else:
        uri = os.environ.get(MONGODB_URI_VARIABLE)
        if not uri:
            pytest.skip(f"set {MONGODB_URI_VARIABLE} to run the contract suite on a real MongoDB")
        database = f"linda_test_{uuid.uuid4().hex[:12]}"

        def make() -> Store:
            return MongoStore(uri, database=database)

        async def drop() -> None:
            from motor.motor_asyncio import AsyncIOMotorClient

            client = AsyncIOMotorClient(uri, serverSelectionTimeoutMS=3000)
            try:
                await client.drop_database(database)
            finally:
                client.close()

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
