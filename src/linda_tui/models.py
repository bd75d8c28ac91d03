"""Domain records shared by the store, the fleet and the console.

Plain dataclasses with no I/O: every backend of the store reads and writes
exactly these, so the contract test suite can compare them field by field.
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class BotState(StrEnum):
    """Where one WhatsApp account is in its life."""

    STOPPED = "stopped"
    NOT_PAIRED = "not-paired"  # no WhatsApp session: never paired, or pairing ended
    CONNECTING = "connecting"
    WAITING_FOR_PHONE = "waiting-for-phone"
    PAIRING = "pairing"
    ONLINE = "online"
    RECONNECTING = "reconnecting"
    LOGGED_OUT = "logged-out"
    BANNED = "banned"
    ERROR = "error"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class MessageStatus(StrEnum):
    """Outbound: pending -> sent -> delivered -> read, or failed. Inbound: received."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    RECEIVED = "received"


# Receipts only move a message forward: a late "delivered" never undoes "read".
STATUS_RANK: dict[MessageStatus, int] = {
    MessageStatus.PENDING: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
    MessageStatus.FAILED: 4,
    MessageStatus.RECEIVED: 0,
}


class SyncStatus(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class RecipientStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class Contact:
    """A Google contact as cached locally."""

    resource_name: str
    etag: str = ""
    names: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164
    emails: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    updated_at: datetime | None = None
    deleted: bool = False
    # Numbers as written in Google Contacts that are not valid phone numbers (no E.164
    # form): kept so the operator still sees them, never used to send.
    raw_phones: list[str] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        if self.names:
            return self.names[0]
        if self.phones:
            return self.phones[0]
        return self.raw_phones[0] if self.raw_phones else ""


@dataclass
class ContactRef:
    """The original system's per-contact record: which bot owns a phone, and its sync state."""

    phone: str  # E.164
    bot_id: str
    sync_status: SyncStatus = SyncStatus.PENDING
    last_sync: datetime | None = None
    created_at: datetime = field(default_factory=utcnow)
    resource_name: str | None = None
    error: str | None = None


@dataclass
class Message:
    """One WhatsApp message sent or received by a bot."""

    bot_id: str
    direction: Direction
    peer: str  # E.164 of the other side
    text: str
    status: MessageStatus
    created_at: datetime = field(default_factory=utcnow)
    wa_id: str | None = None  # WhatsApp's message id
    id: int | str | None = None  # the store's own key
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    failed_at: datetime | None = None
    error: str | None = None
    campaign_id: int | str | None = None


@dataclass
class Campaign:
    """A broadcast: one text to many recipients, paced and resumable."""

    name: str
    text: str
    bot_id: str  # a bot id, "auto" or "all"
    status: CampaignStatus = CampaignStatus.DRAFT
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    id: int | str | None = None
    created_by: str = ""


@dataclass
class Recipient:
    """One recipient of a campaign; its status survives a crash mid-broadcast."""

    campaign_id: int | str
    phone: str  # E.164
    status: RecipientStatus = RecipientStatus.PENDING
    bot_id: str | None = None
    wa_id: str | None = None
    error: str | None = None
    updated_at: datetime = field(default_factory=utcnow)


@dataclass
class OptOut:
    """A number that asked not to be messaged again; every send checks it."""

    phone: str  # E.164
    reason: str = ""
    bot_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class AuditEntry:
    """Who did what, when, with which bot."""

    action: str
    os_user: str
    at: datetime = field(default_factory=utcnow)
    ssh_client: str | None = None
    bot_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    id: int | str | None = None


@dataclass
class Lease:
    """Who holds a named lease (e.g. the right to sync contacts) and until when.

    Two processes on the same store (the console and `linda sync`) take it before doing
    the work it guards, renew it while they work, and release it at the end; a lease
    whose holder stopped renewing expires and can be taken over.
    """

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


@dataclass
class SyncState:
    """Google Contacts sync bookkeeping for one Google account."""

    account: str = "default"
    sync_token: str | None = None
    last_full_sync: datetime | None = None
    last_sync: datetime | None = None
    last_error: str | None = None
