"""Fixtures for tests/whatsapp.

neonize_*: real neonize clients and real neonize protobuf events, no network (this
machine cannot reach WhatsApp, which is exactly the offline case the product must
handle). neonize is imported inside the fixtures, after pytest set up logging.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from linda_tui.clock import FixedClock
from linda_tui.models import BotState
from linda_tui.whatsapp.account import AccountEvent, StateChanged
from linda_tui.whatsapp.backoff import ExponentialBackoff
from linda_tui.whatsapp.neonize_account import NeonizeAccount, prepare_neonize_logging

NEONIZE_WAIT = 30.0  # generous ceiling: a broken adapter fails instead of hanging
BOT_PHONE = "+971501234567"

E = TypeVar("E", bound=AccountEvent)


class NeonizeRecorder:
    """The ``emit`` callback of an account: keeps every event, lets a test wait."""

    def __init__(self) -> None:
        self.events: list[AccountEvent] = []
        self._arrived: asyncio.Event | None = None

    def __call__(self, event: AccountEvent) -> None:
        self.events.append(event)
        if self._arrived is not None:
            self._arrived.set()

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    def states(self) -> list[StateChanged]:
        return self.of(StateChanged)

    async def wait_for(
        self, kind: type[E], where: Callable[[E], bool] = lambda _: True, *, after: int = 0
    ) -> E:
        """The first event of ``kind`` (at index >= ``after``) matching ``where``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + NEONIZE_WAIT
        seen = after
        while True:
            for event in self.events[seen:]:
                if isinstance(event, kind) and where(event):
                    return event
            seen = len(self.events)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"no {kind.__name__} in time; got: {[repr(e) for e in self.events]}"
                )
            self._arrived = asyncio.Event()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                pass

    async def wait_state(self, state: BotState, *, after: int = 0) -> StateChanged:
        return await self.wait_for(StateChanged, lambda e: e.state is state, after=after)


class NeonizeEventBuilder:
    """Real neonize protobuf events, complete the way the Go side sends them."""

    def __init__(self) -> None:
        prepare_neonize_logging()
        from neonize.proto import Neonize_pb2
        from neonize.proto.waE2E import WAWebProtobufsE2E_pb2

        self.proto = Neonize_pb2
        self.e2e = WAWebProtobufsE2E_pb2

    def jid(self, user: str = "", server: str = "s.whatsapp.net", device: int = 0) -> Any:
        return self.proto.JID(
            User=user, RawAgent=0, Device=device, Integrator=0, Server=server, IsEmpty=not user
        )

    def source(
        self,
        chat: Any,
        sender: Any,
        *,
        from_me: bool = False,
        group: bool = False,
        sender_alt: Any = None,
        recipient_alt: Any = None,
    ) -> Any:
        return self.proto.MessageSource(
            Chat=chat,
            Sender=sender,
            IsFromMe=from_me,
            IsGroup=group,
            SenderAlt=sender_alt if sender_alt is not None else self.jid(server=""),
            RecipientAlt=recipient_alt if recipient_alt is not None else self.jid(server=""),
            BroadcastListOwner=self.jid(server=""),
        )

    def message(
        self,
        source: Any,
        content: Any,
        *,
        wa_id: str = "3EB0A1B2C3D4E5F60718",
        timestamp_ms: int = 1_768_467_600_000,
        edit: bool = False,
    ) -> Any:
        info = self.proto.MessageInfo(
            MessageSource=source,
            ID=wa_id,
            ServerID=0,
            Type="text",
            Pushname="Customer",
            Timestamp=timestamp_ms,
            Category="",
            Multicast=False,
            MediaType="",
            Edit="",
        )
        return self.proto.Message(
            Info=info,
            Message=content,
            IsEphemeral=False,
            IsViewOnce=False,
            IsViewOnceV2=False,
            IsViewOnceV2Extension=False,
            IsDocumentWithCaption=False,
            IsLottieSticker=False,
            IsEdit=edit,
            UnavailableRequestID="",
            RetryCount=0,
        )

    def receipt(self, source: Any, ids: list[str], kind: int) -> Any:
        return self.proto.Receipt(
            MessageSource=source, MessageIDs=ids, Timestamp=1_768_467_600, Type=kind
        )


@pytest.fixture
def neonize_build() -> NeonizeEventBuilder:
    return NeonizeEventBuilder()


@pytest.fixture
def neonize_recorder() -> NeonizeRecorder:
    return NeonizeRecorder()


@pytest.fixture
def neonize_sessions(tmp_path: Path) -> Path:
    return tmp_path / "sessions"


def write_paired_session(path: Path, phone: str = BOT_PHONE, device: int = 12) -> None:
    """A whatsmeow session store holding one linked device, as pairing leaves it. The
    schema is neonize's own; the keys are random bytes of the right sizes (nobody can
    reach WhatsApp from here to notice)."""
    prepare_neonize_logging()
    from neonize.aioze.client import ClientFactory

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    ClientFactory.get_all_devices_from_db(str(path))  # neonize creates its schema
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO whatsmeow_device (jid, registration_id, noise_key, identity_key,"
            " signed_pre_key, signed_pre_key_id, signed_pre_key_sig, adv_key, adv_details,"
            " adv_account_sig, adv_account_sig_key, adv_device_sig, platform, push_name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                f"{phone.lstrip('+')}:{device}@s.whatsapp.net",
                int.from_bytes(os.urandom(4), "big") >> 1,
                os.urandom(32),
                os.urandom(32),
                os.urandom(32),
                1,
                os.urandom(64),
                os.urandom(32),
                os.urandom(16),
                os.urandom(64),
                os.urandom(32),
                os.urandom(64),
                "linux",
                "Linda test",
            ),
        )
    db.close()


@pytest.fixture
def neonize_paired_session(neonize_sessions: Path) -> Callable[[str], Path]:
    """Write a paired session for a bot id; returns its path."""

    def make(bot_id: str) -> Path:
        path = neonize_sessions / f"{bot_id}.db"
        write_paired_session(path)
        return path

    return make


@pytest.fixture
def neonize_clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
async def neonize_account(
    neonize_sessions: Path, neonize_recorder: NeonizeRecorder, neonize_clock: FixedClock
) -> AsyncIterator[NeonizeAccount]:
    """An account for bot1 (unpaired until a test writes its session). Back-off starts
    at 60 s so that after the offline connect attempt fails the account just waits
    while the test feeds it events. Always stopped at the end."""
    account = NeonizeAccount(
        "bot1",
        BOT_PHONE,
        neonize_recorder,
        neonize_sessions,
        clock=neonize_clock,
        backoff=ExponentialBackoff(initial=60.0, cap=60.0, jitter=0.0),
    )
    try:
        yield account
    finally:
        await asyncio.wait_for(account.stop(), NEONIZE_WAIT)


async def neonize_feed(account: NeonizeAccount, event: Any) -> None:
    """Hand a real neonize event to the handler the account's client registered, the
    way neonize does: serialised (every required field set), parsed, dispatched."""
    from neonize.events import EVENT_TO_INT

    client = account.client
    assert client is not None, "the account has no neonize client yet"
    parsed = type(event).FromString(event.SerializeToString())
    await client.event.list_func[EVENT_TO_INT[type(event)]](client, parsed)
