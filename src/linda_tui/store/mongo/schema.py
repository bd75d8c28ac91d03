"""The MongoDB store's collections, indexes and schema version, made on open.

Every listing sorts by time (or name, or sequence) then ``_id``, so every listing has
an index that ends that way after the fields it filters on by equality: MongoDB then
walks the index in order and stops at the limit, instead of sorting everything
matched in memory (which also fails past the server's sort-memory limit). The
contract tests check each query against these indexes, and with ``explain`` on a
real server.

Schema versions (kept in ``meta``):

1. every record type;
2. indexes that serve every sort; inbound messages stored once (``inbound_id``,
   unique where set). Opening a version-1 database folds copies of one inbound
   message into the first, fills ``inbound_id`` and swaps the old indexes.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import CollectionInvalid, DuplicateKeyError, OperationFailure

from linda_tui.store.base import StoreError

SCHEMA_VERSION = 2

NAMESPACE_EXISTS = 48  # a collection made by another process a moment ago
INDEX_NOT_FOUND = 27


def _index(name: str, *fields: str, **options: Any) -> IndexModel:
    """An index over fields; '-name' is descending."""
    keys = [(f[1:], DESCENDING) if f.startswith("-") else (f, ASCENDING) for f in fields]
    return IndexModel(keys, name=name, **options)


INDEXES: dict[str, list[IndexModel]] = {
    "contacts": [
        # find_contacts_by_phone: live contacts with a phone, by resource name.
        _index("by_phone_live", "phones", "deleted", "_id"),
        # search_contacts: live contacts in name order (the text is matched on the way).
        _index("by_name", "deleted", "sort_key", "_id"),
        # list_contacts, count_contacts, finish_full_sync: live contacts by resource name.
        _index("live_by_id", "deleted", "_id"),
    ],
    "contact_refs": [
        _index("phone_bot", "phone", "bot_id", unique=True),
        # owner_of: a phone's oldest reference.
        _index("owner_in_order", "phone", "created_at", "_id"),
        # list_contact_refs, oldest first: by bot and status, bot, status, or all.
        _index("by_bot_status", "bot_id", "sync_status", "created_at", "_id"),
        _index("by_bot_time", "bot_id", "created_at", "_id"),
        _index("by_status_time", "sync_status", "created_at", "_id"),
        _index("in_time", "created_at", "_id"),
    ],
    "messages": [
        # Receipts and get_message: the bot's message with a WhatsApp id, newest first.
        _index("by_wa_id_time", "bot_id", "wa_id", "created_at", "_id"),
        # record_inbound: an inbound message once per (bot, WhatsApp id). Sparse, and
        # only inbound messages with an id carry the field (documents.message_doc).
        _index("inbound_once", "inbound_id", unique=True, sparse=True),
        # list_messages by bot (and sent_times); by peer (with or without a bot, and the
        # 24 h repeat check); the whole fleet (and the daily counts).
        _index("by_bot_time", "bot_id", "created_at", "_id"),
        _index("by_peer_time", "peer", "created_at", "_id"),
        _index("in_time", "created_at", "_id"),
    ],
    "campaigns": [_index("in_time", "created_at", "_id")],
    "recipients": [
        _index("campaign_phone", "campaign_id", "phone", unique=True),
        # list_recipients in sending order, with and without a status.
        _index("in_order", "campaign_id", "status", "seq"),
        _index("by_seq", "campaign_id", "seq"),
        # mark_replied: the newest recipient sent to a phone.
        _index("by_phone_sent", "phone", "sent_at", "_id"),
        # mark_in_flight_uncertain: recipients still sending.
        _index("by_status", "status"),
    ],
    # list_opt_outs: newest first, then by phone.
    "opt_outs": [_index("newest_first", "-created_at", "_id")],
    "audit": [
        _index("in_time", "at", "_id"),
        _index("by_bot_time", "bot_id", "at", "_id"),
        # last_audit_at: a bot's newest entry of one kind (its last pairing).
        _index("by_bot_action_time", "bot_id", "action", "at", "_id"),
    ],
    "sync_state": [],
    "leases": [],
    "meta": [],
}

# Indexes of schema version 1 that version 2 replaced (by collection).
OBSOLETE_INDEXES: dict[str, tuple[str, ...]] = {
    "contacts": ("by_phone", "in_order"),
    "contact_refs": ("owner", "by_bot"),
    "messages": ("by_wa_id", "by_bot", "by_peer", "by_time"),
    "campaigns": ("by_time",),
    "recipients": ("by_phone",),
    "opt_outs": ("by_time",),
    "audit": ("by_time", "by_bot"),
}


async def prepare(db: Any, where: str) -> None:
    """Make the collections and indexes, migrating an older database first. Safe when
    several processes open the same empty or old database at once. Raises StoreError
    for a database written by a newer Linda."""
    meta = await db["meta"].find_one({"_id": "schema"})
    version = int(meta["version"]) if meta else 0
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"MongoDB database {db.name!r} at {where} was written by a newer Linda (schema "
            f"version {version}, this Linda knows up to {SCHEMA_VERSION}); upgrade Linda"
        )
    # Collections are made up front: older servers cannot create one inside a transaction.
    existing = set(await db.list_collection_names())
    for name in INDEXES:
        if name not in existing:
            await _create_collection(db, name)
    if 1 <= version < 2:
        await _migrate_to_2(db)
    for name, indexes in INDEXES.items():
        if indexes:
            await db[name].create_indexes(indexes)
    if version < SCHEMA_VERSION:
        try:
            await db["meta"].update_one(
                {"_id": "schema", "version": {"$lt": SCHEMA_VERSION}},
                {"$set": {"version": SCHEMA_VERSION}},
                upsert=True,
            )
        except DuplicateKeyError:
            pass  # another Linda opening the database set it first


async def _create_collection(db: Any, name: str) -> None:
    try:
        await db.create_collection(name)
    except CollectionInvalid:
        pass  # it exists after all (pymongo looked first)
    except OperationFailure as exc:
        if exc.code != NAMESPACE_EXISTS:
            raise


async def _migrate_to_2(db: Any) -> None:
    """Version 1 to 2: drop the indexes version 2 replaces; keep one copy of each inbound
    message (the first stored) and give it its ``inbound_id``. Every step is idempotent,
    so two Lindas migrating at once, or one killed midway, leave a correct database."""
    for name, obsolete in OBSOLETE_INDEXES.items():
        for index in obsolete:
            try:
                await db[name].drop_index(index)
            except OperationFailure as exc:
                if exc.code != INDEX_NOT_FOUND and "index not found" not in str(exc).lower():
                    raise
    messages = db["messages"]
    inbound = {"direction": "in", "wa_id": {"$type": "string"}}
    copies = messages.aggregate(
        [
            {"$match": inbound},
            {"$sort": {"created_at": 1, "_id": 1}},
            {
                "$group": {
                    "_id": {"bot": "$bot_id", "wa": "$wa_id"},
                    "ids": {"$push": "$_id"},
                    "copies": {"$sum": 1},
                }
            },
            {"$match": {"copies": {"$gt": 1}}},
        ],
        allowDiskUse=True,
    )
    extra = [doc_id for group in await copies.to_list(None) for doc_id in group["ids"][1:]]
    for start in range(0, len(extra), 500):
        await messages.delete_many({"_id": {"$in": extra[start : start + 500]}})
    await messages.update_many(
        {**inbound, "inbound_id": {"$exists": False}},
        [{"$set": {"inbound_id": {"$concat": ["$bot_id", "/", "$wa_id"]}}}],
    )
