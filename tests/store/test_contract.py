"""The store contract: every backend behaves the same, method by method.

Each test runs on SQLite, on the fake MongoDB replica set (mongomock behind pymongo's
session and transaction API), and on a real MongoDB replica set when
LINDA_TEST_MONGODB_URI is set (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from linda_tui.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    Claim,
    ClaimOutcome,
    Contact,
    ContactRef,
    Direction,
    Message,
    MessageStatus,
    NewRecipient,
    OptOut,
    Recipient,
    RecipientStatus,
    SyncState,
    SyncStatus,
    UncertainAction,
)
from linda_tui.store import Store, StoreError
from linda_tui.store.base import StatusUpdate, SyncPage, SyncPageOutcome
from linda_tui.store.records import RESENT_ERROR

from .conftest import T0, at

A = "+971501234561"
B = "+971501234562"
C = "+971501234563"
D = "+971501234564"


def contact(number: int, *phones: str, name: str | None = None, **fields: object) -> Contact:
    return Contact(
        resource_name=f"people/c{number}",
        etag=f"etag-{number}",
        names=[name if name is not None else f"Contact {number}"],
        phones=list(phones),
        emails=[f"contact{number}@example.com"],
        labels=["Clients"],
        updated_at=at(number),
        **fields,  # type: ignore[arg-type]
    )


def message(
    bot_id: str = "main",
    direction: Direction = Direction.OUT,
    peer: str = A,
    text: str = "Hello",
    status: MessageStatus = MessageStatus.SENT,
    minute: float = 0,
    wa_id: str | None = None,
) -> Message:
    return Message(
        bot_id=bot_id,
        direction=direction,
        peer=peer,
        text=text,
        status=status,
        created_at=at(minute),
        wa_id=wa_id,
    )


# --- lifecycle ------------------------------------------------------------------------


async def test_a_new_store_is_at_a_known_schema_version(store: Store) -> None:
    assert await store.schema_version() >= 1


async def test_data_survives_closing_and_reopening(
    store: Store, store_factory: Callable[[], Store]
) -> None:
    await store.upsert_contacts([contact(1, A)])
    await store.add_opt_out(OptOut(phone=B, created_at=T0))
    await store.close()
    async with store_factory() as reopened:
        assert await reopened.get_contact("people/c1") == contact(1, A)
        assert await reopened.is_opted_out(B)


async def test_a_store_that_is_not_open_says_so(store_factory: Callable[[], Store]) -> None:
    unopened = store_factory()
    with pytest.raises(StoreError, match="not open"):
        await unopened.count_contacts()


# --- contacts -------------------------------------------------------------------------


async def test_upserted_contact_round_trips_every_field(store: Store) -> None:
    original = Contact(
        resource_name="people/c42",
        etag="%EgUBAi43PRoEAQIFByIMSGRoV0",
        names=["Fatima Al Mansouri", "Fatima"],
        phones=[A, B],
        emails=["fatima@example.com"],
        labels=["Buyers", "VIP"],
        updated_at=datetime(2026, 1, 15, 9, 30, 12, 345000, tzinfo=UTC),
    )
    assert await store.upsert_contacts([original]) == 1
    assert await store.get_contact("people/c42") == original
    assert await store.get_contact("people/nobody") is None


async def test_upsert_replaces_by_resource_name(store: Store) -> None:
    await store.upsert_contacts([contact(1, A, B, name="Old Name")])
    renamed = contact(1, C, name="New Name")
    assert await store.upsert_contacts([renamed]) == 1
    assert await store.get_contact("people/c1") == renamed
    assert await store.count_contacts() == 1
    # The phones moved with the replacement: the old ones no longer find it.
    assert await store.find_contacts_by_phone(A) == []
    assert await store.find_contacts_by_phone(C) == [renamed]


async def test_upsert_of_the_same_contact_twice_in_a_batch_keeps_the_last(store: Store) -> None:
    first, second = contact(1, A, name="First"), contact(1, B, name="Second")
    assert await store.upsert_contacts([first, second]) == 1
    assert await store.get_contact("people/c1") == second
    assert await store.upsert_contacts([]) == 0


async def test_datetimes_come_back_aware_utc_to_the_millisecond(store: Store) -> None:
    dubai = datetime(2026, 1, 15, 13, 0, 0, 123456, tzinfo=timezone(timedelta(hours=4)))
    await store.upsert_contacts([Contact(resource_name="people/tz", updated_at=dubai)])
    stored = await store.get_contact("people/tz")
    assert stored is not None and stored.updated_at is not None
    assert stored.updated_at.utcoffset() == timedelta(0)
    assert stored.updated_at == dubai.replace(microsecond=123000)


async def test_naive_datetimes_are_refused(store: Store) -> None:
    naive = Contact(resource_name="people/naive", updated_at=datetime(2026, 1, 15, 9, 0))
    with pytest.raises(ValueError, match="naive"):
        await store.upsert_contacts([naive])
    assert await store.get_contact("people/naive") is None


async def test_find_contacts_by_phone(store: Store) -> None:
    shared_1, shared_2 = contact(1, A, B), contact(2, B)
    gone = contact(3, B, deleted=True)
    await store.upsert_contacts([shared_1, shared_2, gone, contact(4, C)])
    assert await store.find_contacts_by_phone(B) == [shared_1, shared_2]
    assert await store.find_contacts_by_phone(A) == [shared_1]
    assert await store.find_contacts_by_phone(D) == []


async def test_find_contacts_by_many_phones_answers_every_phone(store: Store) -> None:
    one, two = contact(1, A, B), contact(2, B)
    await store.upsert_contacts([one, two, contact(3, C, deleted=True)])
    found = await store.find_contacts_by_phones([B, A, C, D, A])
    assert found == {B: [one, two], A: [one], C: [], D: []}
    assert list(found) == [B, A, C, D]
    assert await store.find_contacts_by_phones([]) == {}


async def test_find_contacts_by_many_phones_across_query_chunks(store: Store) -> None:
    wanted = [f"+9715012{n:05d}" for n in range(1200)]  # more than one query's worth
    both = Contact(resource_name="people/b", phones=[wanted[10], wanted[1100]])
    late = Contact(resource_name="people/a", phones=[wanted[1100]])
    await store.upsert_contacts([both, late, contact(3, wanted[600])])
    found = await store.find_contacts_by_phones(wanted)
    assert list(found) == wanted
    assert found[wanted[10]] == [both]
    assert found[wanted[1100]] == [late, both]  # by resource name, whichever query found it
    assert found[wanted[600]] == [contact(3, wanted[600])]
    assert sum(len(v) for v in found.values()) == 4


async def test_search_is_case_insensitive_across_names_phones_emails_labels(store: Store) -> None:
    ahmed = Contact(
        resource_name="people/1",
        names=["Ahmed Khan"],
        phones=[A],
        emails=["ahmed.khan@example.com"],
        labels=["Sellers"],
    )
    sara = Contact(
        resource_name="people/2",
        names=["Sara Haddad"],
        phones=[B],
        emails=["sara@example.org"],
        labels=["Buyers"],
    )
    deleted = Contact(resource_name="people/3", names=["Ahmed Deleted"], deleted=True)
    await store.upsert_contacts([sara, ahmed, deleted])

    assert await store.search_contacts("AHMED") == [ahmed]
    assert await store.search_contacts("khan@EXAMPLE") == [ahmed]
    assert await store.search_contacts("1234562") == [sara]
    assert await store.search_contacts("+9715012345") == [ahmed, sara]  # ordered by name
    assert await store.search_contacts("buyers") == [sara]
    assert await store.search_contacts("example") == [ahmed, sara]
    assert await store.search_contacts("example", limit=1) == [ahmed]
    assert await store.search_contacts("nobody") == []
    # Characters that mean something to LIKE or a regex are taken literally.
    assert await store.search_contacts("ahmed.khan") == [ahmed]
    assert await store.search_contacts("ahmed%khan") == []
    assert await store.search_contacts("a.*n") == []


async def test_list_contacts_pages_through_the_live_ones_by_resource_name(store: Store) -> None:
    await store.upsert_contacts([contact(n, f"+97150123{n:04d}") for n in range(1, 8)])
    await store.mark_contacts_deleted(["people/c3"])
    first = await store.list_contacts(limit=3)
    assert [c.resource_name for c in first] == ["people/c1", "people/c2", "people/c4"]
    rest = await store.list_contacts(after=first[-1].resource_name, limit=10)
    assert [c.resource_name for c in rest] == ["people/c5", "people/c6", "people/c7"]
    assert rest[0] == contact(5, "+971501230005")
    assert await store.list_contacts(after="people/c7") == []
    assert await store.list_contacts(limit=0) == []


async def test_count_and_mark_contacts_deleted(store: Store) -> None:
    await store.upsert_contacts([contact(1, A), contact(2, B), contact(3, C)])
    assert await store.mark_contacts_deleted(["people/c1", "people/c2", "people/unknown"]) == 2
    assert await store.mark_contacts_deleted(["people/c1"]) == 0  # already deleted
    assert await store.count_contacts() == 1
    assert await store.count_contacts(include_deleted=True) == 3
    gone = await store.get_contact("people/c1")
    assert gone is not None and gone.deleted
    assert await store.find_contacts_by_phone(A) == []
    assert await store.search_contacts("contact") == [contact(3, C)]


# --- contact references ------------------------------------------------------------


async def test_ensure_contact_ref_is_idempotent(store: Store) -> None:
    ref, created = await store.ensure_contact_ref(A, "main", at=at(1))
    assert created
    assert ref == ContactRef(
        phone=A, bot_id="main", sync_status=SyncStatus.PENDING, created_at=at(1)
    )
    again, created_again = await store.ensure_contact_ref(A, "main", at=at(5))
    assert not created_again
    assert again == ref  # the first created date stays
    assert await store.get_contact_ref(A, "main") == ref


async def test_ensure_contact_ref_defaults_to_now(store: Store) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    ref, _ = await store.ensure_contact_ref(A, "main")
    assert before <= ref.created_at <= datetime.now(UTC) + timedelta(seconds=1)


async def test_owner_is_the_oldest_reference_across_bots(store: Store) -> None:
    # Written newest first, so insertion order cannot fake the answer.
    await store.upsert_contact_ref(ContactRef(phone=A, bot_id="agent-2", created_at=at(30)))
    await store.upsert_contact_ref(ContactRef(phone=A, bot_id="agent-1", created_at=at(10)))
    await store.ensure_contact_ref(A, "main", at=at(20))
    owner = await store.owner_of(A)
    assert owner is not None and owner.bot_id == "agent-1"
    assert await store.owner_of(B) is None


async def test_references_are_per_bot(store: Store) -> None:
    await store.ensure_contact_ref(A, "main", at=at(1))
    assert await store.get_contact_ref(A, "agent-1") is None
    ref, created = await store.ensure_contact_ref(A, "agent-1", at=at(2))
    assert created and ref.bot_id == "agent-1"
    main_ref = await store.get_contact_ref(A, "main")
    assert main_ref is not None and main_ref.created_at == at(1)


async def test_upsert_contact_ref_replaces_the_reference(store: Store) -> None:
    await store.ensure_contact_ref(A, "main", at=at(1))
    replacement = ContactRef(
        phone=A,
        bot_id="main",
        sync_status=SyncStatus.SYNCED,
        last_sync=at(9),
        created_at=at(0),
        resource_name="people/c1",
    )
    await store.upsert_contact_ref(replacement)
    assert await store.get_contact_ref(A, "main") == replacement
    assert await store.list_contact_refs("main") == [replacement]


async def test_list_contact_refs_filters_by_bot_and_status(store: Store) -> None:
    await store.ensure_contact_ref(C, "main", at=at(3))
    await store.ensure_contact_ref(A, "main", at=at(1))
    await store.ensure_contact_ref(B, "main", at=at(2))
    await store.ensure_contact_ref(D, "agent-1", at=at(0))
    await store.ensure_contact_ref(A, "agent-1", at=at(0))
    await store.set_contact_ref_status(B, "main", SyncStatus.SYNCED, at(5))

    assert [r.phone for r in await store.list_contact_refs("main")] == [A, B, C]  # oldest first
    assert [r.phone for r in await store.list_contact_refs("main", SyncStatus.PENDING)] == [A, C]
    assert [r.phone for r in await store.list_contact_refs("main", SyncStatus.SYNCED)] == [B]
    assert [r.phone for r in await store.list_contact_refs("main", limit=2)] == [A, B]
    others = await store.list_contact_refs("agent-1")
    assert {r.bot_id for r in others} == {"agent-1"} and {r.phone for r in others} == {A, D}
    assert await store.list_contact_refs("nobody") == []


async def test_set_contact_ref_status(store: Store) -> None:
    await store.ensure_contact_ref(A, "main", at=at(0))
    await store.ensure_contact_ref(A, "agent-1", at=at(0))

    assert await store.set_contact_ref_status(
        A, "main", SyncStatus.FAILED, at(1), error="quota exceeded"
    )
    failed = await store.get_contact_ref(A, "main")
    assert failed is not None
    assert (failed.sync_status, failed.last_sync, failed.error) == (
        SyncStatus.FAILED,
        at(1),
        "quota exceeded",
    )

    assert await store.set_contact_ref_status(
        A, "main", SyncStatus.SYNCED, at(2), resource_name="people/c7"
    )
    synced = await store.get_contact_ref(A, "main")
    assert synced is not None
    assert (synced.sync_status, synced.last_sync, synced.resource_name, synced.error) == (
        SyncStatus.SYNCED,
        at(2),
        "people/c7",
        None,
    )
    # No resource name given: the known one stays.
    await store.set_contact_ref_status(A, "main", SyncStatus.SYNCED, at(3))
    kept = await store.get_contact_ref(A, "main")
    assert kept is not None and kept.resource_name == "people/c7"

    other = await store.get_contact_ref(A, "agent-1")
    assert other is not None and other.sync_status == SyncStatus.PENDING and other.last_sync is None
    assert not await store.set_contact_ref_status(B, "main", SyncStatus.SYNCED, at(4))


# --- messages -------------------------------------------------------------------------


async def test_add_message_sets_an_id_and_round_trips(store: Store) -> None:
    stored = await store.add_message(message(wa_id="WA1", minute=1))
    other = await store.add_message(message(wa_id="WA2", minute=2))
    assert stored.id is not None and other.id is not None and stored.id != other.id
    assert await store.get_message("main", "WA1") == stored
    assert stored == replace(message(wa_id="WA1", minute=1), id=stored.id)


async def test_a_send_is_recorded_before_and_its_outcome_after(store: Store) -> None:
    intent = await store.add_message(
        message(status=MessageStatus.PENDING, wa_id=None, minute=1), audit=None
    )
    # The intent counts against the 24 h repeat guard while the send is under way.
    assert await store.last_outbound_to(None, A, "Hello", at(0)) == intent
    outcome = replace(intent, status=MessageStatus.SENT, wa_id="WA9", sent_at=at(2))
    entry = AuditEntry(action="send", os_user="op", at=at(2), bot_id="main", detail={"ok": True})
    stored = await store.finish_send(outcome, audit=entry)
    assert stored == outcome
    assert await store.get_message("main", "WA9") == outcome
    assert [a.action for a in await store.list_audit("main")] == ["send"]
    failed = await store.add_message(message(status=MessageStatus.PENDING, wa_id=None, minute=3))
    await store.finish_send(
        replace(failed, status=MessageStatus.FAILED, failed_at=at(4), error="refused")
    )
    (newest, *_rest) = await store.list_messages("main")
    assert newest.status is MessageStatus.FAILED and newest.error == "refused"


async def test_finishing_a_send_again_with_the_same_outcome_adds_no_second_audit_entry(
    store: Store,
) -> None:
    """A writer retrying a finish whose reply was lost (it landed) must not double the
    audit trail: the second call finds the outcome there already."""
    intent = await store.add_message(message(status=MessageStatus.PENDING, wa_id=None))
    outcome = replace(intent, status=MessageStatus.SENT, wa_id="WA7", sent_at=at(2))
    entry = AuditEntry(action="send", os_user="op", at=at(2), bot_id="main")
    await store.finish_send(outcome, audit=entry)
    assert await store.finish_send(outcome, audit=entry) == outcome
    assert [a.action for a in await store.list_audit("main")] == ["send"]
    assert await store.get_message("main", "WA7") == outcome


async def test_finish_send_of_an_unknown_message_is_a_store_error(store: Store) -> None:
    known = await store.add_message(message(status=MessageStatus.PENDING, wa_id=None))
    entry = AuditEntry(action="send", os_user="op", at=at(2), bot_id="main")
    ghost = replace(known, id="999999" if isinstance(known.id, int) else "no-such-id")
    with pytest.raises(StoreError, match="no message"):
        await store.finish_send(replace(ghost, status=MessageStatus.SENT), audit=entry)
    assert await store.list_audit() == []  # nothing half-written


async def test_get_message_filters_by_bot(store: Store) -> None:
    mine = await store.add_message(message(bot_id="main", wa_id="SAME", text="mine"))
    await store.add_message(message(bot_id="agent-1", wa_id="SAME", text="theirs"))
    assert await store.get_message("main", "SAME") == mine
    theirs = await store.get_message("agent-1", "SAME")
    assert theirs is not None and theirs.text == "theirs"
    assert await store.get_message("agent-2", "SAME") is None


async def test_message_status_only_moves_forward_and_stamps_times(store: Store) -> None:
    await store.add_message(message(status=MessageStatus.SENT, wa_id="WA1"))
    read = await store.update_message_status("main", "WA1", MessageStatus.READ, at(2))
    assert read is not None and read.status == MessageStatus.READ and read.read_at == at(2)

    # A late "delivered" does not undo "read", but the time it happened is kept.
    late = await store.update_message_status("main", "WA1", MessageStatus.DELIVERED, at(1))
    assert late is not None and late.status == MessageStatus.READ
    assert late.delivered_at == at(1) and late.read_at == at(2)
    # A repeated receipt changes nothing.
    again = await store.update_message_status("main", "WA1", MessageStatus.READ, at(9))
    assert again == late
    assert await store.get_message("main", "WA1") == late

    assert await store.update_message_status("main", "nope", MessageStatus.READ, at(3)) is None


async def test_failed_status_keeps_its_error(store: Store) -> None:
    await store.add_message(message(status=MessageStatus.PENDING, wa_id="WA1"))
    failed = await store.update_message_status(
        "main", "WA1", MessageStatus.FAILED, at(1), error="not on WhatsApp"
    )
    assert failed is not None
    assert (failed.status, failed.failed_at, failed.error) == (
        MessageStatus.FAILED,
        at(1),
        "not on WhatsApp",
    )
    assert await store.get_message("main", "WA1") == failed


async def test_status_updates_only_touch_that_bots_message(store: Store) -> None:
    await store.add_message(message(bot_id="main", wa_id="SAME"))
    theirs = await store.add_message(message(bot_id="agent-1", wa_id="SAME"))
    await store.update_message_status("main", "SAME", MessageStatus.DELIVERED, at(1))
    assert await store.get_message("agent-1", "SAME") == theirs


async def test_a_send_and_its_audit_entry_are_stored_together(store: Store) -> None:
    entry = AuditEntry(action="send", os_user="agent", at=at(1), bot_id="main", detail={"to": A})
    stored = await store.add_message(message(wa_id="W1"), audit=entry)
    assert stored.id is not None
    [audit] = await store.list_audit("main")
    assert (audit.action, audit.detail) == ("send", {"to": A})


async def test_a_bots_last_audit_entry_of_one_kind_is_found_among_many(store: Store) -> None:
    assert await store.last_audit_at("main", "pair.success") is None
    for minute, bot in ((1, "main"), (2, "agent-1"), (3, "main")):
        await store.add_audit(
            AuditEntry(action="pair.success", os_user="ops", at=at(minute), bot_id=bot)
        )
    # Many newer entries of other kinds (a send each) do not hide the pairing.
    for minute in range(600):
        await store.add_audit(
            AuditEntry(action="send", os_user="ops", at=at(10 + minute), bot_id="main")
        )
    assert await store.last_audit_at("main", "pair.success") == at(3)
    assert await store.last_audit_at("agent-1", "pair.success") == at(2)
    assert await store.last_audit_at("main", "logout") is None
    assert await store.last_audit_at("nobody", "pair.success") is None


async def test_many_receipts_at_once_move_each_message_forward(store: Store) -> None:
    await store.add_message(message(wa_id="W1"))
    await store.add_message(message(bot_id="other", wa_id="W2"))
    updated = await store.update_message_statuses(
        [
            StatusUpdate("main", "W1", MessageStatus.DELIVERED, at(1)),
            StatusUpdate("main", "W1", MessageStatus.READ, at(2)),
            StatusUpdate("main", "W2", MessageStatus.READ, at(2)),  # another bot's id: untouched
            StatusUpdate("main", "missing", MessageStatus.READ, at(2)),
            StatusUpdate("main", "W1", MessageStatus.DELIVERED, at(3)),  # late: never backwards
        ]
    )
    assert [m.status for m in updated] == [
        MessageStatus.DELIVERED,
        MessageStatus.READ,
        MessageStatus.READ,
    ]
    w1 = await store.get_message("main", "W1")
    assert w1 is not None and w1.status == MessageStatus.READ
    assert (w1.delivered_at, w1.read_at) == (at(1), at(2))
    w2 = await store.get_message("other", "W2")
    assert w2 is not None and w2.status == MessageStatus.SENT
    assert await store.update_message_statuses([]) == []


async def test_list_messages_newest_first_filtered_by_bot_and_peer(store: Store) -> None:
    m1 = await store.add_message(message(bot_id="main", peer=A, minute=1))
    m2 = await store.add_message(message(bot_id="agent-1", peer=A, minute=2))
    m3 = await store.add_message(message(bot_id="main", peer=B, minute=3))
    m4 = await store.add_message(message(bot_id="main", peer=A, minute=4, direction=Direction.IN))

    assert await store.list_messages() == [m4, m3, m2, m1]
    assert await store.list_messages(bot_id="main") == [m4, m3, m1]
    assert await store.list_messages(bot_id="agent-1") == [m2]
    assert await store.list_messages(peer=A) == [m4, m2, m1]
    assert await store.list_messages(bot_id="main", peer=A) == [m4, m1]
    assert await store.list_messages(limit=2) == [m4, m3]


async def test_message_counts_by_bot_direction_and_time(store: Store) -> None:
    for minute in (1, 2, 3):
        await store.add_message(message(bot_id="main", minute=minute))
    await store.add_message(message(bot_id="main", minute=2, direction=Direction.IN))
    await store.add_message(message(bot_id="agent-1", minute=2))

    assert await store.message_counts(at(0)) == {
        ("main", Direction.OUT): 3,
        ("main", Direction.IN): 1,
        ("agent-1", Direction.OUT): 1,
    }
    since_two = await store.message_counts(at(2))  # since is inclusive
    assert since_two[("main", Direction.OUT)] == 2
    assert await store.message_counts(at(10)) == {}
    # A failed send is not a sent message: the daily counter must not grow.
    await store.add_message(message(bot_id="main", minute=4, status=MessageStatus.FAILED))
    assert (await store.message_counts(at(0)))[("main", Direction.OUT)] == 3


async def test_last_outbound_to(store: Store) -> None:
    await store.add_message(message(bot_id="main", peer=A, text="Offer", minute=1))
    newest = await store.add_message(message(bot_id="agent-1", peer=A, text="Offer", minute=5))
    await store.add_message(message(bot_id="main", peer=A, text="Offer!", minute=6))
    await store.add_message(
        message(bot_id="main", peer=A, text="Offer", minute=7, direction=Direction.IN)
    )

    assert await store.last_outbound_to(None, A, "Offer", at(0)) == newest
    by_main = await store.last_outbound_to("main", A, "Offer", at(0))
    assert by_main is not None and by_main.created_at == at(1)
    assert await store.last_outbound_to("main", A, "Offer", at(2)) is None
    assert await store.last_outbound_to(None, B, "Offer", at(0)) is None


async def test_record_inbound_stores_the_message_and_the_senders_reference(store: Store) -> None:
    inbound = message(
        bot_id="agent-1",
        direction=Direction.IN,
        peer=B,
        status=MessageStatus.RECEIVED,
        minute=3,
        wa_id="IN1",
    )
    stored, ref, created, new = await store.record_inbound(inbound)
    assert created and new and stored.id is not None
    assert ref == ContactRef(phone=B, bot_id="agent-1", created_at=at(3))
    assert await store.get_message("agent-1", "IN1") == stored
    assert await store.get_contact_ref(B, "agent-1") == ref

    second, ref_again, created_again, new_again = await store.record_inbound(
        message(bot_id="agent-1", direction=Direction.IN, peer=B, minute=4, wa_id="IN2")
    )
    assert not created_again and new_again and ref_again == ref and second.id != stored.id
    assert len(await store.list_messages(peer=B)) == 2


async def test_an_inbound_message_delivered_again_is_stored_once(store: Store) -> None:
    first = await store.record_inbound(
        message(
            direction=Direction.IN, peer=B, status=MessageStatus.RECEIVED, minute=3, wa_id="IN1"
        )
    )
    # WhatsApp delivers it again after a reconnect (a little later, the text as edited).
    again = await store.record_inbound(
        message(
            direction=Direction.IN,
            peer=B,
            status=MessageStatus.RECEIVED,
            minute=9,
            wa_id="IN1",
            text="Hello (edited)",
        )
    )
    assert again.new is False and again.ref_created is False
    assert again.message == first.message  # the stored copy, unchanged
    assert await store.list_messages() == [first.message]
    assert await store.message_counts(at(0)) == {("main", Direction.IN): 1}
    # The same WhatsApp id from another bot, or an outbound message, is another message.
    other = await store.record_inbound(
        message(bot_id="agent-1", direction=Direction.IN, peer=B, minute=4, wa_id="IN1")
    )
    assert other.new and other.message.id != first.message.id
    await store.add_message(message(direction=Direction.OUT, peer=B, minute=5, wa_id="IN1"))
    # Messages without a WhatsApp id are never taken for one another.
    no_id = [
        await store.record_inbound(message(direction=Direction.IN, peer=C, minute=6 + n))
        for n in range(2)
    ]
    assert all(r.new for r in no_id) and no_id[0].message.id != no_id[1].message.id
    assert len(await store.list_messages()) == 5


async def test_record_inbound_refuses_outbound_messages(store: Store) -> None:
    with pytest.raises(ValueError, match="inbound"):
        await store.record_inbound(message(direction=Direction.OUT))
    assert await store.list_messages() == []


# --- broadcasts ---------------------------------------------------------------------


def campaign(name: str = "January offer", minute: float = 0, **fields: object) -> Campaign:
    values: dict[str, object] = {
        "template": "[[Hi|Hello]] {first_name|there}, new units in Dubai Marina",
        "bots": ("main", "agent-1"),
        "created_at": at(minute),
        "updated_at": at(minute),
        "created_by": "operator",
    }
    return Campaign(name=name, **{**values, **fields})  # type: ignore[arg-type]


def new(phone: str, text: str | None = None, **fields: object) -> NewRecipient:
    return NewRecipient(
        phone=phone,
        text=text if text is not None else f"Hi {phone}, new units in Dubai Marina",
        **fields,  # type: ignore[arg-type]
    )


async def running(store: Store, *phones: str, **fields: object) -> Campaign:
    """A running campaign with one pending recipient per phone (its own text each)."""
    created = await store.create_campaign(campaign(**fields), [new(p) for p in phones])
    assert created.id is not None
    moved = await store.set_campaign_status(created.id, CampaignStatus.RUNNING, at(1))
    assert moved is not None
    return moved


async def states(store: Store, campaign_id: int | str) -> dict[str, RecipientStatus]:
    return {r.phone: r.status for r in await store.list_recipients(campaign_id)}


def counts_of(**nonzero: int) -> dict[RecipientStatus, int]:
    counts = dict.fromkeys(RecipientStatus, 0)
    counts.update({RecipientStatus(k): v for k, v in nonzero.items()})
    return counts


async def test_a_campaign_round_trips_every_field(store: Store) -> None:
    original = campaign(
        pace="demo-fast",
        start_at=datetime(2026, 1, 16, 7, 0, 0, 123000, tzinfo=UTC),
        skipped={"invalid": 3, "duplicate": 2, "opted out": 1},
    )
    created = await store.create_campaign(original, [new(A)])
    assert created.id is not None
    assert created == replace(original, id=created.id)
    assert await store.get_campaign(created.id) == created
    everyone = await store.create_campaign(campaign("all bots", bots="all"), [new(A)])
    assert everyone.id is not None
    fetched = await store.get_campaign(everyone.id)
    assert fetched is not None and fetched.bots == "all"
    assert fetched.pace == "standard" and fetched.start_at is None and fetched.skipped == {}


async def test_create_campaign_keeps_recipients_in_order_with_their_own_text(store: Store) -> None:
    recipients = [
        new(C, "Hi Omar", preferred_bot="main"),
        new(A, "Hello Sara 👋"),
        new(C, "a second entry for C is dropped"),
        new(B, "Hi there", skip_reason="opted out"),
        new(D, "مرحبا"),
    ]
    created = await store.create_campaign(campaign(), recipients)
    assert created.id is not None
    listed = await store.list_recipients(created.id)
    assert [(r.phone, r.seq, r.text) for r in listed] == [
        (C, 0, "Hi Omar"),
        (A, 1, "Hello Sara 👋"),
        (B, 2, "Hi there"),
        (D, 3, "مرحبا"),
    ]
    assert listed[0] == Recipient(
        campaign_id=created.id,
        phone=C,
        status=RecipientStatus.PENDING,
        text="Hi Omar",
        seq=0,
        preferred_bot="main",
        updated_at=at(0),
    )
    assert (listed[2].status, listed[2].reason) == (RecipientStatus.SKIPPED, "opted out")
    assert await store.count_recipients(created.id) == counts_of(pending=3, skipped=1)


async def test_recipients_texts_come_back_exactly_whatever_they_hold(store: Store) -> None:
    """Quotes, backslashes, line breaks, controls, RTL and emoji: every recipient's
    text reads back as it was written."""
    texts = [
        'Hi Sara "the boss"',
        "C:\\new\\table",
        "Tower 1\nFloor 2",
        "\x07\t\x1b[2J",
        "مرحبا دبي 👋",
        "{first_name} [[a|b]] stays as written",
    ]
    recipients = [new(f"+9715012345{n:02d}", text) for n, text in enumerate(texts)]
    created = await store.create_campaign(campaign(), recipients)
    assert created.id is not None
    listed = await store.list_recipients(created.id)
    assert [r.text for r in listed] == texts


async def test_campaign_without_recipients(store: Store) -> None:
    created = await store.create_campaign(campaign(), [])
    assert created.id is not None
    assert await store.list_recipients(created.id) == []
    assert await store.count_recipients(created.id) == dict.fromkeys(RecipientStatus, 0)


async def test_list_campaigns_newest_first(store: Store) -> None:
    old = await store.create_campaign(campaign("old", minute=1), [new(A)])
    newer = await store.create_campaign(campaign("new", minute=2), [new(A)])
    assert await store.list_campaigns() == [newer, old]
    assert await store.list_campaigns(limit=1) == [newer]
    assert await store.get_campaign("404") is None
    assert await store.get_campaign("not an id") is None


async def test_campaign_status_moves_only_where_allowed(store: Store) -> None:
    created = await store.create_campaign(campaign(minute=1), [new(A)])
    assert created.id is not None
    key = created.id

    moved = await store.set_campaign_status(key, CampaignStatus.RUNNING, at(5))
    assert moved is not None
    assert (moved.status, moved.updated_at, moved.created_at) == (
        CampaignStatus.RUNNING,
        at(5),
        at(1),
    )
    assert await store.get_campaign(key) == moved
    # Asking for the status it has changes nothing.
    assert await store.set_campaign_status(key, CampaignStatus.RUNNING, at(6)) == moved
    paused = await store.set_campaign_status(key, CampaignStatus.PAUSED, at(7))
    assert paused is not None and paused.status == CampaignStatus.PAUSED
    # A paused campaign cannot be finished; it resumes, then finishes, and may run again.
    assert await store.set_campaign_status(key, CampaignStatus.DONE, at(8)) is None
    for status in (CampaignStatus.RUNNING, CampaignStatus.DONE, CampaignStatus.RUNNING):
        result = await store.set_campaign_status(key, status, at(9))
        assert result is not None and result.status == status
    cancelled = await store.set_campaign_status(key, CampaignStatus.CANCELLED, at(10))
    assert cancelled is not None and cancelled.status == CampaignStatus.CANCELLED
    # Cancelled is final.
    assert await store.set_campaign_status(key, CampaignStatus.RUNNING, at(11)) is None
    still = await store.get_campaign(key)
    assert still is not None and (still.status, still.updated_at) == (
        CampaignStatus.CANCELLED,
        at(10),
    )
    assert await store.set_campaign_status("404", CampaignStatus.RUNNING, at(12)) is None


async def test_cancelling_skips_who_was_still_pending_and_nobody_else(store: Store) -> None:
    """A cancelled campaign sends nothing more: its pending recipients become skipped
    ("campaign cancelled"); one already on its way is left to finish, and if it comes
    back unsent it is skipped too, not pending for ever."""
    created = await running(store, A, B, C)
    assert created.id is not None
    on_its_way = await store.claim_recipient(created.id, A, "agent-1", at(2))
    assert on_its_way.outcome is ClaimOutcome.CLAIMED
    cancelled = await store.set_campaign_status(created.id, CampaignStatus.CANCELLED, at(3))
    assert cancelled is not None
    listed = {r.phone: r for r in await store.list_recipients(created.id)}
    assert listed[A].status is RecipientStatus.SENDING
    assert [(listed[p].status, listed[p].reason, listed[p].updated_at) for p in (B, C)] == [
        (RecipientStatus.SKIPPED, "campaign cancelled", at(3))
    ] * 2
    assert await store.release_recipient(created.id, A, "bot agent-1 went offline", at(4))
    assert await store.count_recipients(created.id) == counts_of(skipped=3)
    # An uncertain one of a cancelled campaign is not put back to pending by a resend
    # (callers refuse it first; this holds when a cancel lands in between).
    later = await running(store, D, name="later")
    assert later.id is not None
    await store.claim_recipient(later.id, D, "agent-1", at(7))
    assert await store.mark_in_flight_uncertain(later.id, at(8)) == 1
    assert await store.set_campaign_status(later.id, CampaignStatus.CANCELLED, at(9))
    assert await store.resolve_uncertain(later.id, None, UncertainAction.RESEND, at(10)) == 0
    assert await store.count_recipients(later.id) == counts_of(uncertain=1)
    assert await store.resolve_uncertain(later.id, None, UncertainAction.MARK_SENT, at(11)) == 1
    # Another campaign's pending recipients are untouched.
    other = await running(store, B, name="other")
    assert other.id is not None
    assert await store.set_campaign_status(other.id, CampaignStatus.PAUSED, at(5)) is not None
    assert await store.release_recipient(other.id, B, "not sending", at(6)) is False
    assert await store.count_recipients(other.id) == counts_of(pending=1)


async def test_claim_writes_sending_and_a_pending_message_before_the_send(store: Store) -> None:
    created = await running(store, A, B)
    assert created.id is not None
    claim = await store.claim_recipient(created.id, A, "agent-1", at(2))
    assert claim.outcome is ClaimOutcome.CLAIMED
    message = claim.message
    assert message is not None and message.id is not None
    assert (message.bot_id, message.peer, message.status, message.wa_id) == (
        "agent-1",
        A,
        MessageStatus.PENDING,
        None,
    )
    assert message.text == f"Hi {A}, new units in Dubai Marina"
    assert str(message.campaign_id) == str(created.id)
    assert await store.list_messages() == [message]

    (recipient,) = await store.list_recipients(created.id, RecipientStatus.SENDING)
    assert (recipient.phone, recipient.bot_id, recipient.message_id, recipient.claimed_at) == (
        A,
        "agent-1",
        message.id,
        at(2),
    )
    # Claimed once only: a second engine (or a double press) gets nothing.
    again = await store.claim_recipient(created.id, A, "main", at(3))
    assert again == Claim(ClaimOutcome.NOT_PENDING)
    assert await store.claim_recipient(created.id, "+971501234569", "main", at(3)) == Claim(
        ClaimOutcome.NOT_PENDING
    )


async def test_claims_wait_while_the_campaign_is_not_running(store: Store) -> None:
    created = await store.create_campaign(campaign(), [new(A)])
    assert created.id is not None
    assert (await store.claim_recipient(created.id, A, "main", at(2))).outcome is (
        ClaimOutcome.NOT_RUNNING
    )
    await store.set_campaign_status(created.id, CampaignStatus.RUNNING, at(3))
    await store.set_campaign_status(created.id, CampaignStatus.PAUSED, at(4))
    assert (await store.claim_recipient(created.id, A, "main", at(5))).outcome is (
        ClaimOutcome.NOT_RUNNING
    )
    assert await states(store, created.id) == {A: RecipientStatus.PENDING}
    assert await store.list_messages() == []
    assert (await store.claim_recipient("404", A, "main", at(5))).outcome is (
        ClaimOutcome.NOT_RUNNING
    )


async def test_an_opt_out_arriving_mid_campaign_skips_the_recipient(store: Store) -> None:
    created = await running(store, A, B)
    assert created.id is not None
    await store.add_opt_out(OptOut(phone=B, reason="STOP", created_at=at(2)))
    claim = await store.claim_recipient(created.id, B, "main", at(3))
    assert claim == Claim(ClaimOutcome.OPTED_OUT)
    (skipped,) = await store.list_recipients(created.id, RecipientStatus.SKIPPED)
    assert (skipped.phone, skipped.reason, skipped.updated_at) == (B, "opted out", at(3))
    assert await store.list_messages() == []


async def test_the_same_text_within_the_window_is_skipped(store: Store) -> None:
    created = await running(store, A, B, C)
    assert created.id is not None
    text_a = f"Hi {A}, new units in Dubai Marina"
    await store.add_message(message(peer=A, text=text_a, minute=-60))
    await store.add_message(
        message(peer=B, text=f"Hi {B}, new units in Dubai Marina", status=MessageStatus.FAILED)
    )
    await store.add_message(message(peer=C, text="something else", minute=1))
    # Sent 60 minutes ago: outside a 30-minute window, inside a 90-minute one.
    outside = await store.claim_recipient(created.id, A, "main", at(2), repeat_since=at(-30))
    assert outside.outcome is ClaimOutcome.CLAIMED
    await store.release_recipient(created.id, A, "bot went offline", at(3))
    inside = await store.claim_recipient(created.id, A, "main", at(4), repeat_since=at(-90))
    assert inside == Claim(ClaimOutcome.REPEAT)
    # A failed earlier send does not count; another text does not either.
    assert (await store.claim_recipient(created.id, B, "main", at(4), at(-90))).outcome is (
        ClaimOutcome.CLAIMED
    )
    assert (await store.claim_recipient(created.id, C, "main", at(4), at(-90))).outcome is (
        ClaimOutcome.CLAIMED
    )
    (skipped,) = await store.list_recipients(created.id, RecipientStatus.SKIPPED)
    assert (skipped.phone, skipped.reason) == (A, "same text in the last 24 h")


async def test_complete_writes_message_audit_and_recipient_together(store: Store) -> None:
    created = await running(store, A)
    assert created.id is not None
    claim = await store.claim_recipient(created.id, A, "agent-1", at(2))
    assert claim.message is not None and claim.message.id is not None
    audit = AuditEntry(action="broadcast.send", os_user="ops", at=at(3), bot_id="agent-1")
    sent = await store.complete_recipient(created.id, A, claim.message.id, "WA-1", at(3), audit)
    assert sent == replace(claim.message, status=MessageStatus.SENT, wa_id="WA-1", sent_at=at(3))
    assert await store.get_message("agent-1", "WA-1") == sent
    (entry,) = await store.list_audit()
    assert (entry.action, entry.bot_id, entry.at) == ("broadcast.send", "agent-1", at(3))
    (recipient,) = await store.list_recipients(created.id)
    assert (recipient.status, recipient.wa_id, recipient.sent_at, recipient.bot_id) == (
        RecipientStatus.SENT,
        "WA-1",
        at(3),
        "agent-1",
    )
    assert await store.complete_recipient(created.id, A, "999999", "WA-2", at(4)) is None


async def test_receipts_and_replies_move_a_sent_recipient_on(store: Store) -> None:
    created = await running(store, A, B, C, D)
    assert created.id is not None
    for n, phone in enumerate((A, B, C, D)):
        claim = await store.claim_recipient(created.id, phone, "main", at(2))
        assert claim.message is not None and claim.message.id is not None
        await store.complete_recipient(created.id, phone, claim.message.id, f"WA-{n}", at(3))
    await store.update_message_status("main", "WA-0", MessageStatus.DELIVERED, at(4))
    await store.update_message_status("main", "WA-1", MessageStatus.READ, at(5))
    await store.update_message_status("main", "WA-2", MessageStatus.FAILED, at(5), "server error")

    by_phone = {r.phone: r for r in await store.list_recipients(created.id)}
    assert (by_phone[A].status, by_phone[A].delivered_at) == (RecipientStatus.DELIVERED, at(4))
    assert (by_phone[B].status, by_phone[B].read_at) == (RecipientStatus.READ, at(5))
    assert (by_phone[C].status, by_phone[C].reason, by_phone[C].failed_at) == (
        RecipientStatus.FAILED,
        "server error",
        at(5),
    )
    assert by_phone[D].status is RecipientStatus.SENT

    assert await store.mark_replied(B, at(20), since=at(-7 * 24 * 60)) == created.id
    assert await store.mark_replied(B, at(30), since=at(-7 * 24 * 60)) is None  # the first counts
    replied = (await store.list_recipients(created.id, RecipientStatus.REPLIED))[0]
    assert (replied.phone, replied.replied_at) == (B, at(20))
    assert await store.count_recipients(created.id) == counts_of(
        delivered=1, read=0, replied=1, failed=1, sent=1
    )
    assert [r.phone for r in await store.list_recipients(created.id, RecipientStatus.FAILED)] == [C]
    assert [r.phone for r in await store.list_recipients(created.id, RecipientStatus.SENT)] == [D]


async def test_a_reply_counts_for_the_newest_campaign_within_the_window(store: Store) -> None:
    async def sent_campaign(name: str, minute: float) -> Campaign:
        created = await running(store, A, name=name)
        assert created.id is not None
        claim = await store.claim_recipient(created.id, A, "main", at(minute))
        assert claim.message is not None and claim.message.id is not None
        await store.complete_recipient(created.id, A, claim.message.id, f"WA-{name}", at(minute))
        return created

    older = await sent_campaign("older", 10)
    newer = await sent_campaign("newer", 20)
    assert older.id is not None and newer.id is not None
    # A reply before either was sent, or outside the window, counts for none.
    assert await store.mark_replied(A, at(5), since=at(0)) is None
    assert await store.mark_replied(A, at(30), since=at(25)) is None
    assert await store.mark_replied(B, at(30), since=at(0)) is None
    assert await store.mark_replied(A, at(30), since=at(0)) == newer.id
    assert await store.count_recipients(older.id) == counts_of(sent=1)
    assert await store.count_recipients(newer.id) == counts_of(replied=1)


async def test_release_puts_a_recipient_back_for_another_bot(store: Store) -> None:
    created = await running(store, A)
    assert created.id is not None
    first = await store.claim_recipient(created.id, A, "agent-1", at(2))
    assert first.message is not None
    assert await store.release_recipient(created.id, A, "bot agent-1 went offline", at(3))
    (recipient,) = await store.list_recipients(created.id)
    assert (recipient.status, recipient.bot_id, recipient.message_id, recipient.reason) == (
        RecipientStatus.PENDING,
        None,
        None,
        "bot agent-1 went offline",
    )
    (unsent,) = await store.list_messages()
    assert (unsent.status, unsent.error, unsent.failed_at) == (
        MessageStatus.FAILED,
        "bot agent-1 went offline",
        at(3),
    )
    assert not await store.release_recipient(created.id, A, "again", at(4))  # not sending
    second = await store.claim_recipient(created.id, A, "main", at(5), repeat_since=at(-60))
    assert second.outcome is ClaimOutcome.CLAIMED and second.message is not None
    assert second.message.bot_id == "main"
    (recipient,) = await store.list_recipients(created.id)
    assert recipient.reason is None


async def test_fail_and_skip(store: Store) -> None:
    created = await running(store, A, B, C)
    assert created.id is not None
    await store.claim_recipient(created.id, A, "main", at(2))
    assert await store.fail_recipient(created.id, A, "not on WhatsApp", at(3))
    assert await store.fail_recipient(created.id, B, "number refused", at(3))
    assert not await store.fail_recipient(created.id, B, "twice", at(4))
    assert await store.skip_recipient(created.id, C, "not on WhatsApp", at(3))
    assert not await store.skip_recipient(created.id, C, "twice", at(4))
    assert not await store.skip_recipient(created.id, A, "failed already", at(4))
    by_phone = {r.phone: r for r in await store.list_recipients(created.id)}
    assert (by_phone[A].status, by_phone[A].reason, by_phone[A].failed_at) == (
        RecipientStatus.FAILED,
        "not on WhatsApp",
        at(3),
    )
    assert (by_phone[C].status, by_phone[C].reason) == (RecipientStatus.SKIPPED, "not on WhatsApp")
    (message_a,) = await store.list_messages()
    assert (message_a.status, message_a.error) == (MessageStatus.FAILED, "not on WhatsApp")
    assert await store.count_recipients(created.id) == counts_of(failed=2, skipped=1)


async def test_after_a_crash_sending_recipients_become_uncertain(store: Store) -> None:
    first = await running(store, A, B, C, name="first")
    second = await running(store, A, name="second")
    assert first.id is not None and second.id is not None
    for phone in (A, B):
        await store.claim_recipient(first.id, phone, "main", at(2))
    await store.claim_recipient(second.id, A, "main", at(2))

    assert await store.mark_in_flight_uncertain(first.id, at(10)) == 2
    assert await states(store, first.id) == {
        A: RecipientStatus.UNCERTAIN,
        B: RecipientStatus.UNCERTAIN,
        C: RecipientStatus.PENDING,
    }
    (uncertain, _) = await store.list_recipients(first.id, RecipientStatus.UNCERTAIN)
    assert uncertain.reason is not None and "may have been sent" in uncertain.reason
    assert await states(store, second.id) == {A: RecipientStatus.SENDING}
    # Never claimed again on its own.
    assert (await store.claim_recipient(first.id, A, "main", at(11))).outcome is (
        ClaimOutcome.NOT_PENDING
    )
    assert await store.mark_in_flight_uncertain(None, at(12)) == 1
    assert await states(store, second.id) == {A: RecipientStatus.UNCERTAIN}
    assert await store.mark_in_flight_uncertain(None, at(13)) == 0


async def test_a_send_without_an_answer_holds_the_recipient_uncertain(store: Store) -> None:
    """WhatsApp took the message and never confirmed it: uncertain at once, its message
    still pending (it may have arrived), never claimed again on its own."""
    created = await running(store, A, B)
    assert created.id is not None
    await store.claim_recipient(created.id, A, "main", at(2))
    reason = "may have been sent: WhatsApp did not confirm the message"
    assert await store.hold_uncertain(created.id, A, reason, at(3))
    assert not await store.hold_uncertain(created.id, A, reason, at(4))  # not sending now
    assert not await store.hold_uncertain(created.id, B, reason, at(4))  # never claimed
    assert await states(store, created.id) == {
        A: RecipientStatus.UNCERTAIN,
        B: RecipientStatus.PENDING,
    }
    (held,) = await store.list_recipients(created.id, RecipientStatus.UNCERTAIN)
    assert held.reason == reason
    (message,) = await store.list_messages()
    assert message.status is MessageStatus.PENDING
    assert (await store.claim_recipient(created.id, A, "main", at(5))).outcome is (
        ClaimOutcome.NOT_PENDING
    )
    assert await store.resolve_uncertain(created.id, [A], UncertainAction.MARK_SENT, at(6)) == 1


async def test_a_sending_recipient_whose_message_was_stored_sent_is_sent(store: Store) -> None:
    """Without transactions a crash can fall between writing the message sent and the
    recipient sent: the message's WhatsApp id proves it went."""
    created = await running(store, A, B)
    assert created.id is not None
    claim = await store.claim_recipient(created.id, A, "main", at(2))
    assert claim.message is not None and claim.message.id is not None
    # The message is written sent, the recipient not (it is B's phone that is named).
    await store.complete_recipient(created.id, B, claim.message.id, "WA-7", at(3))
    assert await states(store, created.id) == {
        A: RecipientStatus.SENDING,
        B: RecipientStatus.PENDING,
    }
    assert await store.mark_in_flight_uncertain(created.id, at(10)) == 0
    (recipient, _) = await store.list_recipients(created.id)
    assert (recipient.status, recipient.wa_id, recipient.sent_at) == (
        RecipientStatus.SENT,
        "WA-7",
        at(3),
    )


