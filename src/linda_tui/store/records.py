"""Rules about records that every store backend applies the same way.

Kept in one place so SQLite and MongoDB return identical records and the
contract test suite can compare them field by field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from linda_tui.models import (
    CAMPAIGN_MOVES,
    STATUS_RANK,
    CampaignStatus,
    Contact,
    Message,
    MessageStatus,
    NewRecipient,
    RecipientStatus,
)

# Which *_at field a status stamps; pending and received stamp nothing.
STATUS_TIME_FIELD: dict[MessageStatus, str] = {
    MessageStatus.SENT: "sent_at",
    MessageStatus.DELIVERED: "delivered_at",
    MessageStatus.READ: "read_at",
    MessageStatus.FAILED: "failed_at",
}

MESSAGE_TIME_FIELDS = ("created_at", "sent_at", "delivered_at", "read_at", "failed_at")


def store_time(value: datetime) -> datetime:
    """A datetime as every backend keeps it: UTC, to the millisecond.

    MongoDB dates hold milliseconds, so SQLite keeps the same precision and both
    backends hand back identical values. A naive datetime is refused: guessing its
    zone would silently shift times by hours.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r} — pass a timezone-aware UTC datetime")
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def optional_store_time(value: datetime | None) -> datetime | None:
    """store_time for optional fields."""
    return None if value is None else store_time(value)


def normalised_message(message: Message) -> Message:
    """A copy of message with every datetime as the store keeps it."""
    changes: dict[str, Any] = {
        name: optional_store_time(getattr(message, name)) for name in MESSAGE_TIME_FIELDS
    }
    return replace(message, **changes)


def advance_status(
    message: Message, status: MessageStatus, at: datetime, error: str | None
) -> Message | None:
    """The message after a status report, or None when the report changes nothing.

    The status only moves forward (STATUS_RANK): a late "delivered" never undoes
    "read". The matching *_at field is stamped the first time that event is
    reported, even when it arrives out of order, because it did happen then.
    """
    changes: dict[str, Any] = {}
    if STATUS_RANK[status] > STATUS_RANK[message.status]:
        changes["status"] = status
    field = STATUS_TIME_FIELD.get(status)
    if field is not None and getattr(message, field) is None:
        changes[field] = store_time(at)
    if error is not None and error != message.error:
        changes["error"] = error
    return replace(message, **changes) if changes else None


def search_text(contact: Contact) -> str:
    """The lowercased text a contact search matches against: names, phones (and numbers
    kept as written), emails, labels."""
    parts: Iterable[str] = (
        *contact.names,
        *contact.phones,
        *contact.raw_phones,
        *contact.emails,
        *contact.labels,
    )
    # Joined by newlines so a one-line query never matches across two fields.
    return "\n".join(parts).lower()


def sort_key(contact: Contact) -> str:
    """How contacts are ordered in search results: by display name, case-insensitively."""
    return contact.display_name.lower()


def unique_in_order(values: Sequence[str]) -> list[str]:
    """values without duplicates, first occurrence kept, order preserved."""
    return list(dict.fromkeys(values))


def last_wins(contacts: Sequence[Contact]) -> list[Contact]:
    """Contacts deduplicated by resource name, the last one given winning (as an upsert does)."""
    return list({contact.resource_name: contact for contact in contacts}.values())


# The integers every backend can hold: MongoDB's are 8 bytes (SQLite keeps JSON text).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def audit_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """An audit entry's detail as every backend keeps it: plain JSON values.

    Anything JSON cannot hold (a datetime, a Path) is kept as its text, and so is an
    integer over 8 bytes (MongoDB cannot hold one), so writing the audit trail never
    fails because of what a caller put in the detail.
    """
    plain = json.loads(json.dumps(detail, default=str, ensure_ascii=False))
    small: dict[str, Any] = _small_ints(plain)
    return small


def _small_ints(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _small_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_small_ints(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return value if INT64_MIN <= value <= INT64_MAX else str(value)
    return value


# --- broadcasts ---------------------------------------------------------------------------

# Reasons the store writes itself, the same on every backend. An uncertain one says what
# happened, not what to do: that depends on where it is read (the console's keys, the
# CLI's resolve, a cancelled campaign that can only mark it sent), and each says so.
IN_FLIGHT_REASON = "in flight when Linda stopped: it may have been sent"
RESENT_ERROR = "delivery unknown (never confirmed by WhatsApp); resent by the operator"
MARKED_SENT_REASON = "marked sent by the operator (WhatsApp never confirmed it)"


def unconfirmed_reason(error: str) -> str:
    """An uncertain recipient's reason when WhatsApp got the message but never confirmed
    it (timed out, connection lost): the send's error."""
    return f"may have been sent: {error}"


OPTED_OUT_REASON = "opted out"
REPEAT_REASON = "same text in the last 24 h"
# A recipient a cancelled campaign will never send to (pending when it was cancelled).
CANCELLED_REASON = "campaign cancelled"


def recipient_state(stored: str, message_status: str | None, replied: bool) -> RecipientStatus:
    """A recipient's derived state (see RecipientStatus): a sent one reads as replied,
    read, delivered or failed from its reply and its message's receipts."""
    if stored != RecipientStatus.SENT:
        return RecipientStatus(stored)
    if replied:
        return RecipientStatus.REPLIED
    if message_status in (MessageStatus.READ, MessageStatus.DELIVERED, MessageStatus.FAILED):
        return RecipientStatus(message_status)
    return RecipientStatus.SENT


def stored_statuses_for(status: RecipientStatus) -> tuple[str, ...]:
    """The stored statuses of the recipients that can show as status."""
    if status in (RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ):
        return (str(RecipientStatus.SENT),)
    if status is RecipientStatus.REPLIED:
        return (str(RecipientStatus.SENT),)
    if status is RecipientStatus.FAILED:
        return (str(RecipientStatus.FAILED), str(RecipientStatus.SENT))
    return (str(status),)


def allowed_from(status: CampaignStatus) -> tuple[str, ...]:
    """The statuses a campaign may be in to move to status (status itself included:
    asking for the status it has is a no-op)."""
    sources = [str(status)]
    sources.extend(str(s) for s, moves in CAMPAIGN_MOVES.items() if status in moves)
    return tuple(sources)


def first_of_each_phone(recipients: Sequence[NewRecipient]) -> list[NewRecipient]:
    """recipients with each phone kept once, its first entry winning, order kept."""
    if len({r.phone for r in recipients}) == len(recipients):
        return list(recipients)  # the usual case (a plan has no repeats): one C-speed check
    seen: set[str] = set()
    kept = []
    for recipient in recipients:
        if recipient.phone not in seen:
            seen.add(recipient.phone)
            kept.append(recipient)
    return kept
