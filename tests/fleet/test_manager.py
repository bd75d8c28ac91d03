"""The fleet manager on the simulated network and a real SQLite store."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest

from linda_tui.config import demo_fleet
from linda_tui.config.models import BroadcastsConfig
from linda_tui.fleet.events import BotStatusChanged, MessageRecorded, OptedOut
from linda_tui.fleet.manager import (
    Fleet,
    FleetCommandError,
    NoBotAvailableError,
    SendRefusedError,
    UnknownBotError,
)
from linda_tui.models import BotState, ContactRef, Direction, MessageStatus, OptOut, SyncStatus
from linda_tui.store import open_store
from linda_tui.whatsapp.account import PairMethod, QRCodeIssued
from linda_tui.whatsapp.simulated import SimulatedNetwork

from .conftest import Recorder, wait_for


async def test_start_brings_paired_bots_online_and_says_unpaired(fleet: Fleet) -> None:
    states = {s.id: s.state for s in fleet.statuses()}
    assert states == {
        "demo-main": BotState.ONLINE,
        "demo-sales": BotState.NOT_PAIRED,
        "demo-support": BotState.ONLINE,
    }
    assert "no WhatsApp session" in (fleet.status("demo-sales").detail or "")
    assert fleet.status("demo-sales").last_error is None  # not an error, just unpaired
    stats = fleet.stats()
    assert (stats.total, stats.online) == (3, 2)
    assert stats.primary is not None and stats.primary.healthy


async def test_send_from_a_bot_is_stored_logged_and_receipts_move_it_forward(
    fleet: Fleet, network: SimulatedNetwork
) -> None:
    [result] = await fleet.send("+971501234567", "Hello from Linda", bot="demo-support")
    assert result.ok and result.bot_id == "demo-support" and result.wa_id
    assert fleet.status("demo-support").sent_today == 1

    network.flush()
    lines = [json.loads(x) for x in network.message_log.read_text().splitlines()]
    assert lines[-1]["bot"] == "demo-support"
    assert lines[-1]["to"] == "+971501234567"
    assert lines[-1]["id"] == result.wa_id
    assert lines[-1]["text"] == "Hello from Linda"

    async def status() -> MessageStatus:
        msg = await fleet.store.get_message("demo-support", result.wa_id)
        assert msg is not None
        return msg.status

    for _ in range(2000):
        await fleet.drain()
        if await status() in (MessageStatus.DELIVERED, MessageStatus.READ):
            break
    assert await status() in (MessageStatus.DELIVERED, MessageStatus.READ)
    audit = await fleet.store.list_audit("demo-support")
    assert any(a.action == "send" and a.detail.get("to") == "+971501234567" for a in audit)


@pytest.mark.parametrize(
    ("to", "text", "bot", "error", "reason"),
    [
        ("+971501234567", "hi", "demo-sales", SendRefusedError, "not online"),
        ("12", "hi", "demo-main", SendRefusedError, "not a valid phone number"),
        ("not a number", "hi", "auto", SendRefusedError, "has letters in it"),
        ("+97150123ABCD", "hi", "auto", SendRefusedError, "has letters in it"),
        ("+971-50-123", "hi", "auto", SendRefusedError, "not a valid phone number"),
        ("+971501234567", "   ", "auto", SendRefusedError, "empty"),
        ("+971501234567", "x" * 65_537, "auto", SendRefusedError, "65,536"),
        ("+971501234567", "hi", "nobody", UnknownBotError, "known bots: demo-main"),
    ],
)
async def test_send_refusals_say_why(
    fleet: Fleet, to: str, text: str, bot: str, error: type, reason: str
) -> None:
    with pytest.raises(error, match=reason):
        await fleet.send(to, text, bot=bot)
    assert await fleet.store.list_messages() == []


async def test_number_not_on_whatsapp_is_refused(fleet: Fleet, network: SimulatedNetwork) -> None:
    network.register_number("+971501230000", on_whatsapp=False)
    with pytest.raises(SendRefusedError, match="not on WhatsApp"):
        await fleet.send("+971501230000", "hi", bot="demo-main")


async def test_routing_owner_then_primary_then_any_online(
    fleet: Fleet, network: SimulatedNetwork
) -> None:
    owned, stranger = "+971501234567", "+971501234568"
    await fleet.store.upsert_contact_ref(
        ContactRef(phone=owned, bot_id="demo-support", sync_status=SyncStatus.SYNCED)
    )
    assert await fleet.route(owned) == "demo-support"
    assert await fleet.route(stranger) == "demo-main"  # the primary

    await fleet.account("demo-main").logout()
    await wait_for(lambda: fleet.status("demo-main").state == BotState.LOGGED_OUT)
    assert await fleet.route(stranger) == "demo-support"  # any online bot, never a logged-out one
    [result] = await fleet.send(stranger, "routed", bot="auto")
    assert result.bot_id == "demo-support"

    await fleet.account("demo-support").stop()
    await wait_for(lambda: fleet.status("demo-support").state == BotState.STOPPED)
    with pytest.raises(NoBotAvailableError, match="no bot is online"):
        await fleet.route(owned)


async def test_banned_bot_is_never_routed_to(tmp_path: Path) -> None:
    from linda_tui.config import demo_fleet
    from linda_tui.store import open_store

    network = SimulatedNetwork(
        tmp_path / "sim",
        seed=3,
        speed=1000,
        paired=["demo-main", "demo-support"],
        ban_per_minute=3,
        disconnect_rate=0,
        reply_rate=0,
    )
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}")
    await store.open()
    fleet = Fleet(demo_fleet(), store, lambda b, e: network.account(b.id, b.phone, e))
    await fleet.start()
    try:
        await wait_for(lambda: len(fleet.active_bots()) == 2)
        for i in range(6):
            try:
                await fleet.send(f"+97150123450{i}", f"offer {i}", bot="demo-main")
            except SendRefusedError:
                break
        await wait_for(lambda: fleet.status("demo-main").state == BotState.BANNED)
        assert fleet.status("demo-main").until is not None
        assert "ban" in (fleet.status("demo-main").last_error or "")
        assert not fleet.primary_health().healthy
        assert await fleet.route("+971501234599") == "demo-support"
    finally:
        await fleet.stop()
        await network.aclose()
        await store.close()


async def test_send_from_all_bots(fleet: Fleet) -> None:
    results = await fleet.send("+971501234567", "all hands", bot="all")
    assert sorted(r.bot_id for r in results) == ["demo-main", "demo-support"]
    assert all(r.ok for r in results)
    assert len({r.wa_id for r in results}) == 2


async def test_inbound_from_unknown_number_is_stored_with_pending_reference(
    fleet: Fleet, network: SimulatedNetwork
) -> None:
    rec = Recorder()
    fleet.subscribe(rec)
    network.inject_inbound("demo-support", "+971501234577", "Is the flat still available?")
    await wait_for(lambda: fleet.status("demo-support").received_today == 1)
    await fleet.drain()
    [msg] = await fleet.store.list_messages(bot_id="demo-support")
    assert (msg.direction, msg.peer, msg.text) == (
        Direction.IN,
        "+971501234577",
        "Is the flat still available?",
    )
    ref = await fleet.store.owner_of("+971501234577")
    assert (
        ref is not None and ref.bot_id == "demo-support" and ref.sync_status == SyncStatus.PENDING
    )
    assert any(isinstance(e, MessageRecorded) for e in rec.events)
    assert await fleet.route("+971501234577") == "demo-support"


async def test_opt_out_reply_is_recorded(fleet: Fleet, network: SimulatedNetwork) -> None:
    rec = Recorder()
    fleet.subscribe(rec)
    network.inject_inbound("demo-main", "+971501234578", "توقف")
    await wait_for(lambda: bool(rec.of(OptedOut)), timeout=10)
    assert await fleet.store.is_opted_out("+971501234578")
    with pytest.raises(SendRefusedError, match="opted out \\(they wrote 'توقف'\\)"):
        await fleet.send("+971501234578", "New listings this week", bot="demo-main")
    network.inject_inbound("demo-main", "+971501234579", "stop by the office tomorrow?")
    await wait_for(lambda: fleet.status("demo-main").received_today == 2)
    await fleet.drain()
    assert not await fleet.store.is_opted_out("+971501234579")


async def test_an_opt_out_word_from_bots_yaml_is_recorded(
    tmp_path: Path, network: SimulatedNetwork
) -> None:
    config = replace(demo_fleet(), broadcasts=BroadcastsConfig(opt_out_words=("basta",)))
    store = open_store(f"sqlite:///{tmp_path / 'words.db'}")
    await store.open()
    fleet = Fleet(config, store, lambda bot, emit: network.account(bot.id, bot.phone, emit))
    await fleet.start()
    try:
        await wait_for(lambda: fleet.status("demo-main").state == "online")
        rec = Recorder()
        fleet.subscribe(rec)
        network.inject_inbound("demo-main", "+971501234580", "Basta!")
        await wait_for(lambda: bool(rec.of(OptedOut)), timeout=10)
        assert await store.is_opted_out("+971501234580")
        with pytest.raises(SendRefusedError, match="opted out"):
            await fleet.send("+971501234580", "New listings this week", bot="demo-main")
    finally:
        await fleet.stop()
        await store.close()


async def test_pairing_by_qr_brings_the_bot_online_and_is_audited(
    fleet: Fleet, network: SimulatedNetwork
) -> None:
    rec = Recorder()
    fleet.subscribe(rec)
    await fleet.pair("demo-sales", PairMethod.QR)
    await wait_for(lambda: fleet.status("demo-sales").state == BotState.WAITING_FOR_PHONE)
    await wait_for(
        lambda: any(isinstance(getattr(e, "event", None), QRCodeIssued) for e in rec.events)
    )
    assert network.scan("demo-sales")
    await wait_for(lambda: fleet.status("demo-sales").state == BotState.ONLINE)
    assert fleet.status("demo-sales").paired
    await fleet.drain()
    actions = [a.action for a in await fleet.store.list_audit("demo-sales")]
    assert "pair.start" in actions and "pair.success" in actions


async def test_logout_is_audited_and_bot_cannot_send(fleet: Fleet) -> None:
    await fleet.logout("demo-support")
    await wait_for(lambda: fleet.status("demo-support").state == BotState.LOGGED_OUT)
    assert not fleet.status("demo-support").paired
    with pytest.raises(SendRefusedError, match="not online"):
        await fleet.send("+971501234567", "hi", bot="demo-support")
    assert [a.action for a in await fleet.store.list_audit("demo-support")][0] == "logout"


async def test_queries_bot_by_phone_active_and_primary(fleet: Fleet) -> None:
    bot = fleet.bot_by_phone("0501234563")  # local form, default region AE
    assert bot is not None and bot.id == "demo-support"
    assert fleet.bot_by_phone("+971501234500") is None
    assert {s.id for s in fleet.active_bots()} == {"demo-main", "demo-support"}
    assert fleet.primary() is not None and fleet.primary().id == "demo-main"


async def test_status_events_reach_listeners(fleet: Fleet) -> None:
    rec = Recorder()
    fleet.subscribe(rec)
    await fleet.send("+971501234567", "hi", bot="demo-main")
    changed = [e.status.id for e in rec.of(BotStatusChanged)]
    assert "demo-main" in changed


async def test_counters_survive_a_restart(tmp_path: Path, fleet: Fleet) -> None:
    await fleet.send("+971501234567", "one", bot="demo-main")
    await fleet.send("+971501234567", "two", bot="demo-main")
    again = Fleet(fleet.config, fleet.store, lambda b, e: _Inert(b.id, b.phone, e))
    await again._load_counters()
    assert again.status("demo-main").sent_today == 2


class _Inert:
    """An account that never connects: enough to build a second fleet over the same store."""

    def __init__(self, bot_id: str, phone: str, emit: object) -> None:
        self.bot_id, self.phone, self.is_paired = bot_id, phone, False


async def test_opted_out_number_is_never_messaged(fleet: Fleet, network: SimulatedNetwork) -> None:
    network.inject_inbound("demo-main", "+971501234578", "STOP")
    await wait_for(lambda: fleet.status("demo-main").received_today == 1)
    await fleet.drain()
    with pytest.raises(SendRefusedError, match="opted out"):
        await fleet.send("+971501234578", "New listing!", bot="auto")
    assert [m.direction for m in await fleet.store.list_messages(peer="+971501234578")] == [
        Direction.IN
    ]


@pytest.mark.parametrize(
    ("wrote", "said"),
    [
        ("stop\\please", "they wrote 'stop\\please'"),  # one backslash, as written
        ("don't", "they wrote 'don't'"),
        ("stop \x1b]52;c;aGk=\x07", "they wrote 'stop \\x1b]52;c;aGk=\\x07'"),
    ],
    ids=["backslash", "quote", "escape"],
)
async def test_an_opt_out_refusal_quotes_their_words_as_written(
    fleet: Fleet, wrote: str, said: str
) -> None:
    await fleet.store.add_opt_out(OptOut("+971501234581", reason=wrote))
    with pytest.raises(SendRefusedError) as refused:
        await fleet.send("+971501234581", "New listing!", bot="auto")
    assert f"+971501234581 has opted out ({said})" in str(refused.value)


async def test_same_text_to_same_number_within_24h_is_refused(fleet: Fleet) -> None:
    await fleet.send("+971501234567", "Open house Saturday", bot="demo-main")
    with pytest.raises(SendRefusedError, match="identical repeats within 24 h"):
        await fleet.send("+971501234567", "Open house Saturday", bot="demo-support")
    [other] = await fleet.send("+971501234567", "Open house Saturday at 10", bot="demo-support")
    assert other.ok


async def test_a_double_press_sends_once(fleet: Fleet, network: SimulatedNetwork) -> None:
    outcomes = await asyncio.gather(
        *(fleet.send("+971501234567", "Call me back", bot="demo-main") for _ in range(3)),
        return_exceptions=True,
    )
    sent = [o for o in outcomes if isinstance(o, list)]
    refused = [o for o in outcomes if isinstance(o, SendRefusedError)]
    assert (len(sent), len(refused)) == (1, 2)
    network.flush()
    assert network.message_log.read_text().count("Call me back") == 1


async def test_sending_limits_from_bots_yaml_are_enforced(
    tmp_path: Path, network: SimulatedNetwork
) -> None:
    from dataclasses import replace

    from linda_tui.config import demo_fleet
    from linda_tui.config.models import PacingOverride
    from linda_tui.store import open_store

    config = demo_fleet()
    main = replace(config.bots[0], pacing=PacingOverride(per_minute=2))
    config = replace(config, bots=[main, *config.bots[1:]])
    store = open_store(f"sqlite:///{tmp_path / 'l.db'}")
    await store.open()
    fleet = Fleet(config, store, lambda b, e: network.account(b.id, b.phone, e))
    await fleet.start()
    try:
        await wait_for(lambda: len(fleet.active_bots()) == 2)
        for i in range(2):
            await fleet.send(f"+97150123450{i}", "Hello", bot="demo-main")
        with pytest.raises(
            SendRefusedError, match=r"limit 2 per minute, bots.yaml pacing\) — wait \d+ s"
        ):
            await fleet.send("+971501234509", "Hello", bot="demo-main")
        # auto routes around the limited primary instead of refusing
        [routed] = await fleet.send("+971501234509", "Hello", bot="auto")
        assert routed.bot_id == "demo-support"
    finally:
        await fleet.stop()
        await store.close()


async def test_logout_of_a_bot_that_is_not_connected_is_refused(
    fleet: Fleet, network: SimulatedNetwork
) -> None:
    network.disconnect("demo-support")
    await wait_for(lambda: fleet.status("demo-support").state == BotState.RECONNECTING)
    with pytest.raises(FleetCommandError, match="would leave the device linked"):
        await fleet.logout("demo-support")
    assert fleet.account("demo-support").is_paired
    with pytest.raises(FleetCommandError, match="not paired"):
        await fleet.logout("demo-sales")


async def test_words_for_states_are_the_operators_not_the_codes(fleet: Fleet) -> None:
    health = fleet.primary_health()
    assert health.healthy  # demo-main is online
    with pytest.raises(SendRefusedError, match=r"not online: not paired \("):
        await fleet.send("+971501234567", "hi", bot="demo-sales")
    await fleet.logout("demo-main")
    await wait_for(lambda: fleet.status("demo-main").state == BotState.LOGGED_OUT)
    assert fleet.primary_health().detail.startswith("logged out: ")


async def test_reconnecting_a_bot_that_is_not_paired_is_refused(fleet: Fleet) -> None:
    with pytest.raises(FleetCommandError, match="not paired — there is no session"):
        await fleet.reconnect("demo-sales")
    assert fleet.status("demo-sales").state == BotState.NOT_PAIRED
    assert "reconnect" not in [a.action for a in await fleet.store.list_audit("demo-sales")]


async def test_operator_actions_are_not_errors_but_remote_logout_is(
    fleet: Fleet, network: SimulatedNetwork
) -> None:
    await fleet.logout("demo-main")
    await wait_for(lambda: fleet.status("demo-main").state == BotState.LOGGED_OUT)
    assert fleet.status("demo-main").last_error is None
    await fleet.pair("demo-sales")
    await wait_for(lambda: fleet.status("demo-sales").state == BotState.WAITING_FOR_PHONE)
    await fleet.cancel_pairing("demo-sales")
    await wait_for(lambda: fleet.status("demo-sales").state == BotState.NOT_PAIRED)
    assert fleet.status("demo-sales").last_error is None
    await fleet.drain()
    assert [a.action for a in await fleet.store.list_audit("demo-sales")] == [
        "pair.cancel",
        "pair.start",
    ]

    network.unlink("demo-support", reason="device removed from the phone")
    await wait_for(lambda: fleet.status("demo-support").state == BotState.LOGGED_OUT)
    assert "device removed from the phone" in (fleet.status("demo-support").last_error or "")


async def test_pairing_refusals_reach_the_operator_as_command_errors(fleet: Fleet) -> None:
    with pytest.raises(FleetCommandError, match="already paired"):
        await fleet.pair("demo-main")


async def test_not_on_whatsapp_answer_expires(fleet: Fleet, network: SimulatedNetwork) -> None:
    from linda_tui.clock import FixedClock

    clock = FixedClock()
    fleet.clock = clock
    network.register_number("+971501230000", on_whatsapp=False)
    with pytest.raises(SendRefusedError, match="not on WhatsApp"):
        await fleet.send("+971501230000", "hi", bot="demo-main")
    network.register_number("+971501230000", on_whatsapp=True)
    with pytest.raises(SendRefusedError, match="not on WhatsApp"):  # still cached
        await fleet.send("+971501230000", "hi", bot="demo-main")
    clock.advance(601)
    [result] = await fleet.send("+971501230000", "hi", bot="demo-main")
    assert result.ok
