"""The MongoDB store's connection: opening, closing, errors, transactions, batches.

Opening checks the server within ``open_timeout`` (only the opening: afterwards every
operation keeps the driver's defaults, so one running through an election, which
commonly takes up to 12 s, waits for the new primary instead of failing after a few
seconds). Linda needs transactions, so a standalone server is refused with the recipe
that makes it a single-node replica set (see the README, "MongoDB").
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, ParamSpec, TypeVar

import pymongo
from bson.errors import BSONError
from pymongo.errors import ConfigurationError, InvalidURI, OperationFailure, PyMongoError

from linda_tui.store.base import Store, StoreError, not_unicode, retry_deadline
from linda_tui.store.mongo import schema
from linda_tui.store.mongo.failures import has_option, one_line, store_error
from linda_tui.store.urls import hide_url_secrets, redact_url

DEFAULT_DATABASE = "linda"
# Values per $in of a batched lookup, as the SQLite store does: commands stay small and
# the planner's work per query bounded, whatever the caller hands in.
IN_CHUNK = 500
# Documents a batched lookup asks for in its first reply: the server's default is 101,
# and the rest would cost a getMore, a second round trip (replies stay under 16 MiB).
FIRST_REPLY = 10_000
# MongoDB 4.2 (wire version 8): transactions on replica sets and sharded clusters, and
# updates with aggregation pipelines (the schema migration uses one).
MIN_WIRE_VERSION = 8
COMMAND_NOT_FOUND = 59
MAX_TIME_EXPIRED = 50
# How long a transaction is run again (or its commit retried), as the driver spec says.
TRANSACTION_RETRY_LIMIT = 120.0

STANDALONE_RECIPE = (
    "make it a single-node replica set: restart mongod with --replSet rs0, run "
    "mongosh --eval 'rs.initiate()' once, and add ?replicaSet=rs0 to LINDA_STORE_URL "
    "(README: MongoDB)"
)

P = ParamSpec("P")
T = TypeVar("T")

Session = Any  # a motor client session (AsyncIOMotorClientSession), or the test double's
Work = Callable[[Session], Awaitable[T]]


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, PyMongoError) and exc.has_error_label("TransientTransactionError")


def _in_time(started: float) -> bool:
    """Whether a transaction begun at started may still run again: within 120 s, and
    before the caller's own deadline (retry_deadline) when it has one."""
    now = time.monotonic()
    deadline = retry_deadline.get()
    return now - started < TRANSACTION_RETRY_LIMIT and (deadline is None or now < deadline)


def _backoff(attempt: int) -> float:
    """A short jittered pause before running a transaction again (as pymongo's)."""
    return random.random() * min(0.005 * 1.5**attempt, 0.5)


