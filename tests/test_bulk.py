"""The collector paused for bulk work, and back as it was after."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from linda_tui.bulk import collector_paused


@pytest.fixture(autouse=True)
def _collector_on_after() -> object:
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_comes_back_on_after_an_error() -> None:
    gc.enable()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("bad row")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off() -> None:
    """As while the console starts (startup.pause_gc): not turned on behind its back."""
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_nested_pauses_turn_it_on_once_the_outer_one_ends() -> None:
    gc.enable()
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


async def test_the_loaded_search_index_is_kept_out_of_the_collectors_walks(
    tmp_path: Path,
) -> None:
    """A full collection walked the whole index (a pause while typing): once loaded, it
    is frozen out of them, and a search still finds what it holds."""
    from linda_tui.contacts.directory import ContactDirectory
    from linda_tui.models import Contact
    from linda_tui.store import SQLiteStore

    store = SQLiteStore(tmp_path / "linda.db")
    await store.open()
    try:
        people = [
            Contact(resource_name=f"people/c{i}", names=[f"Person {i}"], phones=[f"+97150{i:07d}"])
            for i in range(2000)
        ]
        await store.upsert_contacts(people)
        gc.unfreeze()
        directory = ContactDirectory(store, "AE")
        await directory.wait_ready()
        index = directory._index
        assert gc.get_freeze_count() > 2000
        assert not any(obj is index for obj in gc.get_objects())  # frozen: out of reach
        assert [h.contact.resource_name for h in await directory.search("Person 1999")][0] == (
            "people/c1999"
        )
        await directory.close()
    finally:
        gc.unfreeze()
        await store.close()


def test_what_was_made_while_paused_is_not_walked_by_the_next_young_collection() -> None:
    """The rows of a 100,000-row import were walked again by the first young collection
    after the pause (a tenth of a second, finding nothing): they go straight to the
    oldest generation, where a full collection still reaches them."""
    gc.enable()
    gc.collect()
    with collector_paused():
        made = [[n] for n in range(50_000)]
    assert gc.get_count()[0] < 1_000  # nothing young left for a collection to walk
    assert any(obj is made[0] for obj in gc.get_objects(generation=2))
    gc.collect()  # a cycle made while paused is still collected by a full collection
    with collector_paused():
        cycle: list[object] = []
        cycle.append(cycle)
    alive = len(gc.get_objects())
    del cycle
    assert gc.collect() >= 1
    assert len(gc.get_objects()) < alive


def test_something_frozen_on_purpose_stays_frozen() -> None:
    """The search index is frozen out of collections (below): a pause must not undo it."""
    gc.enable()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_paused():
            [[n] for n in range(1_000)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
