"""Time for the simulated network: a virtual "now" and a per-bot timeline of callbacks.

The simulated network schedules thousands of receipts and replies; one loop timer per
message would cost a handle each and make ``stop()`` hunt them down. A ``Timeline``
keeps its callbacks in a heap and arms ONE loop timer for the earliest, so scheduling
is a heap push and cancelling everything is ``clear()``.

Determinism: delays are added to ``VirtualNow.now()``, which is frozen for the rest of
the loop iteration once read, and pinned to a callback's due time while that callback
runs. Calls made back to back therefore share one base instant, and chains of events
(connected -> next disconnect) are computed from exact due times, not from how late
the loop happened to run them. Same calls, same seed -> same order of events.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# asyncio runs a timer when its time is within the clock resolution of "now"; firing
# uses the same slack so an early wake-up does not re-arm for a few microseconds.
_RESOLUTION = time.get_clock_info("monotonic").resolution


class VirtualNow:
    """The simulated instant, in event-loop seconds (``loop.time()``)."""

    def __init__(self) -> None:
        self._frozen: float | None = None
        self._thaw_pending = False

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        # Looked up every time (cheap): a network may outlive one asyncio.run().
        return asyncio.get_running_loop()

    def now(self) -> float:
        """The current instant; stays the same until the loop iteration ends."""
        frozen = self._frozen
        if frozen is None:
            loop = asyncio.get_running_loop()
            frozen = self._frozen = loop.time()
            if not self._thaw_pending:
                self._thaw_pending = True
                loop.call_soon(self._thaw)
        return frozen

    def pin(self, instant: float) -> None:
        """Make ``now()`` return ``instant`` (a callback's due time) until ``unpin()``."""
        self._frozen = instant

    def unpin(self) -> None:
        self._frozen = None

    def _thaw(self) -> None:
        self._thaw_pending = False
        self._frozen = None


class Timeline:
    """Callbacks due at virtual instants, run in (due, order added) order."""

    def __init__(self, now: VirtualNow) -> None:
        self._now = now
        self._heap: list[tuple[float, int, Callable[..., Any], tuple[Any, ...]]] = []
        self._order = itertools.count()
        self._handle: asyncio.TimerHandle | None = None
        self._armed_for = math.inf

    def __len__(self) -> int:
        """How many callbacks are still scheduled."""
        return len(self._heap)

    def call_at(self, due: float, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` at virtual instant ``due`` (loop seconds)."""
        heapq.heappush(self._heap, (due, next(self._order), callback, args))
        if due < self._armed_for:
            self._arm()

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback(*args)`` ``delay`` seconds after the current virtual instant."""
        self.call_at(self._now.now() + delay, callback, *args)

    def clear(self) -> None:
        """Cancel every scheduled callback."""
        self._heap.clear()
        self._disarm()

    def _disarm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._armed_for = math.inf

    def _arm(self) -> None:
        self._disarm()
        if self._heap:
            due = self._heap[0][0]
            self._armed_for = due
            self._handle = self._now.loop.call_at(due, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self._armed_for = math.inf
        heap = self._heap
        limit = self._now.loop.time() + _RESOLUTION
        try:
            while heap and heap[0][0] <= limit:
                due, _, callback, args = heapq.heappop(heap)
                self._now.pin(due)
                try:
                    callback(*args)
                except Exception:  # one faulty callback must not stop the network
                    log.exception("simulated network callback %r failed", callback)
        finally:
            self._now.unpin()
        # Callbacks may have scheduled (or cleared) entries: arm for what is left.
        if heap:
            self._arm()
        else:
            self._disarm()
