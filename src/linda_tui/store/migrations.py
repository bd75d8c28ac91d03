"""The SQLite schema, as a list of versioned migration steps.

The version lives in ``PRAGMA user_version``. Each step runs in its own
transaction together with the version bump, so a crash mid-migration leaves the
file at the previous version, never half-migrated. Never edit a step that has
shipped: add a new one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from linda_tui.store.base import StoreError


@dataclass(frozen=True)
class Migration:
    """One schema step: the statements that take the file from version - 1 to version."""

    version: int
    description: str
    statements: tuple[str, ...]


# Version 1: every record type. Lists (names, phones, emails, labels) are JSON
# arrays; datetimes are ISO-8601 UTC text to the millisecond, so text order is
# time order.
V1_STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE contacts (
        resource_name TEXT NOT NULL PRIMARY KEY,
        etag TEXT NOT NULL DEFAULT '',
        names TEXT NOT NULL DEFAULT '[]',
        phones TEXT NOT NULL DEFAULT '[]',
        emails TEXT NOT NULL DEFAULT '[]',
        labels TEXT NOT NULL DEFAULT '[]',
        updated_at TEXT,
        deleted INTEGER NOT NULL DEFAULT 0,
        search_text TEXT NOT NULL DEFAULT '',
        sort_key TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE contact_refs (
        phone TEXT NOT NULL,
        bot_id TEXT NOT NULL,
        sync_status TEXT NOT NULL,
        last_sync TEXT,
        created_at TEXT NOT NULL,
        resource_name TEXT,
        error TEXT,
        PRIMARY KEY (phone, bot_id)
    )
    """,
    "CREATE INDEX contact_refs_by_bot ON contact_refs (bot_id, sync_status, created_at)",
    """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        bot_id TEXT NOT NULL,
        direction TEXT NOT NULL,
        peer TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        wa_id TEXT,
        sent_at TEXT,
        delivered_at TEXT,
        read_at TEXT,
        failed_at TEXT,
        error TEXT,
        campaign_id INTEGER
    )
    """,
    "CREATE INDEX messages_by_bot ON messages (bot_id, created_at)",
    "CREATE INDEX messages_by_peer ON messages (peer, created_at)",
    "CREATE INDEX messages_by_time ON messages (created_at)",
    """
    CREATE TABLE campaigns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        text TEXT NOT NULL,
        bot_id TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        created_by TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TABLE recipients (
        campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
        phone TEXT NOT NULL,
        seq INTEGER NOT NULL,
        status TEXT NOT NULL,
        bot_id TEXT,
        wa_id TEXT,
        error TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (campaign_id, phone)
    )
    """,
    "CREATE INDEX recipients_in_order ON recipients (campaign_id, status, seq)",
    """
    CREATE TABLE opt_outs (
        phone TEXT NOT NULL PRIMARY KEY,
        reason TEXT NOT NULL DEFAULT '',
        bot_id TEXT,
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action TEXT NOT NULL,
        os_user TEXT NOT NULL,
        at TEXT NOT NULL,
        ssh_client TEXT,
        bot_id TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE INDEX audit_by_time ON audit (at)",
    "CREATE INDEX audit_by_bot ON audit (bot_id, at)",
    """
    CREATE TABLE sync_state (
        account TEXT NOT NULL PRIMARY KEY,
        sync_token TEXT,
        last_full_sync TEXT,
        last_sync TEXT,
        last_error TEXT
    )
    """,
)

# Version 2: finding a contact by phone was a scan of every contact's JSON phone
# list; a phone -> contact table with an index makes it a lookup. Receipts find
# their message by (bot, WhatsApp id), which also had no index.
V2_STATEMENTS: tuple[str, ...] = (
    """
    CREATE TABLE contact_phones (
        resource_name TEXT NOT NULL,
        phone TEXT NOT NULL,
        PRIMARY KEY (resource_name, phone)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX contact_phones_by_phone ON contact_phones (phone)",
    """
    INSERT OR IGNORE INTO contact_phones (resource_name, phone)
    SELECT contacts.resource_name, phone.value
    FROM contacts, json_each(contacts.phones) AS phone
    WHERE phone.type = 'text'
    """,
    "CREATE INDEX messages_by_wa_id ON messages (bot_id, wa_id)",
)

