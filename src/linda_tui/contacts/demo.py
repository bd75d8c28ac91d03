"""Google Contacts under ``--demo``: the fake People API with a generated address book.

``start_demo_people_api`` starts the fake on 127.0.0.1, writes a service-account key
for it into the demo data folder (0600) and returns settings that point the real
client at it, so the demo syncs through exactly the code a real account uses.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from linda_tui.config.settings import Settings
from linda_tui.contacts.fake_people_api import FakePeopleApi
from linda_tui.contacts.people_generator import generate_address_book
from linda_tui.private_files import write_private_atomic

DEMO_SUBJECT = "demo@example.com"
DEMO_PEOPLE = 3000


def start_demo_people_api(
    settings: Settings, data_dir: Path, *, people: int = DEMO_PEOPLE, seed: int = 1
) -> tuple[FakePeopleApi, Settings]:
    """The running fake (``stop()`` it at shutdown) and ``settings`` pointed at it.

    The key is written to ``<data_dir>/demo-google-key.json`` (refused, UnsafePathError,
    when something else than a regular file is there). Blocks for a fraction of
    a second (the address book and an RSA key are made): call it off the first frame.
    """
    book = generate_address_book(people, seed)
    fake = FakePeopleApi(book.people, groups=book.groups).start()
    try:
        key_path = Path(data_dir) / "demo-google-key.json"
        key = json.dumps(fake.service_account_key(subjects=[DEMO_SUBJECT]), indent=2)
        write_private_atomic(
            key_path, key.encode("utf-8"), "demo Google key", elsewhere="choose another --data-dir"
        )
        demo_settings = dataclasses.replace(
            settings,
            google_credentials=key_path,
            google_token=None,
            google_subject=DEMO_SUBJECT,
            people_api_endpoint=fake.url,
        )
    except BaseException:
        fake.stop()
        raise
    return fake, demo_settings
