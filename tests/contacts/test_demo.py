"""Under --demo, a real sync runs against the fake with a few thousand contacts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from linda_tui.config.settings import Settings
from linda_tui.contacts.demo import start_demo_people_api
from linda_tui.contacts.people_api import PeopleClient
from linda_tui.contacts.sync import ContactsSync
from linda_tui.private_files import UnsafePathError
from linda_tui.store import Store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_demo_syncs_its_address_book_through_the_real_client(
    tmp_path: Path, store: Store
) -> None:
    fake, settings = start_demo_people_api(Settings(timezone="Asia/Dubai"), tmp_path, people=1200)
    try:
        key = settings.google_credentials
        assert key is not None and mode(Path(key)) == 0o600
        assert settings.timezone == "Asia/Dubai"  # the rest of the settings kept
        sync = ContactsSync(store, lambda: PeopleClient.from_settings(settings))
        result = await sync.run()
    finally:
        fake.stop()
    assert (result.mode, result.contacts) == ("full", 1200)
    assert await store.search_contacts("mohammed", limit=5)


def test_a_fifo_planted_at_the_demo_key_stays_a_fifo_and_the_demo_says_so(
    tmp_path: Path,
) -> None:
    key = tmp_path / "demo-google-key.json"
    os.mkfifo(key)
    with pytest.raises(UnsafePathError) as caught:
        start_demo_people_api(Settings(), tmp_path, people=10)
    assert str(caught.value) == (
        f"{key}: the demo Google key is a FIFO (named pipe), not a regular file — remove it, "
        "or choose another --data-dir"
    )
    assert stat.S_ISFIFO(os.lstat(key).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-google-key.json"]