async def test_the_operator_resolves_uncertain_recipients(store: Store) -> None:
    created = await running(store, A, B, C)
    assert created.id is not None
    for phone in (A, B, C):
        await store.claim_recipient(created.id, phone, "main", at(2))
    await store.mark_in_flight_uncertain(created.id, at(10))
    audit = AuditEntry(action="broadcast.resolve", os_user="ops", at=at(11))

    assert await store.resolve_uncertain(created.id, [], UncertainAction.RESEND, at(11)) == 0
    assert (
        await store.resolve_uncertain(created.id, ["+971501234569"], UncertainAction.RESEND, at(11))
        == 0
    )
    assert await store.list_audit() == []
    resent = await store.resolve_uncertain(created.id, [A], UncertainAction.RESEND, at(11), audit)
    assert resent == 1
    marked = await store.resolve_uncertain(
        created.id, None, UncertainAction.MARK_SENT, at(12), audit
    )
    assert marked == 2
    assert [e.action for e in await store.list_audit()] == ["broadcast.resolve"] * 2

    by_phone = {r.phone: r for r in await store.list_recipients(created.id)}
    assert (by_phone[A].status, by_phone[A].message_id, by_phone[A].bot_id) == (
        RecipientStatus.PENDING,
        None,
        None,
    )
    assert (by_phone[B].status, by_phone[B].sent_at) == (RecipientStatus.SENT, at(2))
    assert by_phone[B].reason is not None and "marked sent" in by_phone[B].reason
    messages = {m.peer: m for m in await store.list_messages()}
    assert (messages[A].status, messages[A].error) == (MessageStatus.FAILED, RESENT_ERROR)
    assert (messages[B].status, messages[B].sent_at) == (MessageStatus.SENT, at(2))
    # The resend is allowed by the 24 h guard: the old message is marked failed.
    claim = await store.claim_recipient(created.id, A, "main", at(13), repeat_since=at(-60))
    assert claim.outcome is ClaimOutcome.CLAIMED
    assert await store.count_recipients(created.id) == counts_of(sending=1, sent=2)


