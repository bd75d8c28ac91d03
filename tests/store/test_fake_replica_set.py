"""The fake replica set behaves as pymongo against a server does, where Linda relies on it.

A test double is only worth what it is faithful in: sessions and transactions (states,
errors, rollback, isolation, lifetime), fail points and the driver's retries and
labels, BSON limits, indexes, and round trips.
"""

from __future__ import annotations

import asyncio

import pytest
from pymongo import IndexModel, InsertOne, UpdateOne
from pymongo.errors import (
    AutoReconnect,
    DocumentTooLarge,
    DuplicateKeyError,
    InvalidOperation,
    OperationFailure,
)

from linda_tui.store.mongo.fake_replica_set import FakeReplicaSet, TransactionMisuse


@pytest.fixture
def rs() -> FakeReplicaSet:
    return FakeReplicaSet()


async def names(rs: FakeReplicaSet) -> list[str]:
    return [c.command_name for c in rs.commands]


async def test_the_transaction_states_refuse_what_pymongo_refuses(rs: FakeReplicaSet) -> None:
    col = rs["db"]["c"]
    async with await rs.start_session() as session:
        with pytest.raises(InvalidOperation, match="No transaction started"):
            await session.commit_transaction()
        with pytest.raises(InvalidOperation, match="No transaction started"):
            await session.abort_transaction()
        session.start_transaction()
        with pytest.raises(InvalidOperation, match="already in progress"):
            session.start_transaction()
        await col.insert_one({"_id": 1}, session=session)
        await session.commit_transaction()
        await session.commit_transaction()  # committing again is allowed (a retry)
        with pytest.raises(InvalidOperation, match="after calling commitTransaction"):
            await session.abort_transaction()
        session.start_transaction()
        await session.abort_transaction()  # nothing sent yet: no server call
        with pytest.raises(InvalidOperation, match="twice"):
            await session.abort_transaction()
        with pytest.raises(InvalidOperation, match="after calling abortTransaction"):
            await session.commit_transaction()
    with pytest.raises(InvalidOperation, match="ended session"):
        await col.find_one({}, session=session)


async def test_an_aborted_transaction_leaves_no_trace(rs: FakeReplicaSet) -> None:
    col = rs["db"]["c"]
    await col.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 2}])
    async with await rs.start_session() as session:
        session.start_transaction()
        await col.insert_one({"_id": 3, "n": 3}, session=session)
        await col.update_one({"_id": 1}, {"$set": {"n": 10}}, session=session)
        await col.delete_one({"_id": 2}, session=session)
        await col.bulk_write(
            [UpdateOne({"_id": 4}, {"$set": {"n": 4}}, upsert=True), InsertOne({"_id": 5})],
            session=session,
        )
        await col.find_one_and_update({"_id": 6}, {"$set": {"n": 6}}, upsert=True, session=session)
        assert await col.count_documents({}, session=session) == 5  # it sees its own writes
        await session.abort_transaction()
    assert await col.find({}).sort("_id").to_list(None) == [{"_id": 1, "n": 1}, {"_id": 2, "n": 2}]


async def test_other_operations_wait_for_an_open_transaction(rs: FakeReplicaSet) -> None:
    col = rs["db"]["c"]
    seen: list[int] = []

    async def reader() -> None:
        seen.append(await col.count_documents({}))

    async with await rs.start_session() as session:
        session.start_transaction()
        await col.insert_one({"_id": 1}, session=session)
        waiting = asyncio.create_task(reader())
        await asyncio.sleep(0.01)
        assert seen == []  # not the uncommitted document, not anything
        await col.insert_one({"_id": 2}, session=session)
        await session.commit_transaction()
    await waiting
    assert seen == [2]


async def test_an_operation_inside_a_transaction_without_its_session_is_refused(
    rs: FakeReplicaSet,
) -> None:
    col = rs["db"]["c"]
    async with await rs.start_session() as session:
        session.start_transaction()
        await col.insert_one({"_id": 1}, session=session)
        with pytest.raises(TransactionMisuse, match="without the transaction's session"):
            await col.insert_one({"_id": 2})
        async with await rs.start_session() as other:
            other.start_transaction()
            with pytest.raises(TransactionMisuse, match="inside another"):
                await col.insert_one({"_id": 3}, session=other)


async def test_a_transaction_that_outlives_its_lifetime_is_aborted() -> None:
    rs = FakeReplicaSet(transaction_lifetime=0.05)
    col = rs["db"]["c"]
    session = await rs.start_session()
    session.start_transaction()
    await col.insert_one({"_id": 1}, session=session)

    async def someone_else() -> int:
        return await col.count_documents({})

    assert await asyncio.create_task(someone_else()) == 0  # waited, then it was aborted
    with pytest.raises(OperationFailure) as caught:
        await col.insert_one({"_id": 2}, session=session)
    assert caught.value.code == 251 and caught.value.has_error_label("TransientTransactionError")
    await session.end_session()


