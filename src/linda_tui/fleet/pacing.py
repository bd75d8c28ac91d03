"""Sending limits per bot: the guard between an operator (or a script) and a ban.

WhatsApp bans numbers that send in bulk. Every send through the fleet, manual ones
included, counts against the bot's per-minute, per-hour and per-day limits from
bots.yaml (``pacing``); a send over a limit is refused with how long to wait.

``SendWindows`` is the arithmetic of those sliding windows, shared with the
broadcast planner (``linda_tui.broadcast.pacing``), which adds the random pause,
warm-up and quiet hours on top of the same windows.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass

from linda_tui.config.models import Pacing

WINDOWS: tuple[tuple[str, float], ...] = (
    ("per_minute", 60.0),
    ("per_hour", 3600.0),
    ("per_day", 86400.0),
)
_WINDOW_WORDS = {"per_minute": "minute", "per_hour": "hour", "per_day": "day"}
_LONGEST = max(span for _, span in WINDOWS)


@dataclass(frozen=True)
class FullWindow:
    """A window that has reached its limit at some moment."""

    field: str  # "per_minute", "per_hour" or "per_day"
    count: int  # messages in the window at that moment
    limit: int
    free_at: float  # when the oldest message that counts leaves the window


def pacing_limits(pacing: Pacing) -> tuple[int, int, int]:
    """The per-minute, per-hour and per-day limits, in the order of WINDOWS."""
    return (pacing.per_minute, pacing.per_hour, pacing.per_day)


class SendWindows:
    """The send times of one bot, and how they stand against per-window limits.

    Times are seconds on any one clock (monotonic for the fleet's guard, epoch
    seconds for the broadcast planner). A message at time t counts in the window
    of length W at time ``now`` while ``now - t < W``. Times may be recorded out
    of order (loaded from the store, say); only the last day's are kept.
    """

    __slots__ = ("_times",)

    def __init__(self, times: Sequence[float] = ()) -> None:
        self._times: list[float] = sorted(times)

    def record(self, at: float) -> None:
        """One more message sent at this time."""
        if self._times and at < self._times[-1]:
            insort(self._times, at)
        else:
            self._times.append(at)
        # Forget what no window can count any more (amortised: drop in chunks).
        horizon = self._times[-1] - _LONGEST
        if self._times[0] <= horizon and len(self._times) > 64:
            del self._times[: bisect_right(self._times, horizon)]

    def count(self, span: float, now: float) -> int:
        """Messages sent in the window of this length ending at now."""
        return bisect_right(self._times, now) - bisect_right(self._times, now - span)

    def times(self) -> list[float]:
        """The recorded times that can still count, oldest first (a copy)."""
        return list(self._times)

    def last(self) -> float | None:
        """The time of the latest message recorded, if any."""
        return self._times[-1] if self._times else None

    def full_window(self, limits: Sequence[int | None], now: float) -> FullWindow | None:
        """The first window (minute, hour, day) already at its limit at now, if any.

        limits follow WINDOWS; None means no limit for that window. free_at is the
        earliest time one more message fits in that window.
        """
        times = self._times
        end = bisect_right(times, now)
        for (field, span), limit in zip(WINDOWS, limits, strict=True):
            if limit is None:
                continue
            count = end - bisect_right(times, now - span)
            if count >= limit:
                # The limit-th newest message in the window has to leave it first.
                return FullWindow(field, count, limit, times[end - limit] + span)
        return None

    def free_at(self, limits: Sequence[int | None], now: float) -> float:
        """The earliest time >= now at which one more message fits in every window."""
        moment = now
        # Each step moves strictly forward past one full window, and past the last
        # message plus a day every window is empty: this ends.
        while (full := self.full_window(limits, moment)) is not None:
            moment = full.free_at
        return moment


class SendRateGuard:
    """Sliding windows of send times, per bot, on a monotonic clock."""

    def __init__(self) -> None:
        self._sent: dict[str, SendWindows] = {}

    def refusal(self, bot_id: str, pacing: Pacing, now: float) -> str | None:
        """Why bot_id may not send now (None when it may)."""
        windows = self._sent.get(bot_id)
        if windows is None:
            return None
        full = windows.full_window(pacing_limits(pacing), now)
        if full is None:
            return None
        word = _WINDOW_WORDS[full.field]
        wait = int(full.free_at - now) + 1
        return (
            f"bot {bot_id} has sent {full.count} messages in the last {word} "
            f"(limit {full.limit} per {word}, bots.yaml pacing) — wait {wait} s or send "
            "from another bot"
        )

    def record(self, bot_id: str, now: float) -> None:
        self._sent.setdefault(bot_id, SendWindows()).record(now)
