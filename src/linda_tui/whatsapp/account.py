"""One WhatsApp account, as the fleet sees it: an interface and the events it emits.

Two implementations: ``neonize_account.NeonizeAccount`` (the product, one neonize
client per bot) and ``simulated.SimulatedAccount`` (an in-process fake network for
--demo, training and tests). Both report everything through ``AccountEvent``s handed
to the ``emit`` callback given at construction; ``emit`` is always called on the
event loop's thread and must not block.

Events are compared by value but are not frozen dataclasses: on Python 3.11 a frozen
dataclass costs about twice as much to define, and defining the account and fleet
events took 9.7 ms of every start-up as frozen classes, 5.9 ms as plain ones. One
event reaches several listeners: a listener reads it, never changes it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from linda_tui.models import BotState, MessageStatus, utcnow
from linda_tui.terminal_text import visible


class PairMethod(StrEnum):
    QR = "qr"
    PHONE_CODE = "phone-code"


class AccountError(Exception):
    """An operation on one account failed; the message is fit for the operator."""


class NotConnectedError(AccountError):
    """The account is not online (not paired, reconnecting, banned, logged out...)."""


class SendError(AccountError):
    """WhatsApp refused or failed a send."""


class NotOnWhatsAppError(SendError):
    """The recipient's number has no WhatsApp account."""


class SendUncertainError(SendError):
    """The message was handed to WhatsApp but no answer came (the wait for the server's
    acknowledgement timed out, or the connection dropped before it): WhatsApp may have
    it, and the person may have read it. Never sent again on its own; the operator
    decides (resend, or count it as sent). Every other SendError happened before the
    message left, or is WhatsApp's error reply: certainly not delivered."""


@dataclass
class AccountEvent:
    """Something that happened to one account, at ``at`` (UTC)."""

    bot_id: str
    at: datetime = field(default_factory=utcnow, kw_only=True)


@dataclass
class StateChanged(AccountEvent):
    """The account moved to a new state. ``detail`` is the human reason
    ("reconnecting in 4 s: failed to dial ..."); ``until`` is set for bans and for
    reconnect attempts (when the next attempt happens)."""

    state: BotState
    detail: str | None = None
    until: datetime | None = None


@dataclass
class QRCodeIssued(AccountEvent):
    """A new pairing QR code to draw. ``payload`` is the text to encode."""

    payload: str
    expires_in: float  # seconds this code stays valid
    index: int  # 0 for the first code, then 1, 2... at each rotation


@dataclass
class PairCodeIssued(AccountEvent):
    """An 8-character code to type on the phone (Linked devices > Link with phone number),
    valid for ``expires_in`` seconds: as long as the pairing window."""

    code: str
    expires_in: float


@dataclass
class PairingSucceeded(AccountEvent):
    """The phone linked this bot; ``jid`` is the new device."""

    jid: str  # the paired device's JID, e.g. 971501234567:12@s.whatsapp.net


@dataclass
class PairingTimedOut(AccountEvent):
    """No phone linked the bot before the pairing window closed."""


@dataclass
class PairingFailed(AccountEvent):
    """Pairing ended with an error; ``reason`` is fit for the operator."""

    reason: str


@dataclass
class InboundMessage(AccountEvent):
    """A text message that reached the bot."""

    peer: str  # E.164 of the sender (or chat user for 1:1 chats)
    chat: str  # the chat JID
    text: str
    wa_id: str
    timestamp: datetime
    from_me: bool = False
    is_group: bool = False


@dataclass
class ReceiptReceived(AccountEvent):
    """WhatsApp reports messages sent by the bot as delivered, read or failed."""

    wa_ids: tuple[str, ...]
    status: MessageStatus  # DELIVERED, READ or FAILED
    peer: str | None = None


@dataclass
class Banned(AccountEvent):
    """WhatsApp barred the account for a while (a temporary ban; ``until`` None: no end given)."""

    code: int
    until: datetime | None
    reason: str = ""


@dataclass
class LoggedOut(AccountEvent):
    """The session ended: removed from the phone's linked devices, or refused by WhatsApp
    when connecting (``on_connect``)."""

    reason: str
    on_connect: bool = False


@dataclass(frozen=True)
class SentMessage:
    """WhatsApp accepted a send: the message's id and the server's time."""

    wa_id: str
    timestamp: datetime


Emit = Callable[[AccountEvent], None]

