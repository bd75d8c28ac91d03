"""A message is never sent without a record of it.

The store can fail at any moment (locked by a backup or a `sqlite3` shell, a full disk,
a missing table). Here the real SQLite store is wrapped so that chosen writes fail the
way it fails: with a StoreError. The simulated network's message log says what WhatsApp
was handed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from linda_tui.config import demo_fleet
from linda_tui.fleet.events import FleetError
from linda_tui.fleet.manager import Fleet, SendRefusedError
from linda_tui.models import Direction, MessageStatus
from linda_tui.store import open_store
from linda_tui.store.base import Store, StoreError
from linda_tui.whatsapp.simulated import SimulatedNetwork

from .conftest import Recorder, wait_for

TO = "+971501234567"


class FailingWrites:
    """The real store, with named methods failing for as long as ``failing`` holds them."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.failing: dict[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not callable(attribute):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            if name in self.failing:
                raise StoreError(self.failing[name])
            return await attribute(*args, **kwargs)

        return call


def handed_to_whatsapp(network: SimulatedNetwork) -> list[dict[str, Any]]:
    network.flush()
    if not network.message_log.exists():
        return []
    return [json.loads(line) for line in network.message_log.read_text().splitlines()]


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[Fleet, FailingWrites, SimulatedNetwork]]:
    network = SimulatedNetwork(
        tmp_path / "sim",
        seed=7,
        speed=1000,
        paired=["demo-main", "demo-support"],
        disconnect_rate=0,
        reply_rate=0,
    )
    real = open_store(f"sqlite:///{tmp_path / 'linda.db'}")
    await real.open()
    store = FailingWrites(real)
    fleet = Fleet(
        demo_fleet(),
        store,  # type: ignore[arg-type]
        lambda bot, emit: network.account(bot.id, bot.phone, emit),
    )
    await fleet.start()
    await wait_for(lambda: len(fleet.active_bots()) == 2)
    try:
        yield fleet, store, network
    finally:
        store.failing.clear()
        await fleet.stop()
        await network.aclose()
        await real.close()


async def test_when_the_intent_cannot_be_written_nothing_is_sent(
    setup: tuple[Fleet, FailingWrites, SimulatedNetwork],
) -> None:
    fleet, store, network = setup
    store.failing["add_message"] = "linda.db is locked by another program"
    with pytest.raises(SendRefusedError, match="nothing was sent.*locked by another program"):
        await fleet.send(TO, "Viewing at 5pm, unit 1", bot="demo-main")
    assert handed_to_whatsapp(network) == []
    assert fleet.status("demo-main").sent_today == 0
    # Fixed store: the same text goes, once.
    store.failing.clear()
    [result] = await fleet.send(TO, "Viewing at 5pm, unit 1", bot="demo-main")
    assert result.ok and result.recorded
    assert [line["text"] for line in handed_to_whatsapp(network)] == ["Viewing at 5pm, unit 1"]


async def test_from_every_bot_either_all_are_recorded_first_or_none_is_sent(
    setup: tuple[Fleet, FailingWrites, SimulatedNetwork],
) -> None:
    fleet, store, network = setup
    store.failing["add_message"] = "disk I/O error"
    with pytest.raises(SendRefusedError, match="nothing was sent"):
        await fleet.send(TO, "to all", bot="all")
    assert handed_to_whatsapp(network) == []


async def test_a_send_whose_outcome_cannot_be_saved_is_reported_sent_and_saved_later(
    setup: tuple[Fleet, FailingWrites, SimulatedNetwork],
) -> None:
    fleet, store, network = setup
    recorder = Recorder()
    fleet.subscribe(recorder)
    store.failing["finish_send"] = "database or disk is full"
    [result] = await fleet.send(TO, "Keys are at reception", bot="demo-support")
    assert result.ok and result.wa_id  # WhatsApp took it: never "not sent"
    assert not result.recorded and "disk is full" in (result.unrecorded or "")
    assert [line["id"] for line in handed_to_whatsapp(network)] == [result.wa_id]
    [error] = recorder.of(FleetError)
    assert "sent, but the store could not save that yet" in error.message
    assert [m.id for m in fleet.unsaved_sends()] == [result.message.id]  # type: ignore[union-attr]
    # Meanwhile the intent already blocks an identical repeat (it may have arrived).
    with pytest.raises(SendRefusedError, match="did not finish|same text"):
        await fleet.send(TO, "Keys are at reception", bot="demo-main")

    store.failing.clear()  # the disk has room again: the retry lands
    await wait_for(lambda: not fleet.unsaved_sends(), timeout=10)
    stored = await fleet.store.get_message("demo-support", result.wa_id)
    assert stored is not None and stored.status in (
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
        MessageStatus.READ,
    )
    await fleet.drain()
    audit = await fleet.store.list_audit("demo-support")
    assert [a.detail.get("wa_id") for a in audit if a.action == "send"] == [result.wa_id]


async def test_an_interrupted_send_blocks_the_same_text_with_its_own_reason(
    setup: tuple[Fleet, FailingWrites, SimulatedNetwork],
) -> None:
    fleet, _store, _network = setup
    # What a kill -9 between the intent and the outcome leaves: a pending outbound row.
    from linda_tui.models import Message

    await fleet.store.add_message(
        Message(
            bot_id="demo-main",
            direction=Direction.OUT,
            peer=TO,
            text="Your offer",
            status=MessageStatus.PENDING,
            created_at=fleet.clock.now(),
        )
    )
    with pytest.raises(SendRefusedError, match="did not finish .* may have arrived"):
        await fleet.send(TO, "Your offer", bot="demo-support")


async def test_a_store_locked_by_another_program_refuses_before_sending(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The real thing: a `sqlite3` shell holds the write lock past the busy timeout."""
    from linda_tui.store.sqlite import SQLiteStore

    network = SimulatedNetwork(
        tmp_path / "sim", seed=7, speed=1000, paired=["demo-main"], disconnect_rate=0
    )
    path = tmp_path / "linda.db"
    store = SQLiteStore(path, busy_timeout=0.3)
    await store.open()
    fleet = Fleet(demo_fleet(), store, lambda bot, emit: network.account(bot.id, bot.phone, emit))
    await fleet.start()
    shell = sqlite3.connect(path, isolation_level=None)
    try:
        await wait_for(lambda: fleet.status("demo-main").state == "online")
        shell.execute("BEGIN IMMEDIATE")  # what `sqlite3 linda.db` + BEGIN does
        with caplog.at_level(logging.INFO, logger="linda.fleet"):
            with pytest.raises(SendRefusedError, match="nothing was sent.*locked"):
                await fleet.send(TO, "hello", bot="demo-main")
        assert handed_to_whatsapp(network) == []
        assert "…4567" in caplog.text and TO not in caplog.text  # the log masks numbers
    finally:
        shell.execute("ROLLBACK")
        shell.close()
        await fleet.stop()
        await network.aclose()
        await store.close()
