"""The SQLite backend: the file, its schema versions, bad files, and real atomicity."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from linda_tui.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    Contact,
    ContactRef,
    Direction,
    Message,
    MessageStatus,
    NewRecipient,
    RecipientStatus,
    SyncState,
    SyncStatus,
)
from linda_tui.store import SQLiteStore, StoreError
from linda_tui.store.migrations import CURRENT_VERSION, MIGRATIONS, V1_STATEMENTS

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
A = "+971501234561"
B = "+971501234562"
C = "+971501234563"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and text.strip(), f"not one line: {text!r}"
    return text


def raw(path: Path, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Look at the file directly, not through the store."""
    with sqlite3.connect(path) as db:
        return db.execute(sql, parameters).fetchall()


# --- the file ---------------------------------------------------------------------------


async def test_new_file_is_private_in_wal_mode_at_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "data" / "linda.db"  # the folder is created too
    async with SQLiteStore(path) as store:
        assert await store.schema_version() == CURRENT_VERSION
        await store.upsert_contacts([Contact(resource_name="people/1", phones=[A])])
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        wal = path.with_name("linda.db-wal")
        assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
    assert raw(path, "PRAGMA journal_mode") == [("wal",)]
    assert raw(path, "PRAGMA user_version") == [(CURRENT_VERSION,)]
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_an_existing_file_with_loose_permissions_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path):
        pass
    path.chmod(0o644)
    async with SQLiteStore(path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_the_schema_versions_are_consecutive() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, CURRENT_VERSION + 1))
    assert CURRENT_VERSION >= 2


