"""The simulated WhatsApp network, seen the way the fleet sees it: through the events
an account emits and the errors its methods raise. Every test runs the network at
speed=1000 (a 60 s QR code lasts 60 ms), so waiting is real but short."""

from __future__ import annotations

import asyncio
import json
import re
import stat
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from linda_tui.clock import FixedClock
from linda_tui.models import BotState, MessageStatus
from linda_tui.phones import InvalidPhoneError
from linda_tui.whatsapp.account import (
    AccountError,
    AccountEvent,
    Banned,
    InboundMessage,
    LoggedOut,
    NotConnectedError,
    NotOnWhatsAppError,
    PairCodeIssued,
    PairingFailed,
    PairingSucceeded,
    PairingTimedOut,
    PairMethod,
    QRCodeIssued,
    ReceiptReceived,
    SendError,
    StateChanged,
)
from linda_tui.whatsapp.simulated import (
    NORMAL_REPLIES,
    OPT_OUT_REPLIES,
    SimulatedAccount,
    SimulatedNetwork,
)

SPEED = 1000.0
MAIN = ("demo-main", "+971501234561")
SALES = ("demo-sales", "+971501234562")
SUPPORT = ("demo-support", "+971501234563")
WAIT = 10.0  # generous ceiling so a broken network fails instead of hanging

E = TypeVar("E", bound=AccountEvent)


class Recorder:
    """The ``emit`` callback: keeps every event and lets a test wait for one."""

    def __init__(self) -> None:
        self.events: list[AccountEvent] = []
        self._arrived = asyncio.Event()

    def __call__(self, event: AccountEvent) -> None:
        self.events.append(event)
        self._arrived.set()

    def of(self, kind: type[E], where: Callable[[E], bool] = lambda _: True) -> list[E]:
        return [e for e in self.events if isinstance(e, kind) and where(e)]

    def states(self) -> list[BotState]:
        return [e.state for e in self.of(StateChanged)]

    async def wait_for(
        self, kind: type[E], where: Callable[[E], bool] = lambda _: True, *, start: int = 0
    ) -> E:
        """The first event of ``kind`` at position >= start that matches."""
        return (await self.wait_count(kind, 1, where, start=start))[0]

    async def wait_count(
        self,
        kind: type[E],
        count: int,
        where: Callable[[E], bool] = lambda _: True,
        *,
        start: int = 0,
    ) -> list[E]:
        async with asyncio.timeout(WAIT):
            while True:
                self._arrived.clear()
                found = [e for e in self.events[start:] if isinstance(e, kind) and where(e)]
                if len(found) >= count:
                    return found[:count]
                await self._arrived.wait()

    async def wait_state(self, state: BotState, *, start: int = 0) -> StateChanged:
        return await self.wait_for(StateChanged, lambda e: e.state is state, start=start)


async def settle(account: SimulatedAccount) -> None:
    """Wait until the account has nothing scheduled any more (receipts, replies...)."""
    async with asyncio.timeout(WAIT):
        while True:
            if not account.pending_callbacks:
                return
            await asyncio.sleep(0.005)


def log_lines(network: SimulatedNetwork) -> list[dict[str, Any]]:
    if not network.message_log.exists():
        return []
    text = network.message_log.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), "a reader must only ever see complete lines"
    return [json.loads(line) for line in text.splitlines()]


def delivered_while_offline(recorder: Recorder) -> list[AccountEvent]:
    """Receipts or messages emitted while the account was not online (never allowed)."""
    state = BotState.STOPPED
    wrong: list[AccountEvent] = []
    for event in recorder.events:
        if isinstance(event, StateChanged):
            state = event.state
        elif isinstance(event, ReceiptReceived | InboundMessage) and state is not BotState.ONLINE:
            wrong.append(event)
    return wrong


NetworkFactory = Callable[..., SimulatedNetwork]


