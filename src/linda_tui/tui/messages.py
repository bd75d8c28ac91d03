"""App-wide messages: how the fleet's events reach the console.

The fleet calls the app's listener on the event loop's thread; the listener queues
each event and posts ``FleetEventsArrived`` once, so widgets only ever change inside
Textual's message loop and a burst of events costs one message, not one per event.
"""

from __future__ import annotations

from textual.message import Message


class FleetEventsArrived(Message):
    """Fleet events are waiting in the app's queue (it drains them all at once)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FleetEventsArrived)


class FleetOpened(Message):
    """The store is open and every bot has been started."""


class FleetOpenFailed(Message):
    """The fleet could not start; ``reason`` is one line fit for the operator."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
