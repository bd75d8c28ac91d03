"""The Google sync's state, its pages, and leases, in MongoDB."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from linda_tui.models import Contact, Lease, SyncState
from linda_tui.store.base import StoreError, SyncPage, SyncPageOutcome
from linda_tui.store.mongo import documents as docs
from linda_tui.store.mongo.connection import Session
from linda_tui.store.mongo.contacts import ContactRecords
from linda_tui.store.mongo.documents import Document
from linda_tui.store.records import last_wins, store_time


class SyncRecords(ContactRecords):
    """sync_state (one document per Google account) and leases (one per name)."""

    async def get_sync_state(self, account: str = "default") -> SyncState:
        doc = await self._col("sync_state").find_one({"_id": account})
        return docs.sync_state(doc) if doc else SyncState(account=account)

    async def _save_sync_state(self, session: Session, state: SyncState) -> None:
        await self._col("sync_state").replace_one(
            {"_id": state.account}, docs.sync_state_doc(state), upsert=True, session=session
        )

    async def set_sync_state(self, state: SyncState) -> None:
        await self._save_sync_state(None, state)

    async def apply_sync_page(
        self,
        upserts: Sequence[Contact],
        deleted: Sequence[str],
        state: SyncState | None,
        *,
        generation: str | None = None,
    ) -> SyncPageOutcome:
        upserts = last_wins(upserts)

        async def work(session: Session) -> SyncPageOutcome:
            created, updated = await self._count_changes(session, upserts)
            if upserts:
                await self._write_contacts(session, upserts, generation)
            gone = await self._mark_deleted(session, deleted) if deleted else 0
            if state is not None:
                await self._save_sync_state(session, state)
            return SyncPageOutcome(created=created, updated=updated, deleted=gone)

        return await self._atomic(work)

    async def apply_sync_pages(
        self,
        pages: Sequence[SyncPage],
        state: SyncState | None,
        *,
        generation: str | None = None,
    ) -> list[SyncPageOutcome]:
        # A transaction a page, as Store's own does: declared here so that its failures,
        # like every method's here, come out as StoreErrors.
        return await super().apply_sync_pages(pages, state, generation=generation)

    async def finish_full_sync(self, generation: str, state: SyncState) -> int:
        async def work(session: Session) -> int:
            # $ne also matches contacts that carry no generation at all.
            result = await self._col("contacts").update_many(
                {"deleted": False, "sync_generation": {"$ne": generation}},
                {"$set": {"deleted": True}},
                session=session,
            )
            await self._save_sync_state(session, state)
            return int(result.modified_count)

        return await self._atomic(work)

    # --- leases -------------------------------------------------------------------------

    async def acquire_lease(
        self,
        name: str,
        holder: str,
        ttl: timedelta,
        now: datetime,
        *,
        take_over: str | None = None,
    ) -> Lease:
        now = store_time(now)
        free: list[Document] = [{"expires_at": {"$lte": now}}, {"holder": holder}]
        if take_over is not None:
            free.append({"holder": take_over})
        collection = self._col("leases")
        fields = {"holder": holder, "acquired_at": now, "expires_at": store_time(now + ttl)}
        for _ in range(3):
            try:
                # One atomic document update: the lease is taken only if it is free now;
                # when someone else holds it the upsert collides on _id instead.
                doc = await collection.find_one_and_update(
                    {"_id": name, "$or": free},
                    {"$set": fields},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                doc = await collection.find_one({"_id": name})
            if doc is not None:
                return docs.lease(doc)
            # Released between the two calls: try again.
        raise StoreError(f"the lease {name!r} kept changing hands; try again")

    async def renew_lease(
        self, name: str, holder: str, ttl: timedelta, now: datetime
    ) -> Lease | None:
        doc = await self._col("leases").find_one_and_update(
            {"_id": name, "holder": holder},
            {"$set": {"expires_at": store_time(now + ttl)}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else docs.lease(doc)

    async def release_lease(self, name: str, holder: str) -> bool:
        result = await self._col("leases").delete_one({"_id": name, "holder": holder})
        return bool(result.deleted_count > 0)

    async def get_lease(self, name: str) -> Lease | None:
        doc = await self._col("leases").find_one({"_id": name})
        return None if doc is None else docs.lease(doc)
