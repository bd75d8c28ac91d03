"""Opt-outs and the audit trail in MongoDB."""

from __future__ import annotations

from datetime import datetime

from pymongo.errors import DuplicateKeyError

from linda_tui.models import AuditEntry, OptOut
from linda_tui.store.mongo import documents as docs
from linda_tui.store.mongo.connection import MongoBase
from linda_tui.store.mongo.documents import Document
from linda_tui.store.records import store_time


class TrailRecords(MongoBase):
    """Who asked not to be messaged (opt_outs, by phone), and who did what (audit)."""

    # --- opt-outs -----------------------------------------------------------------------

    async def add_opt_out(self, opt_out: OptOut) -> bool:
        try:
            await self._col("opt_outs").insert_one(
                {
                    "_id": opt_out.phone,
                    "reason": opt_out.reason,
                    "bot_id": opt_out.bot_id,
                    "created_at": store_time(opt_out.created_at),
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def remove_opt_out(self, phone: str) -> bool:
        result = await self._col("opt_outs").delete_one({"_id": phone})
        return bool(result.deleted_count > 0)

    async def is_opted_out(self, phone: str) -> bool:
        return await self._col("opt_outs").find_one({"_id": phone}, {"_id": 1}) is not None

    async def get_opt_out(self, phone: str) -> OptOut | None:
        doc = await self._col("opt_outs").find_one({"_id": phone})
        return docs.opt_out(doc) if doc is not None else None

    async def list_opt_outs(self, limit: int = 1000) -> list[OptOut]:
        if limit <= 0:
            return []
        cursor = self._col("opt_outs").find({}).sort([("created_at", -1), ("_id", 1)]).limit(limit)
        return [docs.opt_out(doc) for doc in await cursor.to_list(None)]

    # --- audit trail --------------------------------------------------------------------

    async def add_audit(self, entry: AuditEntry) -> AuditEntry:
        entry = docs.audit_entry(entry)
        try:
            await self._col("audit").insert_one(docs.audit_doc(entry))
        except DuplicateKeyError:
            # Stored already: a retry of a write whose reply was lost (its id is the
            # caller's, the same on every try).
            pass
        return entry

    async def list_audit(self, bot_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        if limit <= 0:
            return []
        query: Document = {} if bot_id is None else {"bot_id": bot_id}
        cursor = self._col("audit").find(query).sort([("at", -1), ("_id", -1)]).limit(limit)
        return [docs.audit(doc) for doc in await cursor.to_list(None)]

    async def last_audit_at(self, bot_id: str, action: str) -> datetime | None:
        cursor = (
            self._col("audit")
            .find({"bot_id": bot_id, "action": action}, {"at": 1})
            .sort([("at", -1), ("_id", -1)])
            .limit(1)
        )
        found = await cursor.to_list(None)
        return docs.required_utc(found[0]["at"]) if found else None
