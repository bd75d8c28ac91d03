"""MongoDB's own behaviour: transactions, round trips, indexes, failures, migration.

Each test runs on the fake replica set and, when LINDA_TEST_MONGODB_URI is set, on a
real replica set (fail points there need --setParameter enableTestCommands=1).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from pymongo import ASCENDING, DESCENDING, IndexModel

from linda_tui.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    ClaimOutcome,
    Contact,
    ContactRef,
    Direction,
    Message,
    MessageStatus,
    NewRecipient,
    OptOut,
    RecipientStatus,
    SyncState,
    SyncStatus,
)
from linda_tui.store import StoreError
from linda_tui.store.base import StatusUpdate, TransientStoreError
from linda_tui.store.mongo import SCHEMA_VERSION, MongoStore
from linda_tui.store.mongo.fake_replica_set import FakeReplicaSet
from linda_tui.store.mongo.schema import INDEXES

from .conftest import MongoTarget, at

A, B, C = "+971501234561", "+971501234562", "+971501234563"


def phones(count: int, start: int = 0) -> list[str]:
    return [f"+9715012{n:05d}" for n in range(start, start + count)]


def contacts(count: int) -> list[Contact]:
    return [
        Contact(resource_name=f"people/c{n:05d}", etag=f"e{n}", names=[f"Name {n}"], phones=[p])
        for n, p in enumerate(phones(count))
    ]


def sent(bot_id: str, wa_id: str, minute: float = 0, peer: str = A) -> Message:
    return Message(
        bot_id=bot_id,
        direction=Direction.OUT,
        peer=peer,
        text="Hello",
        status=MessageStatus.SENT,
        created_at=at(minute),
        wa_id=wa_id,
    )


def inbound(wa_id: str | None, bot_id: str = "main", peer: str = B, minute: float = 1) -> Message:
    return Message(
        bot_id=bot_id,
        direction=Direction.IN,
        peer=peer,
        text="Is it available?",
        status=MessageStatus.RECEIVED,
        created_at=at(minute),
        wa_id=wa_id,
    )


def entry(action: str = "send") -> AuditEntry:
    return AuditEntry(action=action, os_user="ops", at=at(1), bot_id="main")


def round_trips(mongo: MongoTarget) -> Counter[str]:
    """The commands sent since the last clear, by name (sessions' own excluded)."""
    return Counter(mongo.commands.names())


# --- transactions: the branch every replica-set and Atlas user runs ---------------------


async def test_a_send_and_its_audit_entry_are_one_transaction(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    await mongo_store.add_message(sent("main", "W1"), audit=entry())
    assert round_trips(mongo) == {"insert": 2, "commitTransaction": 1}


async def test_an_audit_entry_stored_again_with_its_id_is_stored_once(
    mongo_store: MongoStore,
) -> None:
    """The fleet's writer gives each queued audit entry a text id: its retry after a
    lost reply (the insert landed) stores nothing more."""
    given = replace(entry("pair.success"), id="a1b2c3d4e5f6a1b2c3d4e5f6")
    first = await mongo_store.add_audit(given)
    again = await mongo_store.add_audit(given)
    assert first.id == again.id == given.id
    assert [a.action for a in await mongo_store.list_audit("main")] == ["pair.success"]
    await mongo_store.add_audit(entry("pair.success"))  # no id: a new entry each time
    assert len(await mongo_store.list_audit("main")) == 2


async def test_a_write_conflict_reruns_the_transaction_and_it_lands_once(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    # The message's insert loses a write conflict once: the server aborts the
    # transaction and with_transaction runs it again from the start.
    await mongo.fail_command(
        {"times": 1},
        failCommands=["insert"],
        errorCode=112,
        errorLabels=["TransientTransactionError"],
    )
    stored = await mongo_store.add_message(sent("main", "W1"), audit=entry())
    trips = round_trips(mongo)
    # The failed insert, then the message and the audit entry once, one commit.
    assert (trips["insert"], trips["commitTransaction"]) == (3, 1)
    assert await mongo_store.list_messages() == [stored]
    assert [e.action for e in await mongo_store.list_audit()] == ["send"]


async def test_a_commit_whose_result_is_unknown_is_retried_not_rerun(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    await mongo_store.upsert_contacts(contacts(3))
    mongo.commands.clear()
    # The connection drops on commit twice: the driver's own retry, then with_transaction's
    # (UnknownTransactionCommitResult) — the callback is not run again.
    await mongo.fail_command({"times": 2}, failCommands=["commitTransaction"], closeConnection=True)
    outcome = await mongo_store.apply_sync_page(
        [replace(c, etag="changed") for c in contacts(2)],
        ["people/c00002"],
        SyncState(sync_token="t1"),
    )
    assert (outcome.created, outcome.updated, outcome.deleted) == (0, 2, 1)
    assert round_trips(mongo)["commitTransaction"] == 3
    assert round_trips(mongo)["update"] == 2  # the page and the sync state, once each
    assert await mongo_store.count_contacts() == 2
    assert (await mongo_store.get_sync_state()).sync_token == "t1"


async def test_a_failure_inside_a_transaction_leaves_nothing_of_it(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    created = await mongo_store.create_campaign(
        Campaign(name="Offer", template="Hi", created_at=at(0), updated_at=at(0)),
        [NewRecipient(A, "Hi")],
    )
    assert created.id is not None
    await mongo_store.set_campaign_status(created.id, CampaignStatus.RUNNING, at(1))
    # A claim moves the recipient to sending, then inserts its message: that insert fails
    # for good, so the recipient's move must not survive either.
    await mongo.fail_command({"times": 1}, failCommands=["insert"], errorCode=2)
    with pytest.raises(StoreError, match="Failing command insert"):
        await mongo_store.claim_recipient(created.id, A, "main", at(2))
    (recipient,) = await mongo_store.list_recipients(created.id)
    assert recipient.status is RecipientStatus.PENDING and recipient.message_id is None
    assert await mongo_store.list_messages() == []
    claim = await mongo_store.claim_recipient(created.id, A, "main", at(3))
    assert claim.outcome is ClaimOutcome.CLAIMED


async def test_a_campaign_whose_recipients_fail_to_land_is_not_stored(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    # The campaign's insert goes through; the recipients' fails for good.
    await mongo.fail_command({"skip": 1}, failCommands=["insert"], errorCode=2)
    try:
        with pytest.raises(StoreError):
            await mongo_store.create_campaign(
                Campaign(name="Offer", template="Hi", created_at=at(0), updated_at=at(0)),
                [NewRecipient(p, "Hi") for p in phones(10)],
            )
    finally:
        await mongo.fail_command("off")
    assert await mongo_store.list_campaigns() == []
    assert await mongo_store._col("recipients").count_documents({}) == 0


async def test_the_same_inbound_message_from_two_writers_at_once_is_stored_once(
    mongo: MongoTarget,
) -> None:
    stores = [mongo.make() for _ in range(3)]
    for each in stores:
        await each.open()
    try:
        records = await asyncio.gather(*(s.record_inbound(inbound("DUP")) for s in stores))
        assert sorted(r.new for r in records) == [False, False, True]
        assert len({r.message.id for r in records}) == 1
        assert len(await stores[0].list_messages()) == 1
    finally:
        for each in stores:
            await each.close()


# --- round trips -----------------------------------------------------------------------------


async def test_a_page_of_1000_contacts_is_one_bulk_write(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    page = contacts(1000)
    await mongo_store.upsert_contacts(page)
    assert round_trips(mongo) == {"update": 1, "commitTransaction": 1}
    mongo.commands.clear()
    outcome = await mongo_store.apply_sync_page(page, [], None, generation="g1")
    assert outcome.created == 0
    # Read what is there (500 a query, each answered in one reply), write it once, commit.
    assert round_trips(mongo) == {"find": 2, "update": 1, "commitTransaction": 1}


async def test_a_burst_of_1000_receipts_is_one_read_and_one_write(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    await mongo_store._col("messages").insert_many(
        [
            {
                "_id": f"m{n}",
                "bot_id": "main" if n % 2 else "sales",
                "direction": "out",
                "peer": A,
                "text": "Hello",
                "status": "sent",
                "wa_id": f"W{n}",
                "error": None,
                "campaign_id": None,
                "created_at": at(0),
                "sent_at": at(0),
                "delivered_at": None,
                "read_at": None,
                "failed_at": None,
            }
            for n in range(1000)
        ]
    )
    mongo.commands.clear()
    bot = {n: "main" if n % 2 else "sales" for n in range(1000)}
    updates = [StatusUpdate(bot[n], f"W{n}", MessageStatus.DELIVERED, at(2)) for n in range(1000)]
    updates += [StatusUpdate("main", "W1", MessageStatus.READ, at(3))]
    updated = await mongo_store.update_message_statuses(updates)
    assert len(updated) == 1001
    assert (updated[1].status, updated[-1].status) == (MessageStatus.DELIVERED, MessageStatus.READ)
    trips = round_trips(mongo)
    assert trips == {"find": 2, "update": 1}  # 500 keys a query: not two per receipt
    w1 = await mongo_store.get_message("main", "W1")
    assert w1 is not None and (w1.status, w1.delivered_at, w1.read_at) == (
        MessageStatus.READ,
        at(2),
        at(3),
    )


async def test_batched_lookups_go_500_values_a_query(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    wanted = phones(1200)
    await mongo_store.upsert_contacts(
        [Contact(resource_name=f"people/{n}", phones=[wanted[n]]) for n in (3, 700, 1199)]
    )
    await mongo_store.add_opt_out(OptOut(phone=wanted[900], created_at=at(0)))
    await mongo_store.ensure_contact_ref(wanted[1100], "main", at(0))
    mongo.commands.clear()
    found = await mongo_store.find_contacts_by_phones(wanted)
    assert [p for p, cs in found.items() if cs] == [wanted[3], wanted[700], wanted[1199]]
    assert await mongo_store.opted_out_among(wanted) == {wanted[900]}
    assert await mongo_store.owners_of(wanted) == {wanted[1100]: "main"}
    assert round_trips(mongo) == {"find": 9}
    for event in mongo.commands.started_events:
        query = event.command["filter"]
        values = next(v["$in"] for v in query.values() if isinstance(v, dict) and "$in" in v)
        assert len(values) <= 500


async def test_receipts_that_lose_to_another_writer_are_applied_again() -> None:
    """Between the read and the bulk write, another process marks a message read: the
    compare-and-set loses, the receipt is applied again on what is stored."""
    fake = FakeReplicaSet()
    async with MongoStore("mongodb://localhost/linda", client=fake) as store:
        await store.add_message(sent("main", "W1"))
        await store.add_message(sent("main", "W2"))
        messages = fake._server["linda"]["messages"]

        class AnotherWriter:
            def started(self, event: Any) -> None:
                if event.command_name == "update" and event.command.get("update") == "messages":
                    fake.listeners.remove(self)
                    messages.update_one(
                        {"wa_id": "W1"}, {"$set": {"status": "read", "read_at": at(5)}}
                    )

        fake.listeners.append(AnotherWriter())
        updated = await store.update_message_statuses(
            [
                StatusUpdate("main", "W1", MessageStatus.DELIVERED, at(4)),
                StatusUpdate("main", "W2", MessageStatus.DELIVERED, at(4)),
            ]
        )
        w1, w2 = [await store.get_message("main", w) for w in ("W1", "W2")]
        assert w1 is not None and w2 is not None
        # Both changes survive: read (never undone by a late delivered) and its time,
        # and the delivery time.
        assert (w1.status, w1.read_at, w1.delivered_at) == (MessageStatus.READ, at(5), at(4))
        assert (w2.status, w2.delivered_at) == (MessageStatus.DELIVERED, at(4))
        assert updated == [w1, w2]


# --- indexes that serve every sort -------------------------------------------------------------


def _index_keys(collection: str) -> list[list[tuple[str, int]]]:
    keys = [[("_id", ASCENDING)]]
    keys += [list(model.document["key"].items()) for model in INDEXES[collection]]
    return keys


def _equality_fields(query: dict[str, Any]) -> set[str]:
    return {
        name
        for name, value in query.items()
        if not name.startswith("$")
        and not (isinstance(value, dict) and any(k.startswith("$") for k in value))
    }


def _serves(
    keys: list[tuple[str, int]], query: dict[str, Any], sort: list[tuple[str, int]]
) -> bool:
    """True when an index on keys answers query in sort order without sorting: its
    fields before the sort fields are all equality fields of the query (at least one,
    if the query has any), then come the sort fields, all in order or all reversed."""
    equal = _equality_fields(query)
    for prefix in range(len(keys) + 1):
        if not {name for name, _ in keys[:prefix]} <= equal:
            break
        if equal and prefix == 0:
            continue
        following = keys[prefix : prefix + len(sort)]
        if [name for name, _ in following] != [name for name, _ in sort]:
            continue
        same = all(d == s for (_, d), (_, s) in zip(following, sort, strict=True))
        flipped = all(d == -s for (_, d), (_, s) in zip(following, sort, strict=True))
        if same or flipped:
            return True
    return False


async def _every_listing(store: MongoStore) -> None:
    """Call every store method that reads a list or a newest/oldest record."""
    await store.upsert_contacts(contacts(5))
    await store.find_contacts_by_phone(phones(1)[0])
    await store.search_contacts("name")
    await store.list_contacts(after="people/c00001")
    await store.ensure_contact_ref(A, "main", at(0))
    await store.owner_of(A)
    for bot_id in (None, "main"):
        for status in (None, SyncStatus.PENDING):
            await store.list_contact_refs(bot_id, status)
    await store.add_message(sent("main", "W1"))
    await store.get_message("main", "W1")
    for bot_id in (None, "main"):
        for peer in (None, A):
            await store.list_messages(bot_id, peer)
        await store.last_outbound_to(bot_id, A, "Hello", at(-10))
    await store.update_message_status("main", "W1", MessageStatus.READ, at(2))
    await store.sent_times("main", at(-10))
    created = await store.create_campaign(
        Campaign(name="Offer", template="Hi", created_at=at(0), updated_at=at(0)),
        [NewRecipient(A, "Hi"), NewRecipient(B, "Hi")],
    )
    assert created.id is not None
    await store.set_campaign_status(created.id, CampaignStatus.RUNNING, at(1))
    claim = await store.claim_recipient(created.id, A, "main", at(2), repeat_since=at(-60))
    assert claim.message is not None and claim.message.id is not None
    await store.complete_recipient(created.id, A, claim.message.id, "W9", at(3))
    await store.list_campaigns()
    for status in (None, RecipientStatus.PENDING):
        await store.list_recipients(created.id, status, after_seq=0)
    await store.count_recipients(created.id)
    await store.mark_replied(A, at(4), at(-60))
    await store.add_opt_out(OptOut(phone=C, created_at=at(0)))
    await store.list_opt_outs()
    await store.add_audit(entry())
    await store.list_audit()
    await store.list_audit("main")


async def test_every_sorted_query_has_an_index_that_serves_its_sort(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    await _every_listing(mongo_store)
    finds = [e.command for e in mongo.commands.started_events if e.command_name == "find"]
    sorted_finds = [f for f in finds if f.get("sort")]
    assert len(sorted_finds) >= 20
    for find in sorted_finds:
        sort = list(find["sort"].items())
        keys = _index_keys(find["find"])
        assert any(_serves(k, dict(find.get("filter") or {}), sort) for k in keys), find
    if mongo.fake is not None:
        return
    # On a real server, ask the planner itself: no in-memory SORT, no collection scan.
    db = mongo_store._col("meta").database
    for find in finds:
        command = {k: find[k] for k in ("find", "filter", "sort", "limit") if k in find}
        plan = await db.command({"explain": command, "verbosity": "queryPlanner"})
        stages = _stages(plan["queryPlanner"]["winningPlan"])
        assert "SORT" not in stages and "COLLSCAN" not in stages, (command, stages)


def _stages(plan: Any) -> list[str]:
    if isinstance(plan, dict):
        found = [plan["stage"]] if isinstance(plan.get("stage"), str) else []
        return found + [s for value in plan.values() for s in _stages(value)]
    if isinstance(plan, list):
        return [s for value in plan for s in _stages(value)]
    return []


def test_the_index_rule_tells_a_served_sort_from_one_that_is_not() -> None:
    bot_time = [("bot_id", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)]
    newest = [("created_at", DESCENDING), ("_id", DESCENDING)]
    assert _serves(bot_time, {"bot_id": "main"}, newest)  # walked backwards
    assert not _serves(bot_time, {"peer": A}, newest)  # bot_id is not pinned
    assert not _serves(bot_time, {"bot_id": "main"}, [("created_at", -1), ("_id", 1)])
    assert not _serves([("created_at", 1), ("_id", 1)], {"bot_id": "main"}, newest)  # a scan
    assert _serves([("created_at", 1), ("_id", 1)], {"created_at": {"$gte": at(0)}}, newest)


# --- failures ----------------------------------------------------------------------------------


async def test_values_mongodb_cannot_hold_are_store_errors(mongo_store: MongoStore) -> None:
    huge = Campaign(name="Offer", template="Hi", skipped={"invalid": 2**70})
    with pytest.raises(StoreError, match="8 bytes") as caught:
        await mongo_store.create_campaign(huge, [NewRecipient(A, "Hi")])
    assert "\n" not in str(caught.value)
    too_long = replace(sent("main", "W1"), text="x" * (17 * 1024 * 1024))
    with pytest.raises(StoreError, match="16 MiB") as caught:
        await mongo_store.add_message(too_long)
    assert len(str(caught.value)) < 400
    assert await mongo_store.list_campaigns() == [] and await mongo_store.list_messages() == []


async def test_a_transient_failure_outside_a_transaction_is_a_transient_store_error(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    # The primary steps down twice in a row (the driver retries once by itself).
    await mongo.fail_command({"times": 2}, failCommands=["find"], errorCode=189)
    with pytest.raises(TransientStoreError, match="changing primary"):
        await mongo_store.list_messages()
    await mongo.fail_command({"times": 1}, failCommands=["find"], errorCode=189)
    assert await mongo_store.list_messages() == []  # the driver's own retry took it


async def test_opening_an_empty_database_from_two_processes_at_once(mongo: MongoTarget) -> None:
    stores = [mongo.make() for _ in range(3)]
    try:
        await asyncio.gather(*(s.open() for s in stores))
        assert {await s.schema_version() for s in stores} == {SCHEMA_VERSION}
    finally:
        for each in stores:
            await each.close()


# --- migration from schema version 1 -------------------------------------------------------------

V1_INDEXES: dict[str, list[IndexModel]] = {
    "contacts": [
        IndexModel([("phones", ASCENDING)], name="by_phone"),
        IndexModel([("deleted", ASCENDING), ("sort_key", ASCENDING)], name="in_order"),
    ],
    "contact_refs": [
        IndexModel([("phone", ASCENDING), ("bot_id", ASCENDING)], name="phone_bot", unique=True),
        IndexModel([("phone", ASCENDING), ("created_at", ASCENDING)], name="owner"),
        IndexModel(
            [("bot_id", ASCENDING), ("sync_status", ASCENDING), ("created_at", ASCENDING)],
            name="by_bot",
        ),
    ],
    "messages": [
        IndexModel([("bot_id", ASCENDING), ("wa_id", ASCENDING)], name="by_wa_id"),
        IndexModel(
            [("bot_id", ASCENDING), ("direction", ASCENDING), ("created_at", DESCENDING)],
            name="by_bot",
        ),
        IndexModel([("peer", ASCENDING), ("created_at", DESCENDING)], name="by_peer"),
        IndexModel([("created_at", DESCENDING)], name="by_time"),
    ],
    "campaigns": [IndexModel([("created_at", DESCENDING)], name="by_time")],
    "recipients": [
        IndexModel(
            [("campaign_id", ASCENDING), ("phone", ASCENDING)], name="campaign_phone", unique=True
        ),
        IndexModel(
            [("campaign_id", ASCENDING), ("status", ASCENDING), ("seq", ASCENDING)],
            name="in_order",
        ),
        IndexModel([("campaign_id", ASCENDING), ("seq", ASCENDING)], name="by_seq"),
        IndexModel([("phone", ASCENDING), ("sent_at", DESCENDING)], name="by_phone"),
        IndexModel([("status", ASCENDING)], name="by_status"),
    ],
    "opt_outs": [IndexModel([("created_at", DESCENDING)], name="by_time")],
    "audit": [
        IndexModel([("at", DESCENDING)], name="by_time"),
        IndexModel([("bot_id", ASCENDING), ("at", DESCENDING)], name="by_bot"),
    ],
}


def _v1_message(
    doc_id: str, wa_id: str | None, minute: float, direction: str = "in"
) -> dict[str, Any]:
    return {
        "_id": doc_id,
        "bot_id": "main",
        "direction": direction,
        "peer": B,
        "text": f"copy {doc_id}",
        "status": "received" if direction == "in" else "sent",
        "wa_id": wa_id,
        "error": None,
        "campaign_id": None,
        "created_at": at(minute),
        "sent_at": None,
        "delivered_at": None,
        "read_at": None,
        "failed_at": None,
    }


async def test_a_version_1_database_is_migrated_and_its_inbound_copies_folded(
    mongo: MongoTarget,
) -> None:
    store = mongo.make()
    client: Any = mongo.fake if mongo.fake is not None else mongo.admin
    db = client[mongo.database]
    for name, indexes in V1_INDEXES.items():
        await db[name].create_indexes(indexes)
    await db["meta"].insert_one({"_id": "schema", "version": 1})
    await db["messages"].insert_many(
        [
            _v1_message("a", "IN1", 1),
            _v1_message("b", "IN1", 2),  # delivered again: folded into "a"
            _v1_message("c", "IN1", 0.5, direction="out"),  # an outbound one: kept
            _v1_message("d", "IN2", 3),
            _v1_message("e", None, 4),
            _v1_message("f", None, 5),
        ]
    )
    async with store:
        assert await store.schema_version() == SCHEMA_VERSION
        kept = sorted(m.id for m in await store.list_messages())  # type: ignore[type-var]
        assert kept == ["a", "c", "d", "e", "f"]
        again = await store.record_inbound(inbound("IN1", minute=9))
        assert not again.new and again.message.id == "a"
        names = set(await db["messages"].index_information())
        assert {"by_wa_id_time", "inbound_once", "by_bot_time", "in_time"} <= names
        assert not names & {"by_wa_id", "by_bot", "by_peer", "by_time"}
    async with mongo.make() as reopened:  # a second open changes nothing
        assert len(await reopened.list_messages()) == 5


# --- the connection: opening bound, closing off the loop, the server kind ----------------------


def test_only_the_opening_is_bounded_and_writes_wait_for_a_majority() -> None:
    client = MongoStore("mongodb://db.example.com/linda")._new_client()
    try:
        # The driver's own 30 s for every operation after opening: an election (up to
        # about 12 s) is waited out, not turned into a failure after 3 s.
        assert client.options.server_selection_timeout == 30
        assert client.write_concern.document == {"w": "majority"}
        assert client.codec_options.tz_aware
    finally:
        client.close()
    chosen = MongoStore("mongodb://db.example.com/linda?w=1&appName=crm")._new_client()
    try:
        assert chosen.write_concern.document == {"w": 1}  # the URL's choice is kept
    finally:
        chosen.close()


async def test_closing_never_blocks_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeReplicaSet()
    fake.close_delay = 0.5  # pymongo ends its sessions first: with the server gone, it waits
    monkeypatch.setattr(MongoStore, "_new_client", lambda self: fake)
    store = MongoStore("mongodb://localhost/linda")
    await store.open()
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)
    await store.close()
    ticking.cancel()
    assert fake.closed
    assert max(gaps) < 0.25, max(gaps)


@pytest.mark.parametrize(
    ("server", "said"),
    [
        (FakeReplicaSet(set_name=None), "standalone server"),
        (FakeReplicaSet(max_wire_version=7), "older than 4.2"),
    ],
)
async def test_a_server_without_transactions_is_refused_with_the_fix(
    server: FakeReplicaSet, said: str
) -> None:
    store = MongoStore("mongodb://linda:s3cret@localhost:27017/linda", client=server)
    with pytest.raises(StoreError) as caught:
        await store.open()
    text = str(caught.value)
    assert said in text and "\n" not in text and "s3cret" not in text
    if said == "standalone server":
        assert "--replSet rs0" in text and "rs.initiate()" in text
        assert "?replicaSet=rs0" in text
    with pytest.raises(StoreError, match="not open"):
        await store.list_messages()


async def test_every_store_method_reports_failures_as_store_errors() -> None:
    import inspect

    from linda_tui.store.base import Store

    public = [
        name
        for name, value in inspect.getmembers(Store)
        if not name.startswith("_") and inspect.iscoroutinefunction(value)
    ]
    unwrapped = [
        name
        for name in public
        if name not in ("open", "close", "__aenter__", "__aexit__")
        and not getattr(getattr(MongoStore, name), "store_errors", False)
    ]
    assert unwrapped == []
    assert len(public) > 50


async def test_a_closed_connection_mid_use_is_transient_and_says_why(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    await mongo.fail_command({"times": 2}, failCommands=["find"], closeConnection=True)
    with pytest.raises(TransientStoreError) as caught:
        await mongo_store.get_contact("people/1")
    assert "connection closed" in str(caught.value)
    assert "IP access list" in str(caught.value)


async def test_record_refs_in_one_call_through_a_transaction(
    mongo: MongoTarget, mongo_store: MongoStore
) -> None:
    from linda_tui.store.base import ContactRefUpdate

    for phone in phones(150):
        await mongo_store.ensure_contact_ref(phone, "main", at(0))
    mongo.commands.clear()
    changed = await mongo_store.set_contact_ref_statuses(
        [ContactRefUpdate(p, "main", SyncStatus.SYNCED, at(1)) for p in phones(150)]
    )
    assert changed == 150
    assert round_trips(mongo) == {"update": 1, "commitTransaction": 1}
    assert await mongo_store.get_contact_ref(phones(1)[0], "main") == ContactRef(
        phone=phones(1)[0],
        bot_id="main",
        sync_status=SyncStatus.SYNCED,
        last_sync=at(1),
        created_at=at(0),
    )
