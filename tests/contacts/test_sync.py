"""The sync, end to end: the real client over HTTP to the fake People API, a real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from linda_tui.clock import FixedClock
from linda_tui.config.settings import Settings
from linda_tui.contacts.errors import Problem
from linda_tui.contacts.fake_people_api import (
    BATCH_CREATE,
    CONNECTIONS_LIST,
    FakePeopleApi,
    Fault,
)
from linda_tui.contacts.people_api import PERSON_FIELDS, PeopleClient, RetryPolicy
from linda_tui.contacts.people_generator import AddressBook
from linda_tui.contacts.sync import (
    OWNER_BOT_KEY,
    ContactsSync,
    SyncBusy,
    SyncError,
    SyncProgress,
    SyncResult,
)
from linda_tui.models import SyncStatus
from linda_tui.phones import to_e164
from linda_tui.store import Store
from linda_tui.store.mongo import MongoStore
from linda_tui.store.mongo.fake_replica_set import FakeReplicaSet

from .conftest import BOOK_SIZE, ServedFake, Sleeps, fresh_numbers

PAGE = 1000
SMALL_PAGE = 100  # the sync tests list the 250-person book in 3 pages


@pytest.fixture
def book_people(book: AddressBook) -> list[dict[str, Any]]:
    return book.people


def main_phone(person: dict[str, Any]) -> str:
    return to_e164(person["phoneNumbers"][0]["value"], "AE")


def usable(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """People whose first number is a valid one (a few in the book have none)."""
    out = []
    for person in people:
        try:
            main_phone(person)
        except ValueError:
            continue
        out.append(person)
    return out


async def searchable(store: Store) -> set[str]:
    return {c.resource_name for c in await store.search_contacts("", limit=100_000)}


# --- full and incremental -----------------------------------------------------------------


async def test_the_first_sync_lists_everything_in_pages_of_1000(
    big_fake: ServedFake, store: Store, make_sync: Callable[..., ContactsSync], clock: FixedClock
) -> None:
    sync = make_sync(connect=big_fake.connect)
    result = await sync.run()

    count = len(big_fake.people)
    assert (result.mode, result.full_reason) == ("full", "first sync")
    assert (result.fetched, result.created, result.updated, result.deleted) == (count, count, 0, 0)
    assert result.contacts == await store.count_contacts() == count
    assert result.pages == -(-count // PAGE) == 3

    # Every page of the listing repeats the same fields and requestSyncToken; only
    # the page token changes (the API's contract).
    pages = big_fake.requests_to(CONNECTIONS_LIST)
    assert len(pages) == 3
    assert {
        (p.param("personFields"), p.param("requestSyncToken"), p.param("pageSize")) for p in pages
    } == {(PERSON_FIELDS, "true", "1000")}
    assert [p.param("pageToken") is None for p in pages] == [True, False, False]
    assert all(p.param("syncToken") is None for p in pages)

    state = await store.get_sync_state()
    assert state.sync_token and state.last_full_sync == state.last_sync == clock.now()
    assert state.last_error is None


async def test_people_with_hostile_resource_names_are_skipped_counted_and_never_stored(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    hostile = [
        "people/c9100000000000000002\x1b]52;c;aGk=\x07",
        "people/c9100000000000000003[/]",
    ]
    fake.add_people(
        {
            "resourceName": name,
            "names": [{"displayName": "Evil resource"}],
            "phoneNumbers": [{"value": "+971509998888"}],
        }
        for name in hostile
    )
    result = await make_sync().run()
    assert result.skipped == 2
    assert result.contacts == await store.count_contacts() == BOOK_SIZE
    assert not await store.search_contacts("Evil resource", limit=10)
    assert all(name.startswith("people/c") for name in await searchable(store))


async def test_an_incremental_sync_applies_changes_and_deletions(
    fake: FakePeopleApi,
    store: Store,
    make_sync: Callable[..., ContactsSync],
    book_people: list[dict[str, Any]],
    book: AddressBook,
) -> None:
    [number] = fresh_numbers(book, 1)
    sync = make_sync()
    await sync.run()
    first_token = (await store.get_sync_state()).sync_token
    changed, deleted = usable(book_people)[:2]
    fake.update_person(changed["resourceName"], names=[{"displayName": "Renamed Person"}])
    fake.delete_person(deleted["resourceName"])
    [added] = fake.add_people(
        [{"names": [{"displayName": "Brand New"}], "phoneNumbers": [{"value": number}]}]
    )

    result = await sync.run()

    assert (result.mode, result.fetched) == ("incremental", 3)
    assert (result.created, result.updated, result.deleted) == (1, 1, 1)
    assert result.contacts == BOOK_SIZE
    assert [c.resource_name for c in await store.search_contacts("renamed person")] == [
        changed["resourceName"]
    ]
    assert await store.find_contacts_by_phone(main_phone(deleted)) == []
    assert deleted["resourceName"] not in await searchable(store)
    assert [c.resource_name for c in await store.find_contacts_by_phone(number)] == [added]
    incremental = fake.requests_to(CONNECTIONS_LIST)[-1]
    assert incremental.param("syncToken") == first_token
    assert incremental.param("personFields") == PERSON_FIELDS
    assert (await store.get_sync_state()).sync_token != first_token

    nothing = await sync.run()
    assert (nothing.mode, nothing.fetched, nothing.created, nothing.updated, nothing.deleted) == (
        "incremental",
        0,
        0,
        0,
        0,
    )


async def test_a_contact_is_found_by_each_of_its_numbers(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync], book: AddressBook
) -> None:
    first, second = fresh_numbers(book, 2)
    [name] = fake.add_people(
        [
            {
                "names": [{"displayName": "Omar Saleh"}],
                "phoneNumbers": [
                    {"value": "0" + first[4:6] + " " + first[6:9] + " " + first[9:]},
                    {"value": second[:4] + " " + second[4:6] + " " + second[6:]},
                    {"value": "0044 20 7946 0103 ext. 5"},
                    {"value": "050-123-99"},
                ],
            }
        ]
    )
    await make_sync().run()
    for phone in (first, second, "+442079460103"):
        assert [c.resource_name for c in await store.find_contacts_by_phone(phone)] == [name]
    contact = await store.get_contact(name)
    assert contact is not None and contact.raw_phones == ["050-123-99"]
    assert [c.resource_name for c in await store.search_contacts("050-123-99")] == [name]


async def test_people_with_no_valid_number_are_kept_and_shown(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    [name] = fake.add_people([{"phoneNumbers": [{"value": "call the office"}, {"value": "12345"}]}])
    await make_sync().run()
    contact = await store.get_contact(name)
    assert (
        contact is not None and contact.phones == [] and contact.display_name == "call the office"
    )


async def test_labels_come_from_the_accounts_groups(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync], book: AddressBook
) -> None:
    await make_sync().run()
    labelled = [c for c in await store.search_contacts("tenants", limit=1000)]
    assert labelled and all("Tenants" in c.labels for c in labelled)
    assert not any("myContacts" in c.labels for c in await store.search_contacts("", limit=1000))


# --- expired tokens and full syncs that clean up ----------------------------------------------


@pytest.mark.parametrize("reply", ["failed_precondition", "invalid_argument", "gone"])
async def test_an_expired_token_falls_back_to_a_full_sync_that_removes_what_is_gone(
    fake: FakePeopleApi,
    store: Store,
    make_sync: Callable[..., ContactsSync],
    book_people: list[dict[str, Any]],
    reply: str,
) -> None:
    fake.expired_token_reply = reply
    sync = make_sync()
    await sync.run()
    gone = usable(book_people)[:3]
    for person in gone:
        fake.delete_person(person["resourceName"])
    # Google forgets deletions after a while: only a full listing shows they are gone.
    fake.forget_deletions()
    fake.advance(8 * 86400)

    result = await sync.run()

    assert (result.mode, result.full_reason) == (
        "full",
        "Google no longer accepts the stored sync token (expired or reset)",
    )
    assert (result.created, result.updated, result.deleted) == (0, 0, 3)
    assert result.contacts == BOOK_SIZE - 3 == await store.count_contacts()
    for person in gone:
        assert await store.find_contacts_by_phone(main_phone(person)) == []
    # The next run is incremental again, with the new token.
    assert (await sync.run()).mode == "incremental"


async def test_a_full_sync_on_request_with_a_valid_token(
    fake: FakePeopleApi,
    store: Store,
    make_sync: Callable[..., ContactsSync],
    book_people: list[dict[str, Any]],
) -> None:
    sync = make_sync()
    await sync.run()
    gone = usable(book_people)[0]
    fake.delete_person(gone["resourceName"])
    fake.forget_deletions()
    result = await sync.run(full=True)
    assert (result.mode, result.full_reason, result.deleted, result.fetched) == (
        "full",
        "asked for",
        1,
        BOOK_SIZE - 1,
    )
    assert all(p.param("syncToken") is None for p in fake.requests_to(CONNECTIONS_LIST)[-1:])


# --- retries and failures midway --------------------------------------------------------------


async def test_429_on_a_page_is_retried_after_the_delay_google_asks_for(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync], sleeps: Sleeps
) -> None:
    fake.inject(Fault.http(429, retry_after=5), skip=1, times=2)
    progress: list[SyncProgress] = []
    result = await make_sync(page_size=100).run(on_progress=progress.append)
    assert result.contacts == len(fake.people)
    assert len(sleeps.delays) == 2 and min(sleeps.delays) >= 5
    waits = [p for p in progress if p.phase == "waiting"]
    assert len(waits) == 2 and "HTTP 429" in (waits[0].note or "")


async def test_5xx_on_a_page_is_retried(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync], sleeps: Sleeps
) -> None:
    fake.inject(Fault.http(500), skip=2)
    fake.inject(Fault.http(503), skip=2)
    result = await make_sync(page_size=100).run()
    assert result.contacts == len(fake.people) and len(sleeps.delays) == 2


async def test_a_server_failing_on_page_3_keeps_the_store_as_it_was_until_the_next_run(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync], clock: FixedClock
) -> None:
    sync = make_sync(page_size=100)
    await sync.run()
    before_state = await store.get_sync_state()
    before = await searchable(store)
    people = fake.people
    fake.delete_person(people[0]["resourceName"])
    fake.forget_deletions()
    fake.update_person(people[-1]["resourceName"], names=[{"displayName": "Changed Later"}])

    # A full sync (asked for) dies on its third page: the server keeps failing.
    fake.inject(Fault.http(503), skip=2, times=None)
    clock.advance(60)
    with pytest.raises(SyncError) as caught:
        await sync.run(full=True)
    assert caught.value.problem is Problem.SERVER
    assert "\n" not in str(caught.value) and " — " in str(caught.value)

    # Nothing was deleted and no new token saved: every earlier contact is searchable.
    assert await searchable(store) == before
    state = await store.get_sync_state()
    assert state.sync_token == before_state.sync_token
    assert state.last_sync == before_state.last_sync
    assert state.last_error == str(caught.value)

    fake.clear_faults()
    result = await sync.run(full=True)
    assert result.mode == "full" and result.deleted == 1
    assert await searchable(store) == before - {people[0]["resourceName"]}
    assert [c.names for c in await store.search_contacts("changed later")] == [["Changed Later"]]
    assert (await store.get_sync_state()).last_error is None


async def test_a_first_sync_that_fails_midway_is_finished_by_the_next(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    sync = make_sync(page_size=100)
    fake.inject(Fault.reset(), skip=2, times=None)
    with pytest.raises(SyncError) as caught:
        await sync.run()
    assert caught.value.problem is Problem.NETWORK
    assert await store.count_contacts() == 2 * SMALL_PAGE  # the pages that made it
    assert (await store.get_sync_state()).sync_token is None
    fake.clear_faults()
    result = await sync.run()
    assert (result.mode, result.contacts, result.deleted) == ("full", len(fake.people), 0)


async def test_an_incremental_sync_that_fails_replays_from_the_same_token(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    sync = make_sync(page_size=100)
    await sync.run()
    token = (await store.get_sync_state()).sync_token
    changed = [p["resourceName"] for p in fake.people[:250]]
    for name in changed:
        fake.update_person(name, names=[{"displayName": "Moved to Marina"}])
    fake.inject(Fault.http(500), skip=2, times=None)
    with pytest.raises(SyncError):
        await sync.run()
    assert (await store.get_sync_state()).sync_token == token  # not before its whole sync
    fake.clear_faults()
    result = await sync.run()
    assert (result.mode, result.fetched) == ("incremental", 250)
    assert len(await store.search_contacts("moved to marina", limit=10_000)) == 250


# --- progress and the result ------------------------------------------------------------------


async def test_progress_is_reported_after_every_page(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    progress: list[SyncProgress] = []
    result = await make_sync(page_size=100).run(on_progress=progress.append)
    phases = [p.phase for p in progress]
    assert phases[0] == "starting" and phases[-1] == "done"
    listing = [p for p in progress if p.phase == "listing" and p.pages]
    assert [p.pages for p in listing] == [1, 2, 3]
    assert [p.fetched for p in listing] == [100, 200, len(fake.people)]
    assert all(p.total == len(fake.people) and p.mode == "full" for p in listing)
    assert [p.created for p in listing] == [p.fetched for p in listing]
    elapsed = [p.elapsed for p in progress]
    assert elapsed == sorted(elapsed)
    assert "finishing" in phases and "references" in phases
    document = result.to_dict()
    assert {"mode", "fetched", "created", "updated", "deleted", "contacts"} <= set(document)


async def test_a_broken_progress_callback_does_not_break_the_sync(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    def broken(progress: SyncProgress) -> None:
        raise RuntimeError("the bar fell over")

    assert (await make_sync().run(on_progress=broken)).contacts == BOOK_SIZE


async def test_each_run_goes_in_the_audit_trail(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    await make_sync().run()
    [entry] = await store.list_audit()
    assert (entry.action, entry.os_user, entry.ssh_client) == (
        "contacts-sync",
        "operator",
        "192.0.2.7",
    )
    assert entry.detail["ok"] is True and entry.detail["mode"] == "full"
    assert entry.detail["fetched"] == BOOK_SIZE


async def test_missing_credentials_fail_in_one_line_and_are_remembered(
    store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    sync = make_sync(connect=lambda: PeopleClient.from_settings(Settings()))
    with pytest.raises(SyncError) as caught:
        await sync.run()
    assert caught.value.problem is Problem.CREDENTIALS
    assert "LINDA_GOOGLE_CREDENTIALS" in str(caught.value)
    assert (await store.get_sync_state()).last_error == str(caught.value)
    [entry] = await store.list_audit()
    assert entry.detail == {"ok": False, "error": str(caught.value)}
    assert await store.get_lease("contacts-sync") is None  # released


async def test_one_process_never_runs_two_syncs_at_once(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    sync = make_sync(page_size=100)
    fake.inject(Fault.slow(0.5))
    first = asyncio.create_task(sync.run())
    await asyncio.sleep(0.1)
    assert sync.running
    with pytest.raises(SyncBusy, match="already running"):
        await sync.run()
    assert (await first).contacts == len(fake.people)


# --- references and numbers first met on WhatsApp ----------------------------------------------


async def test_references_to_numbers_google_has_are_marked_synced(
    fake: FakePeopleApi,
    store: Store,
    make_sync: Callable[..., ContactsSync],
    book_people: list[dict[str, Any]],
    clock: FixedClock,
    book: AddressBook,
) -> None:
    [stranger] = fresh_numbers(book, 1)
    known = usable(book_people)[5]
    await store.ensure_contact_ref(main_phone(known), "main-office", clock.now())
    await store.ensure_contact_ref(main_phone(known), "sales", clock.now())
    await store.ensure_contact_ref(stranger, "main-office", clock.now())
    clock.advance(30)

    result = await make_sync().run()

    assert (result.refs_synced, result.created_in_google) == (2, 0)
    for bot in ("main-office", "sales"):
        ref = await store.get_contact_ref(main_phone(known), bot)
        assert ref is not None
        assert (ref.sync_status, ref.resource_name, ref.last_sync) == (
            SyncStatus.SYNCED,
            known["resourceName"],
            clock.now(),
        )
    unknown = await store.get_contact_ref(stranger, "main-office")
    assert unknown is not None and unknown.sync_status is SyncStatus.PENDING  # creation is off
    assert not fake.requests_to(BATCH_CREATE)


async def test_a_reference_whose_contact_google_deleted_says_so_and_is_not_made_again(
    fake: FakePeopleApi,
    store: Store,
    make_sync: Callable[..., ContactsSync],
    book_people: list[dict[str, Any]],
    clock: FixedClock,
) -> None:
    """It stayed synced, pointing at a contact that no longer exists."""
    known = usable(book_people)[7]
    await store.ensure_contact_ref(main_phone(known), "main-office", clock.now())
    await make_sync().run()
    ref = await store.get_contact_ref(main_phone(known), "main-office")
    assert ref is not None and ref.sync_status is SyncStatus.SYNCED
    fake.delete_person(known["resourceName"])
    clock.advance(60)
    result = await make_sync(create_from_whatsapp=True).run()
    ref = await store.get_contact_ref(main_phone(known), "main-office")
    assert ref is not None and ref.sync_status is SyncStatus.FAILED
    assert "no longer in Google Contacts" in (ref.error or "")
    assert result.refs_synced == 0 and result.created_in_google == 0
    assert not fake.requests_to(BATCH_CREATE)  # removed on purpose: not made again


async def test_numbers_first_met_on_whatsapp_are_created_in_google_200_at_a_time(
    fake: FakePeopleApi,
    store: Store,
    make_sync: Callable[..., ContactsSync],
    clock: FixedClock,
    book: AddressBook,
) -> None:
    phones = fresh_numbers(book, 450)
    for n, phone in enumerate(phones):
        await store.ensure_contact_ref(phone, "main-office" if n % 2 else "sales", clock.now())
    await store.ensure_contact_ref(phones[0], "main-office", clock.now())  # a second bot

    result = await make_sync(create_from_whatsapp=True).run()

    calls = fake.requests_to(BATCH_CREATE)
    assert [len(c.body["contacts"]) for c in calls] == [200, 200, 50]
    assert (result.created_in_google, result.refs_synced, result.refs_failed) == (450, 451, 0)
    assert result.contacts == BOOK_SIZE + 450
    for phone in (phones[0], phones[449]):
        [contact] = await store.find_contacts_by_phone(phone)
        assert fake.person(contact.resource_name) is not None
    first = calls[0].body["contacts"][0]["contactPerson"]
    assert first["phoneNumbers"] == [{"value": phones[0], "type": "mobile"}]
    assert first["clientData"] == [{"key": OWNER_BOT_KEY, "value": "sales"}]  # the oldest reference
    refs = await store.list_contact_refs(None, limit=10_000)
    assert {r.sync_status for r in refs} == {SyncStatus.SYNCED}
    assert all(r.resource_name for r in refs)
    # The next sync lists the created contacts as changes and creates nothing again.
    again = await make_sync(create_from_whatsapp=True).run()
    assert again.created_in_google == 0 and len(fake.requests_to(BATCH_CREATE)) == 3


async def test_creation_waits_for_the_write_quota(
    fake: FakePeopleApi,
    store: Store,
    settings: Settings,
    make_sync: Callable[..., ContactsSync],
    clock: FixedClock,
    book: AddressBook,
) -> None:
    fake.write_quota = (1, 1.0)  # one write a second
    for phone in fresh_numbers(book, 250):
        await store.ensure_contact_ref(phone, "main-office", clock.now())
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # really waits: the quota runs on real time
        waits.append(seconds)
        await asyncio.sleep(seconds)

    result = await make_sync(
        create_from_whatsapp=True,
        connect=lambda: PeopleClient.from_settings(
            settings, sleep=sleep, retry=RetryPolicy(initial=0.2)
        ),
    ).run()
    assert result.created_in_google == 250
    statuses = [c for c in fake.requests_to(BATCH_CREATE)]
    assert len(statuses) >= 3  # two batches, at least one refused with 429 and retried
    assert waits and min(waits) >= 1  # Retry-After honoured


async def test_when_the_write_quota_stays_exhausted_the_numbers_wait_for_the_next_run(
    fake: FakePeopleApi,
    store: Store,
    make_sync: Callable[..., ContactsSync],
    clock: FixedClock,
    book: AddressBook,
) -> None:
    [number] = fresh_numbers(book, 1)
    await store.ensure_contact_ref(number, "main-office", clock.now())
    fake.inject(Fault.http(429), BATCH_CREATE, times=None)
    result = await make_sync(create_from_whatsapp=True).run()
    assert result.created_in_google == 0 and result.refs_failed == 0
    assert any("quota" in w for w in result.warnings)
    ref = await store.get_contact_ref(number, "main-office")
    assert ref is not None and ref.sync_status is SyncStatus.PENDING
    fake.clear_faults()
    assert (await make_sync(create_from_whatsapp=True).run()).created_in_google == 1


async def test_a_refused_batch_marks_its_references_failed_with_the_reason(
    fake: FakePeopleApi,
    store: Store,
    make_sync: Callable[..., ContactsSync],
    clock: FixedClock,
    book: AddressBook,
) -> None:
    [number] = fresh_numbers(book, 1)
    await store.ensure_contact_ref(number, "main-office", clock.now())
    fake.inject(Fault.http(400), BATCH_CREATE)
    result = await make_sync(create_from_whatsapp=True).run()
    assert result.refs_failed == 1
    ref = await store.get_contact_ref(number, "main-office")
    assert ref is not None and ref.sync_status is SyncStatus.FAILED
    assert ref.error and "HTTP 400" in ref.error
    # A failed reference is not created again; it is marked synced once Google has it.
    fake.add_people([{"phoneNumbers": [{"value": "0" + number[4:]}]}])
    await make_sync(create_from_whatsapp=True).run()
    ref = await store.get_contact_ref(number, "main-office")
    assert ref is not None and ref.sync_status is SyncStatus.SYNCED
    assert len(fake.requests_to(BATCH_CREATE)) == 1


# --- the other backend ----------------------------------------------------------------------------


@pytest.fixture
async def mongo_store() -> AsyncIterator[Store]:
    store = MongoStore("mongodb://localhost/linda_sync_test", client=FakeReplicaSet())
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def test_the_sync_works_the_same_on_mongodb(
    fake: FakePeopleApi,
    mongo_store: Store,
    make_sync: Callable[..., ContactsSync],
    book_people: list[dict[str, Any]],
) -> None:
    sync = make_sync(store=mongo_store)
    first = await sync.run()
    assert (first.mode, first.contacts) == ("full", BOOK_SIZE)
    gone, changed = usable(book_people)[:2]
    fake.delete_person(gone["resourceName"])
    fake.update_person(changed["resourceName"], names=[{"displayName": "Mongo Renamed"}])
    second = await sync.run()
    assert (second.mode, second.updated, second.deleted, second.contacts) == (
        "incremental",
        1,
        1,
        BOOK_SIZE - 1,
    )
    fake.delete_person(changed["resourceName"])
    fake.forget_deletions()
    fake.expire_sync_tokens()
    third = await sync.run()
    assert (third.mode, third.deleted, third.contacts) == ("full", 1, BOOK_SIZE - 2)
    assert await mongo_store.find_contacts_by_phone(main_phone(changed)) == []


def test_the_result_as_json_has_what_linda_sync_prints() -> None:
    result = SyncResult(
        mode="full",
        fetched=3,
        created=2,
        updated=1,
        deleted=0,
        contacts=2,
        pages=1,
        elapsed=0.12345,
    )
    document = result.to_dict()
    assert document["mode"] == "full" and document["elapsed"] == 0.123
    assert document["warnings"] == []


async def test_a_full_listing_without_its_sync_token_deletes_nothing(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync], clock: FixedClock
) -> None:
    """A proxy or captive portal answering "{}" looks like an empty address book: a full
    sync finishing on it deleted every contact. Linda asked for a sync token, so a
    listing that ends without one is a bad reply, and nothing is deleted."""
    sync = make_sync(page_size=100)
    await sync.run()
    before = await searchable(store)
    token = (await store.get_sync_state()).sync_token
    fake.inject(Fault.reply("{}"), times=None)
    clock.advance(60)
    with pytest.raises(SyncError) as caught:
        await sync.run(full=True)
    assert caught.value.problem is Problem.BAD_REPLY
    assert "nothing was deleted" in str(caught.value)
    assert await searchable(store) == before
    assert (await store.get_sync_state()).sync_token == token


async def test_an_empty_address_book_without_a_sync_token_deletes_nothing_and_passes(
    fake: FakePeopleApi, store: Store, make_sync: Callable[..., ContactsSync]
) -> None:
    """An account with no contacts at all may answer that way: nothing to delete, so the
    sync passes (and says the next one lists everything again)."""
    fake.inject(Fault.reply("{}"), times=None)
    result = await make_sync().run()
    assert result.mode == "full" and result.fetched == 0 and result.deleted == 0
    assert any("no sync token" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("[" * 200_000, 200),  # nested past Python's recursion limit
        ('{"error": ' + "[" * 200_000 + "]}", 400),
        ('{"error": {"code": 400, "details": 5}}', 400),
        ('{"error": {"code": 400, "errors": 7}}', 400),
        ('{"error": {"code": 400, "message": {"a": "b"}}}', 400),
        ('{"connections": 5, "nextSyncToken": "t"}', 200),
    ],
    ids=["deep", "deep error", "details", "errors", "message", "connections"],
)
async def test_a_reply_of_the_wrong_shape_is_one_line_never_an_unexpected_error(
    fake: FakePeopleApi,
    store: Store,
    make_sync: Callable[..., ContactsSync],
    body: str,
    status: int,
) -> None:
    sync = make_sync(page_size=100)
    fake.inject(Fault.reply(body, status), times=None)
    with pytest.raises(SyncError) as caught:
        await sync.run()
    text = str(caught.value)
    assert "\n" not in text and " — " in text, text
    assert (await store.get_sync_state()).last_error == text
