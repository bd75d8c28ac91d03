"""The SQLite store, Linda's default: one file, WAL mode, through aiosqlite.

The file is created 0600 (it holds phone numbers and message texts) and its
schema is migrated on open (see migrations.py). Lists are JSON arrays; datetimes
are ISO-8601 UTC text to the millisecond. Contacts' phones also live in an
indexed ``contact_phones`` table, so a lookup by phone is one index probe.

aiosqlite runs one connection on its own thread. A transaction on a shared
connection swallows any statement another coroutine issues meanwhile, so every
access takes one asyncio lock: a write that belongs together is one transaction
that nothing else can slip into, and a read never sees half of one.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from linda_tui.bulk import collector_paused
from linda_tui.models import (
    ALL_BOTS,
    AuditEntry,
    BotChoice,
    Campaign,
    CampaignStatus,
    Claim,
    ClaimOutcome,
    Contact,
    ContactRef,
    Direction,
    Lease,
    Message,
    MessageStatus,
    NewRecipient,
    OptOut,
    Recipient,
    RecipientStatus,
    SyncState,
    SyncStatus,
    UncertainAction,
    utcnow,
)
from linda_tui.private_files import (
    UnsafePathError,
    ensure_folder,
    open_private,
    refuse_unsafe_file,
)
from linda_tui.sqlite_files import SQLITE_HEADER, SQLITE_SIDE_FILES
from linda_tui.store.base import (
    ContactRefUpdate,
    InboundRecord,
    StatusUpdate,
    Store,
    StoreError,
    SyncPage,
    SyncPageOutcome,
    TransientStoreError,
    not_unicode,
)
from linda_tui.store.migrations import migrate, read_version
from linda_tui.store.records import (
    CANCELLED_REASON,
    IN_FLIGHT_REASON,
    INT64_MAX,
    INT64_MIN,
    MARKED_SENT_REASON,
    OPTED_OUT_REASON,
    REPEAT_REASON,
    RESENT_ERROR,
    advance_status,
    allowed_from,
    audit_detail,
    first_of_each_phone,
    last_wins,
    normalised_message,
    optional_store_time,
    search_text,
    sort_key,
    store_time,
    unique_in_order,
)
from linda_tui.store.urls import SQLITE_PREFIX

# Phones per batched lookup: well under SQLite's limit on bound parameters.
_LOOKUP_CHUNK = 500
# Rows per multi-row INSERT at most (fewer when SQLite allows fewer bound parameters).
_ROWS_PER_INSERT = 1000

_CONTACT_COLUMNS = (
    "resource_name, etag, names, phones, emails, labels, updated_at, deleted, raw_phones"
)
# What a contact read selects, from ``contacts AS c``. The five JSON lists come back
# as one array of five so a row costs one json.loads, not five: decoding is most
# of what a batched lookup spends.
_CONTACT_SELECT = (
    "c.resource_name, c.etag, "
    "'[' || c.names || ',' || c.phones || ',' || c.emails || ',' || c.labels || ',' "
    "|| c.raw_phones || ']', c.updated_at, c.deleted"
)
# Rows go in many to a statement (see _insert_rows): the INSERT before its VALUES,
# and what follows them.
_UPSERT_CONTACT_INTO = (
    f"INSERT INTO contacts ({_CONTACT_COLUMNS}, search_text, sort_key, sync_generation)"
)
_UPSERT_CONTACT_WIDTH = 12
_UPSERT_CONTACT_THEN = """
    ON CONFLICT (resource_name) DO UPDATE SET
        etag = excluded.etag, names = excluded.names, phones = excluded.phones,
        emails = excluded.emails, labels = excluded.labels, updated_at = excluded.updated_at,
        deleted = excluded.deleted, raw_phones = excluded.raw_phones,
        search_text = excluded.search_text, sort_key = excluded.sort_key,
        sync_generation = excluded.sync_generation
"""
_LEASE_COLUMNS = "name, holder, acquired_at, expires_at"
_REF_COLUMNS = "phone, bot_id, sync_status, last_sync, created_at, resource_name, error"
_MESSAGE_COLUMNS = (
    "id, bot_id, direction, peer, text, status, created_at, wa_id, "
    "sent_at, delivered_at, read_at, failed_at, error, campaign_id"
)
_CAMPAIGN_COLUMNS = (
    "id, name, template, bots, pace, start_at, status, created_at, updated_at, created_by, skipped"
)
# A recipient's derived state (records.recipient_state, in SQL): a sent one reads as
# replied, read, delivered or failed from its reply and its message's receipts.
_RECIPIENT_STATE = """CASE WHEN r.status != 'sent' THEN r.status
    WHEN r.replied_at IS NOT NULL THEN 'replied'
    WHEN m.status IN ('read', 'delivered', 'failed') THEN m.status
    ELSE 'sent' END"""
_FAILED_AFTER_SENDING = "r.status = 'sent' AND m.status = 'failed'"
_RECIPIENT_SELECT = f"""r.campaign_id, r.phone, {_RECIPIENT_STATE}, r.text, r.seq,
    r.preferred_bot, r.bot_id, r.message_id, r.wa_id,
    CASE WHEN {_FAILED_AFTER_SENDING} THEN m.error ELSE r.reason END,
    r.claimed_at, r.sent_at, m.delivered_at, m.read_at, r.replied_at,
    CASE WHEN {_FAILED_AFTER_SENDING} THEN m.failed_at ELSE r.failed_at END,
    r.updated_at
    FROM recipients AS r LEFT JOIN messages AS m ON m.id = r.message_id"""
# Derived states that only a sent recipient can have; the others are stored as is.
_DERIVED = frozenset(
    {
        RecipientStatus.SENT,
        RecipientStatus.DELIVERED,
        RecipientStatus.READ,
        RecipientStatus.REPLIED,
        RecipientStatus.FAILED,
    }
)


# --- conversions between records and rows ---------------------------------------------


def _time_text(value: datetime | None) -> str | None:
    # Fixed width and always +00:00, so text order is time order in SQL.
    if value is None:
        return None
    if value.tzinfo is UTC:  # most are: skip the checks and the conversion
        return value.isoformat(timespec="milliseconds")  # truncates to the millisecond
    return store_time(value).isoformat(timespec="milliseconds")


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _required_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


# One encoder made once: json.dumps with options builds a new one per call, which
# was a third of the time an upsert took.
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# What JSON escapes in a string (ensure_ascii=False): quotes, backslashes, C0 controls.
_JSON_ESCAPED = re.compile(r'[\x00-\x1f"\\]')


def _json_list(values: list[str]) -> str:
    # Most contacts have no labels, emails or odd numbers: skip the encoder for those.
    if not values:
        return "[]"
    # Text needing no escapes (nearly all of it) is joined as is: the same JSON as the
    # encoder's, at a fraction of the cost, and a full sync encodes five lists a contact.
    if all(type(value) is str for value in values):
        joined = '","'.join(values)
        if _JSON_ESCAPED.search(joined) is None:
            return f'["{joined}"]'
    return _JSON_ENCODER.encode(values)


def _row_id(value: int | str | None) -> int | None:
    """A SQLite row id from an id that may have been written as text; None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int):
        # Beyond SQLite's 8-byte integers no row has that id (binding it would raise).
        return value if INT64_MIN <= value <= INT64_MAX else None
    return None


def _contact_row(contact: Contact, generation: str | None = None) -> tuple[Any, ...]:
    return (
        contact.resource_name,
        contact.etag,
        _json_list(contact.names),
        _json_list(contact.phones),
        _json_list(contact.emails),
        _json_list(contact.labels),
        _time_text(contact.updated_at),
        int(contact.deleted),
        _json_list(contact.raw_phones),
        search_text(contact),
        sort_key(contact),
        generation,
    )


def _contact(row: Sequence[Any]) -> Contact:
    """A contact from a row selected with _CONTACT_SELECT."""
    names, phones, emails, labels, raw_phones = json.loads(row[2])
    return Contact(
        resource_name=row[0],
        etag=row[1],
        names=names,
        phones=phones,
        emails=emails,
        labels=labels,
        updated_at=_time(row[3]),
        deleted=bool(row[4]),
        raw_phones=raw_phones,
    )


def _lease(row: Sequence[Any]) -> Lease:
    return Lease(
        name=row[0],
        holder=row[1],
        acquired_at=_required_time(row[2]),
        expires_at=_required_time(row[3]),
    )


def _ref(row: Sequence[Any]) -> ContactRef:
    return ContactRef(
        phone=row[0],
        bot_id=row[1],
        sync_status=SyncStatus(row[2]),
        last_sync=_time(row[3]),
        created_at=_required_time(row[4]),
        resource_name=row[5],
        error=row[6],
    )


