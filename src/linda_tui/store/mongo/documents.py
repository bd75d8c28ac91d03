"""Records as MongoDB documents and back: one pair of functions per record type.

Ids are strings (the text of an ObjectId; the resource name for contacts, the phone
for opt-outs). Datetimes are BSON dates: UTC, to the millisecond, as the SQLite store
keeps them, so both backends return identical records.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from linda_tui.models import (
    ALL_BOTS,
    AuditEntry,
    BotChoice,
    Campaign,
    CampaignStatus,
    Contact,
    ContactRef,
    Direction,
    Lease,
    Message,
    MessageStatus,
    OptOut,
    Recipient,
    RecipientStatus,
    SyncState,
    SyncStatus,
)
from linda_tui.store.records import (
    MESSAGE_TIME_FIELDS,
    audit_detail,
    optional_store_time,
    recipient_state,
    search_text,
    sort_key,
    store_time,
)

Document = dict[str, Any]


def new_id() -> str:
    """A fresh document id: an ObjectId's text (time-ordered, unique across processes)."""
    return str(ObjectId())


def utc(value: datetime | None) -> datetime | None:
    """A date from the server as an aware UTC datetime (BSON dates are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def required_utc(value: datetime) -> datetime:
    result = utc(value)
    assert result is not None
    return result


def id_text(value: int | str | None) -> str | None:
    return None if value is None else str(value)


# --- contacts and references -----------------------------------------------------------


def contact_doc(contact: Contact, generation: str | None = None) -> Document:
    return {
        "_id": contact.resource_name,
        "etag": contact.etag,
        "names": list(contact.names),
        "phones": list(contact.phones),
        "emails": list(contact.emails),
        "labels": list(contact.labels),
        "updated_at": optional_store_time(contact.updated_at),
        "deleted": bool(contact.deleted),
        "raw_phones": list(contact.raw_phones),
        "search_text": search_text(contact),
        "sort_key": sort_key(contact),
        # The full sync that last listed this contact (see Store.finish_full_sync).
        "sync_generation": generation,
    }


def contact(doc: Document) -> Contact:
    return Contact(
        resource_name=doc["_id"],
        etag=doc.get("etag", ""),
        names=list(doc.get("names", [])),
        phones=list(doc.get("phones", [])),
        emails=list(doc.get("emails", [])),
        labels=list(doc.get("labels", [])),
        updated_at=utc(doc.get("updated_at")),
        deleted=bool(doc.get("deleted", False)),
        raw_phones=list(doc.get("raw_phones", [])),
    )


def ref_fields(ref: ContactRef) -> Document:
    return {
        "phone": ref.phone,
        "bot_id": ref.bot_id,
        "sync_status": str(ref.sync_status),
        "last_sync": optional_store_time(ref.last_sync),
        "created_at": store_time(ref.created_at),
        "resource_name": ref.resource_name,
        "error": ref.error,
    }


def ref(doc: Document) -> ContactRef:
    return ContactRef(
        phone=doc["phone"],
        bot_id=doc["bot_id"],
        sync_status=SyncStatus(doc["sync_status"]),
        last_sync=utc(doc.get("last_sync")),
        created_at=required_utc(doc["created_at"]),
        resource_name=doc.get("resource_name"),
        error=doc.get("error"),
    )


# --- messages ----------------------------------------------------------------------------


def inbound_id(bot_id: str, wa_id: str) -> str:
    """The key that stores an inbound message once per bot: bot ids are slugs (no '/'),
    so no two (bot, WhatsApp id) pairs share one."""
    return f"{bot_id}/{wa_id}"


def message_doc(message: Message, message_id: str) -> Document:
    """message (already normalised by records.normalised_message) as a document."""
    doc: Document = {
        "_id": message_id,
        "bot_id": message.bot_id,
        "direction": str(message.direction),
        "peer": message.peer,
        "text": message.text,
        "status": str(message.status),
        "wa_id": message.wa_id,
        "error": message.error,
        "campaign_id": id_text(message.campaign_id),
    }
    for name in MESSAGE_TIME_FIELDS:
        doc[name] = getattr(message, name)
    if message.direction == Direction.IN and message.wa_id is not None:
        # Only inbound messages with a WhatsApp id carry the field, and the unique index
        # on it is sparse: it constrains exactly those (see schema.py).
        doc["inbound_id"] = inbound_id(message.bot_id, message.wa_id)
    return doc


def message(doc: Document) -> Message:
    return Message(
        id=doc["_id"],
        bot_id=doc["bot_id"],
        direction=Direction(doc["direction"]),
        peer=doc["peer"],
        text=doc["text"],
        status=MessageStatus(doc["status"]),
        created_at=required_utc(doc["created_at"]),
        wa_id=doc.get("wa_id"),
        sent_at=utc(doc.get("sent_at")),
        delivered_at=utc(doc.get("delivered_at")),
        read_at=utc(doc.get("read_at")),
        failed_at=utc(doc.get("failed_at")),
        error=doc.get("error"),
        campaign_id=doc.get("campaign_id"),
    )


# --- broadcasts ---------------------------------------------------------------------------


def bots(doc: Document) -> BotChoice:
    # Campaigns written before durable broadcasts kept one "bot_id" ("auto", "all" or
    # an id) instead of "bots": read both, so no migration of documents is needed.
    value = doc.get("bots", doc.get("bot_id", ALL_BOTS))
    if value in (ALL_BOTS, "auto", "", None):
        return ALL_BOTS
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def campaign_doc(campaign: Campaign) -> Document:
    return {
        "_id": campaign.id,
        "name": campaign.name,
        "template": campaign.template,
        "bots": ALL_BOTS if campaign.bots == ALL_BOTS else list(campaign.bots),
        "pace": campaign.pace,
        "start_at": campaign.start_at,
        "status": str(campaign.status),
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
        "created_by": campaign.created_by,
        "skipped": dict(campaign.skipped),
    }


def campaign(doc: Document) -> Campaign:
    return Campaign(
        id=doc["_id"],
        name=doc["name"],
        template=str(doc.get("template", doc.get("text", ""))),
        bots=bots(doc),
        pace=doc.get("pace", "standard"),
        start_at=utc(doc.get("start_at")),
        status=CampaignStatus(doc["status"]),
        created_at=required_utc(doc["created_at"]),
        updated_at=required_utc(doc["updated_at"]),
        created_by=doc.get("created_by", ""),
        skipped=dict(doc.get("skipped") or {}),
    )


def recipient(doc: Document, message: Document | None) -> Recipient:
    """A recipient document with its message's (status, error, delivered_at, read_at,
    failed_at) joined in: the same derived record as the SQLite store's."""
    message = message or {}
    stored = doc["status"]
    state = recipient_state(stored, message.get("status"), doc.get("replied_at") is not None)
    failed_after_sending = stored == RecipientStatus.SENT and state is RecipientStatus.FAILED
    return Recipient(
        campaign_id=doc["campaign_id"],
        phone=doc["phone"],
        status=state,
        text=doc.get("text", ""),
        seq=int(doc.get("seq", 0)),
        preferred_bot=doc.get("preferred_bot"),
        bot_id=doc.get("bot_id"),
        message_id=doc.get("message_id"),
        wa_id=doc.get("wa_id"),
        reason=message.get("error")
        if failed_after_sending
        else doc.get("reason", doc.get("error")),
        claimed_at=utc(doc.get("claimed_at")),
        sent_at=utc(doc.get("sent_at")),
        delivered_at=utc(message.get("delivered_at")),
        read_at=utc(message.get("read_at")),
        replied_at=utc(doc.get("replied_at")),
        failed_at=utc(message.get("failed_at") if failed_after_sending else doc.get("failed_at")),
        updated_at=required_utc(doc["updated_at"]),
    )


