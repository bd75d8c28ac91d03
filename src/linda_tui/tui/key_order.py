"""Keys typed in one burst go where each would have gone typed slowly.

Textual routes a key to the focused widget as soon as the app reads it, but a key that
moves the focus (tab, down from a search field into its results, a key that opens a
dialog) does so only once the widget has handled it and it has bubbled back up to the
app's bindings. In a burst (a paste, a fast typist on a laggy SSH link, keys queued
while the console was busy) the keys after it were already routed to the widget it was
leaving: "jose ↓ ↓ ctrl+s" in the Contacts pane opened Compose on the first result, not
the second; "+971... ⇥ message" put the message into the To field.

``KeysOneAtATime`` (mixed into the app) routes a key only once the one before it has
settled: consumed by a widget, handled at the app, or at the latest after
``SETTLE_SECONDS`` (a handler that awaits something long must not hold the keyboard).
A held key goes back to the app's queue when its turn comes; keys read meanwhile wait
behind it (one that went ahead turned "+971..." into "+791...").
Keys that arrive apart, as typed by hand, are routed at once, as before. Inside one
field the order was already kept (see ``widgets.text_fields``).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from textual import events
from textual.app import App

# The longest a key waits for the one before it to settle.
SETTLE_SECONDS = 0.25


class KeysOneAtATime(App[int]):
    """An App whose keys are routed one at a time (see the module's docstring)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._key_in_flight: events.Key | None = None
        self._key_sent_at = 0.0
        self._key_back: events.Key | None = None  # the last key handled back at the app
        self._held_keys: deque[events.Key] = deque()
        # A held key posted back to the app and not routed yet: the keys that come
        # meanwhile wait behind it (they were read after it).
        self._key_in_transit: events.Key | None = None
        self._releasing: asyncio.Task[None] | None = None

    def _key_settled(self) -> bool:
        key = self._key_in_flight
        return (
            key is None
            or not key.is_forwarded  # a priority binding took it at the app
            or key._stop_propagation  # noqa: SLF001 — a widget consumed it
            or key._no_default_action  # noqa: SLF001
            or key is self._key_back
            or time.monotonic() - self._key_sent_at >= SETTLE_SECONDS
        )

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                released = event is self._key_in_transit
                if released:
                    self._key_in_transit = None
                elif self._held_keys or self._key_in_transit is not None or not self._key_settled():
                    self._held_keys.append(event)  # its turn comes when the last settles
                    if self._releasing is None or self._releasing.done():
                        self._releasing = asyncio.create_task(self._release_held_keys())
                    return
                self._key_in_flight = event
                self._key_sent_at = time.monotonic()
            elif event is self._key_in_flight:
                try:
                    await super().on_event(event)  # the app's bindings, for a bubbled key
                finally:
                    self._key_back = event
                return
        await super().on_event(event)

    async def _release_held_keys(self) -> None:
        while self._held_keys:
            while not self._key_settled():
                await asyncio.sleep(0.001)
            key = self._held_keys.popleft()
            self._key_in_transit = key
            self.post_message(key)
            # Until the app has routed it (then it is the one in flight): it is in the
            # app's queue, behind whatever was there, and comes however busy the app is.
            while self._key_in_transit is key and self.is_running:
                await asyncio.sleep(0.001)