def _message_row(message: Message) -> tuple[Any, ...]:
    campaign_id = message.campaign_id
    if campaign_id is not None:
        campaign_id = _row_id(campaign_id)
        if campaign_id is None:
            raise ValueError(f"campaign id {message.campaign_id!r} is not an id of this store")
    return (
        message.bot_id,
        str(message.direction),
        message.peer,
        message.text,
        str(message.status),
        _time_text(message.created_at),
        message.wa_id,
        _time_text(message.sent_at),
        _time_text(message.delivered_at),
        _time_text(message.read_at),
        _time_text(message.failed_at),
        message.error,
        campaign_id,
    )


def _message(row: Sequence[Any]) -> Message:
    return Message(
        id=row[0],
        bot_id=row[1],
        direction=Direction(row[2]),
        peer=row[3],
        text=row[4],
        status=MessageStatus(row[5]),
        created_at=_required_time(row[6]),
        wa_id=row[7],
        sent_at=_time(row[8]),
        delivered_at=_time(row[9]),
        read_at=_time(row[10]),
        failed_at=_time(row[11]),
        error=row[12],
        campaign_id=row[13],
    )


def _bots(text: str) -> BotChoice:
    value = json.loads(text)
    if value == ALL_BOTS:
        return ALL_BOTS
    return tuple(value)


def _bots_text(bots: BotChoice) -> str:
    return _JSON_ENCODER.encode(ALL_BOTS if bots == ALL_BOTS else list(bots))


def _campaign(row: Sequence[Any]) -> Campaign:
    return Campaign(
        id=row[0],
        name=row[1],
        template=row[2],
        bots=_bots(row[3]),
        pace=row[4],
        start_at=_time(row[5]),
        status=CampaignStatus(row[6]),
        created_at=_required_time(row[7]),
        updated_at=_required_time(row[8]),
        created_by=row[9],
        skipped=json.loads(row[10]),
    )


def _recipient(row: Sequence[Any]) -> Recipient:
    """A recipient from a row selected with _RECIPIENT_SELECT."""
    return Recipient(
        campaign_id=row[0],
        phone=row[1],
        status=RecipientStatus(row[2]),
        text=row[3],
        seq=row[4],
        preferred_bot=row[5],
        bot_id=row[6],
        message_id=row[7],
        wa_id=row[8],
        reason=row[9],
        claimed_at=_time(row[10]),
        sent_at=_time(row[11]),
        delivered_at=_time(row[12]),
        read_at=_time(row[13]),
        replied_at=_time(row[14]),
        failed_at=_time(row[15]),
        updated_at=_required_time(row[16]),
    )


def _opt_out(row: Sequence[Any]) -> OptOut:
    return OptOut(phone=row[0], reason=row[1], bot_id=row[2], created_at=_required_time(row[3]))