async def test_counts_have_every_state_and_match_the_list(store: Store) -> None:
    created = await running(store, A, B, C, D, "+971501234565", "+971501234566")
    assert created.id is not None
    key = created.id
    claim = await store.claim_recipient(key, A, "main", at(2))
    assert claim.message is not None and claim.message.id is not None
    await store.complete_recipient(key, A, claim.message.id, "WA-A", at(3))
    await store.claim_recipient(key, B, "main", at(2))
    await store.claim_recipient(key, C, "main", at(2))
    await store.mark_in_flight_uncertain(key, at(4))
    await store.claim_recipient(key, D, "main", at(5))
    await store.skip_recipient(key, "+971501234565", "not on WhatsApp", at(5))
    counts = await store.count_recipients(key)
    assert set(counts) == set(RecipientStatus)
    assert counts == counts_of(sent=1, uncertain=2, sending=1, skipped=1, pending=1)
    listed = await store.list_recipients(key)
    assert sum(counts.values()) == len(listed)
    for status, count in counts.items():
        assert len(await store.list_recipients(key, status)) == count


async def test_counts_by_bot_follow_who_took_each_recipient(store: Store) -> None:
    created = await store.create_campaign(
        campaign(),
        [
            new(A, preferred_bot="main"),
            new(B, preferred_bot="main"),
            new(C, preferred_bot="agent-1"),
            new(D, preferred_bot="agent-1"),
            new("+971501234565", skip_reason="opted out"),
        ],
    )
    key = created.id
    assert key is not None
    await store.set_campaign_status(key, CampaignStatus.RUNNING, at(1))
    # main's share: A sent by main; B taken over by agent-1 (main went offline).
    claim = await store.claim_recipient(key, A, "main", at(2))
    assert claim.message is not None and claim.message.id is not None
    await store.complete_recipient(key, A, claim.message.id, "WA-A", at(3))
    await store.update_message_status("main", "WA-A", MessageStatus.DELIVERED, at(4))
    await store.claim_recipient(key, B, "agent-1", at(2))
    await store.mark_in_flight_uncertain(key, at(4))
    await store.fail_recipient(key, C, "not on WhatsApp", at(5))
    by_bot = await store.count_recipients_by_bot(key)
    assert by_bot == {
        "main": {RecipientStatus.DELIVERED: 1},
        "agent-1": {
            RecipientStatus.UNCERTAIN: 1,
            RecipientStatus.FAILED: 1,
            RecipientStatus.PENDING: 1,
        },
        "": {RecipientStatus.SKIPPED: 1},
    }
    # The same recipients as the campaign's counts, split by bot.
    totals = dict.fromkeys(RecipientStatus, 0)
    for of_bot in by_bot.values():
        for status, count in of_bot.items():
            totals[status] += count
    assert totals == await store.count_recipients(key)
    assert await store.count_recipients_by_bot("404") == {}


