"""Broadcasts in MongoDB: campaigns, their recipients, and the queries pacing uses.

Every write that touches several documents (a claim, a completion, a release, the
operator's decision about uncertain recipients) is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from pymongo import UpdateOne

from linda_tui.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    Claim,
    ClaimOutcome,
    Direction,
    Message,
    MessageStatus,
    NewRecipient,
    Recipient,
    RecipientStatus,
    UncertainAction,
)
from linda_tui.store.mongo import documents as docs
from linda_tui.store.mongo.connection import FIRST_REPLY, MongoBase, Session, in_chunks
from linda_tui.store.mongo.documents import Document
from linda_tui.store.records import (
    CANCELLED_REASON,
    IN_FLIGHT_REASON,
    MARKED_SENT_REASON,
    OPTED_OUT_REASON,
    REPEAT_REASON,
    RESENT_ERROR,
    allowed_from,
    first_of_each_phone,
    optional_store_time,
    recipient_state,
    store_time,
    stored_statuses_for,
    unique_in_order,
)

_LIST_PAGE = 1000


class BroadcastRecords(MongoBase):
    """The campaigns and recipients collections."""

    async def create_campaign(
        self, campaign: Campaign, recipients: Sequence[NewRecipient]
    ) -> Campaign:
        campaign = replace(
            campaign,
            id=docs.new_id(),
            created_at=store_time(campaign.created_at),
            updated_at=store_time(campaign.updated_at),
            start_at=optional_store_time(campaign.start_at),
        )
        pending, skipped = str(RecipientStatus.PENDING), str(RecipientStatus.SKIPPED)
        recipient_docs = [
            {
                "_id": docs.new_id(),
                "campaign_id": campaign.id,
                "phone": r.phone,
                "seq": seq,
                "status": pending if r.skip_reason is None else skipped,
                "text": r.text,
                "preferred_bot": r.preferred_bot,
                "bot_id": None,
                "message_id": None,
                "wa_id": None,
                "reason": r.skip_reason,
                "claimed_at": None,
                "sent_at": None,
                "failed_at": None,
                "replied_at": None,
                "updated_at": campaign.created_at,
            }
            for seq, r in enumerate(first_of_each_phone(recipients))
        ]
        campaign_document = docs.campaign_doc(campaign)

        async def work(session: Session) -> None:
            await self._col("campaigns").insert_one(dict(campaign_document), session=session)
            if recipient_docs:
                # Copies: a rerun of the transaction inserts the same ids afresh.
                await self._col("recipients").insert_many(
                    [dict(d) for d in recipient_docs], ordered=False, session=session
                )

        await self._atomic(work)
        return campaign

    async def get_campaign(self, campaign_id: int | str) -> Campaign | None:
        doc = await self._col("campaigns").find_one({"_id": str(campaign_id)})
        return docs.campaign(doc) if doc else None

    async def list_campaigns(self, limit: int = 100) -> list[Campaign]:
        if limit <= 0:
            return []
        cursor = (
            self._col("campaigns").find({}).sort([("created_at", -1), ("_id", -1)]).limit(limit)
        )
        return [docs.campaign(doc) for doc in await cursor.to_list(None)]

    async def set_campaign_status(
        self, campaign_id: int | str, status: CampaignStatus, at: datetime
    ) -> Campaign | None:
        collection = self._col("campaigns")
        sources = [s for s in allowed_from(status) if s != status]
        # One conditional update: the move happens only from a status that allows it.
        await collection.update_one(
            {"_id": str(campaign_id), "status": {"$in": sources}},
            {"$set": {"status": str(status), "updated_at": store_time(at)}},
        )
        doc = await collection.find_one({"_id": str(campaign_id)})
        if doc is None or doc["status"] != status:
            return None
        if status is CampaignStatus.CANCELLED:
            # After the move, not before: a crash in between leaves pending recipients
            # of a cancelled campaign (never sent; cancelling again skips them), never
            # skipped ones of a running campaign.
            await self._skip_pending(campaign_id, store_time(at))
        return docs.campaign(doc)

    async def _cancelled(self, campaign_id: int | str, session: Session = None) -> bool:
        """Whether the campaign is cancelled (it sends nothing more)."""
        campaign = await self._col("campaigns").find_one(
            {"_id": str(campaign_id)}, {"status": 1}, session=session
        )
        return campaign is not None and campaign["status"] == CampaignStatus.CANCELLED

    async def _skip_pending(self, campaign_id: int | str, at: datetime) -> None:
        """The pending recipients of the campaign, which is cancelled, become skipped
        ("campaign cancelled"): nobody is left looking as if still to be sent to."""
        await self._col("recipients").update_many(
            {"campaign_id": str(campaign_id), "status": str(RecipientStatus.PENDING)},
            {
                "$set": {
                    "status": str(RecipientStatus.SKIPPED),
                    "reason": CANCELLED_REASON,
                    "updated_at": at,
                }
            },
        )

    async def _messages_of(
        self, recipients: Sequence[Document], session: Session = None
    ) -> dict[Any, Document]:
        """The messages of these recipients, by id (only the fields recipients show)."""
        ids = [doc["message_id"] for doc in recipients if doc.get("message_id") is not None]
        found: dict[Any, Document] = {}
        for chunk in in_chunks(ids):
            cursor = (
                self._col("messages")
                .find(
                    {"_id": {"$in": chunk}},
                    {
                        "status": 1,
                        "error": 1,
                        "delivered_at": 1,
                        "read_at": 1,
                        "failed_at": 1,
                        "wa_id": 1,
                        "sent_at": 1,
                    },
                    session=session,
                )
                .batch_size(FIRST_REPLY)
            )
            found.update({doc["_id"]: doc for doc in await cursor.to_list(None)})
        return found

    async def list_recipients(
        self,
        campaign_id: int | str,
        status: RecipientStatus | None = None,
        limit: int | None = None,
        after_seq: int | None = None,
    ) -> list[Recipient]:
        if limit is not None and limit <= 0:
            return []
        query: Document = {"campaign_id": str(campaign_id)}
        if status is not None:
            query["status"] = {"$in": list(stored_statuses_for(status))}
        result: list[Recipient] = []
        last_seq = after_seq
        # Pages in seq order; a derived status (delivered...) is known only once the
        # page's messages are read, so pages go on until the limit is filled.
        while True:
            if last_seq is not None:
                query["seq"] = {"$gt": last_seq}
            page = await (
                self._col("recipients")
                .find(query)
                .sort("seq", 1)
                .limit(_LIST_PAGE)
                .batch_size(_LIST_PAGE)
                .to_list(None)
            )
            if not page:
                return result
            messages = await self._messages_of(page)
            for doc in page:
                recipient = docs.recipient(doc, messages.get(doc.get("message_id")))
                if status is None or recipient.status is status:
                    result.append(recipient)
                    if limit is not None and len(result) >= limit:
                        return result
            last_seq = page[-1]["seq"]

    async def count_recipients_by_bot(
        self, campaign_id: int | str
    ) -> dict[str, dict[RecipientStatus, int]]:
        # The contract's paged count (each recipient in its derived state, which needs
        # its message), defined here so that a failure is a StoreError like every
        # other method's (see MongoBase.__init_subclass__).
        return await super().count_recipients_by_bot(campaign_id)

    async def count_recipients(self, campaign_id: int | str) -> dict[RecipientStatus, int]:
        counts = dict.fromkeys(RecipientStatus, 0)
        cursor = self._col("recipients").aggregate(
            [
                {"$match": {"campaign_id": str(campaign_id)}},
                {"$group": {"_id": "$status", "count": {"$sum": 1}}},
            ]
        )
        for doc in await cursor.to_list(None):
            if doc["_id"] != RecipientStatus.SENT:
                counts[RecipientStatus(doc["_id"])] += int(doc["count"])
        # Sent ones read as delivered, read, replied or failed: join their messages.
        sent = await (
            self._col("recipients")
            .find(
                {"campaign_id": str(campaign_id), "status": str(RecipientStatus.SENT)},
                {"message_id": 1, "replied_at": 1},
            )
            .to_list(None)
        )
        messages = await self._messages_of(sent)
        for doc in sent:
            message = messages.get(doc.get("message_id")) or {}
            replied = doc.get("replied_at") is not None
            counts[recipient_state(RecipientStatus.SENT, message.get("status"), replied)] += 1
        return counts

    async def claim_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        bot_id: str,
        at: datetime,
        repeat_since: datetime | None = None,
    ) -> Claim:
        at = store_time(at)
        key = str(campaign_id)
        message_id = docs.new_id()  # the same on a rerun of the transaction

        async def work(session: Session) -> Claim:
            campaign = await self._col("campaigns").find_one({"_id": key}, session=session)
            if campaign is None or campaign["status"] != CampaignStatus.RUNNING:
                return Claim(ClaimOutcome.NOT_RUNNING)
            recipients = self._col("recipients")
            doc = await recipients.find_one({"campaign_id": key, "phone": phone}, session=session)
            if doc is None or doc["status"] != RecipientStatus.PENDING:
                return Claim(ClaimOutcome.NOT_PENDING)
            text = doc.get("text") or campaign.get("template", campaign.get("text", ""))
            pending = {"_id": doc["_id"], "status": str(RecipientStatus.PENDING)}
            skip = None
            if await self._col("opt_outs").find_one({"_id": phone}, session=session):
                skip = ClaimOutcome.OPTED_OUT, OPTED_OUT_REASON
            elif repeat_since is not None and await self._col("messages").find_one(
                {
                    "peer": phone,
                    "direction": str(Direction.OUT),
                    "text": text,
                    "created_at": {"$gte": store_time(repeat_since)},
                    "status": {"$ne": str(MessageStatus.FAILED)},
                },
                session=session,
            ):
                skip = ClaimOutcome.REPEAT, REPEAT_REASON
            if skip is not None:
                await recipients.update_one(
                    pending,
                    {
                        "$set": {
                            "status": str(RecipientStatus.SKIPPED),
                            "reason": skip[1],
                            "updated_at": at,
                        }
                    },
                    session=session,
                )
                return Claim(skip[0])
            message = Message(
                id=message_id,
                bot_id=bot_id,
                direction=Direction.OUT,
                peer=phone,
                text=text,
                status=MessageStatus.PENDING,
                created_at=at,
                campaign_id=key,
            )
            claimed = await recipients.update_one(
                pending,
                {
                    "$set": {
                        "status": str(RecipientStatus.SENDING),
                        "bot_id": bot_id,
                        "message_id": message.id,
                        "claimed_at": at,
                        "reason": None,
                        "updated_at": at,
                    }
                },
                session=session,
            )
            if claimed.matched_count == 0:
                return Claim(ClaimOutcome.NOT_PENDING)
            await self._col("messages").insert_one(
                docs.message_doc(message, message_id), session=session
            )
            return Claim(ClaimOutcome.CLAIMED, message)

        return await self._atomic(work)

    async def complete_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        message_id: int | str,
        wa_id: str,
        sent_at: datetime,
        audit: AuditEntry | None = None,
    ) -> Message | None:
        sent_at = store_time(sent_at)
        entry = docs.audit_doc(docs.audit_entry(audit)) if audit is not None else None

        async def work(session: Session) -> Message | None:
            messages = self._col("messages")
            changed = await messages.update_one(
                {
                    "_id": str(message_id),
                    "status": {"$in": [str(MessageStatus.PENDING), str(MessageStatus.FAILED)]},
                },
                {
                    "$set": {
                        "status": str(MessageStatus.SENT),
                        "wa_id": wa_id,
                        "sent_at": sent_at,
                        "failed_at": None,
                        "error": None,
                    }
                },
                session=session,
            )
            doc = await messages.find_one({"_id": str(message_id)}, session=session)
            if doc is None:
                return None
            if changed.modified_count and entry is not None:
                await self._col("audit").insert_one(dict(entry), session=session)
            await self._col("recipients").update_one(
                {
                    "campaign_id": str(campaign_id),
                    "phone": phone,
                    "message_id": str(message_id),
                    "status": {
                        "$in": [str(RecipientStatus.SENDING), str(RecipientStatus.UNCERTAIN)]
                    },
                },
                {
                    "$set": {
                        "status": str(RecipientStatus.SENT),
                        "wa_id": wa_id,
                        "sent_at": sent_at,
                        "reason": None,
                        "updated_at": sent_at,
                    }
                },
                session=session,
            )
            return docs.message(doc)

        return await self._atomic(work)

    async def _fail_messages(
        self, session: Session, message_ids: Sequence[Any], error: str, at: datetime
    ) -> None:
        ids = [i for i in message_ids if i is not None]
        for chunk in in_chunks(ids):
            await self._col("messages").update_many(
                {"_id": {"$in": chunk}, "status": str(MessageStatus.PENDING)},
                {"$set": {"status": str(MessageStatus.FAILED), "error": error, "failed_at": at}},
                session=session,
            )

    async def _move_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        sources: Sequence[RecipientStatus],
        changes: Document,
        fail_message: str | None,
        at: datetime,
    ) -> bool:
        """Move one recipient from one of sources, applying changes; with fail_message,
        its pending message is marked failed with that error, in the same transaction."""

        async def work(session: Session) -> bool:
            recipients = self._col("recipients")
            query = {
                "campaign_id": str(campaign_id),
                "phone": phone,
                "status": {"$in": [str(s) for s in sources]},
            }
            doc = await recipients.find_one(query, session=session)
            if doc is None:
                return False
            if fail_message is not None:
                await self._fail_messages(session, [doc.get("message_id")], fail_message, at)
            result = await recipients.update_one(
                {"_id": doc["_id"], "status": doc["status"]},
                {"$set": {**changes, "updated_at": at}},
                session=session,
            )
            return bool(result.matched_count > 0)

        return await self._atomic(work)

    async def release_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        at = store_time(at)
        changes = {
            "status": str(RecipientStatus.PENDING),
            "bot_id": None,
            "message_id": None,
            "claimed_at": None,
            "reason": reason,
        }
        released = await self._move_recipient(
            campaign_id, phone, [RecipientStatus.SENDING], changes, reason, at
        )
        if released and await self._cancelled(campaign_id):
            await self._skip_pending(campaign_id, at)  # cancelled while on its way
        return released

    async def hold_uncertain(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        at = store_time(at)
        changes = {"status": str(RecipientStatus.UNCERTAIN), "reason": reason}
        return await self._move_recipient(
            campaign_id, phone, [RecipientStatus.SENDING], changes, None, at
        )

    async def fail_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        at = store_time(at)
        sources = [RecipientStatus.PENDING, RecipientStatus.SENDING, RecipientStatus.UNCERTAIN]
        changes = {"status": str(RecipientStatus.FAILED), "reason": reason, "failed_at": at}
        return await self._move_recipient(campaign_id, phone, sources, changes, reason, at)

    async def skip_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        at = store_time(at)
        changes = {"status": str(RecipientStatus.SKIPPED), "reason": reason}
        return await self._move_recipient(
            campaign_id, phone, [RecipientStatus.PENDING], changes, None, at
        )

    async def mark_in_flight_uncertain(self, campaign_id: int | str | None, at: datetime) -> int:
        at = store_time(at)
        sending = str(RecipientStatus.SENDING)
        query: Document = {"status": sending}
        if campaign_id is not None:
            query["campaign_id"] = str(campaign_id)
        in_flight = await self._col("recipients").find(query, {"message_id": 1}).to_list(None)
        messages = await self._messages_of(in_flight)
        went: list[UpdateOne] = []
        unknown: list[Any] = []
        for doc in in_flight:
            message = messages.get(doc.get("message_id"))
            if message is not None and message.get("wa_id") is not None:
                # The message went (the store has its WhatsApp id): the recipient is sent.
                changes = {
                    "status": str(RecipientStatus.SENT),
                    "wa_id": message["wa_id"],
                    "sent_at": message.get("sent_at"),
                    "updated_at": at,
                }
                went.append(UpdateOne({"_id": doc["_id"], "status": sending}, {"$set": changes}))
            else:
                unknown.append(doc["_id"])
        # Each recipient moves on its own (recovery may run again: it is idempotent).
        await self._bulk("recipients", went)
        uncertain = 0
        for chunk in in_chunks(unknown):
            result = await self._col("recipients").update_many(
                {"_id": {"$in": chunk}, "status": sending},
                {
                    "$set": {
                        "status": str(RecipientStatus.UNCERTAIN),
                        "reason": IN_FLIGHT_REASON,
                        "updated_at": at,
                    }
                },
            )
            uncertain += int(result.matched_count)
        return uncertain

    async def resolve_uncertain(
        self,
        campaign_id: int | str,
        phones: Sequence[str] | None,
        action: UncertainAction,
        at: datetime,
        audit: AuditEntry | None = None,
    ) -> int:
        at = store_time(at)
        entry = docs.audit_doc(docs.audit_entry(audit)) if audit is not None else None
        uncertain = str(RecipientStatus.UNCERTAIN)
        base: Document = {"campaign_id": str(campaign_id), "status": uncertain}
        wanted = None if phones is None else unique_in_order(list(phones))
        resend = UncertainAction(action) is UncertainAction.RESEND

        async def work(session: Session) -> int:
            recipients = self._col("recipients")
            found: list[Document] = []
            for chunk in [None] if wanted is None else in_chunks(wanted):
                query = base if chunk is None else {**base, "phone": {"$in": chunk}}
                found += await recipients.find(query, session=session).to_list(None)
            if not found:
                return 0
            ids = [doc["_id"] for doc in found]
            changed = 0
            if resend:
                if await self._cancelled(campaign_id, session):
                    return 0  # it sends nothing more: pending would be pending for ever
                message_ids = [d.get("message_id") for d in found]
                await self._fail_messages(session, message_ids, RESENT_ERROR, at)
                for chunk in in_chunks(ids):
                    result = await recipients.update_many(
                        {"_id": {"$in": chunk}, "status": uncertain},
                        {
                            "$set": {
                                "status": str(RecipientStatus.PENDING),
                                "bot_id": None,
                                "message_id": None,
                                "claimed_at": None,
                                "reason": None,
                                "updated_at": at,
                            }
                        },
                        session=session,
                    )
                    changed += int(result.matched_count)
            else:
                # Sent as of when each was claimed: a write per recipient, in one batch.
                message_writes, recipient_writes = [], []
                for doc in found:
                    claimed_at = docs.utc(doc.get("claimed_at")) or at
                    if doc.get("message_id") is not None:
                        message_writes.append(
                            UpdateOne(
                                {"_id": doc["message_id"], "status": str(MessageStatus.PENDING)},
                                {
                                    "$set": {
                                        "status": str(MessageStatus.SENT),
                                        "sent_at": claimed_at,
                                    }
                                },
                            )
                        )
                    recipient_writes.append(
                        UpdateOne(
                            {"_id": doc["_id"], "status": uncertain},
                            {
                                "$set": {
                                    "status": str(RecipientStatus.SENT),
                                    "sent_at": claimed_at,
                                    "reason": MARKED_SENT_REASON,
                                    "updated_at": at,
                                }
                            },
                        )
                    )
                await self._bulk("messages", message_writes, session)
                result = await self._bulk("recipients", recipient_writes, session)
                changed = int(result.matched_count)
            if changed and entry is not None:
                await self._col("audit").insert_one(dict(entry), session=session)
            return changed

        return await self._atomic(work)

    async def mark_replied(self, phone: str, at: datetime, since: datetime) -> int | str | None:
        at = store_time(at)
        recipients = self._col("recipients")
        doc = await recipients.find_one(
            {
                "phone": phone,
                "status": str(RecipientStatus.SENT),
                "sent_at": {"$gte": store_time(since), "$lte": at},
            },
            sort=[("sent_at", -1), ("_id", -1)],
        )
        if doc is None or doc.get("replied_at") is not None:
            return None
        result = await recipients.update_one(
            {"_id": doc["_id"], "replied_at": None}, {"$set": {"replied_at": at}}
        )
        return doc["campaign_id"] if result.modified_count else None

    async def sent_times(self, bot_id: str, since: datetime) -> list[datetime]:
        cursor = (
            self._col("messages")
            .find(
                {
                    "bot_id": bot_id,
                    "direction": str(Direction.OUT),
                    "created_at": {"$gte": store_time(since)},
                    "status": {"$ne": str(MessageStatus.FAILED)},
                },
                {"created_at": 1},
            )
            .sort([("created_at", 1), ("_id", 1)])
        )
        return [docs.required_utc(doc["created_at"]) for doc in await cursor.to_list(None)]

    async def recent_outbound(self, since: datetime) -> set[tuple[str, str]]:
        cursor = self._col("messages").find(
            {
                "direction": str(Direction.OUT),
                "created_at": {"$gte": store_time(since)},
                "status": {"$ne": str(MessageStatus.FAILED)},
            },
            {"peer": 1, "text": 1},
        )
        return {(doc["peer"], doc["text"]) for doc in await cursor.to_list(None)}

    async def opted_out_among(self, phones: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for chunk in in_chunks(unique_in_order(list(phones))):
            cursor = (
                self._col("opt_outs")
                .find({"_id": {"$in": chunk}}, {"_id": 1})
                .batch_size(FIRST_REPLY)
            )
            found.update(doc["_id"] for doc in await cursor.to_list(None))
        return found