def _audit(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(
        id=row[0],
        action=row[1],
        os_user=row[2],
        at=_required_time(row[3]),
        ssh_client=row[4],
        bot_id=row[5],
        detail=json.loads(row[6]),
    )


def _sync_state(row: Sequence[Any]) -> SyncState:
    return SyncState(
        account=row[0],
        sync_token=row[1],
        last_full_sync=_time(row[2]),
        last_sync=_time(row[3]),
        last_error=row[4],
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


_INSERT_MESSAGE = """INSERT INTO messages (bot_id, direction, peer, text, status, created_at,
    wa_id, sent_at, delivered_at, read_at, failed_at, error, campaign_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""

T = TypeVar("T")


async def _on_thread(db: aiosqlite.Connection, func: Callable[..., T], *args: Any) -> T:
    """func(connection, *args) run on aiosqlite's thread, in one trip. aiosqlite has no
    public call for this; its private one is used here and only here."""
    result: T = await db._execute(func, db._conn, *args)  # noqa: SLF001
    return result


def _one_transaction(conn: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """On aiosqlite's thread: BEGIN, work, COMMIT, or ROLLBACK if work raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn)
    except BaseException:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


def _insert_audit_sync(conn: sqlite3.Connection, entry: AuditEntry) -> int:
    cursor = conn.execute(
        """INSERT INTO audit (action, os_user, at, ssh_client, bot_id, detail)
        VALUES (?, ?, ?, ?, ?, ?)""",
        (
            entry.action,
            entry.os_user,
            _time_text(entry.at),
            entry.ssh_client,
            entry.bot_id,
            json.dumps(entry.detail, ensure_ascii=False),
        ),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _ensure_ref_sync(
    conn: sqlite3.Connection, phone: str, bot_id: str, at: datetime
) -> tuple[ContactRef, bool]:
    """The reference for (phone, bot_id), created pending at ``at`` if missing: (ref, created)."""
    created_at = store_time(at)
    cursor = conn.execute(
        f"INSERT OR IGNORE INTO contact_refs ({_REF_COLUMNS}) VALUES (?, ?, ?, NULL, ?, NULL, NULL)",
        (phone, bot_id, str(SyncStatus.PENDING), _time_text(created_at)),
    )
    if cursor.rowcount == 1:
        return ContactRef(phone=phone, bot_id=bot_id, created_at=created_at), True
    row = conn.execute(
        f"SELECT {_REF_COLUMNS} FROM contact_refs WHERE phone = ? AND bot_id = ?", (phone, bot_id)
    ).fetchone()
    return _ref(row), False


def _advance_sync(conn: sqlite3.Connection, u: StatusUpdate) -> Message | None:
    """Move one message forward (never backward); the message after, or None if absent."""
    row = conn.execute(
        f"""SELECT {_MESSAGE_COLUMNS} FROM messages WHERE bot_id = ? AND wa_id = ?
        ORDER BY id DESC LIMIT 1""",
        (u.bot_id, u.wa_id),
    ).fetchone()
    if row is None:
        return None
    current = _message(row)
    updated = advance_status(current, u.status, u.at, u.error)
    if updated is None:
        return current
    conn.execute(
        """UPDATE messages SET status = ?, sent_at = ?, delivered_at = ?, read_at = ?,
            failed_at = ?, error = ? WHERE id = ?""",
        (
            str(updated.status),
            _time_text(updated.sent_at),
            _time_text(updated.delivered_at),
            _time_text(updated.read_at),
            _time_text(updated.failed_at),
            updated.error,
            updated.id,
        ),
    )
    return updated


def _insert_rows(
    conn: sqlite3.Connection, into: str, width: int, rows: Sequence[tuple[Any, ...]], then: str = ""
) -> None:
    """``into VALUES (...), (...), ... then`` for every row, many rows a statement.

    Not executemany: it hands the GIL to the other threads and takes it back around
    every row, and under load each of those hand-overs waits for the OS to run a thread,
    which made storing a Google sync slow its parsing (on another thread) to a crawl.
    """
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(_ROWS_PER_INSERT, limit // width))
    one = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        conn.execute(
            f"{into} VALUES {', '.join([one] * len(part))} {then}",
            [value for row in part for value in row],
        )


def _write_contacts(
    conn: sqlite3.Connection,
    contacts: Sequence[Contact],
    generation: str | None,
    new: frozenset[str] = frozenset(),
) -> None:
    """Upsert contacts (at most one per resource name) and their phone rows. ``new``:
    resource names known not to be in the store yet, whose (absent) phone rows need no
    deleting."""
    _insert_rows(
        conn,
        _UPSERT_CONTACT_INTO,
        _UPSERT_CONTACT_WIDTH,
        [_contact_row(c, generation) for c in contacts],
        _UPSERT_CONTACT_THEN,
    )
    for chunk in _chunks([c.resource_name for c in contacts if c.resource_name not in new]):
        conn.execute(
            f"DELETE FROM contact_phones WHERE resource_name IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
    _insert_rows(
        conn,
        "INSERT INTO contact_phones (resource_name, phone)",
        2,
        [(c.resource_name, phone) for c in contacts for phone in unique_in_order(c.phones)],
    )


def _mark_deleted(conn: sqlite3.Connection, resource_names: Iterable[str]) -> int:
    gone = 0
    for chunk in _chunks(list(resource_names)):
        cursor = conn.execute(
            f"""UPDATE contacts SET deleted = 1
            WHERE deleted = 0 AND resource_name IN ({", ".join("?" * len(chunk))})""",
            chunk,
        )
        gone += cursor.rowcount
    return gone


def _count_changes(
    conn: sqlite3.Connection, contacts: Sequence[Contact]
) -> tuple[int, int, frozenset[str]]:
    """(created, updated) that writing these contacts will make (see SyncPageOutcome),
    and the resource names not in the store at all."""
    before: dict[str, tuple[str, int]] = {}
    names = [c.resource_name for c in contacts]
    for chunk in _chunks(names):
        # One row of JSON for the chunk: fetching a row per contact hands the GIL over
        # per row (see _insert_rows).
        (found,) = conn.execute(
            f"""SELECT json_group_array(json_array(resource_name, etag, deleted))
            FROM contacts WHERE resource_name IN ({", ".join("?" * len(chunk))})""",
            chunk,
        ).fetchone()
        before.update((name, (etag, deleted)) for name, etag, deleted in json.loads(found))
    created = updated = 0
    for contact in contacts:
        previous = before.get(contact.resource_name)
        if previous is None or previous[1]:
            created += 1
        elif previous[0] != contact.etag:
            updated += 1
    return created, updated, frozenset(names).difference(before)


def _save_sync_state(conn: sqlite3.Connection, state: SyncState) -> None:
    conn.execute(
        """INSERT INTO sync_state (account, sync_token, last_full_sync, last_sync, last_error)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (account) DO UPDATE SET sync_token = excluded.sync_token,
            last_full_sync = excluded.last_full_sync, last_sync = excluded.last_sync,
            last_error = excluded.last_error""",
        (
            state.account,
            state.sync_token,
            _time_text(state.last_full_sync),
            _time_text(state.last_sync),
            state.last_error,
        ),
    )


def _audit_entry(entry: AuditEntry) -> AuditEntry:
    """The audit entry as stored: time to the millisecond, detail made JSON-safe."""
    return replace(entry, at=store_time(entry.at), detail=audit_detail(entry.detail))


# --- broadcasts: each function runs on aiosqlite's thread, inside one transaction ---------


def _insert_campaign_sync(
    conn: sqlite3.Connection, campaign: Campaign, recipients: Sequence[NewRecipient]
) -> int:
    created = _time_text(campaign.created_at)
    cursor = conn.execute(
        """INSERT INTO campaigns (name, template, bots, pace, start_at, status, created_at,
            updated_at, created_by, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            campaign.name,
            campaign.template,
            _bots_text(campaign.bots),
            campaign.pace,
            _time_text(campaign.start_at),
            str(campaign.status),
            created,
            _time_text(campaign.updated_at),
            campaign.created_by,
            _JSON_ENCODER.encode(campaign.skipped),
        ),
    )
    campaign_id = cursor.lastrowid
    assert campaign_id is not None and created is not None

    # What every row shares (its campaign, when it was written, and its state: the
    # skipped ones go in a second statement) is written once in the statement, not
    # bound on each of 100,000 rows (about a tenth of the insert's time). They are
    # Linda's own values, quoted as SQL text.
    def insert(status: RecipientStatus, reason: str) -> str:
        return (
            "INSERT INTO recipients (campaign_id, phone, seq, status, text, "
            f"preferred_bot, reason, updated_at) VALUES ({int(campaign_id):d}, ?, ?, "
            f"{_sql_text(status)}, ?, ?, {reason}, {_sql_text(created)})"
        )

    with collector_paused():  # 100,000 rows: see linda_tui.bulk
        to_send = [
            (r.phone, seq, r.text, r.preferred_bot)
            for seq, r in enumerate(recipients)
            if r.skip_reason is None
        ]
        skipped = [
            (r.phone, seq, r.text, r.preferred_bot, r.skip_reason)
            for seq, r in enumerate(recipients)
            if r.skip_reason is not None
        ]
    conn.executemany(insert(RecipientStatus.PENDING, "NULL"), to_send)
    if skipped:
        conn.executemany(insert(RecipientStatus.SKIPPED, "?"), skipped)
    return campaign_id


def _sql_text(value: str) -> str:
    """value as an SQL string literal (quotes doubled): for Linda's own values only."""
    return "'" + str(value).replace("'", "''") + "'"


def _move_campaign_sync(
    conn: sqlite3.Connection, key: int, status: CampaignStatus, at: str
) -> Campaign | None:
    sources = allowed_from(status)
    conn.execute(
        f"""UPDATE campaigns SET status = ?, updated_at = ?
        WHERE id = ? AND status != ? AND status IN ({", ".join("?" * len(sources))})""",
        (str(status), at, key, str(status), *sources),
    )
    row = conn.execute(f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ?", (key,)).fetchone()
    if row is None or row[6] != status:
        return None  # no such campaign, or the move is not allowed from where it is
    if status is CampaignStatus.CANCELLED:
        _skip_pending_sync(conn, key, at)
    return _campaign(row)


def _cancelled_sync(conn: sqlite3.Connection, key: int) -> bool:
    """Whether campaign key is cancelled (it sends nothing more)."""
    row = conn.execute("SELECT status FROM campaigns WHERE id = ?", (key,)).fetchone()
    return row is not None and row[0] == CampaignStatus.CANCELLED


def _skip_pending_sync(conn: sqlite3.Connection, key: int, at: str) -> None:
    """The pending recipients of campaign key, which is cancelled, become skipped
    ("campaign cancelled"): nobody is left looking as if still to be sent to."""
    conn.execute(
        """UPDATE recipients SET status = ?, reason = ?, updated_at = ?
        WHERE campaign_id = ? AND status = ?""",
        (str(RecipientStatus.SKIPPED), CANCELLED_REASON, at, key, str(RecipientStatus.PENDING)),
    )


def _claim_sync(
    conn: sqlite3.Connection,
    key: int,
    phone: str,
    bot_id: str,
    at: datetime,
    repeat_since: datetime | None,
) -> Claim:
    at_text = _time_text(at)
    campaign = conn.execute(
        "SELECT status, template FROM campaigns WHERE id = ?", (key,)
    ).fetchone()
    if campaign is None or campaign[0] != CampaignStatus.RUNNING:
        return Claim(ClaimOutcome.NOT_RUNNING)
    row = conn.execute(
        "SELECT status, text FROM recipients WHERE campaign_id = ? AND phone = ?", (key, phone)
    ).fetchone()
    if row is None or row[0] != RecipientStatus.PENDING:
        return Claim(ClaimOutcome.NOT_PENDING)
    text = row[1] or campaign[1]
    skip = None
    if conn.execute("SELECT 1 FROM opt_outs WHERE phone = ?", (phone,)).fetchone():
        skip = ClaimOutcome.OPTED_OUT, OPTED_OUT_REASON
    elif (
        repeat_since is not None
        and conn.execute(
            """SELECT 1 FROM messages WHERE peer = ? AND direction = ? AND text = ?
        AND created_at >= ? AND status != ? LIMIT 1""",
            (phone, str(Direction.OUT), text, _time_text(repeat_since), str(MessageStatus.FAILED)),
        ).fetchone()
    ):
        skip = ClaimOutcome.REPEAT, REPEAT_REASON
    if skip is not None:
        conn.execute(
            """UPDATE recipients SET status = ?, reason = ?, updated_at = ?
            WHERE campaign_id = ? AND phone = ?""",
            (str(RecipientStatus.SKIPPED), skip[1], at_text, key, phone),
        )
        return Claim(skip[0])
    message = normalised_message(
        Message(
            bot_id=bot_id,
            direction=Direction.OUT,
            peer=phone,
            text=text,
            status=MessageStatus.PENDING,
            created_at=at,
            campaign_id=key,
        )
    )
    message_id = conn.execute(_INSERT_MESSAGE, _message_row(message)).lastrowid
    conn.execute(
        """UPDATE recipients SET status = ?, bot_id = ?, message_id = ?, claimed_at = ?,
            reason = NULL, updated_at = ? WHERE campaign_id = ? AND phone = ?""",
        (str(RecipientStatus.SENDING), bot_id, message_id, at_text, at_text, key, phone),
    )
    return Claim(ClaimOutcome.CLAIMED, replace(message, id=message_id))


def _complete_sync(
    conn: sqlite3.Connection,
    key: int,
    phone: str,
    message_id: int,
    wa_id: str,
    sent_at: datetime,
    audit: AuditEntry | None,
) -> Message | None:
    sent_text = _time_text(sent_at)
    # Whatever the message's row said (pending; failed if released meanwhile),
    # WhatsApp has it now: that is the truth to keep.
    changed = conn.execute(
        """UPDATE messages SET status = ?, wa_id = ?, sent_at = ?, failed_at = NULL,
            error = NULL WHERE id = ? AND status IN (?, ?)""",
        (
            str(MessageStatus.SENT),
            wa_id,
            sent_text,
            message_id,
            str(MessageStatus.PENDING),
            str(MessageStatus.FAILED),
        ),
    ).rowcount
    row = conn.execute(
        f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
    ).fetchone()
    if row is None:
        return None
    if changed and audit is not None:
        _insert_audit_sync(conn, audit)
    conn.execute(
        """UPDATE recipients SET status = ?, wa_id = ?, sent_at = ?, reason = NULL, updated_at = ?
        WHERE campaign_id = ? AND phone = ? AND message_id = ? AND status IN (?, ?)""",
        (
            str(RecipientStatus.SENT),
            wa_id,
            sent_text,
            sent_text,
            key,
            phone,
            message_id,
            str(RecipientStatus.SENDING),
            str(RecipientStatus.UNCERTAIN),
        ),
    )
    return _message(row)


def _fail_messages_sync(
    conn: sqlite3.Connection, where: str, parameters: Sequence[Any], error: str, at: str
) -> None:
    """Mark failed the pending messages of the recipients matching where (on r)."""
    conn.execute(
        f"""UPDATE messages SET status = ?, error = ?, failed_at = ?
        WHERE status = ? AND id IN (SELECT r.message_id FROM recipients AS r WHERE {where})""",
        (str(MessageStatus.FAILED), error, at, str(MessageStatus.PENDING), *parameters),
    )


def _release_sync(conn: sqlite3.Connection, key: int, phone: str, reason: str, at: str) -> bool:
    where = "r.campaign_id = ? AND r.phone = ? AND r.status = ?"
    parameters = (key, phone, str(RecipientStatus.SENDING))
    _fail_messages_sync(conn, where, parameters, reason, at)
    released = (
        conn.execute(
            """UPDATE recipients SET status = ?, bot_id = NULL, message_id = NULL,
                claimed_at = NULL, reason = ?, updated_at = ?
            WHERE campaign_id = ? AND phone = ? AND status = ?""",
            (str(RecipientStatus.PENDING), reason, at, *parameters),
        ).rowcount
        > 0
    )
    if released and _cancelled_sync(conn, key):
        _skip_pending_sync(conn, key, at)  # cancelled while it was on its way
    return released


def _fail_sync(conn: sqlite3.Connection, key: int, phone: str, reason: str, at: str) -> bool:
    states = (
        str(RecipientStatus.PENDING),
        str(RecipientStatus.SENDING),
        str(RecipientStatus.UNCERTAIN),
    )
    where = "r.campaign_id = ? AND r.phone = ? AND r.status IN (?, ?, ?)"
    _fail_messages_sync(conn, where, (key, phone, *states), reason, at)
    return (
        conn.execute(
            """UPDATE recipients SET status = ?, reason = ?, failed_at = ?, updated_at = ?
            WHERE campaign_id = ? AND phone = ? AND status IN (?, ?, ?)""",
            (str(RecipientStatus.FAILED), reason, at, at, key, phone, *states),
        ).rowcount
        > 0
    )


def _uncertain_sync(conn: sqlite3.Connection, key: int | None, at: str) -> int:
    campaign = "" if key is None else " AND campaign_id = ?"
    parameters: tuple[Any, ...] = () if key is None else (key,)
    sending = str(RecipientStatus.SENDING)
    # A message the store holds as sent (with its WhatsApp id) did go: without
    # transactions (MongoDB standalone) a crash can fall between the two writes.
    conn.execute(
        f"""UPDATE recipients SET status = ?,
            wa_id = (SELECT m.wa_id FROM messages AS m WHERE m.id = recipients.message_id),
            sent_at = (SELECT m.sent_at FROM messages AS m WHERE m.id = recipients.message_id),
            updated_at = ?
        WHERE status = ?{campaign} AND EXISTS (SELECT 1 FROM messages AS m
            WHERE m.id = recipients.message_id AND m.wa_id IS NOT NULL)""",
        (str(RecipientStatus.SENT), at, sending, *parameters),
    )
    return conn.execute(
        f"""UPDATE recipients SET status = ?, reason = ?, updated_at = ?
        WHERE status = ?{campaign}""",
        (str(RecipientStatus.UNCERTAIN), IN_FLIGHT_REASON, at, sending, *parameters),
    ).rowcount


def _resolve_sync(
    conn: sqlite3.Connection,
    key: int,
    phones: Sequence[str] | None,
    action: UncertainAction,
    at: str,
    audit: AuditEntry | None,
) -> int:
    where = "r.campaign_id = ? AND r.status = ?"
    parameters: list[Any] = [key, str(RecipientStatus.UNCERTAIN)]
    if phones is not None:
        wanted = unique_in_order(list(phones))
        if not wanted:
            return 0
        where += f" AND r.phone IN ({', '.join('?' * len(wanted))})"
        parameters.extend(wanted)
    if action is UncertainAction.RESEND:
        if _cancelled_sync(conn, key):
            return 0  # it sends nothing more: back to pending would be pending for ever
        _fail_messages_sync(conn, where, parameters, RESENT_ERROR, at)
        changed = conn.execute(
            f"""UPDATE recipients AS r SET status = ?, bot_id = NULL, message_id = NULL,
                claimed_at = NULL, reason = NULL, updated_at = ? WHERE {where}""",
            (str(RecipientStatus.PENDING), at, *parameters),
        ).rowcount
    else:
        conn.execute(
            f"""UPDATE messages SET status = ?, sent_at = created_at
            WHERE status = ? AND id IN (SELECT r.message_id FROM recipients AS r WHERE {where})""",
            (str(MessageStatus.SENT), str(MessageStatus.PENDING), *parameters),
        )
        changed = conn.execute(
            f"""UPDATE recipients AS r SET status = ?, sent_at = COALESCE(claimed_at, ?),
                reason = ?, updated_at = ? WHERE {where}""",
            (str(RecipientStatus.SENT), at, MARKED_SENT_REASON, at, *parameters),
        ).rowcount
    if changed and audit is not None:
        _insert_audit_sync(conn, audit)
    return changed


def _replied_sync(conn: sqlite3.Connection, phone: str, at: str, since: str) -> int | None:
    row = conn.execute(
        """SELECT rowid, campaign_id, replied_at FROM recipients
        WHERE phone = ? AND status = ? AND sent_at >= ? AND sent_at <= ?
        ORDER BY sent_at DESC, rowid DESC LIMIT 1""",
        (phone, str(RecipientStatus.SENT), since, at),
    ).fetchone()
    if row is None or row[2] is not None:
        return None
    conn.execute("UPDATE recipients SET replied_at = ? WHERE rowid = ?", (at, row[0]))
    return int(row[1])


def _fewer_rows(conn: sqlite3.Connection, table: str, than: int) -> bool:
    """Whether table has fewer rows than `than` numbers to look up (counting no further):
    then reading it whole is one statement instead of one per _LOOKUP_CHUNK numbers, as
    when a campaign of 100,000 checks a few hundred opt-outs."""
    (count,) = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT ?)", (than,)
    ).fetchone()
    return bool(count < than)


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    wanted = unique_in_order(list(values))
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        yield wanted[start : start + _LOOKUP_CHUNK]


class SQLiteStore(Store):
    """The store in one SQLite file. ``path`` is created (0600) on open if missing, and
    checked (links, damage) on every open: see ``_prepare_file`` and ``_check_integrity``."""

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.url = f"{SQLITE_PREFIX}{self.path}"
        self._busy_timeout_ms = int(busy_timeout * 1000)
        self._db: aiosqlite.Connection | None = None
        # A second, read-only connection used on the event loop's own thread for point
        # lookups by an indexed key (a phone, a WhatsApp id): they take microseconds,
        # less than the trip to aiosqlite's thread. WAL lets it read beside the writer.
        self._reader: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    # --- lifecycle ----------------------------------------------------------------

    async def open(self) -> None:
        """Create or migrate the file and connect. Raises StoreError (one line)."""
        async with self._lock:  # two concurrent opens must not make two connections
            if self._db is None:
                await asyncio.to_thread(self._prepare_file)
                self._db = await self._connect()
                self._reader = self._open_reader()

    async def _connect(self) -> aiosqlite.Connection:
        try:
            connecting = aiosqlite.connect(self.path, isolation_level=None)
            # The connection's thread must not keep the process alive: a ctrl+c while
            # Linda closes (before the store is) left it waiting on that thread for
            # ever. Ending it abruptly is as safe as a kill -9: SQLite rolls back any
            # transaction it was in.
            thread = getattr(connecting, "_thread", None)
            if thread is not None and not thread.is_alive():
                thread.daemon = True
            db = await connecting
        except sqlite3.Error as exc:
            raise self._failure(exc) from None
        try:
            # Settings and schema in one trip to the connection's thread: each trip is a
            # hand-over to that thread and back, and the console's first frame waits for
            # the store to open.
            await _on_thread(db, self._set_up)
        except BaseException as exc:
            await db.close()
            if isinstance(exc, sqlite3.Error):
                raise self._failure(exc) from None
            raise
        return db

    def _set_up(self, conn: sqlite3.Connection) -> None:
        """On the connection's thread: WAL, durability settings, then the schema."""
        conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms:d}")
        self._check_integrity(conn)
        mode = self._enter_wal(conn)
        if mode.lower() != "wal":
            raise StoreError(
                f"{self.path}: SQLite cannot use WAL mode on this file system — "
                "put the store on a local disk"
            )
        # NORMAL is durable against a crash of Linda in WAL mode and avoids an
        # fsync per write; only a power cut can lose the very last commits.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # 32 MiB of page cache for the writer (SQLite's default is 2 MiB): a Google
        # sync writes 1,000 contacts at random places in the contacts and phone
        # indexes per page, and with a small cache each write re-reads its pages.
        # Used only as the store grows; a full sync of 50,000 contacts spent half
        # as long in its inserts with it.
        conn.execute("PRAGMA cache_size = -32768")
        # Checkpoint the WAL every 16 MiB rather than 4: a sync page of 1,000 contacts
        # dirties about 8 MiB of index pages, so at 4 MiB every page paid a checkpoint.
        conn.execute("PRAGMA wal_autocheckpoint = 4000")
        migrate(conn, self.path)

    def _enter_wal(self, conn: sqlite3.Connection) -> str:
        """Switch to WAL, retrying while another connection holds the file: SQLite may
        answer "database is locked" at once here, without calling the busy handler
        (two Lindas opening a new file together). Runs on the connection's thread."""
        deadline = time.monotonic() + self._busy_timeout_ms / 1000
        while True:
            try:
                return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _open_reader(self) -> sqlite3.Connection | None:
        try:
            reader = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            reader.execute("PRAGMA busy_timeout = 200")  # never hold the loop long
            reader.execute("PRAGMA query_only = ON")
        except sqlite3.Error:
            return None  # point reads then go through aiosqlite like the rest
        return reader

    async def _point(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """A small indexed read, done on the loop's thread (see _reader)."""
        reader = self._reader
        if reader is None:
            return await self._read(sql, parameters)
        with self._errors():
            return reader.execute(sql, parameters).fetchall()

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        db, self._db = self._db, None
        if db is not None:
            async with self._lock:
                await db.close()

    async def schema_version(self) -> int:
        async with self._lock:
            with self._errors():
                db = self._connection()
                return await _on_thread(db, read_version)

    def _prepare_file(self) -> None:
        """Make sure the file is a Linda store that can be opened safely, creating a new
        one if missing; refuse anything else in one line. Runs off the event loop.

        - The folder must be the user's and writable by nobody else (see
          linda_tui.private_files); a missing one is created 0700.
        - The file and the ``-wal``/``-shm``/``-journal`` files SQLite opens beside it
          must not be links or anything but regular files of the user's: SQLite would
          follow a link and write through it.
        - A new store is made whole under a temporary name and then linked into place,
          so Linda never leaves an empty or half-made store behind. An empty (0 byte)
          store is therefore never Linda's own: it was cut short or made by another
          program, and it is refused rather than silently started afresh (which would
          forget every opt-out).
        """
        path = self.path
        if str(path) in ("", ":memory:"):
            raise StoreError(
                "the store needs a file path (in-memory databases are not kept) — "
                "use e.g. ./linda.db"
            )
        try:
            if path.is_dir():
                raise StoreError(
                    f"{path} is a folder — give the store a file path, e.g. {path / 'linda.db'}"
                )
            folder = path.parent
            if folder.exists() and not folder.is_dir():
                raise StoreError(
                    f"{path}: {folder} is a file, not a folder — choose another store path"
                )
            ensure_folder(folder, "store folder")
            # SQLite opens these beside the store, following links.
            for suffix in SQLITE_SIDE_FILES:
                refuse_unsafe_file(f"{path}{suffix}", f"store's {suffix} file")
            if not os.path.lexists(path):
                self._create_file()
            self._check_file()
            if not os.access(folder, os.W_OK | os.X_OK):
                raise StoreError(
                    f"{folder}: no permission to write in this folder (SQLite keeps "
                    f"{path.name}-wal next to the file) — choose a folder you can write to"
                )
        except UnsafePathError as exc:
            raise StoreError(str(exc)) from None
        except OSError as exc:
            raise StoreError(
                f"{path}: cannot use this file ({exc.strerror or exc}) — "
                "choose a path in a folder you can write to"
            ) from None

    def _create_file(self) -> None:
        """A new, migrated store at ``self.path``, made under a temporary name first."""
        path = self.path
        tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.new")
        os.close(open_private(tmp, os.O_WRONLY, "new store"))  # 0600, O_EXCL
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                # No fsync (30-50 ms on a busy disk, on the console's first run): the file
                # holds only the empty schema, a crash of Linda cannot lose it (the page
                # cache survives), and after a power cut quick_check at the next open
                # would say so.
                conn.execute("PRAGMA synchronous = OFF")
                migrate(conn, path)
            finally:
                conn.close()  # the last connection: SQLite folds the -wal into the file
            try:
                os.link(tmp, path)  # never replaces: a store made meanwhile wins
            except FileExistsError:
                pass
            except OSError:
                if not os.path.lexists(path):  # a file system without hard links
                    os.rename(tmp, path)
        finally:
            for suffix in ("", *SQLITE_SIDE_FILES):
                with suppress(FileNotFoundError):
                    os.unlink(f"{tmp}{suffix}")

    def _check_file(self) -> None:
        """The existing file: a regular file of the user's (tightened to 0600 if
        looser), readable and writable, non-empty, with SQLite's header."""
        path = self.path
        fd = open_private(path, os.O_RDONLY, "store", create=False)
        try:
            header = os.read(fd, len(SQLITE_HEADER))
        finally:
            os.close(fd)
        if not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(
                f"{path}: no permission to read and write it — "
                "fix its owner or permissions, or choose another store path"
            )
        if not header:
            raise StoreError(
                f"{path} is empty (0 bytes), and Linda never leaves an empty store: it was "
                "cut short or made by another program — restore it from a backup, or remove "
                "it to start a new, empty store"
            )
        if header != SQLITE_HEADER:
            raise StoreError(
                f"{path} is not a SQLite database — move it aside or choose another store path"
            )

    def _damaged(self, reason: str) -> StoreError:
        return StoreError(
            f"{self.path} is damaged ({_one_line(reason)[:200]}) — restore it from a backup, "
            "or move it aside (with its -wal file) and Linda starts a new, empty store"
        )

    def _check_integrity(self, conn: sqlite3.Connection) -> None:
        """SQLite's quick_check, before anything is written: a damaged file must not take
        new writes. It reads every page once (about 35 ms for a 22 MB store of 50,000
        contacts) on the connection's thread, never on the event loop."""
        rows = conn.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            first = str(rows[0][0]) if rows else "no answer"
            more = f" and {len(rows) - 1} more problems" if len(rows) > 1 else ""
            raise self._damaged(f"SQLite's integrity check: {first}{more}")

    # --- access -------------------------------------------------------------------

    def _connection(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreError("the store is not open — call `await store.open()` first")
        return self._db

    def _failure(self, exc: sqlite3.Error) -> StoreError:
        text = _one_line(str(exc))
        if isinstance(exc, sqlite3.IntegrityError):
            return StoreError(f"the store refused the write ({text}); none of it was saved")
        lowered = text.lower()
        if "malformed" in lowered:
            return self._damaged(text)
        if "not a database" in lowered:
            return StoreError(
                f"{self.path} is not a usable SQLite database ({text}) — "
                "move it aside or choose another store path"
            )
        if "locked" in lowered or "busy" in lowered:
            # Waited busy_timeout already; it may pass (a backup, a `sqlite3` shell).
            return TransientStoreError(
                f"{self.path} is locked by another program ({text}) — "
                "close the other Linda using it, then try again"
            )
        if "readonly" in lowered or "unable to open" in lowered:
            return StoreError(
                f"{self.path}: cannot write the store ({text}) — "
                "check the file's and its folder's permissions"
            )
        if "full" in lowered:
            return StoreError(f"{self.path}: the disk is full ({text}) — free some space")
        return StoreError(f"{self.path}: {text}")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise self._failure(exc) from None
        except UnicodeEncodeError:
            raise not_unicode() from None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One transaction, all of it or none of it; nothing else runs meanwhile."""
        async with self._lock:
            db = self._connection()
            with self._errors():
                try:
                    await db.execute("BEGIN IMMEDIATE")
                    yield db
                except BaseException:
                    # The ROLLBACK is queued behind whatever was already sent to the
                    # connection's thread, so it undoes all of it, even on cancellation.
                    with suppress(sqlite3.Error):
                        await db.execute("ROLLBACK")
                    raise
                await db.execute("COMMIT")

    async def _in_one_hop(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run work(connection) as one transaction in a single trip to aiosqlite's
        thread. The hot paths (sends, receipts, audit) use it: each trip costs about as
        much as the SQL itself, and a transaction of four statements is five trips.
        Once queued it runs to the end, so cancelling the caller cannot split it."""
        async with self._lock:
            db = self._connection()
            with self._errors():
                return await _on_thread(db, _one_transaction, work)

    async def _read(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        async with self._lock:
            with self._errors():
                return list(await self._connection().execute_fetchall(sql, parameters))

    async def _write(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        """One statement (atomic on its own); returns how many rows it changed."""
        async with self._lock:
            with self._errors():
                cursor = await self._connection().execute(sql, parameters)
                return cursor.rowcount

    # --- contacts -----------------------------------------------------------------

    async def upsert_contacts(self, contacts: Sequence[Contact]) -> int:
        contacts = last_wins(contacts)
        if not contacts:
            return 0
        await self._in_one_hop(lambda conn: _write_contacts(conn, contacts, None))
        return len(contacts)

    async def get_contact(self, resource_name: str) -> Contact | None:
        rows = await self._read(
            f"SELECT {_CONTACT_SELECT} FROM contacts AS c WHERE c.resource_name = ?",
            (resource_name,),
        )
        return _contact(rows[0]) if rows else None

    async def find_contacts_by_phone(self, phone: str) -> list[Contact]:
        rows = await self._point(
            f"""SELECT {_CONTACT_SELECT}
            FROM contact_phones AS p JOIN contacts AS c ON c.resource_name = p.resource_name
            WHERE p.phone = ? AND c.deleted = 0 ORDER BY c.resource_name""",
            (phone,),
        )
        return [_contact(row) for row in rows]

    async def find_contacts_by_phones(self, phones: Sequence[str]) -> dict[str, list[Contact]]:
        wanted = unique_in_order(phones)
        found: dict[str, list[Contact]] = {phone: [] for phone in wanted}
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            rows = await self._read(
                f"""SELECT p.phone, {_CONTACT_SELECT}
                FROM contact_phones AS p JOIN contacts AS c ON c.resource_name = p.resource_name
                WHERE p.phone IN ({", ".join("?" * len(chunk))}) AND c.deleted = 0
                ORDER BY c.resource_name""",
                chunk,
            )
            for row in rows:
                found[row[0]].append(_contact(row[1:]))
        return found

    async def search_contacts(self, query: str, limit: int = 50) -> list[Contact]:
        if limit <= 0:
            return []
        # instr() rather than LIKE: no wildcard escaping, and the text is lowercased
        # in Python on both sides, which (unlike LIKE) also folds non-ASCII letters.
        rows = await self._read(
            f"""SELECT {_CONTACT_SELECT} FROM contacts AS c
            WHERE c.deleted = 0 AND instr(c.search_text, ?) > 0
            ORDER BY c.sort_key, c.resource_name LIMIT ?""",
            (query.strip().lower(), limit),
        )
        return [_contact(row) for row in rows]

    async def list_contacts(self, after: str | None = None, limit: int = 1000) -> list[Contact]:
        rows = await self._read(
            f"""SELECT {_CONTACT_SELECT} FROM contacts AS c
            WHERE c.deleted = 0 AND c.resource_name > ? ORDER BY c.resource_name LIMIT ?""",
            (after or "", max(limit, 0)),
        )
        return [_contact(row) for row in rows]

    async def count_contacts(self, include_deleted: bool = False) -> int:
        where = "" if include_deleted else " WHERE deleted = 0"
        rows = await self._read(f"SELECT COUNT(*) FROM contacts{where}")
        return int(rows[0][0])

    async def mark_contacts_deleted(self, resource_names: Sequence[str]) -> int:
        if not resource_names:
            return 0
        names = list(resource_names)
        return await self._in_one_hop(lambda conn: _mark_deleted(conn, names))

    # --- contact references -------------------------------------------------------

    async def upsert_contact_ref(self, ref: ContactRef) -> None:
        await self._write(
            f"""INSERT INTO contact_refs ({_REF_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (phone, bot_id) DO UPDATE SET
                sync_status = excluded.sync_status, last_sync = excluded.last_sync,
                created_at = excluded.created_at, resource_name = excluded.resource_name,
                error = excluded.error""",
            (
                ref.phone,
                ref.bot_id,
                str(ref.sync_status),
                _time_text(ref.last_sync),
                _time_text(ref.created_at),
                ref.resource_name,
                ref.error,
            ),
        )

    async def ensure_contact_ref(
        self, phone: str, bot_id: str, at: datetime | None = None
    ) -> tuple[ContactRef, bool]:
        when = at or utcnow()
        return await self._in_one_hop(lambda conn: _ensure_ref_sync(conn, phone, bot_id, when))

    async def owner_of(self, phone: str) -> ContactRef | None:
        # rowid breaks ties between references created in the same millisecond.
        rows = await self._point(
            f"""SELECT {_REF_COLUMNS} FROM contact_refs WHERE phone = ?
            ORDER BY created_at, rowid LIMIT 1""",
            (phone,),
        )
        return _ref(rows[0]) if rows else None

    async def get_contact_ref(self, phone: str, bot_id: str) -> ContactRef | None:
        rows = await self._read(
            f"SELECT {_REF_COLUMNS} FROM contact_refs WHERE phone = ? AND bot_id = ?",
            (phone, bot_id),
        )
        return _ref(rows[0]) if rows else None

    async def list_contact_refs(
        self, bot_id: str | None, status: SyncStatus | None = None, limit: int = 1000
    ) -> list[ContactRef]:
        conditions, parameters = [], []
        if bot_id is not None:
            conditions.append("bot_id = ?")
            parameters.append(bot_id)
        if status is not None:
            conditions.append("sync_status = ?")
            parameters.append(str(status))
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = await self._read(
            f"""SELECT {_REF_COLUMNS} FROM contact_refs {where}
            ORDER BY created_at, rowid LIMIT ?""",
            (*parameters, max(limit, 0)),
        )
        return [_ref(row) for row in rows]

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
        return await self.set_contact_ref_statuses([update]) > 0

    async def set_contact_ref_statuses(self, updates: Sequence[ContactRefUpdate]) -> int:
        if not updates:
            return 0
        rows = [
            (str(u.status), _time_text(u.at), u.resource_name, u.error, u.phone, u.bot_id)
            for u in updates
        ]

        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.executemany(
                """UPDATE contact_refs SET sync_status = ?, last_sync = ?,
                    resource_name = COALESCE(?, resource_name), error = ?
                WHERE phone = ? AND bot_id = ?""",
                rows,
            )
            return cursor.rowcount

        return await self._in_one_hop(work)

    # --- messages -----------------------------------------------------------------

    async def add_message(self, message: Message, audit: AuditEntry | None = None) -> Message:
        message = normalised_message(message)
        entry = _audit_entry(audit) if audit is not None else None

        def work(conn: sqlite3.Connection) -> int:
            message_id = conn.execute(_INSERT_MESSAGE, _message_row(message)).lastrowid
            if entry is not None:
                _insert_audit_sync(conn, entry)
            assert message_id is not None
            return message_id

        return replace(message, id=await self._in_one_hop(work))

    async def finish_send(self, message: Message, audit: AuditEntry | None = None) -> Message:
        message = normalised_message(message)
        key = _row_id(message.id)
        if key is None:
            raise StoreError(f"message id {message.id!r} is not an id of this store")
        entry = _audit_entry(audit) if audit is not None else None

        outcome = (
            str(message.status),
            message.wa_id,
            _time_text(message.sent_at),
            _time_text(message.failed_at),
            message.error,
        )

        def work(conn: sqlite3.Connection) -> int:
            found = conn.execute(
                "SELECT status, wa_id, sent_at, failed_at, error FROM messages WHERE id = ?",
                (key,),
            ).fetchone()
            if found is None:
                return 0
            if tuple(found) != outcome:
                # Only when this call changes it: a retry finds the outcome and its
                # audit entry there already (as on MongoDB).
                conn.execute(
                    """UPDATE messages SET status = ?, wa_id = ?, sent_at = ?, failed_at = ?,
                    error = ? WHERE id = ?""",
                    (*outcome, key),
                )
                if entry is not None:
                    _insert_audit_sync(conn, entry)
            return 1

        if not await self._in_one_hop(work):
            raise StoreError(f"no message {key} in {self.path} to record the send's outcome on")
        return message

    async def record_inbound(self, message: Message) -> InboundRecord:
        if message.direction != Direction.IN:
            raise ValueError("record_inbound takes inbound messages; use add_message for outbound")
        message = normalised_message(message)

        def work(conn: sqlite3.Connection) -> InboundRecord:
            stored = None
            if message.wa_id is not None:
                # The same terms as the index messages_inbound_once, so it is used.
                row = conn.execute(
                    f"""SELECT {_MESSAGE_COLUMNS} FROM messages
                    WHERE bot_id = ? AND wa_id = ? AND direction = 'in' AND wa_id IS NOT NULL""",
                    (message.bot_id, message.wa_id),
                ).fetchone()
                stored = None if row is None else _message(row)
            ref, created = _ensure_ref_sync(conn, message.peer, message.bot_id, message.created_at)
            if stored is not None:
                return InboundRecord(stored, ref, created, False)
            message_id = conn.execute(_INSERT_MESSAGE, _message_row(message)).lastrowid
            assert message_id is not None
            return InboundRecord(replace(message, id=message_id), ref, created, True)

        return await self._in_one_hop(work)

    async def update_message_status(
        self,
        bot_id: str,
        wa_id: str,
        status: MessageStatus,
        at: datetime,
        error: str | None = None,
    ) -> Message | None:
        update = StatusUpdate(bot_id, wa_id, status, at, error)
        return await self._in_one_hop(lambda conn: _advance_sync(conn, update))

    async def update_message_statuses(self, updates: Sequence[StatusUpdate]) -> list[Message]:
        if not updates:
            return []
        updates = list(updates)

        def work(conn: sqlite3.Connection) -> list[Message]:
            found = [_advance_sync(conn, u) for u in updates]
            return [m for m in found if m is not None]

        return await self._in_one_hop(work)

    async def get_message(self, bot_id: str, wa_id: str) -> Message | None:
        rows = await self._point(
            f"""SELECT {_MESSAGE_COLUMNS} FROM messages WHERE bot_id = ? AND wa_id = ?
            ORDER BY id DESC LIMIT 1""",
            (bot_id, wa_id),
        )
        return _message(rows[0]) if rows else None

    async def list_messages(
        self, bot_id: str | None = None, peer: str | None = None, limit: int = 100
    ) -> list[Message]:
        conditions, parameters = [], []
        if bot_id is not None:
            conditions.append("bot_id = ?")
            parameters.append(bot_id)
        if peer is not None:
            conditions.append("peer = ?")
            parameters.append(peer)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = await self._read(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages {where} ORDER BY created_at DESC, id DESC LIMIT ?",
            (*parameters, max(limit, 0)),
        )
        return [_message(row) for row in rows]

    async def message_counts(self, since: datetime) -> dict[tuple[str, Direction], int]:
        rows = await self._read(
            """SELECT bot_id, direction, COUNT(*) FROM messages
            WHERE created_at >= ? AND status != ? GROUP BY bot_id, direction""",
            (_time_text(since), str(MessageStatus.FAILED)),
        )
        return {(bot_id, Direction(direction)): int(count) for bot_id, direction, count in rows}

    async def last_outbound_to(
        self, bot_id: str | None, peer: str, text: str, since: datetime
    ) -> Message | None:
        where = "peer = ? AND direction = ? AND text = ? AND created_at >= ?"
        parameters: list[Any] = [peer, str(Direction.OUT), text, _time_text(since)]
        if bot_id is not None:
            where += " AND bot_id = ?"
            parameters.append(bot_id)
        rows = await self._point(
            f"""SELECT {_MESSAGE_COLUMNS} FROM messages WHERE {where}
            ORDER BY created_at DESC, id DESC LIMIT 1""",
            parameters,
        )
        return _message(rows[0]) if rows else None

    # --- broadcasts -----------------------------------------------------------------

    async def _on_connection(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Reads that take several statements, in one trip to aiosqlite's thread."""
        async with self._lock:
            db = self._connection()
            with self._errors():
                return await _on_thread(db, work)

    async def create_campaign(
        self, campaign: Campaign, recipients: Sequence[NewRecipient]
    ) -> Campaign:
        campaign = replace(
            campaign,
            created_at=store_time(campaign.created_at),
            updated_at=store_time(campaign.updated_at),
            start_at=optional_store_time(campaign.start_at),
        )
        kept = first_of_each_phone(recipients)
        # One trip, one transaction, one executemany: 100,000 recipients in a blink.
        campaign_id = await self._in_one_hop(
            lambda conn: _insert_campaign_sync(conn, campaign, kept)
        )
        return replace(campaign, id=campaign_id)

    async def get_campaign(self, campaign_id: int | str) -> Campaign | None:
        key = _row_id(campaign_id)
        if key is None:
            return None
        rows = await self._read(f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns WHERE id = ?", (key,))
        return _campaign(rows[0]) if rows else None

    async def list_campaigns(self, limit: int = 100) -> list[Campaign]:
        rows = await self._read(
            f"SELECT {_CAMPAIGN_COLUMNS} FROM campaigns ORDER BY created_at DESC, id DESC LIMIT ?",
            (max(limit, 0),),
        )
        return [_campaign(row) for row in rows]

    async def set_campaign_status(
        self, campaign_id: int | str, status: CampaignStatus, at: datetime
    ) -> Campaign | None:
        key = _row_id(campaign_id)
        if key is None:
            return None
        at_text = _time_text(at)
        assert at_text is not None
        return await self._in_one_hop(lambda conn: _move_campaign_sync(conn, key, status, at_text))

    async def list_recipients(
        self,
        campaign_id: int | str,
        status: RecipientStatus | None = None,
        limit: int | None = None,
        after_seq: int | None = None,
    ) -> list[Recipient]:
        key = _row_id(campaign_id)
        if key is None:
            return []
        where, parameters = "r.campaign_id = ?", list[Any]([key])
        if status is not None:
            # Stored states use the (campaign, status, seq) index; derived ones compare
            # the derived state.
            where += f" AND ({_RECIPIENT_STATE}) = ?" if status in _DERIVED else " AND r.status = ?"
            parameters.append(str(status))
        if after_seq is not None:
            where += " AND r.seq > ?"
            parameters.append(after_seq)
        rows = await self._read(
            f"SELECT {_RECIPIENT_SELECT} WHERE {where} ORDER BY r.seq LIMIT ?",
            (*parameters, -1 if limit is None else max(limit, 0)),
        )
        return [_recipient(row) for row in rows]

    async def count_recipients(self, campaign_id: int | str) -> dict[RecipientStatus, int]:
        counts = dict.fromkeys(RecipientStatus, 0)
        key = _row_id(campaign_id)
        if key is None:
            return counts
        rows = await self._read(
            f"""SELECT {_RECIPIENT_STATE} AS state, COUNT(*)
            FROM recipients AS r LEFT JOIN messages AS m ON m.id = r.message_id
            WHERE r.campaign_id = ? GROUP BY state""",
            (key,),
        )
        for state, count in rows:
            counts[RecipientStatus(state)] = int(count)
        return counts

    async def count_recipients_by_bot(
        self, campaign_id: int | str
    ) -> dict[str, dict[RecipientStatus, int]]:
        counts: dict[str, dict[RecipientStatus, int]] = {}
        key = _row_id(campaign_id)
        if key is None:
            return counts
        rows = await self._read(
            f"""SELECT COALESCE(r.bot_id, r.preferred_bot, '') AS bot,
                {_RECIPIENT_STATE} AS state, COUNT(*)
            FROM recipients AS r LEFT JOIN messages AS m ON m.id = r.message_id
            WHERE r.campaign_id = ? GROUP BY bot, state""",
            (key,),
        )
        for bot, state, count in rows:
            counts.setdefault(bot, {})[RecipientStatus(state)] = int(count)
        return counts

    async def claim_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        bot_id: str,
        at: datetime,
        repeat_since: datetime | None = None,
    ) -> Claim:
        key = _row_id(campaign_id)
        if key is None:
            return Claim(ClaimOutcome.NOT_RUNNING)
        return await self._in_one_hop(
            lambda conn: _claim_sync(conn, key, phone, bot_id, at, repeat_since)
        )

    async def complete_recipient(
        self,
        campaign_id: int | str,
        phone: str,
        message_id: int | str,
        wa_id: str,
        sent_at: datetime,
        audit: AuditEntry | None = None,
    ) -> Message | None:
        key, message_key = _row_id(campaign_id), _row_id(message_id)
        if key is None or message_key is None:
            return None
        entry = _audit_entry(audit) if audit is not None else None
        return await self._in_one_hop(
            lambda conn: _complete_sync(conn, key, phone, message_key, wa_id, sent_at, entry)
        )

    async def release_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        key, at_text = _row_id(campaign_id), _time_text(at)
        if key is None or at_text is None:
            return False
        return await self._in_one_hop(lambda conn: _release_sync(conn, key, phone, reason, at_text))

    async def hold_uncertain(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        key, at_text = _row_id(campaign_id), _time_text(at)
        if key is None or at_text is None:
            return False
        changed = await self._write(
            """UPDATE recipients SET status = ?, reason = ?, updated_at = ?
            WHERE campaign_id = ? AND phone = ? AND status = ?""",
            (
                str(RecipientStatus.UNCERTAIN),
                reason,
                at_text,
                key,
                phone,
                str(RecipientStatus.SENDING),
            ),
        )
        return changed > 0

    async def fail_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        key, at_text = _row_id(campaign_id), _time_text(at)
        if key is None or at_text is None:
            return False
        return await self._in_one_hop(lambda conn: _fail_sync(conn, key, phone, reason, at_text))

    async def skip_recipient(
        self, campaign_id: int | str, phone: str, reason: str, at: datetime
    ) -> bool:
        key = _row_id(campaign_id)
        if key is None:
            return False
        changed = await self._write(
            """UPDATE recipients SET status = ?, reason = ?, updated_at = ?
            WHERE campaign_id = ? AND phone = ? AND status = ?""",
            (
                str(RecipientStatus.SKIPPED),
                reason,
                _time_text(at),
                key,
                phone,
                str(RecipientStatus.PENDING),
            ),
        )
        return changed > 0

    async def mark_in_flight_uncertain(self, campaign_id: int | str | None, at: datetime) -> int:
        key = None if campaign_id is None else _row_id(campaign_id)
        if campaign_id is not None and key is None:
            return 0
        at_text = _time_text(at)
        assert at_text is not None
        return await self._in_one_hop(lambda conn: _uncertain_sync(conn, key, at_text))

    async def resolve_uncertain(
        self,
        campaign_id: int | str,
        phones: Sequence[str] | None,
        action: UncertainAction,
        at: datetime,
        audit: AuditEntry | None = None,
    ) -> int:
        key, at_text = _row_id(campaign_id), _time_text(at)
        if key is None or at_text is None:
            return 0
        entry = _audit_entry(audit) if audit is not None else None
        return await self._in_one_hop(
            lambda conn: _resolve_sync(conn, key, phones, UncertainAction(action), at_text, entry)
        )

    async def mark_replied(self, phone: str, at: datetime, since: datetime) -> int | str | None:
        at_text, since_text = _time_text(at), _time_text(since)
        assert at_text is not None and since_text is not None
        return await self._in_one_hop(lambda conn: _replied_sync(conn, phone, at_text, since_text))

    async def sent_times(self, bot_id: str, since: datetime) -> list[datetime]:
        rows = await self._read(
            """SELECT created_at FROM messages WHERE bot_id = ? AND created_at >= ?
            AND direction = ? AND status != ? ORDER BY created_at""",
            (bot_id, _time_text(since), str(Direction.OUT), str(MessageStatus.FAILED)),
        )
        return [_required_time(row[0]) for row in rows]

    async def recent_outbound(self, since: datetime) -> set[tuple[str, str]]:
        rows = await self._read(
            """SELECT peer, text FROM messages WHERE created_at >= ? AND direction = ?
            AND status != ?""",
            (_time_text(since), str(Direction.OUT), str(MessageStatus.FAILED)),
        )
        return {(peer, text) for peer, text in rows}

    async def opted_out_among(self, phones: Sequence[str]) -> set[str]:
        def work(conn: sqlite3.Connection) -> set[str]:
            if _fewer_rows(conn, "opt_outs", len(phones)):
                wanted = set(phones)
                return {phone for (phone,) in conn.execute("SELECT phone FROM opt_outs")} & wanted
            found: set[str] = set()
            for chunk in _chunks(phones):
                found.update(
                    row[0]
                    for row in conn.execute(
                        f"SELECT phone FROM opt_outs WHERE phone IN ({', '.join('?' * len(chunk))})",
                        chunk,
                    )
                )
            return found

        return await self._on_connection(work) if phones else set()

    async def owners_of(self, phones: Sequence[str]) -> dict[str, str]:
        def work(conn: sqlite3.Connection) -> dict[str, str]:
            owners: dict[str, str] = {}
            if _fewer_rows(conn, "contact_refs", len(phones)):
                wanted = set(phones)
                rows = conn.execute(
                    "SELECT phone, bot_id FROM contact_refs ORDER BY created_at DESC, rowid DESC"
                )
                # Newest first, so the oldest reference of each phone is written last.
                owners.update({phone: bot_id for phone, bot_id in rows if phone in wanted})
                return owners
            for chunk in _chunks(phones):
                rows = conn.execute(
                    f"""SELECT phone, bot_id FROM contact_refs
                    WHERE phone IN ({", ".join("?" * len(chunk))})
                    ORDER BY created_at DESC, rowid DESC""",
                    chunk,
                )
                # Newest first, so the oldest reference of each phone is written last.
                owners.update({phone: bot_id for phone, bot_id in rows})
            return owners

        return await self._on_connection(work) if phones else {}

    # --- opt-outs -------------------------------------------------------------------

    async def add_opt_out(self, opt_out: OptOut) -> bool:
        added = await self._write(
            "INSERT OR IGNORE INTO opt_outs (phone, reason, bot_id, created_at) VALUES (?, ?, ?, ?)",
            (opt_out.phone, opt_out.reason, opt_out.bot_id, _time_text(opt_out.created_at)),
        )
        return added == 1

    async def remove_opt_out(self, phone: str) -> bool:
        return await self._write("DELETE FROM opt_outs WHERE phone = ?", (phone,)) > 0

    async def is_opted_out(self, phone: str) -> bool:
        return bool(await self._point("SELECT 1 FROM opt_outs WHERE phone = ?", (phone,)))

    async def get_opt_out(self, phone: str) -> OptOut | None:
        rows = await self._point(
            "SELECT phone, reason, bot_id, created_at FROM opt_outs WHERE phone = ?", (phone,)
        )
        return _opt_out(rows[0]) if rows else None

    async def list_opt_outs(self, limit: int = 1000) -> list[OptOut]:
        rows = await self._read(
            """SELECT phone, reason, bot_id, created_at FROM opt_outs
            ORDER BY created_at DESC, phone LIMIT ?""",
            (max(limit, 0),),
        )
        return [_opt_out(row) for row in rows]

    # --- audit trail ----------------------------------------------------------------

    async def add_audit(self, entry: AuditEntry) -> AuditEntry:
        entry = _audit_entry(entry)
        entry_id = await self._in_one_hop(lambda conn: _insert_audit_sync(conn, entry))
        return replace(entry, id=entry_id)

    async def list_audit(self, bot_id: str | None = None, limit: int = 100) -> list[AuditEntry]:
        where, parameters = "", []
        if bot_id is not None:
            where, parameters = "WHERE bot_id = ?", [bot_id]
        rows = await self._read(
            f"""SELECT id, action, os_user, at, ssh_client, bot_id, detail FROM audit {where}
            ORDER BY at DESC, id DESC LIMIT ?""",
            (*parameters, max(limit, 0)),
        )
        return [_audit(row) for row in rows]

    async def last_audit_at(self, bot_id: str, action: str) -> datetime | None:
        rows = await self._read(
            """SELECT at FROM audit
            WHERE bot_id = ? AND action = ? ORDER BY at DESC LIMIT 1""",
            (bot_id, action),
        )
        return _required_time(rows[0][0]) if rows else None

    # --- sync state -----------------------------------------------------------------

    async def get_sync_state(self, account: str = "default") -> SyncState:
        rows = await self._read(
            """SELECT account, sync_token, last_full_sync, last_sync, last_error
            FROM sync_state WHERE account = ?""",
            (account,),
        )
        return _sync_state(rows[0]) if rows else SyncState(account=account)

    async def set_sync_state(self, state: SyncState) -> None:
        await self._in_one_hop(lambda conn: _save_sync_state(conn, state))

    async def apply_sync_page(
        self,
        upserts: Sequence[Contact],
        deleted: Sequence[str],
        state: SyncState | None,
        *,
        generation: str | None = None,
    ) -> SyncPageOutcome:
        pages = [SyncPage(upserts, deleted)]
        return (await self.apply_sync_pages(pages, state, generation=generation))[0]

    async def apply_sync_pages(
        self,
        pages: Sequence[SyncPage],
        state: SyncState | None,
        *,
        generation: str | None = None,
    ) -> list[SyncPageOutcome]:
        # One transaction for them all; inside it each page is applied as on its own, in
        # order, so a contact deleted by one page and listed again by a later one is back.
        work_list = [(last_wins(page.upserts), list(page.deleted)) for page in pages] or [([], [])]

        def work(conn: sqlite3.Connection) -> list[SyncPageOutcome]:
            outcomes: list[SyncPageOutcome] = []
            for upserts, deleted in work_list:
                created, updated, new = _count_changes(conn, upserts)
                if upserts:
                    _write_contacts(conn, upserts, generation, new)
                gone = _mark_deleted(conn, deleted) if deleted else 0
                outcomes.append(SyncPageOutcome(created=created, updated=updated, deleted=gone))
            if state is not None:
                _save_sync_state(conn, state)
            return outcomes

        return await self._in_one_hop(work)

    async def finish_full_sync(self, generation: str, state: SyncState) -> int:
        def work(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                """UPDATE contacts SET deleted = 1 WHERE deleted = 0
                AND (sync_generation IS NULL OR sync_generation != ?)""",
                (generation,),
            )
            _save_sync_state(conn, state)
            return cursor.rowcount

        return await self._in_one_hop(work)

    # --- leases ---------------------------------------------------------------------

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
        mine = Lease(name=name, holder=holder, acquired_at=now, expires_at=store_time(now + ttl))

        def work(conn: sqlite3.Connection) -> Lease:
            row = conn.execute(
                f"SELECT {_LEASE_COLUMNS} FROM leases WHERE name = ?", (name,)
            ).fetchone()
            if row is not None:
                current = _lease(row)
                free = current.expires_at <= now or current.holder in (holder, take_over)
                if not free:
                    return current
            conn.execute(
                f"""INSERT INTO leases ({_LEASE_COLUMNS}) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,
                    acquired_at = excluded.acquired_at, expires_at = excluded.expires_at""",
                (name, holder, _time_text(mine.acquired_at), _time_text(mine.expires_at)),
            )
            return mine

        return await self._in_one_hop(work)

    async def renew_lease(
        self, name: str, holder: str, ttl: timedelta, now: datetime
    ) -> Lease | None:
        expires = _time_text(now + ttl)

        def work(conn: sqlite3.Connection) -> Lease | None:
            conn.execute(
                "UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?",
                (expires, name, holder),
            )
            row = conn.execute(
                f"SELECT {_LEASE_COLUMNS} FROM leases WHERE name = ? AND holder = ?",
                (name, holder),
            ).fetchone()
            return None if row is None else _lease(row)

        return await self._in_one_hop(work)

    async def release_lease(self, name: str, holder: str) -> bool:
        return (
            await self._write("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
            > 0
        )

    async def get_lease(self, name: str) -> Lease | None:
        rows = await self._read(f"SELECT {_LEASE_COLUMNS} FROM leases WHERE name = ?", (name,))
        return _lease(rows[0]) if rows else None