async def test_recipients_page_in_order(store: Store) -> None:
    phones = [f"+9715012345{n:02d}" for n in range(10, 40)]
    created = await store.create_campaign(campaign(), [new(p) for p in phones])
    assert created.id is not None
    first = await store.list_recipients(created.id, limit=12)
    rest = await store.list_recipients(created.id, after_seq=first[-1].seq)
    assert [r.phone for r in first + rest] == phones
    pending = await store.list_recipients(
        created.id, RecipientStatus.PENDING, limit=5, after_seq=20
    )
    assert [r.seq for r in pending] == [21, 22, 23, 24, 25]
    assert await store.list_recipients(created.id, limit=0) == []
    assert await store.list_recipients("404") == []


async def test_sent_times_count_every_outbound_message_of_the_bot(store: Store) -> None:
    await store.add_message(message(bot_id="main", minute=1))
    await store.add_message(message(bot_id="main", minute=-10))
    await store.add_message(message(bot_id="main", minute=3, status=MessageStatus.FAILED))
    await store.add_message(message(bot_id="main", minute=4, status=MessageStatus.READ))
    await store.add_message(message(bot_id="other", minute=2))
    await store.record_inbound(
        message(bot_id="main", direction=Direction.IN, status=MessageStatus.RECEIVED, minute=5)
    )
    created = await running(store, A)
    assert created.id is not None
    await store.claim_recipient(created.id, A, "main", at(6))  # pending, about to go: counts
    assert await store.sent_times("main", at(0)) == [at(1), at(4), at(6)]
    assert await store.sent_times("other", at(0)) == [at(2)]
    assert await store.sent_times("nobody", at(0)) == []


