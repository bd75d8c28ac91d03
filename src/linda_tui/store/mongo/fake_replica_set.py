"""A test double of a MongoDB replica set, for tests and benchmarks (Linda never uses it).

No MongoDB server can run where Linda's tests run, and mongomock has no sessions, so
the transaction branch of the MongoDB store (the one every replica-set and Atlas user
runs) would never execute. This double puts mongomock's documents, queries and
indexes behind motor's client API, with pymongo's session and transaction API:

- ``await client.start_session()``; ``session.start_transaction()``,
  ``commit_transaction()``, ``abort_transaction()``, ``in_transaction``,
  ``end_session()``, ``async with``, with pymongo's state machine and its errors
  (InvalidOperation for a commit after an abort, a second start...);
- ``session.with_transaction`` is motor's own code, not a copy, so it behaves exactly
  as against a server (which showed that motor 3.7's commits inside its
  ``async with start_transaction()`` and lets a failed commit escape unretried: the
  store runs its own loop, see ``connection.MongoBase._atomic``);
- a transaction's writes are undone on abort, on a failed write inside it, when a new
  transaction starts over one left open, and when it outlives its lifetime; other
  operations wait while a transaction is open (as a server makes a conflicting write
  wait), and one made from inside a transaction without its session is refused
  (a server would run it outside the transaction, never to be rolled back);
- failures are injected the way a test server takes them, with the ``failCommand``
  fail point: ``await client.admin.command({"configureFailPoint": "failCommand",
  "mode": {"times": 2}, "data": {"failCommands": ["commitTransaction"],
  "errorCode": 112, "errorLabels": ["TransientTransactionError"]}})`` (or
  ``"closeConnection": True``). The driver's own labelling and retries are applied on
  top: a network error inside a transaction gains ``TransientTransactionError``, a
  failed commit ``UnknownTransactionCommitResult``, and retryable writes and reads
  outside a transaction are tried once more;
- documents are encoded to BSON as pymongo encodes them before sending, so an integer
  over 8 bytes, a value BSON cannot hold or a document over 16 MiB fails the same way;
- every round trip is announced to ``event_listeners`` (pymongo's CommandListener
  protocol: ``started(event)`` with ``command_name``, ``database_name`` and
  ``command``), counted the way the driver batches: a find returning more than 101
  documents is two round trips (find, getMore), a bulk write one per kind of write;
- indexes behave as a server's: a unique index refuses duplicates (sparse ones skip
  documents without the field), and creating one whose name or keys clash with an
  existing index fails with the server's codes (85, 86).

mongomock (a dev dependency) is imported here only.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import bson
import mongomock
import mongomock.collection
import mongomock.filtering
from motor.core import AgnosticClientSession, _MotorTransactionContext
from pymongo import IndexModel, InsertOne, ReturnDocument
from pymongo.errors import (
    AutoReconnect,
    CollectionInvalid,
    ConnectionFailure,
    DocumentTooLarge,
    InvalidOperation,
    OperationFailure,
    PyMongoError,
)

MAX_BSON_SIZE = 16 * 1024 * 1024
FIRST_BATCH = 101  # documents in a find's first reply; the rest come by getMore
MAX_WRITE_BATCH = 100_000

# Codes after which the driver retries a write or a read once (retryable writes spec).
_RETRYABLE_CODES = frozenset(
    {6, 7, 89, 91, 134, 189, 262, 9001, 10058, 10107, 11600, 11602, 13435, 13436}
)
_UNKNOWN_COMMIT_CODES = _RETRYABLE_CODES | {50, 64}
NO_SUCH_TRANSACTION = 251
INDEX_NOT_FOUND = 27
NAMESPACE_EXISTS = 48
INDEX_OPTIONS_CONFLICT = 85
INDEX_KEY_SPECS_CONFLICT = 86
COMMAND_NOT_FOUND = 59

_RETRYABLE_WRITES = frozenset({"insert", "update", "delete", "findAndModify"})
_READS = frozenset({"find", "aggregate", "count", "listCollections", "listIndexes"})


class TransactionMisuse(AssertionError):
    """Store code did something a real server would silently get wrong: an operation
    from inside a transaction without its session (it would not be rolled back with
    it), or a transaction inside another."""


def _teach_mongomock_bulk_sort() -> None:
    """pymongo 4.11 added ``sort`` to UpdateOne and ReplaceOne and passes it to the bulk
    builder; mongomock 4.3's builder does not take it, so any bulk_write with them
    fails there. Accept ``sort=None`` (what every write of Linda's has)."""
    builder = mongomock.collection.BulkOperationBuilder
    if getattr(builder, "_linda_takes_sort", False):
        return
    for name in ("add_update", "add_replace", "add_delete"):
        original = getattr(builder, name)

        def taking_sort(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            if kwargs.pop("sort", None) is not None:
                raise NotImplementedError("the fake replica set has no sort in bulk writes")
            return _original(self, *args, **kwargs)

        setattr(builder, name, taking_sort)
    builder._linda_takes_sort = True  # type: ignore[attr-defined]


_teach_mongomock_bulk_sort()


# --- commands, fail points ---------------------------------------------------------------


@dataclass
class CommandStarted:
    """What pymongo's CommandStartedEvent says about a round trip (the fields used)."""

    command_name: str
    database_name: str
    command: dict[str, Any]


@dataclass
class _FailPoint:
    commands: frozenset[str]
    times: int | None  # None: always on
    skip: int  # matching commands let through first
    code: int | None
    labels: tuple[str, ...]
    close_connection: bool
    errmsg: str

    def error(self, name: str) -> PyMongoError:
        if self.close_connection:
            return AutoReconnect(f"localhost:27017: connection closed (failCommand on {name})")
        errmsg = self.errmsg or f"Failing command {name} via 'failCommand' failpoint"
        details = {"ok": 0.0, "errmsg": errmsg, "code": self.code}
        if self.labels:
            details["errorLabels"] = list(self.labels)
        return OperationFailure(errmsg, self.code, details)


def _encode(value: Mapping[str, Any], *, document: bool = False) -> None:
    """Encode as pymongo does before sending: BSON refuses what it cannot hold."""
    data = bson.encode(value)
    if document and len(data) > MAX_BSON_SIZE:
        raise DocumentTooLarge(
            f"BSON document too large ({len(data)} bytes) - the connected server supports "
            f"BSON document sizes up to {MAX_BSON_SIZE} bytes."
        )


_NO_ID = object()


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _with_label(exc: PyMongoError, label: str) -> PyMongoError:
    exc._add_error_label(label)  # pymongo labels errors the same way
    return exc


# --- the replica set -----------------------------------------------------------------------


class FakeReplicaSet:
    """A one-member replica set named ``set_name`` (or, with ``set_name=None``, a
    standalone server), as a motor client. See the module docstring."""

    def __init__(
        self,
        *,
        set_name: str | None = "rs0",
        event_listeners: Iterable[Any] = (),
        max_wire_version: int = 21,  # MongoDB 7.0
        transaction_lifetime: float = 60.0,
    ) -> None:
        self._server: Any = mongomock.MongoClient(tz_aware=True)
        self.set_name = set_name
        self.max_wire_version = max_wire_version
        self.transaction_lifetime = transaction_lifetime
        self.listeners = list(event_listeners)
        self.commands: list[CommandStarted] = []  # every round trip, in order
        self.close_delay = 0.0  # seconds close() blocks, as pymongo's does with no server
        self.closed = False
        self._fail_point: _FailPoint | None = None
        self._lock: asyncio.Lock | None = None
        self._owner: FakeSession | None = None  # the session whose transaction is open

    # --- motor's client API ---------------------------------------------------------------

    def __getitem__(self, name: str) -> FakeDatabase:
        return FakeDatabase(self, name)

    def get_database(self, name: str) -> FakeDatabase:
        return self[name]

    @property
    def admin(self) -> FakeDatabase:
        return self["admin"]

    async def start_session(self) -> FakeSession:
        """A session (pymongo keeps them client-side: no round trip)."""
        return FakeSession(self)

    async def drop_database(self, name: str) -> None:
        await self._round_trip(name, "dropDatabase", {"dropDatabase": 1}, None)
        self._server.drop_database(name)

    def close(self) -> None:
        """Blocking, like pymongo's: it ends the client's sessions on the server first."""
        if self.close_delay:
            time.sleep(self.close_delay)
        self.closed = True

    # --- the server side ------------------------------------------------------------------

    def hello(self) -> dict[str, Any]:
        reply: dict[str, Any] = {
            "isWritablePrimary": True,
            "maxWireVersion": self.max_wire_version,
            "minWireVersion": 0,
            "maxBsonObjectSize": MAX_BSON_SIZE,
            "ok": 1.0,
        }
        if self.set_name is not None:
            reply.update(
                setName=self.set_name,
                hosts=["localhost:27017"],
                primary="localhost:27017",
                logicalSessionTimeoutMinutes=30,
            )
        return reply

    def configure_fail_point(self, spec: Mapping[str, Any]) -> None:
        if spec.get("configureFailPoint") != "failCommand":
            raise OperationFailure("the fake replica set knows the failCommand fail point only", 2)
        mode = spec.get("mode")
        if mode == "off":
            self._fail_point = None
            return
        data = spec.get("data") or {}
        if mode == "alwaysOn":
            times, skip = None, 0
        elif isinstance(mode, Mapping) and "skip" in mode:
            times, skip = None, int(mode["skip"])  # then on, as a server's
        elif isinstance(mode, Mapping) and "times" in mode:
            times, skip = int(mode["times"]), 0
        else:
            raise OperationFailure(f"unknown fail point mode {mode!r}", 2)
        self._fail_point = _FailPoint(
            commands=frozenset(data.get("failCommands", ())),
            times=times,
            skip=skip,
            code=data.get("errorCode"),
            labels=tuple(data.get("errorLabels", ())),
            close_connection=bool(data.get("closeConnection", False)),
            errmsg=str(data.get("errmsg", "")),
        )

    def _fail(self, name: str) -> PyMongoError | None:
        point = self._fail_point
        if point is None or name not in point.commands:
            return None
        if point.skip:
            point.skip -= 1
            return None
        if point.times is not None:
            point.times -= 1
            if point.times <= 0:
                self._fail_point = None
        return point.error(name)

    def _announce(self, database: str, name: str, command: dict[str, Any]) -> None:
        event = CommandStarted(name, database, command)
        self.commands.append(event)
        for listener in self.listeners:
            listener.started(event)

    def _lock_for_loop(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _wait_for_transactions(self, session: FakeSession | None) -> None:
        """An operation outside any transaction waits while another one is open (a server
        makes a conflicting write wait); the transaction is aborted, as a server does,
        once it outlives transaction_lifetime."""
        owner = self._owner
        if owner is None or owner is session:
            return
        if owner.task is asyncio.current_task():
            raise TransactionMisuse(
                "an operation inside a transaction was sent without the transaction's "
                "session: a server would run it outside the transaction (pass session=)"
            )
        await self._acquire(owner)
        self._lock_for_loop().release()

    async def _acquire(self, owner: FakeSession) -> None:
        """Take the transaction lock, aborting owner's transaction (as the server does)
        when it outlives transaction_lifetime."""
        lock = self._lock_for_loop()
        try:
            await asyncio.wait_for(lock.acquire(), self.transaction_lifetime)
        except TimeoutError:
            if self._owner is owner:
                owner.server_abort()
            await lock.acquire()

    async def _round_trip(
        self, database: str, name: str, command: dict[str, Any], session: FakeSession | None
    ) -> None:
        """One command to the server: other tasks run meanwhile; transactions are begun,
        waited for or refused; a fail point may fail it (the driver retries what it
        retries); listeners hear of it."""
        await asyncio.sleep(0)
        if session is not None:
            session.check_usable()
        in_transaction = session is not None and session.in_transaction
        if in_transaction:
            assert session is not None
            await session.begin_on_server()
        else:
            await self._wait_for_transactions(session)
        attempts = 1 if in_transaction else 2
        for attempt in range(attempts):
            self._announce(database, name, command)
            error = self._fail(name)
            if error is None:
                return
            if in_transaction:
                if isinstance(error, ConnectionFailure):
                    _with_label(error, "TransientTransactionError")
                assert session is not None
                session.server_abort()  # a failed command ends the transaction on the server
                raise error
            retryable = isinstance(error, ConnectionFailure) or (
                isinstance(error, OperationFailure) and error.code in _RETRYABLE_CODES
            )
            if name in _RETRYABLE_WRITES and retryable:
                _with_label(error, "RetryableWriteError")
            if not retryable or (name not in _RETRYABLE_WRITES and name not in _READS):
                raise error
            if attempt == attempts - 1:
                raise error

    def _collection(self, database: str, name: str) -> Any:
        """mongomock's collection, finding documents by _id as a server does: through the
        _id index, not by testing every document (which made a page of 1,000 writes
        seconds long)."""
        collection: Any = self._server[database][name]
        if not getattr(collection, "_linda_by_id", False):
            scan = collection._iter_documents

            def iter_documents(filter: Any, _scan: Any = scan, _c: Any = collection) -> Any:
                wanted = filter.get("_id", _NO_ID) if isinstance(filter, Mapping) else _NO_ID
                if isinstance(wanted, Mapping) and set(wanted) == {"$in"}:
                    keys = list(dict.fromkeys(wanted["$in"]))
                elif wanted is _NO_ID or isinstance(wanted, (Mapping, list)):
                    return _scan(filter)
                else:
                    keys = [wanted]
                documents = _c._store._documents
                found = [documents[k] for k in keys if _hashable(k) and k in documents]
                return (d for d in found if mongomock.filtering.filter_applies(filter, d))

            collection._iter_documents = iter_documents
            collection._linda_by_id = True
        return collection


# --- sessions -------------------------------------------------------------------------------


class _State(Enum):
    NONE = "none"
    STARTING = "starting"
    IN_PROGRESS = "in progress"
    COMMITTED = "committed"
    COMMITTED_EMPTY = "committed empty"
    ABORTED = "aborted"


@dataclass
class _ServerTransaction:
    """A transaction as the server holds it: the documents it changed, as they were."""

    undo: dict[tuple[str, str, Any], dict[str, Any] | None] = field(default_factory=dict)
    aborted: bool = False  # by the server (a failed command, its lifetime): commit fails
    committed: bool = False


class FakeSession:
    """A client session of the fake replica set, with pymongo's transaction states."""

    # motor's own retry loop, run against this session's start/commit/abort.
    with_transaction = AgnosticClientSession.with_transaction

    def __init__(self, replica_set: FakeReplicaSet) -> None:
        self._rs = replica_set
        self._state = _State.NONE
        self._server_txn: _ServerTransaction | None = None
        self.has_ended = False
        self.task: asyncio.Task[Any] | None = None

    @property
    def client(self) -> FakeReplicaSet:
        return self._rs

    @property
    def in_transaction(self) -> bool:
        return self._state in (_State.STARTING, _State.IN_PROGRESS)

    def check_usable(self) -> None:
        if self.has_ended:
            raise InvalidOperation("Cannot use ended session")

    async def __aenter__(self) -> FakeSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.end_session()

    async def end_session(self) -> None:
        if self.has_ended:
            return
        if self.in_transaction:
            await self.abort_transaction()
        self.server_abort()
        self.has_ended = True

    def start_transaction(
        self,
        read_concern: Any = None,
        write_concern: Any = None,
        read_preference: Any = None,
        max_commit_time_ms: Any = None,
    ) -> _MotorTransactionContext:
        self.check_usable()
        if self.in_transaction:
            raise InvalidOperation("Transaction already in progress")
        # A new transaction number on the session ends one the server still holds.
        self.server_abort()
        self._state = _State.STARTING
        return _MotorTransactionContext(self)  # type: ignore[arg-type]  # duck-typed session

    async def begin_on_server(self) -> None:
        """The transaction's first command starts it on the server (and takes the lock)."""
        if self._state is _State.STARTING:
            rs = self._rs
            if rs._owner is not None and rs._owner.task is asyncio.current_task():
                raise TransactionMisuse("a transaction was started inside another one")
            if rs._owner is not None:
                await rs._acquire(rs._owner)
            else:
                await rs._lock_for_loop().acquire()
            rs._owner = self
            self.task = asyncio.current_task()
            self._server_txn = _ServerTransaction()
            self._state = _State.IN_PROGRESS
        elif self._server_txn is None or self._server_txn.aborted:
            raise _with_label(
                OperationFailure(
                    "Transaction has been aborted.",
                    NO_SUCH_TRANSACTION,
                    {"errmsg": "Transaction has been aborted.", "code": NO_SUCH_TRANSACTION},
                ),
                "TransientTransactionError",
            )

    def remember(self, database: str, collection: str, documents: Iterable[dict[str, Any]]) -> None:
        """Keep these documents as they are now, the first time the transaction touches them."""
        txn = self._server_txn
        if txn is None:
            return
        for doc in documents:
            txn.undo.setdefault((database, collection, doc["_id"]), copy.deepcopy(doc))

    def remember_new(self, database: str, collection: str, ids: Iterable[Any]) -> None:
        txn = self._server_txn
        if txn is None:
            return
        for doc_id in ids:
            txn.undo.setdefault((database, collection, doc_id), None)

    def server_abort(self) -> None:
        """The server drops the transaction: every write it made is undone."""
        txn = self._server_txn
        if txn is None or txn.committed or txn.aborted:
            self._release()
            return
        txn.aborted = True
        created = [(k, v) for k, v in txn.undo.items() if v is None]
        changed = [(k, v) for k, v in txn.undo.items() if v is not None]
        for (database, name, doc_id), _ in created:
            self._rs._collection(database, name).delete_one({"_id": doc_id})
        for (database, name, doc_id), before in changed:
            self._rs._collection(database, name).replace_one({"_id": doc_id}, before, upsert=True)
        self._release()

    def _release(self) -> None:
        rs = self._rs
        if rs._owner is self:
            rs._owner = None
            lock = rs._lock_for_loop()
            if lock.locked():
                lock.release()

    async def commit_transaction(self) -> None:
        """pymongo's commit: a no-op for an empty transaction, a retry after an error,
        one retry of its own, and the UnknownTransactionCommitResult label."""
        self.check_usable()
        state = self._state
        if state is _State.NONE:
            raise InvalidOperation("No transaction started")
        if state in (_State.STARTING, _State.COMMITTED_EMPTY):
            self._state = _State.COMMITTED_EMPTY
            return
        if state is _State.ABORTED:
            raise InvalidOperation("Cannot call commitTransaction after calling abortTransaction")
        try:
            for attempt in range(2):
                try:
                    await self._server_commit()
                    return
                except PyMongoError as exc:
                    retryable = isinstance(exc, ConnectionFailure) or (
                        isinstance(exc, OperationFailure) and exc.code in _RETRYABLE_CODES
                    )
                    if not retryable or attempt == 1:
                        raise
        except ConnectionFailure as exc:
            exc._remove_error_label("TransientTransactionError")
            raise _with_label(exc, "UnknownTransactionCommitResult") from None
        except OperationFailure as exc:
            if exc.code in _UNKNOWN_COMMIT_CODES:
                _with_label(exc, "UnknownTransactionCommitResult")
            raise
        finally:
            self._state = _State.COMMITTED

    async def _server_commit(self) -> None:
        await asyncio.sleep(0)
        self._rs._announce("admin", "commitTransaction", {"commitTransaction": 1})
        error = self._rs._fail("commitTransaction")
        if error is not None:
            raise error  # the fail point answers before the command runs: still open
        txn = self._server_txn
        if txn is None or txn.aborted:
            raise _with_label(
                OperationFailure("Transaction has been aborted.", NO_SUCH_TRANSACTION),
                "TransientTransactionError",
            )
        txn.committed = True
        txn.undo.clear()
        self._release()

    async def abort_transaction(self) -> None:
        self.check_usable()
        state = self._state
        if state is _State.NONE:
            raise InvalidOperation("No transaction started")
        if state is _State.ABORTED:
            raise InvalidOperation("Cannot call abortTransaction twice")
        if state in (_State.COMMITTED, _State.COMMITTED_EMPTY):
            raise InvalidOperation("Cannot call abortTransaction after calling commitTransaction")
        if state is _State.IN_PROGRESS:
            await asyncio.sleep(0)
            self._rs._announce("admin", "abortTransaction", {"abortTransaction": 1})
            self._rs._fail("abortTransaction")  # pymongo ignores an abort's errors
        self.server_abort()
        self._state = _State.ABORTED


# --- databases, collections, cursors ----------------------------------------------------------


class FakeDatabase:
    def __init__(self, replica_set: FakeReplicaSet, name: str) -> None:
        self._rs = replica_set
        self.name = name
        self.client = replica_set

    def __getitem__(self, name: str) -> FakeCollection:
        return FakeCollection(self, name)

    def get_collection(self, name: str) -> FakeCollection:
        return self[name]

    async def command(self, command: str | Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {command: 1} if isinstance(command, str) else dict(command)
        name = next(iter(spec))
        await self._rs._round_trip(self.name, name, spec, kwargs.get("session"))
        lowered = name.lower()
        if lowered == "ping":
            return {"ok": 1.0}
        if lowered in ("hello", "ismaster"):
            return self._rs.hello()
        if lowered == "configurefailpoint" and self.name == "admin":
            self._rs.configure_fail_point(spec)
            return {"ok": 1.0}
        raise OperationFailure(f"no such command: '{name}'", COMMAND_NOT_FOUND)

    async def list_collection_names(self, session: FakeSession | None = None) -> list[str]:
        await self._rs._round_trip(self.name, "listCollections", {"listCollections": 1}, session)
        return list(self._rs._server[self.name].list_collection_names())

    async def create_collection(
        self, name: str, session: FakeSession | None = None
    ) -> FakeCollection:
        """motor's create_collection: it looks first (CollectionInvalid), then creates; a
        collection made by someone else in between fails with the server's code 48."""
        if name in await self.list_collection_names(session):
            raise CollectionInvalid(f"collection {name} already exists")
        await self._rs._round_trip(self.name, "create", {"create": name}, session)
        try:
            self._rs._server[self.name].create_collection(name)
        except CollectionInvalid:
            raise OperationFailure(
                f"Collection already exists. NS: {self.name}.{name}", NAMESPACE_EXISTS
            ) from None
        return self[name]


class FakeCollection:
    def __init__(self, database: FakeDatabase, name: str) -> None:
        self.database = database
        self.name = name
        self._rs = database._rs

    @property
    def _mock(self) -> Any:
        return self._rs._collection(self.database.name, self.name)

    async def _trip(self, name: str, command: dict[str, Any], session: FakeSession | None) -> None:
        await self._rs._round_trip(self.database.name, name, command, session)

    def _more_batches(
        self, returned: int, command: dict[str, Any], first_batch: int = FIRST_BATCH
    ) -> None:
        """A reply over the first batch comes with a getMore: one more round trip."""
        if returned > first_batch:
            self._rs._announce(self.database.name, "getMore", command)

    def _snapshot(self, session: FakeSession | None, filters: Iterable[Mapping[str, Any]]) -> None:
        if session is None or session._server_txn is None:
            return
        for query in filters:
            session.remember(self.database.name, self.name, self._mock.find(query))

    def _created(self, session: FakeSession | None, ids: Iterable[Any]) -> None:
        if session is not None:
            session.remember_new(self.database.name, self.name, ids)

    def _failed(self, session: FakeSession | None) -> None:
        """A write error inside a transaction aborts it on the server."""
        if session is not None and session.in_transaction:
            session.server_abort()

    # --- reads ----------------------------------------------------------------------------

    def find(
        self,
        filter: Mapping[str, Any] | None = None,
        projection: Any = None,
        *,
        session: FakeSession | None = None,
        sort: Any = None,
        limit: int = 0,
    ) -> FakeCursor:
        cursor = FakeCursor(self, dict(filter or {}), projection, session)
        if sort is not None:
            cursor.sort(sort)
        if limit:
            cursor.limit(limit)
        return cursor

    async def find_one(
        self,
        filter: Mapping[str, Any] | None = None,
        projection: Any = None,
        *,
        sort: Any = None,
        session: FakeSession | None = None,
    ) -> dict[str, Any] | None:
        found = await self.find(filter, projection, session=session, sort=sort, limit=1).to_list(
            None
        )
        return found[0] if found else None

    async def count_documents(
        self, filter: Mapping[str, Any], *, session: FakeSession | None = None
    ) -> int:
        await self._trip("aggregate", {"aggregate": self.name, "count": dict(filter)}, session)
        return int(self._mock.count_documents(dict(filter)))

    def aggregate(
        self, pipeline: Sequence[Mapping[str, Any]], *, session: FakeSession | None = None, **_: Any
    ) -> FakeCommandCursor:
        return FakeCommandCursor(self, [dict(stage) for stage in pipeline], session)

    async def index_information(self) -> dict[str, Any]:
        await self._trip("listIndexes", {"listIndexes": self.name}, None)
        return dict(self._mock.index_information())

    # --- writes ---------------------------------------------------------------------------

    async def insert_one(
        self, document: dict[str, Any], *, session: FakeSession | None = None
    ) -> Any:
        _encode(document, document=True)
        await self._trip("insert", {"insert": self.name, "documents": [document]}, session)
        try:
            result = self._mock.insert_one(document)
        except PyMongoError:
            self._failed(session)
            raise
        self._created(session, [result.inserted_id])
        return result

    async def insert_many(
        self,
        documents: Sequence[dict[str, Any]],
        *,
        ordered: bool = True,
        session: FakeSession | None = None,
    ) -> Any:
        documents = list(documents)
        for document in documents:
            _encode(document, document=True)
        # The driver splits an insert past MAX_WRITE_BATCH documents: one trip per batch.
        for start in range(0, max(1, len(documents)), MAX_WRITE_BATCH):
            count = len(documents[start : start + MAX_WRITE_BATCH])
            await self._trip("insert", {"insert": self.name, "n": count}, session)
        ids = [d["_id"] for d in documents if "_id" in d]
        self._snapshot(session, [{"_id": {"$in": ids}}])
        self._created(session, ids)
        try:
            return self._mock.insert_many(documents, ordered=ordered)
        except PyMongoError:
            self._failed(session)
            raise

    async def _update(
        self,
        method: str,
        filter: Mapping[str, Any],
        update: Any,
        session: FakeSession | None,
        name: str = "update",
        **options: Any,
    ) -> Any:
        """A write by filter: encoded, sent, the touched documents remembered for a
        rollback, then done (update None: a delete)."""
        _encode(dict(filter))
        if isinstance(update, Mapping):
            _encode(dict(update), document=True)
        elif update is not None:
            _encode({"pipeline": list(update)})
        await self._trip(name, {name: self.name, "q": dict(filter), "u": update}, session)
        self._snapshot(session, [filter])
        undoing = session is not None and session._server_txn is not None
        before = set(self._mock._store._documents) if undoing and options.get("upsert") else None
        arguments = (dict(filter),) if update is None else (dict(filter), update)
        try:
            result = getattr(self._mock, method)(*arguments, **options)
        except PyMongoError:
            self._failed(session)
            raise
        if before is not None:  # an upsert may have made a document: the rollback removes it
            self._created(session, set(self._mock._store._documents) - before)
        return result

    async def update_one(
        self,
        filter: Mapping[str, Any],
        update: Any,
        *,
        upsert: bool = False,
        session: FakeSession | None = None,
    ) -> Any:
        return await self._update("update_one", filter, update, session, upsert=upsert)

    async def update_many(
        self,
        filter: Mapping[str, Any],
        update: Any,
        *,
        upsert: bool = False,
        session: FakeSession | None = None,
    ) -> Any:
        # Not a retryable write (several documents): named so the retry does not apply.
        return await self._update(
            "update_many", filter, update, session, name="updateMany", upsert=upsert
        )

    async def replace_one(
        self,
        filter: Mapping[str, Any],
        replacement: dict[str, Any],
        *,
        upsert: bool = False,
        session: FakeSession | None = None,
    ) -> Any:
        return await self._update("replace_one", filter, replacement, session, upsert=upsert)

    async def find_one_and_update(
        self,
        filter: Mapping[str, Any],
        update: Any,
        *,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
        session: FakeSession | None = None,
    ) -> dict[str, Any] | None:
        result = await self._update(
            "find_one_and_update",
            filter,
            update,
            session,
            name="findAndModify",
            upsert=upsert,
            return_document=return_document,
        )
        return result  # type: ignore[no-any-return]

    async def delete_one(
        self, filter: Mapping[str, Any], *, session: FakeSession | None = None
    ) -> Any:
        return await self._update("delete_one", filter, None, session, name="delete")

    async def delete_many(
        self, filter: Mapping[str, Any], *, session: FakeSession | None = None
    ) -> Any:
        return await self._update("delete_many", filter, None, session, name="deleteMany")

    async def bulk_write(
        self,
        requests: Sequence[Any],
        *,
        ordered: bool = True,
        session: FakeSession | None = None,
    ) -> Any:
        requests = list(requests)
        if not requests:
            raise InvalidOperation("No operations to execute")
        kinds: list[str] = []
        for request in requests:
            kind = "insert" if isinstance(request, InsertOne) else type(request).__name__
            kind = {"UpdateOne": "update", "UpdateMany": "update", "ReplaceOne": "update"}.get(
                kind, kind if kind == "insert" else "delete"
            )
            kinds.append(kind)
            payload = getattr(request, "_doc", None)
            _encode(dict(getattr(request, "_filter", None) or {}))
            if isinstance(payload, Mapping):
                _encode(dict(payload), document=True)
        # The driver sends one command per run of one kind (ordered) or per kind.
        runs = (
            [k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]]
            if ordered
            else sorted(set(kinds))
        )
        for kind in runs:
            await self._trip(kind, {kind: self.name, "n": kinds.count(kind)}, session)
        filters = [r._filter for r in requests if getattr(r, "_filter", None) is not None]
        ids = [r._doc["_id"] for r in requests if isinstance(r, InsertOne) and "_id" in r._doc]
        self._snapshot(session, [*filters, {"_id": {"$in": ids}}])
        self._created(session, ids)
        try:
            result = self._mock.bulk_write(requests, ordered=ordered)
        except PyMongoError:
            self._failed(session)
            raise
        self._created(session, result.upserted_ids.values())
        return result

    # --- indexes ----------------------------------------------------------------------------

    async def create_indexes(
        self, indexes: Sequence[IndexModel], *, session: Any = None
    ) -> list[str]:
        await self._trip("createIndexes", {"createIndexes": self.name}, session)
        existing = self._mock.index_information()
        for model in indexes:
            spec = model.document
            name, keys = spec["name"], list(spec["key"].items())
            options = {k: bool(spec.get(k, False)) for k in ("unique", "sparse")}
            for other_name, other in existing.items():
                other_keys = list(other["key"])
                other_options = {k: bool(other.get(k, False)) for k in ("unique", "sparse")}
                if other_name == name and (other_keys != keys or other_options != options):
                    raise OperationFailure(
                        f"An existing index has the same name as the requested index: {name}",
                        INDEX_KEY_SPECS_CONFLICT,
                    )
                if other_name != name and other_keys == keys:
                    raise OperationFailure(
                        f"Index already exists with a different name: {other_name}",
                        INDEX_OPTIONS_CONFLICT,
                    )
        return list(self._mock.create_indexes(list(indexes)))

    async def drop_index(self, name: str, *, session: Any = None) -> None:
        await self._trip("dropIndexes", {"dropIndexes": self.name, "index": name}, session)
        if name not in self._mock.index_information():
            raise OperationFailure(f"index not found with name [{name}]", INDEX_NOT_FOUND)
        self._mock.drop_index(name)


class _Results:
    """What motor's cursors share: the results fetched once (``_fetch``, on the first
    read), then read a list or one document at a time."""

    _results: list[dict[str, Any]] | None
    _next: int

    async def _fetch(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    async def to_list(self, length: int | None = None) -> list[dict[str, Any]]:
        results = (await self._fetch())[self._next :]
        results = results if length is None else results[:length]
        self._next += len(results)
        return results

    def __aiter__(self) -> _Results:
        return self

    async def __anext__(self) -> dict[str, Any]:
        results = await self._fetch()
        if self._next >= len(results):
            raise StopAsyncIteration
        self._next += 1
        return results[self._next - 1]


class FakeCursor(_Results):
    """motor's cursor: sort and limit chain; the query runs on the first fetch."""

    def __init__(
        self,
        collection: FakeCollection,
        filter: dict[str, Any],
        projection: Any,
        session: FakeSession | None,
    ) -> None:
        self._collection = collection
        self._filter = filter
        self._projection = projection
        self._session = session
        self._sort: list[tuple[str, int]] | None = None
        self._limit = 0
        self._batch_size = 0
        self._results: list[dict[str, Any]] | None = None
        self._next = 0

    def batch_size(self, size: int) -> FakeCursor:
        self._batch_size = size
        return self

    def sort(self, key: Any, direction: int | None = None) -> FakeCursor:
        self._sort = [(key, direction or 1)] if isinstance(key, str) else list(key)
        return self

    def limit(self, limit: int) -> FakeCursor:
        self._limit = limit
        return self

    async def _fetch(self) -> list[dict[str, Any]]:
        if self._results is None:
            collection = self._collection
            _encode(self._filter)
            command: dict[str, Any] = {"find": collection.name, "filter": self._filter}
            if self._sort:
                command["sort"] = dict(self._sort)
            if self._limit:
                command["limit"] = self._limit
            await collection._trip("find", command, self._session)
            # Read once the command arrives: what the server holds then.
            cursor = collection._mock.find(self._filter, self._projection)
            if self._sort:
                cursor = cursor.sort(self._sort)
            if self._limit:
                cursor = cursor.limit(self._limit)
            self._results = list(cursor)
            collection._more_batches(len(self._results), command, self._batch_size or FIRST_BATCH)
        return self._results


class FakeCommandCursor(_Results):
    """The cursor of an aggregation."""

    def __init__(
        self,
        collection: FakeCollection,
        pipeline: list[dict[str, Any]],
        session: FakeSession | None,
    ) -> None:
        self._collection = collection
        self._pipeline = pipeline
        self._session = session
        self._results: list[dict[str, Any]] | None = None
        self._next = 0

    async def _fetch(self) -> list[dict[str, Any]]:
        if self._results is None:
            collection = self._collection
            _encode({"pipeline": self._pipeline})
            command = {"aggregate": collection.name, "pipeline": self._pipeline}
            await collection._trip("aggregate", command, self._session)
            self._results = list(collection._mock.aggregate(self._pipeline))
            collection._more_batches(len(self._results), command)
        return self._results
