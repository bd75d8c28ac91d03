"""`linda send` tells the truth about a message WhatsApp took but never confirmed: it
may have been delivered — neither "sent" nor "failed", and a status of its own (5) so
that a script retrying failures does not message the person twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from linda_tui.cli import linda
from linda_tui.whatsapp import simulated
from linda_tui.whatsapp.simulated import SendFailure, SimulatedNetwork

TO = "+971501234567"


@pytest.fixture
def ack_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """demo-main's first send reaches the network, and its acknowledgement never comes."""
    monkeypatch.setattr(simulated, "ACK_TIMEOUT", 0.05)
    account = SimulatedNetwork.account

    def failing_account(self: SimulatedNetwork, bot_id: str, *args: Any) -> Any:
        if bot_id == "demo-main":
            self.fail_next_send(bot_id, SendFailure.ACK_LOST)
        return account(self, bot_id, *args)

    monkeypatch.setattr(SimulatedNetwork, "account", failing_account)


def send(data: Path, *extra: str) -> Any:
    args = ["--demo", "--data-dir", str(data), "send", "--to", TO, "--bot", "demo-main"]
    return CliRunner().invoke(linda, [*args, *extra, "Viewing at 5pm"])


def network_log(data: Path) -> list[str]:
    path = data / "simulated-network.jsonl"
    return [json.loads(line)["to"] for line in path.read_text().splitlines()]


@pytest.mark.usefixtures("ack_lost")
def test_send_says_the_message_may_have_been_delivered(tmp_path: Path) -> None:
    result = send(tmp_path / "data")
    assert result.exit_code == 5, result.output
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert "may have been delivered" in last and "check with the contact" in last
    assert "failed" not in last
    assert network_log(tmp_path / "data") == [TO]  # WhatsApp has it


@pytest.mark.usefixtures("ack_lost")
def test_send_json_marks_it_uncertain(tmp_path: Path) -> None:
    result = send(tmp_path / "data", "--json")
    assert result.exit_code == 5
    document = json.loads(result.stdout[: result.stdout.rindex("]") + 1])
    assert document[0]["ok"] is False and document[0]["uncertain"] is True
