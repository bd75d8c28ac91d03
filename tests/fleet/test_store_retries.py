"""The fleet's store writer: a write that fails for a reason that passes (a MongoDB
election, a lost connection, a locked file) is retried, in order, visibly, a bounded
number of times; and an inbound message WhatsApp delivers again is stored and counted
once. The real SQLite store is wrapped so chosen calls fail the way a store fails
transiently: with a TransientStoreError, before or after the write landed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from linda_tui.config import demo_fleet
from linda_tui.fleet.events import FleetError, MessageRecorded
from linda_tui.fleet.manager import Fleet
from linda_tui.models import Direction, MessageStatus
from linda_tui.store import open_store
from linda_tui.store.base import Store, StoreError, TransientStoreError
from linda_tui.whatsapp.account import Emit, InboundMessage, ReceiptReceived
from linda_tui.whatsapp.simulated import SimulatedNetwork

from .conftest import Recorder, wait_for

PEER = "+971501234567"
ELECTION = "cannot reach MongoDB at db.example.com: no primary was found (election)"


class FlakyStore:
    """The real store; a method named in ``failures`` fails its next calls as listed:
    "before" (nothing written), "after" (written, then the reply lost), "broken"
    (a StoreError that will not pass)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.failures: dict[str, list[str]] = {}
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not callable(attribute):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            planned = self.failures.get(name) or []
            how = planned.pop(0) if planned else None
            if how == "before":
                raise TransientStoreError(ELECTION)
            if how == "broken":
                raise StoreError("the store refused the write (duplicate key)")
            result = await attribute(*args, **kwargs)
            if how == "after":
                raise TransientStoreError(ELECTION)
            return result

        return call


@dataclass
class Setup:
    fleet: Fleet
    store: FlakyStore
    emit: Callable[[Any], None]
    events: Recorder


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    network = SimulatedNetwork(
        tmp_path / "sim", seed=7, speed=1000, paired=["demo-main"], disconnect_rate=0, reply_rate=0
    )
    real = open_store(f"sqlite:///{tmp_path / 'linda.db'}")
    await real.open()
    store = FlakyStore(real)
    emits: dict[str, Emit] = {}

    def account(bot: Any, emit: Emit) -> Any:
        emits[bot.id] = emit
        return network.account(bot.id, bot.phone, emit)

    fleet = Fleet(demo_fleet(), store, account)  # type: ignore[arg-type]
    fleet.STORE_RETRY_DELAYS = (0.01, 0.02, 0.04)
    events = Recorder()
    fleet.subscribe(events)
    await fleet.start()
    await wait_for(lambda: fleet.status("demo-main").state == "online")
    try:
        yield Setup(fleet, store, emits["demo-main"], events)
    finally:
        store.failures.clear()
        await fleet.stop()
        await network.aclose()
        await real.close()


def inbound(wa_id: str, text: str = "Is the flat still available?") -> InboundMessage:
    return InboundMessage(
        bot_id="demo-main",
        peer=PEER,
        chat=f"{PEER[1:]}@s.whatsapp.net",
        text=text,
        wa_id=wa_id,
        timestamp=datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
    )


def recorded_inbound(events: Recorder) -> list[str]:
    return [
        e.message.wa_id for e in events.of(MessageRecorded) if e.message.direction is Direction.IN
    ]


async def test_an_inbound_message_waits_out_an_election_and_lands_once(setup: Setup) -> None:
    fleet, store = setup.fleet, setup.store
    [sent] = await fleet.send(PEER, "Viewing at 5pm", bot="demo-main")
    store.failures["record_inbound"] = ["before", "before"]
    setup.emit(inbound("IN1"))
    # A receipt queued behind it waits, and lands after it: order is kept.
    setup.emit(
        ReceiptReceived(
            "demo-main",
            wa_ids=(sent.wa_id,),
            status=MessageStatus.READ,
            peer=PEER,
            at=fleet.clock.now(),
        )
    )
    await fleet.drain()
    assert store.calls["record_inbound"] == 3
    message = await fleet.store.get_message("demo-main", "IN1")
    assert message is not None and message.text == "Is the flat still available?"
    assert len(await fleet.store.list_messages(bot_id="demo-main")) == 2  # sent, received
    assert fleet.status("demo-main").received_today == 1
    read = await fleet.store.get_message("demo-main", sent.wa_id or "")
    assert read is not None and read.status is MessageStatus.READ
    [error] = setup.events.of(FleetError)  # said once, while it waited
    assert "the store is not answering" in error.message and "keeps trying" in error.message
    assert recorded_inbound(setup.events) == ["IN1"]