async def test_migration_from_version_1_keeps_every_record(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    # A file exactly as Linda's schema version 1 wrote it.
    with sqlite3.connect(path) as db:
        for statement in V1_STATEMENTS:
            db.execute(statement)
        db.execute("PRAGMA user_version = 1")
        db.execute(
            """INSERT INTO contacts (resource_name, etag, names, phones, emails, labels,
            updated_at, deleted, search_text, sort_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                "people/c1",
                "e1",
                json.dumps(["Omar Saleh"]),
                json.dumps([A, B]),
                json.dumps(["omar@example.com"]),
                json.dumps(["Buyers"]),
                "2026-01-15T09:00:00.000+00:00",
                0,
                "omar saleh\n+971501234561\n+971501234562\nomar@example.com\nbuyers",
                "omar saleh",
            ),
        )
        db.execute(
            """INSERT INTO contact_refs (phone, bot_id, sync_status, last_sync, created_at)
            VALUES (?, 'main', 'synced', '2026-01-15T09:05:00.000+00:00',
            '2026-01-15T09:00:00.000+00:00')""",
            (A,),
        )
        db.execute(
            """INSERT INTO messages (bot_id, direction, peer, text, status, created_at, wa_id)
            VALUES ('main', 'out', ?, 'Welcome', 'read', '2026-01-15T09:01:00.000+00:00', 'WA1')""",
            (A,),
        )
        # Campaigns of version 1: one text for everyone and one bot_id ("auto" or an id).
        for campaign_id, bot_id in ((1, "auto"), (2, "agent-1")):
            db.execute(
                """INSERT INTO campaigns (id, name, text, bot_id, status, created_at, updated_at,
                created_by) VALUES (?, 'Offer', 'New units', ?, 'paused',
                '2026-01-15T09:00:00.000+00:00', '2026-01-15T09:02:00.000+00:00', 'ops')""",
                (campaign_id, bot_id),
            )
        db.execute(
            """INSERT INTO recipients (campaign_id, phone, seq, status, bot_id, wa_id, error,
            updated_at) VALUES (1, ?, 0, 'failed', 'main', NULL, 'not on WhatsApp',
            '2026-01-15T09:03:00.000+00:00'), (1, ?, 1, 'pending', NULL, NULL, NULL,
            '2026-01-15T09:00:00.000+00:00')""",
            (A, B),
        )

    async with SQLiteStore(path) as store:
        assert await store.schema_version() == CURRENT_VERSION
        omar = Contact(
            resource_name="people/c1",
            etag="e1",
            names=["Omar Saleh"],
            phones=[A, B],
            emails=["omar@example.com"],
            labels=["Buyers"],
            updated_at=T0,
        )
        assert await store.get_contact("people/c1") == omar
        # The v2 phone table was filled from the v1 data.
        assert await store.find_contacts_by_phone(B) == [omar]
        assert await store.search_contacts("omar") == [omar]
        assert await store.owner_of(A) == ContactRef(
            phone=A,
            bot_id="main",
            sync_status=SyncStatus.SYNCED,
            last_sync=at(5),
            created_at=T0,
        )
        sent = await store.get_message("main", "WA1")
        assert sent is not None and sent.status == MessageStatus.READ and sent.text == "Welcome"
        updated = await store.update_message_status("main", "WA1", MessageStatus.DELIVERED, at(2))
        assert updated is not None and updated.delivered_at == at(2)
        # Version 3 turned the campaigns' text into their template and bot_id into bots,
        # and gave each recipient the campaign's text.
        old = await store.get_campaign(1)
        assert old == Campaign(
            id=1,
            name="Offer",
            template="New units",
            bots="all",
            status=CampaignStatus.PAUSED,
            created_at=T0,
            updated_at=at(2),
            created_by="ops",
        )
        one_bot = await store.get_campaign(2)
        assert one_bot is not None and one_bot.bots == ("agent-1",)
        failed, pending = await store.list_recipients(1)
        assert (failed.status, failed.reason, failed.text, failed.updated_at) == (
            RecipientStatus.FAILED,
            "not on WhatsApp",
            "New units",
            at(3),
        )
        assert (pending.phone, pending.status, pending.text) == (
            B,
            RecipientStatus.PENDING,
            "New units",
        )
        resumed = await store.set_campaign_status(1, CampaignStatus.RUNNING, at(4))
        assert resumed is not None
        claim = await store.claim_recipient(1, B, "main", at(5))
        assert claim.message is not None and claim.message.text == "New units"
    assert raw(path, "PRAGMA user_version") == [(CURRENT_VERSION,)]


async def test_migration_to_version_5_folds_copies_of_an_inbound_message(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    with sqlite3.connect(path) as db:  # a store at version 4, with a message stored twice
        for step in MIGRATIONS[:4]:
            for statement in step.statements:
                db.execute(statement)
        db.execute("PRAGMA user_version = 4")
        rows = [
            ("main", "in", A, "first copy", "received", "2026-01-15T09:01:00.000+00:00", "IN1"),
            ("main", "in", A, "second copy", "received", "2026-01-15T09:02:00.000+00:00", "IN1"),
            ("other", "in", A, "another bot", "received", "2026-01-15T09:02:00.000+00:00", "IN1"),
            ("main", "out", A, "outbound", "sent", "2026-01-15T09:03:00.000+00:00", "IN1"),
            ("main", "out", A, "outbound again", "sent", "2026-01-15T09:04:00.000+00:00", "IN1"),
            ("main", "in", A, "no id", "received", "2026-01-15T09:05:00.000+00:00", None),
            ("main", "in", A, "no id", "received", "2026-01-15T09:05:00.000+00:00", None),
        ]
        db.executemany(
            """INSERT INTO messages (bot_id, direction, peer, text, status, created_at, wa_id)
            VALUES (?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )
    async with SQLiteStore(path) as store:
        assert await store.schema_version() == CURRENT_VERSION == 6
        texts = sorted(m.text for m in await store.list_messages())
        assert texts == [
            "another bot",
            "first copy",
            "no id",
            "no id",
            "outbound",
            "outbound again",
        ]
        again = await store.record_inbound(
            Message(
                bot_id="main",
                direction=Direction.IN,
                peer=A,
                text="third copy",
                status=MessageStatus.RECEIVED,
                created_at=at(9),
                wa_id="IN1",
            )
        )
        assert not again.new and again.message.text == "first copy"
    with sqlite3.connect(path) as db:
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            db.execute(
                """INSERT INTO messages (bot_id, direction, peer, text, status, created_at, wa_id)
                VALUES ('main', 'in', ?, 'x', 'received', '2026-01-15T09:09:00.000+00:00', 'IN1')""",
                (A,),
            )
        plan = db.execute(
            """EXPLAIN QUERY PLAN SELECT id FROM messages
            WHERE bot_id = 'main' AND wa_id = 'IN1' AND direction = 'in' AND wa_id IS NOT NULL"""
        ).fetchall()
        assert "messages_inbound_once" in str(plan)


async def test_a_file_from_a_newer_linda_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE future (x)")
        db.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    with pytest.raises(StoreError) as caught:
        await SQLiteStore(path).open()
    text = one_line(caught.value)
    assert "newer Linda" in text and text.endswith("upgrade Linda")
    assert raw(path, "PRAGMA user_version") == [(CURRENT_VERSION + 1,)]
    assert raw(path, "SELECT name FROM sqlite_master WHERE name = 'contacts'") == []


async def test_another_programs_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "main.db"  # e.g. a WhatsApp session file given by mistake
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE whatsmeow_device (jid TEXT)")
    with pytest.raises(StoreError) as caught:
        await SQLiteStore(path).open()
    assert "another program" in one_line(caught.value)
    assert "whatsmeow_device" in str(caught.value)
    assert raw(path, "SELECT name FROM sqlite_master WHERE name = 'contacts'") == []


async def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n" * 10)
    with pytest.raises(StoreError) as caught:
        await SQLiteStore(path).open()
    assert "is not a SQLite database" in one_line(caught.value)
    assert path.read_text() == "shopping list\n" * 10


async def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        await SQLiteStore(tmp_path).open()
    assert "is a folder" in one_line(caught.value)


async def test_a_path_below_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError) as caught:
        await SQLiteStore(tmp_path / "file" / "linda.db").open()
    assert "not a folder" in one_line(caught.value)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
async def test_a_place_nothing_can_be_written_is_refused() -> None:
    with pytest.raises(StoreError) as caught:
        await SQLiteStore("/proc/linda-test/linda.db").open()
    assert "cannot use this file" in one_line(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
async def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError) as caught:
            await SQLiteStore(folder / "linda.db").open()
        one_line(caught.value)
    finally:
        folder.chmod(0o700)


async def test_in_memory_is_refused() -> None:
    with pytest.raises(StoreError) as caught:
        await SQLiteStore(":memory:").open()
    assert "file path" in one_line(caught.value)


async def test_open_twice_and_close_twice_are_harmless(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "linda.db")
    await store.open()
    await store.open()
    await store.close()
    await store.close()
    with pytest.raises(StoreError, match="not open"):
        await store.count_contacts()


async def test_phone_lookup_uses_the_index(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path):
        pass
    plan = raw(
        path,
        """EXPLAIN QUERY PLAN SELECT c.resource_name FROM contact_phones AS p
        JOIN contacts AS c ON c.resource_name = p.resource_name WHERE p.phone = ?""",
        (A,),
    )
    assert any("contact_phones_by_phone" in str(row) for row in plan), plan


# --- atomicity, for real: a constraint fails midway and nothing of the batch lands ----


async def test_a_contact_batch_that_fails_midway_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path) as store:
        await store.upsert_contacts(
            [Contact(resource_name="people/1", names=["Before"], phones=[A])]
        )
        batch = [
            Contact(resource_name="people/1", names=["After"], phones=[B]),
            Contact(resource_name="people/2", phones=[C]),
            Contact(resource_name=None, phones=[C]),  # type: ignore[arg-type]  # NOT NULL fails here
            Contact(resource_name="people/4"),
        ]
        with pytest.raises(StoreError) as caught:
            await store.upsert_contacts(batch)
        assert "none of it was saved" in one_line(caught.value)

        before = await store.get_contact("people/1")
        assert before is not None and before.names == ["Before"]
        assert await store.find_contacts_by_phone(A) == [before]
        assert await store.find_contacts_by_phone(B) == []
        assert await store.get_contact("people/2") is None
        assert await store.count_contacts(include_deleted=True) == 1
        # The store is still usable afterwards.
        assert await store.upsert_contacts([Contact(resource_name="people/5")]) == 1
    assert raw(path, "SELECT COUNT(*) FROM contact_phones") == [(1,)]


