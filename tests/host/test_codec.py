"""Records and events survive the trip through the wire unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from linda_tui.config import demo_fleet
from linda_tui.fleet.events import (
    AccountEventForwarded,
    BotStatusChanged,
    FleetError,
    MessageRecorded,
    OptedOut,
)
from linda_tui.fleet.manager import SendResult
from linda_tui.fleet.status import BotStatus
from linda_tui.host.codec import WireError, from_wire, to_wire
from linda_tui.models import BotState, Direction, Message, MessageStatus
from linda_tui.whatsapp.account import InboundMessage, QRCodeIssued, ReceiptReceived

NOW = datetime(2026, 11, 30, 9, 30, 15, 123000, tzinfo=UTC)


def trip(value: object) -> object:
    return from_wire(json.loads(json.dumps(to_wire(value))))


def status() -> BotStatus:
    bot = demo_fleet().bots[0]
    return BotStatus(bot=bot, state=BotState.RECONNECTING, since=NOW, detail="x", sent_today=3)


@pytest.mark.parametrize(
    "value",
    [
        BotStatusChanged.now(status()),
        MessageRecorded(
            message=Message(
                bot_id="demo-main",
                direction=Direction.OUT,
                peer="+971501234567",
                text="مرحبا [/] 👍",
                status=MessageStatus.READ,
                created_at=NOW,
                wa_id="3EB0AA",
                id=12,
            ),
            at=NOW,
        ),
        OptedOut(phone="+971501234567", bot_id="demo-main", text="توقف", at=NOW),
        FleetError(bot_id=None, message="could not save", at=NOW),
        AccountEventForwarded(
            event=QRCodeIssued("demo-sales", payload="2@abc,def", expires_in=60.0, index=0, at=NOW),
            at=NOW,
        ),
        AccountEventForwarded(
            event=ReceiptReceived(
                "demo-main", wa_ids=("A", "B"), status=MessageStatus.DELIVERED, at=NOW
            ),
            at=NOW,
        ),
        AccountEventForwarded(
            event=InboundMessage(
                "demo-main",
                peer="+971501234567",
                chat="971501234567@s.whatsapp.net",
                text="hi",
                wa_id="X",
                timestamp=NOW,
                at=NOW,
            ),
            at=NOW,
        ),
        SendResult(bot_id="demo-main", to="+971501234567", ok=False, error="not online"),
    ],
)
def test_records_and_events_come_back_equal(value: object) -> None:
    back = trip(value)
    assert back == value
    assert type(back) is type(value)


def test_enums_come_back_as_members_so_identity_checks_hold() -> None:
    back = trip(BotStatusChanged.now(status()))
    assert isinstance(back, BotStatusChanged)
    assert back.state is BotState.RECONNECTING
    assert back.status.state is BotState.RECONNECTING
    assert back.status.since == NOW


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"$t": "os.system", "command": "rm -rf /"}, "unknown record type"),
        ({"$t": "FleetError", "bot_id": None, "message": 5, "at": NOW.isoformat()}, "expected str"),
        ({"$t": "FleetError", "message": "m", "at": "yesterday"}, "not a time"),
        ({"$t": "BotStatusChanged", "status": None, "state": "asleep", "detail": None}, "BotState"),
        ({"$t": 7}, "unknown record type"),
    ],
)
def test_what_the_wire_does_not_allow_is_a_wire_error(data: object, reason: str) -> None:
    with pytest.raises(WireError, match=reason):
        from_wire(data)