async def test_a_write_that_landed_before_its_reply_was_lost_counts_once(setup: Setup) -> None:
    fleet, store = setup.fleet, setup.store
    store.failures["record_inbound"] = ["after"]
    setup.emit(inbound("IN1"))
    await fleet.drain()
    assert store.calls["record_inbound"] == 2
    assert len(await fleet.store.list_messages(bot_id="demo-main")) == 1
    assert fleet.status("demo-main").received_today == 1
    assert recorded_inbound(setup.events) == ["IN1"]  # the retry's answer is this one


async def test_a_store_down_too_long_is_given_up_on_and_said_so(setup: Setup) -> None:
    fleet, store = setup.fleet, setup.store
    store.failures["record_inbound"] = ["before"] * 4  # one more than the retries
    setup.emit(inbound("IN1"))
    setup.emit(inbound("IN2", "Second question"))
    await fleet.drain()
    assert store.calls["record_inbound"] == 5  # 4 for IN1, then IN2 goes through
    messages = await fleet.store.list_messages(bot_id="demo-main")
    assert [m.wa_id for m in messages] == ["IN2"]
    errors = [e.message for e in setup.events.of(FleetError)]
    assert len(errors) == 2
    assert "after 4 tries" in errors[1] and "inbound message is not saved" in errors[1]


async def test_a_failure_that_will_not_pass_is_not_retried(setup: Setup) -> None:
    fleet, store = setup.fleet, setup.store
    store.failures["record_inbound"] = ["broken"]
    setup.emit(inbound("IN1"))
    await fleet.drain()
    assert store.calls["record_inbound"] == 1
    [error] = setup.events.of(FleetError)
    assert "could not save to the store" in error.message


async def test_a_message_whatsapp_delivers_again_is_stored_and_counted_once(
    setup: Setup, tmp_path: Path
) -> None:
    fleet = setup.fleet
    setup.emit(inbound("IN1"))
    await fleet.drain()
    setup.emit(inbound("IN1"))  # after a reconnect, WhatsApp sends it again
    await fleet.drain()
    assert fleet.status("demo-main").received_today == 1
    assert len(await fleet.store.list_messages(bot_id="demo-main")) == 1
    assert recorded_inbound(setup.events) == ["IN1"]
    # The counters a restart reads from the store agree.
    counts = await fleet.store.message_counts(datetime(2026, 1, 15, tzinfo=UTC))
    assert counts == {("demo-main", Direction.IN): 1}