async def test_a_campaign_whose_recipients_fail_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path) as store:
        campaign = Campaign(name="Offer", template="Hi", created_at=T0, updated_at=T0)
        recipients = [
            NewRecipient(A, "Hi"),
            NewRecipient(B, "Hi"),
            NewRecipient(C, None),  # type: ignore[arg-type]  # NOT NULL fails on the third
        ]
        with pytest.raises(StoreError):
            await store.create_campaign(campaign, recipients)
        assert await store.list_campaigns() == []
    assert raw(path, "SELECT COUNT(*) FROM recipients") == [(0,)]
    assert raw(path, "SELECT COUNT(*) FROM campaigns") == [(0,)]


async def test_record_inbound_that_fails_leaves_no_reference(tmp_path: Path) -> None:
    async with SQLiteStore(tmp_path / "linda.db") as store:
        broken = Message(
            bot_id="main",
            direction=Direction.IN,
            peer=A,
            text=None,  # type: ignore[arg-type]  # NOT NULL fails after the reference is written
            status=MessageStatus.RECEIVED,
            created_at=T0,
        )
        with pytest.raises(StoreError):
            await store.record_inbound(broken)
        assert await store.get_contact_ref(A, "main") is None
        assert await store.list_messages() == []


async def test_a_sync_page_whose_state_fails_leaves_nothing(tmp_path: Path) -> None:
    async with SQLiteStore(tmp_path / "linda.db") as store:
        await store.upsert_contacts([Contact(resource_name="people/1", phones=[A])])
        with pytest.raises(StoreError):
            await store.apply_sync_page(
                [Contact(resource_name="people/2", phones=[B])],
                ["people/1"],
                SyncState(account=None),  # type: ignore[arg-type]  # NOT NULL fails last
            )
        assert await store.get_contact("people/2") is None
        still = await store.get_contact("people/1")
        assert still is not None and not still.deleted
        assert await store.get_sync_state() == SyncState()


