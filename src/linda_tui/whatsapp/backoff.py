"""Exponential back-off with jitter, for reconnecting to WhatsApp.

whatsmeow does not retry a first connection that fails, so the account retries on its
own: 2 s, 4 s, 8 s ... capped at 60 s, each delay scattered by a random factor so a
fleet that lost the network at once does not reconnect in lock-step.
"""

from __future__ import annotations

import random


class ExponentialBackoff:
    """Delays that double from ``initial`` up to ``cap``, each multiplied by a random
    factor in ``[1 - jitter, 1 + jitter]`` (and never above ``cap``).

    Stateful: ``next_delay()`` advances, ``reset()`` starts over (call it once a
    connection succeeds). Give each account its own instance.
    """

    def __init__(
        self,
        initial: float = 2.0,
        cap: float = 60.0,
        factor: float = 2.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        if initial <= 0 or cap < initial:
            raise ValueError("back-off needs 0 < initial <= cap")
        if factor < 1:
            raise ValueError("back-off factor must be at least 1")
        if not 0 <= jitter < 1:
            raise ValueError("back-off jitter must be in [0, 1)")
        self.initial = initial
        self.cap = cap
        self.factor = factor
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._attempt = 0

    @property
    def attempts(self) -> int:
        """How many delays were handed out since the last reset."""
        return self._attempt

    def next_delay(self) -> float:
        """The delay before the next attempt, in seconds."""
        # Cap the exponent too, so a long outage cannot overflow the float.
        base = min(self.cap, self.initial * self.factor ** min(self._attempt, 64))
        self._attempt += 1
        if self.jitter:
            base *= self._rng.uniform(1 - self.jitter, 1 + self.jitter)
        return min(self.cap, base)

    def reset(self) -> None:
        """Start again from ``initial`` (after a successful connection)."""
        self._attempt = 0