async def test_recent_outbound_pairs(store: Store) -> None:
    await store.add_message(message(peer=A, text="one", minute=1))
    await store.add_message(message(peer=A, text="old", minute=-100))
    await store.add_message(message(peer=B, text="two", minute=2, status=MessageStatus.FAILED))
    await store.add_message(message(peer=C, text="three", minute=3, bot_id="other"))
    await store.record_inbound(
        message(direction=Direction.IN, peer=D, text="in", status=MessageStatus.RECEIVED, minute=4)
    )
    assert await store.recent_outbound(at(0)) == {(A, "one"), (C, "three")}


async def test_opted_out_among_many(store: Store) -> None:
    phones = [f"+9715012{n:05d}" for n in range(1500)]
    for phone in (phones[3], phones[1200], B):
        await store.add_opt_out(OptOut(phone=phone, created_at=at(1)))
    assert await store.opted_out_among([*phones, phones[3]]) == {phones[3], phones[1200]}
    assert await store.opted_out_among([]) == set()


async def test_owners_of_many_phones(store: Store) -> None:
    await store.ensure_contact_ref(A, "agent-1", at(2))
    await store.ensure_contact_ref(A, "main", at(1))  # older: the owner
    await store.ensure_contact_ref(B, "agent-2", at(3))
    phones = [f"+9715012{n:05d}" for n in range(1200)] + [A, B]
    assert await store.owners_of(phones) == {A: "main", B: "agent-2"}
    assert await store.owners_of([]) == {}