@pytest.fixture
async def sim_net(tmp_path: Path) -> AsyncIterator[NetworkFactory]:
    """Build simulated networks (fast, quiet defaults) and close them after the test."""
    made: list[SimulatedNetwork] = []

    def make(data_dir: Path | None = None, **options: Any) -> SimulatedNetwork:
        options.setdefault("speed", SPEED)
        options.setdefault("disconnect_rate", 0.0)
        options.setdefault("reply_rate", 0.0)
        options.setdefault("clock", FixedClock())
        network = SimulatedNetwork(data_dir or tmp_path / "demo", **options)
        made.append(network)
        return network

    yield make
    for network in made:
        await network.aclose()


async def online(
    network: SimulatedNetwork, bot: tuple[str, str] = MAIN
) -> tuple[SimulatedAccount, Recorder]:
    """A started account of a bot listed as ``paired``, once it is online."""
    recorder = Recorder()
    account = network.account(*bot, recorder)
    await account.start()
    await recorder.wait_state(BotState.ONLINE)
    return account, recorder


# -- connecting and pairing ------------------------------------------------------------


async def test_paired_bot_connects_then_goes_online(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]])
    account, recorder = await online(network)
    assert account.is_paired
    assert recorder.states() == [BotState.CONNECTING, BotState.ONLINE]
    assert account.state is BotState.ONLINE


async def test_unpaired_bot_is_logged_out_with_the_command_to_pair(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]])
    recorder = Recorder()
    account = network.account(*SALES, recorder)
    assert not account.is_paired
    await account.start()
    [change] = recorder.of(StateChanged)
    assert change.state is BotState.NOT_PAIRED
    assert change.detail == "no WhatsApp session yet — pair it with the bot's phone"


async def test_pairing_by_qr_scan(sim_net: NetworkFactory) -> None:
    network = sim_net()
    recorder = Recorder()
    account = network.account(*SALES, recorder)
    assert network.scan("demo-sales") is False  # no QR on show yet

    await account.pair(PairMethod.QR)
    assert recorder.states() == [BotState.WAITING_FOR_PHONE]
    qr = await recorder.wait_for(QRCodeIssued)
    assert qr.index == 0
    assert qr.expires_in == pytest.approx(60 / SPEED)
    assert 230 <= len(qr.payload) <= 240
    ref, *keys = qr.payload.split(",")
    assert ref.startswith("2@") and len(keys) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9+/]{43}=", key) for key in keys)

    assert network.scan("demo-sales") is True
    assert account.state is BotState.PAIRING
    success = await recorder.wait_for(PairingSucceeded)
    assert re.fullmatch(r"971501234562:\d+@s\.whatsapp\.net", success.jid)
    await recorder.wait_state(BotState.ONLINE)
    assert recorder.states() == [BotState.WAITING_FOR_PHONE, BotState.PAIRING, BotState.ONLINE]
    assert account.is_paired
    assert network.scan("demo-sales") is False  # the code was used
    sent = await account.send_text("+971501234570", "first message after pairing")
    assert sent.wa_id.startswith("3EB0")


async def test_qr_codes_rotate_then_pairing_times_out(sim_net: NetworkFactory) -> None:
    network = sim_net()
    recorder = Recorder()
    account = network.account(*SALES, recorder)
    await account.pair()

    timed_out = await recorder.wait_for(PairingTimedOut)
    codes = recorder.of(QRCodeIssued)
    assert [c.index for c in codes] == [0, 1, 2, 3, 4, 5]
    assert [c.expires_in * SPEED for c in codes] == pytest.approx([60, 20, 20, 20, 20, 20])
    # The server's ref changes at each rotation; the device's keys do not.
    assert len({c.payload.split(",")[0] for c in codes}) == 6
    assert len({tuple(c.payload.split(",")[1:]) for c in codes}) == 1
    assert recorder.events.index(timed_out) > recorder.events.index(codes[-1])

    final = await recorder.wait_state(BotState.NOT_PAIRED)
    assert final.detail == "pairing timed out — no phone linked it in time"
    assert network.scan("demo-sales") is False
    assert not account.is_paired
    assert account.pending_callbacks == 0


