"""Choosing the backend from the store URL, and MongoDB's own failure modes."""

from __future__ import annotations

from pathlib import Path

import pytest

from linda_tui.store import SQLiteStore, StoreError, open_store
from linda_tui.store.mongo import SCHEMA_VERSION, MongoStore
from linda_tui.store.mongo.fake_replica_set import FakeReplicaSet


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and text.strip(), f"not one line: {text!r}"
    return text


def test_sqlite_urls_and_plain_paths_give_sqlite(tmp_path: Path) -> None:
    absolute = open_store(f"sqlite:///{tmp_path}/linda.db")
    assert isinstance(absolute, SQLiteStore) and absolute.path == tmp_path / "linda.db"
    relative = open_store("sqlite:///data/linda.db")
    assert isinstance(relative, SQLiteStore) and relative.path == Path("data/linda.db")
    plain = open_store("./linda.db")
    assert isinstance(plain, SQLiteStore) and plain.path == Path("linda.db")


def test_mongodb_urls_give_mongodb() -> None:
    store = open_store("mongodb://linda:s3cret@db.example.com:27017/brokerage?authSource=admin")
    assert isinstance(store, MongoStore)
    assert store.database_name == "brokerage"
    assert "s3cret" not in store.url
    srv = open_store("mongodb+srv://cluster0.example.net/")
    assert isinstance(srv, MongoStore) and srv.database_name == "linda"


@pytest.mark.parametrize(
    "url",
    [
        "postgres://linda:s3cret@db.example.com/linda",
        "redis://localhost",
        "sqlite://",
        "sqlite:///",
    ],
)
def test_unknown_urls_are_refused_in_one_line_without_the_password(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)
    text = one_line(caught.value)
    assert "s3cret" not in text
    assert "./linda.db" in text and "mongodb://" in text


def test_an_empty_url_is_refused() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("  ")
    assert "empty" in one_line(caught.value)


async def test_open_store_gives_a_working_store(tmp_path: Path) -> None:
    async with open_store(str(tmp_path / "linda.db")) as store:
        assert await store.count_contacts() == 0


async def test_an_unreachable_mongodb_fails_fast_in_one_line_with_its_cause() -> None:
    # Port 9 (discard) has nobody listening here: the connection is refused.
    store = MongoStore("mongodb://linda:s3cret@127.0.0.1:9/linda", open_timeout=0.3)
    with pytest.raises(StoreError) as caught:
        await store.open()
    text = one_line(caught.value)
    assert text.startswith("cannot reach MongoDB at 127.0.0.1:9: nothing listens there (")
    assert "Connection refused) — start MongoDB" in text
    assert "s3cret" not in text and "Topology Description" not in text
    with pytest.raises(StoreError, match="not open"):
        await store.count_contacts()


async def test_a_malformed_mongodb_url_is_refused_in_one_line() -> None:
    store = MongoStore("mongodb://linda:s3cret@host:notaport/linda")
    with pytest.raises(StoreError) as caught:
        await store.open()
    text = one_line(caught.value)
    assert "not a usable MongoDB URL" in text and "s3cret" not in text


@pytest.mark.parametrize(
    ("url", "database"),
    [
        ("mongodb://h/linda.contacts", "linda"),  # pymongo reads db.collection
        ("mongodb://h/my%2Ddb?replicaSet=rs0", "my-db"),  # percent-decoded
        ("mongodb+srv://u:p@cluster0.example.net/brokerage?retryWrites=true", "brokerage"),
        ("mongodb://h/?replicaSet=rs0", "linda"),
        ("mongodb://h", "linda"),
    ],
)
def test_the_database_is_the_one_pymongo_reads_from_the_url(url: str, database: str) -> None:
    """Linda's data goes to the database pymongo logs in to, never to a name of its own
    reading (a '.' in it ended `linda status` with an unexpected InvalidName)."""
    assert MongoStore(url).database_name == database


@pytest.mark.parametrize(
    "option",
    ["tlsCAFile=/nonexistent/ca.pem", "tlsCAFile=/", "tlsCAFile=/etc/hostname"],
)
async def test_a_tls_file_that_cannot_be_used_is_refused_in_one_line(option: str) -> None:
    store = MongoStore(f"mongodb://linda:s3cret@127.0.0.1:9/linda?tls=true&{option}")
    with pytest.raises(StoreError) as caught:
        await store.open()
    text = one_line(caught.value)
    assert "not a usable MongoDB URL" in text and "s3cret" not in text


async def test_mongodb_written_by_a_newer_linda_is_refused() -> None:
    client = FakeReplicaSet()
    await client["linda"]["meta"].insert_one({"_id": "schema", "version": SCHEMA_VERSION + 1})
    with pytest.raises(StoreError) as caught:
        await MongoStore("mongodb://localhost/linda", client=client).open()
    assert one_line(caught.value).endswith("upgrade Linda")


async def test_mongodb_indexes_are_created_on_open() -> None:
    client = FakeReplicaSet()
    async with MongoStore("mongodb://localhost/linda", client=client) as store:
        assert await store.schema_version() == SCHEMA_VERSION
        refs = await client["linda"]["contact_refs"].index_information()
        assert refs["phone_bot"]["unique"] is True
        contacts = await client["linda"]["contacts"].index_information()
        assert "by_phone_live" in contacts
        recipients = await client["linda"]["recipients"].index_information()
        assert recipients["campaign_phone"]["unique"] is True
        messages = await client["linda"]["messages"].index_information()
        assert messages["inbound_once"]["unique"] is True and messages["inbound_once"]["sparse"]