# --- opt-outs, audit trail, sync state, leases ----------------------------------------------


def opt_out(doc: Document) -> OptOut:
    return OptOut(
        phone=doc["_id"],
        reason=doc.get("reason", ""),
        bot_id=doc.get("bot_id"),
        created_at=required_utc(doc["created_at"]),
    )


def audit_entry(entry: AuditEntry) -> AuditEntry:
    """entry as it will be stored: its id (a new one unless the caller gave it a text id,
    which makes storing it again a no-op), the store's time, plain JSON detail."""
    entry_id = entry.id if isinstance(entry.id, str) and entry.id else new_id()
    return replace(entry, id=entry_id, at=store_time(entry.at), detail=audit_detail(entry.detail))


def audit_doc(entry: AuditEntry) -> Document:
    return {
        "_id": entry.id,
        "action": entry.action,
        "os_user": entry.os_user,
        "at": entry.at,
        "ssh_client": entry.ssh_client,
        "bot_id": entry.bot_id,
        "detail": entry.detail,
    }


def audit(doc: Document) -> AuditEntry:
    return AuditEntry(
        id=doc["_id"],
        action=doc["action"],
        os_user=doc["os_user"],
        at=required_utc(doc["at"]),
        ssh_client=doc.get("ssh_client"),
        bot_id=doc.get("bot_id"),
        detail=dict(doc.get("detail") or {}),
    )


def sync_state_doc(state: SyncState) -> Document:
    return {
        "_id": state.account,
        "sync_token": state.sync_token,
        "last_full_sync": optional_store_time(state.last_full_sync),
        "last_sync": optional_store_time(state.last_sync),
        "last_error": state.last_error,
    }


def sync_state(doc: Document) -> SyncState:
    return SyncState(
        account=doc["_id"],
        sync_token=doc.get("sync_token"),
        last_full_sync=utc(doc.get("last_full_sync")),
        last_sync=utc(doc.get("last_sync")),
        last_error=doc.get("last_error"),
    )


def lease(doc: Document) -> Lease:
    return Lease(
        name=doc["_id"],
        holder=doc["holder"],
        acquired_at=required_utc(doc["acquired_at"]),
        expires_at=required_utc(doc["expires_at"]),
    )