async def test_pairing_by_phone_code(sim_net: NetworkFactory) -> None:
    network = sim_net()
    recorder = Recorder()
    account = network.account(*SALES, recorder)
    assert network.enter_pair_code("demo-sales") is False

    await account.pair(PairMethod.PHONE_CODE)
    issued = await recorder.wait_for(PairCodeIssued)
    assert re.fullmatch(r"[1-9A-HJ-NP-TV-Z]{8}", issued.code)
    assert not recorder.of(QRCodeIssued)
    assert network.scan("demo-sales") is False  # a phone code is not a QR code

    assert network.enter_pair_code("demo-sales") is True
    success = await recorder.wait_for(PairingSucceeded)
    assert success.jid.startswith("971501234562:")
    await recorder.wait_state(BotState.ONLINE)
    assert network.enter_pair_code("demo-sales") is False
    assert account.is_paired


async def test_phone_code_for_another_phone_and_its_expiry(sim_net: NetworkFactory) -> None:
    network = sim_net()
    recorder = Recorder()
    account = network.account(*SALES, recorder)
    with pytest.raises(AccountError, match="not a phone number|not a valid phone number"):
        await account.pair(PairMethod.PHONE_CODE, phone="12")
    with pytest.raises(AccountError, match="not on WhatsApp"):
        await account.pair(PairMethod.PHONE_CODE, phone="+971501234000")

    await account.pair(PairMethod.PHONE_CODE, phone="+971501234599")
    assert (await recorder.wait_for(StateChanged)).detail == (
        "enter the code on the phone of +971501234599"
    )
    await recorder.wait_for(PairingTimedOut)
    assert (await recorder.wait_state(BotState.NOT_PAIRED)).detail == (
        "pairing timed out — no phone linked it in time"
    )
    assert network.enter_pair_code("demo-sales") is False

    await account.pair(PairMethod.PHONE_CODE, phone="+971501234599")
    start = len(recorder.events)
    await recorder.wait_for(PairCodeIssued, start=start)
    assert network.enter_pair_code("demo-sales")
    success = await recorder.wait_for(PairingSucceeded)
    assert success.jid.startswith("971501234599:")  # the phone that linked


async def test_cancel_pairing(sim_net: NetworkFactory) -> None:
    network = sim_net()
    recorder = Recorder()
    account = network.account(*SALES, recorder)
    await account.pair()
    await recorder.wait_for(QRCodeIssued)
    await account.cancel_pairing()
    assert recorder.of(PairingFailed)[0].reason == "pairing cancelled"
    assert recorder.events[-1] == StateChanged(
        "demo-sales",
        state=BotState.NOT_PAIRED,
        detail="pairing cancelled",
        at=recorder.events[-1].at,
    )
    assert network.scan("demo-sales") is False
    assert account.pending_callbacks == 0


async def test_pairing_a_paired_bot_is_refused(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]])
    account = network.account(*MAIN, Recorder())
    with pytest.raises(AccountError, match=r"already paired — log it out first"):
        await account.pair()


async def test_pairing_persists_across_networks_in_private_files(
    sim_net: NetworkFactory, tmp_path: Path
) -> None:
    data_dir = tmp_path / "demo"
    first = sim_net(data_dir, paired=["demo-main", "demo-support"])
    recorder = Recorder()
    sales = first.account(*SALES, recorder)
    await sales.pair()
    await recorder.wait_for(QRCodeIssued)
    first.scan("demo-sales")
    await recorder.wait_state(BotState.ONLINE)
    await first.aclose()

    sessions = data_dir / "sim-sessions"
    assert stat.S_IMODE(sessions.stat().st_mode) == 0o700
    files = sorted(p.name for p in sessions.iterdir())
    assert files == ["demo-main.json", "demo-sales.json", "demo-support.json"]
    for path in sessions.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # A later run (``paired`` only applies to a fresh data folder).
    second = sim_net(data_dir, paired=["demo-other"])
    assert second.account(*MAIN, Recorder()).is_paired
    assert second.account(*SUPPORT, Recorder()).is_paired
    assert not second.account("demo-other", "+971501234564", Recorder()).is_paired
    sales_again, again = await online(second, SALES)
    await sales_again.logout()
    assert (await again.wait_state(BotState.LOGGED_OUT)).detail == "logged out by operator"
    assert not (sessions / "demo-sales.json").exists()
    await second.aclose()

    third = sim_net(data_dir, paired=["demo-sales"])
    assert not third.account(*SALES, Recorder()).is_paired


