"""Broadcast pacing on a fake clock: pauses, caps, warm-up, quiet hours (across
midnight and daylight saving), caps recomputed after a restart, profiles, ETA."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from linda_tui.broadcast import pacing as pacing_module
from linda_tui.broadcast.pacing import (
    DEFAULT_WARM_UP,
    BotPacer,
    PacingError,
    QuietHours,
    WarmUp,
    WarmUpStep,
    estimate_finish,
    pace_profile,
)
from linda_tui.clock import FixedClock
from linda_tui.config.models import Pacing

LONDON = ZoneInfo("Europe/London")
DUBAI = ZoneInfo("Asia/Dubai")
T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)  # a Thursday, 10:00 UTC


def fixed(start: datetime = T0) -> FixedClock:
    return FixedClock(start)


def pacer(
    pacing: Pacing | None = None,
    *,
    quiet: QuietHours | None = None,
    paired_days_ago: float | None = None,
    now: datetime = T0,
    **kwargs: object,
) -> BotPacer:
    paired_at = now - timedelta(days=paired_days_ago) if paired_days_ago is not None else None
    return BotPacer(
        "main",
        pacing or Pacing(min_delay_seconds=0, max_delay_seconds=0),
        quiet_hours=quiet,
        paired_at=paired_at,
        **kwargs,  # type: ignore[arg-type]
    )


def send_while_allowed(bot: BotPacer, clock: FixedClock, count: int) -> list[datetime]:
    """Send count messages as soon as each is allowed, moving the clock; their times."""
    times = []
    for _ in range(count):
        at = bot.next_send_at(clock.now())
        clock.advance((at - clock.now()).total_seconds())
        bot.record(clock.now())
        times.append(clock.now())
    return times


# --- the pause -----------------------------------------------------------------------------


def test_nothing_sent_yet_means_send_now() -> None:
    bot = pacer(Pacing())
    assert bot.next_send(T0).at == T0
    assert bot.next_send(T0).reason is None


def test_a_fixed_pause_between_two_messages() -> None:
    bot = pacer(Pacing(min_delay_seconds=45, max_delay_seconds=45))
    bot.record(T0)
    following = bot.next_send(T0 + timedelta(seconds=10))
    assert following.at == T0 + timedelta(seconds=45)
    assert following.reason == "the pause between two messages"
    # Once the pause is over, now.
    assert bot.next_send_at(T0 + timedelta(seconds=50)) == T0 + timedelta(seconds=50)


def test_random_pauses_stay_in_range_and_repeat_with_the_same_seed() -> None:
    def pauses(seed: int) -> list[float]:
        bot = pacer(Pacing(min_delay_seconds=30, max_delay_seconds=60), rng=random.Random(seed))
        clock = fixed()
        times = send_while_allowed(bot, clock, 40)
        return [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]

    first = pauses(7)
    assert all(30 <= p <= 60 for p in first)
    assert len({round(p) for p in first}) > 10  # really random, not one value
    assert pauses(7) == first
    assert pauses(8) != first


def test_asking_twice_gives_the_same_answer() -> None:
    bot = pacer(Pacing(min_delay_seconds=30, max_delay_seconds=60), rng=random.Random(1))
    bot.record(T0)
    assert bot.next_send_at(T0) == bot.next_send_at(T0)


# --- caps ----------------------------------------------------------------------------------------


def test_the_per_minute_cap() -> None:
    bot = pacer(Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=5))
    clock = fixed()
    times = send_while_allowed(bot, clock, 6)
    assert times[:5] == [T0] * 5
    assert times[5] == T0 + timedelta(minutes=1)
    bot2 = pacer(Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=5))
    for _ in range(5):
        bot2.record(T0)
    assert bot2.next_send(T0).reason == "at most 5 per minute"


def test_the_per_hour_and_per_day_caps() -> None:
    hourly = pacer(Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30, per_hour=40))
    times = send_while_allowed(hourly, fixed(), 41)
    assert times[40] == times[0] + timedelta(hours=1)
    daily = pacer(
        Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30, per_hour=60, per_day=100)
    )
    times = send_while_allowed(daily, fixed(), 101)
    assert times[100] == times[0] + timedelta(days=1)
    capped = pacer(
        Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30, per_hour=60, per_day=100),
        sent_times=times[:100],
    )
    assert capped.next_send(times[99]).reason == "at most 100 per day"


def test_caps_count_messages_sent_outside_the_campaign() -> None:
    """A manual send from the console counts: the times come from the store."""
    manual = [T0 - timedelta(minutes=50) + timedelta(seconds=i) for i in range(80)]
    bot = pacer(Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30), sent_times=manual)
    following = bot.next_send(T0)
    assert following.reason == "at most 80 per hour"
    assert following.at == manual[0] + timedelta(hours=1)


def test_caps_survive_a_restart() -> None:
    """Recomputed from the send times alone, a new pacer waits exactly as the old one."""
    limits = Pacing(min_delay_seconds=20, max_delay_seconds=20, per_minute=3, per_hour=10)
    before = pacer(limits)
    clock = fixed()
    times = send_while_allowed(before, clock, 10)
    after = pacer(limits, sent_times=times)
    for moment in (
        clock.now(),
        clock.now() + timedelta(minutes=5),
        clock.now() + timedelta(minutes=59),
    ):
        assert after.next_send(moment) == before.next_send(moment)
    assert after.next_send(clock.now()).reason == "at most 10 per hour"


def test_the_pause_after_the_last_send_survives_a_restart() -> None:
    limits = Pacing(min_delay_seconds=60, max_delay_seconds=60)
    after = pacer(limits, sent_times=[T0])
    assert after.next_send_at(T0 + timedelta(seconds=1)) == T0 + timedelta(seconds=60)


def test_send_times_older_than_a_day_do_not_count() -> None:
    old = [T0 - timedelta(hours=25)] * 600
    bot = pacer(sent_times=old)
    assert bot.next_send_at(T0) == T0
    assert bot.sent_in_window("per_day", T0) == 0


def test_send_times_may_arrive_in_any_order() -> None:
    times = [T0 - timedelta(seconds=s) for s in (5, 50, 20, 40, 10)]
    bot = pacer(Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=5), sent_times=times)
    assert bot.next_send_at(T0) == T0 - timedelta(seconds=50) + timedelta(minutes=1)


# --- warm-up ----------------------------------------------------------------------------------------


def test_a_bot_paired_yesterday_sends_at_most_20_an_hour() -> None:
    bot = pacer(
        Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30), paired_days_ago=1.5
    )
    assert bot.limits_at(T0) == (30, 20, 50)
    times = send_while_allowed(bot, fixed(), 21)
    assert times[20] == T0 + timedelta(hours=1)
    bot2 = pacer(
        Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30), paired_days_ago=1.5
    )
    for _ in range(20):
        bot2.record(T0)
    assert bot2.next_send(T0).reason == "warm-up day 2: at most 20 per hour"


@pytest.mark.parametrize(
    ("days_ago", "per_hour", "per_day"),
    [
        (0, 20, 50),
        (1.99, 20, 50),
        (2, 40, 100),
        (3.5, 40, 100),
        (4, 60, 200),
        (6.9, 60, 200),
        (7, 80, 500),
        (30, 80, 500),
    ],
)
def test_warm_up_caps_rise_day_by_day(days_ago: float, per_hour: int, per_day: int) -> None:
    bot = pacer(Pacing(), paired_days_ago=days_ago)
    assert bot.limits_at(T0) == (5, per_hour, per_day)


def test_warm_up_never_raises_the_bots_own_caps() -> None:
    bot = pacer(Pacing(per_hour=10, per_day=30), paired_days_ago=0.5)
    assert bot.limits_at(T0) == (5, 10, 30)


def test_a_bot_with_no_pairing_date_has_no_warm_up() -> None:
    assert pacer(Pacing()).limits_at(T0) == (5, 80, 500)


def test_the_daily_warm_up_cap_holds_and_then_rises() -> None:
    """Day 1: 50 messages, then nothing until the sliding day lets older ones go."""
    paired = T0
    bot = BotPacer(
        "new",
        Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30, per_hour=80),
        paired_at=paired,
    )
    times = send_while_allowed(bot, fixed(), 51)
    assert times[49] < T0 + timedelta(hours=3)
    assert times[50] == times[0] + timedelta(days=1)  # the 51st waits a whole day


def test_a_custom_warm_up() -> None:
    custom = WarmUp((WarmUpStep(1, 5, 10), WarmUpStep(3, 10, 30)))
    bot = pacer(Pacing(), paired_days_ago=2.5, warm_up=custom)
    assert bot.limits_at(T0) == (5, 10, 30)
    assert custom.days == 3
    assert pacer(Pacing(), paired_days_ago=3.5, warm_up=custom).limits_at(T0) == (5, 80, 500)


@pytest.mark.parametrize(
    "steps",
    [
        (WarmUpStep(2, 20, 50), WarmUpStep(2, 30, 60)),  # same day twice
        (WarmUpStep(2, 20, 50), WarmUpStep(4, 10, 60)),  # a cap going down
        (WarmUpStep(0, 20, 50),),
        (WarmUpStep(2, 0, 50),),
    ],
)
def test_bad_warm_up_steps_are_refused(steps: tuple[WarmUpStep, ...]) -> None:
    with pytest.raises(PacingError):
        WarmUp(steps)


def test_default_warm_up_is_documented_values() -> None:
    assert [(s.last_day, s.per_hour, s.per_day) for s in DEFAULT_WARM_UP.steps] == [
        (2, 20, 50),
        (4, 40, 100),
        (7, 60, 200),
    ]


# --- quiet hours ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock_time", "expected"),
    [
        ("20:59", None),
        ("21:00", "09:00+1"),
        ("23:30", "09:00+1"),
        ("00:00", "09:00"),
        ("03:00", "09:00"),
        ("08:59", "09:00"),
        ("09:00", None),
        ("14:00", None),
    ],
)
def test_quiet_hours_across_midnight(clock_time: str, expected: str | None) -> None:
    quiet = QuietHours(time(21, 0), time(9, 0), UTC)
    hour, minute = map(int, clock_time.split(":"))
    now = datetime(2026, 1, 15, hour, minute, tzinfo=UTC)
    following = pacer(quiet=quiet).next_send(now)
    if expected is None:
        assert following.at == now and following.reason is None
    else:
        day = 16 if expected.endswith("+1") else 15
        assert following.at == datetime(2026, 1, day, 9, 0, tzinfo=UTC)
        assert following.reason == "quiet hours (21:00-09:00)"


def test_quiet_hours_within_one_day() -> None:
    quiet = QuietHours(time(13, 0), time(14, 30), UTC)
    assert quiet.end_after(datetime(2026, 1, 15, 13, 10, tzinfo=UTC)) == datetime(
        2026, 1, 15, 14, 30, tzinfo=UTC
    )
    assert not quiet.contains(datetime(2026, 1, 15, 12, 59, tzinfo=UTC))
    assert not quiet.contains(datetime(2026, 1, 15, 23, 0, tzinfo=UTC))


def test_quiet_hours_follow_the_fleet_time_zone() -> None:
    quiet = QuietHours(time(21, 0), time(9, 0), DUBAI)  # UTC+4
    # 18:00 UTC is 22:00 in Dubai: quiet until 09:00 Dubai = 05:00 UTC.
    assert pacer(quiet=quiet).next_send_at(datetime(2026, 1, 15, 18, 0, tzinfo=UTC)) == datetime(
        2026, 1, 16, 5, 0, tzinfo=UTC
    )
    assert not quiet.contains(datetime(2026, 1, 15, 16, 59, tzinfo=UTC))


def test_quiet_hours_on_the_night_clocks_go_forward() -> None:
    """London, 29 March 2026: 01:00 GMT becomes 02:00 BST. 09:00 BST is 08:00 UTC."""
    quiet = QuietHours(time(21, 0), time(9, 0), LONDON)
    evening = datetime(2026, 3, 28, 21, 30, tzinfo=UTC)  # 21:30 GMT
    assert quiet.end_after(evening) == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert not quiet.contains(datetime(2026, 3, 29, 8, 0, tzinfo=UTC))
    assert quiet.contains(datetime(2026, 3, 29, 7, 59, tzinfo=UTC))
    # The next evening starts at 21:00 BST = 20:00 UTC.
    assert quiet.contains(datetime(2026, 3, 29, 20, 0, tzinfo=UTC))
    assert not quiet.contains(datetime(2026, 3, 29, 19, 59, tzinfo=UTC))


def test_quiet_hours_on_the_night_clocks_go_back() -> None:
    """London, 25 October 2026: 02:00 BST becomes 01:00 GMT. 21:00 BST is 20:00 UTC."""
    quiet = QuietHours(time(21, 0), time(9, 0), LONDON)
    evening = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
    assert quiet.contains(evening)
    assert quiet.end_after(evening) == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # 09:00 GMT
    bot = pacer(quiet=quiet)
    assert bot.next_send_at(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == datetime(
        2026, 10, 25, 9, 0, tzinfo=UTC
    )


def test_quiet_hours_ending_inside_the_skipped_hour() -> None:
    """01:30 does not exist in London on 29 March 2026: the quiet hours end after the gap."""
    quiet = QuietHours(time(0, 30), time(1, 30), LONDON)
    inside = datetime(2026, 3, 29, 0, 45, tzinfo=UTC)  # 00:45 GMT
    end = quiet.end_after(inside)
    assert end == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # = 02:30 BST, just after the gap
    assert not quiet.contains(end)


def test_a_campaign_waits_through_the_night_on_a_fake_clock() -> None:
    quiet = QuietHours(time(21, 0), time(9, 0), LONDON)
    clock = fixed(datetime(2026, 1, 15, 20, 58, tzinfo=UTC))
    bot = pacer(Pacing(min_delay_seconds=60, max_delay_seconds=60), quiet=quiet)
    times = send_while_allowed(bot, clock, 4)
    assert times[:2] == [
        datetime(2026, 1, 15, 20, 58, tzinfo=UTC),
        datetime(2026, 1, 15, 20, 59, tzinfo=UTC),
    ]
    assert times[2] == datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
    assert times[3] == datetime(2026, 1, 16, 9, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("21:00-09:00", time(21), time(9)),
        (" 22:30 – 7:15 ", time(22, 30), time(7, 15)),
        ("13:00-24:00", time(13), time(0)),
    ],
)
def test_quiet_hours_are_written_as_a_range(text: str, start: time, end: time) -> None:
    parsed = QuietHours.parse(text, LONDON)
    assert parsed is not None and (parsed.start, parsed.end, parsed.zone) == (start, end, LONDON)


@pytest.mark.parametrize("text", ["off", "none", "", "OFF"])
def test_quiet_hours_can_be_turned_off(text: str) -> None:
    assert QuietHours.parse(text, UTC) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("21-09", "not a time of day"),
        ("25:00-09:00", "not a time of day"),
        ("21:00", "not a range of hours"),
        ("21:60-09:00", "not a time of day"),
        ("09:00-09:00", "start and end at the same time"),
        ("nine to five", "not a range"),
    ],
)
def test_bad_quiet_hours_are_one_line_errors(text: str, problem: str) -> None:
    with pytest.raises(PacingError) as caught:
        QuietHours.parse(text, UTC)
    assert problem in str(caught.value) and " — " in str(caught.value)


# --- start time ----------------------------------------------------------------------------------


def test_nothing_goes_before_the_campaign_start_time() -> None:
    start = T0 + timedelta(hours=2)
    bot = pacer(not_before=start)
    assert bot.next_send(T0).at == start
    assert bot.next_send(T0).reason == "the campaign's start time"


# --- profiles ----------------------------------------------------------------------------------------


def test_demo_fast_is_refused_without_demo() -> None:
    with pytest.raises(PacingError, match="only for --demo"):
        pace_profile("demo-fast", demo=False)
    assert pace_profile("demo-fast", demo=True).name == "demo-fast"
    assert pace_profile("Standard", demo=False).name == "standard"


def test_an_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(PacingError, match="use one of: standard, demo-fast"):
        pace_profile("turbo", demo=True)


def test_demo_fast_has_no_pause_no_cap_no_quiet_hours_no_warm_up() -> None:
    night = datetime(2026, 1, 15, 23, 0, tzinfo=UTC)
    bot = BotPacer(
        "demo-main",
        Pacing(),
        profile=pace_profile("demo-fast", demo=True),
        quiet_hours=QuietHours(zone=UTC),
        paired_at=night,
    )
    for _ in range(1000):
        bot.record(night)
    assert bot.next_send(night).at == night
    assert bot.limits_at(night) == (None, None, None)
    assert estimate_finish([bot], 100_000, night) == night


# --- estimated finish ----------------------------------------------------------------------------------


def test_eta_of_one_bot_is_its_pauses() -> None:
    bot = pacer(Pacing(min_delay_seconds=60, max_delay_seconds=60, per_minute=5))
    assert estimate_finish([bot], 10, T0) == T0 + timedelta(minutes=9)
    assert estimate_finish([bot], 0, T0) == T0
    # Estimating changes nothing about the bot itself.
    assert bot.next_send_at(T0) == T0


def test_eta_uses_the_middle_of_the_random_pause() -> None:
    bot = pacer(Pacing(min_delay_seconds=30, max_delay_seconds=60), rng=random.Random(3))
    assert estimate_finish([bot], 3, T0) == T0 + timedelta(seconds=90)


def test_eta_of_a_few_messages_waits_for_the_pause_before_a_bots_second() -> None:
    """3 recipients over 2 bots at 30-60 s: the bot with two sends its second after the
    pause (45 s, the middle of the range), so the finish is not now."""
    standard = Pacing(min_delay_seconds=30, max_delay_seconds=60)
    bots = [BotPacer("main", standard), BotPacer("support", standard)]
    shares = {"main": 2, "support": 1}
    assert estimate_finish(bots, shares, T0) == T0 + timedelta(seconds=45)
    assert estimate_finish(bots, 3, T0) == T0 + timedelta(seconds=45)
    # One bot sent a moment ago: its one message waits for the rest of its pause.
    bots[0].record(T0 - timedelta(seconds=5))
    assert estimate_finish(bots, {"main": 1}, T0) == T0 + timedelta(seconds=40)


def test_eta_over_several_bots_shares_the_messages() -> None:
    bots = [
        BotPacer(f"bot-{i}", Pacing(min_delay_seconds=60, max_delay_seconds=60)) for i in range(3)
    ]
    assert estimate_finish(bots, 9, T0) == T0 + timedelta(minutes=2)
    assert estimate_finish(bots, 10, T0) == T0 + timedelta(minutes=3)


def test_eta_with_a_share_per_bot() -> None:
    fast = BotPacer("fast", Pacing(min_delay_seconds=10, max_delay_seconds=10))
    slow = BotPacer("slow", Pacing(min_delay_seconds=60, max_delay_seconds=60))
    assert estimate_finish([fast, slow], {"fast": 7, "slow": 3}, T0) == T0 + timedelta(minutes=2)
    assert estimate_finish([fast], {"gone": 1}, T0) is None
    assert estimate_finish([], 5, T0) is None


def test_eta_with_own_shares_and_a_share_any_bot_may_take() -> None:
    """As a campaign's workers do: each bot sends its own share first, then takes from
    the share of a bot that dropped out (None) whenever it is free."""
    minute = Pacing(min_delay_seconds=60, max_delay_seconds=60)
    a, b = BotPacer("a", minute), BotPacer("b", minute)
    # b takes the shared 5 while a sends its own 5.
    assert estimate_finish([a, b], {"a": 5, None: 5}, T0) == T0 + timedelta(minutes=4)
    # 15 in all at one a minute each: the shared 10 are split as the bots come free.
    assert estimate_finish([a, b], {"a": 5, None: 10}, T0) == T0 + timedelta(minutes=7)
    # Only shared: as many as before, any bot.
    assert estimate_finish([a, b], {None: 10}, T0) == estimate_finish([a, b], 10, T0)
    # A bot held back (warm-up day 1: 20 an hour, all sent) keeps its own share: the
    # others do not finish it for it.
    held = BotPacer(
        "held",
        Pacing(min_delay_seconds=0, max_delay_seconds=0),
        paired_at=T0 - timedelta(hours=1),
        sent_times=[T0 - timedelta(minutes=30)] * 20,
    )
    assert estimate_finish([held, b], {"held": 1, None: 1}, T0) == T0 + timedelta(minutes=30)
    assert estimate_finish([held, b], 2, T0) == T0 + timedelta(minutes=1)
    assert estimate_finish([b], {"held": 1, None: 1}, T0) is None


def test_eta_accounts_for_quiet_hours_caps_and_warm_up() -> None:
    quiet = QuietHours(time(21, 0), time(9, 0), UTC)
    evening = datetime(2026, 1, 15, 20, 0, tzinfo=UTC)
    bot = BotPacer(
        "new",
        Pacing(min_delay_seconds=0, max_delay_seconds=0, per_minute=30),
        quiet_hours=quiet,
        paired_at=evening - timedelta(hours=1),
    )
    # Warm-up day 1: 20 an hour. 30 messages: 20 at 20:00, quiet at 21:00, the
    # last 10 at 09:00 the next morning.
    assert estimate_finish([bot], 30, evening) == datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
    assert estimate_finish([bot], 20, evening) == evening


def test_eta_of_a_large_campaign_extrapolates_what_playing_it_out_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quiet = QuietHours(time(21, 0), time(9, 0), DUBAI)
    bots = [
        BotPacer(
            f"bot-{i}",
            Pacing(),
            quiet_hours=quiet,
            paired_at=T0 - timedelta(days=i * 3),
            sent_times=[T0 - timedelta(minutes=m) for m in range(10 * i)],
        )
        for i in range(3)
    ]
    estimate = estimate_finish(bots, 30_000, T0)
    per_bot = estimate_finish(bots, {"bot-0": 9_000, "bot-1": 9_000, "bot-2": 12_000}, T0)
    monkeypatch.setattr(pacing_module, "_EXACT_STEPS", 10**9)
    monkeypatch.setattr(pacing_module, "_MOST_STEPS", 10**9)
    exact = estimate_finish(bots, 30_000, T0)
    exact_per_bot = estimate_finish(bots, {"bot-0": 9_000, "bot-1": 9_000, "bot-2": 12_000}, T0)
    assert estimate is not None and exact is not None
    assert per_bot is not None and exact_per_bot is not None
    # Three weeks ahead, within a few minutes of playing every message out.
    assert abs(estimate - exact) < timedelta(minutes=10)
    assert abs(per_bot - exact_per_bot) < timedelta(minutes=10)
    assert exact - T0 > timedelta(days=20)
    assert not quiet.contains(estimate) and not quiet.contains(per_bot)


def test_an_eta_of_500_a_day_is_about_right() -> None:
    """Three long-paired bots, 500 a day each, 15,000 messages: about ten days."""
    bots = [BotPacer(f"b{i}", Pacing()) for i in range(3)]
    estimate = estimate_finish(bots, 15_000, T0)
    assert estimate is not None
    assert timedelta(days=9) < estimate - T0 < timedelta(days=10, hours=1)