# Version 3: durable broadcasts. A campaign keeps its template, the bots it sends
# from (a JSON list of ids, or "all"), its pace profile, start time and what was
# skipped when it was created; each recipient its own rendered text and variables
# (no longer written: the text is what a campaign keeps of a customer's row; the
# column stays, '{}', for the files that have it), the bot it prefers and the bot
# that claimed it, its outbound message, and the times it was claimed, sent, failed
# and replied to. Replies find their recipient by phone and send time; crash
# recovery finds the ones still sending.
V3_STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE campaigns RENAME COLUMN text TO template",
    "ALTER TABLE campaigns RENAME COLUMN bot_id TO bots",
    """
    UPDATE campaigns SET bots = CASE
        WHEN bots IN ('auto', 'all', '') THEN '"all"' ELSE json_array(bots) END
    """,
    "ALTER TABLE campaigns ADD COLUMN pace TEXT NOT NULL DEFAULT 'standard'",
    "ALTER TABLE campaigns ADD COLUMN start_at TEXT",
    "ALTER TABLE campaigns ADD COLUMN skipped TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE recipients RENAME COLUMN error TO reason",
    "ALTER TABLE recipients ADD COLUMN text TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE recipients ADD COLUMN variables TEXT NOT NULL DEFAULT '{}'",
    "ALTER TABLE recipients ADD COLUMN preferred_bot TEXT",
    "ALTER TABLE recipients ADD COLUMN message_id INTEGER",
    "ALTER TABLE recipients ADD COLUMN claimed_at TEXT",
    "ALTER TABLE recipients ADD COLUMN sent_at TEXT",
    "ALTER TABLE recipients ADD COLUMN failed_at TEXT",
    "ALTER TABLE recipients ADD COLUMN replied_at TEXT",
    # Recipients of campaigns made before version 3 get the campaign's one text.
    """
    UPDATE recipients SET text = (
        SELECT template FROM campaigns WHERE campaigns.id = recipients.campaign_id)
    """,
    # Partial indexes: a new campaign's recipients (not sent, not sending) are in
    # neither, so creating 100,000 of them does not pay for these two.
    "CREATE INDEX recipients_by_phone ON recipients (phone, sent_at) WHERE sent_at IS NOT NULL",
    "CREATE INDEX recipients_in_flight ON recipients (status) WHERE status = 'sending'",
)

# Version 4 (3 belongs to the broadcast records): the Google Contacts sync.
# - raw_phones: numbers as written that have no E.164 form, kept and shown.
# - sync_generation: the full sync that last saw a contact; a full sync stamps every
#   contact it lists, then marks the unstamped ones deleted in one transaction, so a
#   sync that dies midway deletes nothing.
# - leases: which process may sync right now (a console and `linda sync` share a file).
V4_STATEMENTS: tuple[str, ...] = (
    "ALTER TABLE contacts ADD COLUMN raw_phones TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE contacts ADD COLUMN sync_generation TEXT",
    """
    CREATE TABLE leases (
        name TEXT NOT NULL PRIMARY KEY,
        holder TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    ) WITHOUT ROWID
    """,
)

# Version 5: an inbound message is stored once. WhatsApp delivers a message again after
# a reconnect, and a write retried after a failure may already have landed: a unique
# index on (bot, WhatsApp id) of inbound messages makes recording one idempotent.
# Copies stored before this version are folded into the first one (inbound rows are
# referenced by nothing). Outbound rows are not constrained: their id comes back from
# WhatsApp after the row exists, and a send's outcome must always be savable.
V5_STATEMENTS: tuple[str, ...] = (
    """
    DELETE FROM messages
    WHERE direction = 'in' AND wa_id IS NOT NULL AND id NOT IN (
        SELECT MIN(id) FROM messages WHERE direction = 'in' AND wa_id IS NOT NULL
        GROUP BY bot_id, wa_id)
    """,
    """
    CREATE UNIQUE INDEX messages_inbound_once ON messages (bot_id, wa_id)
    WHERE direction = 'in' AND wa_id IS NOT NULL
    """,
)

# Version 6: a bot's last audit entry of one kind (its last pairing, from which its
# warm-up counts) is an index lookup: scanning its newest entries lost the pairing once
# the bot had sent a few hundred messages, each with its own entry.
V6_STATEMENTS: tuple[str, ...] = ("CREATE INDEX audit_by_bot_action ON audit (bot_id, action, at)",)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "every record type", V1_STATEMENTS),
    Migration(2, "phone lookup table for contacts; message lookup by WhatsApp id", V2_STATEMENTS),
    Migration(
        3, "durable broadcasts: per-recipient text, claims, times and replies", V3_STATEMENTS
    ),
    Migration(4, "contacts sync: raw phones, full-sync generations, leases", V4_STATEMENTS),
    Migration(5, "inbound messages stored once per bot and WhatsApp id", V5_STATEMENTS),
    Migration(6, "a bot's last audit entry of one kind (its last pairing)", V6_STATEMENTS),
)

CURRENT_VERSION = MIGRATIONS[-1].version

_OUR_TABLES = frozenset(
    {
        "contacts",
        "contact_phones",
        "contact_refs",
        "messages",
        "campaigns",
        "recipients",
        "opt_outs",
        "audit",
        "sync_state",
        "leases",
        "sqlite_sequence",
    }
)


def read_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the file (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the file at path up to CURRENT_VERSION; returns the version it started at.

    Runs on the connection's own thread (aiosqlite's), in one go: opening the store
    is then one trip to that thread, not one per statement.

    Raises StoreError when the file was written by a newer Linda or is another
    program's SQLite database (a WhatsApp session file, say), which must not be touched.
    """
    version = read_version(conn)
    if version > CURRENT_VERSION:
        raise StoreError(
            f"{path} was written by a newer Linda (schema version {version}, this Linda "
            f"knows up to {CURRENT_VERSION}); upgrade Linda"
        )
    if version == 0:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        foreign = sorted({row[0] for row in rows} - _OUR_TABLES)
        if foreign:
            shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
            raise StoreError(
                f"{path} is a SQLite database of another program (tables: {shown}) — "
                "give Linda its own file, e.g. ./linda.db"
            )
    for step in MIGRATIONS:
        if step.version <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if read_version(conn) >= step.version:
                # Another Linda opening the same file migrated it meanwhile.
                conn.execute("ROLLBACK")
                continue
            for statement in step.statements:
                conn.execute(statement)
            # PRAGMA user_version is transactional: it commits with the step.
            conn.execute(f"PRAGMA user_version = {step.version:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return version