# -- sending -------------------------------------------------------------------------


async def test_send_logs_the_message_then_delivered_and_read_receipts(
    sim_net: NetworkFactory,
) -> None:
    clock = FixedClock()
    network = sim_net(paired=[MAIN[0]], clock=clock)
    account, recorder = await online(network)
    texts = ["Hello from Linda", "مرحبا، الشقة متاحة", "Viewing at 5pm?", "a", "b", "c", "d", "e"]
    recipients = [f"+9715012345{70 + i}" for i in range(len(texts))]

    sent = [await account.send_text(to, text) for to, text in zip(recipients, texts, strict=True)]
    for message in sent:
        assert re.fullmatch(r"3EB0[0-9A-F]{16}", message.wa_id)
        assert message.timestamp == clock.now()
    assert len({m.wa_id for m in sent}) == len(sent)

    await asyncio.sleep(0)  # one loop iteration: the log is on disk for any reader
    lines = log_lines(network)
    assert [list(line) for line in lines] == [["time", "bot", "to", "id", "text"]] * len(sent)
    assert lines[1] == {
        "time": clock.now().isoformat(),
        "bot": "demo-main",
        "to": recipients[1],
        "id": sent[1].wa_id,
        "text": "مرحبا، الشقة متاحة",
    }
    assert [line["id"] for line in lines] == [m.wa_id for m in sent]

    await recorder.wait_count(
        ReceiptReceived, len(sent), lambda r: r.status is MessageStatus.DELIVERED
    )
    await settle(account)
    receipts = recorder.of(ReceiptReceived)
    by_id = {m.wa_id: [r for r in receipts if r.wa_ids == (m.wa_id,)] for m in sent}
    for message, to in zip(sent, recipients, strict=True):
        statuses = [r.status for r in by_id[message.wa_id]]
        assert statuses in (
            [MessageStatus.DELIVERED],
            [MessageStatus.DELIVERED, MessageStatus.READ],
        )
        assert all(r.peer == to for r in by_id[message.wa_id])
    assert any(r.status is MessageStatus.READ for r in receipts)
    assert delivered_while_offline(recorder) == []


async def test_numbers_not_on_whatsapp_are_refused_and_not_logged(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]])
    account, _ = await online(network)

    with pytest.raises(NotOnWhatsAppError, match=r"\+971501234000 is not on WhatsApp"):
        await account.send_text("+971501234000", "hi")
    network.register_number("+971501234577", on_whatsapp=False)
    with pytest.raises(NotOnWhatsAppError):
        await account.send_text("+971501234577", "hi")
    assert await account.is_on_whatsapp("+971501234577") is False
    network.register_number("+971501234000")  # registered on after all
    assert await account.is_on_whatsapp("+971501234000") is True
    assert await account.is_on_whatsapp("not a number") is False
    await account.send_text("+971501234000", "now it works")

    with pytest.raises(SendError, match="has letters in it"):
        await account.send_text("hello", "hi")
    with pytest.raises(SendError, match="empty"):
        await account.send_text("+971501234570", "  ")
    with pytest.raises(SendError, match="65,536"):
        await account.send_text("+971501234570", "x" * 65_537)
    with pytest.raises(InvalidPhoneError):
        network.register_number("nonsense")

    network.flush()
    assert [line["to"] for line in log_lines(network)] == ["+971501234000"]


