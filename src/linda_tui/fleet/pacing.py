"""Sending limits per bot: the guard between an operator (or a script) and a ban.

WhatsApp bans numbers that send in bulk. Every send through the fleet, manual ones
included, counts against the bot's per-minute, per-hour and per-day limits from
bots.yaml (``pacing``); a send over a limit is refused with how long to wait. The
random pause between broadcast messages is the broadcast engine's business.
"""

from __future__ import annotations

from collections import deque

from linda_tui.config.models import Pacing

WINDOWS: tuple[tuple[str, float], ...] = (
    ("per_minute", 60.0),
    ("per_hour", 3600.0),
    ("per_day", 86400.0),
)
_WINDOW_WORDS = {"per_minute": "minute", "per_hour": "hour", "per_day": "day"}


class SendRateGuard:
    """Sliding windows of send times, per bot, on a monotonic clock."""

    def __init__(self) -> None:
        self._sent: dict[str, deque[float]] = {}

    def refusal(self, bot_id: str, pacing: Pacing, now: float) -> str | None:
        """Why bot_id may not send now (None when it may)."""
        times = self._sent.get(bot_id)
        if not times:
            return None
        while times and now - times[0] >= 86400.0:
            times.popleft()
        for field, window in WINDOWS:
            limit: int = getattr(pacing, field)
            in_window = [t for t in times if now - t < window] if window < 86400.0 else list(times)
            if len(in_window) >= limit:
                wait = int(window - (now - in_window[-limit])) + 1
                return (
                    f"bot {bot_id} has sent {len(in_window)} messages in the last "
                    f"{_WINDOW_WORDS[field]} (limit {limit} per {_WINDOW_WORDS[field]}, "
                    f"bots.yaml pacing) — wait {wait} s or send from another bot"
                )
        return None

    def record(self, bot_id: str, now: float) -> None:
        self._sent.setdefault(bot_id, deque()).append(now)
