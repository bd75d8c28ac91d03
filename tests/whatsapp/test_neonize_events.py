"""NeonizeAccount driven by real neonize protobuf events, fed to the handlers its real
neonize client registered. The client really tries to connect first; offline that
attempt fails and the account waits 60 s to retry, while the test plays WhatsApp's
side of the conversation through the events."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from linda_tui.clock import FixedClock
from linda_tui.models import BotState, MessageStatus
from linda_tui.whatsapp.account import (
    AccountError,
    Banned,
    InboundMessage,
    LoggedOut,
    NotConnectedError,
    PairCodeIssued,
    PairingFailed,
    PairingSucceeded,
    PairMethod,
    QRCodeIssued,
    ReceiptReceived,
    SendError,
    StateChanged,
)
from linda_tui.whatsapp.neonize_account import NeonizeAccount

from .conftest import neonize_feed

# The fixtures' classes (tests/whatsapp/conftest.py) — conftest is not importable.
NeonizeEventBuilder = Any
NeonizeRecorder = Any

CUSTOMER = "971501234568"
QR_PAYLOAD = b"2@Xy12AbCdEf,NoiseKeyB64=,IdentityKeyB64=,AdvSecretB64="


async def started(account: NeonizeAccount, recorder: NeonizeRecorder, paired: Any) -> None:
    """Start a paired bot and let its real (offline) first connection attempt fail."""
    paired(account.bot_id)
    await account.start()
    await recorder.wait_state(BotState.RECONNECTING)


async def online(
    account: NeonizeAccount, recorder: NeonizeRecorder, paired: Any, build: NeonizeEventBuilder
) -> None:
    await started(account, recorder, paired)
    await neonize_feed(account, build.proto.Connected(status=True))
    assert account.state is BotState.ONLINE


# -- pairing --------------------------------------------------------------------------


async def test_pairing_by_qr_shows_rotating_codes_then_succeeds(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await account.pair()
    await recorder.wait_state(BotState.RECONNECTING)
    client = account.client
    assert client is not None

    await client.event._qr(client, QR_PAYLOAD)
    await client.event._qr(client, QR_PAYLOAD.replace(b"Xy12", b"Zz34"))
    codes = recorder.of(QRCodeIssued)
    assert [(c.index, c.expires_in) for c in codes] == [(0, 60.0), (1, 20.0)]
    assert codes[0].payload == QR_PAYLOAD.decode()
    assert codes[1].payload.startswith("2@Zz34")
    assert account.state is BotState.WAITING_FOR_PHONE

    await neonize_feed(
        account,
        build.proto.PairStatus(
            ID=build.jid("971501234567", device=12),
            BusinessName="",
            Platform="android",
            Status=build.proto.PairStatus.SUCCESS,
        ),
    )
    (success,) = recorder.of(PairingSucceeded)
    assert success.jid == "971501234567:12@s.whatsapp.net"
    assert account.state is BotState.PAIRING

    await neonize_feed(account, build.proto.Connected(status=True))
    assert account.state is BotState.ONLINE
    assert account.is_paired


async def test_pair_refused_when_already_paired(
    neonize_account: NeonizeAccount, neonize_paired_session: Any
) -> None:
    neonize_paired_session("bot1")
    with pytest.raises(AccountError, match="already paired — log it out first"):
        await neonize_account.pair()


async def test_pairing_error_from_the_phone_ends_pairing(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await account.pair()
    await recorder.wait_state(BotState.RECONNECTING)
    await neonize_feed(
        account,
        build.proto.PairStatus(
            ID=build.jid(),
            BusinessName="",
            Platform="",
            Status=build.proto.PairStatus.ERROR,
            Error="failed to verify device identity signature",
        ),
    )
    failed = await recorder.wait_for(PairingFailed)
    assert "device identity signature" in failed.reason
    state = await recorder.wait_state(BotState.NOT_PAIRED)
    assert "pairing failed" in (state.detail or "")
    assert not account.is_paired


async def test_phone_code_is_requested_from_the_first_qr_callback(
    neonize_account: NeonizeAccount, neonize_recorder: NeonizeRecorder
) -> None:
    """PairPhone only works once connected: offline, real whatsmeow refuses it, and the
    operator gets a clear failure instead of a code that can never work."""
    account, recorder = neonize_account, neonize_recorder
    await account.pair(PairMethod.PHONE_CODE)
    await recorder.wait_state(BotState.RECONNECTING)
    client = account.client
    assert client is not None
    await client.event._qr(client, QR_PAYLOAD)
    failed = await recorder.wait_for(PairingFailed)
    assert failed.reason.startswith("no phone code: ")
    assert "not connected" in failed.reason
    assert not recorder.of(QRCodeIssued)  # phone-code pairing shows no QR
    assert not recorder.of(PairCodeIssued)
    assert account.state is BotState.NOT_PAIRED


async def test_cancel_pairing(
    neonize_account: NeonizeAccount, neonize_recorder: NeonizeRecorder
) -> None:
    account, recorder = neonize_account, neonize_recorder
    await account.pair()
    await recorder.wait_state(BotState.RECONNECTING)
    await asyncio.wait_for(account.cancel_pairing(), 30)
    assert recorder.of(PairingFailed)[-1].reason == "pairing cancelled"
    assert account.state is BotState.NOT_PAIRED
    count = len(recorder.events)
    await account.stop()  # nothing left running: nothing to report
    assert len(recorder.events) == count


# -- lifecycle events -----------------------------------------------------------------


async def test_unpaired_start_says_how_to_pair_and_creates_no_file(
    neonize_account: NeonizeAccount, neonize_recorder: NeonizeRecorder
) -> None:
    await neonize_account.start()
    (state,) = neonize_recorder.states()
    assert state.state is BotState.NOT_PAIRED
    assert state.detail == "no WhatsApp session yet — pair it with the bot's phone"
    assert not neonize_account.session_path.exists()


async def test_logout_by_whatsapp_reports_the_reason(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await online(account, recorder, neonize_paired_session, build)
    await neonize_feed(
        account,
        build.proto.LoggedOut(
            OnConnect=True, Reason=build.proto.ConnectFailureReason.MAIN_DEVICE_GONE
        ),
    )
    (logout,) = recorder.of(LoggedOut)
    assert logout.reason == "WhatsApp on the phone was removed or re-registered"
    assert logout.on_connect
    assert account.state is BotState.LOGGED_OUT
    assert "pair it with the phone again" in (account.detail or "")
    assert not account.is_paired
    with pytest.raises(NotConnectedError, match="bot1 is logged out"):
        await account.send_text("+971501234568", "hello")


async def test_temporary_ban_reports_banned_until_expiry(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
    neonize_clock: FixedClock,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await online(account, recorder, neonize_paired_session, build)
    await neonize_feed(
        account,
        build.proto.TemporaryBan(
            Code=build.proto.TemporaryBan.SENT_TOO_MANY_SAME_MESSAGE, Expire=3600
        ),
    )
    expected = neonize_clock.now() + timedelta(hours=1)
    (ban,) = recorder.of(Banned)
    assert ban.until == expected
    assert ban.reason == "sent the same message too many times"
    state = recorder.states()[-1]
    assert state.state is BotState.BANNED
    assert state.until == expected
    assert state.detail == (
        f"temporarily banned until {expected:%H:%M} UTC (code 4): "
        "sent the same message too many times"
    )
    with pytest.raises(NotConnectedError, match=r"bot1 is not online \(banned"):
        await account.send_text("+971501234568", "hello")


async def test_connect_failure_is_retried_with_backoff(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await online(account, recorder, neonize_paired_session, build)
    node = build.proto.Node(Tag="failure", Nil=True)
    await neonize_feed(
        account,
        build.proto.ConnectFailure(
            Reason=build.proto.ConnectFailureReason.SERVICE_UNAVAILABLE,
            Message="service unavailable",
            Raw=node,
        ),
    )
    state = recorder.states()[-1]
    assert state.state is BotState.RECONNECTING
    assert state.detail == (
        "reconnecting in 60 s: WhatsApp refused the connection (service unavailable)"
    )
    assert state.until == state.at + timedelta(seconds=60)


async def test_stream_replaced_stops_the_client(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await online(account, recorder, neonize_paired_session, build)
    await neonize_feed(account, build.proto.StreamReplaced())
    assert account.state is BotState.ERROR
    assert "another connection took over this session" in (account.detail or "")
    assert "bot1.db" in (account.detail or "")
    # The client is stopped: whatever it still had queued changes nothing.
    await neonize_feed(account, build.proto.Connected(status=True))
    assert account.state is BotState.ERROR
    with pytest.raises(NotConnectedError):
        await account.send_text("+971501234568", "hello")


async def test_outdated_client_is_an_error(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await online(account, recorder, neonize_paired_session, build)
    node = build.proto.Node(Tag="failure", Nil=True)
    await neonize_feed(
        account,
        build.proto.ConnectFailure(
            Reason=build.proto.ConnectFailureReason.CLIENT_OUTDATED, Message="", Raw=node
        ),
    )
    assert account.state is BotState.ERROR
    assert account.detail == "WhatsApp rejected this client version as outdated — update neonize"


async def test_connection_drops_and_keepalive(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await online(account, recorder, neonize_paired_session, build)
    await neonize_feed(account, build.proto.KeepAliveTimeout(ErrorCount=2, LastSuccess=0))
    assert account.state is BotState.RECONNECTING
    assert account.detail == "connection unstable: 2 keep-alive ping(s) unanswered"
    with pytest.raises(NotConnectedError, match="connection unstable"):
        await account.send_text("+971501234568", "hello")
    await neonize_feed(account, build.proto.KeepAliveRestored())
    assert account.state is BotState.ONLINE
    await neonize_feed(account, build.proto.Disconnected(status=True))
    assert account.state is BotState.RECONNECTING
    assert account.detail == "connection lost — reconnecting"
    await neonize_feed(account, build.proto.Connected(status=True))
    assert account.state is BotState.ONLINE


# -- messages and receipts ------------------------------------------------------------


async def test_inbound_messages(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await online(account, recorder, neonize_paired_session, build)
    e2e = build.e2e
    customer = build.jid(CUSTOMER)
    one_to_one = build.source(customer, build.jid(CUSTOMER, device=3))

    await neonize_feed(
        account,
        build.message(one_to_one, e2e.Message(conversation="Is the flat still free?")),
    )
    (first,) = recorder.of(InboundMessage)
    assert first.peer == "+971501234568"
    assert first.text == "Is the flat still free?"
    assert first.chat == "971501234568@s.whatsapp.net"
    assert first.wa_id == "3EB0A1B2C3D4E5F60718"
    assert first.timestamp == datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    assert not first.is_group and not first.from_me

    group = build.source(
        build.jid("120363025246125486", server="g.us"),
        build.jid("971501234569", device=2),
        group=True,
    )
    await neonize_feed(
        account,
        build.message(
            group,
            e2e.Message(extendedTextMessage=e2e.ExtendedTextMessage(text="STOP")),
            wa_id="GROUP1",
        ),
    )
    # A chat addressed by hidden id: the phone number comes as the alternative JID.
    hidden = build.source(
        build.jid("201391234567890", server="lid"),
        build.jid("201391234567890", server="lid"),
        sender_alt=build.jid("971501234560"),
    )
    await neonize_feed(
        account,
        build.message(hidden, e2e.Message(imageMessage=e2e.ImageMessage(caption="")), wa_id="IMG"),
    )
    texts = [(m.peer, m.text, m.is_group) for m in recorder.of(InboundMessage)[1:]]
    assert texts == [("+971501234569", "STOP", True), ("+971501234560", "[image]", False)]

    count = len(recorder.of(InboundMessage))
    reaction = e2e.Message(reactionMessage=e2e.ReactionMessage(text="👍"))
    await neonize_feed(account, build.message(one_to_one, reaction, wa_id="REACT"))
    status = build.source(build.jid("status", server="broadcast"), customer)
    await neonize_feed(account, build.message(status, e2e.Message(conversation="my status")))
    assert len(recorder.of(InboundMessage)) == count  # nothing a person should read


async def test_receipts(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
) -> None:
    account, recorder, build = neonize_account, neonize_recorder, neonize_build
    await online(account, recorder, neonize_paired_session, build)
    kind = build.proto.Receipt
    theirs = build.source(build.jid(CUSTOMER), build.jid(CUSTOMER, device=1))
    for receipt_type, ids in (
        (kind.DELIVERED, ["A1", "A2"]),
        (kind.READ, ["A1"]),
        (kind.PLAYED, ["A3"]),
        (kind.SERVER_ERROR, ["A4"]),
        (kind.RETRY, ["A5"]),
    ):
        await neonize_feed(account, build.receipt(theirs, ids, receipt_type))
    ours = build.source(build.jid(CUSTOMER), build.jid("971501234567", device=5), from_me=True)
    await neonize_feed(account, build.receipt(ours, ["B1"], kind.READ_SELF))
    await neonize_feed(account, build.receipt(ours, ["B2"], kind.SERVER_ERROR))

    got = [(r.wa_ids, r.status, r.peer) for r in recorder.of(ReceiptReceived)]
    assert got == [
        (("A1", "A2"), MessageStatus.DELIVERED, "+971501234568"),
        (("A1",), MessageStatus.READ, "+971501234568"),
        (("A3",), MessageStatus.READ, "+971501234568"),
        (("A4",), MessageStatus.FAILED, "+971501234568"),
    ]


# -- sending --------------------------------------------------------------------------


async def test_send_checks_input_before_touching_whatsapp(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
) -> None:
    account = neonize_account
    with pytest.raises(NotConnectedError, match="bot1 is not running"):
        await account.send_text("+971501234568", "hello")
    await online(account, neonize_recorder, neonize_paired_session, neonize_build)
    with pytest.raises(SendError, match="message text is empty"):
        await account.send_text("+971501234568", "   ")
    with pytest.raises(SendError, match="at most 65,536"):
        await account.send_text("+971501234568", "x" * 65_537)
    with pytest.raises(SendError, match="not a valid phone number"):
        await account.send_text("+97150", "hello")


async def test_send_error_from_neonize_becomes_a_short_send_error(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
) -> None:
    """The Connected event says online but the socket never opened: real whatsmeow
    refuses the number check, and the operator gets one line, not a traceback."""
    account = neonize_account
    await online(account, neonize_recorder, neonize_paired_session, neonize_build)
    with pytest.raises(SendError) as raised:
        await account.send_text("+971501234568", "hello")
    message = str(raised.value)
    assert message.startswith("could not check whether +971501234568 is on WhatsApp: ")
    assert "\n" not in message and len(message) < 250


# -- handler failures are logged ------------------------------------------------------


async def test_handler_exception_is_logged_with_traceback(
    neonize_account: NeonizeAccount,
    neonize_recorder: NeonizeRecorder,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from neonize.events import EVENT_TO_INT

    account, build = neonize_account, neonize_build
    await online(account, neonize_recorder, neonize_paired_session, build)
    client = account.client
    assert client is not None
    message_handler = client.event.list_func[EVENT_TO_INT[build.proto.Message]]
    with caplog.at_level(logging.ERROR, logger="linda.whatsapp.bot1"):
        # A receipt where a message is expected: the handler raises AttributeError.
        await message_handler(
            client, build.receipt(build.source(build.jid(CUSTOMER), build.jid(CUSTOMER)), [], 1)
        )
    (record,) = [
        r for r in caplog.records if r.name == "linda.whatsapp.bot1" and r.levelno >= logging.ERROR
    ]
    assert record.getMessage() == "handling the Message event failed"
    assert record.exc_info is not None and record.exc_info[0] is AttributeError


async def test_a_failing_event_consumer_does_not_break_the_account(
    neonize_sessions: Any,
    neonize_build: NeonizeEventBuilder,
    neonize_paired_session: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from linda_tui.whatsapp.backoff import ExponentialBackoff

    seen: list[Any] = []

    def emit(event: Any) -> None:
        seen.append(event)
        raise RuntimeError("consumer bug")

    account = NeonizeAccount(
        "bot1",
        "+971501234567",
        emit,  # type: ignore[arg-type]
        neonize_sessions,
        backoff=ExponentialBackoff(initial=60.0, cap=60.0, jitter=0.0),
    )
    neonize_paired_session("bot1")
    try:
        with caplog.at_level(logging.ERROR, logger="linda.whatsapp.bot1"):
            await account.start()
            for _ in range(200):
                if account.state is BotState.RECONNECTING:
                    break
                await asyncio.sleep(0.05)
            await neonize_feed(account, neonize_build.proto.Connected(status=True))
        assert account.state is BotState.ONLINE
        assert [type(e) for e in seen][-1] is StateChanged
        failures = [r for r in caplog.records if "event callback failed" in r.getMessage()]
        assert failures and all(r.exc_info is not None for r in failures)
    finally:
        await asyncio.wait_for(account.stop(), 30)
