"""Messages in MongoDB: sends, inbound messages, receipts, listings and counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from linda_tui.models import AuditEntry, Direction, Message, MessageStatus
from linda_tui.store.base import InboundRecord, StatusUpdate, StoreError
from linda_tui.store.mongo import documents as docs
from linda_tui.store.mongo.connection import FIRST_REPLY, IN_CHUNK, MongoBase, Session
from linda_tui.store.mongo.contacts import ensure_ref
from linda_tui.store.mongo.documents import Document
from linda_tui.store.records import advance_status, normalised_message, store_time

# Fields a receipt may change: the compare-and-set compares exactly these.
_RECEIPT_FIELDS = ("status", "sent_at", "delivered_at", "read_at", "failed_at", "error")
_CAS_ATTEMPTS = 10

MessageKey = tuple[str, str]  # (bot id, WhatsApp id)


def _receipt_write(doc: Document, before: Message, after: Message) -> UpdateOne | None:
    """The compare-and-set that takes the stored doc from before to after: it matches
    only while every field it changes still holds what was read."""
    changes: Document = {}
    expected: Document = {"_id": doc["_id"]}
    for name in _RECEIPT_FIELDS:
        new, old = getattr(after, name), getattr(before, name)
        if new != old:
            changes[name] = str(new) if name == "status" else new
            expected[name] = doc.get(name)
    return UpdateOne(expected, {"$set": changes}) if changes else None


class MessageRecords(MongoBase):
    """The messages collection."""

    async def add_message(self, message: Message, audit: AuditEntry | None = None) -> Message:
        message = replace(normalised_message(message), id=docs.new_id())
        document = docs.message_doc(message, str(message.id))
        if audit is None:
            await self._col("messages").insert_one(document)
            return message
        entry = docs.audit_doc(docs.audit_entry(audit))

        async def work(session: Session) -> None:
            await self._col("messages").insert_one(dict(document), session=session)
            await self._col("audit").insert_one(dict(entry), session=session)

        await self._atomic(work)
        return message

    async def finish_send(self, message: Message, audit: AuditEntry | None = None) -> Message:
        message = normalised_message(message)
        key = docs.id_text(message.id)
        entry = docs.audit_doc(docs.audit_entry(audit)) if audit is not None else None
        changes = {
            "status": str(message.status),
            "wa_id": message.wa_id,
            "sent_at": message.sent_at,
            "failed_at": message.failed_at,
            "error": message.error,
        }

        async def work(session: Session) -> int:
            result = await self._col("messages").update_one(
                {"_id": key}, {"$set": changes}, session=session
            )
            # Only when this call changed it: a retry of a finish whose reply was lost
            # finds the outcome there already, and its audit entry with it.
            if result.modified_count and entry is not None:
                await self._col("audit").insert_one(dict(entry), session=session)
            return int(result.matched_count)

        if not await self._atomic(work):
            raise StoreError(f"no message {key} in {self._where} to record the send's outcome on")
        return message

    async def record_inbound(self, message: Message) -> InboundRecord:
        if message.direction != Direction.IN:
            raise ValueError("record_inbound takes inbound messages; use add_message for outbound")
        message = replace(normalised_message(message), id=docs.new_id())
        document = docs.message_doc(message, str(message.id))
        messages, refs = self._col("messages"), self._col("contact_refs")

        async def work(session: Session) -> InboundRecord:
            stored = None
            if message.wa_id is not None:
                key = docs.inbound_id(message.bot_id, message.wa_id)
                stored = await messages.find_one({"inbound_id": key}, session=session)
            ref, created = await ensure_ref(
                refs, session, message.peer, message.bot_id, message.created_at
            )
            if stored is not None:
                return InboundRecord(docs.message(stored), ref, created, False)
            await messages.insert_one(dict(document), session=session)
            return InboundRecord(message, ref, created, True)

        try:
            return await self._atomic(work)
        except DuplicateKeyError:
            # Another process stored this very message after our transaction began:
            # theirs is the one; the second run finds it.
            return await self._atomic(work)

    # --- receipts -----------------------------------------------------------------------

    async def update_message_status(
        self,
        bot_id: str,
        wa_id: str,
        status: MessageStatus,
        at: datetime,
        error: str | None = None,
    ) -> Message | None:
        found = await self.update_message_statuses([StatusUpdate(bot_id, wa_id, status, at, error)])
        return found[0] if found else None

    async def update_message_statuses(self, updates: Sequence[StatusUpdate]) -> list[Message]:
        """One read of every message the receipts name, then one bulk write of
        compare-and-set updates (each matches only if its message is as it was read);
        when some lost to another writer, their receipts are applied again on what is
        stored then. A burst of 1,000 receipts costs two round trips, not 2,000."""
        updates = list(updates)
        by_key: dict[MessageKey, list[int]] = {}
        for index, u in enumerate(updates):
            by_key.setdefault((u.bot_id, u.wa_id), []).append(index)
        after: list[Message | None] = [None] * len(updates)
        keys = list(by_key)
        for _ in range(_CAS_ATTEMPTS):
            if not keys:
                break
            stored = await self._newest_messages(keys)
            writes: list[tuple[MessageKey, UpdateOne]] = []
            for key in keys:
                doc = stored.get(key)
                if doc is None:
                    continue  # no such message (yet): the caller may keep the receipt
                before = current = docs.message(doc)
                for index in by_key[key]:
                    u = updates[index]
                    current = advance_status(current, u.status, u.at, u.error) or current
                    after[index] = current
                write = _receipt_write(doc, before, current)
                if write is not None:
                    writes.append((key, write))
            if not writes:
                break
            result = await self._bulk("messages", [w for _, w in writes])
            if result.matched_count == len(writes):
                break
            # Some message changed between the read and the write (the result does not
            # say which): read those again; receipts already applied change nothing.
            keys = [key for key, _ in writes]
        else:
            raise StoreError(
                f"{len(keys)} messages kept changing under a burst of receipts; try again"
            )
        return [m for m in after if m is not None]

    async def _newest_messages(self, keys: Sequence[MessageKey]) -> dict[MessageKey, Document]:
        """The newest message of each (bot, WhatsApp id), in one query per IN_CHUNK keys."""
        newest: dict[MessageKey, Document] = {}
        for start in range(0, len(keys), IN_CHUNK):
            by_bot: dict[str, list[str]] = {}
            for bot_id, wa_id in keys[start : start + IN_CHUNK]:
                by_bot.setdefault(bot_id, []).append(wa_id)
            clauses = [{"bot_id": b, "wa_id": {"$in": ids}} for b, ids in by_bot.items()]
            query = clauses[0] if len(clauses) == 1 else {"$or": clauses}
            cursor = self._col("messages").find(query).batch_size(FIRST_REPLY)
            for doc in await cursor.to_list(None):
                key = (doc["bot_id"], doc["wa_id"])
                known = newest.get(key)
                if known is None or _age(doc) > _age(known):
                    newest[key] = doc
        return newest

    # --- reads --------------------------------------------------------------------------

    async def get_message(self, bot_id: str, wa_id: str) -> Message | None:
        doc = await self._col("messages").find_one(
            {"bot_id": bot_id, "wa_id": wa_id}, sort=[("created_at", -1), ("_id", -1)]
        )
        return docs.message(doc) if doc else None

    async def list_messages(
        self, bot_id: str | None = None, peer: str | None = None, limit: int = 100
    ) -> list[Message]:
        if limit <= 0:
            return []
        query: Document = {}
        if bot_id is not None:
            query["bot_id"] = bot_id
        if peer is not None:
            query["peer"] = peer
        cursor = (
            self._col("messages").find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        )
        return [docs.message(doc) for doc in await cursor.to_list(None)]

    async def message_counts(self, since: datetime) -> dict[tuple[str, Direction], int]:
        cursor = self._col("messages").aggregate(
            [
                {
                    "$match": {
                        "created_at": {"$gte": store_time(since)},
                        "status": {"$ne": str(MessageStatus.FAILED)},
                    }
                },
                {
                    "$group": {
                        "_id": {"bot_id": "$bot_id", "direction": "$direction"},
                        "count": {"$sum": 1},
                    }
                },
            ]
        )
        return {
            (row["_id"]["bot_id"], Direction(row["_id"]["direction"])): int(row["count"])
            for row in await cursor.to_list(None)
        }

    async def last_outbound_to(
        self, bot_id: str | None, peer: str, text: str, since: datetime
    ) -> Message | None:
        query: Document = {
            "peer": peer,
            "direction": str(Direction.OUT),
            "text": text,
            "created_at": {"$gte": store_time(since)},
        }
        if bot_id is not None:
            query["bot_id"] = bot_id
        doc = await self._col("messages").find_one(query, sort=[("created_at", -1), ("_id", -1)])
        return docs.message(doc) if doc else None


def _age(doc: Document) -> tuple[Any, Any]:
    return docs.required_utc(doc["created_at"]), doc["_id"]
