"""A send WhatsApp took but never confirmed is uncertain: not sent, not failed.

On the simulated network, as whatsmeow's sends fail on the real one: the
acknowledgement lost (the message is in the network's log, the person has it), the
connection dropped after the hand-off, or a failure before anything left (refused by
the server's error reply, the frame never written)."""

from __future__ import annotations

import json

import pytest

from linda_tui.fleet.manager import Fleet, SendRefusedError
from linda_tui.models import MessageStatus
from linda_tui.whatsapp.simulated import SendFailure, SimulatedNetwork

TO = "+971501234567"


def handed_to_whatsapp(network: SimulatedNetwork) -> list[str]:
    network.flush()
    if not network.message_log.exists():
        return []
    return [json.loads(line)["to"] for line in network.message_log.read_text().splitlines()]


@pytest.mark.parametrize("failure", [SendFailure.ACK_LOST, SendFailure.DROPPED])
async def test_a_send_without_an_answer_is_uncertain_and_never_repeated(
    fleet: Fleet, network: SimulatedNetwork, failure: SendFailure
) -> None:
    network.fail_next_send("demo-main", failure)
    (result,) = await fleet.send(TO, "Your viewing is at 5 pm", bot="demo-main")
    assert not result.ok and result.uncertain and not result.retryable
    assert "did not confirm" in (result.error or "")
    assert handed_to_whatsapp(network) == [TO]  # WhatsApp has it
    (stored,) = await fleet.store.list_messages()
    # Neither sent nor failed: pending, with why.
    assert stored.status is MessageStatus.PENDING and stored.failed_at is None
    assert stored.error == result.error
    entries = [e for e in await fleet.store.list_audit() if e.action == "send"]
    assert entries and entries[0].detail.get("uncertain") is True
    # The same text again is refused: it may have arrived.
    with pytest.raises(SendRefusedError, match="may have arrived"):
        await fleet.send(TO, "Your viewing is at 5 pm", bot="demo-support")
    assert handed_to_whatsapp(network) == [TO]


@pytest.mark.parametrize("failure", [SendFailure.REFUSED, SendFailure.NOT_LEFT])
async def test_a_send_that_never_left_is_failed(
    fleet: Fleet, network: SimulatedNetwork, failure: SendFailure
) -> None:
    network.fail_next_send("demo-main", failure)
    (result,) = await fleet.send(TO, "Your viewing is at 5 pm", bot="demo-main")
    assert not result.ok and not result.uncertain
    assert handed_to_whatsapp(network) == []
    (stored,) = await fleet.store.list_messages()
    assert stored.status is MessageStatus.FAILED
    # Certainly not delivered: the same text may go again.
    (again,) = await fleet.send(TO, "Your viewing is at 5 pm", bot="demo-main")
    assert again.ok and handed_to_whatsapp(network) == [TO]