async def test_sending_needs_an_online_account(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]])
    recorder = Recorder()
    account = network.account(*MAIN, recorder)
    with pytest.raises(NotConnectedError, match="not running"):
        await account.send_text("+971501234570", "hi")
    await account.start()
    with pytest.raises(NotConnectedError, match=r"not online \(connecting\)"):
        await account.send_text("+971501234570", "hi")
    with pytest.raises(NotConnectedError):
        await account.is_on_whatsapp("+971501234570")

    unpaired = network.account(*SALES, Recorder())
    await unpaired.start()
    with pytest.raises(
        NotConnectedError, match="demo-sales is not paired — pair it with its phone first"
    ):
        await unpaired.send_text("+971501234570", "hi")
    network.flush()
    assert log_lines(network) == []


async def test_sending_too_fast_gets_a_temporary_ban_that_lifts(sim_net: NetworkFactory) -> None:
    clock = FixedClock()
    network = sim_net(paired=[MAIN[0]], ban_per_minute=5, clock=clock)
    account, recorder = await online(network)

    for i in range(5):
        await account.send_text(f"+9715012345{70 + i}", "offer")
    start = len(recorder.events)
    with pytest.raises(NotConnectedError, match=r"banned until \d\d:\d\d"):
        await account.send_text("+971501234580", "one too many")
    [ban] = recorder.of(Banned)
    assert ban.code == 101
    assert ban.until is not None
    nominal = (ban.until - clock.now()) * SPEED
    assert timedelta(minutes=5) <= nominal <= timedelta(minutes=15)
    banned = recorder.events[start + 1]
    assert isinstance(banned, StateChanged) and banned.state is BotState.BANNED
    assert banned.until == ban.until
    with pytest.raises(NotConnectedError, match="banned until"):
        await account.send_text("+971501234581", "still banned")

    lifted = await recorder.wait_state(BotState.ONLINE, start=start)
    assert lifted.detail == "temporary ban lifted"
    await account.send_text("+971501234582", "after the ban")
    network.flush()
    assert [line["to"] for line in log_lines(network)][-1] == "+971501234582"
    assert len(log_lines(network)) == 6  # the refused sends are not in the log
    assert delivered_while_offline(recorder) == []


async def test_no_ban_when_disabled(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]], ban_per_minute=None)
    account, recorder = await online(network)
    for i in range(100):
        await account.send_text(f"+97150123{4600 + i}", "bulk")
    assert recorder.of(Banned) == []
    assert account.state is BotState.ONLINE


# -- inbound -------------------------------------------------------------------------


async def test_recipients_reply_and_some_replies_are_opt_outs(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]], reply_rate=1.0)
    account, recorder = await online(network)
    recipients = [f"+9715012346{i:02d}" for i in range(16)]
    for to in recipients:
        await account.send_text(to, "New listing in Dubai Marina")

    replies = await recorder.wait_count(InboundMessage, len(recipients))
    assert sorted(r.peer for r in replies) == sorted(recipients)
    texts = {r.text for r in replies}
    assert texts & set(OPT_OUT_REPLIES), "opt-out words must show up among replies"
    assert texts & set(NORMAL_REPLIES)
    for reply in replies:
        assert reply.chat == f"{reply.peer[1:]}@s.whatsapp.net"
        assert re.fullmatch(r"[0-9A-F]{32}", reply.wa_id)
        assert reply.timestamp is not None and not reply.from_me and not reply.is_group
        read = recorder.of(
            ReceiptReceived, lambda r, p=reply.peer: r.peer == p and r.status is MessageStatus.READ
        )
        assert read and recorder.events.index(read[0]) < recorder.events.index(reply)


