"""Contacts (the Google cache) and contact references in MongoDB."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ReplaceOne, UpdateOne
from pymongo.errors import DuplicateKeyError

from linda_tui.models import Contact, ContactRef, SyncStatus, utcnow
from linda_tui.store.base import ContactRefUpdate
from linda_tui.store.mongo import documents as docs
from linda_tui.store.mongo.connection import FIRST_REPLY, MongoBase, Session, in_chunks
from linda_tui.store.mongo.documents import Document
from linda_tui.store.records import last_wins, store_time, unique_in_order


async def ensure_ref(
    refs: Any, session: Session, phone: str, bot_id: str, at: datetime
) -> tuple[ContactRef, bool]:
    """The reference for (phone, bot_id) in the contact_refs collection, created pending
    at ``at`` if missing: (ref, created). One upsert, then a read only if it existed."""
    ref = ContactRef(phone=phone, bot_id=bot_id, created_at=store_time(at))
    key = {"phone": phone, "bot_id": bot_id}
    try:
        result = await refs.update_one(
            key,
            {"$setOnInsert": {"_id": docs.new_id(), **docs.ref_fields(ref)}},
            upsert=True,
            session=session,
        )
    except DuplicateKeyError:
        if session is not None:
            raise  # the transaction is over on the server: its caller runs it again
        # another writer created it a moment ago: read theirs below
    else:
        if result.upserted_id is not None:
            return ref, True
    doc = await refs.find_one(key, session=session)
    assert doc is not None
    return docs.ref(doc), False


class ContactRecords(MongoBase):
    """Contacts by resource name, and who owns each phone (contact references)."""

    # --- contacts ----------------------------------------------------------------------

    async def _write_contacts(
        self, session: Session, contacts: Sequence[Contact], generation: str | None = None
    ) -> None:
        # One unordered bulk write for the page: inside a transaction, one replace per
        # contact one after another would outlast the 60 s transaction limit remotely.
        requests = [
            ReplaceOne({"_id": c.resource_name}, docs.contact_doc(c, generation), upsert=True)
            for c in contacts
        ]
        await self._bulk("contacts", requests, session)

    async def _count_changes(
        self, session: Session, contacts: Sequence[Contact]
    ) -> tuple[int, int]:
        """(created, updated) that writing these contacts will make: see SyncPageOutcome."""
        before: dict[str, Document] = {}
        for chunk in in_chunks([c.resource_name for c in contacts]):
            cursor = (
                self._col("contacts")
                .find({"_id": {"$in": chunk}}, {"etag": 1, "deleted": 1}, session=session)
                .batch_size(FIRST_REPLY)
            )
            before.update({doc["_id"]: doc for doc in await cursor.to_list(None)})
        created = updated = 0
        for contact in contacts:
            previous = before.get(contact.resource_name)
            if previous is None or previous.get("deleted", False):
                created += 1
            elif previous.get("etag", "") != contact.etag:
                updated += 1
        return created, updated

    async def _mark_deleted(self, session: Session, resource_names: Sequence[str]) -> int:
        gone = 0
        for chunk in in_chunks(unique_in_order(resource_names)):
            result = await self._col("contacts").update_many(
                {"_id": {"$in": chunk}, "deleted": False},
                {"$set": {"deleted": True}},
                session=session,
            )
            gone += int(result.modified_count)
        return gone

    async def upsert_contacts(self, contacts: Sequence[Contact]) -> int:
        contacts = last_wins(contacts)
        if contacts:
            await self._atomic(lambda session: self._write_contacts(session, contacts))
        return len(contacts)

    async def get_contact(self, resource_name: str) -> Contact | None:
        doc = await self._col("contacts").find_one({"_id": resource_name})
        return docs.contact(doc) if doc else None

    async def find_contacts_by_phone(self, phone: str) -> list[Contact]:
        cursor = self._col("contacts").find({"phones": phone, "deleted": False}).sort("_id", 1)
        return [docs.contact(doc) for doc in await cursor.to_list(None)]

    async def find_contacts_by_phones(self, phones: Sequence[str]) -> dict[str, list[Contact]]:
        wanted = unique_in_order(phones)
        found: dict[str, list[Contact]] = {phone: [] for phone in wanted}
        seen: dict[str, Contact] = {}
        for chunk in in_chunks(wanted):
            # No server sort: a $in over hundreds of phones cannot walk an index in _id
            # order, and each phone's few contacts are put in order here instead.
            cursor = (
                self._col("contacts")
                .find({"phones": {"$in": chunk}, "deleted": False})
                .batch_size(FIRST_REPLY)
            )
            for doc in await cursor.to_list(None):
                seen.setdefault(doc["_id"], docs.contact(doc))
        for contact in sorted(seen.values(), key=lambda c: c.resource_name):
            for phone in unique_in_order(contact.phones):
                if phone in found:
                    found[phone].append(contact)
        return found

    async def search_contacts(self, query: str, limit: int = 50) -> list[Contact]:
        if limit <= 0:
            return []
        # search_text is lowercased on write, the query here: a plain escaped
        # substring match, the same rule the SQLite store applies.
        cursor = (
            self._col("contacts")
            .find({"deleted": False, "search_text": {"$regex": re.escape(query.strip().lower())}})
            .sort([("sort_key", 1), ("_id", 1)])
            .limit(limit)
        )
        return [docs.contact(doc) for doc in await cursor.to_list(None)]

    async def list_contacts(self, after: str | None = None, limit: int = 1000) -> list[Contact]:
        if limit <= 0:
            return []
        query: Document = {"deleted": False}
        if after is not None:
            query["_id"] = {"$gt": after}
        cursor = self._col("contacts").find(query).sort([("_id", 1)]).limit(limit)
        cursor = cursor.batch_size(min(limit, FIRST_REPLY))
        return [docs.contact(doc) for doc in await cursor.to_list(None)]

    async def count_contacts(self, include_deleted: bool = False) -> int:
        query: Document = {} if include_deleted else {"deleted": False}
        return int(await self._col("contacts").count_documents(query))

    async def mark_contacts_deleted(self, resource_names: Sequence[str]) -> int:
        if not resource_names:
            return 0
        names = list(resource_names)
        return await self._atomic(lambda session: self._mark_deleted(session, names))

    # --- contact references ------------------------------------------------------------

    async def upsert_contact_ref(self, ref: ContactRef) -> None:
        await self._col("contact_refs").update_one(
            {"phone": ref.phone, "bot_id": ref.bot_id},
            {"$set": docs.ref_fields(ref), "$setOnInsert": {"_id": docs.new_id()}},
            upsert=True,
        )

    async def ensure_contact_ref(
        self, phone: str, bot_id: str, at: datetime | None = None
    ) -> tuple[ContactRef, bool]:
        return await ensure_ref(self._col("contact_refs"), None, phone, bot_id, at or utcnow())

    async def owner_of(self, phone: str) -> ContactRef | None:
        cursor = (
            self._col("contact_refs")
            .find({"phone": phone})
            .sort([("created_at", 1), ("_id", 1)])
            .limit(1)
        )
        found = await cursor.to_list(None)
        return docs.ref(found[0]) if found else None

    async def owners_of(self, phones: Sequence[str]) -> dict[str, str]:
        oldest: dict[str, tuple[Any, Any, str]] = {}
        for chunk in in_chunks(unique_in_order(list(phones))):
            cursor = (
                self._col("contact_refs")
                .find({"phone": {"$in": chunk}}, {"phone": 1, "bot_id": 1, "created_at": 1})
                .batch_size(FIRST_REPLY)
            )
            for doc in await cursor.to_list(None):
                candidate = (docs.required_utc(doc["created_at"]), doc["_id"], doc["bot_id"])
                known = oldest.get(doc["phone"])
                if known is None or candidate[:2] < known[:2]:
                    oldest[doc["phone"]] = candidate
        return {phone: bot_id for phone, (_at, _id, bot_id) in oldest.items()}

    async def get_contact_ref(self, phone: str, bot_id: str) -> ContactRef | None:
        doc = await self._col("contact_refs").find_one({"phone": phone, "bot_id": bot_id})
        return docs.ref(doc) if doc else None

    async def list_contact_refs(
        self, bot_id: str | None, status: SyncStatus | None = None, limit: int = 1000
    ) -> list[ContactRef]:
        if limit <= 0:
            return []
        query: Document = {} if bot_id is None else {"bot_id": bot_id}
        if status is not None:
            query["sync_status"] = str(status)
        cursor = (
            self._col("contact_refs").find(query).sort([("created_at", 1), ("_id", 1)]).limit(limit)
        )
        return [docs.ref(doc) for doc in await cursor.to_list(None)]

    @staticmethod
    def _ref_status_change(u: ContactRefUpdate) -> tuple[Document, Document]:
        """(filter, update) that gives one reference its new sync status."""
        changes: Document = {
            "sync_status": str(u.status),
            "last_sync": store_time(u.at),
            "error": u.error,
        }
        if u.resource_name is not None:
            changes["resource_name"] = u.resource_name
        return {"phone": u.phone, "bot_id": u.bot_id}, {"$set": changes}

    async def set_contact_ref_status(
        self,
        phone: str,
        bot_id: str,
        status: SyncStatus,
        at: datetime,
        resource_name: str | None = None,
        error: str | None = None,
    ) -> bool:
        update = ContactRefUpdate(phone, bot_id, status, at, resource_name, error)
        result = await self._col("contact_refs").update_one(*self._ref_status_change(update))
        return bool(result.matched_count > 0)

    async def set_contact_ref_statuses(self, updates: Sequence[ContactRefUpdate]) -> int:
        if not updates:
            return 0
        # In the order given (a reference named twice ends as its last update says).
        requests = [UpdateOne(*self._ref_status_change(u)) for u in updates]

        async def work(session: Session) -> int:
            result = await self._bulk("contact_refs", requests, session, ordered=True)
            return int(result.matched_count)

        return await self._atomic(work)