async def test_a_failing_transaction_does_not_take_concurrent_writes_with_it(
    tmp_path: Path,
) -> None:
    async with SQLiteStore(tmp_path / "linda.db") as store:
        bad_page = store.apply_sync_page(
            [Contact(resource_name=f"people/{n}") for n in range(200)],
            [],
            SyncState(account=None),  # type: ignore[arg-type]
        )
        messages = [
            store.add_message(
                Message(
                    bot_id="main",
                    direction=Direction.OUT,
                    peer=A,
                    text=f"message {n}",
                    status=MessageStatus.SENT,
                    created_at=at(n),
                )
            )
            for n in range(20)
        ]
        results = await asyncio.gather(bad_page, *messages, return_exceptions=True)
        assert isinstance(results[0], StoreError)
        assert all(not isinstance(r, BaseException) for r in results[1:])
        assert len(await store.list_messages(limit=100)) == 20
        assert await store.count_contacts() == 0


async def test_two_lindas_opening_a_new_file_at_once_both_work(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    first, second = SQLiteStore(path), SQLiteStore(path)
    await asyncio.gather(first.open(), second.open())
    try:
        await first.upsert_contacts([Contact(resource_name="people/1", phones=[A])])
        assert [c.resource_name for c in await second.find_contacts_by_phone(A)] == ["people/1"]
        assert await second.schema_version() == CURRENT_VERSION
    finally:
        await first.close()
        await second.close()


async def test_an_empty_file_is_refused_untouched_never_started_afresh(tmp_path: Path) -> None:
    # Linda makes a new store whole before it takes the name, so an empty file was cut
    # short (or made by someone else): starting afresh would forget every opt-out.
    path = tmp_path / "linda.db"
    path.touch()
    with pytest.raises(StoreError) as caught:
        await SQLiteStore(path).open()
    text = one_line(caught.value)
    assert "is empty (0 bytes)" in text and "restore it from a backup" in text
    assert path.stat().st_size == 0
    assert os.listdir(tmp_path) == ["linda.db"]  # nothing left beside it


async def test_a_new_store_never_exists_half_made_under_its_name(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path) as store:
        assert await store.schema_version() == CURRENT_VERSION
    assert os.listdir(tmp_path) == ["linda.db"]  # no temporary left


# --- broadcasts: all of it or none of it, and durable before the send ---------------------


async def _running_campaign(store: SQLiteStore, *phones: str) -> int:
    created = await store.create_campaign(
        Campaign(name="Offer", template="Hi", created_at=T0, updated_at=T0),
        [NewRecipient(phone, f"Hi {phone}") for phone in phones],
    )
    assert isinstance(created.id, int)
    await store.set_campaign_status(created.id, CampaignStatus.RUNNING, at(1))
    return created.id


def _fail_inserts_into(path: Path, table: str) -> None:
    """Make every later insert into table fail, as a full disk would."""
    with sqlite3.connect(path) as db:
        db.execute(
            f"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )


async def test_a_claim_whose_message_cannot_be_written_leaves_the_recipient_pending(
    tmp_path: Path,
) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path) as store:
        campaign_id = await _running_campaign(store, A)
        _fail_inserts_into(path, "messages")
        with pytest.raises(StoreError, match="disk is full"):
            await store.claim_recipient(campaign_id, A, "main", at(2))
        (recipient,) = await store.list_recipients(campaign_id)
        assert (recipient.status, recipient.bot_id) == (RecipientStatus.PENDING, None)


async def test_a_completion_whose_audit_entry_fails_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path) as store:
        campaign_id = await _running_campaign(store, A)
        claim = await store.claim_recipient(campaign_id, A, "main", at(2))
        assert claim.message is not None and claim.message.id is not None
        _fail_inserts_into(path, "audit")
        audit = AuditEntry(action="broadcast.send", os_user="ops", at=at(3))
        with pytest.raises(StoreError):
            await store.complete_recipient(campaign_id, A, claim.message.id, "WA1", at(3), audit)
        (recipient,) = await store.list_recipients(campaign_id)
        assert recipient.status is RecipientStatus.SENDING
        (message,) = await store.list_messages()
        assert (message.status, message.wa_id) == (MessageStatus.PENDING, None)


