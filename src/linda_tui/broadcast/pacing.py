"""When each bot may send its next broadcast message, and when a campaign will finish.

A ``BotPacer`` keeps one bot's rules:

- a random pause between two messages (bots.yaml ``min_delay_seconds`` to
  ``max_delay_seconds``), drawn from a seeded random source when a send is
  recorded, so asking "when next?" twice gives the same answer;
- the per-minute, per-hour and per-day caps, as sliding windows over every
  message the bot sent, inside a campaign or not (``fleet.pacing.SendWindows``,
  the same arithmetic as the fleet's own guard). The times come from the store
  (``Store.sent_times``), so the caps survive a restart;
- a warm-up for a bot paired in the last days (``WarmUp``): lower hourly and
  daily caps, rising day by day;
- quiet hours in the fleet's time zone (``QuietHours``, 21:00-09:00 by default),
  during which nothing is sent.

``estimate_finish`` plays those rules forward for the messages left, over one or
several bots, for the estimated finish time. Pacing profiles (``PACE_PROFILES``)
name sets of rules: ``standard``, and ``demo-fast`` (no pause, no cap, no quiet
hours, no warm-up), which only ``--demo`` accepts.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from linda_tui.config.models import DEFAULT_WARM_UP_STEPS, Pacing, parse_hours_range
from linda_tui.fleet.pacing import WINDOWS, SendWindows, pacing_limits
from linda_tui.models import PAIR_SUCCESS
from linda_tui.store.base import Store

__all__ = [
    "DEFAULT_QUIET_HOURS",
    "DEFAULT_WARM_UP",
    "PACE_PROFILES",
    "BotPacer",
    "NextSend",
    "PaceProfile",
    "PacingError",
    "QuietHours",
    "WarmUp",
    "WarmUpStep",
    "estimate_finish",
    "load_pacers",
    "pace_profile",
    "paired_times",
]

DAY = 86400.0


class PacingError(ValueError):
    """A pacing setting that cannot be used; the message is one line with the fix."""


# --- pacing profiles ------------------------------------------------------------------------


@dataclass(frozen=True)
class PaceProfile:
    """A named set of pacing rules for a campaign (``--pace``)."""

    name: str
    pauses: bool = True  # the random pause between two messages
    caps: bool = True  # per-minute, per-hour and per-day caps
    quiet_hours: bool = True
    warm_up: bool = True
    demo_only: bool = False  # only accepted under --demo
    description: str = ""


STANDARD = PaceProfile(
    "standard",
    description="bots.yaml pacing: pauses, caps, warm-up and quiet hours",
)
DEMO_FAST = PaceProfile(
    "demo-fast",
    pauses=False,
    caps=False,
    quiet_hours=False,
    warm_up=False,
    demo_only=True,
    description="no pause, no cap, no quiet hours: for demos and tests (--demo only)",
)
PACE_PROFILES: dict[str, PaceProfile] = {p.name: p for p in (STANDARD, DEMO_FAST)}


def pace_profile(name: str, *, demo: bool) -> PaceProfile:
    """The profile called name, or PacingError. A demo-only profile (demo-fast) is
    refused unless demo is true: on a real fleet it would get numbers banned."""
    profile = PACE_PROFILES.get(name.strip().lower())
    if profile is None:
        known = ", ".join(PACE_PROFILES)
        raise PacingError(f"unknown pace profile {name!r} — use one of: {known}")
    if profile.demo_only and not demo:
        raise PacingError(
            f"pace profile {profile.name!r} sends with no pause and no cap, which gets "
            "real WhatsApp numbers banned — it is only for --demo; use 'standard'"
        )
    return profile


# --- quiet hours -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietHours:
    """Hours of the day, in the fleet's time zone, when no broadcast message is sent.

    start > end spans midnight (21:00-09:00: from 21:00 until 09:00 the next
    morning). Times are wall-clock times in zone, so the window follows daylight
    saving: on the night clocks change, it is an hour shorter or longer in UTC.
    An end that falls in the hour skipped by a spring change is read as the first
    moment after the gap.
    """

    start: time = time(21, 0)
    end: time = time(9, 0)
    zone: tzinfo = UTC

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise PacingError(
                f"quiet hours {self.start:%H:%M}-{self.end:%H:%M} start and end at the same "
                "time — write e.g. 21:00-09:00, or 'off' for none"
            )

    @classmethod
    def parse(cls, text: str, zone: tzinfo, setting: str = "quiet hours") -> QuietHours | None:
        """Quiet hours written "21:00-09:00" (None for "off", "none" or empty)."""
        try:
            hours = parse_hours_range(text, setting)
        except ValueError as exc:
            raise PacingError(str(exc)) from None
        return cls(hours[0], hours[1], zone) if hours is not None else None

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, at: datetime) -> bool:
        """Whether at is inside the quiet hours."""
        now = at.astimezone(self.zone).time()
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def interval_from(self, at: datetime) -> tuple[datetime, datetime]:
        """The quiet interval at is in, or else the next one: (start, end) in UTC."""
        local_day = at.astimezone(self.zone).date()
        overnight = self.start > self.end
        for offset in (-1, 0, 1, 2):
            day = local_day + timedelta(days=offset)
            start = datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)
            end_day = day + timedelta(days=1) if overnight else day
            end = datetime.combine(end_day, self.end, tzinfo=self.zone).astimezone(UTC)
            if end > at and end > start:
                return start, end
        raise AssertionError("a day always has quiet hours")  # pragma: no cover

    def end_after(self, at: datetime) -> datetime:
        """The first moment from at that is not quiet (at itself when it is not)."""
        if not self.contains(at):
            return at
        local = at.astimezone(self.zone)
        day: date = local.date()
        if self.start > self.end and local.time() >= self.start:
            day += timedelta(days=1)  # evening: quiet until tomorrow morning
        end = datetime.combine(day, self.end, tzinfo=self.zone).astimezone(UTC)
        return end if end > at else at


DEFAULT_QUIET_HOURS = (time(21, 0), time(9, 0))


# --- warm-up ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarmUpStep:
    """Caps for a bot in its first days after pairing: up to and including last_day."""

    last_day: int  # day 1 is the first 24 hours after pairing
    per_hour: int
    per_day: int


@dataclass(frozen=True)
class WarmUp:
    """Lower caps for a newly paired bot, rising day by day. A step never raises a
    cap above the bot's own pacing; after the last step the bot's pacing applies.

    The defaults follow PRODUCT.md's guidance: new numbers send about 20 an hour on
    days 1-2, rising to about 80 an hour (bots.yaml's default per_hour). The daily
    caps are Linda's conservative reading of "low daily caps rising day by day":

    ========  ========  =======
    days      per hour  per day
    ========  ========  =======
    1-2       20        50
    3-4       40        100
    5-7       60        200
    8 on      bots.yaml pacing
    ========  ========  =======
    """

    steps: tuple[WarmUpStep, ...] = tuple(
        WarmUpStep(last, per_hour, per_day)
        for _first, last, per_hour, per_day in DEFAULT_WARM_UP_STEPS
    )

    def __post_init__(self) -> None:
        previous: WarmUpStep | None = None
        for step in self.steps:
            if step.last_day < 1 or step.per_hour < 1 or step.per_day < 1:
                raise PacingError(f"warm-up step {step} — days and caps must be at least 1")
            if previous is not None and (
                step.last_day <= previous.last_day
                or step.per_hour < previous.per_hour
                or step.per_day < previous.per_day
            ):
                raise PacingError(
                    f"warm-up steps must go on in days and never lower a cap ({previous} then "
                    f"{step}) — order them by day, with rising caps"
                )
            previous = step

    @property
    def days(self) -> int:
        """How many days the warm-up lasts."""
        return self.steps[-1].last_day if self.steps else 0

    def step_at(self, paired_at: datetime, at: datetime) -> tuple[int, WarmUpStep] | None:
        """(day number, step) that applies at this time, None once warm-up is over."""
        elapsed = (at - paired_at).total_seconds()
        day = max(1, math.floor(elapsed / DAY) + 1)
        for step in self.steps:
            if day <= step.last_day:
                return day, step
        return None

    def ends_at(self, paired_at: datetime) -> datetime:
        """When the warm-up is over for a bot paired at that time."""
        return paired_at + timedelta(days=self.days)


DEFAULT_WARM_UP = WarmUp()


# --- one bot ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextSend:
    """When a bot may send next, and what it is waiting for (None: nothing)."""

    at: datetime
    reason: str | None = None


_WORD = {"per_minute": "minute", "per_hour": "hour", "per_day": "day"}


def _epoch(at: datetime) -> float:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r} — pass a timezone-aware datetime")
    return at.timestamp()


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class BotPacer:
    """One bot's broadcast pacing: ask ``next_send(now)``, then ``record(at)`` each send.

    pacing is the bot's (bots.yaml, with its overrides); sent_times are the bot's
    messages of the last day, from the store; paired_at, when the bot was paired
    (None: long ago, no warm-up). rng draws the pauses: pass a seeded one for
    reproducible runs; None uses the middle of the range (what estimates use).
    not_before holds every send until then (a campaign's start time).
    """

    def __init__(
        self,
        bot_id: str,
        pacing: Pacing,
        *,
        profile: PaceProfile = STANDARD,
        quiet_hours: QuietHours | None = None,
        warm_up: WarmUp | None = DEFAULT_WARM_UP,
        paired_at: datetime | None = None,
        sent_times: Iterable[datetime] = (),
        rng: random.Random | None = None,
        not_before: datetime | None = None,
    ) -> None:
        self.bot_id = bot_id
        self.pacing = pacing
        self.profile = profile
        self.quiet_hours = quiet_hours if profile.quiet_hours else None
        self.warm_up = warm_up if profile.warm_up and paired_at is not None else None
        self.paired_at = paired_at
        self.rng = rng
        self.not_before = not_before
        self._not_before = _epoch(not_before) if not_before is not None else -math.inf
        self._paired = _epoch(paired_at) if paired_at is not None else 0.0
        self._windows = SendWindows([_epoch(t) for t in sent_times])
        # Quiet hours as epoch seconds: the interval last looked up, and from when
        # the lookup holds (so most questions are two comparisons, no time zone).
        self._quiet = (math.inf, -math.inf, math.inf)  # (valid from, start, end)
        last = self._windows.last()
        # After a restart the pause after the last message still applies.
        self._pause_until = last + self._pause() if last is not None else -math.inf

    def copy(self, *, rng: random.Random | None = None) -> BotPacer:
        """An independent pacer in the same state (for estimates that play ahead)."""
        twin = object.__new__(BotPacer)
        twin.__dict__.update(self.__dict__)
        twin.rng = rng
        twin._windows = SendWindows(self._windows.times())
        return twin

    def _pause(self) -> float:
        if not self.profile.pauses:
            return 0.0
        low, high = self.pacing.min_delay_seconds, self.pacing.max_delay_seconds
        return self.rng.uniform(low, high) if self.rng is not None else (low + high) / 2

    def _warm_up_step(self, moment: float) -> tuple[int, WarmUpStep] | None:
        if self.warm_up is None:
            return None
        day = max(1, math.floor((moment - self._paired) / DAY) + 1)
        for step in self.warm_up.steps:
            if day <= step.last_day:
                return day, step
        return None

    def _limits(self, moment: float) -> tuple[int | None, int | None, int | None]:
        if not self.profile.caps:
            return (None, None, None)
        per_minute, per_hour, per_day = pacing_limits(self.pacing)
        found = self._warm_up_step(moment)
        if found is not None:
            step = found[1]
            per_hour, per_day = min(per_hour, step.per_hour), min(per_day, step.per_day)
        return (per_minute, per_hour, per_day)

    def limits_at(self, at: datetime) -> tuple[int | None, int | None, int | None]:
        """The per-minute, per-hour and per-day caps at that time (warm-up applied);
        None where the profile sets no cap."""
        return self._limits(_epoch(at))

    def _quiet_until(self, moment: float) -> float | None:
        """The end of the quiet hours moment falls in, or None when it is not quiet."""
        quiet = self.quiet_hours
        if quiet is None:
            return None
        valid_from, start, end = self._quiet
        if not valid_from <= moment < end:
            start_at, end_at = quiet.interval_from(_utc(moment))
            valid_from, start, end = moment, _epoch(start_at), _epoch(end_at)
            self._quiet = (valid_from, start, end)
        return end if moment >= start else None

    def _next(self, moment: float) -> tuple[float, str | None]:
        reason: str | None = None
        if self._not_before > moment:
            moment, reason = self._not_before, "the campaign's start time"
        if self._pause_until > moment:
            moment, reason = self._pause_until, "the pause between two messages"
        while True:  # each pass only moves forward, and a handful settle any case
            full = self._windows.full_window(self._limits(moment), moment)
            if full is not None:
                moment, reason = full.free_at, self._cap_reason(full.field, full.limit, moment)
                continue
            quiet_end = self._quiet_until(moment)
            if quiet_end is not None:
                moment, reason = quiet_end, f"quiet hours ({self.quiet_hours})"
                continue
            return moment, reason

    def _cap_reason(self, field: str, limit: int, moment: float) -> str:
        word = _WORD[field]
        found = self._warm_up_step(moment) if field != "per_minute" else None
        if found is not None and limit == getattr(found[1], field):
            return f"warm-up day {found[0]}: at most {limit} per {word}"
        return f"at most {limit} per {word}"

    def next_send(self, now: datetime) -> NextSend:
        """The earliest time from now at which this bot may send, and why not sooner."""
        moment, reason = self._next(_epoch(now))
        return NextSend(_utc(moment) if reason is not None else now, reason)

    def next_send_at(self, now: datetime) -> datetime:
        """next_send(now).at."""
        return self.next_send(now).at

    def record(self, at: datetime) -> None:
        """The bot sent a message at that time (from a campaign or not): it counts
        against the caps, and the next pause starts."""
        self._record(_epoch(at))

    def _record(self, moment: float) -> None:
        self._windows.record(moment)
        self._pause_until = max(self._pause_until, moment + self._pause())

    def sent_in_window(self, field: str, now: datetime) -> int:
        """How many messages count against a cap now ("per_minute", "per_hour", "per_day")."""
        span = dict(WINDOWS)[field]
        return self._windows.count(span, _epoch(now))


# --- estimates -------------------------------------------------------------------------------------

# Messages per bot an estimate plays one by one before it extrapolates, once the
# warm-up is over and a whole day of the steady rhythm (caps and quiet hours
# repeat daily) has been played; and the most it plays in any case.
_EXACT_STEPS = 5_000
_MOST_STEPS = 50_000
# How far back the extrapolation measures the pace.
_RHYTHM = 7 * DAY


def _steady_from(pacers: Iterable[BotPacer], start: float) -> float:
    """When every bot's warm-up is over (and one day has passed): the daily rhythm
    from then on repeats, so the pace measured after it holds."""
    ends = [start]
    for pacer in pacers:
        if pacer.warm_up is not None and pacer.paired_at is not None:
            ends.append(_epoch(pacer.warm_up.ends_at(pacer.paired_at)))
    return max(ends) + DAY


def _extrapolate(sends: Sequence[float], left: int, steady_from: float) -> datetime:
    """When `left` more messages would be done, after those played (sends).

    The steady rhythm repeats day after day, so the sends of the last whole days
    played (since steady_from, up to a week) are repeated, shifted by that many
    days: the estimate then falls at a time the bot really sends (never in quiet
    hours). With less than a day played (no pause, no cap), the pace is linear.
    """
    last = sends[-1]
    available = last - max(sends[0], steady_from - DAY)
    days = min(_RHYTHM, available) // DAY
    if days < 1:
        if available <= 0:
            return _utc(last)  # everything at once: no pause, no cap
        count = len(sends) - bisect_right(sends, last - available)
        return _utc(last + left * available / max(count, 1))
    period = days * DAY
    window = sends[bisect_right(sends, last - period) :]
    cycles, index = divmod(left - 1, len(window))
    return _utc(window[index] + (cycles + 1) * period)


def _done_playing(step: int, moment: float, steady_from: float, bots: int) -> bool:
    if step >= _MOST_STEPS * bots:
        return True
    return step >= _EXACT_STEPS * bots and moment >= steady_from


def _finish_one(pacer: BotPacer, count: int, now: datetime) -> datetime:
    """When one bot would send the last of count messages, starting now."""
    twin = pacer.copy()
    start = moment = _epoch(now)
    steady_from = _steady_from([pacer], start)
    sends: list[float] = []
    for step in range(count):
        if _done_playing(step, moment, steady_from, 1):
            return _extrapolate(sends, count - step, steady_from)
        moment = twin._next(moment)[0]
        twin._record(moment)
        sends.append(moment)
    return _utc(moment) if moment > start else now


def _finish_shared(
    pacers: Sequence[BotPacer], own: Mapping[str, int], anyone: int, now: datetime
) -> datetime:
    """When the last message would go when each bot sends its own share first and then
    takes from a share any of them may send (as a campaign's workers do once a bot has
    dropped out): the bots are played together, the next message going from whichever
    bot is free first. Past the steady rhythm, each bot's own share is extrapolated from
    its own sends and the shared rest from all of them."""
    twins = [p.copy() for p in pacers]
    left = [own.get(t.bot_id, 0) for t in twins]
    start = _epoch(now)
    queue = [(t._next(start)[0], i) for i, t in enumerate(twins)]
    heapq.heapify(queue)
    sends: list[float] = []
    by_bot: list[list[float]] = [[] for _ in twins]
    steady_from = _steady_from(twins, start)
    while queue:
        if sends and _done_playing(len(sends), sends[-1], steady_from, len(twins)):
            ends = [sends[-1]]
            for i, count in enumerate(left):
                if count > 0:
                    done = (
                        _extrapolate(by_bot[i], count, steady_from)
                        if by_bot[i]
                        else _finish_one(twins[i], count, _utc(sends[-1]))
                    )
                    ends.append(_epoch(done))
            if anyone > 0:
                ends.append(_epoch(_extrapolate(sends, sum(left) + anyone, steady_from)))
            return _utc(max(ends))
        moment, i = heapq.heappop(queue)
        if left[i] > 0:
            left[i] -= 1
        elif anyone > 0:
            anyone -= 1
        else:
            continue  # this bot has nothing more it may take: it is done
        twins[i]._record(moment)
        sends.append(moment)
        by_bot[i].append(moment)
        heapq.heappush(queue, (twins[i]._next(moment)[0], i))
    return _utc(sends[-1]) if sends and sends[-1] > start else now


def estimate_finish(
    pacers: Sequence[BotPacer],
    remaining: int | Mapping[str, int] | Mapping[str | None, int],
    now: datetime,
) -> datetime | None:
    """When the last of the remaining messages would go, under every pacing rule.

    remaining is a number of messages that any of the bots may take (the next goes
    from whichever bot is free first), or a count per bot id (each bot sends its
    own share, as a campaign's plan assigns them), where the key None counts the
    messages any bot may take once its own share is done (the share of a bot that
    dropped out). None when there are messages but no bot to send them. Pauses are
    taken at the middle of their range. The messages are played one by one until the
    warm-up is over and the daily rhythm steady (at least 5,000 per bot), the rest
    extrapolated from that rhythm.
    """
    if isinstance(remaining, Mapping):
        by_id = {p.bot_id: p for p in pacers}
        shares: Mapping[str | None, int] = remaining  # type: ignore[assignment]
        anyone = shares.get(None, 0)
        own = {bot: count for bot, count in shares.items() if bot is not None and count > 0}
        if any(bot not in by_id for bot in own):
            return None
        if anyone > 0:
            if not own:
                return estimate_finish(pacers, anyone, now)
            return _finish_shared(pacers, own, anyone, now) if pacers else None
        finish = now
        for bot_id, count in own.items():
            finish = max(finish, _finish_one(by_id[bot_id], count, now))
        return finish
    if remaining <= 0:
        return now
    if not pacers:
        return None
    if len(pacers) == 1:
        return _finish_one(pacers[0], remaining, now)
    twins = [p.copy() for p in pacers]
    start = _epoch(now)
    queue = [(t._next(start)[0], i) for i, t in enumerate(twins)]
    heapq.heapify(queue)
    sends: list[float] = []
    steady_from = _steady_from(twins, start)
    for sent in range(remaining):
        if sends and _done_playing(sent, sends[-1], steady_from, len(twins)):
            return _extrapolate(sends, remaining - sent, steady_from)
        moment, i = heapq.heappop(queue)
        twins[i]._record(moment)
        sends.append(moment)
        heapq.heappush(queue, (twins[i]._next(moment)[0], i))
    return _utc(sends[-1]) if sends[-1] > start else now


# --- from the store ---------------------------------------------------------------------------


async def paired_times(store: Store, bots: Iterable[str]) -> dict[str, datetime | None]:
    """When each bot was last paired (its warm-up counts from then), from the audit
    trail; None for a bot never paired through Linda. One index lookup per bot, however
    many messages it sent since."""
    return {bot: await store.last_audit_at(bot, PAIR_SUCCESS) for bot in bots}


async def load_pacers(
    store: Store,
    pacing_by_bot: Mapping[str, Pacing],
    *,
    now: datetime,
    profile: PaceProfile = STANDARD,
    quiet_hours: QuietHours | None = None,
    warm_up: WarmUp | None = DEFAULT_WARM_UP,
    paired_at: Mapping[str, datetime | None] | None = None,
    seed: int | None = None,
    not_before: datetime | None = None,
) -> dict[str, BotPacer]:
    """A pacer per bot with the bot's sends of the last day read from the store (every
    outbound message, campaign or not): caps and the pause carry over a restart.
    paired_at is read from the store too (``paired_times``) unless given, so the engine
    and every plan (dry run, create, the console's form) apply the same warm-up.
    seed makes the pauses reproducible (each bot draws from its own stream)."""
    since = now - timedelta(seconds=DAY)
    if paired_at is None:
        paired_at = await paired_times(store, pacing_by_bot) if warm_up is not None else {}
    pacers: dict[str, BotPacer] = {}
    for index, (bot_id, pacing) in enumerate(pacing_by_bot.items()):
        pacers[bot_id] = BotPacer(
            bot_id,
            pacing,
            profile=profile,
            quiet_hours=quiet_hours,
            warm_up=warm_up,
            paired_at=paired_at.get(bot_id),
            sent_times=await store.sent_times(bot_id, since),
            rng=random.Random(seed * 1_000_003 + index) if seed is not None else random.Random(),
            not_before=not_before,
        )
    return pacers