async def test_motors_with_transaction_reruns_on_a_transient_error(rs: FakeReplicaSet) -> None:
    col = rs["db"]["c"]
    runs = 0
    await rs.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"times": 1},
            "data": {"failCommands": ["insert"], "closeConnection": True},
        }
    )

    async def work(session: object) -> None:
        nonlocal runs
        runs += 1
        await col.insert_one({"_id": runs}, session=session)

    async with await rs.start_session() as session:
        await session.with_transaction(work)
    assert runs == 2 and await col.find({}).to_list(None) == [{"_id": 2}]


async def test_motors_with_transaction_lets_a_failed_commit_escape(rs: FakeReplicaSet) -> None:
    """motor 3.7 commits inside ``async with start_transaction()``, before its retry loop:
    why the store runs its own loop (MongoBase._atomic). If motor fixes it, this fails."""
    col = rs["db"]["c"]
    await rs.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"times": 2},  # the driver's own retry of the commit takes one
            "data": {"failCommands": ["commitTransaction"], "closeConnection": True},
        }
    )

    async def work(session: object) -> None:
        await col.insert_one({"_id": 1}, session=session)

    async with await rs.start_session() as session:
        with pytest.raises(AutoReconnect) as caught:
            await session.with_transaction(work)
    assert caught.value.has_error_label("UnknownTransactionCommitResult")
    assert not caught.value.has_error_label("TransientTransactionError")


async def test_fail_points_and_the_drivers_retries(rs: FakeReplicaSet) -> None:
    col = rs["db"]["c"]

    async def fail(mode: object, **data: object) -> None:
        await rs.admin.command({"configureFailPoint": "failCommand", "mode": mode, "data": data})

    # A retryable write is tried once more by the driver: one failure is invisible.
    await fail({"times": 1}, failCommands=["insert"], closeConnection=True)
    await col.insert_one({"_id": 1})
    # Two are not, and the error says the write may be retried.
    await fail({"times": 2}, failCommands=["insert"], errorCode=189)
    with pytest.raises(OperationFailure) as caught:
        await col.insert_one({"_id": 2})
    assert caught.value.has_error_label("RetryableWriteError")
    # A multi-document write is never retried by the driver.
    await fail({"times": 1}, failCommands=["updateMany"], closeConnection=True)
    with pytest.raises(AutoReconnect):
        await col.update_many({}, {"$set": {"x": 1}})
    # Skip lets the first ones through, then stays on until turned off.
    await fail({"skip": 1}, failCommands=["find"], errorCode=2)
    await col.find({}).to_list(None)
    for _ in range(2):
        with pytest.raises(OperationFailure):
            await col.find({}).to_list(None)
    await rs.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert await col.find({}).to_list(None) == [{"_id": 1}]


async def test_documents_are_encoded_as_pymongo_encodes_them(rs: FakeReplicaSet) -> None:
    col = rs["db"]["c"]
    with pytest.raises(OverflowError):
        await col.insert_one({"_id": 1, "n": 2**70})
    with pytest.raises(DocumentTooLarge):
        await col.insert_one({"_id": 1, "text": "x" * (16 * 1024 * 1024)})
    with pytest.raises(OverflowError):
        await col.find({"n": 2**64}).to_list(None)
    assert await col.count_documents({}) == 0


async def test_indexes_clash_as_on_a_server(rs: FakeReplicaSet) -> None:
    col = rs["db"]["c"]
    await col.create_indexes([IndexModel([("a", 1)], name="by_a")])
    await col.create_indexes([IndexModel([("a", 1)], name="by_a")])  # the same again: fine
    with pytest.raises(OperationFailure) as caught:
        await col.create_indexes([IndexModel([("b", 1)], name="by_a")])
    assert caught.value.code == 86
    with pytest.raises(OperationFailure) as caught:
        await col.create_indexes([IndexModel([("a", 1)], name="other")])
    assert caught.value.code == 85
    with pytest.raises(OperationFailure) as caught:
        await col.drop_index("nope")
    assert caught.value.code == 27
    await col.create_indexes([IndexModel([("k", 1)], name="once", unique=True, sparse=True)])
    await col.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3, "k": "x"}])  # no k: not indexed
    with pytest.raises(DuplicateKeyError):
        await col.insert_one({"_id": 4, "k": "x"})


async def test_round_trips_are_counted_as_the_driver_batches(rs: FakeReplicaSet) -> None:
    col = rs["db"]["c"]
    await col.insert_many([{"_id": n} for n in range(150)])
    rs.commands.clear()
    assert len(await col.find({}).to_list(None)) == 150
    assert len(await col.find({}).limit(50).to_list(None)) == 50
    await col.bulk_write(
        [UpdateOne({"_id": n}, {"$set": {"x": 1}}) for n in range(3)] + [InsertOne({"_id": 999})],
        ordered=False,
    )
    assert await names(rs) == ["find", "getMore", "find", "insert", "update"]