async def test_lookups_give_the_same_answer_whether_the_table_or_the_list_is_longer(
    store: Store,
) -> None:
    """A table shorter than the list of numbers may be read whole, a longer one is
    looked up number by number: the answers are the same either way."""
    opted = [f"+9715013{n:05d}" for n in range(6)]
    for phone in opted:
        await store.add_opt_out(OptOut(phone=phone, created_at=at(1)))
    await store.ensure_contact_ref(A, "agent-1", at(2))
    await store.ensure_contact_ref(A, "main", at(1))  # older: the owner
    for n, phone in enumerate(opted):
        await store.ensure_contact_ref(phone, "agent-2", at(3 + n))
    for asked in ([opted[2], A], [opted[2], A, *(f"+9715014{n:05d}" for n in range(40))]):
        assert await store.opted_out_among(asked) == {opted[2]}
        assert await store.owners_of(asked) == {A: "main", opted[2]: "agent-2"}


# --- opt-outs ---------------------------------------------------------------------------


async def test_opt_outs(store: Store) -> None:
    first = OptOut(phone=A, reason="STOP", bot_id="main", created_at=at(1))
    assert await store.add_opt_out(first)
    assert not await store.add_opt_out(OptOut(phone=A, reason="again", created_at=at(2)))
    assert await store.add_opt_out(OptOut(phone=B, reason="إلغاء", created_at=at(3)))

    assert await store.is_opted_out(A) and not await store.is_opted_out(C)
    assert await store.get_opt_out(A) == first and await store.get_opt_out(C) is None
    listed = await store.list_opt_outs()
    assert [o.phone for o in listed] == [B, A]  # newest first
    assert listed[1] == first  # the first opt-out is the one kept
    assert await store.list_opt_outs(limit=1) == [listed[0]]

    assert await store.remove_opt_out(A)
    assert not await store.remove_opt_out(A)
    assert not await store.is_opted_out(A)


