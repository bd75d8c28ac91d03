"""A broadcast's audience from the synced contacts: a search, a label, or all of them.

The command line (`linda broadcast create --query/--label/--all-contacts`) and the
console's broadcast mode both build it here. Each contact gives its first number, with
``{name}``, ``{first_name}`` and ``{email}`` for the template. A search goes through the
caller's own search when it has one (a running Linda's contact directory, or the host's
when attached); otherwise through a directory loaded from the store for this one use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from linda_tui.broadcast.audience import Audience, AudienceError, audience_from_entries

if TYPE_CHECKING:
    from linda_tui.contacts.search import SearchHit
    from linda_tui.models import Contact
    from linda_tui.store.base import Store

__all__ = ["SearchContacts", "contacts_audience"]

# A search of the contacts: (query, limit) -> hits, best first.
SearchContacts = Callable[[str, int], Awaitable[Sequence["SearchHit"]]]
# Every contact a search may give (a label of a whole address book).
_NO_LIMIT = 1_000_000
_PAGE = 5000


async def contacts_audience(
    store: Store,
    region: str,
    *,
    query: str | None = None,
    label: str | None = None,
    search: SearchContacts | None = None,
) -> Audience:
    """The audience of contacts matching query, or having label, or (neither given)
    every synced contact; AudienceError (one line) when none of them has a number."""
    if query is not None or label is not None:
        wanted = query if query is not None else f'label:"{label}"'
        hits = await _search(store, region, wanted, search)
        if label is not None:  # a label is the whole label, not a search that resembles it
            folded = label.strip().casefold()
            hits = [h for h in hits if any(x.casefold() == folded for x in h.contact.labels)]
        contacts = [hit.contact for hit in hits]
        source = f"contacts matching {query!r}" if query is not None else f"label {label!r}"
    else:
        contacts = await _every_contact(store)
        source = "every synced contact"
    entries = [
        (c.phones[0], {"name": c.display_name, **({"email": c.emails[0]} if c.emails else {})})
        for c in contacts
        if c.phones
    ]
    if not entries:
        raise AudienceError(
            f"no contact with a number in {source} — `linda contacts search` shows what is there"
        )
    return audience_from_entries(entries, region=region, source=source)


async def _search(
    store: Store, region: str, wanted: str, search: SearchContacts | None
) -> list[SearchHit]:
    if search is not None:
        return list(await search(wanted, _NO_LIMIT))
    from linda_tui.contacts.directory import ContactDirectory

    directory = ContactDirectory(store, region)
    try:
        await directory.wait_ready()
        return await directory.search(wanted, limit=_NO_LIMIT)
    finally:
        await directory.close()


async def _every_contact(store: Store) -> list[Contact]:
    contacts: list[Contact] = []
    after: str | None = None
    while True:
        page = await store.list_contacts(after=after, limit=_PAGE)
        contacts.extend(page)
        if len(page) < _PAGE:
            return contacts
        after = page[-1].resource_name