async def test_injected_messages_arrive_when_the_bot_is_online(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0], SUPPORT[0]])
    _, recorder = await online(network)
    network.inject_inbound("demo-main", "+971501234568", "توقف")
    message = await recorder.wait_for(InboundMessage)
    assert (message.peer, message.chat, message.text) == (
        "+971501234568",
        "971501234568@s.whatsapp.net",
        "توقف",
    )

    # A bot that is not running yet gets it when it comes online, like on WhatsApp.
    network.inject_inbound("demo-support", "+971501234569", "unsubscribe")
    support_recorder = Recorder()
    support = network.account(*SUPPORT, support_recorder)
    await asyncio.sleep(0.01)
    assert support_recorder.of(InboundMessage) == []
    await support.start()
    held = await support_recorder.wait_for(InboundMessage)
    assert held.text == "unsubscribe"
    assert delivered_while_offline(support_recorder) == []

    with pytest.raises(InvalidPhoneError):
        network.inject_inbound("demo-main", "not a phone", "hi")
    with pytest.raises(ValueError, match="empty"):
        network.inject_inbound("demo-main", "+971501234568", "")


async def test_a_bot_messaging_another_bot_reaches_it(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0], SUPPORT[0]])
    main, _ = await online(network, MAIN)
    _, support_recorder = await online(network, SUPPORT)
    sent = await main.send_text(SUPPORT[1], "internal note")
    received = await support_recorder.wait_for(InboundMessage)
    assert (received.peer, received.text, received.wa_id) == (MAIN[1], "internal note", sent.wa_id)


# -- connection trouble, logout, stop -------------------------------------------------


async def test_forced_disconnect_reconnects(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]])
    account, recorder = await online(network)
    await account.send_text("+971501234570", "in flight during the drop")
    start = len(recorder.events)
    network.disconnect("demo-main")
    dropped = recorder.events[start]
    assert isinstance(dropped, StateChanged) and dropped.state is BotState.RECONNECTING
    assert dropped.detail == "reconnecting in 2 s: connection closed by server"
    assert dropped.until is not None
    with pytest.raises(NotConnectedError, match=r"not online \(reconnecting\)"):
        await account.send_text("+971501234571", "hi")

    await recorder.wait_state(BotState.ONLINE, start=start)
    await settle(account)
    assert recorder.of(ReceiptReceived), "the receipt still arrives after the reconnect"
    assert delivered_while_offline(recorder) == []
    network.disconnect("demo-sales")  # unknown or offline bots: nothing happens


async def test_connection_drops_now_and_then_and_comes_back(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]], disconnect_rate=30.0)  # one every 2 s online
    _, recorder = await online(network)
    drop = await recorder.wait_state(BotState.RECONNECTING)
    assert drop.detail is not None
    assert re.fullmatch(r"reconnecting in \d+ s: .+", drop.detail)
    await recorder.wait_state(BotState.ONLINE, start=recorder.events.index(drop))


async def test_logout_and_remote_unlink(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0], SUPPORT[0]])
    main, recorder = await online(network, MAIN)
    await main.logout()
    assert recorder.events[-1].state is BotState.LOGGED_OUT  # type: ignore[attr-defined]
    assert not main.is_paired
    with pytest.raises(NotConnectedError, match="logged out"):
        await main.send_text("+971501234570", "hi")
    with pytest.raises(AccountError, match="not paired"):
        await main.logout()

    support, support_recorder = await online(network, SUPPORT)
    network.unlink("demo-support")
    assert support_recorder.of(LoggedOut)[0].reason == "device removed from the phone"
    assert support_recorder.events[-1].state is BotState.LOGGED_OUT  # type: ignore[attr-defined]
    assert not support.is_paired


async def test_stop_cancels_everything(sim_net: NetworkFactory) -> None:
    # A drop is scheduled too (about ten minutes away at this rate), and must go as well.
    network = sim_net(paired=[MAIN[0]], reply_rate=1.0, disconnect_rate=0.1)
    account, recorder = await online(network)
    for i in range(10):
        await account.send_text(f"+9715012345{70 + i}", "hi")
    assert account.pending_callbacks > 0
    await account.stop()
    assert recorder.events[-1].state is BotState.STOPPED  # type: ignore[attr-defined]
    assert account.pending_callbacks == 0
    seen = len(recorder.events)
    await account.stop()  # idempotent: no second event
    # Longer than any receipt, reply or reconnect would take (300 s at this speed).
    await asyncio.sleep(0.3)
    assert len(recorder.events) == seen

    pairing_recorder = Recorder()
    pairing = network.account(*SALES, pairing_recorder)
    await pairing.pair()
    await pairing.stop()
    await asyncio.sleep(0.1)
    assert pairing_recorder.of(QRCodeIssued) == []
    assert network.scan("demo-sales") is False


