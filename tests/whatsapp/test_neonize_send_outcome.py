"""How NeonizeAccount reports a failed send: certainly not sent (offline, stopped
before the message left, refused by WhatsApp's error reply) or uncertain (handed over,
no answer). The errors are whatsmeow's own, as neonize hands them over
(``SendMessageError(model.Error)``, the Go error's text)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from neonize.exc import SendMessageError

from linda_tui.whatsapp import neonize_account as neonize_module
from linda_tui.whatsapp.account import NotConnectedError, SendError, SendUncertainError
from linda_tui.whatsapp.neonize_account import NeonizeAccount, send_failure

from .test_neonize_events import online

PEER = "+971501234568"

# whatsmeow's texts for failures after the message frame was written: it may have arrived.
AFTER_HAND_OFF = [
    "timed out waiting for message send response",  # ErrMessageTimedOut
    "websocket disconnected before message send returned response",  # DisconnectedError
    "context deadline exceeded",
    "something whatsmeow has never said before",  # unknown: cannot prove it did not leave
]
# ...and before it was written, or WhatsApp's error reply: certainly not delivered.
BEFORE_HAND_OFF = [
    "failed to get device list: failed to send usync query: info query timed out",
    "can't encrypt message for device: no signal session established",
    "the store doesn't contain a device JID",
    "failed to resolve LID for PN 971501234568@s.whatsapp.net: info query timed out",
    "failed to send message node: failed to write frame: broken pipe",
]
REFUSED = ["server returned error 479", "server returned error 463"]


@pytest.mark.parametrize("text", AFTER_HAND_OFF)
def test_a_failure_after_the_hand_off_is_uncertain(text: str) -> None:
    failure = send_failure(SendMessageError(text), PEER)
    assert isinstance(failure, SendUncertainError)
    assert str(failure).startswith(f"WhatsApp did not confirm the message to {PEER}")


@pytest.mark.parametrize("text", BEFORE_HAND_OFF + REFUSED)
def test_a_failure_before_the_hand_off_or_refused_is_not_sent(text: str) -> None:
    failure = send_failure(SendMessageError(text), PEER)
    assert type(failure) is SendError
    assert ("refused" in str(failure)) == (text in REFUSED)


def test_a_closed_socket_is_the_bot_being_offline() -> None:
    for text in ("websocket not connected", "failed to send message node: websocket not connected"):
        assert type(send_failure(SendMessageError(text), PEER)) is NotConnectedError


def test_our_own_wait_running_out_is_uncertain() -> None:
    failure = send_failure(TimeoutError(), PEER)
    assert isinstance(failure, SendUncertainError)
    assert "within 90 s" in str(failure)


async def test_a_send_whose_ack_never_comes_is_uncertain(
    neonize_account: NeonizeAccount,
    neonize_recorder: Any,
    neonize_build: Any,
    neonize_paired_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The real client, online by its events; WhatsApp (unreachable from here) never
    answers the message: the account gives up waiting and says it may have arrived."""
    account = neonize_account
    await online(account, neonize_recorder, neonize_paired_session, neonize_build)
    account._on_whatsapp.put(PEER, True, asyncio.get_running_loop().time())
    handed: list[object] = []

    async def no_answer(to: object, message: object) -> object:
        handed.append(message)
        await asyncio.Event().wait()  # the server's acknowledgement never comes

    monkeypatch.setattr(account._client, "send_message", no_answer)
    monkeypatch.setattr(neonize_module, "SEND_TIMEOUT", 0.2)
    with pytest.raises(SendUncertainError, match=f"did not confirm the message to \\{PEER}"):
        await account.send_text(PEER, "hello")
    assert len(handed) == 1


async def test_the_real_client_with_its_socket_closed_says_offline(
    neonize_account: NeonizeAccount,
    neonize_recorder: Any,
    neonize_build: Any,
    neonize_paired_session: Any,
) -> None:
    """The Connected event said online but the socket never opened: the real Go client
    refuses the send before anything leaves — the bot is offline, not uncertain."""
    account = neonize_account
    await online(account, neonize_recorder, neonize_paired_session, neonize_build)
    account._on_whatsapp.put(PEER, True, asyncio.get_running_loop().time())
    with pytest.raises(NotConnectedError):
        await account.send_text(PEER, "hello")


def test_a_closed_socket_found_while_looking_the_recipient_up_is_offline() -> None:
    # What the real client says when the socket is closed (seen in the test above).
    text = (
        "failed to get user info for 971501234568@s.whatsapp.net to fill LID cache: "
        "failed to send usync query: websocket not connected"
    )
    assert type(send_failure(SendMessageError(text), PEER)) is NotConnectedError