def in_chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterator[list[Any]]:
    """values in lists of at most size, in order."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _store_errors(
    method: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Any failure of MongoDB or of encoding a record inside a store method becomes a
    one-line StoreError (TransientStoreError when it may pass)."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await method(*args, **kwargs)
        except (PyMongoError, BSONError, OverflowError) as exc:
            store = args[0]
            assert isinstance(store, MongoBase)
            raise store.failure(exc) from None
        except UnicodeEncodeError:
            raise not_unicode() from None

    wrapper.store_errors = True  # type: ignore[attr-defined]
    return wrapper


def _database_in_url(url: str) -> str:
    """The database pymongo itself takes from url (percent-decoded, up to a '.'), or ""
    when it has none or pymongo refuses the URL (opening then says why)."""
    from pymongo.uri_parser import parse_uri

    # As a plain mongodb:// URL: the same database, and no DNS lookup of an SRV record.
    plain = "mongodb://" + url.split("://", 1)[-1]
    try:
        return parse_uri(plain, validate=False)["database"] or ""
    except (PyMongoError, ValueError, TypeError):
        return ""


def _close_client(client: Any, timeout: float) -> None:
    """Close a client, bounded: pymongo ends the client's server sessions first, which
    waits for a server as long as server selection does when the server is gone."""
    with pymongo.timeout(timeout):
        client.close()


class MongoBase(Store):
    """Lifecycle and plumbing shared by the record types (see MongoStore).

    ``client`` lets tests hand in a client (the fake replica set); normally the store
    makes its own from the URL on open and closes it on close. Every public coroutine
    method of a subclass reports failures as StoreError (see __init_subclass__), so a
    method added later cannot let a raw driver exception out.
    """

    CLOSE_TIMEOUT = 2.0  # seconds closing may wait for a server that went away

    def __init__(
        self,
        url: str,
        *,
        client: Any | None = None,
        database: str | None = None,
        open_timeout: float = 5.0,
        listeners: Sequence[Any] = (),
    ) -> None:
        self.url = redact_url(url)
        self._url = url  # may hold a password: never shown, never logged
        self._client: Any | None = client
        self._owns_client = client is None
        self.database_name = database or _database_in_url(url) or DEFAULT_DATABASE
        self._open_timeout = open_timeout
        self._listeners = list(listeners)  # pymongo CommandListeners (benchmarks, tests)
        self._db: Any | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if (
                not name.startswith("_")
                and name not in ("open", "close")
                and inspect.iscoroutinefunction(value)
                and not getattr(value, "store_errors", False)
            ):
                setattr(cls, name, _store_errors(value))

    # --- errors -----------------------------------------------------------------------

    @property
    def _where(self) -> str:
        hosts = self.url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
        return hosts.rsplit("@", 1)[-1] or "localhost"

    def failure(self, exc: BaseException) -> StoreError:
        """A one-line StoreError for a MongoDB failure, with its cause and what to do."""
        return store_error(exc, url=self._url, where=self._where, database=self.database_name)

    # --- lifecycle ----------------------------------------------------------------------

    async def open(self) -> None:
        """Connect (within open_timeout), check the server can run transactions, and make
        or migrate the collections and indexes. Raises StoreError in one line."""
        if self._db is not None:
            return
        if self._client is None:
            self._client = self._new_client()
        try:
            db = self._client[self.database_name]
            with pymongo.timeout(self._open_timeout):
                hello = await self._hello(db)
            self._check_server(hello)
            await schema.prepare(db, self._where)
        except (PyMongoError, BSONError) as exc:
            await self._drop_client()
            raise self.failure(exc) from None
        except StoreError:
            await self._drop_client()
            raise
        self._db = db

    def _new_client(self) -> Any:
        from motor.motor_asyncio import AsyncIOMotorClient

        options: dict[str, Any] = {"tz_aware": True}
        if self._listeners:
            options["event_listeners"] = self._listeners
        if not has_option(self._url, "appName"):
            options["appname"] = "linda"
        if not has_option(self._url, "w"):
            # Acknowledged by a majority: a write the old primary took just before an
            # election is never rolled back (MongoDB 5.0 and later default to it too).
            options["w"] = "majority"
        try:
            return AsyncIOMotorClient(self._url, **options)
        except (InvalidURI, ConfigurationError, ValueError, TypeError, OSError) as exc:
            cause = one_line(hide_url_secrets(str(exc), self._url))
            if isinstance(exc, ConfigurationError) and "dns" in cause.lower():
                raise self.failure(exc) from None
            raise StoreError(
                f"store URL {self.url!r} is not a usable MongoDB URL ({cause}) "
                "— write it as mongodb://user:password@host:27017/linda?replicaSet=rs0"
            ) from None

    @staticmethod
    async def _hello(db: Any) -> dict[str, Any]:
        try:
            return dict(await db.command("hello"))
        except OperationFailure as exc:
            if exc.code != COMMAND_NOT_FOUND:
                raise
            return dict(await db.command("isMaster"))  # servers before 4.4.2

    def _check_server(self, hello: dict[str, Any]) -> None:
        """Refuse a server that cannot run Linda's transactions, with the fix."""
        where = self._where
        if int(hello.get("maxWireVersion", 0)) < MIN_WIRE_VERSION:
            raise StoreError(
                f"MongoDB at {where} is older than 4.2, which Linda needs for transactions "
                "— upgrade the server (or use Atlas)"
            )
        clustered = "setName" in hello or hello.get("msg") == "isdbgrid"
        if not clustered:
            raise StoreError(
                f"MongoDB at {where} is a standalone server, which has no transactions, and "
                "Linda writes a send with its audit entry (and a campaign with its "
                f"recipients) all or nothing — {STANDALONE_RECIPE}"
            )
        if "logicalSessionTimeoutMinutes" not in hello:
            raise StoreError(
                f"MongoDB at {where} offers no sessions, so no transactions (an arbiter, or "
                "a feature compatibility version below 4.2?) — point LINDA_STORE_URL at the "
                "replica set's data-bearing members"
            )

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._owns_client:
            await asyncio.to_thread(_close_client, client, self.CLOSE_TIMEOUT)
        elif not self._owns_client:
            self._client = client  # the caller's: kept, never closed here

    async def close(self) -> None:
        """Close the client if the store made it. Off the event loop and bounded: with
        the server gone, the driver's close would otherwise wait on it."""
        self._db = None
        await self._drop_client()

    @_store_errors
    async def schema_version(self) -> int:
        meta = await self._col("meta").find_one({"_id": "schema"})
        return int(meta["version"]) if meta else 0

    # --- access -------------------------------------------------------------------------

    def _col(self, name: str) -> Any:
        if self._db is None:
            raise StoreError("the store is not open — call `await store.open()` first")
        return self._db[name]

    async def _atomic(self, work: Work[T]) -> T:
        """Run work(session) in one transaction, as MongoDB's convenient transaction API
        specifies: rerun on a TransientTransactionError (another transaction won a write
        conflict, an election), retry the commit alone on UnknownTransactionCommitResult
        (the reply was lost: rerunning could apply the work twice), for up to 120 s. So
        work must only write the store, and compute ids before it (a rerun reuses them).

        Not motor's with_transaction: in motor 3.7 its ``async with start_transaction()``
        commits on exit, before its retry loop, so a failed commit escapes unretried
        (pymongo's own with_transaction has no such block)."""
        self._col("meta")  # "not open" before a session is asked for
        assert self._client is not None
        started = time.monotonic()
        attempt = 0
        async with await self._client.start_session() as session:
            while True:
                attempt += 1
                session.start_transaction()
                try:
                    result = await work(session)
                except Exception as exc:
                    if session.in_transaction:
                        await session.abort_transaction()
                    if _transient(exc) and _in_time(started):
                        await asyncio.sleep(_backoff(attempt))
                        continue
                    raise
                if await self._commit(session, started):
                    return result
                await asyncio.sleep(_backoff(attempt))

    @staticmethod
    async def _commit(session: Session, started: float) -> bool:
        """Commit; True when it is done, False when the transaction must run again."""
        while True:
            try:
                await session.commit_transaction()
            except PyMongoError as exc:
                in_time = _in_time(started)
                if (
                    exc.has_error_label("UnknownTransactionCommitResult")
                    and in_time
                    and not (isinstance(exc, OperationFailure) and exc.code == MAX_TIME_EXPIRED)
                ):
                    continue  # the same commit again: the server commits a transaction once
                if exc.has_error_label("TransientTransactionError") and in_time:
                    return False
                raise
            return True

    async def _bulk(
        self, name: str, requests: Sequence[Any], session: Session = None, *, ordered: bool = False
    ) -> Any:
        """Many writes to one collection in one command (the driver splits it only past
        MongoDB's batch limits); unordered unless order matters. None when empty."""
        if not requests:
            return None
        return await self._col(name).bulk_write(list(requests), ordered=ordered, session=session)