# The longest text WhatsApp takes in one message, in characters: every layer (the
# fleet's checks, each account's own, a broadcast's rendered texts) uses this one.
MAX_TEXT_CHARS = 65_536

# Whether a number has WhatsApp: "yes" holds for a day; "no" only briefly, since
# people sign up.
ON_WHATSAPP_TTL = 24 * 3600.0
NOT_ON_WHATSAPP_TTL = 600.0


class OnWhatsAppCache:
    """Answers to "is this number on WhatsApp?", each kept for its TTL, bounded in size.
    ``now`` is any monotonic clock in seconds (the caller's)."""

    def __init__(self, limit: int = 50_000) -> None:
        self._answers: dict[str, tuple[bool, float]] = {}
        self._limit = limit

    def get(self, phone: str, now: float) -> bool | None:
        """The answer still valid for phone, or None."""
        cached = self._answers.get(phone)
        if cached is None:
            return None
        answer, expires = cached
        return answer if now < expires else None

    def put(self, phone: str, answer: bool, now: float) -> None:
        self._answers.pop(phone, None)
        self._answers[phone] = (answer, now + (ON_WHATSAPP_TTL if answer else NOT_ON_WHATSAPP_TTL))
        while len(self._answers) > self._limit:
            self._answers.pop(next(iter(self._answers)))  # the oldest answer goes

    def clear(self) -> None:
        self._answers.clear()


# How both implementations word the same situations. Advice names no command: the
# console and the command line each say how to act in their own terms (a key, a command).
NOT_PAIRED_DETAIL = "no WhatsApp session yet — pair it with the bot's phone"
PAIRING_TIMED_OUT = "pairing timed out — no phone linked it in time"


def already_paired(bot_id: str) -> str:
    """Why pairing a bot that has a session is refused."""
    return f"{bot_id} is already paired — log it out first to link another phone"


def session_damaged(path: object, reason: str) -> str:
    """The state detail (BotState.ERROR) of a bot whose session file exists but cannot be
    read: never "not paired", which would invite pairing over it."""
    return (
        f"session file damaged ({reason}) — restore {visible(str(path))} from a "
        "backup, or move it aside and pair the bot again"
    )


def not_paired_reason(bot_id: str, state: BotState) -> str:
    """Why a bot without a session cannot send."""
    if state is BotState.LOGGED_OUT:
        return f"{bot_id} is logged out — pair it with its phone again"
    return f"{bot_id} is not paired — pair it with its phone first"


class WhatsAppAccount(ABC):
    """One bot's connection to WhatsApp.

    Life: ``start()`` resumes a paired session (no QR); an unpaired account goes
    to NOT_PAIRED. ``pair()`` connects in pairing mode and
    emits QR codes (or a phone code) until paired, timed out or cancelled.
    ``stop()`` must always return promptly and leave no task or thread behind.
    """

    def __init__(self, bot_id: str, phone: str, emit: Emit) -> None:
        self.bot_id = bot_id
        self.phone = phone  # E.164 from bots.yaml
        self._emit = emit

    @property
    @abstractmethod
    def is_paired(self) -> bool:
        """True when a session exists for this account (it can resume without a QR)."""

    @abstractmethod
    async def start(self) -> None:
        """Connect a paired account (returns at once; progress comes as events)."""

    @abstractmethod
    async def pair(self, method: PairMethod = PairMethod.QR, phone: str | None = None) -> None:
        """Start pairing. QR: emit QRCodeIssued at every rotation. PHONE_CODE: emit one
        PairCodeIssued for ``phone`` (default: the bot's own phone). Ends with
        PairingSucceeded, PairingTimedOut or PairingFailed. Returns at once."""

    @abstractmethod
    async def cancel_pairing(self) -> None: ...

    @abstractmethod
    async def send_text(self, to: str, text: str) -> SentMessage:
        """Send text to an E.164 number. Raises NotConnectedError (nothing left),
        NotOnWhatsAppError, SendUncertainError (handed over, no answer: it may have
        arrived) or SendError (not sent: refused before it left, or by WhatsApp)."""

    @abstractmethod
    async def is_on_whatsapp(self, phone: str) -> bool: ...

    @abstractmethod
    async def logout(self) -> None:
        """Unlink this device from the phone and delete the local session."""

    @abstractmethod
    async def stop(self) -> None:
        """Disconnect and release everything. Idempotent."""