# --- audit trail ------------------------------------------------------------------------


async def test_audit_trail_newest_first_filtered_by_bot(store: Store) -> None:
    first = await store.add_audit(
        AuditEntry(
            action="send",
            os_user="ops",
            at=at(1),
            ssh_client="203.0.113.7",
            bot_id="main",
            detail={"to": A, "chars": 12},
        )
    )
    second = await store.add_audit(
        AuditEntry(action="pair", os_user="ops", at=at(2), bot_id="agent-1")
    )
    third = await store.add_audit(AuditEntry(action="config check", os_user="root", at=at(3)))
    assert len({first.id, second.id, third.id}) == 3 and None not in {first.id, second.id}

    assert await store.list_audit() == [third, second, first]
    assert await store.list_audit(bot_id="main") == [first]
    assert await store.list_audit(bot_id="agent-1") == [second]
    assert await store.list_audit(limit=2) == [third, second]
    assert first.detail == {"to": A, "chars": 12}


async def test_integers_over_8_bytes_in_audit_detail_are_kept_as_text(store: Store) -> None:
    entry = await store.add_audit(
        AuditEntry(
            action="import",
            os_user="ops",
            at=at(1),
            detail={"rows": 3, "id": 2**70, "nested": [{"n": -(2**63) - 1}, 2**63 - 1]},
        )
    )
    expected = {"rows": 3, "id": str(2**70), "nested": [{"n": str(-(2**63) - 1)}, 2**63 - 1]}
    assert entry.detail == expected
    assert (await store.list_audit())[0].detail == expected


async def test_ids_no_record_can_have_find_nothing(store: Store) -> None:
    """An id over 8 bytes (typed, or from a URL) finds nothing, on every backend."""
    for huge in (2**70, str(2**70), "-" + "9" * 30):
        assert await store.get_campaign(huge) is None
        assert await store.list_recipients(huge) == []
        assert await store.count_recipients(huge) == dict.fromkeys(RecipientStatus, 0)
        assert await store.set_campaign_status(huge, CampaignStatus.RUNNING, at(1)) is None


async def test_audit_detail_that_json_cannot_hold_is_kept_as_text(store: Store) -> None:
    entry = await store.add_audit(
        AuditEntry(action="export", os_user="ops", at=at(1), detail={"path": Path("/tmp/out.csv")})
    )
    assert entry.detail == {"path": "/tmp/out.csv"}
    assert await store.list_audit() == [entry]


# --- sync state ---------------------------------------------------------------------------


async def test_sync_state(store: Store) -> None:
    assert await store.get_sync_state() == SyncState(account="default")
    state = SyncState(
        account="default",
        sync_token="token-1",
        last_full_sync=at(1),
        last_sync=at(2),
        last_error=None,
    )
    await store.set_sync_state(state)
    await store.set_sync_state(SyncState(account="second@example.com", sync_token="other"))
    assert await store.get_sync_state() == state
    second = await store.get_sync_state("second@example.com")
    assert second.sync_token == "other"

    failed = SyncState(
        account="default", sync_token=None, last_full_sync=at(1), last_error="HTTP 500"
    )
    await store.set_sync_state(failed)
    assert await store.get_sync_state() == failed


async def test_apply_sync_page(store: Store) -> None:
    await store.upsert_contacts([contact(1, A), contact(2, B)])
    state = SyncState(sync_token="next-token", last_full_sync=at(1), last_sync=at(2))

    await store.apply_sync_page([contact(3, C), contact(1, D, name="Renamed")], ["people/c2"], None)
    assert await store.get_sync_state() == SyncState()  # not the last page: no state yet
    await store.apply_sync_page([], [], state)

    assert await store.get_sync_state() == state
    assert await store.count_contacts() == 2
    assert await store.find_contacts_by_phone(B) == []
    assert await store.find_contacts_by_phone(D) == [contact(1, D, name="Renamed")]
    assert await store.find_contacts_by_phone(C) == [contact(3, C)]


# --- Google sync: outcomes, full-sync generations, raw phones ------------------------------


async def test_numbers_kept_as_written_round_trip_and_are_searchable(store: Store) -> None:
    kept = replace(contact(1, A), raw_phones=["050-123", "call the office"])
    await store.upsert_contacts([kept])
    assert await store.get_contact("people/c1") == kept
    assert [c.resource_name for c in await store.search_contacts("050-123")] == ["people/c1"]
    nameless = Contact(resource_name="people/c2", raw_phones=["12345"])
    assert nameless.display_name == "12345"


async def test_apply_sync_page_says_what_it_created_updated_and_deleted(store: Store) -> None:
    await store.upsert_contacts([contact(1, A), contact(2, B), contact(3, C)])
    await store.mark_contacts_deleted(["people/c3"])

    outcome = await store.apply_sync_page(
        [
            contact(1, A),  # same etag: unchanged
            replace(contact(2, B), etag="etag-2b"),  # changed
            contact(3, C),  # deleted before: back, so created
            contact(4, D),  # new
        ],
        ["people/c1", "people/c404"],
        None,
    )

    assert (outcome.created, outcome.updated, outcome.deleted) == (2, 1, 1)
    assert await store.count_contacts() == 3
    found = await store.find_contacts_by_phones([A, B, C, D])
    assert {phone: [c.resource_name for c in found[phone]] for phone in found} == {
        A: [],
        B: ["people/c2"],
        C: ["people/c3"],
        D: ["people/c4"],
    }


