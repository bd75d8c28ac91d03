"""The contacts a running Linda searches: the store's contacts in a ContactIndex.

Loaded from the store page by page (the index is built off the event loop, so a
100,000-contact book never freezes the console), and loaded again after each sync. A
search waits for the first load (it must find what the index finds: accents, typos,
Arabic spellings, number forms); only if that load fails does it fall back to the
store's plain substring search. Each
load that lands is announced (``on_loaded``; a running Linda publishes it as a
``ContactsReloaded`` event), so a pane showing results can ask again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linda_tui.bulk import keep_out_of_collections
from linda_tui.fleet.events import FleetEvent
from linda_tui.models import Contact

if TYPE_CHECKING:
    from linda_tui.contacts.search import ContactIndex, SearchHit
    from linda_tui.store.base import Store

log = logging.getLogger("linda.contacts")

PAGE = 5000


@dataclass
class ContactsReloaded(FleetEvent):
    """The searchable contacts were (re)loaded from the store: after start-up's first
    load and after each sync. ``contacts`` is how many are searchable now."""

    contacts: int


async def load_index(store: Store, region: str) -> ContactIndex:
    """Every live contact of the store in a new index (built in a thread)."""
    contacts: list[Contact] = []
    after: str | None = None
    while True:
        page = await store.list_contacts(after=after, limit=PAGE)
        contacts.extend(page)
        if len(page) < PAGE:
            break
        after = page[-1].resource_name

    def build() -> ContactIndex:
        # Imported here, in the thread: the search modules take a moment to load, and the
        # console's loop goes on drawing meanwhile.
        from linda_tui.contacts.search import ContactIndex

        return ContactIndex.build(((c, c.raw_phones) for c in contacts), region)

    return await asyncio.to_thread(build)


class ContactDirectory:
    """The searchable contacts of a running Linda."""

    def __init__(
        self, store: Store, region: str, on_loaded: Callable[[int], None] | None = None
    ) -> None:
        self.store = store
        self.region = region
        self.on_loaded = on_loaded  # called with the count after each load that lands
        self._index: ContactIndex | None = None
        self._loading: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        return self._index is not None

    def refresh(self) -> asyncio.Task[None]:
        """(Re)load the index in the background; the old one serves until it is done."""
        if self._loading is None or self._loading.done():
            self._loading = asyncio.ensure_future(self._load())
        return self._loading

    async def _load(self) -> None:
        try:
            self._index = await load_index(self.store, self.region)
        except Exception:
            log.exception("could not load the contacts into the search index")
            return
        keep_out_of_collections()  # see linda_tui.bulk: no collector pauses while typing
        if self.on_loaded is not None:
            try:
                self.on_loaded(len(self._index))
            except Exception:
                log.exception("telling of the reloaded contacts failed")

    async def wait_ready(self) -> None:
        if self._index is None:
            await self.refresh()

    async def close(self) -> None:
        """Stop a load under way, and wait for it: the store closes next."""
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
            with contextlib.suppress(BaseException):
                await self._loading

    def search_now(self, query: str, limit: int = 50) -> list[SearchHit] | None:
        """Ranked matches from the loaded index, at once (an in-memory search: a few
        milliseconds at 100,000 contacts); None until the index is loaded."""
        index = self._index
        return None if index is None else index.search(query, limit=limit)

    def sorted_now(self, limit: int = 50, offset: int = 0) -> list[Contact] | None:
        """Contacts in name order from the loaded index, at once; None until it is loaded."""
        index = self._index
        return None if index is None else index.sorted_contacts(limit, offset)

    async def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Ranked matches (see ContactIndex.search), once the index is loaded: a search
        answered from the store's plain search meanwhile found fewer people than the same
        search a moment later (a broadcast's preview planned on it). The store's search
        only if the load failed."""
        await self.wait_ready()
        index = self._index
        if index is None:
            from linda_tui.contacts.search import MatchKind, SearchHit

            found = await self.store.search_contacts(query, limit=limit)
            return [SearchHit(contact, MatchKind.SUBSTRING) for contact in found]
        return index.search(query, limit=limit)

    async def sorted_contacts(self, limit: int = 50, offset: int = 0) -> list[Contact]:
        """Contacts in name order (an empty search box), ``limit`` of them from ``offset``.
        Waits for the first load; the store's order if that load failed."""
        await self.wait_ready()
        index = self._index
        if index is None:
            return (await self.store.list_contacts(limit=offset + limit))[offset:]
        return index.sorted_contacts(limit, offset)

    async def get_by_phone(self, phone: str) -> Contact | None:
        """The contact with this number (the original system's getContact)."""
        index = self._index
        if index is not None:
            return index.get_by_phone(phone)
        from linda_tui.phones import InvalidPhoneError, to_e164

        try:
            e164 = to_e164(phone, self.region)
        except InvalidPhoneError:
            return None
        found = await self.store.find_contacts_by_phone(e164)
        return found[0] if found else None
