"""Under --demo, a real sync runs against the fake with a few thousand contacts."""

from __future__ import annotations

import stat
from pathlib import Path

from linda_tui.config.settings import Settings
from linda_tui.contacts.demo import start_demo_people_api
from linda_tui.contacts.people_api import PeopleClient
from linda_tui.contacts.sync import ContactsSync
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
