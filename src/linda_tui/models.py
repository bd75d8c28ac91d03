"""Domain records shared by the store, the fleet and the console.

Plain dataclasses with no I/O: every backend of the store reads and writes
exactly these, so the contract test suite can compare them field by field.
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal


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
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


# Which status a campaign may move to from each status (a move to the status it
# already has is a no-op, always allowed). Cancelled is final; a done campaign
# runs again when the operator resends uncertain recipients.
CAMPAIGN_MOVES: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.DRAFT: frozenset(
        {CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.CANCELLED}
    ),
    CampaignStatus.SCHEDULED: frozenset(
        {CampaignStatus.RUNNING, CampaignStatus.PAUSED, CampaignStatus.CANCELLED}
    ),
    CampaignStatus.RUNNING: frozenset(
        {CampaignStatus.PAUSED, CampaignStatus.DONE, CampaignStatus.CANCELLED}
    ),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.RUNNING, CampaignStatus.CANCELLED}),
    CampaignStatus.DONE: frozenset({CampaignStatus.RUNNING}),
    CampaignStatus.CANCELLED: frozenset(),
}


class RecipientStatus(StrEnum):
    """Where one recipient of a campaign is.

    A recipient row holds one of pending, sending, sent, failed, skipped or
    uncertain. Delivered, read and replied are what a sent recipient becomes as
    its message's receipts and the person's reply arrive (read from the message
    row and the reply time, never stored twice); a receipt reporting that the
    message failed after all makes it failed.
    """

    PENDING = "pending"
    SENDING = "sending"  # handed (or about to be handed) to WhatsApp
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    REPLIED = "replied"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNCERTAIN = "uncertain"  # was sending when Linda stopped: maybe sent, never re-sent alone


# The statuses a recipient row can hold; the others are derived (see RecipientStatus).
STORED_RECIPIENT_STATUSES: frozenset[RecipientStatus] = frozenset(
    {
        RecipientStatus.PENDING,
        RecipientStatus.SENDING,
        RecipientStatus.SENT,
        RecipientStatus.FAILED,
        RecipientStatus.SKIPPED,
        RecipientStatus.UNCERTAIN,
    }
)

ALL_BOTS: Literal["all"] = "all"
BotChoice = tuple[str, ...] | Literal["all"]


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
    """A broadcast: one template rendered for many recipients, paced and resumable."""

    name: str
    template: str  # as the operator wrote it; each recipient keeps its rendered text
    bots: BotChoice = ALL_BOTS  # the bot ids it sends from, or "all"
    pace: str = "standard"  # the pacing profile's name (broadcast.pacing.PACE_PROFILES)
    start_at: datetime | None = None  # not before this time (None: when started)
    status: CampaignStatus = CampaignStatus.DRAFT
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    id: int | str | None = None
    created_by: str = ""
    # How many numbers were left out when it was created, by reason ("invalid",
    # "duplicate", "opted out", ...). Invalid and duplicate numbers have no
    # recipient row; the other skipped ones also have a row in state skipped.
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class NewRecipient:
    """A recipient as a campaign is created: its number and its rendered text. The
    values the text was made from are not kept apart from it: the store holds no
    more of a customer list than the messages a campaign sends.

    skip_reason set means it is stored already skipped (opted out, same text sent
    in the last 24 h...), so the campaign's export still lists it with why."""

    phone: str  # E.164
    text: str
    preferred_bot: str | None = None  # the bot that owns the contact, or the plan's choice
    skip_reason: str | None = None


@dataclass
class Recipient:
    """One recipient of a campaign; its state survives a crash mid-broadcast.

    status is the derived state (see RecipientStatus): a sent recipient reads as
    delivered, read or replied as those happen. delivered_at and read_at come
    from its message's receipts.
    """

    campaign_id: int | str
    phone: str  # E.164
    status: RecipientStatus = RecipientStatus.PENDING
    text: str = ""
    seq: int = 0  # its place in the campaign: recipients are sent in this order
    preferred_bot: str | None = None
    bot_id: str | None = None  # the bot that claimed it
    message_id: int | str | None = None  # its outbound message in the store
    wa_id: str | None = None
    reason: str | None = None  # why it failed, was skipped, or is uncertain
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None
    replied_at: datetime | None = None
    failed_at: datetime | None = None
    updated_at: datetime = field(default_factory=utcnow)


class ClaimOutcome(StrEnum):
    """What came of trying to claim a recipient for sending."""

    CLAIMED = "claimed"
    NOT_PENDING = "not pending"  # claimed, resolved or skipped by someone else
    NOT_RUNNING = "campaign not running"  # paused or cancelled meanwhile: left pending
    OPTED_OUT = "opted out"  # now skipped with that reason
    REPEAT = "same text in the last 24 h"  # now skipped with that reason


@dataclass(frozen=True)
class Claim:
    """The outcome of claim_recipient; message is the pending message when CLAIMED."""

    outcome: ClaimOutcome
    message: Message | None = None


class UncertainAction(StrEnum):
    """What the operator decides for a recipient whose send is uncertain."""

    RESEND = "resend"  # back to pending: it will be sent (again)
    MARK_SENT = "mark-sent"  # it did arrive: count it as sent


@dataclass
class OptOut:
    """A number that asked not to be messaged again; every send checks it."""

    phone: str  # E.164
    reason: str = ""
    bot_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)


# The audit action of a bot's successful pairing: its broadcast warm-up counts from the
# last one (Store.last_audit_at).
PAIR_SUCCESS = "pair.success"


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