async def test_a_failing_event_handler_does_not_break_the_network(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]])
    seen: list[AccountEvent] = []
    went_online = asyncio.Event()

    def broken(event: AccountEvent) -> None:
        seen.append(event)
        if isinstance(event, StateChanged) and event.state is BotState.ONLINE:
            went_online.set()
        raise RuntimeError("bug in a consumer")

    account = network.account(*MAIN, broken)
    await account.start()
    async with asyncio.timeout(WAIT):
        await went_online.wait()
    await account.send_text("+971501234570", "hi")
    await settle(account)
    assert any(isinstance(e, ReceiptReceived) for e in seen)


# -- determinism -----------------------------------------------------------------------


async def scripted_run(network: SimulatedNetwork) -> tuple[list[AccountEvent], str]:
    """Pair a bot by QR, send a burst, let every receipt and reply arrive."""
    recorder = Recorder()
    account = network.account(*SALES, recorder)
    await account.pair()
    await recorder.wait_for(QRCodeIssued)
    assert network.scan("demo-sales")
    await recorder.wait_state(BotState.ONLINE)
    for i in range(12):
        await account.send_text(f"+9715012346{i:02d}", f"message {i}")
    network.inject_inbound("demo-sales", "+971501234699", "hello?")
    await settle(account)
    await network.aclose()
    return recorder.events, network.message_log.read_text(encoding="utf-8")


async def test_same_seed_same_run(sim_net: NetworkFactory, tmp_path: Path) -> None:
    options = {"seed": 42, "reply_rate": 0.5}
    first_events, first_log = await scripted_run(sim_net(tmp_path / "a", **options))
    second_events, second_log = await scripted_run(sim_net(tmp_path / "b", **options))
    assert first_events == second_events  # same ids, codes, receipts, replies, order
    assert first_log == second_log
    assert any(isinstance(e, InboundMessage) for e in first_events)

    _, other_log = await scripted_run(sim_net(tmp_path / "c", seed=43, reply_rate=0.5))
    assert other_log != first_log


async def test_message_ids_do_not_repeat_across_runs_in_one_folder(
    sim_net: NetworkFactory, tmp_path: Path
) -> None:
    ids = []
    for _ in range(2):
        network = sim_net(tmp_path / "demo", paired=[MAIN[0]])
        account, _ = await online(network)
        ids.append((await account.send_text("+971501234570", "hi")).wa_id)
        await network.aclose()
    assert ids[0] != ids[1]


async def test_zero_latency_still_orders_receipts(sim_net: NetworkFactory) -> None:
    network = sim_net(paired=[MAIN[0]], latency=False)
    account, recorder = await online(network)
    sent = [await account.send_text(f"+9715012345{70 + i}", "x") for i in range(20)]
    await settle(account)
    for message in sent:
        statuses = [
            r.status
            for r in recorder.of(ReceiptReceived, lambda r, m=message: r.wa_ids == (m.wa_id,))
        ]
        assert statuses[0] is MessageStatus.DELIVERED and len(statuses) <= 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"speed": 0}, "speed must be a positive number"),
        ({"ban_per_minute": 0}, "ban_per_minute must be at least 1"),
        ({"reply_rate": 1.5}, "reply_rate must be between 0 and 1"),
        ({"disconnect_rate": -1}, "disconnect_rate must be >= 0"),
        ({"paired": ["Not A Slug"]}, "must be a slug"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SimulatedNetwork(tmp_path / "demo", **options)