async def test_a_full_sync_deletes_only_when_it_finishes(store: Store) -> None:
    await store.upsert_contacts([contact(1, A), contact(2, B), contact(3, C)])
    old_state = SyncState(sync_token="old", last_sync=at(1))
    await store.set_sync_state(old_state)

    # The new listing has 1 (changed) and 4, not 2 and 3: until it finishes, nothing
    # disappears and the old token stays.
    await store.apply_sync_page(
        [replace(contact(1, A), etag="etag-1b")], [], None, generation="gen-2"
    )
    await store.apply_sync_page([contact(4, D)], [], None, generation="gen-2")
    assert await store.count_contacts() == 4
    assert await store.get_sync_state() == old_state
    assert [c.resource_name for c in await store.find_contacts_by_phone(B)] == ["people/c2"]

    new_state = SyncState(sync_token="new", last_full_sync=at(2), last_sync=at(2))
    assert await store.finish_full_sync("gen-2", new_state) == 2

    assert await store.get_sync_state() == new_state
    assert await store.count_contacts() == 2
    assert await store.find_contacts_by_phone(B) == []
    assert await store.find_contacts_by_phone(C) == []
    assert [c.resource_name for c in await store.find_contacts_by_phone(D)] == ["people/c4"]


async def test_a_full_sync_that_never_finishes_leaves_the_next_one_to_sweep(store: Store) -> None:
    await store.upsert_contacts([contact(1, A), contact(2, B)])
    await store.apply_sync_page([contact(1, A)], [], None, generation="abandoned")
    # The next full sync lists only contact 2: contact 1, stamped by the abandoned
    # run but not by this one, goes.
    await store.apply_sync_page([contact(2, B)], [], None, generation="second")
    assert await store.finish_full_sync("second", SyncState(sync_token="t")) == 1
    assert [c.resource_name for c in await store.search_contacts("contact")] == ["people/c2"]


async def test_an_incremental_page_and_its_token_land_together(store: Store) -> None:
    await store.upsert_contacts([contact(1, A)])
    state = SyncState(sync_token="t2", last_sync=at(3))
    outcome = await store.apply_sync_page([contact(2, B)], ["people/c1"], state)
    assert (outcome.created, outcome.updated, outcome.deleted) == (1, 0, 1)
    assert await store.get_sync_state() == state
    # Marking a deleted contact deleted again changes nothing.
    again = await store.apply_sync_page([], ["people/c1"], None)
    assert again.deleted == 0


async def test_pages_applied_together_are_applied_in_order_each_with_its_outcome(
    store: Store,
) -> None:
    await store.upsert_contacts([contact(1, A), contact(2, B)])
    old_state = SyncState(sync_token="old", last_sync=at(1))
    await store.set_sync_state(old_state)
    state = SyncState(sync_token="t2", last_sync=at(3))
    outcomes = await store.apply_sync_pages(
        [
            SyncPage([contact(3, C)], ["people/c1"]),  # 1 goes...
            SyncPage([contact(1, A), replace(contact(2, B), etag="etag-2b")]),  # ...and is back
            SyncPage([], ["people/c2"]),
            SyncPage([contact(4, D, name="Fourth"), contact(4, D, name="Fourth again")]),
        ],
        state,
        generation="gen-2",
    )
    assert [(o.created, o.updated, o.deleted) for o in outcomes] == [
        (1, 0, 1),
        (1, 1, 0),
        (0, 0, 1),
        (1, 0, 0),
    ]
    assert await store.get_sync_state() == state
    assert sorted(c.resource_name for c in await store.search_contacts("")) == [
        "people/c1",
        "people/c3",
        "people/c4",
    ]
    assert [c.names for c in await store.find_contacts_by_phone(D)] == [["Fourth again"]]
    assert await store.find_contacts_by_phone(B) == []
    # Stamped by the full sync they belong to: finishing it deletes nothing they listed.
    assert await store.finish_full_sync("gen-2", state) == 0


async def test_no_pages_applied_together_still_saves_the_state(store: Store) -> None:
    state = SyncState(sync_token="t3", last_sync=at(4))
    assert await store.apply_sync_pages([], state) == [SyncPageOutcome()]
    assert await store.get_sync_state() == state


# --- references across bots -----------------------------------------------------------------


async def test_references_of_every_bot_and_statuses_in_one_call(store: Store) -> None:
    from linda_tui.store.base import ContactRefUpdate

    await store.ensure_contact_ref(A, "main", at(1))
    await store.ensure_contact_ref(B, "sales", at(2))
    await store.ensure_contact_ref(C, "main", at(3))

    every = await store.list_contact_refs(None)
    assert [(r.phone, r.bot_id) for r in every] == [(A, "main"), (B, "sales"), (C, "main")]

    changed = await store.set_contact_ref_statuses(
        [
            ContactRefUpdate(A, "main", SyncStatus.SYNCED, at(5), resource_name="people/c1"),
            ContactRefUpdate(B, "sales", SyncStatus.FAILED, at(5), error="quota exhausted"),
            ContactRefUpdate(D, "main", SyncStatus.SYNCED, at(5)),  # no such reference
        ]
    )
    assert changed == 2
    pending = await store.list_contact_refs(None, SyncStatus.PENDING)
    assert [(r.phone, r.bot_id) for r in pending] == [(C, "main")]
    synced = await store.get_contact_ref(A, "main")
    assert synced is not None
    assert (synced.sync_status, synced.resource_name, synced.last_sync) == (
        SyncStatus.SYNCED,
        "people/c1",
        at(5),
    )
    failed = await store.get_contact_ref(B, "sales")
    assert failed is not None and failed.error == "quota exhausted"


# --- leases ----------------------------------------------------------------------------------

TTL = timedelta(seconds=60)


async def test_a_lease_has_one_holder_until_it_expires(store: Store) -> None:
    assert await store.get_lease("contacts-sync") is None

    mine = await store.acquire_lease("contacts-sync", "console", TTL, at(0))
    assert (mine.holder, mine.acquired_at, mine.expires_at) == ("console", at(0), at(1))
    assert await store.get_lease("contacts-sync") == mine

    refused = await store.acquire_lease("contacts-sync", "cli", TTL, at(0.5))
    assert refused == mine  # the current holder's, unchanged

    # Another lease name is independent.
    other = await store.acquire_lease("something-else", "cli", TTL, at(0.5))
    assert other.holder == "cli"

    # Once expired, anyone may take it over.
    taken = await store.acquire_lease("contacts-sync", "cli", TTL, at(1))
    assert (taken.holder, taken.expires_at) == ("cli", at(2))
    assert await store.renew_lease("contacts-sync", "console", TTL, at(1)) is None


async def test_a_lease_is_renewed_released_and_taken_from_a_dead_holder(store: Store) -> None:
    await store.acquire_lease("contacts-sync", "console", TTL, at(0))
    renewed = await store.renew_lease("contacts-sync", "console", TTL, at(0.75))
    assert renewed is not None and renewed.expires_at == at(1.75)
    assert renewed.acquired_at == at(0)

    assert not await store.release_lease("contacts-sync", "cli")  # not theirs
    assert await store.release_lease("contacts-sync", "console")
    assert await store.get_lease("contacts-sync") is None
    assert not await store.release_lease("contacts-sync", "console")

    await store.acquire_lease("contacts-sync", "crashed", TTL, at(2))
    stolen = await store.acquire_lease("contacts-sync", "cli", TTL, at(2.1), take_over="crashed")
    assert stolen.holder == "cli"
    # take_over names a holder: it does not take a lease someone else holds.
    kept = await store.acquire_lease("contacts-sync", "third", TTL, at(2.2), take_over="crashed")
    assert kept.holder == "cli"


async def test_only_one_of_many_concurrent_acquirers_gets_the_lease(
    store_factory: Callable[[], Store],
) -> None:
    import asyncio

    stores = [store_factory() for _ in range(4)]
    for each in stores:
        await each.open()
    try:
        leases = await asyncio.gather(
            *(
                each.acquire_lease("contacts-sync", f"holder-{i}", TTL, at(0))
                for i, each in enumerate(stores)
            )
        )
    finally:
        for each in stores:
            await each.close()
    winners = {lease.holder for lease in leases}
    assert len(winners) == 1


async def test_text_that_is_not_unicode_is_a_store_error_and_nothing_is_saved(
    store: Store,
) -> None:
    """A lone surrogate (bytes that were not UTF-8 on a command line) cannot be encoded:
    a StoreError saying so, never a raw UnicodeEncodeError, and nothing written."""
    bad = "hi \udcff"
    with pytest.raises(StoreError, match="not UTF-8"):
        await store.record_inbound(message(direction=Direction.IN, text=bad, wa_id="IN-1"))
    with pytest.raises(StoreError, match="not UTF-8"):
        await store.add_audit(AuditEntry(action="send", os_user=bad, at=at(2), bot_id="main"))
    with pytest.raises(StoreError, match="not UTF-8"):
        await store.upsert_contacts([contact(1, A, name=bad)])
    assert await store.list_messages(bot_id="main") == []
    assert await store.count_contacts() == 0
    try:
        assert await store.search_contacts(bad) == []
    except StoreError as exc:  # or fails in one line
        assert "not UTF-8" in str(exc)
