"""The store contract: every backend behaves the same, method by method.

Each test runs on SQLite, on mongomock-motor, and on a real MongoDB when
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
    Contact,
    ContactRef,
    Direction,
    Message,
    MessageStatus,
    OptOut,
    Recipient,
    RecipientStatus,
    SyncState,
    SyncStatus,
)
from linda_tui.store import Store, StoreError
from linda_tui.store.base import StatusUpdate

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
    stored, ref, created = await store.record_inbound(inbound)
    assert created and stored.id is not None
    assert ref == ContactRef(phone=B, bot_id="agent-1", created_at=at(3))
    assert await store.get_message("agent-1", "IN1") == stored
    assert await store.get_contact_ref(B, "agent-1") == ref

    second, ref_again, created_again = await store.record_inbound(
        message(bot_id="agent-1", direction=Direction.IN, peer=B, minute=4, wa_id="IN2")
    )
    assert not created_again and ref_again == ref and second.id != stored.id
    assert len(await store.list_messages(peer=B)) == 2


async def test_record_inbound_refuses_outbound_messages(store: Store) -> None:
    with pytest.raises(ValueError, match="inbound"):
        await store.record_inbound(message(direction=Direction.OUT))
    assert await store.list_messages() == []


# --- broadcasts ---------------------------------------------------------------------


def campaign(name: str = "January offer", minute: float = 0) -> Campaign:
    return Campaign(
        name=name,
        text="New units in Dubai Marina",
        bot_id="auto",
        created_at=at(minute),
        updated_at=at(minute),
        created_by="operator",
    )


async def test_create_campaign_with_deduplicated_recipients_in_order(store: Store) -> None:
    created = await store.create_campaign(campaign(), [C, A, C, B, A])
    assert created.id is not None
    assert await store.get_campaign(created.id) == created
    recipients = await store.list_recipients(created.id)
    assert [r.phone for r in recipients] == [C, A, B]
    assert all(r.status == RecipientStatus.PENDING for r in recipients)
    assert all(r.campaign_id == created.id and r.updated_at == at(0) for r in recipients)


async def test_campaign_without_recipients(store: Store) -> None:
    created = await store.create_campaign(campaign(), [])
    assert created.id is not None
    assert await store.list_recipients(created.id) == []
    assert await store.count_recipients(created.id) == dict.fromkeys(RecipientStatus, 0)


async def test_list_campaigns_newest_first_and_status_changes(store: Store) -> None:
    old = await store.create_campaign(campaign("old", minute=1), [A])
    new = await store.create_campaign(campaign("new", minute=2), [A])
    assert await store.list_campaigns() == [new, old]
    assert await store.list_campaigns(limit=1) == [new]

    assert old.id is not None
    await store.set_campaign_status(old.id, CampaignStatus.RUNNING, at(5))
    running = await store.get_campaign(old.id)
    assert running is not None
    assert (running.status, running.updated_at, running.created_at) == (
        CampaignStatus.RUNNING,
        at(5),
        at(1),
    )
    assert await store.get_campaign("404") is None


async def test_recipients_update_filter_and_count(store: Store) -> None:
    created = await store.create_campaign(campaign(), [A, B, C, D])
    other = await store.create_campaign(campaign("other"), [A])
    assert created.id is not None and other.id is not None

    sent = Recipient(
        campaign_id=created.id,
        phone=B,
        status=RecipientStatus.SENT,
        bot_id="agent-1",
        wa_id="WA9",
        updated_at=at(3),
    )
    await store.update_recipient(sent)
    await store.update_recipient(
        Recipient(
            campaign_id=created.id,
            phone=D,
            status=RecipientStatus.FAILED,
            error="not on WhatsApp",
            updated_at=at(4),
        )
    )
    # A recipient that is not in the campaign is not added by an update.
    await store.update_recipient(Recipient(campaign_id=created.id, phone="+971501234569"))

    assert [r.phone for r in await store.list_recipients(created.id)] == [A, B, C, D]
    assert await store.list_recipients(created.id, RecipientStatus.SENT) == [sent]
    pending = await store.list_recipients(created.id, RecipientStatus.PENDING)
    assert [r.phone for r in pending] == [A, C]
    limited = await store.list_recipients(created.id, RecipientStatus.PENDING, limit=1)
    assert [r.phone for r in limited] == [A]
    assert await store.count_recipients(created.id) == {
        RecipientStatus.PENDING: 2,
        RecipientStatus.SENDING: 0,
        RecipientStatus.SENT: 1,
        RecipientStatus.FAILED: 1,
        RecipientStatus.SKIPPED: 0,
    }
    # The other campaign's recipient with the same phone is untouched.
    assert [r.status for r in await store.list_recipients(other.id)] == [RecipientStatus.PENDING]


# --- opt-outs ---------------------------------------------------------------------------


async def test_opt_outs(store: Store) -> None:
    first = OptOut(phone=A, reason="STOP", bot_id="main", created_at=at(1))
    assert await store.add_opt_out(first)
    assert not await store.add_opt_out(OptOut(phone=A, reason="again", created_at=at(2)))
    assert await store.add_opt_out(OptOut(phone=B, reason="إلغاء", created_at=at(3)))

    assert await store.is_opted_out(A) and not await store.is_opted_out(C)
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
