"""Contacts fixtures: the fake People API on 127.0.0.1, credentials for it, a store.

Everything goes through the real client (google-api-python-client, google-auth,
httplib2) over real HTTP to the fake, which checks what a real Google would check.
Retries do not really wait: the client's sleep records the delays instead.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from linda_tui.clock import FixedClock
from linda_tui.config.settings import Settings
from linda_tui.contacts.fake_people_api import FakePeopleApi
from linda_tui.contacts.people_api import PeopleClient, RetryPolicy
from linda_tui.contacts.people_generator import AddressBook, generate_address_book
from linda_tui.contacts.sync import ContactsSync
from linda_tui.fleet.actor import Actor
from linda_tui.store import SQLiteStore, Store

SUBJECT = "admin@example.com"
BOOK_SIZE = 250


@pytest.fixture(scope="session")
def book() -> AddressBook:
    return generate_address_book(BOOK_SIZE, seed=7)


@pytest.fixture
def fake(book: AddressBook) -> Iterator[FakePeopleApi]:
    server = FakePeopleApi(book.people, groups=book.groups).start()
    try:
        yield server
    finally:
        server.stop()


def write_json(path: Path, value: dict[str, Any]) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


@pytest.fixture
def key_file(fake: FakePeopleApi, tmp_path: Path) -> Path:
    """A service-account key for the fake, allowed to act for SUBJECT."""
    return write_json(
        tmp_path / "service-account.json", fake.service_account_key(subjects=[SUBJECT])
    )


@pytest.fixture
def settings(fake: FakePeopleApi, key_file: Path) -> Settings:
    return Settings(
        google_credentials=key_file, google_subject=SUBJECT, people_api_endpoint=fake.url
    )


class Sleeps:
    """The client's sleep in tests: records each delay, waits for nothing."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        import asyncio

        self.delays.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def connect(settings: Settings, sleeps: Sleeps) -> Callable[[], PeopleClient]:
    """Makes People API clients as a sync does, from the settings (fast retries)."""

    def make(**options: Any) -> PeopleClient:
        options.setdefault("sleep", sleeps)
        options.setdefault("rng", random.Random(1))
        options.setdefault("timeout", 10.0)
        options.setdefault("retry", RetryPolicy())
        return PeopleClient.from_settings(settings, **options)

    return make


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with SQLiteStore(tmp_path / "linda.db") as opened:
        yield opened


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def make_sync(
    store: Store, connect: Callable[[], PeopleClient], clock: FixedClock
) -> Callable[..., ContactsSync]:
    def make(**options: Any) -> ContactsSync:
        options.setdefault("clock", clock)
        options.setdefault("actor", Actor(os_user="operator", ssh_client="192.0.2.7"))
        target = options.pop("store", store)
        return ContactsSync(target, options.pop("connect", connect), **options)

    return make


class ServedFake(FakePeopleApi):
    """A fake with its own client factory (connect), for tests on a bigger address book."""

    connect: Callable[[], PeopleClient]


@pytest.fixture(scope="session")
def big_book() -> AddressBook:
    return generate_address_book(2500, seed=8)  # three pages of 1000


@pytest.fixture
def big_fake(big_book: AddressBook, tmp_path: Path, sleeps: Sleeps) -> Iterator[ServedFake]:
    server = ServedFake(big_book.people, groups=big_book.groups).start()
    key = write_json(tmp_path / "big-key.json", server.service_account_key(subjects=[SUBJECT]))
    settings = Settings(
        google_credentials=key, google_subject=SUBJECT, people_api_endpoint=server.url
    )
    server.connect = lambda: PeopleClient.from_settings(
        settings, sleep=sleeps, rng=random.Random(1), timeout=10.0
    )
    try:
        yield server
    finally:
        server.stop()


def fresh_numbers(book: AddressBook, count: int, start: int = 30_000) -> list[str]:
    """Example UAE mobiles (E.164) that nobody in the book has."""
    from linda_tui.contacts.people_generator import uae_mobile
    from linda_tui.phones import InvalidPhoneError, to_e164

    taken: set[str] = set()
    for person in book.people:
        for phone in person["phoneNumbers"]:
            try:
                taken.add(to_e164(phone["value"], "AE"))
            except InvalidPhoneError:
                pass
    numbers: list[str] = []
    index = start
    while len(numbers) < count:
        number = uae_mobile(index)
        index += 1
        if number not in taken:
            numbers.append(number)
    return numbers
