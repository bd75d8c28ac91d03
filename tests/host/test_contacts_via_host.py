"""An attached console reaches the host's contacts as fully as the host's own console:
a broadcast to a search, a label or every contact plans the same people, and no
question it asks is refused for wanting more than one request's page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hosted_fleet import hosting
from linda_tui.broadcast.audience_contacts import contacts_audience
from linda_tui.clock import FixedClock
from linda_tui.host.remote import RemoteServices
from linda_tui.host.server import MAX_PAGE
from linda_tui.models import Contact
from linda_tui.services import Services

# More than the host answers in one request, so every question needs paging.
CONTACTS = 2 * MAX_PAGE + 345


def _contacts() -> list[Contact]:
    contacts = []
    for n in range(CONTACTS):
        labels = ["VIP"] if n % 2 == 0 else ["Leads"]
        contacts.append(
            Contact(
                resource_name=f"people/c{n:05d}",
                names=[f"Mohamed Client {n:05d}"],
                phones=[f"+9715012{n:05d}"],
                emails=[f"client{n}@example.com"] if n % 3 == 0 else [],
                labels=labels,
            )
        )
    contacts.append(Contact(resource_name="people/nonumber", names=["Mohamed No Number"]))
    return contacts


@pytest.fixture
async def hosted(tmp_path: Path) -> AsyncIterator[Services]:
    services, _ = hosting(tmp_path, FixedClock())
    async with services:
        await services.store.upsert_contacts(_contacts())
        await services.contact_directory().wait_ready()
        yield services


@pytest.mark.parametrize(
    ("query", "label", "expected"),
    [("mohamed", None, CONTACTS), (None, "VIP", (CONTACTS + 1) // 2), (None, None, CONTACTS)],
)
async def test_an_attached_console_plans_the_same_contacts_audience_as_the_host(
    hosted: Services, tmp_path: Path, query: str | None, label: str | None, expected: int
) -> None:
    region = hosted.fleet.config.default_region
    here = await contacts_audience(
        hosted.store, region, query=query, label=label, entries=hosted.contact_entries
    )
    remote = await RemoteServices.attach(tmp_path / "sessions")
    assert remote is not None
    async with remote:
        there = await contacts_audience(
            hosted.store, region, query=query, label=label, entries=remote.contact_entries
        )
    assert len(here.members) == expected
    assert [(m.phone, m.variables) for m in there.members] == [
        (m.phone, m.variables) for m in here.members
    ]
    assert there.source == here.source


async def test_searches_and_lists_through_the_host_are_not_capped_at_one_page(
    hosted: Services, tmp_path: Path
) -> None:
    remote = await RemoteServices.attach(tmp_path / "sessions")
    assert remote is not None
    async with remote:
        hits = await remote.search_hits("mohamed", limit=CONTACTS + 10)
        local = await hosted.search_hits("mohamed", limit=CONTACTS + 10)
        assert [h.contact.resource_name for h in hits] == [h.contact.resource_name for h in local]
        assert len(hits) == CONTACTS + 1
        found = await remote.search_contacts("mohamed", limit=MAX_PAGE + 1)
        assert len(found) == MAX_PAGE + 1
        listed = await remote.sorted_contacts(limit=MAX_PAGE + 5, offset=7)
        assert listed == await hosted.sorted_contacts(limit=MAX_PAGE + 5, offset=7)


async def test_pages_too_large_for_one_line_are_asked_for_in_smaller_ones(
    hosted: Services, tmp_path: Path
) -> None:
    # Long names: a page of 500 such contacts is more than the protocol's line limit.
    long = [
        Contact(
            resource_name=f"people/long{n:04d}",
            names=[f"Zayed {'Long Family Name ' * 200}{n:04d}"],
            phones=[f"+9715013{n:05d}"],
        )
        for n in range(600)
    ]
    await hosted.store.upsert_contacts(long)
    await hosted.contact_directory().refresh()  # as after a sync
    remote = await RemoteServices.attach(tmp_path / "sessions")
    assert remote is not None
    async with remote:
        hits = await remote.search_hits("zayed", limit=1000)
        assert len(hits) == 600
        entries = await remote.contact_entries(query="zayed")
        assert entries == await hosted.contact_entries(query="zayed")
        # The host answered the oversized page with an error, and stays up for it.
        assert remote.client.gone is None
        assert await remote.client.request("ping") == "pong"