async def test_stopping_keeps_retrying_until_its_deadline_then_names_what_is_lost(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    """At stop, a write waiting out an election goes on being retried (it used to be
    given up at its next failure) until stop's deadline; whatever is still unsaved then
    is logged one by one (bot, masked number, WhatsApp id), never dropped silently."""
    fleet, store = setup.fleet, setup.store
    fleet.STORE_RETRY_DELAYS = (0.05, 0.2, 0.2, 0.2)
    store.failures["record_inbound"] = ["before", "before", "before"]
    setup.emit(inbound("IN1"))
    await wait_for(lambda: store.calls.get("record_inbound", 0) >= 1)
    await fleet.stop()  # the store answers again during the stop: IN1 lands
    assert (await fleet.store.get_message("demo-main", "IN1")) is not None

    await fleet.start()
    fleet.STOP_WRITES_SECONDS = 0.6
    store.failures["record_inbound"] = ["before"] * 100  # down for good
    setup.emit(inbound("IN2"))
    setup.emit(inbound("IN3", "Another question"))
    await wait_for(lambda: store.calls.get("record_inbound", 0) >= 5)
    loop = asyncio.get_running_loop()
    began = loop.time()
    with caplog.at_level(logging.ERROR, logger="linda.fleet"):
        await fleet.stop()
    assert loop.time() - began < 3
    lost = [r.getMessage() for r in caplog.records if "not saved" in r.getMessage()]
    lost += [r.getMessage() for r in caplog.records if "given up" in r.getMessage()]
    assert any("IN2" in line for line in lost) and any("IN3" in line for line in lost), lost
    assert all("4567" in line and PEER not in line for line in lost if "IN" in line)
    store.failures.clear()

    # A store that does not answer at all: the writer is stopped at the deadline, and
    # the write under way and those queued behind it are named as not saved.
    await fleet.start()

    async def hangs(message: Any) -> Any:
        await asyncio.sleep(60)

    store._store.record_inbound = hangs  # type: ignore[method-assign]
    setup.emit(inbound("IN4"))
    setup.emit(inbound("IN5", "One more"))
    await asyncio.sleep(0.1)
    caplog.clear()
    began = loop.time()
    with caplog.at_level(logging.ERROR, logger="linda.fleet"):
        await fleet.stop()
    assert loop.time() - began < 3
    unsaved = [
        r.getMessage() for r in caplog.records if "not saved: Linda stopped" in r.getMessage()
    ]
    assert any("IN4" in line for line in unsaved) and any("IN5" in line for line in unsaved), (
        unsaved
    )


async def test_each_queued_write_is_bounded_store_retries_included(setup: Setup) -> None:
    """The writer hands the store its deadline (retry_deadline), so a store retrying
    inside one call (MongoDB reruns a transaction for up to 120 s) stops by then."""
    from linda_tui.store.base import retry_deadline

    fleet = setup.fleet
    seen: list[tuple[float | None, float]] = []
    real = fleet.store.record_inbound

    async def record(message: Any) -> Any:
        seen.append((retry_deadline.get(), time.monotonic()))
        return await real(message)

    fleet.store.record_inbound = record  # type: ignore[method-assign]
    setup.emit(inbound("IN1"))
    await fleet.drain()
    [(deadline, called)] = seen
    assert deadline is not None and 0 < deadline - called <= sum(fleet.STORE_RETRY_DELAYS)
    assert retry_deadline.get() is None  # only for the write under way


async def test_an_outcome_the_store_keeps_refusing_does_not_hold_the_queue_for_ever(
    setup: Setup,
) -> None:
    """A send's outcome is retried (even for a failure that looks permanent: a full
    disk may be emptied), but bounded: the inbound messages behind it then land."""
    fleet, store = setup.fleet, setup.store
    store.failures["finish_send"] = ["broken"] * 100
    [sent] = await fleet.send(PEER, "Viewing at 5pm", bot="demo-main")
    assert sent.ok and not sent.recorded
    setup.emit(inbound("IN1"))
    await fleet.drain()
    assert store.calls["finish_send"] == 1 + len(fleet.STORE_RETRY_DELAYS) + 1
    assert await fleet.store.get_message("demo-main", "IN1") is not None
    errors = [e.message for e in setup.events.of(FleetError)]
    assert any("send's outcome is not saved" in e for e in errors), errors
    store.failures.clear()


async def test_an_audit_entry_retried_after_a_lost_reply_keeps_its_id(setup: Setup) -> None:
    fleet, store = setup.fleet, setup.store
    ids: list[object] = []
    real = store._store.add_audit

    async def add(entry: Any) -> Any:
        ids.append(entry.id)
        return await real(entry)

    store.failures["add_audit"] = ["after"]  # written, then the reply lost
    store._store.add_audit = add  # type: ignore[method-assign]  # under the failures
    fleet._queue_audit("pair.timeout", "demo-main", {})
    await fleet.drain()
    assert len(ids) == 2 and ids[0] == ids[1] and isinstance(ids[0], str)
