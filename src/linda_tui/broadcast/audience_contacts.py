"""A broadcast's audience from the synced contacts: a search, a label, or all of them.

The command line (`linda broadcast create --query/--label/--all-contacts`), the console's
broadcast mode and a host answering an attached console all build it here, so the three
give the same people. Each contact gives its first number, with ``{name}``,
``{first_name}`` and ``{email}`` for the template.

``contact_entries`` resolves who that is: (phone, variables) pairs, every match (no
result cap), through the caller's own search when it has one (a running Linda's contact
directory) or a directory loaded from the store for this one use. A console attached to
a host does not search itself: it gets the host's entries, a page at a time
(``RemoteServices.contact_entries``), and hands them to ``contacts_audience`` as
``entries``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linda_tui.broadcast.audience import Audience, AudienceError, audience_from_entries

if TYPE_CHECKING:
    from linda_tui.contacts.search import SearchHit
    from linda_tui.models import Contact
    from linda_tui.store.base import Store

__all__ = [
    "ContactEntries",
    "EntriesSource",
    "SearchContacts",
    "contact_entries",
    "contacts_audience",
]

# A search of the contacts: (query, limit) -> hits, best first.
SearchContacts = Callable[[str, int], Awaitable[Sequence["SearchHit"]]]
# Every contact a search may give (a label of a whole address book).
_NO_LIMIT = 1_000_000
_PAGE = 5000


@dataclass(frozen=True, slots=True)
class ContactEntries:
    """Who a contacts audience is, before numbers are checked: each contact's first
    number with its template variables, and how to name the source to the operator."""

    entries: list[tuple[str, dict[str, str]]]
    source: str


# Who a contacts audience is, resolved elsewhere (by the host): (query, label) -> entries.
EntriesSource = Callable[[str | None, str | None], Awaitable[ContactEntries]]


async def contact_entries(
    store: Store,
    region: str,
    *,
    query: str | None = None,
    label: str | None = None,
    search: SearchContacts | None = None,
) -> ContactEntries:
    """Every contact matching query, or having label, or (neither given) every synced
    contact, as (phone, variables) pairs (a contact without a usable number gives its
    number as written, or "", which the audience then leaves out with the reason)."""
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
    # A contact with no number WhatsApp can reach is not dropped unseen: its number as
    # written (or none) goes in, and the audience lists it as left out, with why.
    entries = [
        (
            c.phones[0] if c.phones else (c.raw_phones[0] if c.raw_phones else ""),
            {"name": c.display_name, **({"email": c.emails[0]} if c.emails else {})},
        )
        for c in contacts
    ]
    return ContactEntries(entries, source)


async def contacts_audience(
    store: Store,
    region: str,
    *,
    query: str | None = None,
    label: str | None = None,
    search: SearchContacts | None = None,
    entries: EntriesSource | None = None,
) -> Audience:
    """The audience of contacts matching query, or having label, or (neither given)
    every synced contact; AudienceError (one line) when none of them has a number.
    ``entries``, when given, resolves who they are instead (a host, for an attached
    console)."""
    if entries is not None:
        found = await entries(query, label)
    else:
        found = await contact_entries(store, region, query=query, label=label, search=search)
    if not found.entries:
        if not await store.count_contacts():
            # Before the first sync there is no one to find: say how to get them, not
            # "add phone numbers".
            raise AudienceError(
                "no contacts are synced yet — `linda sync` fetches them from Google Contacts"
            )
        raise AudienceError(
            f"no contact in {found.source} — `linda contacts search` shows what is there"
        )
    audience = audience_from_entries(found.entries, region=region, source=found.source)
    if not audience.members:
        raise AudienceError(
            f"no contact with a number in {found.source} — "
            "`linda contacts search` shows what is there"
        )
    return audience


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