_CLAIM_THEN_HANG = """
import asyncio, sys, time
from datetime import datetime, timezone
from linda_tui.store import SQLiteStore

async def main():
    store = SQLiteStore(sys.argv[1])
    await store.open()
    claim = await store.claim_recipient(int(sys.argv[2]), sys.argv[3], "main",
                                        datetime(2026, 1, 15, 9, 2, tzinfo=timezone.utc))
    print(claim.outcome, flush=True)
    time.sleep(60)  # "handing the message to WhatsApp" when the process is killed

asyncio.run(main())
"""


async def test_a_claim_survives_kill_9_and_comes_back_uncertain(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path) as store:
        campaign_id = await _running_campaign(store, A, B)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CLAIM_THEN_HANG,
        str(path),
        str(campaign_id),
        A,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line.strip() == b"claimed"
    process.kill()  # SIGKILL: no cleanup, no commit of anything later
    await process.wait()
    async with SQLiteStore(path) as store:
        assert {r.phone: r.status for r in await store.list_recipients(campaign_id)} == {
            A: RecipientStatus.SENDING,
            B: RecipientStatus.PENDING,
        }
        assert await store.mark_in_flight_uncertain(None, at(10)) == 1
        (uncertain,) = await store.list_recipients(campaign_id, RecipientStatus.UNCERTAIN)
        assert (uncertain.phone, uncertain.bot_id) == (A, "main")
        # Nobody is messaged twice: the uncertain one is never claimed again on its own.
        assert (await store.claim_recipient(campaign_id, A, "main", at(11))).outcome.value == (
            "not pending"
        )


async def test_replies_and_crash_recovery_use_their_indexes(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path):
        pass
    with sqlite3.connect(path) as db:
        reply = db.execute(
            """EXPLAIN QUERY PLAN SELECT rowid, campaign_id, replied_at FROM recipients
            WHERE phone = ? AND status = 'sent' AND sent_at >= ? AND sent_at <= ?
            ORDER BY sent_at DESC, rowid DESC LIMIT 1""",
            (A, "2026", "2027"),
        ).fetchall()
        in_flight = db.execute(
            "EXPLAIN QUERY PLAN UPDATE recipients SET status = 'uncertain' WHERE status = 'sending'"
        ).fetchall()
    assert "recipients_by_phone" in str(reply)
    assert "recipients_in_flight" in str(in_flight)


async def test_a_bots_last_pairing_is_read_from_its_index(tmp_path: Path) -> None:
    path = tmp_path / "linda.db"
    async with SQLiteStore(path):
        pass
    with sqlite3.connect(path) as db:
        plan = db.execute(
            """EXPLAIN QUERY PLAN SELECT at FROM audit
            WHERE bot_id = ? AND action = ? ORDER BY at DESC LIMIT 1""",
            ("main", "pair.success"),
        ).fetchall()
    assert "audit_by_bot_action" in str(plan)
    assert "TEMP B-TREE" not in str(plan).upper()  # no sort: the index is in time order


def test_a_store_left_open_never_keeps_the_process_alive(tmp_path: Path) -> None:
    """A ctrl+c while Linda closed (before the store was) left the process waiting for
    aiosqlite's thread for ever after 'linda: interrupted'."""
    import subprocess
    import sys

    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    script = (
        "import asyncio\n"
        "from pathlib import Path\n"
        "from linda_tui.store.sqlite import SQLiteStore\n"
        "async def main():\n"
        f"    await SQLiteStore(Path({str(folder / 'linda.db')!r})).open()\n"
        "asyncio.run(main())\n"
        "print('ended')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and done.stdout.strip() == "ended", done.stderr
