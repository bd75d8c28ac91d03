"""App-wide messages: how the fleet's events reach the console.

The fleet calls the app's listener on the event loop's thread; the listener turns
each event into one of these and posts it to the app, so widgets only ever change
inside Textual's message loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from linda_tui import models
from linda_tui.whatsapp.account import AccountEvent


@dataclass
class BotsChanged(Message):
    """One or more bots' rows changed. The changed ids are collected by the app, so a
    burst of status updates collapses into one redraw (Toolong's ``can_replace``)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BotsChanged)


@dataclass
class BotStateMoved(Message):
    """A bot moved from one state to another (for the activity log; never collapsed)."""

    bot_id: str
    old: models.BotState | None
    new: models.BotState
    detail: str | None


@dataclass
class MessageUpdated(Message):
    """A message was stored or its status moved (sent, delivered, read, failed, received)."""

    message: models.Message


@dataclass
class AccountEventArrived(Message):
    """A raw account event: QR codes, pair codes, pairing results, bans..."""

    event: AccountEvent


@dataclass
class OptOutRecorded(Message):
    phone: str
    bot_id: str
    text: str


@dataclass
class FleetProblem(Message):
    """Something failed in the background; shown to the operator."""

    bot_id: str | None
    text: str


@dataclass
class FleetOpened(Message):
    """The store is open and every bot has been started."""


@dataclass
class FleetOpenFailed(Message):
    """The fleet could not start; ``reason`` is one line fit for the operator."""

    reason: str
