"""The contacts a running Linda searches: a search right after start-up finds what the
index finds, never fewer people from the store's plain search while the index loads."""

from __future__ import annotations

from pathlib import Path

from linda_tui.contacts.directory import ContactDirectory
from linda_tui.models import Contact
from linda_tui.store import SQLiteStore

PEOPLE = [
    ("José Bautista", "+971501231077"),
    ("Jose Castillo", "+971501230863"),
    ("Mohammed Ali", "+971501230001"),
    ("مُحَمَّد إسماعيل", "+971501230002"),
    ("Sara Haddad", "+971501230003"),
]


async def test_the_first_search_after_start_up_waits_for_the_index(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "linda.db")
    await store.open()
    try:
        await store.upsert_contacts(
            [
                Contact(resource_name=f"people/c{n}", names=[name], phones=[phone])
                for n, (name, phone) in enumerate(PEOPLE)
            ]
        )
        directory = ContactDirectory(store, "AE")
        assert not directory.ready  # nothing loaded it yet: the console just started
        found = {hit.contact.names[0] for hit in await directory.search("jose")}
        assert found == {"José Bautista", "Jose Castillo"}  # the accent is ignored
        typo = {hit.contact.names[0] for hit in await directory.search("mohamed")}
        assert "Mohammed Ali" in typo
        by_local_number = await directory.search("050 123 1077")
        assert [hit.contact.names[0] for hit in by_local_number][:1] == ["José Bautista"]
        await directory.close()
    finally:
        await store.close()
